//! Stress: four threads submit, cancel and read statistics on one elastic pool at once, with
//! a bounded queue that blocks producers. Checks that worker counts stay consistent in every
//! snapshot and that, after shutdown, every task is accounted for exactly once.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use selvedge_pool::{Priority, RejectionPolicy, TaskError, ThreadPool};
use selvedge_testkit::stress;

#[test]
fn concurrent_submitters_lose_nothing_and_counts_never_drift() {
    let pool = ThreadPool::builder()
        .core_threads(1)
        .max_threads(3)
        .keep_alive(Duration::ZERO)
        .queue_capacity(8)
        .rejection_policy(RejectionPolicy::Block(Duration::from_secs(30)))
        .build()
        .unwrap();
    let ran = Arc::new(AtomicU64::new(0));
    let ok = AtomicU64::new(0);
    let cancelled = AtomicU64::new(0);
    let iterations = if cfg!(miri) { 10 } else { 2_000 };
    stress(4, iterations, |thread, i| {
        let ran = Arc::clone(&ran);
        let handle = pool
            .task(move || {
                ran.fetch_add(1, Ordering::Relaxed);
            })
            .priority(Priority::ALL[(thread + i as usize) % 4])
            .submit()
            .unwrap();
        if i % 7 == 0 && handle.cancel() {
            cancelled.fetch_add(1, Ordering::Relaxed);
        }
        if i % 50 == 0 {
            let stats = pool.stats();
            assert_eq!(stats.idle + stats.active, stats.threads, "{stats:?}");
            assert!(stats.threads <= 3 && stats.peak_threads <= 3, "{stats:?}");
        }
        match handle.join() {
            Ok(()) => {
                ok.fetch_add(1, Ordering::Relaxed);
            }
            Err(TaskError::Cancelled) => {}
            Err(other) => panic!("unexpected {other:?}"),
        }
    })
    .assert_ok();
    assert!(pool.shutdown(Duration::from_secs(30)).is_complete());
    let stats = pool.stats();
    let total = 4 * iterations;
    assert_eq!(stats.submitted, total);
    assert_eq!(stats.unaccounted(), 0, "{stats:?}");
    assert_eq!(stats.completed, ok.load(Ordering::Relaxed));
    assert_eq!(stats.cancelled, cancelled.load(Ordering::Relaxed));
    assert_eq!(
        stats.completed,
        ran.load(Ordering::Relaxed),
        "each task ran once"
    );
    assert_eq!(stats.completed + stats.cancelled, total);
}
