//! A worker that unwinds anyway (issue 12, item 1): every user callback and `Drop` is
//! contained, but the pool also calls code it does not contain, such as the tracing
//! subscriber. Here a subscriber panics on chosen pool events; the worker must be uncounted
//! and replaced, so later tasks run and shutdown finds no worker missing.
//!
//! Its own test binary, because the subscriber is the process's global one. The model
//! (`a_worker_unwinding_races_the_next_submission`) runs under loom with `--cfg
//! selvedge_loom`; the real-thread tests beside it only without.

#[cfg(not(selvedge_loom))]
use crate::common;

use std::sync::Once;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use selvedge_pool::ThreadPool;
use selvedge_testkit::model;
use selvedge_trace::events;
use tracing::field::{Field, Visit};
use tracing::span::{Attributes, Id, Record};
use tracing::{Event, Metadata, Subscriber};

/// `pool.worker_started` events of pool `start-boom` that still panic (std atomics: the
/// subscriber is outside every model).
static START_PANICS_LEFT: AtomicUsize = AtomicUsize::new(0);

/// Workers of the model's pool killed by the subscriber, over all its executions.
static MODEL_DEATHS: AtomicUsize = AtomicUsize::new(0);

/// Panics on `pool.task_slow` of pools `slow-boom` and `loom-boom`, and on the next
/// [`START_PANICS_LEFT`] `pool.worker_started` of pool `start-boom`.
struct Exploding;

/// The `pool` field of an event.
#[derive(Default)]
struct PoolField(String);

impl Visit for PoolField {
    fn record_debug(&mut self, field: &Field, value: &dyn std::fmt::Debug) {
        if field.name() == "pool" {
            self.0 = format!("{value:?}");
        }
    }
}

impl Subscriber for Exploding {
    fn enabled(&self, _: &Metadata<'_>) -> bool {
        true
    }
    fn new_span(&self, _: &Attributes<'_>) -> Id {
        Id::from_u64(1)
    }
    fn record(&self, _: &Id, _: &Record<'_>) {}
    fn record_follows_from(&self, _: &Id, _: &Id) {}
    fn event(&self, event: &Event<'_>) {
        let mut pool = PoolField::default();
        event.record(&mut pool);
        let name = event.metadata().name();
        if name == events::POOL_TASK_SLOW && pool.0 == "loom-boom" {
            MODEL_DEATHS.fetch_add(1, Ordering::SeqCst);
            panic!("subscriber panics on task_slow");
        }
        if name == events::POOL_TASK_SLOW && pool.0 == "slow-boom" {
            panic!("subscriber panics on task_slow");
        }
        if name == events::POOL_WORKER_STARTED
            && pool.0 == "start-boom"
            && START_PANICS_LEFT
                .fetch_update(Ordering::SeqCst, Ordering::SeqCst, |n| n.checked_sub(1))
                .is_ok()
        {
            panic!("subscriber panics on worker_started");
        }
    }
    fn enter(&self, _: &Id) {}
    fn exit(&self, _: &Id) {}
}

fn install() {
    static ONCE: Once = Once::new();
    ONCE.call_once(|| tracing::subscriber::set_global_default(Exploding).unwrap());
}

/// A worker dies (its slow-task event panics) right after its first task, while the second
/// is being submitted: whether the submitter finds it still counted (and queues for it) or
/// already replaced, the second task runs, the dead worker is uncounted, and shutdown finds
/// every worker gone. Two tasks, one worker, so the race is the interesting one.
#[test]
fn a_worker_unwinding_races_the_next_submission() {
    install();
    // Under loom every model thread runs on this OS thread, where loom's own subscriber is
    // the default: make ours the default here too (real threads use the global one).
    model(|| tracing::subscriber::with_default(Exploding, unwind_model));
    assert!(
        MODEL_DEATHS.load(Ordering::SeqCst) > 0,
        "the model killed no worker"
    );
}

fn unwind_model() {
    {
        let pool = ThreadPool::builder()
            .max_threads(1)
            .thread_name("loom-boom")
            .slow_task_threshold(Duration::ZERO)
            .drop_timeout(Duration::from_secs(3600))
            .build()
            .unwrap();
        let first = pool.submit(|| 1).unwrap();
        let second = pool.submit(|| 2).unwrap();
        assert_eq!(first.join(), Ok(1));
        assert_eq!(second.join(), Ok(2));
        let report = pool.shutdown(Duration::from_secs(3600));
        assert!(report.is_complete(), "{report:?}");
        let stats = pool.stats();
        assert_eq!(stats.threads, 0);
        assert_eq!(stats.completed, 2);
    }
}

#[cfg(not(selvedge_loom))]
fn join_in_time<R: std::fmt::Debug>(handle: selvedge_pool::TaskHandle<R>) -> R {
    match handle.join_timeout(Duration::from_secs(5)) {
        Ok(result) => result.unwrap(),
        Err(_) => panic!("task never ran: a dead worker was still counted"),
    }
}

#[test]
#[cfg(not(selvedge_loom))]
fn a_worker_that_unwinds_after_a_task_is_uncounted_and_replaced() {
    install();
    let stopped = std::sync::Arc::new(AtomicUsize::new(0));
    let seen = std::sync::Arc::clone(&stopped);
    let pool = ThreadPool::builder()
        .max_threads(1)
        .thread_name("slow-boom")
        .slow_task_threshold(Duration::ZERO)
        .drop_timeout(Duration::from_secs(2))
        .on_thread_stop(move || {
            seen.fetch_add(1, Ordering::SeqCst);
        })
        .build()
        .unwrap();
    for i in 0..5 {
        // Each task's worker dies right after it (the slow-task event), and is replaced.
        let handle = pool
            .submit(move || {
                std::thread::sleep(Duration::from_millis(1));
                i
            })
            .unwrap();
        assert_eq!(join_in_time(handle), i);
    }
    common::eventually("the last worker replaced", || {
        stopped.load(Ordering::SeqCst) == 5
    });
    common::eventually("one worker counted", || pool.stats().threads == 1);
    assert_eq!(pool.stats().completed, 5);
    let report = pool.shutdown(Duration::from_secs(5));
    assert!(report.is_complete(), "{report:?}");
}

#[test]
#[cfg(not(selvedge_loom))]
fn a_worker_that_unwinds_while_starting_is_uncounted_and_replaced() {
    install();
    START_PANICS_LEFT.store(2, Ordering::SeqCst);
    let pool = ThreadPool::builder()
        .max_threads(1)
        .thread_name("start-boom")
        .drop_timeout(Duration::from_secs(2))
        .build()
        .unwrap();
    assert_eq!(join_in_time(pool.submit(|| 7).unwrap()), 7);
    assert_eq!(
        START_PANICS_LEFT.load(Ordering::SeqCst),
        0,
        "two workers died"
    );
    assert_eq!(pool.stats().threads, 1);
    let report = pool.shutdown(Duration::from_secs(5));
    assert!(report.is_complete(), "{report:?}");
}

#[test]
#[cfg(not(selvedge_loom))]
fn workers_that_unwind_during_shutdown_still_drain_the_queue() {
    install();
    let ran = std::sync::Arc::new(AtomicUsize::new(0));
    let pool = ThreadPool::builder()
        .max_threads(1)
        .thread_name("slow-boom")
        .slow_task_threshold(Duration::ZERO)
        .drop_timeout(Duration::from_secs(2))
        .build()
        .unwrap();
    for _ in 0..4 {
        let ran = std::sync::Arc::clone(&ran);
        pool.execute(move || {
            std::thread::sleep(Duration::from_millis(1));
            ran.fetch_add(1, Ordering::SeqCst);
        })
        .unwrap();
    }
    let report = pool.shutdown(Duration::from_secs(5));
    assert!(report.is_complete(), "{report:?}");
    assert_eq!(ran.load(Ordering::SeqCst), 4);
    assert_eq!(pool.stats().threads, 0);
}

/// A worker that unwinds with a broadcast share still to run runs it before it is uncounted
/// (its replacement started after the broadcast, so it is not one of its workers): the
/// broadcast runs once, on the worker it counted, and `wait_idle` sees it finished.
#[test]
#[cfg(not(selvedge_loom))]
fn a_worker_that_unwinds_runs_its_broadcast_shares_first() {
    install();
    let pool = ThreadPool::builder()
        .max_threads(1)
        .thread_name("slow-boom")
        .slow_task_threshold(Duration::ZERO)
        .drop_timeout(Duration::from_secs(2))
        .build()
        .unwrap();
    let blocker = common::occupy(&pool); // its slow-task event kills the worker after it
    let ran_on = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
    {
        let ran_on = std::sync::Arc::clone(&ran_on);
        pool.spawn_broadcast(move |ctx| {
            let me = std::thread::current().name().unwrap().to_owned();
            ran_on
                .lock()
                .unwrap()
                .push((ctx.index(), ctx.num_threads(), me));
        })
        .unwrap();
    }
    blocker.release();
    pool.wait_idle(Duration::from_secs(5))
        .expect("the unwound worker's share never ran");
    assert_eq!(*ran_on.lock().unwrap(), [(0, 1, "slow-boom-0".to_owned())]);
    let report = pool.shutdown(Duration::from_secs(5));
    assert!(report.is_complete(), "{report:?}");
}
