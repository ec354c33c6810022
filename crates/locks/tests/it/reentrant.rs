//! Black-box tests of `ReentrantMutex`: re-entry on the owner, exclusion of other threads.

use std::cell::Cell;
use std::time::Duration;

use selvedge_locks::ReentrantMutex;

#[test]
fn the_owner_can_relock_and_others_wait_until_the_last_guard_drops() {
    let m = ReentrantMutex::named("rlock", Cell::new(0));
    let outer = m.lock();
    let inner = m.lock();
    inner.set(inner.get() + 1);
    assert!(m.is_owned_by_current_thread());
    std::thread::scope(|s| {
        s.spawn(|| {
            assert!(!m.is_owned_by_current_thread());
            assert!(m.try_lock().is_none());
            let e = m.try_lock_for(Duration::from_millis(5)).unwrap_err();
            assert_eq!(e.name(), "rlock");
        });
    });
    drop(inner);
    std::thread::scope(|s| {
        s.spawn(|| assert!(m.try_lock().is_none()));
    });
    drop(outer);
    std::thread::scope(|s| {
        s.spawn(|| assert_eq!(m.lock().get(), 1));
    });
}

#[test]
fn many_threads_with_nested_locking_count_correctly() {
    let m = ReentrantMutex::new(Cell::new(0_u32));
    std::thread::scope(|s| {
        for _ in 0..4 {
            s.spawn(|| {
                for _ in 0..500 {
                    let a = m.lock();
                    let b = m.lock();
                    b.set(b.get() + 1);
                    drop(b);
                    a.set(a.get() + 1);
                }
            });
        }
    });
    assert_eq!(m.into_inner().get(), 4_000);
}
