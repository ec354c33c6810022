//! Shutdown: graceful with a timeout, immediate with the backlog handed back, from inside a
//! task, and by `Drop`.

use crate::common;

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use common::occupy;
use selvedge_pool::{Priority, SubmitError, TaskError, ThreadPool};

#[test]
fn graceful_shutdown_runs_the_whole_queue() {
    let pool = ThreadPool::builder().max_threads(2).build().unwrap();
    let ran = Arc::new(AtomicUsize::new(0));
    for _ in 0..500 {
        let ran = ran.clone();
        pool.execute(move || {
            ran.fetch_add(1, Ordering::Relaxed);
        })
        .unwrap();
    }
    let report = pool.shutdown(Duration::from_secs(30));
    assert!(report.is_complete(), "{report:?}");
    assert_eq!(ran.load(Ordering::Relaxed), 500);
    let stats = pool.stats();
    assert_eq!(stats.threads, 0);
    assert_eq!(stats.completed, 500);
    assert_eq!(stats.unaccounted(), 0);
}

#[test]
fn shutdown_timeout_reports_what_is_still_running() {
    let pool = ThreadPool::builder().max_threads(1).build().unwrap();
    let blocker = occupy(&pool);
    pool.execute(|| ()).unwrap();
    let report = pool.shutdown(Duration::from_millis(20));
    assert!(!report.is_complete());
    assert_eq!(report.still_running, 1);
    assert_eq!(report.queued, 1);
    blocker.release();
    // A second call finishes the job.
    assert!(pool.shutdown(Duration::from_secs(10)).is_complete());
    assert_eq!(pool.stats().completed, 2);
}

#[test]
fn shutdown_now_hands_back_never_started_tasks_in_priority_order() {
    let pool = ThreadPool::builder().max_threads(1).build().unwrap();
    let blocker = occupy(&pool);
    let low = pool
        .task(|| "low")
        .priority(Priority::Low)
        .submit()
        .unwrap();
    let urgent = pool
        .task(|| "urgent")
        .priority(Priority::Urgent)
        .submit()
        .unwrap();
    let normal = pool.submit(|| "normal").unwrap();
    let pending = pool.shutdown_now();
    let order: Vec<_> = pending.iter().map(|t| t.priority()).collect();
    assert_eq!(order, [Priority::Urgent, Priority::Normal, Priority::Low]);
    assert_eq!(pool.submit(|| "late").unwrap_err(), SubmitError::Shutdown);
    let mut pending = pending.into_iter();
    pending.next().unwrap().run();
    pending.next().unwrap().run();
    drop(pending); // drops `low`
    assert_eq!(urgent.join(), Ok("urgent"));
    assert_eq!(normal.join(), Ok("normal"));
    assert_eq!(low.join(), Err(TaskError::Shutdown));
    blocker.release();
    pool.shutdown(Duration::from_secs(10));
    let stats = pool.stats();
    assert_eq!(stats.handed_back, 3);
    assert_eq!(stats.completed, 1, "only the blocker ran on the pool");
    assert_eq!(stats.unaccounted(), 0);
}

#[test]
fn shutdown_now_skips_cancelled_tasks() {
    let pool = ThreadPool::builder().max_threads(1).build().unwrap();
    let blocker = occupy(&pool);
    let cancelled = pool.submit(|| ()).unwrap();
    assert!(cancelled.cancel());
    assert!(pool.shutdown_now().is_empty());
    blocker.release();
    pool.shutdown(Duration::from_secs(10));
    assert_eq!(pool.stats().cancelled, 1);
    assert_eq!(pool.stats().unaccounted(), 0);
}

#[test]
fn shutdown_from_inside_a_task_does_not_wait_for_itself() {
    let pool = Arc::new(ThreadPool::builder().max_threads(2).build().unwrap());
    let inner = pool.clone();
    let report = pool
        .submit(move || inner.shutdown(Duration::from_secs(10)))
        .unwrap()
        .join()
        .unwrap();
    assert_eq!(report.still_running, 0);
    assert!(pool.is_shutdown());
}

#[test]
fn drop_is_graceful_and_bounded() {
    let ran = Arc::new(AtomicUsize::new(0));
    {
        let pool = ThreadPool::builder().max_threads(2).build().unwrap();
        for _ in 0..50 {
            let ran = ran.clone();
            pool.execute(move || {
                ran.fetch_add(1, Ordering::Relaxed);
            })
            .unwrap();
        }
    }
    assert_eq!(ran.load(Ordering::Relaxed), 50, "drop ran the queue");

    // A task that outlives the drop: drop gives up after `drop_timeout`, detaching the worker.
    let pool = ThreadPool::builder()
        .max_threads(1)
        .drop_timeout(Duration::from_millis(20))
        .build()
        .unwrap();
    let blocker = occupy(&pool);
    drop(pool);
    blocker.release(); // the detached worker still runs it to the end
}

#[test]
fn busy_time_is_counted_when_workers_stop_without_parking() {
    // Regression: the smart_pool demo printed `busy time 0ns`, because a worker that went
    // from its last task straight to shutdown never added its busy period.
    let pool = ThreadPool::builder()
        .core_threads(1)
        .max_threads(1)
        .build()
        .unwrap();
    for _ in 0..3 {
        pool.execute(|| std::thread::sleep(Duration::from_millis(5)))
            .unwrap();
    }
    assert!(pool.shutdown(Duration::from_secs(10)).is_complete());
    assert!(
        pool.stats().busy >= Duration::from_millis(15),
        "{:?}",
        pool.stats().busy
    );
}
