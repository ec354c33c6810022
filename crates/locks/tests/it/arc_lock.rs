//! Feature `arc_lock`: guards that own an `Arc` of their lock, with the borrowed guards'
//! guarantees (mutual exclusion, contention events, self-relock and lock-order checks) and
//! none of their lifetime.
#![cfg(feature = "arc_lock")]

use std::sync::{Arc, Barrier};
use std::time::Duration;

use selvedge_locks::{ArcMutexGuard, ArcRwLockWriteGuard, Mutex, RwLock, set_contention_threshold};
use selvedge_trace::{events, testing};

/// A guard kept in a struct, across calls: what the borrowed guard cannot do.
struct Transaction {
    accounts: ArcMutexGuard<Vec<i64>>,
}

fn begin(accounts: &Arc<Mutex<Vec<i64>>>) -> Transaction {
    Transaction {
        accounts: accounts.lock_arc(),
    }
}

#[test]
fn an_arc_guard_lives_in_a_struct_and_releases_on_drop() {
    let accounts = Arc::new(Mutex::named("accounts", vec![100, 0]));
    let mut tx = begin(&accounts);
    tx.accounts[0] -= 40;
    tx.accounts[1] += 40;
    assert!(accounts.try_lock().is_none());
    drop(tx);
    assert_eq!(*accounts.lock(), [60, 40]);
}

#[test]
fn arc_guards_never_lose_an_update_under_threads() {
    let lock = Arc::new(RwLock::new((0_u64, 0_u64)));
    std::thread::scope(|s| {
        for _ in 0..4 {
            let lock = Arc::clone(&lock);
            s.spawn(move || {
                for _ in 0..500 {
                    let mut w: ArcRwLockWriteGuard<(u64, u64)> = lock.write_arc();
                    w.0 += 1;
                    w.1 += 1;
                    drop(w);
                    let r = lock.read_arc();
                    assert_eq!(r.0, r.1, "a reader saw half a write");
                }
            });
        }
    });
    assert_eq!(*lock.read(), (2_000, 2_000));
}

#[test]
fn a_timed_arc_lock_times_out_with_a_typed_error() {
    let m = Arc::new(Mutex::named("busy", ()));
    let held = m.lock_arc();
    let timeout = std::thread::scope(|s| {
        let m = Arc::clone(&m);
        s.spawn(move || m.try_lock_arc_for(Duration::from_millis(5)).map(drop))
            .join()
            .unwrap()
    })
    .expect_err("held by the main thread");
    assert_eq!(timeout.name(), "busy");
    drop(held);
    assert!(m.try_lock_arc_for(Duration::from_millis(5)).is_ok());
}

#[test]
fn a_contended_lock_arc_emits_lock_contended_at_the_callers_site() {
    set_contention_threshold(Duration::ZERO);
    let m = Arc::new(Mutex::named("arc-contended", 0));
    let started = Barrier::new(2);
    // `capture_all`'s process-wide subscriber: a scoped one loses this event now and then when
    // other tests in the process register and drop their own scoped subscribers meanwhile
    // (tracing recomputes the call site's interest without it).
    let ((), captured) = testing::capture_all(|| {
        std::thread::scope(|s| {
            s.spawn(|| {
                let held = m.lock_arc();
                started.wait();
                std::thread::sleep(Duration::from_millis(20));
                drop(held);
            });
            started.wait();
            *m.lock_arc() += 1; // contended: the other thread holds it for 20 ms
        });
    });
    let event = captured
        .iter()
        .find(|e| e.name == events::LOCK_CONTENDED && e.field("name") == Some("arc-contended"))
        .expect("a lock.contended event");
    assert_eq!(event.field("name"), Some("arc-contended"));
    // `lock_arc` is `#[track_caller]` down to the acquisition: the site is this file.
    assert!(
        event
            .field("location")
            .unwrap()
            .contains("tests/it/arc_lock.rs")
    );
}

#[cfg(any(debug_assertions, feature = "lock-order"))]
#[test]
fn relocking_a_mutex_held_by_an_arc_guard_panics_instead_of_hanging() {
    let m = Arc::new(Mutex::named("arc-self", ()));
    let _held = m.lock_arc();
    let caught = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| drop(m.lock())));
    assert!(caught.is_err());
}
