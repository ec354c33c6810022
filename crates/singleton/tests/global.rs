//! Black-box tests of `Global`: events on failed initialisation, re-entrant use, waiters after a
//! panic, and `set` racing an initialiser.
// Real statics and real threads: these tests are not models (the loom_* files are).
#![cfg(not(selvedge_loom))]

use std::panic::{self, AssertUnwindSafe};
use std::sync::Barrier;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use selvedge_locks::sync::Arc;
use selvedge_singleton::{Global, GlobalMap};
use selvedge_trace::{events, fields, targets, testing};

#[test]
fn failed_initialisation_emits_init_failed_with_the_error() {
    let global: Global<u16> = Global::named("pnet admin session");
    let (result, captured) =
        testing::capture(|| global.get_or_try_init(|| Err("401 Unauthorized")));
    assert_eq!(result, Err("401 Unauthorized"));
    assert_eq!(captured.len(), 1, "{captured:?}");
    let event = &captured[0];
    assert_eq!(event.name, events::SINGLETON_INIT_FAILED);
    assert_eq!(event.target, targets::SINGLETON);
    assert_eq!(event.level, tracing::Level::WARN);
    assert_eq!(event.field(fields::NAME), Some("pnet admin session"));
    let message = event.field(fields::MESSAGE).expect("message field");
    assert!(message.contains("401 Unauthorized"), "{message}");
}

#[test]
fn panicking_initialisation_emits_init_failed_with_the_panic_message() {
    let global: Global<u16> = Global::named("config");
    let (result, captured) = testing::capture(|| {
        panic::catch_unwind(AssertUnwindSafe(|| {
            global.get_or_init(|| panic!("deliberate: config file missing"))
        }))
    });
    assert!(result.is_err());
    assert_eq!(captured.len(), 1, "{captured:?}");
    assert_eq!(captured[0].name, events::SINGLETON_INIT_FAILED);
    assert_eq!(captured[0].field(fields::NAME), Some("config"));
    let message = captured[0].field(fields::MESSAGE).expect("message field");
    assert!(
        message.contains("deliberate: config file missing"),
        "{message}"
    );
}

#[test]
fn successful_initialisation_emits_nothing() {
    let global = Global::new();
    let (_, captured) = testing::capture(|| global.get_or_init(|| 1));
    assert!(captured.is_empty(), "{captured:?}");
}

#[test]
fn reentrant_initialisation_panics_with_a_clear_message() {
    static SELF_REFERENTIAL: Global<u32> = Global::named("self-referential");
    let result = panic::catch_unwind(|| {
        SELF_REFERENTIAL.get_or_init(|| *SELF_REFERENTIAL.get_or_init(|| 1) + 1)
    });
    let payload = result.expect_err("the inner call panics instead of deadlocking");
    let message = payload
        .downcast_ref::<String>()
        .expect("a formatted message");
    assert!(message.contains("`self-referential`"), "{message}");
    assert!(message.contains("own initialiser"), "{message}");
    // Nothing was poisoned: the next caller initialises normally.
    assert_eq!(*SELF_REFERENTIAL.get_or_init(|| 7), 7);
}

#[test]
fn reentrant_use_of_one_map_key_panics_but_other_keys_work() {
    let map: GlobalMap<&str, u32> = GlobalMap::named("tenants");
    let result = panic::catch_unwind(AssertUnwindSafe(|| {
        map.get_or_init("a", || *map.get_or_init("a", || 1))
    }));
    assert!(result.is_err());
    assert!(!map.contains("a"));
    assert_eq!(*map.get_or_init("a", || *map.get_or_init("b", || 2) + 1), 3);
}

#[test]
fn waiters_wake_after_an_initialiser_panic_and_one_of_them_retries() {
    let global: Global<&str> = Global::new();
    let started = Barrier::new(2);
    let waiter_is_waiting = AtomicBool::new(false);
    std::thread::scope(|s| {
        let panicker = s.spawn(|| {
            panic::catch_unwind(AssertUnwindSafe(|| {
                global.get_or_init(|| {
                    started.wait();
                    // Give the waiter time to block on this initialiser; correctness does not
                    // depend on it (if it arrives later, it simply initialises).
                    while !waiter_is_waiting.load(Ordering::SeqCst) {
                        std::thread::yield_now();
                    }
                    std::thread::sleep(Duration::from_millis(20));
                    panic!("deliberate: first login failed")
                })
            }))
        });
        let waiter = s.spawn(|| {
            started.wait();
            waiter_is_waiting.store(true, Ordering::SeqCst);
            global.get_or_init(|| "second login")
        });
        assert!(panicker.join().unwrap().is_err());
        assert_eq!(*waiter.join().unwrap(), "second login");
    });
    assert_eq!(global.get().as_deref(), Some(&"second login"));
}

#[test]
fn set_racing_a_slow_initialiser_wins_for_everyone() {
    let global: Global<&str> = Global::new();
    let in_init = Barrier::new(2);
    let set_done = Barrier::new(2);
    std::thread::scope(|s| {
        let initialiser = s.spawn(|| {
            global.get_or_init(|| {
                in_init.wait();
                set_done.wait();
                "from init"
            })
        });
        in_init.wait();
        assert_eq!(global.set("from set"), Ok(()));
        set_done.wait();
        assert_eq!(*initialiser.join().unwrap(), "from set");
    });
    assert_eq!(global.get().as_deref(), Some(&"from set"));
}

#[test]
fn holders_keep_their_instance_across_reset_and_replace() {
    let global = Global::new();
    let first = global.get_or_init(|| String::from("first"));
    let replaced = global.replace(String::from("second")).unwrap();
    assert!(Arc::ptr_eq(&first, &replaced));
    assert_eq!(Arc::strong_count(&first), 2);
    drop(replaced);
    assert_eq!(*first, "first");
    assert_eq!(
        global.reset().as_deref().map(String::as_str),
        Some("second")
    );
}
