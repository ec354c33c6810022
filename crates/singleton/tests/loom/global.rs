//! Loom models of `Global`, `LazyGlobal`/`global!` and `Lazy`: single flight, reset (and
//! `reset_if_current`) racing an initialiser, a bounded wait behind one, panics and errors
//! followed by a retry.
//!
//! Run exhaustively with
//! `RUSTFLAGS="--cfg selvedge_loom" LOOM_MAX_PREEMPTIONS=2 CARGO_TARGET_DIR=target/loom
//! cargo test --release -p selvedge-singleton --test loom global::`; a normal `cargo test` runs the
//! same bodies many times on real threads.

use std::panic::{self, AssertUnwindSafe};

use selvedge_locks::sync::Arc;
use selvedge_locks::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use selvedge_singleton::{Global, Lazy};
use selvedge_testkit::{model, thread};

/// Keeps the deliberate panics of these models out of the test output (loom runs each model
/// thousands of times); every other panic still reaches the default hook.
fn quiet_deliberate_panics() {
    static INSTALL: std::sync::Once = std::sync::Once::new();
    INSTALL.call_once(|| {
        let default = panic::take_hook();
        panic::set_hook(Box::new(move |info| {
            let deliberate = info
                .payload()
                .downcast_ref::<&str>()
                .is_some_and(|text| text.starts_with("deliberate"));
            if !deliberate {
                default(info);
            }
        }));
    });
}

#[test]
fn racing_first_access_runs_one_initialiser() {
    model(|| {
        let global = Arc::new(Global::new());
        let inits = Arc::new(AtomicUsize::new(0));
        let init = |inits: &AtomicUsize| inits.fetch_add(1, Ordering::SeqCst);
        let racer = {
            let (global, inits) = (global.clone(), inits.clone());
            thread::spawn(move || global.get_or_init(|| init(&inits)))
        };
        let mine = global.get_or_init(|| init(&inits));
        let theirs = racer.join().unwrap();
        assert!(Arc::ptr_eq(&mine, &theirs));
        assert_eq!(inits.load(Ordering::SeqCst), 1);
    });
}

#[test]
fn reset_racing_get_never_both_keeps_and_returns_the_instance() {
    model(|| {
        let global = Arc::new(Global::new());
        let resetter = {
            let global = global.clone();
            thread::spawn(move || global.reset())
        };
        let got = global.get_or_init(|| 1);
        let taken = resetter.join().unwrap();
        assert_eq!(*got, 1);
        match (taken, global.get()) {
            // The reset came after the initialiser published: it took that instance.
            (Some(taken), None) => assert!(Arc::ptr_eq(&taken, &got)),
            // The reset came first: the initialiser's instance is the global's.
            (None, Some(kept)) => assert!(Arc::ptr_eq(&kept, &got)),
            // The reset landed while the initialiser ran: its instance went to its caller only.
            (None, None) => {}
            (Some(_), Some(_)) => panic!("one instance was both reset and kept"),
        }
    });
}

#[test]
fn instance_built_before_a_reset_is_never_published_after_it() {
    model(|| {
        let global = Arc::new(Global::new());
        let started = Arc::new(AtomicBool::new(false));
        let reset_done = Arc::new(AtomicBool::new(false));
        let initialiser_done = Arc::new(AtomicBool::new(false));

        // The initialiser holds on until the reset has happened (if it runs at all).
        let initialiser = {
            let (global, started, reset_done, done) = (
                global.clone(),
                started.clone(),
                reset_done.clone(),
                initialiser_done.clone(),
            );
            thread::spawn(move || {
                let value = global.get_or_init(|| {
                    started.store(true, Ordering::SeqCst);
                    while !reset_done.load(Ordering::SeqCst) {
                        thread::yield_now();
                    }
                    "stale"
                });
                done.store(true, Ordering::SeqCst);
                value
            })
        };
        let resetter = {
            let (global, started, reset_done, done) = (
                global.clone(),
                started.clone(),
                reset_done.clone(),
                initialiser_done.clone(),
            );
            thread::spawn(move || {
                while !started.load(Ordering::SeqCst) && !done.load(Ordering::SeqCst) {
                    thread::yield_now();
                }
                let taken = global.reset();
                reset_done.store(true, Ordering::SeqCst);
                taken
            })
        };
        let fresh = global.get_or_init(|| "fresh");
        let from_initialiser = initialiser.join().unwrap();
        let taken = resetter.join().unwrap();

        if started.load(Ordering::SeqCst) {
            // The "stale" initialiser ran across the reset: only its caller sees its instance.
            assert_eq!(*from_initialiser, "stale");
            assert_eq!(*fresh, "fresh");
            assert!(taken.is_none());
            assert_eq!(global.get().as_deref(), Some(&"fresh"));
        } else {
            // The main thread initialised first, and everyone shared its instance.
            assert!(Arc::ptr_eq(&fresh, &from_initialiser));
        }
    });
}

#[test]
fn initialiser_panic_then_retry() {
    quiet_deliberate_panics();
    model(|| {
        let global = Arc::new(Global::new());
        let panicker = {
            let global = global.clone();
            thread::spawn(move || {
                panic::catch_unwind(AssertUnwindSafe(|| {
                    global.get_or_init(|| panic!("deliberate initialiser panic"))
                }))
                .ok()
            })
        };
        let mine = global.get_or_init(|| 2);
        assert_eq!(*mine, 2);
        if let Some(theirs) = panicker.join().unwrap() {
            // The panicking initialiser never ran: this thread's instance was already there.
            assert!(Arc::ptr_eq(&mine, &theirs));
        }
        assert_eq!(global.get().as_deref(), Some(&2));
    });
}

#[test]
fn try_init_error_then_retry() {
    model(|| {
        let global = Arc::new(Global::new());
        let failing = {
            let global = global.clone();
            thread::spawn(move || global.get_or_try_init(|| Err("platform down")))
        };
        let mine = global.get_or_try_init(|| Ok::<_, &str>(2)).unwrap();
        assert_eq!(*mine, 2);
        match failing.join().unwrap() {
            Ok(theirs) => assert!(Arc::ptr_eq(&mine, &theirs)),
            Err(error) => assert_eq!(error, "platform down"),
        }
        assert_eq!(global.get().as_deref(), Some(&2));
    });
}

#[test]
fn lazy_racing_first_access_runs_one_initialiser() {
    model(|| {
        let inits = Arc::new(AtomicUsize::new(0));
        let lazy = {
            let inits = inits.clone();
            Arc::new(Lazy::new(move || inits.fetch_add(1, Ordering::SeqCst) + 10))
        };
        let racer = {
            let lazy = lazy.clone();
            thread::spawn(move || **lazy)
        };
        assert_eq!(**lazy, 10);
        assert_eq!(racer.join().unwrap(), 10);
        assert_eq!(inits.load(Ordering::SeqCst), 1);
    });
}

selvedge_singleton::global! {
    /// A declared global with a visibility, as the session crate will write it.
    pub(crate) static SHARED: Vec<u8> = vec![1, 2, 3];
}

#[test]
fn declared_global_is_shared_and_resettable() {
    model(|| {
        // A normal build runs this body many times against one real `static`.
        SHARED.reset();
        let racer = thread::spawn(|| SHARED.get());
        let mine = SHARED.get();
        let theirs = racer.join().unwrap();
        assert!(Arc::ptr_eq(&mine, &theirs));
        let taken = SHARED.reset().expect("initialised above");
        assert!(Arc::ptr_eq(&taken, &mine));
        assert!(!SHARED.is_initialized());
    });
}

#[test]
fn reset_if_current_never_drops_a_newer_instance() {
    model(|| {
        let global = Arc::new(Global::new());
        let seen = global.get_or_init(|| 1);
        // A worker that saw `seen` fail reports it, while another thread replaces the instance.
        let reporter = {
            let (global, seen) = (global.clone(), seen.clone());
            thread::spawn(move || global.reset_if_current(&seen))
        };
        global.reset();
        let newer = global.get_or_init(|| 2);
        // Whether the reporter won depends on the interleaving (it wins only before the reset);
        // what never happens is that it drops the newer instance.
        reporter.join().unwrap();
        let now = global
            .get()
            .expect("only `seen` may be reset by the reporter");
        assert!(Arc::ptr_eq(&now, &newer));
        assert_eq!(*now, 2);
        assert!(!global.reset_if_current(&seen));
    });
}

#[test]
fn bounded_wait_behind_an_initialiser_gets_its_instance() {
    // Loom has no clock: a timed wait never times out here, so this models the waiting protocol
    // with a timeout no model reaches; the timeout itself is tested on real threads
    // (tests/it/global.rs).
    model(|| {
        let global = Arc::new(Global::new());
        let inits = Arc::new(AtomicUsize::new(0));
        let racer = {
            let (global, inits) = (global.clone(), inits.clone());
            thread::spawn(move || {
                global.get_or_try_init_timeout(
                    || Ok::<_, ()>(inits.fetch_add(1, Ordering::SeqCst)),
                    std::time::Duration::from_secs(3600),
                )
            })
        };
        let mine = global.get_or_init(|| inits.fetch_add(1, Ordering::SeqCst));
        let theirs = racer.join().unwrap().expect("no model reaches the timeout");
        assert!(Arc::ptr_eq(&mine, &theirs));
        assert_eq!(inits.load(Ordering::SeqCst), 1);
    });
}

#[test]
fn wait_racing_an_initialiser_and_a_set_returns_the_stored_instance() {
    model(|| {
        let global = Arc::new(Global::new());
        let initialiser = {
            let global = global.clone();
            thread::spawn(move || global.get_or_init(|| 1))
        };
        let setter = {
            let global = global.clone();
            thread::spawn(move || global.set(2).is_ok())
        };
        let waited = global.wait();
        let initialised = initialiser.join().unwrap();
        let set_won = setter.join().unwrap();
        // Whatever won, `wait` returns the instance that stayed stored, never a lost wake-up.
        assert!(Arc::ptr_eq(&waited, &global.get().unwrap()));
        assert_eq!(*waited, if set_won { 2 } else { 1 });
        assert_eq!(*initialised, *waited);
    });
}

#[test]
fn with_value_is_never_seen_empty_while_it_is_moved_in() {
    model(|| {
        let global = Arc::new(Global::with_value(7));
        let reader = {
            let global = global.clone();
            thread::spawn(move || global.get())
        };
        let replaced = global.replace(8);
        let read = reader.join().unwrap().expect("initialised from the start");
        // The initial value is replaced exactly once, and the reader saw one of the two.
        assert_eq!(replaced.as_deref(), Some(&7));
        assert!(*read == 7 || *read == 8, "{read:?}");
    });
}

#[test]
fn lazy_force_mut_after_a_racing_force_sees_the_one_value() {
    model(|| {
        let lazy = Arc::new(Lazy::new(|| vec![1]));
        let racer = {
            let lazy = lazy.clone();
            thread::spawn(move || lazy.len())
        };
        assert_eq!(lazy.len(), 1);
        assert_eq!(racer.join().unwrap(), 1);
        let Ok(mut lazy) = Arc::try_unwrap(lazy) else {
            panic!("the racer has finished")
        };
        Lazy::force_mut(&mut lazy).push(2);
        assert_eq!(Lazy::into_value(lazy).ok(), Some(vec![1, 2]));
    });
}
