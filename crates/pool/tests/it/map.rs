//! `ThreadPool::map` / `map_fallible`: input order, a bound on tasks in flight (lazy), the
//! first failure ends it and cancels the rest.

use std::num::NonZeroUsize;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use selvedge_pool::{MapError, SubmitError, TaskError, ThreadPool};

#[test]
fn results_come_in_input_order() {
    let pool = ThreadPool::builder().max_threads(3).build().unwrap();
    let out: Vec<u64> = pool
        .map(0..200u64, |n| {
            if n % 7 == 0 {
                std::thread::sleep(Duration::from_micros(200));
            }
            n * 2
        })
        .collect::<Result<_, _>>()
        .unwrap();
    assert_eq!(out, (0..200u64).map(|n| n * 2).collect::<Vec<_>>());
}

/// Lazy: the inputs are pulled only as results are taken, never more than `in_flight`
/// ahead, so an endless input works.
#[test]
fn never_more_than_in_flight_inputs_are_pulled_ahead() {
    let pool = ThreadPool::builder().max_threads(2).build().unwrap();
    let pulled = Arc::new(AtomicUsize::new(0));
    let counting = {
        let pulled = pulled.clone();
        (0u64..).inspect(move |_| {
            pulled.fetch_add(1, Ordering::SeqCst);
        })
    };
    let mut results = pool
        .map(counting, |n| n + 1)
        .in_flight(NonZeroUsize::new(4).unwrap());
    assert_eq!(
        pulled.load(Ordering::SeqCst),
        0,
        "nothing before the first next"
    );
    for expected in 1..=10u64 {
        assert_eq!(results.next(), Some(Ok(expected)));
        let ahead = pulled.load(Ordering::SeqCst) - expected as usize;
        assert!(
            ahead <= 3,
            "{ahead} inputs submitted beyond the one yielded"
        );
    }
    drop(results);
    pool.wait_idle(Duration::from_secs(10)).unwrap();
    assert!(pool.stats().submitted <= 14);
}

#[test]
fn first_failure_is_yielded_in_its_place_and_ends_the_map() {
    let pool = ThreadPool::builder().max_threads(2).build().unwrap();
    let ran = Arc::new(AtomicUsize::new(0));
    let counter = ran.clone();
    let mut results = pool
        .map_fallible(0..1000u32, move |n| {
            counter.fetch_add(1, Ordering::SeqCst);
            if n == 3 {
                Err(format!("bad {n}"))
            } else {
                Ok(n)
            }
        })
        .in_flight(NonZeroUsize::new(2).unwrap());
    for n in 0..3 {
        assert_eq!(results.next(), Some(Ok(n)));
    }
    assert_eq!(
        results.next(),
        Some(Err(MapError::Task(TaskError::Failed("bad 3".to_string()))))
    );
    assert_eq!(results.next(), None);
    drop(results);
    pool.wait_idle(Duration::from_secs(10)).unwrap();
    assert!(
        ran.load(Ordering::SeqCst) <= 6,
        "the map stopped pulling inputs"
    );
}

#[test]
fn a_panicking_input_ends_the_map_with_panicked() {
    let pool = ThreadPool::builder().build().unwrap();
    let results: Vec<_> = pool
        .map([1, 0, 2], |d: i32| {
            assert!(d != 0, "divide by zero");
            10 / d
        })
        .collect();
    assert_eq!(results[0], Ok(10));
    assert_eq!(
        results[1],
        Err(MapError::Task(TaskError::Panicked("divide by zero".into())))
    );
    assert_eq!(results.len(), 2);
}

#[test]
fn a_refused_submission_is_yielded_as_a_submit_error() {
    let pool = ThreadPool::builder().build().unwrap();
    pool.shutdown(Duration::from_secs(10));
    let mut results = pool.map(0..3, |n| n);
    assert_eq!(
        results.next(),
        Some(Err(MapError::Submit(SubmitError::Shutdown)))
    );
    assert_eq!(results.next(), None);
}

#[test]
fn dropping_a_map_cancels_its_queued_tasks() {
    use std::sync::{Mutex, mpsc};
    let pool = ThreadPool::builder().max_threads(2).build().unwrap();
    let (release_a, gate_a) = mpsc::channel::<()>();
    let (a_started_tx, a_started) = mpsc::channel::<()>();
    pool.execute(move || {
        a_started_tx.send(()).unwrap();
        gate_a.recv().unwrap();
    })
    .unwrap();
    a_started.recv().unwrap(); // worker A is busy; worker B runs the map's tasks
    let (release_b, gate_b) = mpsc::channel::<()>();
    let (b_started_tx, b_started) = mpsc::channel::<()>();
    let gate_b = Arc::new(Mutex::new(gate_b));
    let b_started_tx = Arc::new(Mutex::new(b_started_tx));
    let ran = Arc::new(AtomicUsize::new(0));
    let counter = ran.clone();
    let mut results = pool
        .map(0..100, move |n| {
            counter.fetch_add(1, Ordering::SeqCst);
            if n == 1 {
                b_started_tx.lock().unwrap().send(()).unwrap();
                gate_b.lock().unwrap().recv().unwrap();
            }
            n
        })
        .in_flight(NonZeroUsize::new(5).unwrap());
    assert_eq!(results.next(), Some(Ok(0))); // inputs 0..5 were submitted
    b_started.recv().unwrap(); // input 1 is running on worker B; 2, 3 and 4 are queued
    drop(results);
    release_b.send(()).unwrap();
    release_a.send(()).unwrap();
    pool.wait_idle(Duration::from_secs(10)).unwrap();
    assert_eq!(ran.load(Ordering::SeqCst), 2, "inputs 2, 3 and 4 never ran");
    assert_eq!(pool.stats().cancelled, 3);
}

/// Stress: several threads map over the same pool at once; each gets its own results, in
/// its own order.
#[test]
fn stress_concurrent_maps_keep_their_own_order() {
    let pool = ThreadPool::builder().max_threads(2).build().unwrap();
    std::thread::scope(|s| {
        for t in 0..3u64 {
            let pool = &pool;
            s.spawn(move || {
                let out: Vec<u64> = pool
                    .map(0..300u64, move |n| n * 10 + t)
                    .in_flight(NonZeroUsize::new(3).unwrap())
                    .collect::<Result<_, _>>()
                    .unwrap();
                assert_eq!(out, (0..300u64).map(|n| n * 10 + t).collect::<Vec<_>>());
            });
        }
    });
}
