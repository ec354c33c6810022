//! Elastic workers: the growth rule, keep-alive retirement, and idle/active counts that never
//! drift.

use crate::common;

use std::time::Duration;

use common::{eventually, occupy};
use selvedge_pool::ThreadPool;

fn elastic(core: usize, max: usize, keep_alive: Duration) -> ThreadPool {
    ThreadPool::builder()
        .core_threads(core)
        .max_threads(max)
        .keep_alive(keep_alive)
        .queue_capacity(4)
        .build()
        .unwrap()
}

#[test]
fn grows_when_a_task_waits_and_nobody_is_idle() {
    let pool = elastic(1, 3, Duration::from_secs(60));
    assert_eq!(pool.stats().threads, 1);
    let a = occupy(&pool); // the core worker is busy
    let b = occupy(&pool); // nobody idle: a second worker starts
    assert_eq!(pool.stats().threads, 2);
    let c = occupy(&pool);
    assert_eq!(pool.stats().threads, 3);
    // At max: further tasks queue instead of starting threads.
    pool.execute(|| ()).unwrap();
    let stats = pool.stats();
    assert_eq!(stats.threads, 3);
    assert_eq!(stats.queued_total(), 1);
    assert_eq!(stats.active, 3);
    assert_eq!(stats.idle, 0);
    for blocker in [a, b, c] {
        blocker.release();
    }
}

#[test]
fn does_not_grow_while_a_worker_is_idle() {
    let pool = elastic(2, 4, Duration::from_secs(60));
    eventually("both core workers parked", || pool.stats().idle == 2);
    let blocker = occupy(&pool); // taken by a parked core worker
    assert_eq!(pool.stats().threads, 2);
    blocker.release();
}

#[test]
fn full_queue_below_max_starts_a_worker_instead_of_rejecting() {
    let pool = ThreadPool::builder()
        .core_threads(1)
        .max_threads(2)
        .queue_capacity(1)
        .keep_alive(Duration::from_secs(60))
        .build()
        .unwrap();
    let a = occupy(&pool);
    let b = occupy(&pool);
    pool.execute(|| ()).unwrap(); // fills the queue at max
    assert!(pool.submit(|| ()).is_err());
    a.release();
    b.release();
}

#[test]
fn workers_above_core_retire_after_keep_alive() {
    let pool = elastic(1, 3, Duration::from_millis(20));
    let blockers = [occupy(&pool), occupy(&pool), occupy(&pool)];
    assert_eq!(pool.stats().threads, 3);
    for blocker in blockers {
        blocker.release();
    }
    eventually("extra workers retired", || pool.stats().threads == 1);
    let stats = pool.stats();
    assert_eq!(stats.peak_threads, 3);
    assert_eq!(stats.idle + stats.active, stats.threads);
    // The survivor still works, and the pool can grow again.
    assert_eq!(pool.submit(|| 1).unwrap().join(), Ok(1));
    // A worker that just finished is not idle until it parks; wait, so growth is exact.
    eventually("the survivor parked", || pool.stats().idle == 1);
    let again = [occupy(&pool), occupy(&pool)];
    assert_eq!(pool.stats().threads, 2);
    for blocker in again {
        blocker.release();
    }
}

#[test]
fn zero_core_retires_everything() {
    let pool = elastic(0, 2, Duration::from_millis(10));
    assert_eq!(pool.submit(|| 1).unwrap().join(), Ok(1));
    eventually("all workers retired", || pool.stats().threads == 0);
    assert_eq!(pool.submit(|| 2).unwrap().join(), Ok(2));
}

#[test]
fn idle_and_active_never_drift_under_churn() {
    let pool = elastic(1, 4, Duration::ZERO);
    let rounds = 200;
    for round in 0..rounds {
        let handles: Vec<_> = (0..4)
            .map(|i| pool.submit(move || round + i).unwrap())
            .collect();
        let stats = pool.stats();
        assert_eq!(stats.idle + stats.active, stats.threads, "{stats:?}");
        assert!(stats.threads <= 4);
        for (i, handle) in handles.into_iter().enumerate() {
            assert_eq!(handle.join(), Ok(round + i));
        }
    }
    pool.shutdown(Duration::from_secs(10));
    let stats = pool.stats();
    assert_eq!((stats.threads, stats.idle, stats.active), (0, 0, 0));
    assert_eq!(stats.completed, rounds as u64 * 4);
}
