//! The pool's typed errors: [`BuildError`] (bad configuration), [`SubmitError`] (a task was
//! refused, so it never entered the pool), [`TaskError`] (an accepted task did not
//! produce a value) and [`WaitTimeout`] (a timed wait ran out).

use std::convert::Infallible;
use std::fmt;

/// Why [`PoolBuilder::build`](crate::PoolBuilder::build) refused a configuration.
///
/// # Examples
///
/// ```
/// use selvedge_pool::{BuildError, ThreadPool};
///
/// let err = ThreadPool::builder().core_threads(4).max_threads(2).build().unwrap_err();
/// assert_eq!(err, BuildError::CoreExceedsMax { core: 4, max: 2 });
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum BuildError {
    /// `max_threads` was 0: a pool needs at least one worker to run anything.
    ZeroMaxThreads,
    /// `max_threads` was above [`PoolBuilder::MAX_THREADS`](crate::PoolBuilder::MAX_THREADS),
    /// more workers than the pool can count (and far more than an OS will start).
    TooManyThreads {
        /// The requested maximum.
        max: usize,
    },
    /// `core_threads` was larger than `max_threads`.
    CoreExceedsMax {
        /// The requested core size.
        core: usize,
        /// The requested maximum.
        max: usize,
    },
    /// `queue_capacity` was 0: the queue is bounded and must hold at least one task.
    ZeroQueueCapacity,
    /// `stack_size` was 0.
    ZeroStackSize,
    /// The `thread_name` prefix was empty or contained a NUL byte.
    InvalidThreadName,
    /// [`monitor`](crate::PoolBuilder::monitor) was given a zero interval.
    ZeroMonitorInterval,
    /// The operating system refused to start a core worker or the monitor thread (the
    /// message is the OS error).
    Spawn(String),
}

impl fmt::Display for BuildError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::ZeroMaxThreads => f.write_str("max_threads must be at least 1"),
            Self::TooManyThreads { max } => write!(
                f,
                "max_threads ({max}) exceeds the limit of {}",
                crate::PoolBuilder::MAX_THREADS
            ),
            Self::CoreExceedsMax { core, max } => {
                write!(f, "core_threads ({core}) exceeds max_threads ({max})")
            }
            Self::ZeroQueueCapacity => f.write_str("queue_capacity must be at least 1"),
            Self::ZeroStackSize => f.write_str("stack_size must be at least 1 byte"),
            Self::InvalidThreadName => {
                f.write_str("thread_name must be non-empty and contain no NUL byte")
            }
            Self::ZeroMonitorInterval => f.write_str("the monitor interval must be non-zero"),
            Self::Spawn(msg) => write!(f, "could not start a core worker thread: {msg}"),
        }
    }
}

impl std::error::Error for BuildError {}

/// Why a task was refused at submission. A refused task never entered the pool: it was
/// dropped without running and counts as `rejected` in [`PoolStats`](crate::PoolStats).
///
/// # Examples
///
/// ```
/// use selvedge_pool::{SubmitError, ThreadPool};
/// use std::time::Duration;
///
/// let pool = ThreadPool::builder().build().unwrap();
/// pool.shutdown(Duration::from_secs(5));
/// assert_eq!(pool.submit(|| 1).unwrap_err(), SubmitError::Shutdown);
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum SubmitError {
    /// The queue was full, every worker was busy and the pool was at `max_threads`
    /// (policy [`RejectionPolicy::Reject`](crate::RejectionPolicy::Reject)).
    Full,
    /// The queue stayed full for the whole timeout of
    /// [`RejectionPolicy::Block`](crate::RejectionPolicy::Block).
    Timeout,
    /// The pool is shutting down or shut down; it takes no new work.
    Shutdown,
    /// The pool had no worker and the operating system refused to start one.
    SpawnFailed(String),
}

impl fmt::Display for SubmitError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Full => f.write_str("task rejected: queue full and all workers busy"),
            Self::Timeout => f.write_str("task rejected: queue stayed full for the block timeout"),
            Self::Shutdown => f.write_str("task rejected: pool is shut down"),
            Self::SpawnFailed(msg) => write!(f, "task rejected: could not start a worker: {msg}"),
        }
    }
}

impl std::error::Error for SubmitError {}

/// Why an accepted task produced no value, as returned by
/// [`TaskHandle::join`](crate::TaskHandle::join).
///
/// `E` is the error type of a fallible task ([`ThreadPool::submit_fallible`](
/// crate::ThreadPool::submit_fallible), [`ThreadPool::task_fallible`](
/// crate::ThreadPool::task_fallible)): its `Err` comes back as [`Failed`](Self::Failed),
/// typed. For every other task `E` is [`Infallible`], the default, so `TaskError` alone
/// means what it always meant and `Failed` cannot occur.
///
/// # Why generic, not boxed
///
/// A `Box<dyn Error + Send + Sync>` would lose the type (a caller would downcast to act on
/// it), allocate per failure, drop `Clone` and `PartialEq`, and refuse error types that are
/// not `std::error::Error` (`anyhow::Error`). A type parameter keeps the error as the task
/// returned it; with the `Infallible` default no existing signature changes.
///
/// # Examples
///
/// ```
/// use selvedge_pool::{TaskError, ThreadPool};
///
/// let pool = ThreadPool::builder().build().unwrap();
/// let handle = pool.submit(|| -> u32 { panic!("boom") }).unwrap();
/// assert_eq!(handle.join(), Err(TaskError::Panicked("boom".into())));
///
/// let handle = pool.submit_fallible(|| "x".parse::<u32>()).unwrap();
/// assert!(matches!(handle.join(), Err(TaskError::Failed(e)) if e.to_string().contains("invalid digit")));
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum TaskError<E = Infallible> {
    /// The task returned `Err`: Python's `raise`. Counted as `failed` in
    /// [`PoolStats`](crate::PoolStats) and passed to `on_failure`.
    Failed(E),
    /// The task panicked; the message is the panic payload when it was a string. The worker
    /// survived.
    Panicked(String),
    /// [`TaskHandle::cancel`](crate::TaskHandle::cancel) removed it before it started.
    Cancelled,
    /// Its timeout or deadline passed while it was still queued, so it never ran.
    Expired,
    /// The pool shut down before it started: it was handed back by
    /// [`ThreadPool::shutdown_now`](crate::ThreadPool::shutdown_now) and then dropped.
    Shutdown,
}

impl<E> TaskError<E> {
    /// The same error with the task's error mapped by `f` (the other variants carry no `E`).
    ///
    /// ```
    /// use selvedge_pool::TaskError;
    /// let e: TaskError<u8> = TaskError::Failed(7);
    /// assert_eq!(e.map_failed(|n| n.to_string()), TaskError::Failed("7".to_string()));
    /// ```
    pub fn map_failed<E2>(self, f: impl FnOnce(E) -> E2) -> TaskError<E2> {
        match self {
            Self::Failed(e) => TaskError::Failed(f(e)),
            Self::Panicked(msg) => TaskError::Panicked(msg),
            Self::Cancelled => TaskError::Cancelled,
            Self::Expired => TaskError::Expired,
            Self::Shutdown => TaskError::Shutdown,
        }
    }
}

impl<E: fmt::Display> fmt::Display for TaskError<E> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Failed(e) => write!(f, "task failed: {e}"),
            Self::Panicked(msg) => write!(f, "task panicked: {msg}"),
            Self::Cancelled => f.write_str("task cancelled before it started"),
            Self::Expired => f.write_str("task expired while queued"),
            Self::Shutdown => f.write_str("pool shut down before the task started"),
        }
    }
}

impl<E: std::error::Error + 'static> std::error::Error for TaskError<E> {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            Self::Failed(e) => Some(e),
            _ => None,
        }
    }
}

/// A wait with a timeout ran out first: [`ThreadPool::wait_idle`](crate::ThreadPool::wait_idle)
/// and [`AsCompleted`](crate::AsCompleted) (Python's `TimeoutError` from
/// `concurrent.futures.wait`/`as_completed` and `queue.join` with a deadline).
///
/// # Examples
///
/// ```
/// use selvedge_pool::{ThreadPool, WaitTimeout};
/// use std::sync::mpsc;
/// use std::time::Duration;
///
/// let pool = ThreadPool::builder().max_threads(1).build().unwrap();
/// let (release, gate) = mpsc::channel::<()>();
/// pool.execute(move || gate.recv().unwrap()).unwrap();
/// assert_eq!(pool.wait_idle(Duration::from_millis(10)), Err(WaitTimeout));
/// release.send(()).unwrap();
/// assert_eq!(pool.wait_idle(Duration::from_secs(10)), Ok(()));
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct WaitTimeout;

impl fmt::Display for WaitTimeout {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("timed out before the tasks finished")
    }
}

impl std::error::Error for WaitTimeout {}
