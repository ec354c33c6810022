//! The pool's tracing events, one `#[cold]` function each, so call sites stay one line and
//! the fast path (submit, start, finish of a healthy task) emits nothing.
//!
//! Names, targets, levels and fields follow the schema table in `selvedge_trace`'s crate doc.

use selvedge_trace::{events, targets};
use tracing::Level;

#[cold]
pub(crate) fn worker_started(pool: &str, thread: &str) {
    tracing::event!(name: events::POOL_WORKER_STARTED, target: targets::POOL, Level::DEBUG,
        pool = %pool, thread = %thread);
}

#[cold]
pub(crate) fn worker_stopped(pool: &str, thread: &str, reason: &str) {
    tracing::event!(name: events::POOL_WORKER_STOPPED, target: targets::POOL, Level::DEBUG,
        pool = %pool, thread = %thread, reason = %reason);
}

#[cold]
pub(crate) fn task_rejected(pool: &str, task_id: u64, reason: &str) {
    tracing::event!(name: events::POOL_TASK_REJECTED, target: targets::POOL, Level::WARN,
        pool = %pool, task_id = task_id, reason = %reason);
}

#[cold]
pub(crate) fn task_panicked(pool: &str, task_id: u64, message: &str) {
    tracing::event!(name: events::POOL_TASK_PANICKED, target: targets::POOL, Level::ERROR,
        pool = %pool, task_id = task_id, message = %message);
}

/// A fallible task returned `Err` (its `Debug` text; formatted only when a subscriber
/// listens at WARN).
#[cold]
pub(crate) fn task_failed(pool: &str, task_id: u64, error: &dyn std::fmt::Debug) {
    tracing::event!(name: events::POOL_TASK_FAILED, target: targets::POOL, Level::WARN,
        pool = %pool, task_id = task_id, message = ?error);
}

/// The monitor's periodic statistics line.
#[cold]
pub(crate) fn stats(pool: &str, stats: &crate::PoolStats) {
    tracing::event!(name: events::POOL_STATS, target: targets::POOL, Level::INFO,
        pool = %pool, stats = %stats);
}

#[cold]
pub(crate) fn task_slow(pool: &str, task_id: u64, busy_ns: u64) {
    tracing::event!(name: events::POOL_TASK_SLOW, target: targets::POOL, Level::WARN,
        pool = %pool, task_id = task_id, busy_ns = busy_ns);
}

#[cold]
pub(crate) fn callback_panicked(pool: &str, task_id: u64, message: &str) {
    tracing::event!(name: events::POOL_CALLBACK_PANICKED, target: targets::POOL, Level::ERROR,
        pool = %pool, task_id = task_id, message = %message);
}

/// A `Drop` of a task's value, captures or unfired callback panicked on the worker: reported
/// as a task panic (the schema has no event of its own for it), the message saying where.
#[cold]
pub(crate) fn drop_panicked(pool: &str, task_id: u64, message: &str) {
    tracing::event!(name: events::POOL_TASK_PANICKED, target: targets::POOL, Level::ERROR,
        pool = %pool, task_id = task_id, message = %format_args!("in Drop: {message}"));
}
