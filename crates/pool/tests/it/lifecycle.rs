//! `wait_idle`, `shutdown_and_wait`, `PoolStats`'s `Display` and the monitor thread.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use selvedge_pool::{BuildError, ThreadPool, WaitTimeout};
use selvedge_trace::events;
use selvedge_trace::testing::capture_all;

#[test]
fn wait_idle_returns_once_every_earlier_task_ran_and_the_pool_stays_open() {
    let pool = ThreadPool::builder().max_threads(2).build().unwrap();
    let ran = Arc::new(AtomicUsize::new(0));
    for round in 1..=3 {
        for _ in 0..100 {
            let ran = ran.clone();
            pool.execute(move || {
                std::thread::sleep(Duration::from_micros(20));
                ran.fetch_add(1, Ordering::SeqCst);
            })
            .unwrap();
        }
        pool.wait_idle(Duration::from_secs(30)).unwrap();
        assert_eq!(ran.load(Ordering::SeqCst), 100 * round);
        assert_eq!(pool.stats().unaccounted(), 0);
    }
    assert!(!pool.is_shutdown());
}

#[test]
fn wait_idle_times_out_with_a_typed_error_while_a_task_runs() {
    let pool = ThreadPool::builder().max_threads(1).build().unwrap();
    let (release, gate) = mpsc::channel::<()>();
    pool.execute(move || gate.recv().unwrap()).unwrap();
    pool.execute(|| ()).unwrap(); // queued behind it
    let started = Instant::now();
    assert_eq!(pool.wait_idle(Duration::from_millis(30)), Err(WaitTimeout));
    assert!(started.elapsed() >= Duration::from_millis(30));
    release.send(()).unwrap();
    assert_eq!(pool.wait_idle(Duration::from_secs(10)), Ok(()));
}

#[test]
fn wait_idle_on_an_idle_pool_returns_at_once() {
    let pool = ThreadPool::builder().build().unwrap();
    assert_eq!(pool.wait_idle(Duration::ZERO), Ok(()));
}

#[test]
fn wait_idle_counts_cancelled_and_expired_tasks_as_finished() {
    let pool = ThreadPool::builder().max_threads(1).build().unwrap();
    let (release, gate) = mpsc::channel::<()>();
    pool.execute(move || gate.recv().unwrap()).unwrap();
    let cancelled = pool.submit(|| ()).unwrap();
    assert!(cancelled.cancel());
    pool.task(|| ()).timeout(Duration::ZERO).execute().unwrap();
    release.send(()).unwrap();
    pool.wait_idle(Duration::from_secs(10)).unwrap();
    let stats = pool.stats();
    assert_eq!(
        (stats.cancelled, stats.expired, stats.unaccounted()),
        (1, 1, 0)
    );
}

/// A task that waits for the pool to be idle does not wait for itself (nor for another
/// task doing the same), so two such tasks on a two-worker pool both return.
#[test]
fn wait_idle_from_pool_tasks_does_not_wait_for_the_waiters() {
    let pool = Arc::new(ThreadPool::builder().max_threads(2).build().unwrap());
    let handles: Vec<_> = (0..2)
        .map(|_| {
            let inner = Arc::clone(&pool);
            pool.submit(move || inner.wait_idle(Duration::from_secs(10)))
                .unwrap()
        })
        .collect();
    for handle in handles {
        assert_eq!(handle.join(), Ok(Ok(())));
    }
}

#[test]
fn wait_idle_after_shutdown_now_returns() {
    let pool = ThreadPool::builder().max_threads(1).build().unwrap();
    let (release, gate) = mpsc::channel::<()>();
    let (started_tx, started) = mpsc::channel::<()>();
    pool.execute(move || {
        started_tx.send(()).unwrap();
        gate.recv().unwrap();
    })
    .unwrap();
    started.recv().unwrap();
    pool.execute(|| ()).unwrap();
    drop(pool.shutdown_now());
    release.send(()).unwrap();
    pool.wait_idle(Duration::from_secs(10)).unwrap();
}

/// Stress: producers submit while others wait for idle; whenever `wait_idle` returns Ok,
/// every task its caller submitted before the call has run.
#[test]
fn stress_wait_idle_sees_every_earlier_task_finished() {
    let pool = Arc::new(ThreadPool::builder().max_threads(2).build().unwrap());
    std::thread::scope(|s| {
        for _ in 0..3 {
            let pool = Arc::clone(&pool);
            s.spawn(move || {
                for _ in 0..30 {
                    let done = Arc::new(AtomicUsize::new(0));
                    for _ in 0..20 {
                        let done = done.clone();
                        pool.execute(move || {
                            done.fetch_add(1, Ordering::SeqCst);
                        })
                        .unwrap();
                    }
                    pool.wait_idle(Duration::from_secs(30)).unwrap();
                    assert_eq!(done.load(Ordering::SeqCst), 20);
                }
            });
        }
    });
    pool.shutdown_and_wait();
    assert_eq!(pool.stats().completed, 3 * 30 * 20);
}

#[test]
fn shutdown_and_wait_runs_everything_however_long_it_takes() {
    let pool = ThreadPool::builder()
        .max_threads(2)
        .drop_timeout(Duration::from_millis(1))
        .build()
        .unwrap();
    let ran = Arc::new(AtomicUsize::new(0));
    for _ in 0..10 {
        let ran = ran.clone();
        pool.execute(move || {
            std::thread::sleep(Duration::from_millis(10));
            ran.fetch_add(1, Ordering::SeqCst);
        })
        .unwrap();
    }
    let report = pool.shutdown_and_wait();
    assert!(report.is_complete());
    assert_eq!(ran.load(Ordering::SeqCst), 10);
    assert_eq!(pool.stats().threads, 0);
}

#[test]
fn stats_display_is_one_line_with_every_count() {
    let pool = ThreadPool::builder().max_threads(1).build().unwrap();
    pool.submit(|| ()).unwrap().join().unwrap();
    pool.submit_fallible(|| Err::<(), _>("no"))
        .unwrap()
        .join()
        .unwrap_err();
    pool.shutdown(Duration::from_secs(10));
    let line = pool.stats().to_string();
    assert_eq!(
        line,
        format!(
            "submitted 2, completed 1, failed 1, rejected 0, expired 0, cancelled 0, handed back 0; \
             threads 0 (active 0, idle 0, peak 1); queued 0 (urgent 0, high 0, normal 0, low 0); \
             busy {:.3}s",
            pool.stats().busy.as_secs_f64()
        )
    );
}

#[test]
fn monitor_emits_stats_at_its_interval_and_stops_with_the_pool() {
    let ((), captured) = capture_all(|| {
        let pool = ThreadPool::builder()
            .thread_name("monitored")
            .monitor(Duration::from_millis(10))
            .build()
            .unwrap();
        pool.submit(|| ()).unwrap().join().unwrap();
        std::thread::sleep(Duration::from_millis(80));
        let started = Instant::now();
        pool.shutdown(Duration::from_secs(10));
        assert!(
            started.elapsed() < Duration::from_secs(5),
            "shutdown waited for the monitor's interval"
        );
    });
    let reports: Vec<_> = captured
        .iter()
        .filter(|e| e.name == events::POOL_STATS && e.field("pool") == Some("monitored"))
        .collect();
    assert!(
        reports.len() >= 2,
        "{} reports in 80 ms at 10 ms",
        reports.len()
    );
    assert_eq!(reports[0].thread.as_deref(), Some("monitored-monitor"));
    assert!(reports.iter().all(|e| {
        e.field("stats")
            .is_some_and(|s| s.starts_with("submitted "))
    }));
}

/// A monitor with a long interval does not hold up shutdown (it is woken, not waited out).
#[test]
fn monitor_with_a_long_interval_stops_at_once() {
    let pool = ThreadPool::builder()
        .monitor(Duration::from_secs(3600))
        .build()
        .unwrap();
    let started = Instant::now();
    assert!(pool.shutdown(Duration::from_secs(10)).is_complete());
    drop(pool);
    assert!(started.elapsed() < Duration::from_secs(5));
}

#[test]
fn zero_monitor_interval_is_a_typed_build_error() {
    let err = ThreadPool::builder()
        .monitor(Duration::ZERO)
        .build()
        .unwrap_err();
    assert_eq!(err, BuildError::ZeroMonitorInterval);
}
