//! Loom models of scopes (`src/scope.rs`): their closures are spawned and run without a lock,
//! on a lock-free list and two counters, so each race the scope settles with atomics has a
//! model here: a closure spawned as the last ticket leaves, the last closure finishing as the
//! owner falls asleep (with or without a ticket left to wake it), `run`'s ticket handed back
//! by `shutdown_now`, and a closure that waits for a later sibling.
//!
//! The list is modelled by a lock (see `src/engine/injector.rs`), whose acquire and release
//! already order a push against a leaving ticket's look at the list; the fence pair that
//! orders them on crossbeam's lock-free list is therefore not checked here (the real-thread
//! run of this file and `tests/it/stress_scope.rs` exercise it). The owner's sleep against the
//! last closure is pure atomics, and is.

use selvedge_locks::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use selvedge_locks::sync::{Arc, PlainMutex};
use selvedge_pool::SubmitError;
use selvedge_testkit::{model, thread};

use crate::tiny::{LONG, tiny};

/// The scope's body waits for a closure it spawned while the only ticket may be leaving: the
/// spawn sees the ticket gone and submits another, or the leaving ticket sees the closure and
/// stays; the closure never waits for the body to finish (which would never happen).
#[test]
fn body_waiting_for_a_closure_spawned_as_the_ticket_leaves() {
    model(|| {
        let pool = tiny(1, 1);
        let ran = AtomicUsize::new(0);
        let released = AtomicBool::new(false);
        pool.scope(|s| {
            s.spawn(|| {
                ran.fetch_add(1, Ordering::SeqCst);
            });
            s.spawn(|| released.store(true, Ordering::SeqCst));
            while !released.load(Ordering::SeqCst) {
                thread::yield_now();
            }
        });
        assert_eq!(ran.load(Ordering::SeqCst), 1);
        assert!(pool.shutdown(LONG).is_complete());
    });
}

/// The owner finds nothing left to run while the worker still runs the last closure, and
/// falls asleep as that closure finishes: the finisher sees it asleep and wakes it, or the
/// owner sees the count at zero (a lost wake-up is reported as a deadlock). The closure's
/// write is visible to the owner once the scope returns.
#[test]
fn last_closure_finishing_racing_the_owner_falling_asleep() {
    model(|| {
        let pool = tiny(1, 1);
        let mut written = 0;
        pool.scope(|s| {
            s.spawn(|| written = 7);
        });
        assert_eq!(written, 7);
        assert!(pool.shutdown(LONG).is_complete());
    });
}

/// The last closure finishes on a worker while the owner sleeps and the scope's other ticket
/// sits in the pool's queue behind a task that waits for the scope to return: the finisher
/// must wake the owner itself (the last ticket to leave, which also wakes it, never runs).
/// Without that wake-up every thread waits for another, which loom reports as a deadlock.
#[test]
fn last_closure_wakes_the_owner_while_a_ticket_is_stuck_in_the_queue() {
    model(|| {
        let pool = tiny(2, 2);
        let gate = Arc::new(PlainMutex::new(()));
        let closed = gate.lock();
        let blocker = || {
            let gate = Arc::clone(&gate);
            move || drop(gate.lock())
        };
        // One worker waits at the gate from the start.
        pool.execute(blocker()).unwrap();
        let on_worker = AtomicBool::new(false);
        pool.scope(|s| {
            s.spawn(|| on_worker.store(true, Ordering::SeqCst));
            while !on_worker.load(Ordering::SeqCst) {
                thread::yield_now();
            }
            // Queued ahead of the second ticket: the other worker waits at the gate next.
            pool.execute(blocker()).unwrap();
            s.spawn(|| ());
        });
        drop(closed);
        assert!(pool.shutdown(LONG).is_complete());
    });
}

/// `run`'s only ticket is queued when `shutdown_now` hands it back, and the handed-back task
/// is dropped: `run` wakes (the last ticket gone) and reports `Shutdown` with the closure
/// never run, or the worker ran it first and `run` returns its value.
#[test]
fn run_with_its_ticket_handed_back_and_dropped() {
    model(|| {
        let pool = Arc::new(tiny(1, 1));
        let ran = Arc::new(AtomicUsize::new(0));
        let caller = {
            let (pool, ran) = (Arc::clone(&pool), Arc::clone(&ran));
            thread::spawn(move || {
                pool.run(move || {
                    ran.fetch_add(1, Ordering::SeqCst);
                    5
                })
            })
        };
        let handed_back = pool.shutdown_now();
        drop(handed_back);
        match caller.join().unwrap() {
            Ok(value) => {
                assert_eq!(value, 5);
                assert_eq!(ran.load(Ordering::SeqCst), 1);
            }
            Err(err) => {
                assert_eq!(err, SubmitError::Shutdown);
                assert_eq!(ran.load(Ordering::SeqCst), 0);
            }
        }
        assert!(pool.shutdown(LONG).is_complete());
    });
}

/// Scoped closures (issue 12, item 3): one that waits for a sibling spawned after it never
/// holds that sibling hostage; with one worker and the owner as runners, whichever runner is
/// free takes the sibling, in every interleaving. Three closures, because a runner once took
/// half of what was pending (two of three) as a private batch and could hold the sibling
/// behind the waiter.
#[test]
fn scoped_closure_waiting_for_a_later_sibling() {
    model(|| {
        let pool = tiny(1, 1);
        let released = AtomicBool::new(false);
        pool.scope(|s| {
            s.spawn(|| {
                while !released.load(Ordering::SeqCst) {
                    thread::yield_now();
                }
            });
            s.spawn(|| released.store(true, Ordering::SeqCst));
            s.spawn(|| ());
        });
        assert!(released.load(Ordering::SeqCst));
        assert!(pool.shutdown(LONG).is_complete());
    });
}
