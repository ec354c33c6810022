//! `TaskHandle` and the task builder: join variants, cancel, deadlines, panics, callbacks.

use crate::common;

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, mpsc};
use std::time::{Duration, Instant};

use common::occupy;
use selvedge_pool::{TaskError, ThreadPool};

fn one_worker() -> ThreadPool {
    ThreadPool::builder().max_threads(1).build().unwrap()
}

#[test]
fn join_timeout_gives_the_handle_back_then_succeeds() {
    let pool = one_worker();
    let blocker = occupy(&pool);
    let handle = pool.submit(|| 9).unwrap();
    let handle = handle
        .join_timeout(Duration::from_millis(10))
        .expect_err("still queued behind the blocker");
    assert!(!handle.is_finished());
    blocker.release();
    assert_eq!(handle.join_timeout(Duration::from_secs(10)).unwrap(), Ok(9));
}

#[test]
fn try_join_polls() {
    let pool = one_worker();
    let blocker = occupy(&pool);
    let handle = pool.submit(|| "v").unwrap();
    let handle = handle.try_join().expect_err("not started");
    blocker.release();
    common::eventually("finished", || handle.is_finished());
    assert_eq!(handle.try_join().unwrap(), Ok("v"));
}

#[test]
fn cancel_only_before_start() {
    let pool = one_worker();
    let (release, gate) = mpsc::channel::<()>();
    let (started_tx, started) = mpsc::channel::<()>();
    let running = pool
        .submit(move || {
            started_tx.send(()).unwrap();
            gate.recv().unwrap();
            1
        })
        .unwrap();
    started.recv().unwrap();
    assert!(!running.cancel(), "already started");
    let ran = Arc::new(AtomicUsize::new(0));
    let r = ran.clone();
    let queued = pool
        .task(move || {
            r.fetch_add(1, Ordering::SeqCst);
        })
        .on_failure(|_| panic!("callbacks never fire for a cancelled task"))
        .submit()
        .unwrap();
    assert!(queued.cancel());
    assert!(!queued.cancel(), "second cancel is a no-op");
    assert!(queued.is_finished());
    release.send(()).unwrap();
    assert_eq!(running.join(), Ok(1));
    assert_eq!(queued.join(), Err(TaskError::Cancelled));
    pool.shutdown(Duration::from_secs(10));
    assert_eq!(ran.load(Ordering::SeqCst), 0);
    let stats = pool.stats();
    assert_eq!(stats.cancelled, 1);
    assert_eq!(stats.unaccounted(), 0);
}

#[test]
fn deadline_passed_while_queued_expires_without_running() {
    let pool = one_worker();
    let blocker = occupy(&pool);
    let (tx, rx) = mpsc::channel();
    let expired = pool
        .task(|| panic!("must not run"))
        .timeout(Duration::from_millis(5))
        .on_failure(move |e| tx.send(e.clone()).unwrap())
        .submit()
        .unwrap();
    let in_time = pool
        .task(|| 2)
        .deadline(Instant::now() + Duration::from_secs(60))
        .submit()
        .unwrap();
    std::thread::sleep(Duration::from_millis(20));
    blocker.release();
    assert_eq!(expired.join(), Err(TaskError::Expired));
    assert_eq!(rx.recv().unwrap(), TaskError::Expired);
    assert_eq!(in_time.join(), Ok(2));
    assert_eq!(pool.stats().expired, 1);
}

#[test]
fn panicking_task_is_contained_and_counted() {
    let pool = one_worker();
    let (tx, rx) = mpsc::channel();
    let handle = pool
        .task(|| -> () { panic!("kaboom {}", 7) })
        .on_success(|_| panic!("not on failure"))
        .on_failure(move |e| tx.send(e.to_string()).unwrap())
        .submit()
        .unwrap();
    assert_eq!(handle.join(), Err(TaskError::Panicked("kaboom 7".into())));
    assert_eq!(rx.recv().unwrap(), "task panicked: kaboom 7");
    // The single worker survived.
    assert_eq!(pool.submit(|| 3).unwrap().join(), Ok(3));
    let stats = pool.stats();
    assert_eq!((stats.failed, stats.completed, stats.threads), (1, 1, 1));
}

#[test]
fn panicking_callbacks_are_contained() {
    let pool = one_worker();
    let ok = pool
        .task(|| 1)
        .on_success(|_| panic!("success callback"))
        .submit()
        .unwrap();
    assert_eq!(ok.join(), Ok(1), "the value still arrives");
    let failed = pool
        .task(|| -> i32 { panic!("task") })
        .on_failure(|_| panic!("failure callback"))
        .submit()
        .unwrap();
    assert_eq!(failed.join(), Err(TaskError::Panicked("task".into())));
    assert_eq!(pool.submit(|| 2).unwrap().join(), Ok(2));
}

#[test]
fn callback_runs_before_join_returns() {
    let pool = one_worker();
    let seen = Arc::new(AtomicUsize::new(0));
    let s = seen.clone();
    let handle = pool
        .task(|| 5usize)
        .on_success(move |v| s.store(*v, Ordering::SeqCst))
        .submit()
        .unwrap();
    assert_eq!(handle.join(), Ok(5));
    assert_eq!(seen.load(Ordering::SeqCst), 5);
}

#[test]
fn handles_are_send_and_ids_unique() {
    fn assert_send_sync<T: Send + Sync>() {}
    assert_send_sync::<selvedge_pool::TaskHandle<String>>();
    assert_send_sync::<ThreadPool>();
    let pool = one_worker();
    let ids: std::collections::HashSet<_> =
        (0..50).map(|_| pool.submit(|| ()).unwrap().id()).collect();
    assert_eq!(ids.len(), 50);
}
