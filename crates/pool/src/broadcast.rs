//! Broadcasts: [`ThreadPool::broadcast`] and [`ThreadPool::spawn_broadcast`] run one closure
//! once on every worker alive at the call, each given a [`BroadcastContext`].
//!
//! This is the public side; how a broadcast reaches the workers, and the one `unsafe` that
//! lets [`ThreadPool::broadcast`]'s closure borrow, are in `src/engine/broadcast.rs`. The
//! tests here run that `unsafe` under miri.

use std::fmt;
use std::marker::PhantomData;
use std::panic::{AssertUnwindSafe, catch_unwind};

use selvedge_locks::sync::PlainMutex;

use crate::contain::into_message;
use crate::engine;
use crate::{SubmitError, TaskError, ThreadPool};

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
    /// broadcast goes ahead of every queued task whatever its [`Priority`](crate::Priority), and each worker
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
        let wrapped = |index: usize, num_threads: usize| {
            let ctx = BroadcastContext::new(index, num_threads);
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
        engine::broadcast::run_borrowed(self.shared(), Box::new(wrapped), |n| {
            *results.lock() = (0..n).map(|_| None).collect();
        })?;
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
        engine::broadcast::spawn(
            self.shared(),
            Box::new(move |index, num_threads| {
                let ctx = BroadcastContext::new(index, num_threads);
                catch_unwind(AssertUnwindSafe(|| op(ctx)))
                    .err()
                    .map(into_message)
            }),
        )
    }
}

#[cfg(test)]
mod tests {
    use std::sync::atomic::AtomicUsize;
    use std::sync::mpsc;
    use std::time::Duration;

    use selvedge_locks::sync::Arc;

    use super::*;
    use crate::Priority;

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
