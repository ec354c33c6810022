//! [`PoolStats`], the snapshot `pool.stats()` returns (the atomic counters behind it are in
//! `src/engine/counters.rs`).

use std::fmt;
use std::time::Duration;

use crate::Priority;

/// A point-in-time view of a pool, from [`ThreadPool::stats`](crate::ThreadPool::stats).
///
/// The task counters are read one by one while the pool runs, so they are exact only when
/// the pool is quiescent (for example after [`shutdown`](crate::ThreadPool::shutdown)). Then
/// the nothing-lost invariant holds:
/// `submitted == completed + failed + cancelled + expired + rejected + handed_back`.
/// Worker counts are taken together under the pool lock: `active + idle == threads`.
///
/// # Examples
///
/// ```
/// use selvedge_pool::ThreadPool;
/// use std::time::Duration;
///
/// let pool = ThreadPool::builder().max_threads(2).build().unwrap();
/// for i in 0..4 {
///     pool.submit(move || i * 2).unwrap();
/// }
/// pool.shutdown(Duration::from_secs(10));
/// let stats = pool.stats();
/// assert_eq!(stats.submitted, 4);
/// assert_eq!(stats.completed, 4);
/// assert_eq!(stats.unaccounted(), 0);
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Default)]
#[non_exhaustive]
pub struct PoolStats {
    /// Tasks offered to `submit` (accepted or not); an accepted broadcast counts one task per
    /// worker it runs on, a refused one counts one.
    pub submitted: u64,
    /// Tasks that ran and returned.
    pub completed: u64,
    /// Tasks that ran and panicked, or (fallible tasks) returned `Err`.
    pub failed: u64,
    /// Tasks refused at submission (queue full, block timeout, shut down).
    pub rejected: u64,
    /// Tasks whose timeout or deadline passed while queued.
    pub expired: u64,
    /// Tasks cancelled through their handle (counted when the pool discards them).
    pub cancelled: u64,
    /// Tasks handed back by [`shutdown_now`](crate::ThreadPool::shutdown_now).
    pub handed_back: u64,
    /// Workers not parked waiting for work.
    pub active: usize,
    /// Workers parked waiting for work.
    pub idle: usize,
    /// Live workers.
    pub threads: usize,
    /// Most workers alive at once.
    pub peak_threads: usize,
    /// Queued tasks per priority, indexed like [`Priority::ALL`] (Urgent first). Includes
    /// cancelled tasks not yet discarded, the pool's internal scope tickets, and, at Urgent,
    /// broadcast shares no worker has taken yet.
    pub queued: [usize; 4],
    /// Total time workers spent between leaving the parked state and parking again (running
    /// tasks, taking them from the queue, and the brief spin before parking). Added when a
    /// worker parks or stops, so a worker busy since it last parked is not included yet;
    /// after `shutdown` every busy period is.
    pub busy: Duration,
}

impl PoolStats {
    /// Tasks queued at `priority`.
    ///
    /// ```
    /// use selvedge_pool::{Priority, ThreadPool};
    /// let pool = ThreadPool::builder().build().unwrap();
    /// assert_eq!(pool.stats().queued_at(Priority::High), 0);
    /// ```
    pub fn queued_at(&self, priority: Priority) -> usize {
        self.queued[priority.index()]
    }

    /// Tasks queued at every priority.
    ///
    /// ```
    /// use selvedge_pool::ThreadPool;
    /// let pool = ThreadPool::builder().build().unwrap();
    /// assert_eq!(pool.stats().queued_total(), 0);
    /// ```
    pub fn queued_total(&self) -> usize {
        self.queued.iter().sum()
    }

    /// Submitted tasks without an outcome yet: queued or running. Zero once the pool has shut
    /// down (the nothing-lost invariant).
    ///
    /// ```
    /// use selvedge_pool::ThreadPool;
    /// use std::time::Duration;
    /// let pool = ThreadPool::builder().build().unwrap();
    /// pool.submit(|| ()).unwrap();
    /// pool.shutdown(Duration::from_secs(10));
    /// assert_eq!(pool.stats().unaccounted(), 0);
    /// ```
    pub fn unaccounted(&self) -> u64 {
        let ended = self.completed
            + self.failed
            + self.cancelled
            + self.expired
            + self.rejected
            + self.handed_back;
        self.submitted.saturating_sub(ended)
    }
}

/// One readable line, for logs and the monitor's `pool.stats` event (seed 002's
/// `_print_stats`): task counts, then workers, then the queue by priority, then busy time.
///
/// ```python
/// stats = pool.get_stats()
/// print(f"pool: active={stats['active_threads']}, idle={stats['idle_threads']}, "
///       f"queued={stats['queue_size']}, completed={stats['completed_tasks']}")
/// ```
///
/// ```
/// use selvedge_pool::ThreadPool;
/// use std::time::Duration;
///
/// let pool = ThreadPool::builder().max_threads(2).build().unwrap();
/// pool.submit(|| ()).unwrap();
/// pool.shutdown(Duration::from_secs(10));
/// let line = pool.stats().to_string();
/// assert!(line.starts_with("submitted 1, completed 1, failed 0, "), "{line}");
/// assert!(line.contains("threads 0 (active 0, idle 0, peak 2)"), "{line}");
/// assert!(!line.contains('\n'));
/// ```
impl fmt::Display for PoolStats {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let [urgent, high, normal, low] = self.queued;
        write!(
            f,
            "submitted {}, completed {}, failed {}, rejected {}, expired {}, cancelled {}, \
             handed back {}; threads {} (active {}, idle {}, peak {}); queued {} (urgent {}, \
             high {}, normal {}, low {}); busy {:.3}s",
            self.submitted,
            self.completed,
            self.failed,
            self.rejected,
            self.expired,
            self.cancelled,
            self.handed_back,
            self.threads,
            self.active,
            self.idle,
            self.peak_threads,
            self.queued_total(),
            urgent,
            high,
            normal,
            low,
            self.busy.as_secs_f64(),
        )
    }
}
