//! `PoolBuilder`: every `BuildError` case, defaults, names, hooks and stack size.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use selvedge_pool::{BuildError, ThreadPool};

#[test]
fn zero_max_threads() {
    let err = ThreadPool::builder().max_threads(0).build().unwrap_err();
    assert_eq!(err, BuildError::ZeroMaxThreads);
    assert!(err.to_string().contains("max_threads"));
}

#[test]
fn zero_max_threads_with_zero_core() {
    let err = ThreadPool::builder()
        .core_threads(0)
        .max_threads(0)
        .build()
        .unwrap_err();
    assert_eq!(err, BuildError::ZeroMaxThreads);
}

#[test]
fn core_exceeds_max() {
    let err = ThreadPool::builder()
        .core_threads(3)
        .max_threads(2)
        .build()
        .unwrap_err();
    assert_eq!(err, BuildError::CoreExceedsMax { core: 3, max: 2 });
    assert!(err.to_string().contains("core_threads (3)"));
}

#[test]
fn zero_queue_capacity() {
    let err = ThreadPool::builder().queue_capacity(0).build().unwrap_err();
    assert_eq!(err, BuildError::ZeroQueueCapacity);
}

#[test]
fn zero_stack_size() {
    let err = ThreadPool::builder().stack_size(0).build().unwrap_err();
    assert_eq!(err, BuildError::ZeroStackSize);
}

#[test]
fn invalid_thread_names() {
    for name in ["", "nul\0inside"] {
        let err = ThreadPool::builder().thread_name(name).build().unwrap_err();
        assert_eq!(err, BuildError::InvalidThreadName);
    }
}

#[test]
fn spawn_failure_of_a_core_worker_is_a_typed_error() {
    // No machine can map a 1 EiB stack, so the OS refuses the thread.
    let err = ThreadPool::builder()
        .core_threads(1)
        .max_threads(1)
        .stack_size(1 << 60)
        .build()
        .unwrap_err();
    assert!(matches!(err, BuildError::Spawn(_)), "{err:?}");
}

#[test]
fn build_errors_are_std_errors() {
    let err: Box<dyn std::error::Error> = Box::new(BuildError::ZeroQueueCapacity);
    assert!(!err.to_string().is_empty());
}

#[test]
fn core_defaults_to_max_and_is_started_by_build() {
    let pool = ThreadPool::builder().max_threads(3).build().unwrap();
    let stats = pool.stats();
    assert_eq!(stats.threads, 3);
    assert_eq!(stats.peak_threads, 3);
}

#[test]
fn zero_core_starts_no_thread() {
    let pool = ThreadPool::builder()
        .core_threads(0)
        .max_threads(2)
        .build()
        .unwrap();
    assert_eq!(pool.stats().threads, 0);
    assert_eq!(pool.submit(|| 5).unwrap().join(), Ok(5));
}

#[test]
fn workers_are_named_and_sized() {
    let pool = ThreadPool::builder()
        .max_threads(1)
        .thread_name("named")
        .stack_size(256 * 1024)
        .build()
        .unwrap();
    let name = pool
        .submit(|| std::thread::current().name().map(str::to_owned))
        .unwrap()
        .join()
        .unwrap();
    assert_eq!(name.as_deref(), Some("named-0"));
}

#[test]
fn hooks_run_once_per_worker_and_panicking_hooks_are_contained() {
    let starts = Arc::new(AtomicUsize::new(0));
    let stops = Arc::new(AtomicUsize::new(0));
    let (s, t) = (starts.clone(), stops.clone());
    let pool = ThreadPool::builder()
        .max_threads(2)
        .on_thread_start(move || {
            s.fetch_add(1, Ordering::SeqCst);
            panic!("start hook");
        })
        .on_thread_stop(move || {
            t.fetch_add(1, Ordering::SeqCst);
            panic!("stop hook");
        })
        .build()
        .unwrap();
    assert_eq!(pool.submit(|| 1).unwrap().join(), Ok(1));
    assert!(pool.shutdown(Duration::from_secs(10)).is_complete());
    assert_eq!(starts.load(Ordering::SeqCst), 2);
    assert_eq!(stops.load(Ordering::SeqCst), 2);
}

// Limits at their extremes (issue 12, item 4): `build` allocates nothing in proportion to a
// limit, and a limit it cannot honour is a typed error, never an abort or a panic.

#[test]
fn huge_max_threads_with_zero_core_is_refused_instead_of_allocated() {
    // Once allocated a worker list of 2^40 entries up front: a 35 TB request, an abort.
    let err = ThreadPool::builder()
        .core_threads(0)
        .max_threads(1 << 40)
        .build()
        .unwrap_err();
    assert_eq!(err, BuildError::TooManyThreads { max: 1 << 40 });
    assert!(err.to_string().contains("max_threads"));
}

#[test]
fn usize_max_threads_is_refused_instead_of_capacity_overflow() {
    let err = ThreadPool::builder()
        .max_threads(usize::MAX)
        .build()
        .unwrap_err();
    assert_eq!(err, BuildError::TooManyThreads { max: usize::MAX });
    let err = ThreadPool::builder()
        .core_threads(usize::MAX)
        .max_threads(usize::MAX)
        .build()
        .unwrap_err();
    assert_eq!(err, BuildError::TooManyThreads { max: usize::MAX });
}

#[test]
fn max_threads_at_the_limit_builds_and_grows_on_demand() {
    let pool = ThreadPool::builder()
        .core_threads(0)
        .max_threads(selvedge_pool::PoolBuilder::MAX_THREADS)
        .build()
        .unwrap();
    assert_eq!(pool.stats().threads, 0);
    let handles: Vec<_> = (0..4).map(|i| pool.submit(move || i).unwrap()).collect();
    for (i, handle) in handles.into_iter().enumerate() {
        assert_eq!(handle.join(), Ok(i));
    }
    assert!(pool.shutdown(Duration::from_secs(10)).is_complete());
    let err = ThreadPool::builder()
        .max_threads(selvedge_pool::PoolBuilder::MAX_THREADS + 1)
        .build()
        .unwrap_err();
    assert!(matches!(err, BuildError::TooManyThreads { .. }));
}

#[test]
fn usize_max_queue_capacity_builds_and_runs() {
    for core in [0, 2] {
        let pool = ThreadPool::builder()
            .core_threads(core)
            .max_threads(2)
            .queue_capacity(usize::MAX)
            .build()
            .unwrap();
        let handles: Vec<_> = (0..100).map(|i| pool.submit(move || i).unwrap()).collect();
        for (i, handle) in handles.into_iter().enumerate() {
            assert_eq!(handle.join(), Ok(i));
        }
        assert!(pool.shutdown(Duration::from_secs(10)).is_complete());
    }
}

#[test]
fn a_stack_size_the_os_cannot_give_is_a_spawn_error() {
    let err = ThreadPool::builder()
        .max_threads(1)
        .stack_size(usize::MAX)
        .build()
        .unwrap_err();
    assert!(matches!(err, BuildError::Spawn(_)), "{err:?}");
    // With no core worker, the first submission is refused the same way.
    let pool = ThreadPool::builder()
        .core_threads(0)
        .max_threads(1)
        .stack_size(usize::MAX)
        .build()
        .unwrap();
    assert!(matches!(
        pool.submit(|| ()).unwrap_err(),
        selvedge_pool::SubmitError::SpawnFailed(_)
    ));
    assert_eq!(pool.stats().rejected, 1);
}

#[test]
fn durations_at_zero_and_at_the_maximum() {
    for d in [Duration::ZERO, Duration::MAX] {
        let pool = ThreadPool::builder()
            .core_threads(0)
            .max_threads(2)
            .keep_alive(d)
            .slow_task_threshold(d)
            .drop_timeout(d)
            .rejection_policy(selvedge_pool::RejectionPolicy::Block(d))
            .build()
            .unwrap();
        assert_eq!(pool.submit(|| 1).unwrap().join(), Ok(1));
        assert_eq!(
            pool.task(|| 2).timeout(d).submit().unwrap().join().is_ok(),
            d == Duration::MAX,
            "a zero timeout expires, a maximal one never does"
        );
        assert!(pool.shutdown(d).still_running <= 2);
        drop(pool);
    }
}
