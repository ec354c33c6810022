//! [`RejectionPolicy`], what `submit` does when the pool cannot take a task right now.

use std::time::Duration;

/// What [`ThreadPool::submit`](crate::ThreadPool::submit) does when the queue is full, every worker is busy and the pool
/// is at `max_threads`. A pool that is shut down always rejects with
/// [`SubmitError::Shutdown`](crate::SubmitError::Shutdown), whatever the policy.
///
/// # Examples
///
/// ```
/// use selvedge_pool::{RejectionPolicy, ThreadPool};
/// use std::time::Duration;
///
/// let pool = ThreadPool::builder()
///     .rejection_policy(RejectionPolicy::Block(Duration::from_millis(100)))
///     .build()
///     .unwrap();
/// assert_eq!(pool.submit(|| 1).unwrap().join(), Ok(1));
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[non_exhaustive]
pub enum RejectionPolicy {
    /// Refuse at once with [`SubmitError::Full`](crate::SubmitError::Full) (the default).
    #[default]
    Reject,
    /// Run the task on the submitting thread, before `submit` returns (Java's
    /// `CallerRunsPolicy`): natural backpressure, since the producer slows to the pool's pace.
    CallerRuns,
    /// Wait up to this long for queue space, then refuse with
    /// [`SubmitError::Timeout`](crate::SubmitError::Timeout). A submission from one of the
    /// pool's own workers never waits (the space it waits for could be its own to free): it
    /// runs on that worker, as under [`CallerRuns`](Self::CallerRuns).
    Block(Duration),
}
