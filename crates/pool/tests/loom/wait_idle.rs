//! Loom model of `ThreadPool::wait_idle`: it returns only once every task submitted before
//! the call has finished, while another thread submits concurrently and the worker finishes
//! tasks concurrently (the worker going idle racing the waiter's check: a Dekker pair of
//! SeqCst fences, see "`wait_idle` vs going idle" in `src/engine/shared.rs`).
//!
//! One worker, two tasks, on the locked path and on the lock-free fast path, so each model
//! finishes at `LOOM_MAX_PREEMPTIONS=2`. Timed waits never time out under loom, so the
//! timeout path is covered by `tests/it/lifecycle.rs`.
//! Without `--cfg selvedge_loom` the same bodies run many times on real threads.

use selvedge_locks::sync::Arc;
use selvedge_locks::sync::atomic::{AtomicUsize, Ordering};
use selvedge_pool::ThreadPool;
use selvedge_testkit::{model, thread};

use crate::tiny::LONG;

fn counting(ran: &Arc<AtomicUsize>) -> impl FnOnce() + Send + 'static {
    let ran = Arc::clone(ran);
    move || {
        ran.fetch_add(1, Ordering::SeqCst);
    }
}

/// One worker, two places; `fast` puts submissions on the lock-free fast path (under loom
/// it is off unless asked for), where a reservation not yet pushed counts as not idle.
fn one_worker(fast: bool) -> Arc<ThreadPool> {
    let builder = ThreadPool::builder()
        .max_threads(1)
        .queue_capacity(2)
        .drop_timeout(LONG);
    #[cfg(selvedge_loom)]
    let builder = builder.loom_fast_path(fast);
    #[cfg(not(selvedge_loom))]
    let _ = fast; // real threads always take the fast path in a fixed-size pool
    Arc::new(builder.build().unwrap())
}

/// Task 1 is submitted before `wait_idle`, task 2 from another thread at any moment: the
/// first `wait_idle` returns with task 1 done (task 2 may or may not be), the second, after
/// the submitter is joined, with both done.
#[test]
fn wait_idle_racing_submit_and_completion() {
    model(|| check_wait_idle(one_worker(false)));
}

/// The same through the lock-free fast path: a reservation racing the waiter's look.
#[test]
fn wait_idle_racing_a_fast_path_submit() {
    model(|| check_wait_idle(one_worker(true)));
}

fn check_wait_idle(pool: Arc<ThreadPool>) {
    let ran = Arc::new(AtomicUsize::new(0));
    pool.execute(counting(&ran)).unwrap();
    let submitter = {
        let (pool, task) = (Arc::clone(&pool), counting(&ran));
        thread::spawn(move || pool.execute(task).unwrap())
    };
    pool.wait_idle(LONG).unwrap();
    assert!(ran.load(Ordering::SeqCst) >= 1, "task 1 had not finished");
    submitter.join().unwrap();
    pool.wait_idle(LONG).unwrap();
    assert_eq!(ran.load(Ordering::SeqCst), 2);
}
