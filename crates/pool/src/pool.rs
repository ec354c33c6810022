//! [`ThreadPool`]: the public API of a pool, a thin facade over the engine's `Shared` (see
//! `src/engine/mod.rs`), as rayon-core's `ThreadPool` is over its `Registry`. Each method
//! validates what the user gave, builds the job or the report the user sees, and leaves the
//! rest to the engine; the engine never names this type.

use std::fmt;
use std::time::{Duration, Instant};

use selvedge_locks::sync::Arc;
use selvedge_locks::sync::atomic::Ordering;

use crate::engine::job::{Job, PlainTask, TaskImpl};
use crate::engine::{Config, Shared, task_id};
use crate::{
    PendingTask, PoolBuilder, PoolStats, Priority, ShutdownReport, SubmitError, TaskBuilder,
    TaskHandle, handle::ResultSlot,
};

/// A thread pool with four priorities, elastic workers, a bounded queue with a rejection
/// policy, per-task deadlines and callbacks, statistics, scoped tasks and a shutdown that
/// loses nothing.
///
/// `ThreadPool` is `Send + Sync`: share it by reference (scoped threads, `&'static`), in an
/// `Arc`, or by [`clone`](Clone::clone) (see "Clones"). Tasks must be `Send + 'static` (use [`scope`](Self::scope) or [`run`](Self::run) to
/// borrow).
///
/// # Growth rule
///
/// `build` starts `core_threads` workers. On each submission, after queueing the task:
///
/// 1. if a worker is parked, it is woken (one wake-up per task, never two for one worker);
/// 2. otherwise, if fewer than `max_threads` workers are alive and more tasks are queued than
///    workers already on their way to the queue (woken, just started, or spinning briefly
///    before parking), one more worker is started: "a task waits and nobody is idle". A
///    worker that has just finished a task counts only once it finds the queue empty, so a
///    burst can start a worker more than it needed; above `core_threads` it retires after
///    `keep_alive` like any other;
/// 3. when the queue is full but the pool is below `max_threads`, the task is still accepted
///    and a worker is woken or started for it, so the queue exceeds its capacity by at most
///    `max_threads` tasks, each with a worker on its way.
///
/// Only a full queue at `max_threads` invokes the [`RejectionPolicy`](crate::RejectionPolicy). Workers above
/// `core_threads` retire after [`keep_alive`](PoolBuilder::keep_alive) without work. This grows
/// sooner than Java's `ThreadPoolExecutor`, which adds workers above core only once the queue is
/// full (so with a large queue it never does).
///
/// # Panics in user code
///
/// Nothing a user supplies can kill a worker. Tasks, callbacks and hooks run inside
/// `catch_unwind`, and so does every `Drop` of user data on a worker: a value nobody will
/// join, the captures of a cancelled or expired task, a callback that did not fire, a panic
/// payload (one whose own `Drop` panics too is leaked rather than dropped again). Such a drop
/// panic is reported as a `pool.task_panicked` event whose message starts with `in Drop:`;
/// the task's outcome stays what it was (a fire-and-forget task without callbacks drops its
/// value inside the task, so there it counts as failed). A worker that unwinds anyway, from
/// code the pool calls without containing it (a panicking tracing subscriber), is uncounted
/// and replaced, so [`stats`](Self::stats) never counts a dead worker and no join or shutdown
/// waits for one.
///
/// ```
/// use std::time::Duration;
///
/// struct Bomb;
/// impl Drop for Bomb {
///     fn drop(&mut self) { panic!("drop") }
/// }
/// let pool = selvedge_pool::ThreadPool::builder().max_threads(1).build().unwrap();
/// pool.task(|| Bomb).on_success(|_| {}).execute().unwrap(); // `Bomb` dropped on the worker
/// assert_eq!(pool.submit(|| 1).unwrap().join(), Ok(1)); // the worker survived
/// assert!(pool.shutdown(Duration::from_secs(10)).is_complete());
/// ```
///
/// # Clones
///
/// A clone is another handle to the same pool, as with threadpool: one atomic increment,
/// the same workers, queue, statistics and limits. Any clone may shut the pool down
/// ([`shutdown`](Self::shutdown) acts on the pool, not the handle), and the pool shuts down
/// (see "Drop") when its **last** handle is dropped; dropping any other clone does nothing.
/// A pool in an `Arc` (as [`Strand::new`](crate::Strand::new) takes it) works as before.
///
/// ```
/// use selvedge_pool::ThreadPool;
/// use std::sync::mpsc;
///
/// let pool = ThreadPool::builder().max_threads(2).build()?;
/// let (tx, rx) = mpsc::channel();
/// let producers: Vec<_> = (0..2)
///     .map(|p| {
///         let (pool, tx) = (pool.clone(), tx.clone());
///         std::thread::spawn(move || {
///             for i in 0..10 {
///                 let tx = tx.clone();
///                 pool.execute(move || tx.send(p * 10 + i).unwrap()).unwrap();
///             }
///         }) // this clone drops here: the pool stays up
///     })
///     .collect();
/// drop(tx);
/// for p in producers {
///     p.join().unwrap();
/// }
/// assert_eq!(rx.iter().sum::<i32>(), (0..20).sum());
/// assert!(!pool.is_shutdown());
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
///
/// # Drop
///
/// Dropping the pool's last handle is [`shutdown`](Self::shutdown) with the builder's
/// [`drop_timeout`](PoolBuilder::drop_timeout) (10 s by default), exactly:
///
/// 1. intake stops;
/// 2. every queued task still runs, on the workers, in priority order;
/// 3. the drop blocks until every worker has exited, or `drop_timeout` has passed;
/// 4. workers still busy then are detached, not killed: they finish the queue and exit on
///    their own, and nothing reports their tasks' outcome but their handles and callbacks;
/// 5. the monitor thread, if any, stops.
///
/// So a drop never loses a queued task and never blocks longer than `drop_timeout`.
/// Python's `with executor:` waits without limit: call
/// [`shutdown_and_wait`](Self::shutdown_and_wait) before the pool goes out of scope (or set
/// `drop_timeout(Duration::MAX)`). To drop the backlog instead, call
/// [`shutdown_now`](Self::shutdown_now) first.
///
/// # Send and Sync
///
/// Tasks move to worker threads, so they must be `Send`; share data with `Arc`, not `Rc`:
///
/// ```
/// use std::sync::Arc;
/// let pool = selvedge_pool::ThreadPool::builder().build().unwrap();
/// let shared = Arc::new(5);
/// assert_eq!(pool.submit(move || *shared + 1).unwrap().join(), Ok(6));
/// ```
///
/// ```compile_fail
/// use std::rc::Rc;
/// let pool = selvedge_pool::ThreadPool::builder().build().unwrap();
/// let shared = Rc::new(5);
/// pool.submit(move || *shared + 1); // `Rc<i32>` cannot be sent between threads safely
/// ```
///
/// # Examples
///
/// ```
/// use selvedge_pool::{Priority, ThreadPool};
/// use std::time::Duration;
///
/// let pool = ThreadPool::builder().core_threads(2).max_threads(4).build()?;
/// let sum = pool.submit(|| (1..=10).sum::<u32>())?;
/// let urgent = pool.task(|| "first").priority(Priority::Urgent).submit()?;
/// assert_eq!(sum.join(), Ok(55));
/// assert_eq!(urgent.join(), Ok("first"));
/// let report = pool.shutdown(Duration::from_secs(10));
/// assert!(report.is_complete());
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub struct ThreadPool {
    shared: Arc<Shared>,
}

impl fmt::Debug for ThreadPool {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ThreadPool")
            .field("name", &self.shared.config.name)
            .field("stats", &self.stats())
            .finish()
    }
}

impl ThreadPool {
    /// A [`PoolBuilder`] with the defaults.
    ///
    /// ```
    /// let pool = selvedge_pool::ThreadPool::builder().max_threads(2).build().unwrap();
    /// assert_eq!(pool.submit(|| 1).unwrap().join(), Ok(1));
    /// ```
    pub fn builder() -> PoolBuilder {
        PoolBuilder::new()
    }

    pub(crate) fn start(config: Config) -> Result<Self, crate::BuildError> {
        Shared::start(config).map(|shared| Self { shared })
    }

    pub(crate) fn shared(&self) -> &Arc<Shared> {
        &self.shared
    }

    /// Submits `f` at [`Priority::Normal`] with no deadline or callbacks.
    ///
    /// # Errors
    ///
    /// A [`SubmitError`] when the pool is shut down, or saturated and the
    /// [`RejectionPolicy`](crate::RejectionPolicy) refuses (the task is then dropped unrun and counted `rejected`).
    ///
    /// ```
    /// let pool = selvedge_pool::ThreadPool::builder().build().unwrap();
    /// let handle = pool.submit(|| "hello from the pool").unwrap();
    /// assert_eq!(handle.join(), Ok("hello from the pool"));
    /// ```
    #[inline]
    pub fn submit<F, R>(&self, f: F) -> Result<TaskHandle<R>, SubmitError>
    where
        F: FnOnce() -> R + Send + 'static,
        R: Send + 'static,
    {
        self.submit_task(TaskImpl::new(move || Ok(f()), None), Priority::Normal, None)
    }

    /// Submits a task that can fail: `f` returns `Result<R, E>`, and an `Err` is the task's
    /// failure, as a Python `raise` is. It counts as `failed` in [`stats`](Self::stats),
    /// reaches `on_failure` ([`task_fallible`](Self::task_fallible)), is reported as a
    /// `pool.task_failed` event (the error's `Debug` text) and comes back typed from the
    /// handle as [`TaskError::Failed`](crate::TaskError::Failed). (A plain
    /// [`submit`](Self::submit) of the same closure would count the `Err` as a value.)
    ///
    /// ```python
    /// future = executor.submit(load_user, user_id)   # load_user may raise KeyError
    /// try:
    ///     user = future.result()
    /// except KeyError as e:
    ///     print("no such user", e)
    /// ```
    ///
    /// ```
    /// use selvedge_pool::{TaskError, ThreadPool};
    ///
    /// #[derive(Debug, PartialEq)]
    /// struct NoSuchUser(u32);
    ///
    /// let pool = ThreadPool::builder().build()?;
    /// let load_user = |id: u32| if id == 1 { Ok("ada") } else { Err(NoSuchUser(id)) };
    /// let found = pool.submit_fallible(move || load_user(1))?;
    /// let missing = pool.submit_fallible(move || load_user(7))?;
    /// assert_eq!(found.join(), Ok("ada"));
    /// match missing.join() {
    ///     Err(TaskError::Failed(NoSuchUser(id))) => println!("no such user {id}"),
    ///     other => unreachable!("{other:?}"),
    /// }
    /// pool.wait_idle(std::time::Duration::from_secs(10))?;
    /// assert_eq!(pool.stats().failed, 1);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    ///
    /// # Errors
    ///
    /// As for [`submit`](Self::submit).
    pub fn submit_fallible<F, R, E>(&self, f: F) -> Result<TaskHandle<R, E>, SubmitError>
    where
        F: FnOnce() -> Result<R, E> + Send + 'static,
        R: Send + 'static,
        E: fmt::Debug + Send + 'static,
    {
        self.submit_task(TaskImpl::new(f, None), Priority::Normal, None)
    }

    /// Starts a [`TaskBuilder`] for a fallible `f` (see
    /// [`submit_fallible`](Self::submit_fallible)): `on_success` sees the `Ok` value,
    /// `on_failure` the `Err` as [`TaskError::Failed`](crate::TaskError::Failed).
    ///
    /// Seed 002 passes `error_callback=` to `submit`; a task that raises reaches it:
    ///
    /// ```python
    /// pool.submit(fetch, url, callback=on_page, error_callback=on_error)
    /// ```
    ///
    /// ```
    /// use selvedge_pool::{TaskError, ThreadPool};
    /// use std::sync::mpsc;
    ///
    /// let pool = ThreadPool::builder().build().unwrap();
    /// let (tx, rx) = mpsc::channel();
    /// let fetch = |url: &str| if url.starts_with("https://") { Ok(url.len()) } else { Err(format!("bad url {url}")) };
    /// pool.task_fallible(move || fetch("ftp://x"))
    ///     .on_success(|len: &usize| println!("page of {len} bytes"))
    ///     .on_failure(move |e: &TaskError<String>| tx.send(e.to_string()).unwrap())
    ///     .execute()
    ///     .unwrap();
    /// assert_eq!(rx.recv().unwrap(), "task failed: bad url ftp://x");
    /// ```
    pub fn task_fallible<F, R, E>(&self, f: F) -> TaskBuilder<'_, crate::Fallible<F>, R, E>
    where
        F: FnOnce() -> Result<R, E> + Send + 'static,
        R: Send + 'static,
        E: fmt::Debug + Send + 'static,
    {
        TaskBuilder::new_fallible(self, f)
    }

    /// Submits `f` without a handle (fire and forget), at [`Priority::Normal`]. Cheaper than
    /// [`submit`](Self::submit): one allocation instead of two. A panic in `f` is contained and
    /// counted as failed.
    ///
    /// # Errors
    ///
    /// As for [`submit`](Self::submit).
    ///
    /// ```
    /// use std::sync::mpsc;
    /// let pool = selvedge_pool::ThreadPool::builder().build().unwrap();
    /// let (tx, rx) = mpsc::channel();
    /// pool.execute(move || tx.send(7).unwrap()).unwrap();
    /// assert_eq!(rx.recv().unwrap(), 7);
    /// ```
    #[inline]
    pub fn execute<F>(&self, f: F) -> Result<(), SubmitError>
    where
        F: FnOnce() + Send + 'static,
    {
        self.execute_plain(f, Priority::Normal)
    }

    /// Fire and forget with no deadline and no callbacks: only the closure is boxed
    /// ([`PlainTask`]); its return value is dropped on the worker.
    #[inline]
    pub(crate) fn execute_plain<F, R>(&self, f: F, priority: Priority) -> Result<(), SubmitError>
    where
        F: FnOnce() -> R + Send + 'static,
        R: Send + 'static,
    {
        let id = task_id::next();
        let job = Job::new(id, priority, true, PlainTask(f));
        Shared::dispatch(&self.shared, job)
    }

    pub(crate) fn execute_task<F, R, E>(
        &self,
        mut task: TaskImpl<F, R, E>,
        priority: Priority,
        deadline: Option<Instant>,
    ) -> Result<(), SubmitError>
    where
        F: FnOnce() -> Result<R, E> + Send + 'static,
        R: Send + 'static,
        E: fmt::Debug + Send + 'static,
    {
        let id = task_id::next();
        task.deadline = deadline;
        let job = Job::new(id, priority, true, task);
        Shared::dispatch(&self.shared, job)
    }

    /// Starts a [`TaskBuilder`] for `f`: priority, timeout or deadline, callbacks, then
    /// [`submit`](TaskBuilder::submit).
    ///
    /// ```
    /// use selvedge_pool::{Priority, ThreadPool};
    /// use std::time::Duration;
    ///
    /// let pool = ThreadPool::builder().build().unwrap();
    /// let handle = pool
    ///     .task(|| 21 * 2)
    ///     .priority(Priority::High)
    ///     .timeout(Duration::from_secs(30))
    ///     .submit()
    ///     .unwrap();
    /// assert_eq!(handle.join(), Ok(42));
    /// ```
    pub fn task<F, R>(&self, f: F) -> TaskBuilder<'_, F, R>
    where
        F: FnOnce() -> R + Send + 'static,
        R: Send + 'static,
    {
        TaskBuilder::new(self, f)
    }

    pub(crate) fn submit_task<F, R, E>(
        &self,
        mut task: TaskImpl<F, R, E>,
        priority: Priority,
        deadline: Option<Instant>,
    ) -> Result<TaskHandle<R, E>, SubmitError>
    where
        F: FnOnce() -> Result<R, E> + Send + 'static,
        R: Send + 'static,
        E: fmt::Debug + Send + 'static,
    {
        let slot = Arc::new(ResultSlot::new());
        task.slot = Some(Arc::clone(&slot));
        let id = task_id::next();
        task.deadline = deadline;
        let job = Job::new(id, priority, true, task);
        Shared::dispatch(&self.shared, job)?;
        Ok(TaskHandle::new(slot, id))
    }

    /// A snapshot of the counters and worker counts; see [`PoolStats`].
    ///
    /// ```
    /// use selvedge_pool::ThreadPool;
    /// let pool = ThreadPool::builder().core_threads(1).max_threads(3).build().unwrap();
    /// let stats = pool.stats();
    /// assert_eq!(stats.threads, 1);
    /// assert_eq!(stats.active + stats.idle, stats.threads);
    /// ```
    pub fn stats(&self) -> PoolStats {
        self.shared.stats()
    }

    /// Waits until every task submitted so far has finished, without shutting down: Python's
    /// `queue.join()` (seed 002 calls it to drain the queue), here with a timeout. "Finished"
    /// covers every outcome: ran, failed, expired, cancelled and discarded, or handed back;
    /// broadcasts count as one task per worker (a task waiting here runs its own worker's
    /// shares meanwhile).
    /// Tasks submitted while it waits may extend the wait (as with `queue.join()`); the pool
    /// stays open throughout. Called from one of the pool's own tasks it does not wait for
    /// that task (or any other task that is itself in `wait_idle`).
    ///
    /// It reads the counts the pool keeps anyway (tasks reserved, and each worker's own
    /// count and busy flag), and the last worker to go idle wakes it: no polling, and nothing
    /// added to the workers' per-task path.
    ///
    /// # Errors
    ///
    /// [`WaitTimeout`](crate::WaitTimeout) if tasks were still queued or running when
    /// `timeout` ran out (they go on).
    ///
    /// ```python
    /// for url in urls:
    ///     q.put(url)
    /// q.join()          # blocks until every task is done; the workers stay up
    /// print(stats)
    /// ```
    ///
    /// ```
    /// use selvedge_pool::ThreadPool;
    /// use std::sync::atomic::{AtomicUsize, Ordering};
    /// use std::sync::Arc;
    /// use std::time::Duration;
    ///
    /// let pool = ThreadPool::builder().max_threads(2).build()?;
    /// let fetched = Arc::new(AtomicUsize::new(0));
    /// for _ in 0..20 {
    ///     let fetched = fetched.clone();
    ///     pool.execute(move || { fetched.fetch_add(1, Ordering::Relaxed); })?;
    /// }
    /// pool.wait_idle(Duration::from_secs(30))?;
    /// assert_eq!(fetched.load(Ordering::Relaxed), 20);
    /// assert!(!pool.is_shutdown()); // still open for more
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn wait_idle(&self, timeout: Duration) -> Result<(), crate::WaitTimeout> {
        Shared::wait_idle(&self.shared, timeout)
    }

    /// The pool's name (the `thread_name` prefix), as used in its tracing events.
    ///
    /// ```
    /// let pool = selvedge_pool::ThreadPool::builder().thread_name("io").build().unwrap();
    /// assert_eq!(pool.name(), "io");
    /// ```
    pub fn name(&self) -> &str {
        &self.shared.config.name
    }

    /// The current `core_threads`: workers kept alive without work. The builder's value,
    /// lowered by [`set_max_threads`](Self::set_max_threads) to a maximum below it.
    ///
    /// ```
    /// let pool = selvedge_pool::ThreadPool::builder().core_threads(1).max_threads(3).build()?;
    /// assert_eq!(pool.core_threads(), 1);
    /// # Ok::<(), selvedge_pool::BuildError>(())
    /// ```
    pub fn core_threads(&self) -> usize {
        self.shared.state.lock().core
    }

    /// The current `max_threads`: the most workers alive at once (the builder's value, or
    /// the last [`set_max_threads`](Self::set_max_threads)).
    ///
    /// ```
    /// let pool = selvedge_pool::ThreadPool::builder().max_threads(3).build()?;
    /// assert_eq!(pool.max_threads(), 3);
    /// # Ok::<(), selvedge_pool::BuildError>(())
    /// ```
    pub fn max_threads(&self) -> usize {
        self.shared.state.lock().max
    }

    /// The queue's capacity, as built (see [`PoolBuilder::queue_capacity`]).
    ///
    /// ```
    /// let pool = selvedge_pool::ThreadPool::builder().queue_capacity(16).build()?;
    /// assert_eq!(pool.queue_capacity(), 16);
    /// # Ok::<(), selvedge_pool::BuildError>(())
    /// ```
    pub fn queue_capacity(&self) -> usize {
        self.shared.config.queue_capacity
    }

    /// How long a worker above `core_threads` waits for work before it retires, as built
    /// (see [`PoolBuilder::keep_alive`]).
    ///
    /// ```
    /// use std::time::Duration;
    /// let pool = selvedge_pool::ThreadPool::builder().keep_alive(Duration::from_secs(5)).build()?;
    /// assert_eq!(pool.keep_alive(), Duration::from_secs(5));
    /// # Ok::<(), selvedge_pool::BuildError>(())
    /// ```
    pub fn keep_alive(&self) -> Duration {
        self.shared.config.keep_alive
    }

    /// How long dropping the last handle to the pool waits for its workers, as built (see
    /// [`PoolBuilder::drop_timeout`]).
    ///
    /// ```
    /// use std::time::Duration;
    /// let pool = selvedge_pool::ThreadPool::builder().drop_timeout(Duration::from_secs(3)).build()?;
    /// assert_eq!(pool.drop_timeout(), Duration::from_secs(3));
    /// # Ok::<(), selvedge_pool::BuildError>(())
    /// ```
    pub fn drop_timeout(&self) -> Duration {
        self.shared.config.drop_timeout
    }

    /// Changes the maximum number of workers at run time: threadpool's `set_num_threads`.
    /// `core_threads` is lowered to `n` if it was above it (and stays there if the maximum
    /// grows again).
    ///
    /// - **Shrinking** never stops a running task: workers above `n` retire lazily, each at
    ///   its first idle moment (parked ones are woken to do so), so
    ///   [`stats`](Self::stats)`.threads` falls to `n` as they finish what they run.
    /// - **Growing** lets queued work start workers at once, by the growth rule (a task
    ///   waits and nobody is idle), and later submissions as usual.
    /// - **Fixed or elastic.** A pool is fixed-size while `core == max` (the default), and
    ///   only then do submissions take the lock-free fast path. Raising the maximum of a
    ///   fixed pool makes it elastic: from then on submissions take the locked path (which
    ///   can start workers) and the workers above `core` retire after
    ///   [`keep_alive`](PoolBuilder::keep_alive) without work. Lowering the maximum to `core`
    ///   (or below) makes it fixed-size again, fast path included. A submission racing with
    ///   the switch may queue without starting a worker; the core workers run it.
    ///
    /// After shutdown the new value is recorded and starts nothing.
    ///
    /// # Errors
    ///
    /// [`BuildError::ZeroMaxThreads`](crate::BuildError::ZeroMaxThreads) for 0 and
    /// [`BuildError::TooManyThreads`](crate::BuildError::TooManyThreads) above
    /// [`PoolBuilder::MAX_THREADS`], as the builder would; the limits are then unchanged.
    ///
    /// ```
    /// use selvedge_pool::{BuildError, ThreadPool};
    ///
    /// let pool = ThreadPool::builder().max_threads(4).build()?;
    /// assert_eq!((pool.core_threads(), pool.max_threads()), (4, 4));
    /// pool.set_max_threads(2)?; // still fixed-size: core follows the maximum down
    /// assert_eq!((pool.core_threads(), pool.max_threads()), (2, 2));
    /// pool.set_max_threads(8)?; // elastic now: 2 core workers, up to 8
    /// assert_eq!((pool.core_threads(), pool.max_threads()), (2, 8));
    /// assert_eq!(pool.set_max_threads(0), Err(BuildError::ZeroMaxThreads));
    /// assert_eq!(pool.submit(|| 7)?.join(), Ok(7));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn set_max_threads(&self, n: usize) -> Result<(), crate::BuildError> {
        if n == 0 {
            return Err(crate::BuildError::ZeroMaxThreads);
        }
        if n > PoolBuilder::MAX_THREADS {
            return Err(crate::BuildError::TooManyThreads { max: n });
        }
        Shared::set_max_threads(&self.shared, n);
        Ok(())
    }

    /// Graceful shutdown: stops intake (later submissions get [`SubmitError::Shutdown`]),
    /// lets the workers run every queued task, and waits at most `timeout` for them to exit.
    /// Idempotent; safe to call from one of the pool's own tasks (that worker is not waited
    /// for).
    ///
    /// ```
    /// use selvedge_pool::ThreadPool;
    /// use std::sync::atomic::{AtomicUsize, Ordering};
    /// use std::sync::Arc;
    /// use std::time::Duration;
    ///
    /// let pool = ThreadPool::builder().max_threads(2).build().unwrap();
    /// let ran = Arc::new(AtomicUsize::new(0));
    /// for _ in 0..100 {
    ///     let ran = ran.clone();
    ///     pool.execute(move || { ran.fetch_add(1, Ordering::Relaxed); }).unwrap();
    /// }
    /// let report = pool.shutdown(Duration::from_secs(10));
    /// assert!(report.is_complete());
    /// assert_eq!(ran.load(Ordering::Relaxed), 100); // every queued task ran
    /// ```
    pub fn shutdown(&self, timeout: Duration) -> ShutdownReport {
        let started = Instant::now();
        self.shutdown_until(started, started.checked_add(timeout))
    }

    /// Graceful shutdown that waits without limit: intake stops, every queued task runs, and
    /// this returns once every worker has exited. Python's `with executor:` block (and
    /// `executor.shutdown(wait=True)`), which [`Drop`](#drop) does only up to
    /// [`drop_timeout`](PoolBuilder::drop_timeout). From one of the pool's own tasks it waits
    /// for every worker but its own.
    ///
    /// ```python
    /// with ThreadPoolExecutor(max_workers=2) as executor:
    ///     for item in items:
    ///         executor.submit(process, item)
    /// # every task has run here
    /// ```
    ///
    /// ```
    /// use selvedge_pool::ThreadPool;
    /// use std::sync::atomic::{AtomicUsize, Ordering};
    /// use std::sync::Arc;
    ///
    /// let pool = ThreadPool::builder().max_threads(2).build().unwrap();
    /// let processed = Arc::new(AtomicUsize::new(0));
    /// for _ in 0..50 {
    ///     let processed = processed.clone();
    ///     pool.execute(move || { processed.fetch_add(1, Ordering::Relaxed); }).unwrap();
    /// }
    /// assert!(pool.shutdown_and_wait().is_complete());
    /// assert_eq!(processed.load(Ordering::Relaxed), 50);
    /// ```
    pub fn shutdown_and_wait(&self) -> ShutdownReport {
        self.shutdown_until(Instant::now(), None)
    }

    /// Graceful shutdown, waiting for the workers until `deadline` (`None`: no limit).
    fn shutdown_until(&self, started: Instant, deadline: Option<Instant>) -> ShutdownReport {
        let (still_running, queued) = Shared::shutdown(&self.shared, deadline);
        ShutdownReport::new(still_running, queued, started.elapsed())
    }

    /// Immediate shutdown: stops intake and hands back every task that has not started, most
    /// urgent first, FIFO within a priority. Running tasks finish; workers then exit. Each
    /// [`PendingTask`] may be run on the caller's thread or dropped (its handle then reports
    /// [`TaskError::Shutdown`](crate::TaskError::Shutdown)). Does not wait for the workers.
    ///
    /// Broadcast shares no worker has taken yet come first (they run ahead of queued tasks),
    /// one [`PendingTask`] per share at [`Priority::Urgent`], oldest broadcast first:
    /// running one runs the broadcast's closure here, with that share's
    /// [`index`](crate::BroadcastContext::index); a blocking [`broadcast`](Self::broadcast)
    /// waits until each of its shares is run (its result) or dropped (`Shutdown`).
    ///
    /// ```
    /// use selvedge_pool::{TaskError, ThreadPool};
    /// use std::sync::mpsc;
    ///
    /// let pool = ThreadPool::builder().max_threads(1).build().unwrap();
    /// let (release, gate) = mpsc::channel::<()>();
    /// let (started_tx, started) = mpsc::channel::<()>();
    /// pool.submit(move || { started_tx.send(()).unwrap(); gate.recv().unwrap() }).unwrap();
    /// started.recv().unwrap(); // the worker is busy
    /// let a = pool.submit(|| "a").unwrap();
    /// let b = pool.submit(|| "b").unwrap();
    ///
    /// let mut pending = pool.shutdown_now();
    /// assert_eq!(pending.len(), 2);
    /// pending.remove(0).run();          // run `a` here
    /// drop(pending);                    // drop `b`
    /// assert_eq!(a.join(), Ok("a"));
    /// assert_eq!(b.join(), Err(TaskError::Shutdown));
    /// release.send(()).unwrap();
    /// ```
    pub fn shutdown_now(&self) -> Vec<PendingTask> {
        Shared::shutdown_now(&self.shared)
            .into_iter()
            .map(|job| PendingTask::new(job, Arc::clone(&self.shared)))
            .collect()
    }

    /// Whether `shutdown` or `shutdown_now` has been called.
    ///
    /// ```
    /// let pool = selvedge_pool::ThreadPool::builder().build().unwrap();
    /// assert!(!pool.is_shutdown());
    /// pool.shutdown_now();
    /// assert!(pool.is_shutdown());
    /// ```
    pub fn is_shutdown(&self) -> bool {
        self.shared.is_shutdown()
    }
}

impl Clone for ThreadPool {
    /// Another handle to the same pool (threadpool's `clone`): one atomic increment, no
    /// thread started. Every clone submits, reads statistics and shuts down the same pool;
    /// see the type's "Clones" section.
    fn clone(&self) -> Self {
        self.shared.owners.fetch_add(1, Ordering::Relaxed);
        Self {
            shared: Arc::clone(&self.shared),
        }
    }
}

impl Drop for ThreadPool {
    /// For the last handle, [`shutdown`](ThreadPool::shutdown) with the builder's
    /// [`drop_timeout`](PoolBuilder::drop_timeout); for other clones, nothing. See the type's
    /// "Drop" section.
    fn drop(&mut self) {
        // AcqRel: the last owner sees every other owner's submissions before closing.
        if self.shared.owners.fetch_sub(1, Ordering::AcqRel) == 1 {
            self.shutdown(self.shared.config.drop_timeout);
        }
    }
}
