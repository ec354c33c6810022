//! Loom models of `Mutex` and `Condvar`: mutual exclusion (across a `bump` and an
//! `unlocked` too) and no lost wake-up.

use std::time::Duration;

use selvedge_locks::sync::Arc;
use selvedge_locks::{Condvar, Mutex};
use selvedge_testkit::{model, thread};

#[test]
fn mutex_increments_are_never_lost() {
    model(|| {
        let m = Arc::new(Mutex::new(0));
        let other = {
            let m = m.clone();
            thread::spawn(move || *m.lock() += 1)
        };
        *m.lock() += 1;
        other.join().unwrap();
        assert_eq!(*m.lock(), 2);
    });
}

#[test]
fn try_lock_never_enters_a_held_mutex() {
    model(|| {
        let m = Arc::new(Mutex::new(false));
        let other = {
            let m = m.clone();
            thread::spawn(move || {
                if let Some(mut inside) = m.try_lock() {
                    assert!(!*inside);
                    *inside = true;
                    *inside = false;
                }
            })
        };
        {
            let mut inside = m.lock();
            assert!(!*inside);
            *inside = true;
            *inside = false;
        }
        other.join().unwrap();
    });
}

#[test]
fn condvar_wakes_the_waiter() {
    model(|| {
        let state = Arc::new((Mutex::new(false), Condvar::new()));
        let waker = {
            let state = state.clone();
            thread::spawn(move || {
                *state.0.lock() = true;
                state.1.notify_one();
            })
        };
        let mut ready = state.0.lock();
        state.1.wait_while(&mut ready, |ready| !*ready);
        drop(ready);
        waker.join().unwrap();
    });
}

#[test]
fn condvar_notify_all_wakes_both_waiters() {
    model(|| {
        let state = Arc::new((Mutex::new(false), Condvar::new()));
        let waiters: Vec<_> = (0..2)
            .map(|_| {
                let state = state.clone();
                thread::spawn(move || {
                    let mut ready = state.0.lock();
                    state.1.wait_while(&mut ready, |ready| !*ready);
                })
            })
            .collect();
        *state.0.lock() = true;
        state.1.notify_all();
        for waiter in waiters {
            waiter.join().unwrap();
        }
    });
}

/// The timed predicate wait has the same no-lost-wake-up property as `wait_while` (under loom
/// the wait never times out, so only a notification can end it), and reports the condition met.
#[test]
fn condvar_timed_predicate_wait_sees_the_notification() {
    model(|| {
        let state = Arc::new((Mutex::new(0_u32), Condvar::new()));
        let waker = {
            let state = state.clone();
            thread::spawn(move || {
                *state.0.lock() = 1;
                state.1.notify_one();
            })
        };
        let mut stage = state.0.lock();
        let result =
            state
                .1
                .wait_while_for(&mut stage, |stage| *stage == 0, Duration::from_secs(60));
        assert!(!result.timed_out());
        assert_eq!(*stage, 1);
        drop(stage);
        waker.join().unwrap();
    });
}

#[test]
fn bump_hands_over_without_ever_sharing_the_lock() {
    model(|| {
        let m = Arc::new(Mutex::new((0, 0)));
        let other = {
            let m = m.clone();
            thread::spawn(move || {
                let mut pair = m.lock();
                assert_eq!(pair.0, pair.1, "an update in progress was seen");
                pair.0 += 1;
                pair.1 += 1;
            })
        };
        let mut pair = m.lock();
        pair.0 += 1;
        pair.1 += 1;
        selvedge_locks::MutexGuard::bump(&mut pair);
        assert_eq!(pair.0, pair.1, "an update in progress was seen");
        pair.0 += 1;
        pair.1 += 1;
        selvedge_locks::MutexGuard::unlock_fair(pair);
        other.join().unwrap();
        assert_eq!(*m.lock(), (3, 3));
    });
}

#[test]
fn unlocked_lets_others_in_and_takes_the_lock_back_alone() {
    model(|| {
        let m = Arc::new(Mutex::new((0, 0)));
        let other = {
            let m = m.clone();
            thread::spawn(move || {
                let mut pair = m.lock();
                assert_eq!(pair.0, pair.1, "an update in progress was seen");
                pair.0 += 1;
                pair.1 += 1;
            })
        };
        let mut pair = m.lock();
        pair.0 += 1;
        pair.1 += 1;
        let seen_inside = selvedge_locks::MutexGuard::unlocked(&mut pair, || {
            let inside = m.lock();
            assert_eq!(inside.0, inside.1, "an update in progress was seen");
            inside.0
        });
        assert!(seen_inside >= 1, "the body ran after this thread's update");
        assert_eq!(pair.0, pair.1, "an update in progress was seen");
        pair.0 += 1;
        pair.1 += 1;
        drop(pair);
        other.join().unwrap();
        assert_eq!(*m.lock(), (3, 3));
    });
}
