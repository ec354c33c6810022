//! `as_completed`: handles in finishing order, each exactly once, an overall timeout that
//! yields `Err(WaitTimeout)` once and gives the rest back.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::mpsc;
use std::time::Duration;

use selvedge_pool::{TaskError, ThreadPool, WaitTimeout, as_completed};

#[test]
fn yields_in_finishing_order_not_submission_order() {
    let pool = ThreadPool::builder().max_threads(3).build().unwrap();
    let gates: Vec<_> = (0..3).map(|_| mpsc::channel::<()>()).collect();
    let mut releases = Vec::new();
    let mut handles = Vec::new();
    for (i, (release, gate)) in gates.into_iter().enumerate() {
        releases.push(release);
        handles.push(
            pool.submit(move || {
                gate.recv().unwrap();
                i
            })
            .unwrap(),
        );
    }
    let mut done = as_completed(handles, Some(Duration::from_secs(30)));
    for i in [2, 0, 1] {
        releases[i].send(()).unwrap();
        let next = done.next().unwrap().unwrap();
        assert_eq!((next.index, next.result), (i, Ok(i)));
    }
    assert!(done.next().is_none());
    assert!(done.next().is_none(), "fused");
}

#[test]
fn handles_finished_before_the_call_are_yielded_too() {
    let pool = ThreadPool::builder().build().unwrap();
    let handles: Vec<_> = (0..5).map(|i| pool.submit(move || i).unwrap()).collect();
    pool.wait_idle(Duration::from_secs(10)).unwrap();
    let mut seen: Vec<_> = as_completed(handles, None)
        .map(|done| done.unwrap().result.unwrap())
        .collect();
    seen.sort_unstable();
    assert_eq!(seen, [0, 1, 2, 3, 4]);
}

#[test]
fn failures_and_shutdown_drops_are_yielded_with_their_error() {
    let pool = ThreadPool::builder().max_threads(1).build().unwrap();
    let (release, gate) = mpsc::channel::<()>();
    let (started_tx, started) = mpsc::channel::<()>();
    let busy = pool
        .submit_fallible(move || {
            started_tx.send(()).unwrap();
            gate.recv().unwrap();
            Err::<(), _>("failed")
        })
        .unwrap();
    started.recv().unwrap();
    let cancelled = pool.submit_fallible(|| Ok::<(), &str>(())).unwrap();
    let dropped = pool.submit_fallible(|| Ok::<(), &str>(())).unwrap();
    let mut done = as_completed([busy, cancelled, dropped], None);
    assert_eq!(done.pending(), 3);
    drop(pool.shutdown_now()); // the two queued tasks are handed back, dropped: Shutdown
    release.send(()).unwrap();
    let mut results: Vec<_> = done
        .by_ref()
        .map(|d| {
            let d = d.unwrap();
            (d.index, d.result)
        })
        .collect();
    results.sort_by_key(|(i, _)| *i);
    assert_eq!(
        results,
        [
            (0, Err(TaskError::Failed("failed"))),
            (1, Err(TaskError::Shutdown)),
            (2, Err(TaskError::Shutdown)),
        ]
    );
}

#[test]
fn a_cancelled_handle_is_yielded_as_cancelled() {
    let pool = ThreadPool::builder().max_threads(1).build().unwrap();
    let (release, gate) = mpsc::channel::<()>();
    let busy = pool.submit(move || gate.recv().unwrap()).unwrap();
    let queued = pool.submit(|| ()).unwrap();
    assert!(queued.cancel());
    let mut done = as_completed([busy, queued], None);
    let first = done.next().unwrap().unwrap();
    assert_eq!((first.index, first.result), (1, Err(TaskError::Cancelled)));
    release.send(()).unwrap();
    let second = done.next().unwrap().unwrap();
    assert_eq!((second.index, second.result), (0, Ok(())));
}

#[test]
fn timeout_yields_one_wait_timeout_then_ends_and_gives_the_rest_back() {
    let pool = ThreadPool::builder().max_threads(2).build().unwrap();
    let (release, gate) = mpsc::channel::<()>();
    let quick = pool.submit(|| "quick").unwrap();
    let slow = pool
        .submit(move || {
            gate.recv().unwrap();
            "slow"
        })
        .unwrap();
    let mut done = as_completed([slow, quick], Some(Duration::from_millis(50)));
    let first = done.next().unwrap().unwrap();
    assert_eq!((first.index, first.result), (1, Ok("quick")));
    assert_eq!(done.next().map(|r| r.map(|_| ())), Some(Err(WaitTimeout)));
    assert!(done.next().is_none());
    let mut rest = done.into_pending();
    assert_eq!(rest.len(), 1);
    release.send(()).unwrap();
    assert_eq!(rest.pop().unwrap().join(), Ok("slow"));
}

#[test]
fn empty_set_ends_at_once() {
    let handles: Vec<selvedge_pool::TaskHandle<()>> = Vec::new();
    assert!(as_completed(handles, Some(Duration::ZERO)).next().is_none());
}

/// Stress: tasks of uneven length on three workers, watched while they finish; every handle
/// is yielded exactly once, with its own task's result.
#[test]
fn stress_every_handle_is_yielded_exactly_once() {
    let pool = ThreadPool::builder().max_threads(3).build().unwrap();
    let ran = Arc::new(AtomicUsize::new(0));
    for round in 0..20 {
        let handles: Vec<_> = (0..50usize)
            .map(|i| {
                let ran = ran.clone();
                pool.submit(move || {
                    if (i * 7 + round) % 5 == 0 {
                        std::thread::yield_now();
                    }
                    ran.fetch_add(1, Ordering::Relaxed);
                    i * 3
                })
                .unwrap()
            })
            .collect();
        let mut seen = [false; 50];
        for done in as_completed(handles, Some(Duration::from_secs(30))) {
            let done = done.unwrap();
            assert!(!seen[done.index], "index {} yielded twice", done.index);
            seen[done.index] = true;
            assert_eq!(done.result, Ok(done.index * 3));
        }
        assert!(seen.iter().all(|s| *s));
    }
    assert_eq!(ran.load(Ordering::Relaxed), 20 * 50);
}
