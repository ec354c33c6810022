//! Priority order: strict between levels, FIFO within one, Low protected by the guard.

use crate::common;

use std::sync::{Arc, Mutex};
use std::time::Duration;

use common::occupy;
use selvedge_pool::{LOW_PRIORITY_GUARD, Priority, ThreadPool};

/// Submits `(priority, label)` pairs while the only worker is busy, then records the order
/// they start in.
fn start_order(tasks: &[(Priority, usize)]) -> Vec<usize> {
    start_order_by(tasks, Submit::WithHandle)
}

/// How `start_order_by` submits: `submit` (a handle) or `execute` (fire and forget, the
/// small-box path when there are no callbacks and no deadline).
#[derive(Clone, Copy)]
enum Submit {
    WithHandle,
    FireAndForget,
}

fn start_order_by(tasks: &[(Priority, usize)], how: Submit) -> Vec<usize> {
    let pool = ThreadPool::builder()
        .max_threads(1)
        .queue_capacity(tasks.len())
        .build()
        .unwrap();
    let log = Arc::new(Mutex::new(Vec::new()));
    let blocker = occupy(&pool);
    for &(priority, label) in tasks {
        let log = log.clone();
        let task = pool
            .task(move || log.lock().unwrap().push(label))
            .priority(priority);
        match how {
            Submit::WithHandle => drop(task.submit().unwrap()),
            Submit::FireAndForget => task.execute().unwrap(),
        }
    }
    blocker.release();
    assert!(pool.shutdown(Duration::from_secs(10)).is_complete());
    log.lock().unwrap().clone()
}

#[test]
fn strict_between_priorities_fifo_within() {
    let tasks = [
        (Priority::Low, 0),
        (Priority::Normal, 1),
        (Priority::High, 2),
        (Priority::Urgent, 3),
        (Priority::Normal, 4),
        (Priority::High, 5),
        (Priority::Low, 6),
        (Priority::Urgent, 7),
    ];
    assert_eq!(start_order(&tasks), [3, 7, 2, 5, 1, 4, 0, 6]);
    assert_eq!(
        start_order_by(&tasks, Submit::FireAndForget),
        [3, 7, 2, 5, 1, 4, 0, 6]
    );
}

#[test]
fn fifo_within_one_priority() {
    let tasks: Vec<_> = (0..200).map(|i| (Priority::Normal, i)).collect();
    assert_eq!(start_order(&tasks), (0..200).collect::<Vec<_>>());
}

#[test]
fn low_is_not_starved_forever() {
    let guard = LOW_PRIORITY_GUARD as usize;
    let mut tasks = vec![(Priority::Low, usize::MAX)];
    tasks.extend((0..guard * 2).map(|i| (Priority::High, i)));
    let order = start_order(&tasks);
    assert_eq!(order.iter().position(|&l| l == usize::MAX), Some(guard));
    // The High tasks around it stay in FIFO order.
    let highs: Vec<_> = order.into_iter().filter(|&l| l != usize::MAX).collect();
    assert_eq!(highs, (0..guard * 2).collect::<Vec<_>>());
}

#[test]
fn queued_per_priority_in_stats() {
    let pool = ThreadPool::builder().max_threads(1).build().unwrap();
    let blocker = occupy(&pool);
    for p in [Priority::High, Priority::High, Priority::Low] {
        pool.task(|| ()).priority(p).submit().unwrap();
    }
    let stats = pool.stats();
    assert_eq!(stats.queued_at(Priority::High), 2);
    assert_eq!(stats.queued_at(Priority::Low), 1);
    assert_eq!(stats.queued_at(Priority::Urgent), 0);
    assert_eq!(stats.queued_total(), 3);
    blocker.release();
}
