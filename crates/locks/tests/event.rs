//! Black-box tests of `Event`: set wakes every waiter, clear re-arms, timeouts.

use std::time::Duration;

use selvedge_locks::Event;

#[test]
fn set_wakes_every_waiter_and_clear_rearms() {
    let event = Event::new();
    std::thread::scope(|s| {
        let waiters: Vec<_> = (0..4).map(|_| s.spawn(|| event.wait())).collect();
        std::thread::sleep(Duration::from_millis(5));
        event.set();
        for w in waiters {
            w.join().unwrap();
        }
    });
    assert!(event.is_set());
    event.clear();
    assert!(!event.is_set());
    let err = event.wait_timeout(Duration::from_millis(5)).unwrap_err();
    assert_eq!(err.what(), "event to be set");
}

#[test]
fn wait_timeout_returns_ok_when_set_in_time() {
    let event = Event::default();
    std::thread::scope(|s| {
        s.spawn(|| {
            std::thread::sleep(Duration::from_millis(5));
            event.set();
        });
        assert!(event.wait_timeout(Duration::from_secs(10)).is_ok());
    });
}
