//! Submission: every `SubmitError` case and every `RejectionPolicy`.

use crate::common;

use std::time::Duration;

use common::occupy;
use selvedge_pool::{RejectionPolicy, SubmitError, ThreadPool};

/// One worker, queue of one; returns the pool with the worker busy and the queue full.
fn saturated(policy: RejectionPolicy) -> (ThreadPool, common::Blocker) {
    let pool = ThreadPool::builder()
        .max_threads(1)
        .queue_capacity(1)
        .rejection_policy(policy)
        .build()
        .unwrap();
    let blocker = occupy(&pool);
    pool.execute(|| ()).unwrap(); // fills the queue
    (pool, blocker)
}

#[test]
fn full_queue_is_rejected_with_a_typed_error() {
    let (pool, blocker) = saturated(RejectionPolicy::Reject);
    assert_eq!(pool.submit(|| 1).unwrap_err(), SubmitError::Full);
    blocker.release();
    pool.shutdown(Duration::from_secs(10));
    let stats = pool.stats();
    assert_eq!(stats.rejected, 1);
    assert_eq!(stats.submitted, 3);
    assert_eq!(stats.unaccounted(), 0);
}

#[test]
fn block_policy_times_out() {
    let (pool, blocker) = saturated(RejectionPolicy::Block(Duration::from_millis(20)));
    assert_eq!(pool.submit(|| 1).unwrap_err(), SubmitError::Timeout);
    blocker.release();
}

#[test]
fn block_policy_waits_for_space() {
    let (pool, blocker) = saturated(RejectionPolicy::Block(Duration::from_secs(30)));
    std::thread::scope(|s| {
        let waiting = s.spawn(|| pool.submit(|| "got in").unwrap().join());
        common::eventually("the submitter is blocked", || !waiting.is_finished());
        blocker.release();
        assert_eq!(waiting.join().unwrap(), Ok("got in"));
    });
}

#[test]
fn block_policy_gives_up_at_shutdown() {
    let (pool, blocker) = saturated(RejectionPolicy::Block(Duration::from_secs(30)));
    std::thread::scope(|s| {
        let waiting = s.spawn(|| pool.submit(|| ()).map(drop));
        std::thread::sleep(Duration::from_millis(20));
        let _pending = pool.shutdown_now();
        assert_eq!(waiting.join().unwrap(), Err(SubmitError::Shutdown));
    });
    blocker.release();
}

#[test]
fn caller_runs_policy_runs_on_the_submitting_thread() {
    let (pool, blocker) = saturated(RejectionPolicy::CallerRuns);
    let me = std::thread::current().id();
    let handle = pool
        .submit(move || std::thread::current().id() == me)
        .unwrap();
    assert!(handle.is_finished(), "ran before submit returned");
    assert_eq!(handle.join(), Ok(true));
    blocker.release();
    pool.shutdown(Duration::from_secs(10));
    assert_eq!(pool.stats().rejected, 0);
    assert_eq!(pool.stats().completed, 3);
}

#[test]
fn shutdown_pool_rejects_whatever_the_policy() {
    for policy in [
        RejectionPolicy::Reject,
        RejectionPolicy::CallerRuns,
        RejectionPolicy::Block(Duration::from_secs(30)),
    ] {
        let pool = ThreadPool::builder()
            .rejection_policy(policy)
            .build()
            .unwrap();
        pool.shutdown(Duration::from_secs(10));
        assert!(pool.is_shutdown());
        assert_eq!(pool.submit(|| ()).unwrap_err(), SubmitError::Shutdown);
        assert_eq!(pool.execute(|| ()).unwrap_err(), SubmitError::Shutdown);
        assert_eq!(pool.stats().rejected, 2);
    }
}

#[test]
fn spawn_failure_with_no_worker_rejects_the_task() {
    let pool = ThreadPool::builder()
        .core_threads(0)
        .max_threads(1)
        .stack_size(1 << 60)
        .build()
        .unwrap();
    let err = pool.submit(|| ()).unwrap_err();
    assert!(matches!(err, SubmitError::SpawnFailed(_)), "{err:?}");
    let stats = pool.stats();
    assert_eq!(stats.rejected, 1);
    assert_eq!(stats.queued_total(), 0);
}

#[test]
fn submit_errors_display() {
    for err in [
        SubmitError::Full,
        SubmitError::Timeout,
        SubmitError::Shutdown,
        SubmitError::SpawnFailed("x".into()),
    ] {
        assert!(err.to_string().starts_with("task rejected"));
    }
}

/// A panicking fire-and-forget task (`execute`, the small-box path) is contained and counted
/// as failed; the worker survives and runs the next one.
#[test]
fn panicking_execute_is_counted_failed() {
    let pool = ThreadPool::builder().max_threads(1).build().unwrap();
    pool.execute(|| panic!("boom")).unwrap();
    let (tx, rx) = std::sync::mpsc::channel();
    pool.execute(move || tx.send(7).unwrap()).unwrap();
    assert_eq!(rx.recv().unwrap(), 7);
    assert!(pool.shutdown(Duration::from_secs(10)).is_complete());
    let stats = pool.stats();
    assert_eq!(stats.submitted, 2);
    assert_eq!(stats.failed, 1);
    assert_eq!(stats.completed, 1);
    assert_eq!(stats.unaccounted(), 0);
}

/// `TaskBuilder::execute` without callbacks or deadline takes the small-box path at any
/// priority: the closure's value is dropped on the worker (a panicking `Drop` counts as a
/// failure, like a panicking task), and the worker survives both.
#[test]
fn builder_execute_drops_the_value_and_contains_its_panics() {
    struct Loud(std::sync::mpsc::Sender<&'static str>);
    impl Drop for Loud {
        fn drop(&mut self) {
            self.0.send("dropped").unwrap();
        }
    }
    struct Bomb;
    impl Drop for Bomb {
        fn drop(&mut self) {
            panic!("drop bomb");
        }
    }
    let pool = ThreadPool::builder().max_threads(1).build().unwrap();
    let (tx, rx) = std::sync::mpsc::channel();
    pool.task(move || Loud(tx))
        .priority(selvedge_pool::Priority::Urgent)
        .execute()
        .unwrap();
    assert_eq!(rx.recv().unwrap(), "dropped");
    pool.task(|| Bomb)
        .priority(selvedge_pool::Priority::Low)
        .execute()
        .unwrap();
    pool.task(|| -> u8 { panic!("boom") }).execute().unwrap();
    assert_eq!(
        pool.submit(|| 5).unwrap().join(),
        Ok(5),
        "the worker survived"
    );
    assert!(pool.shutdown(Duration::from_secs(10)).is_complete());
    let stats = pool.stats();
    assert_eq!(stats.submitted, 4);
    assert_eq!(stats.failed, 2);
    assert_eq!(stats.completed, 2);
    assert_eq!(stats.unaccounted(), 0);
}
