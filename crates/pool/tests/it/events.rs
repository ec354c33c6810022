//! Tracing events, captured from the worker threads with `capture_all`: worker start and
//! stop, rejection, task panic, slow task, callback panic; and silence on the fast path.

use std::time::Duration;

use selvedge_pool::ThreadPool;
use selvedge_trace::testing::capture_all;
use selvedge_trace::{events, targets};

#[test]
fn every_pool_event_is_emitted_with_its_fields() {
    let ((panicked_id, slow_id), captured) = capture_all(|| {
        let pool = ThreadPool::builder()
            .max_threads(1)
            .thread_name("evt")
            .slow_task_threshold(Duration::from_millis(1))
            .build()
            .unwrap();
        let panicked = pool.submit(|| -> () { panic!("task boom") }).unwrap();
        let panicked_id = panicked.id();
        assert!(panicked.join().is_err());
        let slow = pool
            .submit(|| std::thread::sleep(Duration::from_millis(5)))
            .unwrap();
        let slow_id = slow.id();
        slow.join().unwrap();
        pool.task(|| 1)
            .on_success(|_| panic!("callback boom"))
            .submit()
            .unwrap()
            .join()
            .unwrap();
        pool.shutdown(Duration::from_secs(10));
        assert!(pool.submit(|| ()).is_err());
        assert_eq!(panicked_id + 1, slow_id);
        (panicked_id, slow_id)
    });
    // `capture_all` sees every thread of this test binary; keep this pool's events.
    let ours: Vec<_> = captured
        .iter()
        .filter(|e| e.field("pool") == Some("evt"))
        .collect();
    let find = |name: &str| {
        *ours
            .iter()
            .find(|e| e.name == name)
            .unwrap_or_else(|| panic!("no {name} in {ours:#?}"))
    };
    for event in &ours {
        assert_eq!(event.target, targets::POOL);
    }

    let started = find(events::POOL_WORKER_STARTED);
    assert_eq!(started.field("thread"), Some("evt-0"));
    assert_eq!(
        started.thread.as_deref(),
        Some("evt-0"),
        "emitted on the worker"
    );
    let stopped = find(events::POOL_WORKER_STOPPED);
    assert_eq!(stopped.field("reason"), Some("shutdown"));

    let panic = find(events::POOL_TASK_PANICKED);
    assert_eq!(panic.field("message"), Some("task boom"));
    // Ids are unique in the process, not per pool: other tests may have taken the first ones.
    assert_eq!(
        panic.field("task_id"),
        Some(panicked_id.to_string().as_str())
    );
    assert_eq!(panic.level, tracing::Level::ERROR);

    // The panicking task may be slow too (unwinding); look for the sleeper.
    let slow = ours
        .iter()
        .find(|e| {
            e.name == events::POOL_TASK_SLOW && e.field("task_id") == Some(&*slow_id.to_string())
        })
        .unwrap_or_else(|| panic!("no slow event for task {slow_id} in {ours:#?}"));
    let busy: u64 = slow.field("busy_ns").unwrap().parse().unwrap();
    assert!(busy >= 1_000_000);

    let callback = find(events::POOL_CALLBACK_PANICKED);
    assert_eq!(callback.field("message"), Some("callback boom"));

    let rejected = find(events::POOL_TASK_REJECTED);
    assert_eq!(rejected.level, tracing::Level::WARN);
    assert!(rejected.field("reason").unwrap().contains("shut down"));
}

#[test]
fn healthy_tasks_emit_nothing() {
    let pool = ThreadPool::builder()
        .max_threads(2)
        .thread_name("quiet")
        .build()
        .unwrap();
    let ((), captured) = capture_all(|| {
        for i in 0..100 {
            assert_eq!(pool.submit(move || i).unwrap().join(), Ok(i));
        }
    });
    // Worker start events may land in the window; nothing per task may.
    let per_task: Vec<_> = captured
        .iter()
        .filter(|e| e.field("pool") == Some("quiet") && e.field("task_id").is_some())
        .collect();
    assert!(per_task.is_empty(), "{per_task:#?}");
}

#[test]
fn retirement_is_reported_with_its_reason() {
    let ((), captured) = capture_all(|| {
        let (stopped_tx, stopped) = std::sync::mpsc::channel();
        let stopped_tx = std::sync::Mutex::new(stopped_tx);
        let pool = ThreadPool::builder()
            .core_threads(0)
            .max_threads(1)
            .keep_alive(Duration::ZERO)
            .on_thread_stop(move || stopped_tx.lock().unwrap().send(()).unwrap())
            .build()
            .unwrap();
        pool.submit(|| ()).unwrap().join().unwrap();
        // The stop hook runs after the event, so once it has fired the event is captured.
        stopped.recv_timeout(Duration::from_secs(10)).unwrap();
    });
    assert!(
        captured
            .iter()
            .any(|e| e.name == events::POOL_WORKER_STOPPED
                && e.field("reason") == Some("keep-alive expired")),
        "{captured:#?}"
    );
}
