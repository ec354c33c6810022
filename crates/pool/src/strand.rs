//! [`Strand`]: a serial executor on a pool. Tasks of one strand run one at a time, in
//! submission order, on the pool's workers, and occupy no worker while the strand is idle.
//!
//! # Protocol
//!
//! One mutex guards the strand's queue and its `running` flag. `running` is true while a
//! *drain* (one pool task that runs the strand's queue) is scheduled or running; at most one
//! exists, so at most one task of the strand runs at a time, and it pops the queue front to
//! back, so they run in order.
//!
//! | event | under the lock | then |
//! | --- | --- | --- |
//! | `execute`, `running` false | push, `running = true` | submit a drain to the pool |
//! | `execute`, `running` true | push | nothing: the drain will find it |
//! | drain pops, queue empty | `running = false` | return: the strand is idle |
//! | drain ran `batch` tasks | queue not empty: keep `running` | submit the next drain, return |
//!
//! The drain hands over to a fresh pool task every `batch` tasks, so one busy strand takes
//! its turn in the pool's FIFO with other work instead of keeping a worker.
//!
//! # Refusals
//!
//! - The drain `execute` starts is refused (pool shut down, or saturated under
//!   [`RejectionPolicy::Reject`](crate::RejectionPolicy::Reject) or `Block`): that task is
//!   taken back out of the queue and returned in the [`StrandError`], `running` goes back to
//!   false. Tasks other threads queued meanwhile (they saw `running` and returned `Ok`) stay
//!   queued, in order, and run once a later `execute` or [`Strand::resume`] gets a drain
//!   accepted; [`Strand::close`] hands them back instead.
//! - A drain's hand-over is refused: the drain keeps running the queue on the worker it is
//!   on, so order holds and nothing waits for a drain that does not exist. If the pool is
//!   saturated it tries handing over again after the next batch; if it is shut down, the
//!   strand stops taking tasks (later `execute`s get [`SubmitError::Shutdown`]) and the drain
//!   runs what was accepted, as the pool's graceful shutdown runs its accepted tasks.
//!
//! # Caller-runs pools
//!
//! Under [`RejectionPolicy::CallerRuns`](crate::RejectionPolicy::CallerRuns) the pool may run
//! a drain inside the `execute` that submits it. Such a drain would hand over by submitting
//! again, be run inline again, and nest once per batch. To keep the stack flat, whoever
//! submits a drain records its thread in `handoff` while it does; a drain that starts on that
//! same thread is running inline, and runs the queue to empty instead of handing over (which
//! is what caller-runs asks for: the caller does the work).

use std::collections::VecDeque;
use std::fmt;
use std::num::NonZeroUsize;
use std::panic::{AssertUnwindSafe, catch_unwind};

use selvedge_locks::sync::atomic::{AtomicU64, Ordering};
use selvedge_locks::sync::{Arc, PlainCondvar, PlainMutex, PlainMutexGuard, thread};
use selvedge_trace::{events, targets};

use crate::{SubmitError, ThreadPool};

/// Tasks a drain runs before handing over to a fresh pool task.
const DEFAULT_BATCH: NonZeroUsize = NonZeroUsize::new(32).expect("32 is not zero");

/// A task queued on a strand: the boxed closure.
type Work = Box<dyn FnOnce() + Send + 'static>;

/// A serial executor on a [`ThreadPool`]: tasks submitted to one strand run one at a time, in
/// submission order, on the pool's workers. Many strands share one pool, and an idle strand
/// occupies no worker: it costs one small allocation and no thread.
///
/// A strand is a handle: clones share one queue. It keeps the pool alive (it holds an
/// `Arc<ThreadPool>`), and dropping every handle loses nothing: tasks already queued still
/// run.
///
/// - **Order and exclusion**: a task starts after every task submitted to the same strand
///   before it (by any thread: the order is that of the strand's lock) has finished, so tasks
///   of one strand never overlap and each sees the writes of those before it. Tasks of
///   different strands run in parallel.
/// - **Fairness**: a busy strand hands its worker back to the pool every `batch` tasks (32 by
///   default, [`with_batch`](Self::with_batch)), so it cannot keep a worker from other work.
/// - **Panics** are contained: the panicking task is counted ([`panicked`](Self::panicked)),
///   reported as a `pool.strand_task_panicked` tracing event, and the next task runs.
/// - **Refusals** never break the order silently: see [`StrandError`] and
///   [`resume`](Self::resume).
///
/// # Examples
///
/// Python services keep one queue and one thread per key so that the work of one user (or
/// room, or account) stays in order:
///
/// ```python
/// queues = defaultdict(queue.Queue)            # one queue and one thread per user
/// def submit(user, job):
///     if user not in queues:
///         threading.Thread(target=drain, args=(queues[user],), daemon=True).start()
///     queues[user].put(job)
/// def drain(q):
///     while True:
///         q.get()()
/// ```
///
/// With strands the threads are the pool's, shared by every key, and an idle key costs no
/// thread:
///
/// ```
/// use selvedge_pool::{Strand, ThreadPool};
/// use std::collections::HashMap;
/// use std::sync::{Arc, Mutex};
///
/// let pool = Arc::new(ThreadPool::builder().max_threads(2).build()?);
/// let mut strands: HashMap<&str, Strand> = HashMap::new();
/// let log = Arc::new(Mutex::new(Vec::new()));
/// for step in 0..3 {
///     for user in ["ada", "bob"] {
///         let strand = strands.entry(user).or_insert_with(|| Strand::new(&pool));
///         let log = Arc::clone(&log);
///         strand.execute(move || log.lock().unwrap().push((user, step)))?;
///     }
/// }
/// for strand in strands.values() {
///     strand.wait_idle();
/// }
/// let log = log.lock().unwrap();
/// for user in ["ada", "bob"] {
///     let steps: Vec<_> = log.iter().filter(|(u, _)| *u == user).map(|(_, s)| *s).collect();
///     assert_eq!(steps, [0, 1, 2]); // in order per user, whatever the interleaving
/// }
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Clone)]
pub struct Strand {
    inner: Arc<Inner>,
}

/// What the strand's handles and its drain share.
struct Inner {
    pool: Arc<ThreadPool>,
    state: PlainMutex<State>,
    /// Notified when `running` goes false.
    idle: PlainCondvar,
    batch: usize,
    panicked: AtomicU64,
}

/// Everything guarded by the strand lock.
struct State {
    /// Queued tasks, each with its submission number (so a refused `execute` finds its own).
    queue: VecDeque<(u64, Work)>,
    /// The next submission number.
    next: u64,
    /// A drain is scheduled or running (see the module docs' table).
    running: bool,
    /// `close` was called: no new task is taken.
    closed: bool,
    /// A drain's hand-over found the pool shut down: no new task is taken.
    pool_shut: bool,
    /// The thread submitting a drain right now, if any (see "Caller-runs pools").
    handoff: Option<thread::Thread>,
}

impl State {
    /// Whether `me` is submitting a drain right now (so a drain starting on it runs inline).
    fn handing_off(&self, me: &thread::Thread) -> bool {
        self.handoff.as_ref().is_some_and(|t| t.id() == me.id())
    }

    /// Ends `me`'s hand-over, unless another thread's has begun since.
    fn end_handoff(&mut self, me: &thread::Thread) {
        if self.handing_off(me) {
            self.handoff = None;
        }
    }
}

impl fmt::Debug for Strand {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let st = self.inner.state.lock();
        f.debug_struct("Strand")
            .field("pool", &self.inner.pool.name())
            .field("queued", &st.queue.len())
            .field("running", &st.running)
            .field("closed", &st.closed)
            .finish_non_exhaustive()
    }
}

impl Strand {
    /// A strand on `pool`, handing its worker back every 32 tasks.
    ///
    /// ```
    /// use selvedge_pool::{Strand, ThreadPool};
    /// use std::sync::Arc;
    ///
    /// let pool = Arc::new(ThreadPool::builder().build().unwrap());
    /// let strand = Strand::new(&pool);
    /// strand.execute(|| println!("on a worker")).unwrap();
    /// strand.wait_idle();
    /// ```
    pub fn new(pool: &Arc<ThreadPool>) -> Self {
        Self::with_batch(pool, DEFAULT_BATCH)
    }

    /// A strand on `pool` whose drain runs at most `batch` tasks before handing its worker
    /// back to the pool. 1 is the fairest (one pool task per strand task); larger batches
    /// cost fewer pool submissions.
    ///
    /// ```
    /// use selvedge_pool::{Strand, ThreadPool};
    /// use std::num::NonZeroUsize;
    /// use std::sync::Arc;
    ///
    /// let pool = Arc::new(ThreadPool::builder().build().unwrap());
    /// let strand = Strand::with_batch(&pool, NonZeroUsize::MIN);
    /// strand.execute(|| ()).unwrap();
    /// strand.wait_idle();
    /// ```
    pub fn with_batch(pool: &Arc<ThreadPool>, batch: NonZeroUsize) -> Self {
        Self {
            inner: Arc::new(Inner {
                pool: Arc::clone(pool),
                state: PlainMutex::new(State {
                    queue: VecDeque::new(),
                    next: 0,
                    running: false,
                    closed: false,
                    pool_shut: false,
                    handoff: None,
                }),
                idle: PlainCondvar::new(),
                batch: batch.get(),
                panicked: AtomicU64::new(0),
            }),
        }
    }

    /// Queues `f` to run after every task submitted to this strand before it. If the strand
    /// was idle, submits one drain to the pool; otherwise takes no pool resource.
    ///
    /// # Errors
    ///
    /// A [`StrandError`] holding `f`, unrun and never to run, when the strand is closed, when
    /// its pool shut down, or when the strand was idle and the pool refused the drain that
    /// would have run `f` (see [`StrandRefusal`]).
    ///
    /// ```
    /// use selvedge_pool::{Strand, ThreadPool};
    /// use std::sync::{Arc, Mutex};
    ///
    /// let pool = Arc::new(ThreadPool::builder().build().unwrap());
    /// let strand = Strand::new(&pool);
    /// let seen = Arc::new(Mutex::new(Vec::new()));
    /// for i in 0..10 {
    ///     let seen = Arc::clone(&seen);
    ///     strand.execute(move || seen.lock().unwrap().push(i)).unwrap();
    /// }
    /// strand.wait_idle();
    /// assert_eq!(*seen.lock().unwrap(), (0..10).collect::<Vec<_>>());
    /// ```
    pub fn execute<F>(&self, f: F) -> Result<(), StrandError>
    where
        F: FnOnce() + Send + 'static,
    {
        let work: Work = Box::new(f);
        let (me, number) = {
            let mut st = self.inner.state.lock();
            if let Some(refusal) = st.refusal() {
                return Err(StrandError::new(refusal, work));
            }
            let number = st.next;
            st.next += 1;
            st.queue.push_back((number, work));
            if st.running {
                return Ok(());
            }
            // Only the submission that starts a drain needs its thread (see "Caller-runs").
            let me = thread::current();
            st.running = true;
            st.handoff = Some(me.clone());
            (me, number)
        };
        let Err(err) = Inner::schedule(&self.inner, &me) else {
            return Ok(());
        };
        // No drain exists and `running` is still ours, so nobody has popped since our push:
        // our task is still queued, behind any stalled ones, ahead of any queued since.
        let mut st = self.inner.state.lock();
        st.running = false;
        let at = st.queue.iter().rposition(|(n, _)| *n == number);
        let work = at.and_then(|at| st.queue.remove(at)).map(|(_, work)| work);
        drop(st);
        self.inner.idle.notify_all();
        match work {
            Some(work) => Err(StrandError::new(StrandRefusal::Pool(err), work)),
            // Unreachable by the argument above; were it wrong, the task is still queued and
            // will run, so reporting success is the truthful answer.
            None => Ok(()),
        }
    }

    /// Submits a drain for tasks left queued by a refused `execute` (see [`StrandError`]), if
    /// there are any and no drain is scheduled. Returns `Ok` when there is nothing to resume.
    ///
    /// # Errors
    ///
    /// The pool's [`SubmitError`] if it refused the drain again; the tasks stay queued.
    ///
    /// ```
    /// use selvedge_pool::{Strand, ThreadPool};
    /// use std::sync::Arc;
    ///
    /// let pool = Arc::new(ThreadPool::builder().build().unwrap());
    /// let strand = Strand::new(&pool);
    /// assert_eq!(strand.resume(), Ok(())); // nothing stalled
    /// ```
    pub fn resume(&self) -> Result<(), SubmitError> {
        let me = thread::current();
        {
            let mut st = self.inner.state.lock();
            if st.running || st.queue.is_empty() {
                return Ok(());
            }
            st.running = true;
            st.handoff = Some(me.clone());
        }
        let result = Inner::schedule(&self.inner, &me);
        if result.is_err() {
            self.inner.state.lock().running = false;
            self.inner.idle.notify_all();
        }
        result
    }

    /// Closes the strand: later [`execute`](Self::execute)s are refused with
    /// [`StrandRefusal::Closed`], and every task queued and not yet started is handed back, in
    /// submission order, to run or drop. A task already running finishes. Idempotent.
    ///
    /// ```
    /// use selvedge_pool::{Strand, StrandRefusal, ThreadPool};
    /// use std::sync::Arc;
    ///
    /// let pool = Arc::new(ThreadPool::builder().build().unwrap());
    /// let strand = Strand::new(&pool);
    /// strand.execute(|| ()).unwrap();
    /// for task in strand.close() {
    ///     task.run(); // whatever the drain had not started yet
    /// }
    /// let refused = strand.execute(|| ()).unwrap_err();
    /// assert_eq!(refused.reason(), &StrandRefusal::Closed);
    /// ```
    pub fn close(&self) -> Vec<StrandTask> {
        let mut st = self.inner.state.lock();
        st.closed = true;
        st.queue
            .drain(..)
            .map(|(_, work)| StrandTask { work })
            .collect()
    }

    /// Blocks until no drain is scheduled or running: every task accepted so far has run,
    /// except any a refused drain left queued (see [`queued`](Self::queued)). Tasks submitted
    /// meanwhile extend the wait.
    ///
    /// Never call it from a task of the same strand: that task is what it would wait for.
    ///
    /// ```
    /// use selvedge_pool::{Strand, ThreadPool};
    /// use std::sync::Arc;
    /// use std::sync::atomic::{AtomicUsize, Ordering};
    ///
    /// let pool = Arc::new(ThreadPool::builder().build().unwrap());
    /// let strand = Strand::new(&pool);
    /// let n = Arc::new(AtomicUsize::new(0));
    /// for _ in 0..5 {
    ///     let n = Arc::clone(&n);
    ///     strand.execute(move || { n.fetch_add(1, Ordering::Relaxed); }).unwrap();
    /// }
    /// strand.wait_idle();
    /// assert_eq!(n.load(Ordering::Relaxed), 5);
    /// ```
    pub fn wait_idle(&self) {
        let mut st = self.inner.state.lock();
        while st.running {
            self.inner.idle.wait(&mut st);
        }
    }

    /// Tasks queued and not yet started.
    ///
    /// ```
    /// # use selvedge_pool::{Strand, ThreadPool};
    /// # use std::sync::Arc;
    /// let pool = Arc::new(ThreadPool::builder().build().unwrap());
    /// let strand = Strand::new(&pool);
    /// assert_eq!(strand.queued(), 0);
    /// ```
    pub fn queued(&self) -> usize {
        self.inner.state.lock().queue.len()
    }

    /// Tasks of this strand that panicked (each contained; the strand went on).
    ///
    /// ```
    /// # use selvedge_pool::{Strand, ThreadPool};
    /// # use std::sync::Arc;
    /// let pool = Arc::new(ThreadPool::builder().build().unwrap());
    /// let strand = Strand::new(&pool);
    /// strand.execute(|| panic!("contained")).unwrap();
    /// strand.execute(|| ()).unwrap();
    /// strand.wait_idle();
    /// assert_eq!(strand.panicked(), 1);
    /// ```
    pub fn panicked(&self) -> u64 {
        self.inner.panicked.load(Ordering::Relaxed)
    }
}

impl State {
    /// Why a new task would be refused, if it would.
    fn refusal(&self) -> Option<StrandRefusal> {
        if self.closed {
            Some(StrandRefusal::Closed)
        } else if self.pool_shut {
            Some(StrandRefusal::Pool(SubmitError::Shutdown))
        } else {
            None
        }
    }
}

impl Inner {
    /// Submits a drain; the caller set `running` and `handoff = me`, and clears the latter
    /// here once the pool answered.
    /// (Associated functions, not methods: loom's `Arc` cannot be a `self` type.)
    fn schedule(this: &Arc<Self>, me: &thread::Thread) -> Result<(), SubmitError> {
        let inner = Arc::clone(this);
        let result = this.pool.execute(move || Self::drain(&inner));
        this.state.lock().end_handoff(me);
        result
    }

    /// The drain: runs queued tasks in order until the queue is empty, handing over to a
    /// fresh pool task every `batch` tasks (see the module docs).
    fn drain(this: &Arc<Self>) {
        let me = thread::current();
        // Started inside our own submitter's `execute` (a caller-runs pool): run to empty.
        let mut inline = this.state.lock().handing_off(&me);
        loop {
            let mut ran = 0;
            while ran < this.batch || inline {
                let mut st = this.state.lock();
                let Some((_, work)) = st.queue.pop_front() else {
                    return this.go_idle(st);
                };
                drop(st);
                this.run(work);
                ran += 1;
            }
            {
                let mut st = this.state.lock();
                if st.queue.is_empty() {
                    return this.go_idle(st);
                }
                st.handoff = Some(me.clone());
            }
            match Self::schedule(this, &me) {
                Ok(()) => return,
                Err(SubmitError::Shutdown) => {
                    // Run what was accepted here, and accept no more.
                    this.state.lock().pool_shut = true;
                    inline = true;
                }
                // Saturated: keep the order by going on here; try again after a batch.
                Err(_) => {}
            }
        }
    }

    /// The drain ends: `running` goes false under the same lock hold in which the caller found
    /// the queue empty (so a task pushed while `running` was true is never left without a
    /// drain), and `wait_idle` wakes.
    fn go_idle(&self, mut st: PlainMutexGuard<'_, State>) {
        st.running = false;
        drop(st);
        self.idle.notify_all();
    }

    /// Runs one task, containing and reporting a panic.
    fn run(&self, work: Work) {
        if let Err(payload) = catch_unwind(AssertUnwindSafe(work)) {
            self.panicked.fetch_add(1, Ordering::Relaxed);
            let message = selvedge_trace::panic_text(&*payload);
            strand_task_panicked(self.pool.name(), message);
        }
    }
}

#[cold]
fn strand_task_panicked(pool: &str, message: &str) {
    tracing::event!(name: events::POOL_STRAND_TASK_PANICKED, target: targets::POOL,
        tracing::Level::ERROR, pool = %pool, message = %message);
}

/// A strand task that never started, handed back by [`Strand::close`] or inside a
/// [`StrandError`]: [`run`](Self::run) it on the calling thread, or drop it.
///
/// ```
/// use selvedge_pool::{Strand, ThreadPool};
/// use std::sync::Arc;
///
/// let pool = Arc::new(ThreadPool::builder().build().unwrap());
/// let strand = Strand::new(&pool);
/// strand.close();
/// let err = strand.execute(|| println!("ran by hand")).unwrap_err();
/// err.into_task().run();
/// ```
pub struct StrandTask {
    work: Work,
}

impl StrandTask {
    /// Runs the task on the calling thread (a panic propagates to the caller).
    ///
    /// ```
    /// # use selvedge_pool::{Strand, ThreadPool};
    /// # use std::sync::Arc;
    /// # let pool = Arc::new(ThreadPool::builder().build().unwrap());
    /// # let strand = Strand::new(&pool);
    /// for task in strand.close() {
    ///     task.run();
    /// }
    /// ```
    pub fn run(self) {
        (self.work)();
    }
}

impl fmt::Debug for StrandTask {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("StrandTask").finish_non_exhaustive()
    }
}

/// Why a strand refused a task; see [`StrandError`].
///
/// ```
/// use selvedge_pool::{StrandRefusal, SubmitError};
/// let why = StrandRefusal::Pool(SubmitError::Shutdown);
/// assert_eq!(why.to_string(), "strand task refused: task rejected: pool is shut down");
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum StrandRefusal {
    /// [`Strand::close`] was called.
    Closed,
    /// The pool refused the drain that would have run the task (the strand was idle), or the
    /// pool shut down (`SubmitError::Shutdown`).
    Pool(SubmitError),
}

impl fmt::Display for StrandRefusal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Closed => f.write_str("strand task refused: the strand is closed"),
            Self::Pool(err) => write!(f, "strand task refused: {err}"),
        }
    }
}

/// A task [`Strand::execute`] refused: why ([`reason`](Self::reason)), and the task itself
/// ([`into_task`](Self::into_task)), which has not run and never will unless the caller runs
/// it. Only the refused task comes back: tasks other threads queued while the drain was being
/// refused stay queued in order, and run after a later `execute` or [`Strand::resume`] gets a
/// drain accepted, or come back from [`Strand::close`].
///
/// ```
/// use selvedge_pool::{Strand, StrandRefusal, SubmitError, ThreadPool};
/// use std::sync::Arc;
/// use std::time::Duration;
///
/// let pool = Arc::new(ThreadPool::builder().build().unwrap());
/// let strand = Strand::new(&pool);
/// pool.shutdown(Duration::from_secs(5));
/// let err = strand.execute(|| ()).unwrap_err();
/// assert_eq!(err.reason(), &StrandRefusal::Pool(SubmitError::Shutdown));
/// let task = err.into_task(); // run it here, persist it, or drop it
/// # drop(task);
/// ```
pub struct StrandError {
    reason: StrandRefusal,
    task: StrandTask,
}

impl StrandError {
    fn new(reason: StrandRefusal, work: Work) -> Self {
        Self {
            reason,
            task: StrandTask { work },
        }
    }

    /// Why the task was refused.
    ///
    /// ```
    /// # use selvedge_pool::{Strand, StrandRefusal, ThreadPool};
    /// # use std::sync::Arc;
    /// # let pool = Arc::new(ThreadPool::builder().build().unwrap());
    /// # let strand = Strand::new(&pool);
    /// strand.close();
    /// assert_eq!(strand.execute(|| ()).unwrap_err().reason(), &StrandRefusal::Closed);
    /// ```
    pub fn reason(&self) -> &StrandRefusal {
        &self.reason
    }

    /// The refused task, unrun.
    ///
    /// ```
    /// # use selvedge_pool::{Strand, ThreadPool};
    /// # use std::sync::Arc;
    /// # let pool = Arc::new(ThreadPool::builder().build().unwrap());
    /// # let strand = Strand::new(&pool);
    /// strand.close();
    /// strand.execute(|| ()).unwrap_err().into_task().run();
    /// ```
    pub fn into_task(self) -> StrandTask {
        self.task
    }
}

impl fmt::Debug for StrandError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("StrandError")
            .field("reason", &self.reason)
            .finish_non_exhaustive()
    }
}

impl fmt::Display for StrandError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(&self.reason, f)
    }
}

impl std::error::Error for StrandError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match &self.reason {
            StrandRefusal::Pool(err) => Some(err),
            StrandRefusal::Closed => None,
        }
    }
}
