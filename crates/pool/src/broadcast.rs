//! Broadcasts: [`ThreadPool::broadcast`] and [`ThreadPool::spawn_broadcast`] run one closure
//! once on every worker alive at the call, each given a [`BroadcastContext`].
//!
//! # How a broadcast reaches the workers
//!
//! A broadcast is not queued. Under the pool lock it gets the next sequence number and joins
//! `State::broadcasts`, the list of open broadcasts, with `num_threads` set to the live
//! workers (`State::threads`, counted under that same lock). Every worker records, in its
//! `WorkerEntry`, `seen`: the first sequence number it has not considered yet, set at its
//! start to the next number, so a broadcast targets exactly the workers whose `seen` is at or
//! below its number. A worker compares the list's next number with the one it last found
//! nothing at (a field it reads under the lock it takes for every pop anyway: no atomic per
//! task); only when they differ does it look for its share, which it takes as a [`Job`]
//! (`Share`) with the next index, moving `seen` past that broadcast. The last share taken
//! closes the broadcast. Parked workers are woken to look.
//!
//! Invariants, all under the pool lock:
//!
//! - an open broadcast's untaken shares equal the live workers whose `seen` is at or below
//!   its number: a worker retires or exits only in a critical section that found no share
//!   for it, and one that unwinds runs its shares before it is uncounted (`worker.rs`);
//! - each worker takes open broadcasts in sequence order, so every worker runs broadcasts in
//!   the order they were made;
//! - `shutdown_now` takes every untaken share out at once and hands it back.
//!
//! # Borrowed closures
//!
//! [`ThreadPool::broadcast`] blocks, so its closure may borrow; the one `unsafe` block
//! erases that lifetime. Its soundness argument is written at the block and exercised under
//! miri by this file's tests.
#![allow(
    unsafe_code,
    reason = "lifetime erasure of `broadcast`'s borrowed closure, as in rayon's broadcast"
)]

use std::collections::VecDeque;
use std::fmt;
use std::marker::PhantomData;
use std::panic::{AssertUnwindSafe, catch_unwind, resume_unwind};

use selvedge_locks::sync::atomic::{AtomicUsize, Ordering};
use selvedge_locks::sync::{Arc, PlainMutex, PlainMutexGuard, thread};

use crate::contain::{drop_contained, drop_payload, into_message};
use crate::engine::job::{Job, RunCtx, Work};
use crate::engine::{events, task_id, worker};
use crate::pool::{Shared, State};
use crate::stats::Counters;
use crate::{Priority, SubmitError, TaskError, ThreadPool};

/// What a broadcast closure is told about its call: which of the broadcast's workers runs it
/// ([`index`](Self::index)) and how many run it ([`num_threads`](Self::num_threads)).
///
/// The lifetime ties the context to the one call, as rayon's `BroadcastContext<'_>` does, so
/// closures written against rayon's signature compile unchanged.
///
/// # Examples
///
/// ```
/// use selvedge_pool::{BroadcastContext, ThreadPool};
///
/// let pool = ThreadPool::builder().max_threads(3).build()?;
/// let mut seen: Vec<(usize, usize)> = pool
///     .broadcast(|ctx: BroadcastContext<'_>| (ctx.index(), ctx.num_threads()))?
///     .into_iter()
///     .collect::<Result<_, _>>()?;
/// seen.sort();
/// assert_eq!(seen, [(0, 3), (1, 3), (2, 3)]);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Clone, Copy)]
pub struct BroadcastContext<'a> {
    index: usize,
    num_threads: usize,
    call: PhantomData<&'a ()>,
}

impl BroadcastContext<'_> {
    fn new(index: usize, num_threads: usize) -> Self {
        Self {
            index,
            num_threads,
            call: PhantomData,
        }
    }

    /// This run's index among the broadcast's workers, in `0..num_threads()`: each index is
    /// given exactly once per broadcast. Indices are handed out as workers take their share,
    /// so one worker may get different indices in different broadcasts (rayon's workers keep
    /// theirs because its pools never change size).
    ///
    /// ```
    /// let pool = selvedge_pool::ThreadPool::builder().max_threads(2).build()?;
    /// let mut indices: Vec<usize> =
    ///     pool.broadcast(|ctx| ctx.index())?.into_iter().collect::<Result<_, _>>()?;
    /// indices.sort();
    /// assert_eq!(indices, [0, 1]);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    #[inline]
    pub fn index(&self) -> usize {
        self.index
    }

    /// How many workers run this broadcast: those alive when it was made.
    ///
    /// ```
    /// let pool = selvedge_pool::ThreadPool::builder().max_threads(4).build()?;
    /// let counts = pool.broadcast(|ctx| ctx.num_threads())?;
    /// assert!(counts.into_iter().all(|n| n == Ok(4)));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    #[inline]
    pub fn num_threads(&self) -> usize {
        self.num_threads
    }
}

impl fmt::Debug for BroadcastContext<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("BroadcastContext")
            .field("index", &self.index)
            .field("num_threads", &self.num_threads)
            .finish()
    }
}

/// A broadcast's closure, panics contained: returns the panic's message if it panicked.
type Op = Box<dyn Fn(BroadcastContext<'_>) -> Option<String> + Send + Sync>;

/// The closure every share of one broadcast calls.
struct Broadcast {
    op: Op,
    num_threads: usize,
}

/// Counts the resolved shares of a blocking broadcast (run, or dropped unrun); changed and
/// read under the pool lock, waited for on `Shared::broadcast_done`.
struct Latch {
    resolved: AtomicUsize,
    /// Shares in all; the one that resolves the last wakes the caller.
    num_threads: usize,
}

/// A broadcast with shares not yet taken.
struct Open {
    seq: u64,
    id: u64,
    broadcast: Arc<Broadcast>,
    latch: Option<Arc<Latch>>,
    /// Shares taken so far, which is also the next share's index.
    taken: usize,
}

impl Open {
    /// The next share, as a job owning what it needs (the pool, to resolve the latch).
    fn take_share(&mut self, shared: &Arc<Shared>) -> Job {
        let share = Share {
            broadcast: Some(Arc::clone(&self.broadcast)),
            latch: self.latch.clone(),
            shared: Arc::clone(shared),
            index: self.taken,
        };
        self.taken += 1;
        Job::new(self.id, Priority::Urgent, true, share)
    }

    fn untaken(&self) -> usize {
        self.broadcast.num_threads - self.taken
    }
}

/// The open broadcasts (`State::broadcasts`); see the module doc.
pub(crate) struct Broadcasts {
    /// The next broadcast's sequence number (broadcasts ever made).
    next_seq: u64,
    /// Oldest first.
    open: VecDeque<Open>,
    /// Shares not yet taken, over every open broadcast (`wait_idle` waits for them).
    untaken: usize,
}

impl Broadcasts {
    pub(crate) fn new() -> Self {
        Self {
            next_seq: 0,
            open: VecDeque::new(),
            untaken: 0,
        }
    }

    /// The next sequence number; a worker that found nothing for it at this number has
    /// nothing to look for until it changes.
    #[inline]
    pub(crate) fn seq(&self) -> u64 {
        self.next_seq
    }

    /// Shares not yet taken by their worker (nor handed back).
    pub(crate) fn untaken(&self) -> usize {
        self.untaken
    }

    /// Opens a broadcast for the `num_threads` live workers; returns its sequence number.
    fn open(&mut self, id: u64, broadcast: Arc<Broadcast>, latch: Option<Arc<Latch>>) -> u64 {
        let seq = self.next_seq;
        self.next_seq += 1;
        if broadcast.num_threads > 0 {
            self.untaken += broadcast.num_threads;
            self.open.push_back(Open {
                seq,
                id,
                broadcast,
                latch,
                taken: 0,
            });
        }
        seq
    }

    /// The share of the oldest open broadcast a worker whose `seen` is `*seen` has not run,
    /// moving `*seen` past it; `None` (and `*seen` to the next number) if there is none.
    fn take(&mut self, seen: &mut u64, shared: &Arc<Shared>) -> Option<Job> {
        let Some(at) = self.open.iter().position(|open| open.seq >= *seen) else {
            *seen = self.next_seq;
            return None;
        };
        let open = &mut self.open[at];
        *seen = open.seq + 1;
        let job = open.take_share(shared);
        self.untaken -= 1;
        if open.untaken() == 0 {
            self.open.remove(at);
        }
        Some(job)
    }

    /// Every untaken share, oldest broadcast first and in index order within one; the
    /// broadcasts close (`shutdown_now`). Drop the jobs only after releasing the pool lock.
    pub(crate) fn drain(&mut self, shared: &Arc<Shared>) -> Vec<Job> {
        let mut jobs = Vec::with_capacity(self.untaken);
        for mut open in self.open.drain(..) {
            while open.untaken() > 0 {
                jobs.push(open.take_share(shared));
            }
        }
        self.untaken = 0;
        jobs
    }
}

/// Takes the next share of the worker running on thread `me`, if it has one (the caller
/// holds the pool lock). `None` too if `me` is not one of the pool's workers.
pub(crate) fn take_own(shared: &Arc<Shared>, st: &mut State, me: &thread::Thread) -> Option<Job> {
    let entry = st.workers.iter_mut().find(|w| w.thread.id() == me.id())?;
    st.broadcasts.take(&mut entry.broadcasts_seen, shared)
}

/// One worker's run of one broadcast: a `Work` like any task's, so it runs through
/// `worker::execute` and is handed back by `shutdown_now` as a `PendingTask`. Dropped, run or
/// not, it resolves the broadcast's latch.
struct Share {
    /// Taken (and dropped) before the latch is resolved: see the SAFETY comment in
    /// `ThreadPool::broadcast`.
    broadcast: Option<Arc<Broadcast>>,
    latch: Option<Arc<Latch>>,
    shared: Arc<Shared>,
    index: usize,
}

impl Work for Share {
    fn claim(&self) -> bool {
        // Shares cannot be cancelled one by one.
        true
    }

    fn run(mut self, ctx: RunCtx<'_>) {
        let Some(broadcast) = self.broadcast.take() else {
            return;
        };
        let panicked = (broadcast.op)(BroadcastContext::new(self.index, broadcast.num_threads));
        // The last share of a `spawn_broadcast` drops the closure's captures here, on the
        // worker: contained and reported like any task's captures.
        if let Some(message) = drop_contained(broadcast) {
            events::drop_panicked(ctx.pool, ctx.task_id, &message);
        }
        match panicked {
            None => ctx.count(|c| &c.completed),
            Some(message) => {
                ctx.count(|c| &c.failed);
                events::task_panicked(ctx.pool, ctx.task_id, &message);
            }
        }
        // `Drop` resolves the latch, after the counts: a caller sees its broadcast counted.
    }

    fn expire(self, _ctx: RunCtx<'_>) {
        // Shares carry no deadline, so this is never called; dropping resolves it unrun.
    }

    fn deadline(&self) -> Option<std::time::Instant> {
        None
    }
}

impl Drop for Share {
    fn drop(&mut self) {
        // Unrun (handed back and dropped, or unwound through): the captures' `Drop` must not
        // unwind here either; with no pool event for it, it is swallowed, as for any job.
        let _ = drop_contained(self.broadcast.take());
        if let Some(latch) = self.latch.take() {
            let _st = self.shared.state.lock();
            if latch.resolved.fetch_add(1, Ordering::Relaxed) + 1 == latch.num_threads {
                self.shared.broadcast_done.notify_all();
            }
        }
    }
}

/// A broadcast just opened: what its caller needs to wait for it.
struct Opened<'a> {
    st: PlainMutexGuard<'a, State>,
    broadcast: Arc<Broadcast>,
    latch: Option<Arc<Latch>>,
    /// The caller's thread, if it is one of the pool's workers.
    own: Option<thread::Thread>,
}

impl ThreadPool {
    /// Runs `op` once on every worker alive now, and returns what each run returned, in
    /// index order ([`BroadcastContext::index`]). rayon's `ThreadPool::broadcast`, for a pool
    /// whose workers come and go; `op` may borrow from the caller.
    ///
    /// # Which workers
    ///
    /// Exactly the workers alive when the call takes the pool lock (core and elastic ones,
    /// busy or parked): [`num_threads`](BroadcastContext::num_threads) of them, each once.
    /// A worker started later does not run it; a worker never retires on keep-alive, on a
    /// lowered [`set_max_threads`](Self::set_max_threads) or at shutdown while it has a
    /// broadcast to run (waking one parked above core restarts its keep-alive). A pool with
    /// no live worker (`core_threads(0)`, all retired) returns an empty `Vec`.
    ///
    /// # When
    ///
    /// A busy worker runs its share when its current task returns, parked ones are woken: a
    /// broadcast goes ahead of every queued task whatever its [`Priority`], and each worker
    /// runs broadcasts in the order they were made. So a broadcast made after a
    /// [`spawn_broadcast`](Self::spawn_broadcast) returns only once every worker that ran
    /// this one has run that one too.
    ///
    /// # From inside the pool
    ///
    /// Called from one of this pool's workers (from a task, a scoped task or another
    /// broadcast), that worker runs its own share right there, before waiting for the others,
    /// and while it waits it runs its shares of any other broadcast, so two workers
    /// broadcasting at once never wait for each other. It still waits for every other worker
    /// to finish its current task: a task that waits for the broadcasting task blocks both
    /// (as with [`scope`](Self::scope)'s "Blocking"). Called from a worker of *another* pool
    /// it simply blocks that worker.
    ///
    /// # Panics and shutdown
    ///
    /// A panic of `op` on one worker is contained there: that index's entry is
    /// [`TaskError::Panicked`], the others run as usual; it counts as `failed` and is reported
    /// as a `pool.task_panicked` event. Each run counts as one task in [`stats`](Self::stats)
    /// (`submitted`, then `completed` or `failed`), all under the broadcast's one task id.
    /// [`shutdown`](Self::shutdown) lets every worker run its share before it exits;
    /// [`shutdown_now`](Self::shutdown_now) hands every share not yet started back as a
    /// [`PendingTask`](crate::PendingTask): this call then waits until each is run (its
    /// result lands here) or dropped (its entry is [`TaskError::Shutdown`]).
    ///
    /// # Errors
    ///
    /// [`SubmitError::Shutdown`] if the pool is shut down (`op` never runs; counted as one
    /// rejected task).
    ///
    /// ```
    /// use selvedge_pool::ThreadPool;
    /// use std::sync::Mutex;
    ///
    /// let pool = ThreadPool::builder().max_threads(4).thread_name("io").build()?;
    /// let names = Mutex::new(Vec::new()); // borrowed by every worker
    /// let results = pool.broadcast(|ctx| {
    ///     let name = std::thread::current().name().unwrap().to_owned();
    ///     names.lock().unwrap().push(name);
    ///     ctx.index() * 10
    /// })?;
    /// assert_eq!(results, [Ok(0), Ok(10), Ok(20), Ok(30)]);
    /// let mut names = names.into_inner().unwrap();
    /// names.sort();
    /// names.dedup();
    /// assert_eq!(names.len(), 4); // four different workers, once each
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    ///
    /// A panic stays on its worker:
    ///
    /// ```
    /// use selvedge_pool::{TaskError, ThreadPool};
    ///
    /// let pool = ThreadPool::builder().max_threads(3).build()?;
    /// let results = pool.broadcast(|ctx| {
    ///     if ctx.index() == 1 {
    ///         panic!("no cache on this one");
    ///     }
    ///     ctx.index()
    /// })?;
    /// assert_eq!(results[0], Ok(0));
    /// assert_eq!(results[1], Err(TaskError::Panicked("no cache on this one".into())));
    /// assert_eq!(results[2], Ok(2));
    /// pool.wait_idle(std::time::Duration::from_secs(10))?;
    /// assert_eq!(pool.stats().failed, 1);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn broadcast<F, R>(&self, op: F) -> Result<Vec<Result<R, TaskError>>, SubmitError>
    where
        F: Fn(BroadcastContext<'_>) -> R + Sync,
        R: Send,
    {
        let results: PlainMutex<Vec<Option<Result<R, TaskError>>>> = PlainMutex::new(Vec::new());
        let wrapped = |ctx: BroadcastContext<'_>| {
            let index = ctx.index();
            let (result, message) = match catch_unwind(AssertUnwindSafe(|| op(ctx))) {
                Ok(value) => (Ok(value), None),
                Err(payload) => {
                    let message = into_message(payload);
                    (Err(TaskError::Panicked(message.clone())), Some(message))
                }
            };
            results.lock()[index] = Some(result);
            message
        };
        let borrowed: Box<dyn Fn(BroadcastContext<'_>) -> Option<String> + Send + Sync + '_> =
            Box::new(wrapped);
        // SAFETY: only the lifetime changes; the boxed trait object's layout is the same. The
        // erased closure borrows `op` and `results`, locals of this call. It is reachable only
        // through `Arc<Broadcast>` clones: ours, the open-list entry's, and one per `Share`.
        // A share drops its clone before it resolves the latch (`Share::run`, `Drop for
        // Share`), and the entry's clone is dropped when the last share is made (`take`,
        // `drain`), before that share can resolve. `wait_for` waits until every one of the
        // `num_threads` shares has resolved, and nothing between `open_broadcast` and the end
        // of that wait unwinds (it catches what the shares it runs could throw, and re-raises
        // it only after the wait), so ours is then the last clone, and `wait_for` drops it:
        // the closure is called only while this call waits, and dropped before it returns.
        let op: Op = unsafe {
            std::mem::transmute::<
                Box<dyn Fn(BroadcastContext<'_>) -> Option<String> + Send + Sync + '_>,
                Op,
            >(borrowed)
        };
        let opened = self.open_broadcast(op, true, |n| {
            *results.lock() = (0..n).map(|_| None).collect();
        })?;
        self.wait_for(opened);
        Ok(results
            .into_inner()
            .into_iter()
            .map(|result| result.unwrap_or(Err(TaskError::Shutdown)))
            .collect())
    }

    /// Runs `op` once on every worker alive now, without waiting: rayon's
    /// `ThreadPool::spawn_broadcast`. Which workers, when, panics and shutdown are as for
    /// [`broadcast`](Self::broadcast), except that a panic is reported only by the `failed`
    /// count and the `pool.task_panicked` event, and a share [`shutdown_now`](Self::shutdown_now)
    /// hands back is simply dropped if the caller drops its
    /// [`PendingTask`](crate::PendingTask). Called from one of the pool's own tasks, that
    /// worker runs its share after the task returns.
    ///
    /// # Errors
    ///
    /// [`SubmitError::Shutdown`] if the pool is shut down (`op` never runs; counted as one
    /// rejected task).
    ///
    /// ```
    /// use selvedge_pool::ThreadPool;
    /// use std::sync::mpsc;
    ///
    /// let pool = ThreadPool::builder().max_threads(3).build()?;
    /// let (tx, rx) = mpsc::channel();
    /// pool.spawn_broadcast(move |ctx| tx.send(ctx.index()).unwrap())?;
    /// let mut indices: Vec<usize> = rx.iter().take(3).collect();
    /// indices.sort();
    /// assert_eq!(indices, [0, 1, 2]);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn spawn_broadcast<F>(&self, op: F) -> Result<(), SubmitError>
    where
        F: Fn(BroadcastContext<'_>) + Send + Sync + 'static,
    {
        let op: Op = Box::new(move |ctx| {
            catch_unwind(AssertUnwindSafe(|| op(ctx)))
                .err()
                .map(into_message)
        });
        self.open_broadcast(op, false, |_| {}).map(drop)
    }

    /// Opens a broadcast for the live workers (refused once shut down); `size` learns how
    /// many, under the pool lock, before any worker can run it.
    fn open_broadcast(
        &self,
        op: Op,
        blocking: bool,
        size: impl FnOnce(usize),
    ) -> Result<Opened<'_>, SubmitError> {
        let shared = self.shared();
        let id = task_id::next();
        let mut st = shared.state.lock();
        if !st.accepting {
            drop(st);
            let _ = drop_contained(op);
            Counters::bump(&shared.counters.rejected);
            events::task_rejected(&shared.config.name, id, &SubmitError::Shutdown.to_string());
            return Err(SubmitError::Shutdown);
        }
        let num_threads = st.threads;
        size(num_threads);
        st.accepted += num_threads as u64;
        let broadcast = Arc::new(Broadcast { op, num_threads });
        let latch = blocking.then(|| {
            Arc::new(Latch {
                resolved: AtomicUsize::new(0),
                num_threads,
            })
        });
        st.broadcasts
            .open(id, Arc::clone(&broadcast), latch.clone());
        if num_threads > 0 {
            // Parked workers look for their share; waiting ones run theirs (see `wait_for`
            // and `wait_idle`).
            shared.work.notify_all();
            shared.broadcast_done.notify_all();
            if st.idle_waiting_workers > 0 {
                shared.drained.notify_all();
            }
        }
        let own = self.on_own_worker(&st).then(thread::current);
        Ok(Opened {
            st,
            broadcast,
            latch,
            own,
        })
    }

    /// Waits until every share of a blocking broadcast has resolved. A worker of this pool
    /// runs its own shares meanwhile, oldest broadcast first (so its share of this one is
    /// taken in the critical section that opened it, unless it has older ones left), and
    /// shares of broadcasts made while it waits. Never unwinds before the wait is
    /// over: a panic escaping a share's run (only the pool's own code, such as a tracing
    /// subscriber, can throw one) is held and re-raised after it.
    fn wait_for(&self, opened: Opened<'_>) {
        let shared = self.shared();
        let Opened {
            mut st,
            broadcast,
            latch,
            own,
        } = opened;
        let Some(latch) = latch else {
            return;
        };
        let mut escaped = None;
        loop {
            if let Some(me) = &own
                && let Some(job) = take_own(shared, &mut st, me)
            {
                drop(st);
                if let Err(payload) =
                    catch_unwind(AssertUnwindSafe(|| worker::execute(shared, job, None)))
                {
                    match escaped {
                        None => escaped = Some(payload),
                        Some(_) => drop_payload(payload),
                    }
                }
                st = shared.state.lock();
                continue;
            }
            if latch.resolved.load(Ordering::Relaxed) == latch.num_threads {
                break;
            }
            shared.broadcast_done.wait(&mut st);
        }
        drop(st);
        // Every share has dropped its clone: this drops the closure, inside the caller's call.
        drop(broadcast);
        if let Some(payload) = escaped {
            resume_unwind(payload);
        }
    }
}

#[cfg(test)]
mod tests {
    use std::sync::atomic::AtomicUsize;
    use std::sync::mpsc;
    use std::time::Duration;

    use super::*;

    fn pool(threads: usize) -> ThreadPool {
        ThreadPool::builder().max_threads(threads).build().unwrap()
    }

    #[test]
    fn borrowed_closure_runs_once_per_worker_and_results_come_back_in_index_order() {
        let pool = pool(3);
        let calls = AtomicUsize::new(0);
        let local = [10, 20, 30];
        let results = pool
            .broadcast(|ctx| {
                calls.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                local[ctx.index()]
            })
            .unwrap();
        assert_eq!(results, [Ok(10), Ok(20), Ok(30)]);
        assert_eq!(calls.into_inner(), 3);
    }

    /// A one-worker pool whose worker is held by a task until the sender is dropped or sent to.
    fn busy_pool() -> (Arc<ThreadPool>, mpsc::Sender<()>) {
        let pool = Arc::new(pool(1));
        let (release, gate) = mpsc::channel::<()>();
        let (started_tx, started) = mpsc::channel::<()>();
        pool.execute(move || {
            started_tx.send(()).unwrap();
            let _ = gate.recv();
        })
        .unwrap();
        started.recv().unwrap();
        (pool, release)
    }

    /// Starts a blocking broadcast on another thread and waits until its share is queued.
    fn broadcast_behind_busy_worker(
        pool: &Arc<ThreadPool>,
    ) -> std::thread::JoinHandle<Result<Vec<Result<usize, TaskError>>, SubmitError>> {
        let broadcaster = {
            let pool = Arc::clone(pool);
            let borrowed = String::from("borrowed");
            std::thread::spawn(move || pool.broadcast(|ctx| borrowed.len() + ctx.index()))
        };
        while pool.stats().queued_total() == 0 {
            std::thread::sleep(Duration::from_millis(1));
        }
        broadcaster
    }

    #[test]
    fn a_handed_back_share_run_by_the_caller_delivers_its_result() {
        let (pool, release) = busy_pool();
        let broadcaster = broadcast_behind_busy_worker(&pool);
        let pending = pool.shutdown_now();
        assert_eq!(pending.len(), 1);
        for task in pending {
            assert_eq!(task.priority(), Priority::Urgent);
            task.run();
        }
        assert_eq!(broadcaster.join().unwrap(), Ok(vec![Ok(8)]));
        drop(release);
    }

    #[test]
    fn a_dropped_handed_back_share_resolves_as_shutdown() {
        let (pool, release) = busy_pool();
        let broadcaster = broadcast_behind_busy_worker(&pool);
        let pending = pool.shutdown_now();
        assert_eq!(pending.len(), 1);
        drop(pending);
        assert_eq!(
            broadcaster.join().unwrap(),
            Ok(vec![Err(TaskError::Shutdown)])
        );
        drop(release);
        assert!(pool.shutdown(Duration::from_secs(10)).is_complete());
        let stats = pool.stats();
        assert_eq!(stats.handed_back, 1);
        assert_eq!(stats.unaccounted(), 0);
    }

    #[test]
    fn broadcast_from_a_worker_runs_its_own_share_inline() {
        let pool = Arc::new(pool(1));
        let inner = Arc::clone(&pool);
        let results = pool
            .run(move || {
                let me = std::thread::current().id();
                inner.broadcast(move |_| std::thread::current().id() == me)
            })
            .unwrap();
        assert_eq!(results, Ok(vec![Ok(true)]));
    }
}
