//! `Strand`: order and mutual exclusion under many submitters and many strands on one pool,
//! hand-over between batches, contained panics, and every refusal path (closed strand, pool
//! shut down, pool saturated, caller-runs pools) with nothing lost or reordered.

use crate::common;

use std::num::NonZeroUsize;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::mpsc;
use std::sync::{Arc, Mutex};
use std::thread;
use std::time::Duration;

use common::{eventually, occupy};
use selvedge_pool::{RejectionPolicy, Strand, StrandRefusal, SubmitError, ThreadPool};
use selvedge_trace::{events, testing::capture_all};

const ONE: NonZeroUsize = NonZeroUsize::MIN;

fn pool(workers: usize) -> Arc<ThreadPool> {
    Arc::new(ThreadPool::builder().max_threads(workers).build().unwrap())
}

/// A log shared by tasks.
fn log<T>() -> Arc<Mutex<Vec<T>>> {
    Arc::new(Mutex::new(Vec::new()))
}

/// A strand task that blocks until released, returned once it has started.
fn block(strand: &Strand) -> mpsc::Sender<()> {
    let (release, gate) = mpsc::channel::<()>();
    let (started_tx, started) = mpsc::channel::<()>();
    strand
        .execute(move || {
            started_tx.send(()).unwrap();
            gate.recv().unwrap();
        })
        .unwrap();
    started.recv_timeout(Duration::from_secs(10)).unwrap();
    release
}

#[test]
fn runs_in_submission_order() {
    let pool = pool(2);
    let strand = Strand::with_batch(&pool, NonZeroUsize::new(3).unwrap());
    let seen = log();
    for i in 0..500 {
        let seen = Arc::clone(&seen);
        strand
            .execute(move || seen.lock().unwrap().push(i))
            .unwrap();
    }
    strand.wait_idle();
    assert_eq!(*seen.lock().unwrap(), (0..500).collect::<Vec<_>>());
}

/// Many submitters, many strands, one small pool, small batches: per strand, every task runs
/// exactly once, never two at a time (an in-flight flag per strand), and each submitter's
/// tasks in the order it submitted them.
#[test]
fn stress_order_and_exclusion_per_strand() {
    const STRANDS: usize = 6;
    const SUBMITTERS: usize = 4;
    const PER_SUBMITTER: usize = 600;
    let pool = pool(3);
    let strands: Vec<_> = (0..STRANDS)
        .map(|i| Strand::with_batch(&pool, NonZeroUsize::new(1 + i % 3).unwrap()))
        .collect();
    let in_flight: Arc<Vec<AtomicBool>> =
        Arc::new((0..STRANDS).map(|_| AtomicBool::new(false)).collect());
    // Per strand, (submitter, sequence number) in the order the tasks ran.
    type Log = Mutex<Vec<(usize, usize)>>;
    let logs: Arc<Vec<Log>> = Arc::new((0..STRANDS).map(|_| Mutex::new(Vec::new())).collect());
    thread::scope(|s| {
        for submitter in 0..SUBMITTERS {
            let (strands, in_flight, logs) = (&strands, &in_flight, &logs);
            s.spawn(move || {
                for seq in 0..PER_SUBMITTER {
                    let k = (submitter * 7 + seq * 5) % STRANDS;
                    let (in_flight, logs) = (Arc::clone(in_flight), Arc::clone(logs));
                    strands[k]
                        .execute(move || {
                            assert!(
                                !in_flight[k].swap(true, Ordering::Acquire),
                                "two tasks of strand {k} at once"
                            );
                            logs[k].lock().unwrap().push((submitter, seq));
                            if seq % 50 == 0 {
                                thread::yield_now();
                            }
                            in_flight[k].store(false, Ordering::Release);
                        })
                        .unwrap();
                }
            });
        }
    });
    for strand in &strands {
        strand.wait_idle();
        assert_eq!(strand.panicked(), 0);
    }
    let mut total = 0;
    for (k, log) in logs.iter().enumerate() {
        let log = log.lock().unwrap();
        total += log.len();
        for submitter in 0..SUBMITTERS {
            let seqs: Vec<_> = log
                .iter()
                .filter(|(s, _)| *s == submitter)
                .map(|(_, q)| *q)
                .collect();
            let expected: Vec<_> = (0..PER_SUBMITTER)
                .filter(|seq| (submitter * 7 + seq * 5) % STRANDS == k)
                .collect();
            assert_eq!(seqs, expected, "strand {k}, submitter {submitter}");
        }
    }
    assert_eq!(total, SUBMITTERS * PER_SUBMITTER);
}

#[test]
fn idle_strand_holds_no_worker() {
    let pool = pool(1);
    let strand = Strand::new(&pool);
    strand.execute(|| ()).unwrap();
    strand.wait_idle();
    // The only worker is free for other work, and parked once that is done.
    assert_eq!(pool.submit(|| 7).unwrap().join(), Ok(7));
    eventually("the worker parks", || pool.stats().idle == 1);
}

/// With a batch of 1, the drain hands its worker back after every task: a pool task
/// submitted while the strand was busy runs before the strand's next task.
#[test]
fn busy_strand_hands_its_worker_back_between_batches() {
    let pool = pool(1);
    let strand = Strand::with_batch(&pool, ONE);
    let order = log();
    let release = block(&strand);
    for i in 1..=3 {
        let order = Arc::clone(&order);
        strand
            .execute(move || order.lock().unwrap().push(format!("strand {i}")))
            .unwrap();
    }
    let other = {
        let order = Arc::clone(&order);
        pool.submit(move || order.lock().unwrap().push("other".to_owned()))
            .unwrap()
    };
    release.send(()).unwrap();
    strand.wait_idle();
    other.join().unwrap();
    assert_eq!(
        *order.lock().unwrap(),
        ["other", "strand 1", "strand 2", "strand 3"]
    );
}

#[test]
fn panicking_task_is_contained_counted_and_reported() {
    let pool = pool(2);
    let strand = Strand::new(&pool);
    let seen = log();
    let ((), captured) = capture_all(|| {
        for i in 0..4 {
            let seen = Arc::clone(&seen);
            strand
                .execute(move || {
                    assert!(i != 1, "task {i} fails");
                    seen.lock().unwrap().push(i);
                })
                .unwrap();
        }
        strand.wait_idle();
    });
    assert_eq!(*seen.lock().unwrap(), [0, 2, 3]);
    assert_eq!(strand.panicked(), 1);
    let event = captured
        .iter()
        .find(|e| e.name == events::POOL_STRAND_TASK_PANICKED)
        .expect("a strand panic event");
    assert_eq!(event.field("message"), Some("task 1 fails"));
}

#[test]
fn pool_shut_down_refuses_with_the_task() {
    let pool = pool(1);
    let strand = Strand::new(&pool);
    pool.shutdown(Duration::from_secs(5));
    let ran = Arc::new(AtomicBool::new(false));
    let flag = Arc::clone(&ran);
    let err = strand
        .execute(move || flag.store(true, Ordering::SeqCst))
        .unwrap_err();
    assert_eq!(err.reason(), &StrandRefusal::Pool(SubmitError::Shutdown));
    assert!(!ran.load(Ordering::SeqCst));
    err.into_task().run();
    assert!(ran.load(Ordering::SeqCst));
    assert_eq!(strand.queued(), 0);
}

#[test]
fn saturated_pool_refuses_then_accepts_again() {
    let pool = Arc::new(
        ThreadPool::builder()
            .max_threads(1)
            .queue_capacity(1)
            .build()
            .unwrap(),
    );
    let strand = Strand::new(&pool);
    let blocker = occupy(&pool);
    let filler = pool.submit(|| ()).unwrap();
    let err = strand.execute(|| ()).unwrap_err();
    assert_eq!(err.reason(), &StrandRefusal::Pool(SubmitError::Full));
    assert_eq!(strand.queued(), 0);
    blocker.release();
    filler.join().unwrap();
    let ran = Arc::new(AtomicUsize::new(0));
    let n = Arc::clone(&ran);
    strand
        .execute(move || {
            n.fetch_add(1, Ordering::SeqCst);
        })
        .unwrap();
    strand.wait_idle();
    assert_eq!(ran.load(Ordering::SeqCst), 1);
}

/// While one `execute` waits for the pool (blocking policy) and is then refused, a task
/// another thread queued meanwhile stays queued, in order, and runs on `resume`.
#[test]
fn tasks_queued_behind_a_refused_drain_wait_for_resume() {
    let pool = Arc::new(
        ThreadPool::builder()
            .max_threads(1)
            .queue_capacity(1)
            .rejection_policy(RejectionPolicy::Block(Duration::from_millis(300)))
            .build()
            .unwrap(),
    );
    let strand = Strand::new(&pool);
    let blocker = occupy(&pool);
    let filler = pool.submit(|| ()).unwrap();
    let order = log();
    let refused = {
        let (strand, order) = (strand.clone(), Arc::clone(&order));
        thread::spawn(move || strand.execute(move || order.lock().unwrap().push("first")))
    };
    // The first `execute` owns the drain and waits in the pool: this one only queues.
    eventually("the first execute is waiting", || {
        let order = Arc::clone(&order);
        strand.queued() == 1 && {
            strand
                .execute(move || order.lock().unwrap().push("second"))
                .unwrap();
            true
        }
    });
    let err = refused.join().unwrap().unwrap_err();
    assert_eq!(err.reason(), &StrandRefusal::Pool(SubmitError::Timeout));
    assert_eq!(strand.queued(), 1, "the second task stays queued");
    blocker.release();
    filler.join().unwrap();
    strand.resume().unwrap();
    strand.wait_idle();
    assert_eq!(*order.lock().unwrap(), ["second"]);
}

/// A drain whose hand-over the saturated pool refuses goes on where it is, in order, rather
/// than stopping with tasks queued and no drain.
#[test]
fn refused_handover_keeps_draining_in_order() {
    let pool = Arc::new(
        ThreadPool::builder()
            .max_threads(1)
            .queue_capacity(1)
            .build()
            .unwrap(),
    );
    let strand = Strand::with_batch(&pool, ONE);
    let order = log();
    let release = block(&strand);
    for i in 1..=3 {
        let order = Arc::clone(&order);
        strand
            .execute(move || order.lock().unwrap().push(i))
            .unwrap();
    }
    let filler = {
        let order = Arc::clone(&order);
        pool.submit(move || order.lock().unwrap().push(0)).unwrap()
    };
    release.send(()).unwrap();
    strand.wait_idle();
    filler.join().unwrap();
    assert_eq!(*order.lock().unwrap(), [1, 2, 3, 0]);
}

/// A drain whose hand-over finds the pool shut down runs what the strand accepted, and the
/// strand refuses new tasks from then on.
#[test]
fn shutdown_during_drain_runs_accepted_tasks_then_refuses() {
    let pool = pool(1);
    let strand = Strand::with_batch(&pool, ONE);
    let order = log();
    let release = block(&strand);
    for i in 1..=3 {
        let order = Arc::clone(&order);
        strand
            .execute(move || order.lock().unwrap().push(i))
            .unwrap();
    }
    let shutdown = {
        let pool = Arc::clone(&pool);
        thread::spawn(move || pool.shutdown(Duration::from_secs(10)))
    };
    eventually("shutdown began", || pool.is_shutdown());
    release.send(()).unwrap();
    assert!(shutdown.join().unwrap().is_complete());
    strand.wait_idle();
    assert_eq!(*order.lock().unwrap(), [1, 2, 3]);
    let err = strand.execute(|| ()).unwrap_err();
    assert_eq!(err.reason(), &StrandRefusal::Pool(SubmitError::Shutdown));
}

/// Under caller-runs, a drain run inside its own submission runs the queue to empty instead
/// of handing over (which would run inline again, one stack frame deeper per batch): 20,000
/// batches of one would overflow the test thread's stack.
#[test]
fn caller_runs_pool_drains_inline_without_nesting() {
    const TASKS: usize = 20_000;
    let pool = Arc::new(
        ThreadPool::builder()
            .max_threads(1)
            .queue_capacity(1)
            .rejection_policy(RejectionPolicy::CallerRuns)
            .build()
            .unwrap(),
    );
    let strand = Strand::with_batch(&pool, ONE);
    let blocker = occupy(&pool);
    let filler = pool.submit(|| ()).unwrap();
    let ran = Arc::new(AtomicUsize::new(0));
    let caller = thread::current().id();
    {
        let (strand2, ran) = (strand.clone(), Arc::clone(&ran));
        strand
            .execute(move || {
                for _ in 0..TASKS {
                    let ran = Arc::clone(&ran);
                    strand2
                        .execute(move || {
                            assert_eq!(thread::current().id(), caller);
                            ran.fetch_add(1, Ordering::Relaxed);
                        })
                        .unwrap();
                }
            })
            .unwrap();
    }
    // Everything ran inside that `execute`, on this thread.
    assert_eq!(ran.load(Ordering::Relaxed), TASKS);
    strand.wait_idle();
    blocker.release();
    filler.join().unwrap();
}

#[test]
fn close_hands_back_unstarted_tasks_in_order() {
    let pool = pool(1);
    let strand = Strand::new(&pool);
    let order = log();
    let release = block(&strand);
    for i in 1..=3 {
        let order = Arc::clone(&order);
        strand
            .execute(move || order.lock().unwrap().push(i))
            .unwrap();
    }
    let pending = strand.close();
    assert_eq!(pending.len(), 3);
    release.send(()).unwrap();
    strand.wait_idle();
    assert!(order.lock().unwrap().is_empty(), "handed back, not run");
    for task in pending {
        task.run();
    }
    assert_eq!(*order.lock().unwrap(), [1, 2, 3]);
    assert_eq!(
        strand.execute(|| ()).unwrap_err().reason(),
        &StrandRefusal::Closed
    );
}

#[test]
fn dropping_every_handle_loses_no_queued_task() {
    let pool = pool(1);
    let ran = Arc::new(AtomicUsize::new(0));
    {
        let strand = Strand::new(&pool);
        for _ in 0..100 {
            let ran = Arc::clone(&ran);
            strand
                .execute(move || {
                    ran.fetch_add(1, Ordering::Relaxed);
                })
                .unwrap();
        }
    }
    assert!(pool.shutdown(Duration::from_secs(10)).is_complete());
    assert_eq!(ran.load(Ordering::Relaxed), 100);
}
