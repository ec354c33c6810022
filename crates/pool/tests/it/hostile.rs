//! Hostile and careless use of the public API (issue 12's follow-up round): panicking `Drop`s
//! off the worker (caller-runs, handed-back tasks, scope owners), timeouts at zero and at
//! `Duration::MAX`, the pool dropped from its own task, shutdown racing submitters, and
//! names at their limits. Each case checks the documented behaviour; none may hang or abort.

use crate::common;

use std::panic::{AssertUnwindSafe, catch_unwind, panic_any};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Barrier, mpsc};
use std::time::{Duration, Instant};

use common::{eventually, occupy};
use selvedge_pool::{RejectionPolicy, SubmitError, TaskError, ThreadPool};

struct Bomb;

impl Drop for Bomb {
    fn drop(&mut self) {
        panic!("drop");
    }
}

struct BombPayload;

impl Drop for BombPayload {
    fn drop(&mut self) {
        panic!("payload drop");
    }
}

#[test]
fn scope_body_panic_with_a_task_payload_whose_drop_panics_does_not_abort() {
    // The owner re-raises the body's panic; the task's payload must not be dropped while
    // that panic unwinds (a second panic there aborts the process).
    let pool = ThreadPool::builder().max_threads(2).build().unwrap();
    let outcome = catch_unwind(AssertUnwindSafe(|| {
        pool.scope(|s| {
            s.spawn(|| panic_any(BombPayload));
            // Let the task's panic be recorded before the body panics.
            std::thread::sleep(Duration::from_millis(50));
            panic!("body");
        });
    }));
    let payload = outcome.expect_err("the body's panic is re-raised");
    assert_eq!(payload.downcast_ref::<&str>(), Some(&"body"));
}

#[test]
fn caller_runs_contains_a_panicking_drop_of_the_value() {
    let pool = ThreadPool::builder()
        .max_threads(1)
        .queue_capacity(1)
        .rejection_policy(RejectionPolicy::CallerRuns)
        .build()
        .unwrap();
    let blocker = occupy(&pool);
    pool.execute(|| ()).unwrap(); // fills the queue
    // Runs here, on the caller; its value's `Drop` panics.
    pool.task(|| Bomb).on_success(|_| {}).execute().unwrap();
    assert_eq!(pool.stats().completed, 1);
    blocker.release();
    assert!(pool.shutdown(Duration::from_secs(5)).is_complete());
}

#[test]
fn handed_back_tasks_with_panicking_drops_run_or_drop_quietly() {
    let pool = ThreadPool::builder().max_threads(1).build().unwrap();
    let blocker = occupy(&pool);
    let bomb = Bomb;
    let dropped = pool
        .submit(move || {
            let _keep = &bomb;
        })
        .unwrap();
    pool.task(|| Bomb).on_success(|_| {}).execute().unwrap();
    let mut pending = pool.shutdown_now();
    assert_eq!(pending.len(), 2);
    pending.pop().unwrap().run(); // its value's `Drop` panics here: contained
    drop(pending); // its captures' `Drop` panics here: contained
    assert_eq!(dropped.join(), Err(TaskError::Shutdown));
    blocker.release();
}

#[test]
fn handed_back_task_runs_after_the_pool_is_dropped() {
    let pool = ThreadPool::builder()
        .max_threads(1)
        .drop_timeout(Duration::from_secs(5))
        .build()
        .unwrap();
    let blocker = occupy(&pool);
    let handle = pool.submit(|| 9).unwrap();
    let pending = pool.shutdown_now();
    blocker.release();
    drop(pool);
    for task in pending {
        task.run();
    }
    assert_eq!(handle.join(), Ok(9));
}

#[test]
fn the_pool_dropped_from_its_own_task() {
    let pool = Arc::new(
        ThreadPool::builder()
            .max_threads(2)
            .drop_timeout(Duration::from_secs(5))
            .build()
            .unwrap(),
    );
    let (go, wait) = mpsc::channel::<()>();
    let last = Arc::clone(&pool);
    let handle = pool
        .submit(move || {
            wait.recv().unwrap();
            drop(last); // the last reference: `Drop` shuts down from a worker
            "done"
        })
        .unwrap();
    drop(pool);
    go.send(()).unwrap();
    assert_eq!(handle.join(), Ok("done"));
}

#[test]
fn join_timeout_at_zero_and_at_the_maximum() {
    let pool = ThreadPool::builder().max_threads(1).build().unwrap();
    let blocker = occupy(&pool);
    let handle = pool.submit(|| 3).unwrap();
    let started = Instant::now();
    let handle = handle
        .join_timeout(Duration::ZERO)
        .expect_err("not run yet");
    assert!(started.elapsed() < Duration::from_secs(5));
    blocker.release();
    assert_eq!(handle.join_timeout(Duration::MAX).unwrap(), Ok(3));
    let done = pool.submit(|| 4).unwrap();
    eventually("finished", || done.is_finished());
    assert_eq!(done.join_timeout(Duration::ZERO).unwrap(), Ok(4));
}

#[test]
fn block_policy_at_zero_and_at_the_maximum() {
    let pool = Arc::new(
        ThreadPool::builder()
            .max_threads(1)
            .queue_capacity(1)
            .rejection_policy(RejectionPolicy::Block(Duration::ZERO))
            .build()
            .unwrap(),
    );
    let blocker = occupy(&pool);
    pool.execute(|| ()).unwrap();
    assert_eq!(pool.execute(|| ()), Err(SubmitError::Timeout));
    blocker.release();
    pool.shutdown(Duration::from_secs(5));

    // Waiting "forever" ends when the pool shuts down: refused as `Shutdown`.
    let pool = Arc::new(
        ThreadPool::builder()
            .max_threads(1)
            .queue_capacity(1)
            .rejection_policy(RejectionPolicy::Block(Duration::MAX))
            .build()
            .unwrap(),
    );
    let blocker = occupy(&pool);
    pool.execute(|| ()).unwrap();
    let submitter = {
        let pool = Arc::clone(&pool);
        std::thread::spawn(move || pool.execute(|| ()))
    };
    // Most likely blocked by now; refused as `Shutdown` either way.
    std::thread::sleep(Duration::from_millis(50));
    let _ = pool.shutdown_now();
    assert_eq!(submitter.join().unwrap(), Err(SubmitError::Shutdown));
    blocker.release();
}

#[test]
fn drop_timeout_zero_detaches_a_running_task_which_still_finishes() {
    let ran = Arc::new(AtomicUsize::new(0));
    let pool = ThreadPool::builder()
        .max_threads(1)
        .drop_timeout(Duration::ZERO)
        .build()
        .unwrap();
    for _ in 0..3 {
        let ran = Arc::clone(&ran);
        pool.execute(move || {
            std::thread::sleep(Duration::from_millis(20));
            ran.fetch_add(1, Ordering::SeqCst);
        })
        .unwrap();
    }
    drop(pool);
    eventually("the detached worker drains the queue", || {
        ran.load(Ordering::SeqCst) == 3
    });
}

#[test]
fn shutdown_at_zero_then_again_at_the_maximum() {
    let pool = ThreadPool::builder().max_threads(1).build().unwrap();
    let (release, gate) = mpsc::channel::<()>();
    pool.execute(move || gate.recv().unwrap()).unwrap();
    pool.execute(|| ()).unwrap();
    let report = pool.shutdown(Duration::ZERO);
    assert!(!report.is_complete());
    release.send(()).unwrap();
    let report = pool.shutdown(Duration::MAX);
    assert!(report.is_complete(), "{report:?}");
    assert_eq!(pool.stats().completed, 2);
}

#[test]
fn shutdowns_racing_submitters_lose_nothing() {
    for round in 0..20 {
        let pool = Arc::new(
            ThreadPool::builder()
                .core_threads(round % 3)
                .max_threads(2)
                .queue_capacity(8)
                .build()
                .unwrap(),
        );
        let barrier = Arc::new(Barrier::new(4));
        let threads: Vec<_> = (0..4)
            .map(|t| {
                let (pool, barrier) = (Arc::clone(&pool), Arc::clone(&barrier));
                std::thread::spawn(move || {
                    barrier.wait();
                    match t {
                        0 => drop(pool.shutdown(Duration::from_secs(5))),
                        1 => drop(pool.shutdown_now()),
                        _ => {
                            for _ in 0..50 {
                                let _ = pool.submit(|| ());
                            }
                        }
                    }
                })
            })
            .collect();
        for thread in threads {
            thread.join().unwrap();
        }
        pool.shutdown(Duration::from_secs(5));
        let stats = pool.stats();
        assert_eq!(stats.unaccounted(), 0, "{stats:?}");
        assert_eq!(stats.threads, 0);
    }
}

#[test]
fn a_very_long_thread_name_builds() {
    let name = "w".repeat(10_000);
    let pool = ThreadPool::builder()
        .max_threads(1)
        .thread_name(name.clone())
        .build()
        .unwrap();
    assert_eq!(pool.name(), name);
    assert_eq!(pool.submit(|| 1).unwrap().join(), Ok(1));
}

#[test]
fn a_task_submitting_to_its_own_full_pool_under_block_does_not_wait_for_itself() {
    // The only worker runs a task that fills the queue and submits once more: under `Block`
    // it would wait for space that only it can free (forever, at `Duration::MAX`).
    let pool = Arc::new(
        ThreadPool::builder()
            .max_threads(1)
            .queue_capacity(1)
            .rejection_policy(RejectionPolicy::Block(Duration::MAX))
            .drop_timeout(Duration::from_secs(2))
            .build()
            .unwrap(),
    );
    let inner = Arc::clone(&pool);
    let outer = pool
        .submit(move || {
            let queued = inner.submit(|| "queued").unwrap();
            let here = std::thread::current().id();
            let overflow = inner.submit(move || std::thread::current().id() == here);
            (queued, overflow.unwrap())
        })
        .unwrap();
    let (queued, overflow) = match outer.join_timeout(Duration::from_secs(10)) {
        Ok(result) => result.unwrap(),
        Err(_) => panic!("the worker waited for queue space only it could free"),
    };
    assert_eq!(overflow.join(), Ok(true), "ran on the submitting worker");
    assert_eq!(queued.join(), Ok("queued"));
    assert_eq!(pool.stats().unaccounted(), 0);
}

#[test]
fn shutdown_now_racing_a_scope_still_runs_every_scoped_closure_once() {
    for _ in 0..20 {
        let pool = ThreadPool::builder().max_threads(2).build().unwrap();
        let hits: Vec<AtomicUsize> = (0..16).map(|_| AtomicUsize::new(0)).collect();
        std::thread::scope(|threads| {
            threads.spawn(|| {
                // Tickets handed back are dropped here: the scope's owner runs what is left.
                drop(pool.shutdown_now());
            });
            pool.scope(|s| {
                for hit in &hits {
                    s.spawn(move || {
                        hit.fetch_add(1, Ordering::SeqCst);
                    });
                }
            });
        });
        assert!(hits.iter().all(|h| h.load(Ordering::SeqCst) == 1));
    }
}

#[test]
fn a_one_byte_stack_is_rounded_up_by_the_os() {
    let pool = ThreadPool::builder()
        .max_threads(1)
        .stack_size(1)
        .build()
        .unwrap();
    assert_eq!(pool.submit(|| 1).unwrap().join(), Ok(1));
}
