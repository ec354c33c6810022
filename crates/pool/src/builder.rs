//! [`PoolBuilder`], the validated configuration of a [`ThreadPool`]: it hands the engine a
//! `Config` (`src/engine/config.rs`).

use std::fmt;
use std::time::Duration;

use selvedge_locks::sync::{MODEL, thread};

use crate::engine::{self, Config, Hook};
use crate::{BuildError, RejectionPolicy, ThreadPool};

/// Configures and starts a [`ThreadPool`]; [`build`](Self::build) validates everything and
/// returns a typed [`BuildError`] instead of panicking.
///
/// | setting | default | rule |
/// | --- | --- | --- |
/// | [`max_threads`](Self::max_threads) | available parallelism | 1 to [`MAX_THREADS`](Self::MAX_THREADS) |
/// | [`core_threads`](Self::core_threads) | equal to `max_threads` | at most `max_threads`; may be 0 |
/// | [`keep_alive`](Self::keep_alive) | 60 s | workers above core retire after this long idle; 0 retires them as soon as the queue is empty |
/// | [`queue_capacity`](Self::queue_capacity) | 65,536 | at least 1; any `usize` (the queue grows as tasks arrive) |
/// | [`thread_name`](Self::thread_name) | `"selvedge-pool"` | non-empty, no NUL; also the pool's name in events |
/// | [`stack_size`](Self::stack_size) | the platform's | at least 1 |
/// | [`rejection_policy`](Self::rejection_policy) | [`RejectionPolicy::Reject`] | |
/// | [`slow_task_threshold`](Self::slow_task_threshold) | off | tasks running longer emit `pool.task_slow` |
/// | [`drop_timeout`](Self::drop_timeout) | 10 s | how long `Drop` waits for workers |
/// | [`monitor`](Self::monitor) | off | non-zero; emits `pool.stats` at that interval |
///
/// # Examples
///
/// ```
/// use selvedge_pool::{RejectionPolicy, ThreadPool};
/// use std::time::Duration;
///
/// let pool = ThreadPool::builder()
///     .core_threads(2)
///     .max_threads(5)
///     .keep_alive(Duration::from_secs(60))
///     .queue_capacity(1000)
///     .thread_name("chat-worker")
///     .rejection_policy(RejectionPolicy::CallerRuns)
///     .build()?;
/// assert_eq!(pool.submit(|| 2 + 2).unwrap().join(), Ok(4));
/// # Ok::<(), selvedge_pool::BuildError>(())
/// ```
#[must_use = "a builder does nothing until `build` is called"]
pub struct PoolBuilder {
    core: Option<usize>,
    max: usize,
    keep_alive: Duration,
    queue_capacity: usize,
    name: String,
    stack_size: Option<usize>,
    on_start: Option<Hook>,
    on_stop: Option<Hook>,
    policy: RejectionPolicy,
    slow_task: Option<Duration>,
    drop_timeout: Duration,
    monitor: Option<Duration>,
    spin_rounds: u32,
    fast_path: bool,
}

impl Default for PoolBuilder {
    fn default() -> Self {
        Self::new()
    }
}

impl fmt::Debug for PoolBuilder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PoolBuilder")
            .field("core", &self.core)
            .field("max", &self.max)
            .field("keep_alive", &self.keep_alive)
            .field("queue_capacity", &self.queue_capacity)
            .field("name", &self.name)
            .field("stack_size", &self.stack_size)
            .field("policy", &self.policy)
            .field("slow_task", &self.slow_task)
            .field("drop_timeout", &self.drop_timeout)
            .field("monitor", &self.monitor)
            .finish_non_exhaustive()
    }
}

impl PoolBuilder {
    /// The largest [`max_threads`](Self::max_threads) a pool accepts: 2^20 workers (the pool
    /// counts parked workers in 23 bits of one atomic word, and no OS starts this many
    /// threads for one process anyway). `build` allocates nothing in proportion to
    /// `max_threads` or `queue_capacity`: its worker list and queue grow as they are used.
    ///
    /// ```
    /// use selvedge_pool::{BuildError, PoolBuilder, ThreadPool};
    /// let pool = ThreadPool::builder()
    ///     .core_threads(0)
    ///     .max_threads(PoolBuilder::MAX_THREADS)
    ///     .build()?;
    /// assert_eq!(pool.submit(|| 1).unwrap().join(), Ok(1));
    /// assert_eq!(
    ///     ThreadPool::builder().max_threads(usize::MAX).build().unwrap_err(),
    ///     BuildError::TooManyThreads { max: usize::MAX },
    /// );
    /// # Ok::<(), BuildError>(())
    /// ```
    pub const MAX_THREADS: usize = engine::MAX_THREADS;

    /// The defaults in the table above.
    ///
    /// ```
    /// let pool = selvedge_pool::PoolBuilder::new().build().unwrap();
    /// assert!(pool.stats().threads >= 1);
    /// ```
    pub fn new() -> Self {
        let parallelism = thread::available_parallelism().map_or(1, |n| n.get());
        Self {
            core: None,
            max: parallelism,
            keep_alive: Duration::from_secs(60),
            queue_capacity: 65_536,
            name: "selvedge-pool".to_owned(),
            stack_size: None,
            on_start: None,
            on_stop: None,
            policy: RejectionPolicy::Reject,
            slow_task: None,
            drop_timeout: Duration::from_secs(10),
            monitor: None,
            spin_rounds: engine::SPIN_ROUNDS,
            fast_path: !MODEL,
        }
    }

    /// Workers kept alive even when idle; started by [`build`](Self::build). May be 0 (every
    /// worker then retires after [`keep_alive`](Self::keep_alive)).
    ///
    /// ```
    /// let pool = selvedge_pool::ThreadPool::builder().core_threads(0).max_threads(2).build().unwrap();
    /// assert_eq!(pool.stats().threads, 0);
    /// ```
    pub fn core_threads(mut self, n: usize) -> Self {
        self.core = Some(n);
        self
    }

    /// The most workers alive at once: 1 to [`MAX_THREADS`](Self::MAX_THREADS).
    ///
    /// ```
    /// let err = selvedge_pool::ThreadPool::builder().max_threads(0).build().unwrap_err();
    /// assert_eq!(err, selvedge_pool::BuildError::ZeroMaxThreads);
    /// ```
    pub fn max_threads(mut self, n: usize) -> Self {
        self.max = n;
        self
    }

    /// How long a worker above `core_threads` may stay idle before it retires.
    ///
    /// ```
    /// use std::time::Duration;
    /// let pool = selvedge_pool::ThreadPool::builder()
    ///     .keep_alive(Duration::from_millis(500)).build().unwrap();
    /// # drop(pool);
    /// ```
    pub fn keep_alive(mut self, keep_alive: Duration) -> Self {
        self.keep_alive = keep_alive;
        self
    }

    /// The most tasks waiting at once (over all priorities).
    ///
    /// ```
    /// let err = selvedge_pool::ThreadPool::builder().queue_capacity(0).build().unwrap_err();
    /// assert_eq!(err, selvedge_pool::BuildError::ZeroQueueCapacity);
    /// ```
    pub fn queue_capacity(mut self, n: usize) -> Self {
        self.queue_capacity = n;
        self
    }

    /// Worker threads are named `{prefix}-{n}`; the prefix also names the pool in events.
    ///
    /// ```
    /// let err = selvedge_pool::ThreadPool::builder().thread_name("").build().unwrap_err();
    /// assert_eq!(err, selvedge_pool::BuildError::InvalidThreadName);
    /// ```
    pub fn thread_name(mut self, prefix: impl Into<String>) -> Self {
        self.name = prefix.into();
        self
    }

    /// Stack size of each worker, in bytes.
    ///
    /// ```
    /// let pool = selvedge_pool::ThreadPool::builder().stack_size(4 << 20).build().unwrap();
    /// assert_eq!(pool.submit(|| 1).unwrap().join(), Ok(1));
    /// ```
    pub fn stack_size(mut self, bytes: usize) -> Self {
        self.stack_size = Some(bytes);
        self
    }

    /// Runs on each worker thread as it starts, before its first task. A panic in it is
    /// contained.
    ///
    /// ```
    /// use std::sync::atomic::{AtomicUsize, Ordering};
    /// use std::sync::Arc;
    ///
    /// let started = Arc::new(AtomicUsize::new(0));
    /// let seen = started.clone();
    /// let pool = selvedge_pool::ThreadPool::builder()
    ///     .core_threads(2).max_threads(2)
    ///     .on_thread_start(move || { seen.fetch_add(1, Ordering::SeqCst); })
    ///     .build().unwrap();
    /// pool.run(|| ()).unwrap(); // on a started worker, so at least one hook ran
    /// assert!(started.load(Ordering::SeqCst) >= 1);
    /// ```
    pub fn on_thread_start(mut self, hook: impl Fn() + Send + Sync + 'static) -> Self {
        self.on_start = Some(Box::new(hook));
        self
    }

    /// Runs on each worker thread as it stops (retired or shut down). A panic in it is
    /// contained.
    ///
    /// ```
    /// use std::sync::atomic::{AtomicUsize, Ordering};
    /// use std::sync::Arc;
    /// use std::time::Duration;
    ///
    /// let stopped = Arc::new(AtomicUsize::new(0));
    /// let seen = stopped.clone();
    /// let pool = selvedge_pool::ThreadPool::builder()
    ///     .core_threads(2).max_threads(2)
    ///     .on_thread_stop(move || { seen.fetch_add(1, Ordering::SeqCst); })
    ///     .build().unwrap();
    /// pool.shutdown(Duration::from_secs(10));
    /// assert_eq!(stopped.load(Ordering::SeqCst), 2);
    /// ```
    pub fn on_thread_stop(mut self, hook: impl Fn() + Send + Sync + 'static) -> Self {
        self.on_stop = Some(Box::new(hook));
        self
    }

    /// What `submit` does when the pool is saturated; see [`RejectionPolicy`].
    ///
    /// ```
    /// use selvedge_pool::{RejectionPolicy, ThreadPool};
    /// let pool = ThreadPool::builder().rejection_policy(RejectionPolicy::CallerRuns).build().unwrap();
    /// # drop(pool);
    /// ```
    pub fn rejection_policy(mut self, policy: RejectionPolicy) -> Self {
        self.policy = policy;
        self
    }

    /// For loom models: how many yield rounds a worker spends watching the tally's `pushed`
    /// before it parks (0 under loom by default, to keep the other models small). Not public
    /// API.
    #[doc(hidden)]
    pub fn loom_spin_rounds(mut self, rounds: u32) -> Self {
        self.spin_rounds = rounds;
        self
    }

    /// For loom models: lets a fixed-size pool take the lock-free submission path (off under
    /// loom by default: it lengthens every schedule, and the two-worker models then exceed
    /// loom's branch limit; the `fast_path_*` models turn it on). Not public API.
    #[doc(hidden)]
    pub fn loom_fast_path(mut self, on: bool) -> Self {
        self.fast_path = on;
        self
    }

    /// Tasks running longer than `threshold` emit a `pool.task_slow` warning. Off by default,
    /// because it reads the clock twice per task.
    ///
    /// ```
    /// use std::time::Duration;
    /// let pool = selvedge_pool::ThreadPool::builder()
    ///     .slow_task_threshold(Duration::from_secs(1)).build().unwrap();
    /// # drop(pool);
    /// ```
    pub fn slow_task_threshold(mut self, threshold: Duration) -> Self {
        self.slow_task = Some(threshold);
        self
    }

    /// How long dropping the pool waits for its workers (see [`ThreadPool`]'s `Drop`).
    ///
    /// ```
    /// use std::time::Duration;
    /// let pool = selvedge_pool::ThreadPool::builder()
    ///     .drop_timeout(Duration::from_secs(1)).build().unwrap();
    /// drop(pool); // waits at most 1 s
    /// ```
    pub fn drop_timeout(mut self, timeout: Duration) -> Self {
        self.drop_timeout = timeout;
        self
    }

    /// Starts a monitor thread (`{thread_name}-monitor`) that emits the pool's
    /// [`PoolStats`](crate::PoolStats) as a `pool.stats` tracing event (INFO, target
    /// `selvedge::pool`, the [`Display`](crate::PoolStats#impl-Display-for-PoolStats) line in
    /// field `stats`) every `interval`: seed 002's monitor thread. It sleeps on a condition
    /// variable between reports, and shutdown (or drop) wakes and stops it at once.
    ///
    /// ```python
    /// def _monitor_loop(self):
    ///     while not self.shutdown:
    ///         time.sleep(30)
    ///         self._print_stats()
    /// ```
    ///
    /// ```
    /// use std::time::Duration;
    /// let pool = selvedge_pool::ThreadPool::builder()
    ///     .monitor(Duration::from_secs(30))
    ///     .build()?;
    /// pool.shutdown(Duration::from_secs(10)); // the monitor stops with the pool
    /// # Ok::<(), selvedge_pool::BuildError>(())
    /// ```
    ///
    /// A zero interval is refused:
    ///
    /// ```
    /// use std::time::Duration;
    /// let err = selvedge_pool::ThreadPool::builder().monitor(Duration::ZERO).build().unwrap_err();
    /// assert_eq!(err, selvedge_pool::BuildError::ZeroMonitorInterval);
    /// ```
    pub fn monitor(mut self, interval: Duration) -> Self {
        self.monitor = Some(interval);
        self
    }

    /// Validates the settings and starts the core workers.
    ///
    /// # Errors
    ///
    /// Every [`BuildError`] variant: zero `max_threads` or more than
    /// [`MAX_THREADS`](Self::MAX_THREADS), `core_threads > max_threads`, zero queue capacity,
    /// zero stack size, an empty or NUL-containing name, a zero monitor interval, or an OS
    /// refusal to start a core worker or the monitor (a stack size the OS cannot give
    /// included).
    ///
    /// ```
    /// use selvedge_pool::{BuildError, ThreadPool};
    /// assert_eq!(
    ///     ThreadPool::builder().core_threads(3).max_threads(1).build().unwrap_err(),
    ///     BuildError::CoreExceedsMax { core: 3, max: 1 },
    /// );
    /// ```
    pub fn build(self) -> Result<ThreadPool, BuildError> {
        if self.max == 0 {
            return Err(BuildError::ZeroMaxThreads);
        }
        if self.max > Self::MAX_THREADS {
            return Err(BuildError::TooManyThreads { max: self.max });
        }
        let core = self.core.unwrap_or(self.max);
        if core > self.max {
            return Err(BuildError::CoreExceedsMax {
                core,
                max: self.max,
            });
        }
        if self.queue_capacity == 0 {
            return Err(BuildError::ZeroQueueCapacity);
        }
        if self.stack_size == Some(0) {
            return Err(BuildError::ZeroStackSize);
        }
        if self.name.is_empty() || self.name.contains('\0') {
            return Err(BuildError::InvalidThreadName);
        }
        if self.monitor == Some(Duration::ZERO) {
            return Err(BuildError::ZeroMonitorInterval);
        }
        ThreadPool::start(Config {
            core,
            max: self.max,
            keep_alive: self.keep_alive,
            queue_capacity: self.queue_capacity,
            name: self.name,
            stack_size: self.stack_size,
            on_start: self.on_start,
            on_stop: self.on_stop,
            policy: self.policy,
            blocking: matches!(self.policy, RejectionPolicy::Block(_)),
            slow_task: self.slow_task,
            spin_rounds: self.spin_rounds,
            fast_path: self.fast_path,
            drop_timeout: self.drop_timeout,
            monitor: self.monitor,
        })
    }
}
