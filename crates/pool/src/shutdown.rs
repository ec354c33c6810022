//! What shutdown gives back: [`ShutdownReport`] from the graceful
//! [`shutdown`](crate::ThreadPool::shutdown), and the [`PendingTask`]s that
//! [`shutdown_now`](crate::ThreadPool::shutdown_now) hands to the caller.

use std::fmt;
use std::time::Duration;

use selvedge_locks::sync::Arc;

use crate::Priority;
use crate::engine::Shared;
use crate::engine::job::Job;

/// The outcome of [`ThreadPool::shutdown`](crate::ThreadPool::shutdown).
///
/// # Examples
///
/// ```
/// use selvedge_pool::ThreadPool;
/// use std::time::Duration;
///
/// let pool = ThreadPool::builder().build().unwrap();
/// let report = pool.shutdown(Duration::from_secs(10));
/// assert!(report.is_complete());
/// assert_eq!(report.still_running, 0);
/// assert_eq!(report.queued, 0);
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct ShutdownReport {
    /// Workers still running (a task, or the rest of the queue) when the timeout ran out.
    /// They keep going, detached, and exit once the queue is empty.
    pub still_running: usize,
    /// Tasks still queued when the timeout ran out; the remaining workers will run them.
    pub queued: usize,
    /// How long the call took.
    pub elapsed: Duration,
}

impl ShutdownReport {
    pub(crate) fn new(still_running: usize, queued: usize, elapsed: Duration) -> Self {
        Self {
            still_running,
            queued,
            elapsed,
        }
    }

    /// Whether every worker exited (and so every queued task ran) within the timeout.
    ///
    /// ```
    /// use selvedge_pool::ThreadPool;
    /// use std::time::Duration;
    /// let pool = ThreadPool::builder().build().unwrap();
    /// assert!(pool.shutdown(Duration::from_secs(10)).is_complete());
    /// ```
    pub fn is_complete(&self) -> bool {
        self.still_running == 0 && self.queued == 0
    }
}

/// A task that never started, handed back by
/// [`ThreadPool::shutdown_now`](crate::ThreadPool::shutdown_now). Run it on the current
/// thread with [`run`](Self::run), or drop it: its handle then reports
/// [`TaskError::Shutdown`](crate::TaskError::Shutdown) and its callbacks never fire.
///
/// # Examples
///
/// ```
/// use selvedge_pool::ThreadPool;
///
/// let pool = ThreadPool::builder().core_threads(0).max_threads(1).build().unwrap();
/// let pending = pool.shutdown_now();
/// for task in pending {
///     task.run(); // or drop it
/// }
/// ```
pub struct PendingTask {
    job: Job,
    shared: Arc<Shared>,
}

impl PendingTask {
    pub(crate) fn new(job: Job, shared: Arc<Shared>) -> Self {
        Self { job, shared }
    }

    /// The task's id (as in [`TaskHandle::id`](crate::TaskHandle::id)).
    ///
    /// ```
    /// # let pool = selvedge_pool::ThreadPool::builder().build().unwrap();
    /// for task in pool.shutdown_now() { let _ = task.id(); }
    /// ```
    pub fn id(&self) -> u64 {
        self.job.id()
    }

    /// The priority it was submitted with.
    ///
    /// ```
    /// # let pool = selvedge_pool::ThreadPool::builder().build().unwrap();
    /// for task in pool.shutdown_now() { let _ = task.priority(); }
    /// ```
    pub fn priority(&self) -> Priority {
        self.job.priority()
    }

    /// Runs the task (and its callbacks) on the calling thread; a panic in it is contained
    /// and reported to its handle as [`TaskError::Panicked`](crate::TaskError::Panicked).
    /// Its deadline is not checked: the caller chose to run it.
    ///
    /// ```
    /// # let pool = selvedge_pool::ThreadPool::builder().build().unwrap();
    /// for task in pool.shutdown_now() { task.run(); }
    /// ```
    pub fn run(self) {
        self.shared.run_handed_back(self.job);
    }
}

impl fmt::Debug for PendingTask {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PendingTask")
            .field("id", &self.job.id())
            .field("priority", &self.job.priority())
            .finish_non_exhaustive()
    }
}
