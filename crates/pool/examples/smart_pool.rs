//! Seed 002's "smart" thread pool demo, done right: ten tasks (three of them High) with
//! success and error callbacks, statistics, and a graceful shutdown that loses nothing.
//!
//! Run with `cargo run -p selvedge-pool --example smart_pool`.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use selvedge_pool::{PoolStats, Priority, ShutdownReport, TaskError, ThreadPool};

/// What the demo observed, for the tests below.
struct Demo {
    started: Vec<usize>,
    callbacks: Vec<String>,
    stats: PoolStats,
    report: ShutdownReport,
}

fn sample_task(task_id: usize, duration: Duration, started: &Mutex<Vec<usize>>) -> String {
    println!("task {task_id} started");
    started.lock().unwrap().push(task_id);
    std::thread::sleep(duration);
    println!("task {task_id} finished");
    format!("task {task_id} result")
}

fn demo(duration: Duration) -> Demo {
    // min_threads=2, max_threads=5 as in the seed: the burst of ten grows the pool past its
    // two core workers (the growth rule), and the extra workers retire after keep-alive.
    let pool = ThreadPool::builder()
        .core_threads(2)
        .max_threads(5)
        .keep_alive(Duration::from_secs(60))
        .queue_capacity(1000)
        .thread_name("smart-pool")
        .build()
        .expect("valid configuration");

    let started = Arc::new(Mutex::new(Vec::new()));
    let callbacks = Arc::new(Mutex::new(Vec::new()));
    println!("=== thread pool demo ===");
    for i in 0..10 {
        let priority = if i < 3 {
            Priority::High
        } else {
            Priority::Normal
        };
        let (started, on_ok, on_err) = (started.clone(), callbacks.clone(), callbacks.clone());
        pool.task(move || sample_task(i, duration, &started))
            .priority(priority)
            .on_success(move |result: &String| {
                println!("callback: {result}");
                on_ok.lock().unwrap().push(result.clone());
            })
            .on_failure(move |error: &TaskError| {
                println!("error callback: {error}");
                on_err.lock().unwrap().push(error.to_string());
            })
            .submit()
            .expect("the pool is open and the queue has room");
    }

    let report = pool.shutdown(Duration::from_secs(30));
    let stats = pool.stats();
    let started = started.lock().unwrap().clone();
    let callbacks = callbacks.lock().unwrap().clone();
    Demo {
        started,
        callbacks,
        stats,
        report,
    }
}

fn main() {
    let demo = demo(Duration::from_millis(500));
    let stats = &demo.stats;
    // Each of the first tasks finds a worker at once (the pool grows to five), so their
    // priorities only order the tasks that queue behind busy workers; and two workers that
    // dequeue in priority order can still print out of it. `tests/it/priority.rs` proves the
    // order itself.
    println!("start order: {:?}", demo.started);
    println!("{} callbacks fired", demo.callbacks.len());
    println!("pool statistics:");
    println!("  submitted    {}", stats.submitted);
    println!("  completed    {}", stats.completed);
    println!("  failed       {}", stats.failed);
    println!("  rejected     {}", stats.rejected);
    println!("  expired      {}", stats.expired);
    println!("  cancelled    {}", stats.cancelled);
    println!("  peak threads {}", stats.peak_threads);
    println!("  busy time    {:?}", stats.busy);
    println!("shutdown: {:?}", demo.report);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_task_ran_once_with_its_callback() {
        let demo = demo(Duration::from_millis(5));
        let mut started = demo.started.clone();
        started.sort_unstable();
        assert_eq!(started, (0..10).collect::<Vec<_>>());
        assert_eq!(demo.callbacks.len(), 10);
        assert!(demo.callbacks.iter().all(|c| c.ends_with("result")));
    }

    #[test]
    fn statistics_add_up_and_shutdown_is_complete() {
        let demo = demo(Duration::from_millis(5));
        assert!(demo.report.is_complete());
        let stats = &demo.stats;
        assert_eq!(stats.submitted, 10);
        assert_eq!(stats.completed, 10);
        assert_eq!(
            stats.failed + stats.rejected + stats.expired + stats.cancelled,
            0
        );
        assert_eq!(stats.unaccounted(), 0);
        assert!((2..=5).contains(&stats.peak_threads));
        assert_eq!(stats.threads, 0);
    }
}
