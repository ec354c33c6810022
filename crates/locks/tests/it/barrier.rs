//! Black-box tests of `Barrier`: reuse, one leader per round, timeouts that withdraw.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use selvedge_locks::Barrier;

#[test]
fn rounds_reuse_the_barrier_with_one_leader_each() {
    let barrier = Barrier::new(4);
    let leaders = AtomicUsize::new(0);
    let phase = AtomicUsize::new(0);
    std::thread::scope(|s| {
        for _ in 0..4 {
            s.spawn(|| {
                for round in 0..50 {
                    // Nobody may run ahead into the next round before all arrived.
                    assert!(phase.load(Ordering::SeqCst) / 4 >= round);
                    phase.fetch_add(1, Ordering::SeqCst);
                    if barrier.wait().is_leader() {
                        leaders.fetch_add(1, Ordering::SeqCst);
                    }
                    assert!(phase.load(Ordering::SeqCst) >= (round + 1) * 4);
                }
            });
        }
    });
    assert_eq!(leaders.load(Ordering::SeqCst), 50);
}

#[test]
fn a_timed_out_wait_withdraws_its_arrival() {
    let barrier = Barrier::new(2);
    let err = barrier.wait_timeout(Duration::from_millis(5)).unwrap_err();
    assert_eq!(err.what(), "barrier to fill");
    // The withdrawn arrival does not count: two fresh threads still form a full round.
    std::thread::scope(|s| {
        let other = s.spawn(|| barrier.wait_timeout(Duration::from_secs(10)).unwrap());
        let mine = barrier.wait();
        let theirs = other.join().unwrap();
        assert!(mine.is_leader() != theirs.is_leader());
    });
}
