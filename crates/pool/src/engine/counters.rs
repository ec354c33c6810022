//! [`Counters`], the pool's task counters.
//!
//! Task counters are atomics on their own cache lines, bumped once per task outcome and
//! never under the pool lock; worker counts (threads, idle, active) live under the pool lock
//! and are read there, so they are always mutually consistent and never negative.

use crossbeam_utils::CachePadded;
use selvedge_locks::sync::atomic::{AtomicU64, Ordering};

/// The pool's monotonic task counters.
#[derive(Debug, Default)]
pub(crate) struct Counters {
    pub(crate) completed: CachePadded<AtomicU64>,
    pub(crate) failed: CachePadded<AtomicU64>,
    pub(crate) rejected: AtomicU64,
    pub(crate) expired: AtomicU64,
    pub(crate) cancelled: AtomicU64,
    pub(crate) handed_back: AtomicU64,
    /// Tasks the `CallerRuns` policy ran on the submitter (part of `submitted`).
    pub(crate) ran_on_caller: AtomicU64,
    pub(crate) busy_ns: CachePadded<AtomicU64>,
}

impl Counters {
    pub(crate) fn bump(counter: &AtomicU64) {
        counter.fetch_add(1, Ordering::Relaxed);
    }
}
