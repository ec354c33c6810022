//! Fallible tasks (`submit_fallible`, `task_fallible`): an `Err` counts as failed, reaches
//! `on_failure` typed, comes back typed from the handle, and is reported as
//! `pool.task_failed`; an `Ok` is a success as before.

use std::sync::mpsc;
use std::time::Duration;

use selvedge_pool::{Priority, TaskError, ThreadPool};
use selvedge_trace::events;
use selvedge_trace::testing::capture_all;

#[derive(Debug, Clone, PartialEq, Eq)]
struct NotFound(u32);

impl std::fmt::Display for NotFound {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "user {} not found", self.0)
    }
}

impl std::error::Error for NotFound {}

/// The bug: a task returning `Err` was counted as completed and `on_failure` never
/// saw it. (Before this entry point existed, the only way to submit it was `submit`, which
/// still treats a returned `Result` as the value.)
#[test]
fn err_returned_by_a_task_counts_as_failed_and_reaches_on_failure() {
    let pool = ThreadPool::builder().max_threads(2).build().unwrap();
    let (failures, failed) = mpsc::channel();
    let (successes, succeeded) = mpsc::channel::<u32>();
    let handle = pool
        .task_fallible(|| Err::<u32, _>(NotFound(7)))
        .priority(Priority::High)
        .on_success(move |v: &u32| successes.send(*v).unwrap())
        .on_failure(move |e: &TaskError<NotFound>| failures.send(e.clone()).unwrap())
        .submit()
        .unwrap();
    assert_eq!(handle.join(), Err(TaskError::Failed(NotFound(7))));
    assert_eq!(failed.recv().unwrap(), TaskError::Failed(NotFound(7)));
    assert!(
        succeeded.try_recv().is_err(),
        "on_success must not fire for an Err"
    );
    pool.wait_idle(Duration::from_secs(10)).unwrap();
    let stats = pool.stats();
    assert_eq!((stats.completed, stats.failed), (0, 1));
}

#[test]
fn ok_of_a_fallible_task_is_a_success_with_the_value() {
    let pool = ThreadPool::builder().build().unwrap();
    let (tx, rx) = mpsc::channel();
    let handle = pool
        .task_fallible(|| Ok::<_, NotFound>("ada"))
        .on_success(move |v: &&str| tx.send(*v).unwrap())
        .submit()
        .unwrap();
    assert_eq!(handle.join(), Ok("ada"));
    assert_eq!(rx.recv().unwrap(), "ada");
    pool.shutdown(Duration::from_secs(10));
    let stats = pool.stats();
    assert_eq!(
        (stats.completed, stats.failed, stats.unaccounted()),
        (1, 0, 0)
    );
}

#[test]
fn fire_and_forget_fallible_failures_are_counted() {
    let pool = ThreadPool::builder().max_threads(2).build().unwrap();
    for i in 0..20u32 {
        pool.task_fallible(move || if i % 2 == 0 { Ok(i) } else { Err(NotFound(i)) })
            .execute()
            .unwrap();
    }
    pool.shutdown_and_wait();
    let stats = pool.stats();
    assert_eq!((stats.completed, stats.failed), (10, 10));
    assert_eq!(stats.unaccounted(), 0);
}

#[test]
fn submit_fallible_error_is_typed_and_its_source() {
    let pool = ThreadPool::builder().build().unwrap();
    let err = pool
        .submit_fallible(|| Err::<(), _>(NotFound(3)))
        .unwrap()
        .join()
        .unwrap_err();
    assert_eq!(err.to_string(), "task failed: user 3 not found");
    let source = std::error::Error::source(&err).expect("the task's error is the source");
    assert_eq!(source.to_string(), "user 3 not found");
    // A panic in a fallible task is still a panic, not a `Failed`.
    let panicked = pool.submit_fallible(|| -> Result<(), NotFound> { panic!("boom") });
    assert_eq!(
        panicked.unwrap().join(),
        Err(TaskError::Panicked("boom".into()))
    );
}

#[test]
fn expired_fallible_task_reaches_on_failure_as_expired() {
    let pool = ThreadPool::builder().build().unwrap();
    let (tx, rx) = mpsc::channel();
    let handle = pool
        .task_fallible(|| Ok::<u8, NotFound>(1))
        .timeout(Duration::ZERO)
        .on_failure(move |e: &TaskError<NotFound>| tx.send(e.clone()).unwrap())
        .submit()
        .unwrap();
    assert_eq!(handle.join(), Err(TaskError::Expired));
    assert_eq!(rx.recv().unwrap(), TaskError::Expired);
}

#[test]
fn a_failed_task_emits_pool_task_failed_with_the_error() {
    let (id, captured) = capture_all(|| {
        let pool = ThreadPool::builder()
            .thread_name("fallible-evt")
            .build()
            .unwrap();
        let handle = pool.submit_fallible(|| Err::<(), _>(NotFound(42))).unwrap();
        let id = handle.id();
        assert!(handle.join().is_err());
        id
    });
    let event = captured
        .iter()
        .find(|e| e.name == events::POOL_TASK_FAILED && e.field("pool") == Some("fallible-evt"))
        .unwrap_or_else(|| panic!("no pool.task_failed in {captured:#?}"));
    assert_eq!(event.field("task_id"), Some(id.to_string().as_str()));
    assert_eq!(event.field("message"), Some("NotFound(42)"));
}
