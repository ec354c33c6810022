//! Loom models of the pool's queue, worker and shutdown protocol: submit racing shutdown,
//! cancel racing start, and worker retirement racing a new submission; of the lock-free
//! submission path of fixed-size pools: a fast-path submit racing `shutdown_now`, racing a
//! parking worker, and reserving the last place in a bounded queue; and of two workers taking
//! from the lock-free queue while `shutdown_now` takes the backlog. The queue itself is
//! modelled (see `src/engine/injector.rs`); the protocols around it are the engine's own.
//!
//! Pools here are tiny (at most 2 workers, 1-2 tasks) so every model finishes quickly at
//! `LOOM_MAX_PREEMPTIONS=2`. Without `--cfg selvedge_loom` the same bodies run many times on
//! real threads. Timed waits never time out under loom, so keep-alive retirement is modelled
//! with a zero keep-alive (retire as soon as the queue is empty) and every shutdown waits
//! for its workers by notification.

use std::time::Duration;

use selvedge_locks::sync::Arc;
use selvedge_locks::sync::atomic::{AtomicUsize, Ordering};
use selvedge_pool::{SubmitError, TaskError, ThreadPool};
use selvedge_testkit::{model, thread};

use crate::tiny::{LONG, fast, tiny, tiny_builder, tiny_fast};

/// A submission racing `shutdown` is either refused (and never runs) or accepted and run
/// before shutdown returns: never accepted and then lost.
#[test]
fn submit_racing_shutdown() {
    model(|| {
        let pool = Arc::new(tiny(0, 1));
        let ran = Arc::new(AtomicUsize::new(0));
        let submitter = {
            let (pool, ran) = (Arc::clone(&pool), Arc::clone(&ran));
            thread::spawn(move || {
                pool.submit(move || {
                    ran.fetch_add(1, Ordering::SeqCst);
                })
            })
        };
        let report = pool.shutdown(LONG);
        let submitted = submitter.join().unwrap();
        // A late-accepted task can only be accepted before intake closed, so shutdown ran it.
        assert!(report.is_complete());
        match submitted {
            Ok(handle) => {
                assert_eq!(handle.join(), Ok(()));
                assert_eq!(ran.load(Ordering::SeqCst), 1);
            }
            Err(err) => {
                assert_eq!(err, SubmitError::Shutdown);
                assert_eq!(ran.load(Ordering::SeqCst), 0);
            }
        }
        assert_eq!(pool.stats().unaccounted(), 0);
    });
}

/// `cancel` racing a worker's start has exactly one winner.
#[test]
fn cancel_racing_start() {
    model(|| {
        let pool = tiny(1, 1);
        let ran = Arc::new(AtomicUsize::new(0));
        let task_ran = Arc::clone(&ran);
        let handle = Arc::new(
            pool.submit(move || {
                task_ran.fetch_add(1, Ordering::SeqCst);
                7
            })
            .unwrap(),
        );
        let canceller = {
            let handle = Arc::clone(&handle);
            thread::spawn(move || handle.cancel())
        };
        let cancelled = canceller.join().unwrap();
        pool.shutdown(LONG);
        let handle = Arc::try_unwrap(handle).unwrap();
        if cancelled {
            assert_eq!(handle.join(), Err(TaskError::Cancelled));
            assert_eq!(ran.load(Ordering::SeqCst), 0);
        } else {
            assert_eq!(handle.join(), Ok(7));
            assert_eq!(ran.load(Ordering::SeqCst), 1);
        }
        let stats = pool.stats();
        assert_eq!(stats.cancelled + stats.completed, 1);
        assert_eq!(stats.unaccounted(), 0);
    });
}

/// A worker above core retiring (queue empty) while another thread submits: the new task
/// still runs, on the retiring worker or a freshly started one.
#[test]
fn retirement_racing_submission() {
    model(|| {
        let pool = Arc::new(tiny(0, 1));
        let first = pool.submit(|| 1).unwrap();
        let second = {
            let pool = Arc::clone(&pool);
            thread::spawn(move || pool.submit(|| 2).unwrap().join())
        };
        assert_eq!(first.join(), Ok(1));
        assert_eq!(second.join().unwrap(), Ok(2));
        let stats = pool.stats();
        assert!(stats.threads <= 1);
        assert_eq!(stats.idle + stats.active, stats.threads);
        assert_eq!(stats.completed, 2);
    });
}

/// Two workers and a blocked submitter: the idle/wakeup accounting never loses a wake-up
/// (both tasks run although both are submitted while workers are parking).
#[test]
fn two_submits_two_parked_workers() {
    model(|| {
        let pool = Arc::new(tiny(2, 2));
        let other = {
            let pool = Arc::clone(&pool);
            thread::spawn(move || pool.submit(|| 1).unwrap().join())
        };
        assert_eq!(pool.submit(|| 2).unwrap().join(), Ok(2));
        assert_eq!(other.join().unwrap(), Ok(1));
        let stats = pool.stats();
        assert_eq!(stats.completed, 2);
    });
}

/// A producer blocked on a full queue (`RejectionPolicy::Block`) is woken by the worker's
/// pop: no lost wake-up (under loom the timed wait never times out, so a lost one would be
/// reported as a deadlock).
#[test]
fn blocked_submitter_woken_by_pop() {
    model(|| {
        let pool = ThreadPool::builder()
            .core_threads(1)
            .max_threads(1)
            .queue_capacity(1)
            .rejection_policy(selvedge_pool::RejectionPolicy::Block(LONG))
            .drop_timeout(LONG)
            .build()
            .unwrap();
        let handles: Vec<_> = (0..3).map(|i| pool.submit(move || i).unwrap()).collect();
        for (i, handle) in handles.into_iter().enumerate() {
            assert_eq!(handle.join(), Ok(i));
        }
        assert_eq!(pool.stats().rejected, 0);
    });
}

/// A task submitted just after `build`, while the one core worker may still be starting,
/// looking at the queue for the first time or parking, starts no second worker: whichever of
/// those the submitter finds it in, it counts it as on its way (`starting`, searching or
/// idle), and the task runs. (Spinning stays off: a spinner counts itself without the lock,
/// so a submitter may miss it and start a worker, which the growth rule allows.)
#[test]
fn a_task_submitted_at_build_starts_no_second_worker() {
    model(|| {
        let pool = tiny_builder(1, 2).keep_alive(LONG).build().unwrap();
        assert_eq!(pool.submit(|| 1).unwrap().join(), Ok(1));
        let stats = pool.stats();
        assert_eq!((stats.threads, stats.peak_threads), (1, 1), "{stats:?}");
    });
}

/// A worker that finished a task and spins (counted in the lock-free `searching`, one yield
/// round) while the next task is submitted: the submitter may count it and start nobody, so
/// the spinner must still find the task; both tasks run and no count drifts. The only model
/// with spinning on (under loom it is off by default, to keep the others small).
#[test]
fn spinning_worker_takes_next_task() {
    model(|| {
        let builder = ThreadPool::builder()
            .core_threads(1)
            .max_threads(2)
            .keep_alive(Duration::ZERO)
            .queue_capacity(2)
            .drop_timeout(LONG);
        #[cfg(selvedge_loom)]
        let builder = builder.loom_spin_rounds(1);
        let pool = builder.build().unwrap();
        let first = pool.submit(|| 1).unwrap();
        let second = pool.submit(|| 2).unwrap();
        assert_eq!(first.join(), Ok(1));
        assert_eq!(second.join(), Ok(2));
        let stats = pool.stats();
        assert_eq!(stats.completed, 2);
        assert_eq!(stats.idle + stats.active, stats.threads);
    });
}

/// Fast path (core == max): a submission racing `shutdown_now` is refused, or run by the
/// worker, or handed back (even when it reserved before the close and pushes after): never
/// lost.
#[test]
fn fast_path_submit_racing_shutdown_now() {
    model(|| {
        let pool = Arc::new(tiny_fast(1));
        let ran = Arc::new(AtomicUsize::new(0));
        let submitter = {
            let (pool, ran) = (Arc::clone(&pool), Arc::clone(&ran));
            thread::spawn(move || {
                pool.submit(move || {
                    ran.fetch_add(1, Ordering::SeqCst);
                })
            })
        };
        let pending = pool.shutdown_now();
        let handed_back = pending.len();
        for task in pending {
            task.run();
        }
        let submitted = submitter.join().unwrap();
        assert!(pool.shutdown(LONG).is_complete());
        match submitted {
            Ok(handle) => {
                assert_eq!(handle.join(), Ok(()));
                assert_eq!(ran.load(Ordering::SeqCst), 1);
            }
            Err(err) => {
                assert_eq!(err, SubmitError::Shutdown);
                assert_eq!(handed_back, 0);
                assert_eq!(ran.load(Ordering::SeqCst), 0);
            }
        }
        let stats = pool.stats();
        assert_eq!(stats.handed_back, handed_back as u64);
        assert_eq!(stats.unaccounted(), 0);
    });
}

/// Fast path: a submission that never takes the pool lock, racing the only worker on its way
/// to park, is still run: the worker sees the reservation, or the submitter sees it idle and
/// wakes it (a lost wake-up would be reported as a deadlock).
#[test]
fn fast_path_submit_racing_parking_worker() {
    model(|| {
        let pool = Arc::new(tiny_fast(1));
        let submitter = {
            let pool = Arc::clone(&pool);
            thread::spawn(move || pool.submit(|| 1).unwrap().join())
        };
        assert_eq!(submitter.join().unwrap(), Ok(1));
        let stats = pool.stats();
        assert_eq!(stats.completed, 1);
        assert_eq!(stats.idle + stats.active, stats.threads);
    });
}

/// Fast path: two submitters race for the last place of a queue of capacity 1 while the only
/// worker is busy: exactly one is accepted, the other is rejected as full (never both, never
/// neither), and the counts add up. Found a real bug: the locked path checked the capacity
/// and then reserved, so a fast-path submitter could take the last place in between.
#[test]
fn fast_path_capacity_reservation_at_the_bound() {
    model(|| {
        let pool = Arc::new(fast(tiny_builder(1, 1).queue_capacity(1)));
        let started = Arc::new(AtomicUsize::new(0));
        let go = Arc::new(AtomicUsize::new(0));
        let busy = {
            let (started, go) = (Arc::clone(&started), Arc::clone(&go));
            pool.submit(move || {
                started.store(1, Ordering::SeqCst);
                while go.load(Ordering::SeqCst) == 0 {
                    thread::yield_now();
                }
            })
            .unwrap()
        };
        while started.load(Ordering::SeqCst) == 0 {
            thread::yield_now();
        }
        let other = {
            let pool = Arc::clone(&pool);
            thread::spawn(move || pool.submit(|| 2))
        };
        let mine = pool.submit(|| 1);
        // Both submissions are decided while the worker is still busy.
        let theirs = other.join().unwrap();
        go.store(1, Ordering::SeqCst);
        assert_eq!(busy.join(), Ok(()));
        match (mine, theirs) {
            (Ok(h), Err(err)) => {
                assert_eq!(err, SubmitError::Full);
                assert_eq!(h.join(), Ok(1));
            }
            (Err(err), Ok(h)) => {
                assert_eq!(err, SubmitError::Full);
                assert_eq!(h.join(), Ok(2));
            }
            (a, b) => panic!(
                "exactly one must be accepted: {} / {}",
                a.is_ok(),
                b.is_ok()
            ),
        }
        pool.shutdown(LONG);
        let stats = pool.stats();
        assert_eq!(stats.rejected, 1);
        assert_eq!(stats.completed, 2);
        assert_eq!(stats.unaccounted(), 0);
    });
}

/// Fast path, two submitters and one worker: every task runs once, each submitter's in its
/// order (FIFO within a priority across the lock-free queue), and the counts add up.
#[test]
fn fast_path_fifo_per_submitter() {
    model(|| {
        let pool = Arc::new(fast(tiny_builder(1, 1).queue_capacity(4)));
        let order = Arc::new(selvedge_locks::sync::PlainMutex::new(Vec::new()));
        let log = |n: usize| {
            let order = Arc::clone(&order);
            move || order.lock().push(n)
        };
        let other = {
            let (pool, task) = (Arc::clone(&pool), log(10));
            thread::spawn(move || pool.execute(task))
        };
        pool.execute(log(0)).unwrap();
        pool.execute(log(1)).unwrap();
        other.join().unwrap().unwrap();
        assert!(pool.shutdown(LONG).is_complete());
        let order = order.lock().clone();
        assert_eq!(order.len(), 3);
        let mine: Vec<usize> = order.iter().copied().filter(|&n| n < 10).collect();
        assert_eq!(mine, [0, 1], "FIFO per submitter");
        let stats = pool.stats();
        assert_eq!(stats.completed, 3);
        assert_eq!(stats.submitted, 3);
        assert_eq!(stats.unaccounted(), 0);
    });
}

/// Two workers take from the lock-free queue while `shutdown_now` takes the backlog: each
/// of the two tasks is run exactly once or handed back exactly once (a worker that takes a
/// job after the halt hands it back instead of starting it), and `shutdown_now` returns only
/// when nothing is left reserved.
#[test]
fn two_workers_taking_racing_shutdown_now() {
    model(|| {
        let pool = tiny(2, 2);
        let ran = Arc::new(AtomicUsize::new(0));
        for _ in 0..2 {
            let ran = Arc::clone(&ran);
            pool.execute(move || {
                ran.fetch_add(1, Ordering::SeqCst);
            })
            .unwrap();
        }
        let pending = pool.shutdown_now();
        let handed_back = pending.len();
        assert!(pool.shutdown(LONG).is_complete());
        assert_eq!(
            ran.load(Ordering::SeqCst) + handed_back,
            2,
            "each task once"
        );
        for task in pending {
            task.run();
        }
        assert_eq!(ran.load(Ordering::SeqCst), 2);
        let stats = pool.stats();
        assert_eq!(stats.handed_back, handed_back as u64);
        assert_eq!(stats.unaccounted(), 0);
    });
}
