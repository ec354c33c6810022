//! Lock-order checking (feature `lock-order`): cycles reported before blocking, with both
//! locks and both call sites; self-relocks panic instead of hanging.
#![cfg(feature = "lock-order")]

use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::PoisonError;

use selvedge_locks::lock_order::{self, OrderAction};
use selvedge_locks::{Mutex, ReentrantMutex, RwLock, lock_both};
use selvedge_trace::{events, targets, testing};

/// The action is process-wide: tests that depend on it run one at a time.
static ACTION: std::sync::Mutex<()> = std::sync::Mutex::new(());

fn with_action<R>(action: OrderAction, f: impl FnOnce() -> R) -> R {
    let _serial = ACTION.lock().unwrap_or_else(PoisonError::into_inner);
    lock_order::set_action(action);
    let result = catch_unwind(AssertUnwindSafe(f));
    lock_order::set_action(OrderAction::Panic);
    result.unwrap_or_else(|panic| std::panic::resume_unwind(panic))
}

fn panic_message(payload: Box<dyn std::any::Any + Send>) -> String {
    selvedge_trace::panic_text(&*payload).to_owned()
}

// The feature is on in this file, so the checker must be: fails to compile otherwise.
const _: () = assert!(lock_order::ENABLED);

#[test]
fn opposite_orders_on_two_threads_are_reported_with_both_locks_and_sites() {
    with_action(OrderAction::Panic, || {
        let a = Mutex::named("order-a", ());
        let b = Mutex::named("order-b", ());
        let first_line = line!() + 3;
        std::thread::scope(|s| {
            s.spawn(|| {
                let _a = a.lock();
                let _b = b.lock();
            });
        });
        // The second thread takes them the other way round, after the first finished: no
        // deadlock happens, but the order violation is reported before `a.lock()` blocks.
        let second_line = line!() + 4;
        let message = std::thread::scope(|s| {
            s.spawn(|| {
                let _b = b.lock();
                let _a = a.lock();
            })
            .join()
            .map_err(panic_message)
            .unwrap_err()
        });
        assert!(message.contains("lock order violation"), "{message}");
        assert!(
            message.contains("`order-a`") && message.contains("`order-b`"),
            "{message}"
        );
        assert!(
            message.contains(&format!("lock_order.rs:{first_line}")),
            "{message}"
        );
        assert!(
            message.contains(&format!("lock_order.rs:{second_line}")),
            "{message}"
        );
    });
}

#[test]
fn a_transitive_cycle_is_reported() {
    with_action(OrderAction::Panic, || {
        let (a, b, c) = (
            Mutex::named("t-a", ()),
            Mutex::named("t-b", ()),
            Mutex::named("t-c", ()),
        );
        {
            let _a = a.lock();
            let _b = b.lock();
        }
        {
            let _b = b.lock();
            let _c = c.lock();
        }
        let message = catch_unwind(AssertUnwindSafe(|| {
            let _c = c.lock();
            let _a = a.lock();
        }))
        .map_err(panic_message)
        .unwrap_err();
        assert!(
            message.contains("`t-a`") && message.contains("`t-c`"),
            "{message}"
        );
        assert!(
            message.contains("`t-b`"),
            "the path names the lock in between: {message}"
        );
    });
}

#[test]
fn with_log_action_a_violation_is_an_error_event_and_the_lock_is_taken() {
    with_action(OrderAction::Log, || {
        let a = Mutex::named("log-a", 1);
        let b = Mutex::named("log-b", 2);
        {
            let _a = a.lock();
            let _b = b.lock();
        }
        let (sum, captured) = testing::capture(|| {
            let b = b.lock();
            let a = a.lock();
            *a + *b
        });
        assert_eq!(sum, 3);
        let event = captured
            .iter()
            .find(|e| e.name == events::LOCK_ORDER_VIOLATION)
            .expect("a lock.order_violation event");
        assert_eq!(event.target, targets::LOCKS);
        assert_eq!(event.level, tracing::Level::ERROR);
        assert_eq!(event.field("name"), Some("log-a"));
        assert_eq!(event.field("held"), Some("log-b"));
        assert!(event.field("location").unwrap().contains("lock_order.rs"));
        assert!(
            event
                .field("held_location")
                .unwrap()
                .contains("lock_order.rs")
        );
        assert!(
            event
                .field("first_location")
                .unwrap()
                .contains("lock_order.rs")
        );
    });
}

#[test]
fn lock_both_in_both_orders_is_never_a_violation() {
    with_action(OrderAction::Panic, || {
        let a = Mutex::named("both-a", ());
        let b = Mutex::named("both-b", ());
        drop(lock_both(&a, &b).unwrap());
        drop(lock_both(&b, &a).unwrap());
    });
}

#[test]
fn try_lock_adds_no_order_edge() {
    with_action(OrderAction::Panic, || {
        let a = Mutex::named("try-a", ());
        let b = Mutex::named("try-b", ());
        {
            let _a = a.lock();
            let _b = b.try_lock().unwrap();
        }
        let _b = b.lock();
        let _a = a.lock();
    });
}

#[test]
fn relocking_a_mutex_on_its_own_thread_panics_instead_of_hanging() {
    let m = Mutex::named("self", 0);
    let message = catch_unwind(AssertUnwindSafe(|| {
        let _first = m.lock();
        let _second = m.lock();
    }))
    .map_err(panic_message)
    .unwrap_err();
    assert!(message.contains("self-deadlock"), "{message}");
    assert!(message.contains("`self`"), "{message}");
    // The first guard was released during unwinding.
    assert!(m.try_lock().is_some());
}

#[test]
fn relocking_an_rwlock_on_its_own_thread_panics() {
    let lock = RwLock::named("rw-self", 0);
    let message = catch_unwind(AssertUnwindSafe(|| {
        let _w = lock.write();
        let _r = lock.read();
    }))
    .map_err(panic_message)
    .unwrap_err();
    assert!(message.contains("self-deadlock"), "{message}");
}

#[test]
fn a_reentrant_mutex_may_relock() {
    let m = ReentrantMutex::named("re", ());
    let _a = m.lock();
    let _b = m.lock();
}

#[test]
fn timed_lock_on_a_lock_this_thread_holds_times_out_instead_of_panicking() {
    use std::time::{Duration, Instant};
    with_action(OrderAction::Panic, || {
        let m = Mutex::named("timed-self", 0);
        let _held = m.lock();
        let err = m.try_lock_for(Duration::from_millis(5)).unwrap_err();
        assert_eq!(err.name(), "timed-self");
        assert!(m.try_lock_for(Duration::ZERO).is_err());
        assert!(
            m.try_lock_until(Instant::now() + Duration::from_millis(5))
                .is_err()
        );
        let rw = RwLock::named("timed-rw-self", 0);
        let _w = rw.write();
        assert!(rw.try_read_for(Duration::from_millis(5)).is_err());
        assert!(rw.try_write_for(Duration::from_millis(5)).is_err());
        assert!(rw.try_upgradable_read_for(Duration::ZERO).is_err());
    });
}

#[test]
fn an_unbounded_timed_lock_on_a_held_lock_is_the_self_deadlock_lock_reports() {
    // `Duration::MAX` cannot be a deadline: the wait has no limit, exactly `lock`'s hang.
    let m = Mutex::named("timed-forever", 0);
    let message = catch_unwind(AssertUnwindSafe(|| {
        let _held = m.lock();
        let _again = m.try_lock_for(std::time::Duration::MAX);
    }))
    .map_err(panic_message)
    .unwrap_err();
    assert!(message.contains("self-deadlock"), "{message}");
}

#[test]
fn timed_lock_adds_no_order_edge() {
    // A wait with a deadline ends by itself, so taking two locks in both orders that way (the
    // usual back-off pattern) is no deadlock.
    use std::time::Duration;
    with_action(OrderAction::Panic, || {
        let a = Mutex::named("timed-a", ());
        let b = Mutex::named("timed-b", ());
        {
            let _a = a.lock();
            let _b = b.try_lock_for(Duration::from_secs(1)).unwrap();
        }
        let _b = b.lock();
        let _a = a.try_lock_for(Duration::from_secs(1)).unwrap();
    });
}

#[test]
fn bump_under_a_later_lock_is_checked_as_a_reacquisition() {
    with_action(OrderAction::Panic, || {
        let a = Mutex::named("bump-a", ());
        let b = Mutex::named("bump-b", ());
        let mut held_a = a.lock();
        let _held_b = b.lock(); // records a -> b
        // Taking `a` back while holding `b` is b -> a: a waiter given `a` that needs `b`
        // would deadlock with this thread.
        let message = catch_unwind(AssertUnwindSafe(|| {
            selvedge_locks::MutexGuard::bump(&mut held_a);
        }))
        .map_err(panic_message)
        .expect_err("the reversed order must be reported");
        assert!(message.contains("lock order violation"), "{message}");
        assert!(
            message.contains("`bump-a`") && message.contains("`bump-b`"),
            "{message}"
        );
    });
}

#[test]
fn bump_of_the_only_lock_held_is_clear_and_keeps_it_held() {
    with_action(OrderAction::Panic, || {
        let lock = RwLock::named("bump-alone", 0);
        let mut guard = lock.write();
        selvedge_locks::RwLockWriteGuard::bump(&mut guard);
        *guard += 1;
        // Still tracked as held: re-locking it is still a self-deadlock.
        let message = catch_unwind(AssertUnwindSafe(|| drop(lock.read())))
            .map_err(panic_message)
            .expect_err("still held");
        assert!(message.contains("self-deadlock"), "{message}");
    });
}

#[test]
fn what_an_unlocked_body_takes_is_not_taken_under_the_guards_lock() {
    with_action(OrderAction::Panic, || {
        let a = Mutex::named("unlocked-a", ());
        let b = Mutex::named("unlocked-b", ());
        let mut held_a = a.lock();
        // `a` is free while the body runs: taking `b` (and `a` itself) there records no
        // a -> b edge and is no self-deadlock.
        selvedge_locks::MutexGuard::unlocked(&mut held_a, || {
            let _b = b.lock();
            drop(a.lock());
        });
        drop(held_a);
        let _b = b.lock();
        let _a = a.lock(); // b -> a: clear, since a -> b was never recorded
    });
}

#[test]
fn unlocked_retaking_under_a_later_lock_is_checked_and_keeps_the_lock_held() {
    with_action(OrderAction::Panic, || {
        let a = RwLock::named("unlocked-again-a", 0);
        let b = Mutex::named("unlocked-again-b", ());
        let mut held_a = a.write();
        {
            let _held_b = b.lock(); // records a -> b
            let message = catch_unwind(AssertUnwindSafe(|| {
                selvedge_locks::RwLockWriteGuard::unlocked(&mut held_a, || ());
            }))
            .map_err(panic_message)
            .expect_err("taking `a` back under `b` reverses the order");
            assert!(message.contains("lock order violation"), "{message}");
        }
        selvedge_locks::RwLockWriteGuard::unlocked(&mut held_a, || ());
        *held_a += 1;
        let message = catch_unwind(AssertUnwindSafe(|| drop(a.read())))
            .map_err(panic_message)
            .expect_err("held again after `unlocked`");
        assert!(message.contains("self-deadlock"), "{message}");
    });
}

#[test]
fn read_recursive_under_this_threads_read_is_allowed() {
    with_action(OrderAction::Panic, || {
        let lock = RwLock::named("recursive", 1);
        let outer = lock.read();
        let inner = lock.read_recursive();
        let again = lock.try_read_recursive().expect("readers let it in");
        assert_eq!(*outer + *inner + *again, 3);
    });
}

#[test]
fn read_recursive_under_this_threads_write_is_a_self_deadlock() {
    with_action(OrderAction::Panic, || {
        let lock = RwLock::named("recursive-w", 1);
        let _writer = lock.write();
        let message = catch_unwind(AssertUnwindSafe(|| drop(lock.read_recursive())))
            .map_err(panic_message)
            .expect_err("it would block forever");
        assert!(message.contains("self-deadlock"), "{message}");
        assert!(message.contains("`recursive-w`"), "{message}");
    });
}
