//! Black-box tests of `Latch`: counts down once, releases every waiter, timeouts.

use std::time::Duration;

use selvedge_locks::Latch;

#[test]
fn every_waiter_is_released_at_zero() {
    let latch = Latch::new(3);
    std::thread::scope(|s| {
        let waiters: Vec<_> = (0..3).map(|_| s.spawn(|| latch.wait())).collect();
        for _ in 0..3 {
            assert!(latch.count() > 0);
            latch.count_down();
        }
        for w in waiters {
            w.join().unwrap();
        }
    });
    assert_eq!(latch.count(), 0);
    latch.count_down();
    assert_eq!(latch.count(), 0);
}

#[test]
fn wait_timeout_fails_while_counts_remain() {
    let latch = Latch::new(2);
    latch.count_down();
    let err = latch.wait_timeout(Duration::from_millis(5)).unwrap_err();
    assert!(err.waited() >= Duration::from_millis(5));
    latch.count_down();
    assert!(latch.wait_timeout(Duration::ZERO).is_ok());
}
