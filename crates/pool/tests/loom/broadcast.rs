//! Loom models of broadcasts: a broadcast racing a worker that starts and parks, racing a
//! worker that retires, racing `shutdown_now` (fire-and-forget and blocking), and two
//! workers broadcasting at once.
//!
//! Pools here have one or two workers so every model finishes at `LOOM_MAX_PREEMPTIONS=2`.
//! Timed waits never time out under loom, so retirement is modelled with a zero keep-alive
//! and every shutdown waits for its workers by notification. Without `--cfg selvedge_loom`
//! the same bodies run many times on real threads.

use selvedge_locks::sync::Arc;
use selvedge_locks::sync::atomic::{AtomicUsize, Ordering};
use selvedge_pool::{SubmitError, TaskError};
use selvedge_testkit::{model, thread};

use crate::tiny::{LONG, tiny};

/// A broadcast made while the only worker starts, looks at an empty queue and parks: the
/// worker runs it exactly once (woken if it parked first), and the caller gets its result.
#[test]
fn broadcast_racing_a_parking_worker() {
    model(|| {
        let pool = tiny(1, 1);
        let ran = AtomicUsize::new(0);
        let results = pool
            .broadcast(|ctx| {
                ran.fetch_add(1, Ordering::SeqCst);
                ctx.index()
            })
            .unwrap();
        assert_eq!(results, [Ok(0)]);
        assert_eq!(ran.load(Ordering::SeqCst), 1);
        assert!(pool.shutdown(LONG).is_complete());
        assert_eq!(pool.stats().unaccounted(), 0);
    });
}

/// A broadcast racing the retirement of the only worker (above a core of 0, zero
/// keep-alive): either the worker was still counted, and then it runs the broadcast before
/// it retires, or it had retired, and the broadcast has no worker. Never counted and unrun.
#[test]
fn broadcast_racing_retirement() {
    model(|| {
        let pool = tiny(0, 1);
        pool.submit(|| ()).unwrap().join().unwrap();
        let ran = AtomicUsize::new(0);
        let results = pool
            .broadcast(|_| {
                ran.fetch_add(1, Ordering::SeqCst);
            })
            .unwrap();
        assert!(results.len() <= 1);
        assert!(results.iter().all(Result::is_ok));
        assert_eq!(ran.load(Ordering::SeqCst), results.len());
        assert!(pool.shutdown(LONG).is_complete());
        assert_eq!(pool.stats().unaccounted(), 0);
    });
}

/// `spawn_broadcast` racing `shutdown_now`: refused (never runs), or accepted and then run
/// exactly once, by the worker or from the `PendingTask` handed back.
#[test]
fn spawn_broadcast_racing_shutdown_now() {
    model(|| {
        let pool = Arc::new(tiny(1, 1));
        let ran = Arc::new(AtomicUsize::new(0));
        let broadcaster = {
            let (pool, ran) = (Arc::clone(&pool), Arc::clone(&ran));
            thread::spawn(move || {
                pool.spawn_broadcast(move |_| {
                    ran.fetch_add(1, Ordering::SeqCst);
                })
            })
        };
        for pending in pool.shutdown_now() {
            pending.run();
        }
        let accepted = broadcaster.join().unwrap();
        assert!(pool.shutdown(LONG).is_complete());
        match accepted {
            Ok(()) => assert_eq!(ran.load(Ordering::SeqCst), 1),
            Err(err) => {
                assert_eq!(err, SubmitError::Shutdown);
                assert_eq!(ran.load(Ordering::SeqCst), 0);
            }
        }
        assert_eq!(pool.stats().unaccounted(), 0);
    });
}

/// A blocking broadcast racing `shutdown_now`, whose handed-back share is dropped: the
/// caller is refused, or gets the worker's result, or is woken with `Shutdown` for the
/// dropped share. It never waits forever and its closure never runs unreported.
#[test]
fn blocking_broadcast_racing_shutdown_now() {
    model(|| {
        let pool = Arc::new(tiny(1, 1));
        let ran = Arc::new(AtomicUsize::new(0));
        let broadcaster = {
            let (pool, ran) = (Arc::clone(&pool), Arc::clone(&ran));
            thread::spawn(move || {
                pool.broadcast(|_| {
                    ran.fetch_add(1, Ordering::SeqCst);
                })
            })
        };
        drop(pool.shutdown_now());
        let outcome = broadcaster.join().unwrap();
        let ran = ran.load(Ordering::SeqCst);
        match outcome {
            Err(err) => assert_eq!((err, ran), (SubmitError::Shutdown, 0)),
            Ok(results) if ran == 1 => assert_eq!(results, [Ok(())]),
            Ok(results) => assert_eq!((results, ran), (vec![Err(TaskError::Shutdown)], 0)),
        }
        assert!(pool.shutdown(LONG).is_complete());
        assert_eq!(pool.stats().unaccounted(), 0);
    });
}

/// Both workers broadcast from a task at the same time: each runs its own share inline and
/// the other's share for it while it waits, so neither waits for the other forever.
#[test]
fn two_workers_broadcasting_at_once() {
    model(|| {
        let pool = Arc::new(tiny(2, 2));
        let handles: Vec<_> = (0..2)
            .map(|_| {
                let inner = Arc::clone(&pool);
                pool.submit(move || inner.broadcast(|ctx| ctx.num_threads()).unwrap())
                    .unwrap()
            })
            .collect();
        for handle in handles {
            // Both workers are counted from `build` on, so both run each broadcast.
            assert_eq!(handle.join().unwrap(), [Ok(2), Ok(2)]);
        }
        assert!(pool.shutdown(LONG).is_complete());
    });
}
