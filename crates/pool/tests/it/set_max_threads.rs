//! The configured limits read back, and `set_max_threads` (threadpool's `set_num_threads`):
//! shrinking retires surplus workers lazily without stopping a task, growing starts
//! workers for queued work, and a pool switches between fixed-size and elastic.

use crate::common;

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Barrier};
use std::thread;
use std::time::Duration;

use common::{eventually, occupy};
use selvedge_pool::{BuildError, PoolBuilder, ThreadPool};

const TEST_TASKS: usize = 4;

#[test]
fn limits_read_back_as_built() {
    let pool = ThreadPool::builder()
        .core_threads(1)
        .max_threads(3)
        .queue_capacity(9)
        .keep_alive(Duration::from_millis(250))
        .drop_timeout(Duration::from_secs(4))
        .build()
        .unwrap();
    assert_eq!(pool.core_threads(), 1);
    assert_eq!(pool.max_threads(), 3);
    assert_eq!(pool.queue_capacity(), 9);
    assert_eq!(pool.keep_alive(), Duration::from_millis(250));
    assert_eq!(pool.drop_timeout(), Duration::from_secs(4));
}

#[test]
fn bad_maximum_is_a_typed_error_and_changes_nothing() {
    let pool = ThreadPool::builder().max_threads(2).build().unwrap();
    assert_eq!(pool.set_max_threads(0), Err(BuildError::ZeroMaxThreads));
    let too_many = PoolBuilder::MAX_THREADS + 1;
    assert_eq!(
        pool.set_max_threads(too_many),
        Err(BuildError::TooManyThreads { max: too_many })
    );
    assert_eq!((pool.core_threads(), pool.max_threads()), (2, 2));
    assert_eq!(pool.submit(|| 1).unwrap().join(), Ok(1));
}

/// Port of threadpool's `test_set_num_threads_increasing` (latches instead of sleeps).
#[test]
fn threadpool_test_set_num_threads_increasing() {
    let new_thread_amount = TEST_TASKS + 8;
    let pool = ThreadPool::builder()
        .max_threads(TEST_TASKS)
        .build()
        .unwrap();
    let blockers: Vec<_> = (0..TEST_TASKS).map(|_| occupy(&pool)).collect();
    assert_eq!(pool.stats().active, TEST_TASKS);
    pool.set_max_threads(new_thread_amount).unwrap();
    let more: Vec<_> = (0..new_thread_amount - TEST_TASKS)
        .map(|_| occupy(&pool))
        .collect();
    assert_eq!(pool.stats().active, new_thread_amount);
    for b in blockers.into_iter().chain(more) {
        b.release();
    }
}

/// Port of threadpool's `test_set_num_threads_decreasing`.
#[test]
fn threadpool_test_set_num_threads_decreasing() {
    let new_thread_amount = 2;
    let pool = ThreadPool::builder()
        .max_threads(TEST_TASKS)
        .build()
        .unwrap();
    for _ in 0..TEST_TASKS {
        pool.execute(|| assert_eq!(1, 1)).unwrap();
    }
    pool.set_max_threads(new_thread_amount).unwrap();
    let blockers: Vec<_> = (0..new_thread_amount).map(|_| occupy(&pool)).collect();
    eventually("surplus workers retired", || {
        pool.stats().threads == new_thread_amount
    });
    assert_eq!(pool.stats().active, new_thread_amount);
    for b in blockers {
        b.release();
    }
}

/// Port of threadpool's `test_shrink`: shrinking while every worker runs a task stops none
/// of them; once they finish, only the new number of workers runs the queued tasks.
#[test]
fn threadpool_test_shrink() {
    let test_tasks_begin = TEST_TASKS + 2;
    let pool = ThreadPool::builder()
        .max_threads(test_tasks_begin)
        .build()
        .unwrap();
    let b0 = Arc::new(Barrier::new(test_tasks_begin + 1));
    let b1 = Arc::new(Barrier::new(test_tasks_begin + 1));
    for _ in 0..test_tasks_begin {
        let (b0, b1) = (b0.clone(), b1.clone());
        pool.execute(move || {
            b0.wait();
            b1.wait();
        })
        .unwrap();
    }
    let b2 = Arc::new(Barrier::new(TEST_TASKS + 1));
    let b3 = Arc::new(Barrier::new(TEST_TASKS + 1));
    for _ in 0..TEST_TASKS {
        let (b2, b3) = (b2.clone(), b3.clone());
        pool.execute(move || {
            b2.wait();
            b3.wait();
        })
        .unwrap();
    }
    b0.wait();
    pool.set_max_threads(TEST_TASKS).unwrap();
    assert_eq!(pool.stats().active, test_tasks_begin); // nobody was stopped
    b1.wait();
    b2.wait();
    // threadpool counts tasks running; `active` counts live workers not parked, so wait for
    // the two surplus workers to reach their first idle moment (and retire) first.
    eventually("surplus workers retired", || {
        pool.stats().threads == TEST_TASKS
    });
    assert_eq!(pool.stats().active, TEST_TASKS);
    b3.wait();
}

/// Growing starts workers for work already queued, without another submission.
#[test]
fn growing_starts_workers_for_queued_work() {
    let pool = ThreadPool::builder().max_threads(1).build().unwrap();
    let blocker = occupy(&pool);
    let started = Arc::new(AtomicUsize::new(0));
    let gate = Arc::new(Barrier::new(3));
    for _ in 0..2 {
        let (started, gate) = (Arc::clone(&started), Arc::clone(&gate));
        pool.execute(move || {
            started.fetch_add(1, Ordering::SeqCst);
            gate.wait();
        })
        .unwrap();
    }
    assert_eq!(pool.stats().queued_total(), 2);
    pool.set_max_threads(3).unwrap();
    assert_eq!(pool.stats().threads, 3);
    gate.wait(); // both queued tasks run at once, beside the blocker
    assert_eq!(started.load(Ordering::SeqCst), 2);
    blocker.release();
}

/// A fixed pool made elastic grows on demand and its workers above core retire after
/// keep-alive; lowered back to core it is fixed-size again and keeps running tasks.
#[test]
fn fixed_to_elastic_and_back() {
    let pool = ThreadPool::builder()
        .max_threads(1)
        .keep_alive(Duration::from_millis(20))
        .build()
        .unwrap();
    pool.set_max_threads(3).unwrap();
    assert_eq!((pool.core_threads(), pool.max_threads()), (1, 3));
    let a = occupy(&pool);
    let b = occupy(&pool); // elastic: nobody idle, so a worker starts
    let c = occupy(&pool);
    assert_eq!(pool.stats().threads, 3);
    for blocker in [a, b, c] {
        blocker.release();
    }
    eventually("above-core workers retired", || pool.stats().threads == 1);
    pool.set_max_threads(1).unwrap(); // fixed-size again: the fast path serves this
    let ran = Arc::new(AtomicUsize::new(0));
    for _ in 0..100 {
        let ran = Arc::clone(&ran);
        pool.execute(move || {
            ran.fetch_add(1, Ordering::Relaxed);
        })
        .unwrap();
    }
    pool.wait_idle(Duration::from_secs(10)).unwrap();
    assert_eq!(ran.load(Ordering::Relaxed), 100);
    assert_eq!(pool.stats().threads, 1);
}

/// An elastic pool whose maximum falls below core becomes fixed at the new maximum, and its
/// parked surplus workers retire at once (not after keep-alive).
#[test]
fn lowering_below_core_lowers_core_and_wakes_parked_surplus() {
    let pool = ThreadPool::builder()
        .core_threads(4)
        .max_threads(6)
        .keep_alive(Duration::from_secs(3600))
        .build()
        .unwrap();
    eventually("core workers parked", || pool.stats().idle == 4);
    pool.set_max_threads(2).unwrap();
    assert_eq!((pool.core_threads(), pool.max_threads()), (2, 2));
    eventually("parked surplus retired", || pool.stats().threads == 2);
    assert_eq!(pool.submit(|| 5).unwrap().join(), Ok(5));
}

#[test]
fn after_shutdown_the_value_is_recorded_and_starts_nothing() {
    let pool = ThreadPool::builder().max_threads(1).build().unwrap();
    assert!(pool.shutdown(Duration::from_secs(10)).is_complete());
    pool.set_max_threads(4).unwrap();
    assert_eq!(pool.max_threads(), 4);
    assert_eq!(pool.stats().threads, 0);
}

/// Stress: submitters race with a thread that switches the pool between fixed-size and
/// elastic, shrinking and growing. Every accepted task runs, and at the end the pool never
/// keeps more workers than its maximum.
#[test]
fn stress_resizing_while_submitting_loses_no_task() {
    let pool = Arc::new(
        ThreadPool::builder()
            .core_threads(1)
            .max_threads(1)
            .keep_alive(Duration::from_millis(1))
            .build()
            .unwrap(),
    );
    let ran = Arc::new(AtomicUsize::new(0));
    let submitters: Vec<_> = (0..2)
        .map(|_| {
            let (pool, ran) = (Arc::clone(&pool), Arc::clone(&ran));
            thread::spawn(move || {
                for _ in 0..5_000 {
                    let ran = Arc::clone(&ran);
                    pool.execute(move || {
                        ran.fetch_add(1, Ordering::Relaxed);
                    })
                    .unwrap();
                }
            })
        })
        .collect();
    let resizer = {
        let pool = Arc::clone(&pool);
        thread::spawn(move || {
            for n in (1..=200).map(|i| 1 + i % 4) {
                pool.set_max_threads(n).unwrap();
                thread::yield_now();
            }
            pool.set_max_threads(2).unwrap();
        })
    };
    for s in submitters {
        s.join().unwrap();
    }
    resizer.join().unwrap();
    pool.wait_idle(Duration::from_secs(30)).unwrap();
    assert_eq!(ran.load(Ordering::Relaxed), 10_000);
    // Surplus workers retire at their first idle moment, which may come after `wait_idle`
    // returns (a worker that finished the last task spins briefly before it parks).
    eventually("surplus workers retired", || pool.stats().threads <= 2);
    assert!(pool.max_threads() == 2 && pool.core_threads() == 1);
}
