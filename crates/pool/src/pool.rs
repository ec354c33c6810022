//! [`ThreadPool`]: the shared state, submission (with growth and rejection), statistics and
//! shutdown. Workers live in `worker.rs`; scoped work in `scope.rs`.
//!
//! # The fast path
//!
//! `submit` allocates the task and its result slot, takes a task id from its thread's block
//! (`task_id.rs`), and, in a fixed-size pool (core == max threads), reserves a place in the
//! tally and pushes onto the lock-free intake without taking the pool lock; it locks only to
//! wake a parked worker (see `intake.rs`). Elastic pools, a full queue and shutdown take the locked
//! path: move the intake into the priority queue, then push there. No clock, no tracing, no
//! thread start while a worker is idle or the pool is at its core size.

use std::fmt;
use std::time::{Duration, Instant};

use crossbeam_utils::CachePadded;
use selvedge_locks::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use selvedge_locks::sync::{Arc, PlainCondvar, PlainMutex, PlainMutexGuard, thread};

use crate::broadcast::{self, Broadcasts};
use crate::builder::Config;
use crate::engine::intake::{self, Hints, IDLE, Intake};
use crate::engine::job::{Job, PlainTask, RunCtx, TaskImpl};
use crate::engine::monitor;
use crate::engine::queue::PriorityQueue;
use crate::engine::{events, task_id, worker};
use crate::stats::Counters;
use crate::{
    PendingTask, PoolBuilder, PoolStats, Priority, RejectionPolicy, ShutdownReport, SubmitError,
    TaskBuilder, TaskHandle, handle::ResultSlot,
};

/// A started worker: its handle (joined at shutdown) and its identity.
pub(crate) struct WorkerEntry {
    pub(crate) thread: thread::Thread,
    pub(crate) handle: thread::JoinHandle<()>,
    /// The first broadcast sequence number this worker has not considered yet (see
    /// `broadcast.rs`); changed only under the pool lock.
    pub(crate) broadcasts_seen: u64,
}

/// Everything guarded by the pool lock.
///
/// `repr(C)` keeps the fields every submission and every pop touch (the counts, then the
/// queue's header and levels) together right after the lock word, so handing the lock
/// between a submitter and a worker moves as few cache lines as possible; the cold fields
/// come last.
#[repr(C)]
pub(crate) struct State {
    /// `false` once `shutdown` or `shutdown_now` began: submissions are refused.
    pub(crate) accepting: bool,
    /// The current `core_threads` (the builder's, lowered by `set_max_threads` below it).
    pub(crate) core: usize,
    /// The current `max_threads` (the builder's, or the last `set_max_threads`).
    pub(crate) max: usize,
    /// Live workers (started and not yet uncounted on exit).
    pub(crate) threads: usize,
    /// Parked workers nobody has claimed (see `worker.rs`, "Idle accounting").
    pub(crate) idle: usize,
    /// Parked workers a submitter has claimed and notified, not yet awake.
    pub(crate) wakeups: usize,
    /// Workers started and not yet at the queue: each will take a task without a wake-up.
    pub(crate) starting: usize,
    /// Submitters waiting for queue space (`RejectionPolicy::Block`).
    pub(crate) blocked: usize,
    /// Jobs a worker took out of the queue and has not finished (re-locked after) yet:
    /// with `reserved() == 0`, zero means idle (see [`ThreadPool::wait_idle`]). Changed
    /// under the lock workers take around every task anyway, on the line it already writes.
    pub(crate) running: usize,
    /// Callers in `wait_idle`; while zero, finishing a task notifies nobody.
    pub(crate) idle_waiters: usize,
    /// Those of `idle_waiters` that are the pool's own workers (a task waiting for the pool
    /// to be idle): each counts as running, so idle means `running == idle_waiting_workers`.
    pub(crate) idle_waiting_workers: usize,
    pub(crate) queue: PriorityQueue<Job>,
    pub(crate) peak: usize,
    pub(crate) workers: Vec<WorkerEntry>,
    /// Workers ever started (names them).
    pub(crate) spawned: u64,
    /// The monitor thread (`PoolBuilder::monitor`), joined by a completed shutdown.
    pub(crate) monitor: Option<thread::JoinHandle<()>>,
    /// Tasks ever taken out of the queue, modulo 2^40 (see `intake.rs`).
    pub(crate) popped: u64,
    /// The intake ring's consumer position: ring indices ever moved into the queue, modulo
    /// 2^40. Only the lock holder consumes the ring, so this is exact here.
    pub(crate) taken: u64,
    /// The `taken` last published in `Shared::hints`.
    pub(crate) taken_published: u64,
    /// Counted tasks ever moved from the ring into the queue: every accepted task passes
    /// there once, so `stats().submitted` is this plus the refused and caller-run ones
    /// (no counter bumped per submission, see `task_id.rs`).
    pub(crate) accepted: u64,
    /// Completions of handle-less tasks counted by workers under this lock (see
    /// `RunCtx::completed_here`); `stats().completed` adds `Counters::completed`.
    pub(crate) completed: u64,
    /// Open broadcasts; a worker reads their sequence number before every pop.
    pub(crate) broadcasts: Broadcasts,
}

/// The state workers, handles-to-the-pool and the pool itself share.
pub(crate) struct Shared {
    pub(crate) state: PlainMutex<State>,
    /// Parked workers wait here for work or shutdown.
    pub(crate) work: PlainCondvar,
    /// Blocked submitters wait here for queue space or shutdown.
    pub(crate) space: PlainCondvar,
    /// `shutdown` waits here for workers to exit.
    pub(crate) exited: PlainCondvar,
    /// `wait_idle` waits here for the last running task to finish.
    pub(crate) drained: PlainCondvar,
    /// The monitor sleeps here between reports; `close` wakes it to stop.
    pub(crate) monitor_wake: PlainCondvar,
    /// Blocking broadcasts wait here for their last share; a new broadcast wakes the
    /// waiting workers so they run their share of it.
    pub(crate) broadcast_done: PlainCondvar,
    pub(crate) config: Config,
    pub(crate) counters: Counters,
    /// Reserved tasks, idle workers and the closed bit in one word (see `intake.rs`). Its
    /// `pushed` part also tells spinning workers, without the lock, that work arrived.
    pub(crate) tally: CachePadded<AtomicU64>,
    /// `State::popped` and `State::taken` as last published; fast-path submitters check the
    /// capacity and the ring's room against them (see `intake.rs`).
    pub(crate) hints: CachePadded<Hints>,
    /// The ring every submission passes through, moved into `State::queue` under the lock.
    pub(crate) intake: Intake,
    /// The capacity fast-path submissions reserve against, or `None` where they may never
    /// run (turned off in the builder; capacities over `FAST_CAPACITY_MAX`). While the pool
    /// is elastic the tally's `LOCKED_ONLY` bit turns them off too (see `intake.rs`).
    pub(crate) fast_capacity: Option<u64>,
    /// `ThreadPool` values sharing this pool (clones); the last one dropped shuts it down.
    pub(crate) owners: AtomicUsize,
    /// Workers that found the queue empty (or nothing reserved after a task) and yield
    /// briefly, without the lock, before looking again. Changed without the lock so a spin
    /// round costs no lock traffic; each count stands for a worker that will still look at the
    /// queue under the lock after its decrement (see `worker.rs`, "Spinning").
    pub(crate) spinning: CachePadded<AtomicUsize>,
}

/// Why `enqueue` did not queue a job; each variant gives the job back.
pub(crate) enum NotQueued {
    /// The policy says the caller runs it.
    RunHere(Job),
    /// Refused; the job was never started.
    Refused(SubmitError, Job),
}

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
///    before parking), one more worker is started: "a task waits and nobody is idle";
/// 3. when the queue is full but the pool is below `max_threads`, the task is still accepted
///    and a worker is woken or started for it, so the queue exceeds its capacity by at most
///    `max_threads` tasks, each with a worker on its way.
///
/// Only a full queue at `max_threads` invokes the [`RejectionPolicy`]. Workers above
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
        let core = config.core;
        let intake = Intake::new(config.queue_capacity);
        let fast_capacity = (config.fast_path
            && config.queue_capacity <= intake::FAST_CAPACITY_MAX)
            .then_some(config.queue_capacity as u64);
        let tally = if config.core == config.max {
            0
        } else {
            intake::LOCKED_ONLY
        };
        let shared = Arc::new(Shared {
            state: PlainMutex::new(State {
                queue: PriorityQueue::new(),
                accepting: true,
                core: config.core,
                max: config.max,
                threads: 0,
                peak: 0,
                idle: 0,
                wakeups: 0,
                starting: 0,
                blocked: 0,
                running: 0,
                idle_waiters: 0,
                idle_waiting_workers: 0,
                monitor: None,
                // Grows as workers start: never in proportion to `max_threads`, which may be
                // far above what the OS will ever start.
                workers: Vec::new(),
                spawned: 0,
                popped: 0,
                taken: 0,
                taken_published: 0,
                accepted: 0,
                completed: 0,
                broadcasts: Broadcasts::new(),
            }),
            work: PlainCondvar::new(),
            space: PlainCondvar::new(),
            exited: PlainCondvar::new(),
            drained: PlainCondvar::new(),
            monitor_wake: PlainCondvar::new(),
            broadcast_done: PlainCondvar::new(),
            config,
            counters: Counters::default(),
            tally: CachePadded::new(AtomicU64::new(tally)),
            hints: CachePadded::new(Hints::default()),
            intake,
            fast_capacity,
            owners: AtomicUsize::new(1),
            spinning: CachePadded::new(AtomicUsize::new(0)),
        });
        let pool = Self { shared };
        {
            let mut st = pool.shared.state.lock();
            for _ in 0..core {
                if let Err(msg) = worker::spawn_worker(&pool.shared, &mut st) {
                    drop(st);
                    pool.shutdown(Duration::from_secs(10));
                    return Err(crate::BuildError::Spawn(msg));
                }
            }
            if let Some(interval) = pool.shared.config.monitor {
                match monitor::spawn(&pool.shared, interval) {
                    Ok(handle) => st.monitor = Some(handle),
                    Err(msg) => {
                        drop(st);
                        pool.shutdown(Duration::from_secs(10));
                        return Err(crate::BuildError::Spawn(msg));
                    }
                }
            }
        }
        Ok(pool)
    }

    pub(crate) fn shared(&self) -> &Arc<Shared> {
        &self.shared
    }

    /// Submits `f` at [`Priority::Normal`] with no deadline or callbacks.
    ///
    /// # Errors
    ///
    /// A [`SubmitError`] when the pool is shut down, or saturated and the
    /// [`RejectionPolicy`] refuses (the task is then dropped unrun and counted `rejected`).
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
        self.dispatch(job)
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
        self.dispatch(job)
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
        self.dispatch(job)?;
        Ok(TaskHandle::new(slot, id))
    }

    /// Queues a counted job, or applies the rejection policy.
    #[inline]
    fn dispatch(&self, job: Job) -> Result<(), SubmitError> {
        let shared = &self.shared;
        if let Some(capacity) = shared.fast_capacity
            && let Some(before) =
                intake::reserve(&shared.tally, &shared.hints, capacity, shared.intake.len())
        {
            // SAFETY: `reserve` gave us this index alone, and checked the ring's room against
            // the consumer's `taken`, read with acquire.
            #[allow(unsafe_code)]
            unsafe {
                shared.intake.write(before & intake::COUNT_MASK, job);
            }
            if intake::idle(before) > 0 {
                self.wake_parked();
            }
            return Ok(());
        }
        self.dispatch_locked(job)
    }

    /// A worker was parked when the fast path reserved: hand the work to one. If another
    /// submitter claimed it first, that worker will find this job too (a worker parks only
    /// with nothing reserved).
    #[cold]
    fn wake_parked(&self) {
        let shared = &self.shared;
        let mut st = shared.state.lock();
        if st.idle > 0 {
            st.claim_idle(shared);
            shared.work.notify_one();
        }
    }

    /// The locked path of [`dispatch`](Self::dispatch).
    fn dispatch_locked(&self, job: Job) -> Result<(), SubmitError> {
        match self.enqueue(job, self.shared.config.policy) {
            Ok(()) => Ok(()),
            Err(NotQueued::RunHere(job)) => {
                self.run_on_caller(job);
                Ok(())
            }
            Err(NotQueued::Refused(err, job)) => {
                if job.counted() {
                    Counters::bump(&self.shared.counters.rejected);
                }
                events::task_rejected(&self.shared.config.name, job.id(), &err.to_string());
                Err(err)
            }
        }
    }

    /// Caller-runs: the job runs here, exactly as a worker would run it.
    #[cold]
    fn run_on_caller(&self, job: Job) {
        if job.counted() {
            Counters::bump(&self.shared.counters.ran_on_caller);
        }
        worker::execute(&self.shared, job, None);
    }

    /// Queues `job` and makes sure a worker will take it; see the growth rule on
    /// [`ThreadPool`]. `policy` applies when the pool is saturated (the pool's own, or
    /// `Reject` for scope tickets, which must never block a worker).
    pub(crate) fn enqueue(&self, job: Job, policy: RejectionPolicy) -> Result<(), NotQueued> {
        let shared = &self.shared;
        let mut st = shared.state.lock();
        let mut deadline = None;
        loop {
            // Earlier fast-path submissions (this caller's included) go first: FIFO holds.
            st.take_intake(shared);
            if !st.accepting {
                return Err(NotQueued::Refused(SubmitError::Shutdown, job));
            }
            let full = st.reserved(shared) >= shared.config.queue_capacity as u64;
            if !full || st.threads < st.max {
                let priority = job.priority();
                let Some(index) =
                    intake::reserve_locked(&shared.tally, st.taken, shared.intake.len())
                else {
                    // The ring is full of fast-path reservations still being written; their
                    // submitters never wait, so let them run.
                    drop(st);
                    thread::yield_now();
                    st = shared.state.lock();
                    continue;
                };
                if index == st.taken {
                    // Nothing reserved ahead of us (every earlier index is taken): skip the
                    // slot and queue directly, as the consumer we are. Scope tickets take
                    // this path many times per scope; a trip through the ring cost them ~10%.
                    st.taken = (index + 1) & intake::COUNT_MASK;
                    st.queue_taken(job);
                } else {
                    // SAFETY: `index` is ours alone, and `reserve_locked` checked the room
                    // against `taken`, exact under the lock we hold.
                    #[allow(unsafe_code)]
                    unsafe {
                        shared.intake.write(index, job);
                    }
                    // Into the queue at once, after the reservations ahead of it that are
                    // written (FIFO).
                    st.take_intake(shared);
                }
                if st.idle > 0 {
                    st.claim_idle(shared);
                    shared.work.notify_one();
                } else if st.threads < st.max
                    && (full
                        || st.queue.len()
                            > st.wakeups + st.starting + shared.spinning.load(Ordering::Relaxed))
                {
                    return self.grow(st, priority, full);
                }
                return Ok(());
            }
            match policy {
                RejectionPolicy::Reject => return Err(NotQueued::Refused(SubmitError::Full, job)),
                RejectionPolicy::CallerRuns => return Err(NotQueued::RunHere(job)),
                // A worker of this pool waiting for space only workers free could wait for
                // itself (forever, in a one-worker pool): it runs the task instead.
                RejectionPolicy::Block(_) if self.on_own_worker(&st) => {
                    return Err(NotQueued::RunHere(job));
                }
                RejectionPolicy::Block(timeout) => {
                    let until =
                        *deadline.get_or_insert_with(|| Instant::now().checked_add(timeout));
                    st.blocked += 1;
                    let timed_out = match until {
                        Some(until) => shared.space.wait_until(&mut st, until).timed_out(),
                        None => {
                            shared.space.wait(&mut st);
                            false
                        }
                    };
                    st.blocked -= 1;
                    if timed_out
                        && st.reserved(shared) >= shared.config.queue_capacity as u64
                        && st.accepting
                    {
                        return Err(NotQueued::Refused(SubmitError::Timeout, job));
                    }
                }
            }
        }
    }

    /// Starts a worker for the job just queued at `priority`. If the OS refuses and no worker
    /// could take the job (none alive, or it was queued over capacity), takes it back out.
    #[cold]
    fn grow(
        &self,
        mut st: PlainMutexGuard<'_, State>,
        priority: Priority,
        over_capacity: bool,
    ) -> Result<(), NotQueued> {
        match worker::spawn_worker(&self.shared, &mut st) {
            Ok(()) => Ok(()),
            // The job queued under this same lock is still the newest of its level.
            Err(msg) if st.threads == 0 || over_capacity => match st.queue.pop_newest(priority) {
                Some(job) => {
                    st.count_popped(1);
                    st.notify_if_idle(&self.shared);
                    // Refused after all: counted as rejected, not as accepted.
                    st.accepted -= u64::from(job.counted());
                    Err(NotQueued::Refused(SubmitError::SpawnFailed(msg), job))
                }
                None => Ok(()),
            },
            Err(_) => Ok(()),
        }
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
    /// It reads the counts the pool keeps anyway (tasks reserved, tasks being run, under
    /// the pool lock), and the last worker to finish wakes it: no polling.
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
        let deadline = Instant::now().checked_add(timeout);
        let shared = &self.shared;
        let mut st = shared.state.lock();
        let own = usize::from(self.on_own_worker(&st));
        st.idle_waiters += 1;
        st.idle_waiting_workers += own;
        if own == 1 {
            // One more task counted as waiting may be what other waiters lacked.
            st.notify_if_idle(shared);
        }
        let me = thread::current();
        let mut timed_out = false;
        let idle = loop {
            st.take_intake(shared);
            // A waiting worker runs its broadcast shares: the pool is not idle without them.
            if own == 1
                && let Some(job) = broadcast::take_own(shared, &mut st, &me)
            {
                drop(st);
                worker::execute(shared, job, None);
                st = shared.state.lock();
                continue;
            }
            if st.is_idle(shared) {
                break true;
            }
            if timed_out {
                break false;
            }
            timed_out = match deadline {
                Some(deadline) => shared.drained.wait_until(&mut st, deadline).timed_out(),
                None => {
                    shared.drained.wait(&mut st);
                    false
                }
            };
        };
        st.idle_waiters -= 1;
        st.idle_waiting_workers -= own;
        if idle {
            Ok(())
        } else {
            Err(crate::WaitTimeout)
        }
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
        let shared = &self.shared;
        let mut st = shared.state.lock();
        st.max = n;
        st.core = st.core.min(n);
        // Under the lock, so the bit always matches the limits a locked submitter reads.
        if st.core == st.max {
            shared
                .tally
                .fetch_and(!intake::LOCKED_ONLY, Ordering::AcqRel);
        } else {
            shared.tally.fetch_or(intake::LOCKED_ONLY, Ordering::AcqRel);
        }
        if st.threads > n {
            // Parked surplus workers retire when woken (see `worker.rs`, "Retirement");
            // the others keep counting as parked, so the accounting stays exact.
            shared.work.notify_all();
        }
        // Growing: the growth rule for the work already queued.
        st.take_intake(shared);
        while st.accepting
            && st.idle == 0
            && st.threads < st.max
            && st.queue.len() > st.wakeups + st.starting + shared.spinning.load(Ordering::Relaxed)
        {
            if worker::spawn_worker(shared, &mut st).is_err() {
                // The queued work still has every live worker; later submissions try again.
                break;
            }
        }
        Ok(())
    }

    /// Whether the calling thread is one of this pool's workers.
    pub(crate) fn on_own_worker(&self, st: &State) -> bool {
        let me = thread::current().id();
        st.workers.iter().any(|w| w.thread.id() == me)
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
        let shared = &self.shared;
        let mut st = shared.close();
        shared.work.notify_all();
        shared.space.notify_all();
        let own = usize::from(self.on_own_worker(&st));
        while st.threads > own {
            let timed_out = match deadline {
                Some(deadline) => shared.exited.wait_until(&mut st, deadline).timed_out(),
                None => {
                    shared.exited.wait(&mut st);
                    false
                }
            };
            if timed_out {
                break;
            }
        }
        let still_running = st.threads - own;
        let queued = st.queue.len() + st.broadcasts.untaken();
        let to_join = if still_running == 0 && own == 0 {
            std::mem::take(&mut st.workers)
        } else {
            Vec::new()
        };
        // `close` told the monitor to stop; it takes no lock but ours on its way out.
        let monitor = st
            .monitor
            .take_if(|m| m.thread().id() != thread::current().id());
        drop(st);
        for entry in to_join {
            // Every worker has uncounted itself, so this waits only for thread teardown;
            // workers contain every user panic, so the result carries nothing.
            let _ = entry.handle.join();
        }
        if let Some(monitor) = monitor {
            let _ = monitor.join();
        }
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
        let (shares, jobs) = {
            let mut st = self.shared.close();
            self.shared.work.notify_all();
            self.shared.space.notify_all();
            // Broadcast shares run ahead of every queued task, so they come back first.
            let shares = st.broadcasts.drain(&self.shared);
            let jobs = st.queue.drain();
            st.count_popped(jobs.len() as u64);
            st.notify_if_idle(&self.shared);
            (shares, jobs)
        };
        let counters = &self.shared.counters;
        shares
            .into_iter()
            .chain(jobs)
            .filter_map(|job| {
                if job.claim() {
                    if job.counted() {
                        Counters::bump(&counters.handed_back);
                    }
                    Some(PendingTask::new(job, Arc::clone(&self.shared)))
                } else {
                    if job.counted() {
                        Counters::bump(&counters.cancelled);
                    }
                    None
                }
            })
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
        !self.shared.state.lock().accepting
    }
}

impl State {
    /// Whether every task accepted so far has finished: none reserved (queued, in the ring,
    /// or being written there) and none running but those waiting in `wait_idle` themselves.
    pub(crate) fn is_idle(&self, shared: &Shared) -> bool {
        self.running <= self.idle_waiting_workers
            && self.reserved(shared) == 0
            && self.broadcasts.untaken() == 0
    }

    /// Wakes `wait_idle` callers if the pool just became idle. Costs one comparison while
    /// nobody waits, so the worker calls it after every task.
    #[inline]
    pub(crate) fn notify_if_idle(&self, shared: &Shared) {
        if self.idle_waiters > 0 && self.is_idle(shared) {
            shared.drained.notify_all();
        }
    }

    /// Tasks accepted and not yet taken out of the queue, exactly (the caller holds the lock).
    pub(crate) fn reserved(&self, shared: &Shared) -> u64 {
        intake::reserved(shared.tally.load(Ordering::Acquire), self.popped)
    }

    /// Counts `n` tasks taken out of the queue (popped, taken back, handed back).
    pub(crate) fn count_popped(&mut self, n: u64) {
        self.popped = self.popped.wrapping_add(n) & intake::COUNT_MASK;
    }

    /// Moves the jobs written to the intake ring into the priority queue, in ring order, up
    /// to the first reservation not yet written. Called under the pool lock before every pop,
    /// locked push, snapshot and close. Publishes `taken` every quarter ring.
    #[inline]
    pub(crate) fn take_intake(&mut self, shared: &Shared) {
        // SAFETY: we hold the pool lock, so we are the ring's only consumer, and `taken` is
        // its position.
        #[allow(unsafe_code)]
        while let Some(job) = unsafe { shared.intake.pop(&mut self.taken) } {
            self.queue_taken(job);
        }
        let unpublished = self.taken.wrapping_sub(self.taken_published) & intake::COUNT_MASK;
        if unpublished >= (shared.intake.len() / 4).max(1) {
            self.publish_taken(shared);
        }
    }

    /// Queues a job whose ring index was just taken, counting it as accepted.
    fn queue_taken(&mut self, job: Job) {
        self.accepted += u64::from(job.counted());
        self.queue.push(job.priority(), job);
    }

    /// Tells fast-path submitters the exact `taken` (release: the slots below it are read).
    pub(crate) fn publish_taken(&mut self, shared: &Shared) {
        if self.taken != self.taken_published {
            self.taken_published = self.taken;
            shared.hints.taken.store(self.taken, Ordering::Release);
        }
    }

    /// A submitter hands work to a parked worker: `idle -= 1; wakeups += 1`, mirrored in the
    /// tally. The caller notifies once.
    pub(crate) fn claim_idle(&mut self, shared: &Shared) {
        self.idle -= 1;
        self.wakeups += 1;
        shared.tally.fetch_sub(IDLE, Ordering::AcqRel);
    }
}

impl Shared {
    /// See [`ThreadPool::stats`].
    pub(crate) fn stats(&self) -> PoolStats {
        let c = &self.counters;
        let (threads, parked, peak, queued, accepted, completed) = {
            let mut st = self.state.lock();
            st.take_intake(self);
            let mut queued = Priority::ALL.map(|p| st.queue.len_of(p));
            queued[Priority::Urgent.index()] += st.broadcasts.untaken();
            (
                st.threads,
                st.idle + st.wakeups,
                st.peak,
                queued,
                st.accepted,
                st.completed,
            )
        };
        let rejected = c.rejected.load(Ordering::Relaxed);
        PoolStats {
            submitted: accepted + rejected + c.ran_on_caller.load(Ordering::Relaxed),
            completed: completed + c.completed.load(Ordering::Relaxed),
            failed: c.failed.load(Ordering::Relaxed),
            rejected,
            expired: c.expired.load(Ordering::Relaxed),
            cancelled: c.cancelled.load(Ordering::Relaxed),
            handed_back: c.handed_back.load(Ordering::Relaxed),
            active: threads - parked,
            idle: parked,
            threads,
            peak_threads: peak,
            queued,
            busy: Duration::from_nanos(c.busy_ns.load(Ordering::Relaxed)),
        }
    }

    /// Stops intake (no new reservation, locked submissions refused), then waits until every
    /// submitter that reserved before has pushed, and queues it all; returns the lock. It
    /// yields with the lock released between looks, so workers keep running tasks meanwhile.
    /// Afterwards nothing can reach the intake, so the queue holds
    /// every accepted, unstarted task.
    pub(crate) fn close(&self) -> PlainMutexGuard<'_, State> {
        let mut st = self.state.lock();
        self.tally.fetch_or(intake::CLOSED, Ordering::AcqRel);
        st.accepting = false;
        self.monitor_wake.notify_all();
        loop {
            st.take_intake(self);
            if st.reserved(self) == st.queue.len() as u64 {
                st.publish_taken(self);
                return st;
            }
            drop(st);
            thread::yield_now();
            st = self.state.lock();
        }
    }

    /// Runs a handed-back job on the calling thread (outcome not counted again).
    pub(crate) fn run_handed_back(&self, job: Job) {
        let ctx = RunCtx {
            pool: &self.config.name,
            task_id: job.id(),
            counters: None,
            completed_here: None,
        };
        job.run(ctx);
    }
}

impl Drop for Shared {
    /// Every close drains the ring, so this finds it empty; it is here so that no path can
    /// leak a job's captures (or leave its joiner blocked) by dropping the ring's bytes.
    fn drop(&mut self) {
        let mut st = self.state.lock();
        st.take_intake(self);
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
