//! A panicking `Drop` of user data on a worker (issue 12, item 1): a task's value dropped with
//! no handle, the captures of a cancelled or expired task, a callback that never fired, and a
//! panic payload whose own `Drop` panics. Each is contained like the task itself: the worker
//! survives, the next task runs, and shutdown finds every worker gone.

use crate::common;

use std::panic::panic_any;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use common::occupy;
use selvedge_pool::{TaskError, ThreadPool};

/// A value whose `Drop` panics.
struct Bomb;

impl Drop for Bomb {
    fn drop(&mut self) {
        panic!("drop");
    }
}

/// A panic payload whose `Drop` panics (dropping it must never reach the worker either).
struct BombPayload;

impl Drop for BombPayload {
    fn drop(&mut self) {
        panic!("payload drop");
    }
}

/// One worker, so a dead worker means nothing runs again; a short drop timeout, so a
/// failing test fails instead of waiting out the default 10 s.
fn one_worker() -> ThreadPool {
    ThreadPool::builder()
        .max_threads(1)
        .drop_timeout(Duration::from_secs(2))
        .build()
        .unwrap()
}

/// The pool still runs a task, still counts its one worker, and shuts down cleanly.
fn assert_worker_alive(pool: &ThreadPool) {
    let next = pool.submit(|| 1).unwrap();
    match next.join_timeout(Duration::from_secs(5)) {
        Ok(result) => assert_eq!(result, Ok(1)),
        Err(_) => panic!("the next task never ran: the worker died"),
    }
    assert_eq!(pool.stats().threads, 1);
    let report = pool.shutdown(Duration::from_secs(5));
    assert!(report.is_complete(), "{report:?}");
}

#[test]
fn issue_12_reproduction_result_dropped_on_worker_with_no_handle() {
    let pool = one_worker();
    pool.task(|| Bomb).on_success(|_| {}).execute().unwrap();
    std::thread::sleep(Duration::from_millis(50));
    assert_worker_alive(&pool);
}

#[test]
fn result_dropped_on_worker_after_its_handle_was_dropped() {
    let pool = one_worker();
    let blocker = occupy(&pool);
    drop(pool.submit(|| Bomb).unwrap());
    blocker.release();
    assert_worker_alive(&pool);
}

#[test]
fn plain_execute_result_with_panicking_drop() {
    let pool = one_worker();
    pool.task(|| Bomb).execute().unwrap();
    assert_worker_alive(&pool);
    assert_eq!(pool.stats().failed, 1, "counted as a failure, as before");
}

#[test]
fn captures_of_a_cancelled_task() {
    let pool = one_worker();
    let blocker = occupy(&pool);
    let bomb = Bomb;
    let queued = pool
        .submit(move || {
            let _keep = &bomb;
        })
        .unwrap();
    assert!(queued.cancel());
    blocker.release();
    assert_worker_alive(&pool);
    assert_eq!(queued.join(), Err(TaskError::Cancelled));
    assert_eq!(pool.stats().cancelled, 1);
}

#[test]
fn captures_of_an_expired_task() {
    let pool = one_worker();
    let bomb = Bomb;
    let (tx, rx) = std::sync::mpsc::channel();
    let expired = pool
        .task(move || {
            let _keep = &bomb;
        })
        .timeout(Duration::ZERO)
        .on_failure(move |e| tx.send(e.clone()).unwrap())
        .submit()
        .unwrap();
    assert_eq!(expired.join(), Err(TaskError::Expired));
    assert_eq!(
        rx.recv().unwrap(),
        TaskError::Expired,
        "the callback still fired"
    );
    assert_worker_alive(&pool);
}

#[test]
fn a_failure_callback_that_never_fired() {
    let pool = one_worker();
    let bomb = Bomb;
    let handle = pool
        .task(|| 5)
        .on_failure(move |_| {
            let _keep = &bomb;
        })
        .submit()
        .unwrap();
    assert_eq!(handle.join(), Ok(5));
    assert_worker_alive(&pool);
}

#[test]
fn a_success_callback_that_never_fired() {
    let pool = one_worker();
    let bomb = Bomb;
    pool.task(|| -> i32 { panic!("task") })
        .on_success(move |_| {
            let _keep = &bomb;
        })
        .execute()
        .unwrap();
    assert_worker_alive(&pool);
}

#[test]
fn a_task_panic_payload_whose_drop_panics() {
    let pool = one_worker();
    pool.execute(|| panic_any(BombPayload)).unwrap();
    let handle = pool.submit(|| -> i32 { panic_any(BombPayload) }).unwrap();
    assert_eq!(
        handle.join(),
        Err(TaskError::Panicked("<non-string panic payload>".into()))
    );
    assert_worker_alive(&pool);
}

#[test]
fn a_callback_panic_payload_whose_drop_panics() {
    let pool = one_worker();
    let handle = pool
        .task(|| 2)
        .on_success(|_| panic_any(BombPayload))
        .submit()
        .unwrap();
    assert_eq!(handle.join(), Ok(2));
    pool.task(|| -> i32 { panic!("task") })
        .on_failure(|_| panic_any(BombPayload))
        .execute()
        .unwrap();
    assert_worker_alive(&pool);
}

#[test]
fn hook_panic_payloads_whose_drop_panics() {
    let stopped = Arc::new(AtomicUsize::new(0));
    let seen = Arc::clone(&stopped);
    let pool = ThreadPool::builder()
        .max_threads(1)
        .drop_timeout(Duration::from_secs(2))
        .on_thread_start(|| panic_any(BombPayload))
        .on_thread_stop(move || {
            seen.fetch_add(1, Ordering::SeqCst);
            panic_any(BombPayload)
        })
        .build()
        .unwrap();
    assert_worker_alive(&pool);
    assert_eq!(stopped.load(Ordering::SeqCst), 1);
}

#[test]
fn scoped_panic_payloads_whose_drop_panics() {
    let pool = ThreadPool::builder()
        .max_threads(2)
        .drop_timeout(Duration::from_secs(2))
        .build()
        .unwrap();
    for _ in 0..20 {
        // Several payloads: the scope keeps one and drops the others on the runners.
        let outcome = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            pool.scope(|s| {
                for _ in 0..4 {
                    s.spawn(|| panic_any(BombPayload));
                }
            });
        }));
        // The payload re-raised to us is ours to drop; forget it, as its `Drop` panics.
        std::mem::forget(outcome.expect_err("a scoped panic is re-raised"));
    }
    let handles: Vec<_> = (0..4).map(|i| pool.submit(move || i).unwrap()).collect();
    for (i, handle) in handles.into_iter().enumerate() {
        match handle.join_timeout(Duration::from_secs(5)) {
            Ok(result) => assert_eq!(result, Ok(i)),
            Err(_) => panic!("a worker died"),
        }
    }
    assert_eq!(pool.stats().threads, 2);
    assert!(pool.shutdown(Duration::from_secs(5)).is_complete());
}

#[test]
fn a_handed_back_task_dropped_with_panicking_captures_loses_no_other_task() {
    let pool = one_worker();
    let blocker = occupy(&pool);
    let bomb = Bomb;
    let first = pool
        .submit(move || {
            let _keep = &bomb;
        })
        .unwrap();
    let second = pool.submit(|| 2).unwrap();
    assert!(first.cancel());
    // The cancelled one is discarded inside `shutdown_now`; the other must still come back.
    let pending = pool.shutdown_now();
    assert_eq!(pending.len(), 1);
    for task in pending {
        task.run();
    }
    assert_eq!(second.join(), Ok(2));
    blocker.release();
}
