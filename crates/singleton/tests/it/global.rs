//! Black-box tests of `Global`: events on failed initialisation, re-entrant use, waiters after a
//! panic, `set` racing an initialiser, bounded waits behind a hung one, and `reset_if_current`.
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

/// A hung initialiser: every waiter gets `TimedOut` after its timeout (not when the initialiser
/// finishes), nothing is cached, and once the initialiser lands its instance is everyone's.
#[test]
fn bounded_wait_behind_a_hung_initialiser_times_out_every_waiter() {
    use selvedge_singleton::TimedInitError;
    use std::sync::mpsc;
    use std::time::Instant;

    let global: Global<&str> = Global::named("hung login");
    let timeout = Duration::from_millis(100);
    let (started, is_started) = mpsc::channel();
    let (finish, may_finish) = mpsc::channel::<()>();
    std::thread::scope(|s| {
        let shared = &global;
        let initialiser = s.spawn(move || {
            shared.get_or_init(|| {
                started.send(()).unwrap();
                may_finish.recv().unwrap();
                "late"
            })
        });
        is_started.recv().unwrap();
        let waiters: Vec<_> = (0..4)
            .map(|_| {
                s.spawn(|| {
                    let began = Instant::now();
                    let result = global.get_or_try_init_timeout(|| Ok::<_, ()>("never"), timeout);
                    (result, began.elapsed())
                })
            })
            .collect();
        for waiter in waiters {
            let (result, took) = waiter.join().unwrap();
            match result {
                Err(TimedInitError::TimedOut { name, waited }) => {
                    assert_eq!(name, "hung login");
                    assert!(waited >= timeout, "{waited:?}");
                    assert!(took < timeout + Duration::from_secs(2), "{took:?}");
                }
                other => panic!("expected a timeout, got {other:?}"),
            }
        }
        assert!(!global.is_initialized());
        // A timeout too large for an `Instant` waits as long as it takes (no overflow).
        let patient =
            s.spawn(|| global.get_or_try_init_timeout(|| Ok::<_, ()>("never"), Duration::MAX));
        std::thread::sleep(Duration::from_millis(20));
        finish.send(()).unwrap();
        assert_eq!(*initialiser.join().unwrap(), "late");
        assert_eq!(patient.join().unwrap().as_deref(), Ok(&"late"));
    });
    let after = global.get_or_try_init_timeout(|| Ok::<_, ()>("never"), Duration::ZERO);
    assert_eq!(after.as_deref(), Ok(&"late"));
}

/// Without a running initialiser, the bounded call initialises (its own `init` is not bounded)
/// and reports its error as `Failed`, uncached.
#[test]
fn bounded_init_runs_its_own_initialiser_and_reports_failure() {
    use selvedge_singleton::TimedInitError;
    let global: Global<u8> = Global::new();
    let failed = global.get_or_try_init_timeout(|| Err("refused"), Duration::ZERO);
    assert_eq!(failed, Err(TimedInitError::Failed("refused")));
    let slow = global.get_or_try_init_timeout(
        || {
            std::thread::sleep(Duration::from_millis(20));
            Ok::<_, ()>(7)
        },
        Duration::ZERO,
    );
    assert_eq!(slow.as_deref(), Ok(&7));
}

/// Sixteen threads see the same bad instance and all call `reset_if_current`: exactly one reset
/// takes effect, and the instance built after it is never dropped by the others.
#[test]
fn reset_if_current_drops_only_the_instance_seen() {
    use std::sync::atomic::AtomicUsize;
    const THREADS: usize = 16;
    let global: Global<usize> = Global::new();
    let serial = AtomicUsize::new(0);
    let bad = global.get_or_init(|| serial.fetch_add(1, Ordering::SeqCst));
    let resets = AtomicUsize::new(0);
    let barrier = Barrier::new(THREADS);
    std::thread::scope(|s| {
        for _ in 0..THREADS {
            s.spawn(|| {
                barrier.wait();
                if global.reset_if_current(&bad) {
                    resets.fetch_add(1, Ordering::SeqCst);
                }
                global.get_or_init(|| serial.fetch_add(1, Ordering::SeqCst));
            });
        }
    });
    assert_eq!(resets.load(Ordering::SeqCst), 1);
    assert_eq!(serial.load(Ordering::SeqCst), 2, "exactly one new instance");
    assert_eq!(global.get().as_deref(), Some(&1));
}

/// `reset_if_current` during an initialiser makes it stale, as `reset` does.
#[test]
fn reset_if_current_inside_initialiser_makes_its_instance_stale() {
    let global: Global<u8> = Global::new();
    let first = global.get_or_init(|| 1);
    global.reset();
    let value = global.get_or_init(|| {
        assert!(
            !global.reset_if_current(&first),
            "first is no longer current"
        );
        2
    });
    assert_eq!(*value, 2);
    assert!(
        global.is_initialized(),
        "a failed reset_if_current changes nothing"
    );
}
