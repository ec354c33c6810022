//! [`TaskHandle`]: the caller's side of one submitted task, and the shared slot its result
//! lands in.
//!
//! # The slot's state machine
//!
//! | state | meaning | left by |
//! | --- | --- | --- |
//! | `QUEUED` | accepted, not started | exactly one successful CAS: to `TAKEN` (a worker starts it, expires it, or `shutdown_now` hands it back) or to `CANCELLED` (`cancel`) |
//! | `TAKEN` | its owner will run or resolve it | terminal |
//! | `CANCELLED` | resolved as [`TaskError::Cancelled`] | terminal |
//!
//! Because both sides leave `QUEUED` by compare-and-swap, a cancel racing a start has exactly
//! one winner (modelled in `tests/loom/pool.rs`). The result itself is written once, under the
//! slot's mutex, and `done` is set after it, so `is_finished() == true` implies `join` does
//! not block.

use std::fmt;
use std::time::{Duration, Instant};

use selvedge_locks::sync::atomic::{AtomicBool, AtomicU8, Ordering};
use selvedge_locks::sync::{Arc, PlainCondvar, PlainMutex};

use std::convert::Infallible;

use crate::TaskError;
use crate::as_completed::Completions;

const QUEUED: u8 = 0;
const TAKEN: u8 = 1;
const CANCELLED: u8 = 2;

/// Where a task's result lands; shared by the queued job and its [`TaskHandle`].
pub(crate) struct ResultSlot<R, E = Infallible> {
    state: AtomicU8,
    done: AtomicBool,
    inner: PlainMutex<Inner<R, E>>,
    ready: PlainCondvar,
}

/// What the slot's mutex guards: the result, and who else to tell when it lands.
struct Inner<R, E> {
    result: Option<Result<R, TaskError<E>>>,
    /// An [`AsCompleted`](crate::AsCompleted) watching this slot, and the handle's index
    /// there. Set and taken under the same lock as `result`, so a result written before the
    /// watch is found by `watch` and one written after finds the watch (modelled in
    /// `tests/loom/as_completed.rs`).
    watch: Option<(Arc<Completions>, usize)>,
}

impl<R, E> ResultSlot<R, E> {
    pub(crate) fn new() -> Self {
        Self {
            state: AtomicU8::new(QUEUED),
            done: AtomicBool::new(false),
            inner: PlainMutex::new(Inner {
                result: None,
                watch: None,
            }),
            ready: PlainCondvar::new(),
        }
    }

    /// Moves `QUEUED -> TAKEN`; `false` if the task was cancelled first.
    pub(crate) fn claim(&self) -> bool {
        self.state
            .compare_exchange(QUEUED, TAKEN, Ordering::AcqRel, Ordering::Acquire)
            .is_ok()
    }

    /// Stores the result (first write wins), wakes every joiner and tells the watcher.
    pub(crate) fn finish(&self, result: Result<R, TaskError<E>>) {
        let mut guard = self.inner.lock();
        if self.done.load(Ordering::Relaxed) {
            return;
        }
        guard.result = Some(result);
        self.done.store(true, Ordering::Release);
        let watch = guard.watch.take();
        drop(guard);
        self.ready.notify_all();
        if let Some((completions, index)) = watch {
            completions.push(index);
        }
    }

    pub(crate) fn is_done(&self) -> bool {
        self.done.load(Ordering::Acquire)
    }

    /// Resolves a task dropped without a result as [`TaskError::Shutdown`], unless it was
    /// cancelled: then the canceller owns the resolution (it may not have written it yet, and
    /// the joiner must see `Cancelled`, found by `tests/loom/pool.rs::cancel_racing_start`).
    pub(crate) fn abandon(&self) {
        if self.state.load(Ordering::Acquire) != CANCELLED && !self.is_done() {
            self.finish(Err(TaskError::Shutdown));
        }
    }

    /// Tells `completions` (as `index`) when the result lands, or now if it has landed.
    pub(crate) fn watch(&self, completions: &Arc<Completions>, index: usize) {
        let mut guard = self.inner.lock();
        if guard.result.is_some() {
            drop(guard);
            completions.push(index);
        } else {
            guard.watch = Some((Arc::clone(completions), index));
        }
    }
}

/// The caller's handle to a submitted task: wait for its value, poll it, or cancel it before
/// it starts.
///
/// Dropping the handle detaches the task: it still runs (or expires, or is handed back), and
/// its callbacks still fire. `TaskHandle<R, E>` is `Send` and `Sync` when `R` and `E` are
/// `Send`. `E` is a fallible task's error type ([`ThreadPool::submit_fallible`](
/// crate::ThreadPool::submit_fallible)); [`Infallible`] otherwise.
///
/// # Examples
///
/// ```
/// use selvedge_pool::ThreadPool;
///
/// let pool = ThreadPool::builder().max_threads(2).build().unwrap();
/// let handle = pool.submit(|| 6 * 7).unwrap();
/// assert_eq!(handle.join(), Ok(42));
/// ```
pub struct TaskHandle<R, E = Infallible> {
    slot: Arc<ResultSlot<R, E>>,
    id: u64,
}

impl<R, E> TaskHandle<R, E> {
    pub(crate) fn new(slot: Arc<ResultSlot<R, E>>, id: u64) -> Self {
        Self { slot, id }
    }

    pub(crate) fn slot(&self) -> &ResultSlot<R, E> {
        &self.slot
    }

    /// The pool-unique id of the task (the `task_id` of its tracing events).
    ///
    /// ```
    /// use selvedge_pool::ThreadPool;
    /// let pool = ThreadPool::builder().build().unwrap();
    /// let a = pool.submit(|| ()).unwrap();
    /// let b = pool.submit(|| ()).unwrap();
    /// assert_ne!(a.id(), b.id());
    /// ```
    pub fn id(&self) -> u64 {
        self.id
    }

    /// Blocks until the task has a result.
    ///
    /// # Errors
    ///
    /// [`TaskError::Failed`] (a fallible task's `Err`), [`Panicked`](TaskError::Panicked),
    /// [`Cancelled`](TaskError::Cancelled), [`Expired`](TaskError::Expired) or
    /// [`Shutdown`](TaskError::Shutdown): see [`TaskError`].
    ///
    /// ```
    /// use selvedge_pool::ThreadPool;
    /// let pool = ThreadPool::builder().build().unwrap();
    /// assert_eq!(pool.submit(|| "done").unwrap().join(), Ok("done"));
    /// ```
    pub fn join(self) -> Result<R, TaskError<E>> {
        let mut guard = self.slot.inner.lock();
        loop {
            if let Some(result) = guard.result.take() {
                return result;
            }
            self.slot.ready.wait(&mut guard);
        }
    }

    /// Waits at most `timeout` for the result; gives the handle back if it is not ready.
    ///
    /// # Errors
    ///
    /// `Err(handle)` when the task had no result within `timeout`; the inner `Result` is the
    /// task's, as for [`join`](Self::join).
    ///
    /// ```
    /// use selvedge_pool::ThreadPool;
    /// use std::time::Duration;
    ///
    /// let pool = ThreadPool::builder().build().unwrap();
    /// let handle = pool.submit(|| 1).unwrap();
    /// match handle.join_timeout(Duration::from_secs(10)) {
    ///     Ok(result) => assert_eq!(result, Ok(1)),
    ///     Err(_still_running) => unreachable!("an empty task finishes well within 10 s"),
    /// }
    /// ```
    pub fn join_timeout(self, timeout: Duration) -> Result<Result<R, TaskError<E>>, Self> {
        let deadline = Instant::now().checked_add(timeout);
        let mut guard = self.slot.inner.lock();
        loop {
            if let Some(result) = guard.result.take() {
                return Ok(result);
            }
            let timed_out = match deadline {
                Some(deadline) => self.slot.ready.wait_until(&mut guard, deadline).timed_out(),
                None => {
                    self.slot.ready.wait(&mut guard);
                    false
                }
            };
            if timed_out {
                return match guard.result.take() {
                    Some(result) => Ok(result),
                    None => {
                        drop(guard);
                        Err(self)
                    }
                };
            }
        }
    }

    /// Takes the result if it is ready, without blocking; gives the handle back otherwise.
    ///
    /// # Errors
    ///
    /// `Err(handle)` when the task has no result yet.
    ///
    /// ```
    /// use selvedge_pool::ThreadPool;
    ///
    /// let pool = ThreadPool::builder().build().unwrap();
    /// let mut handle = pool.submit(|| 5).unwrap();
    /// let value = loop {
    ///     match handle.try_join() {
    ///         Ok(result) => break result,
    ///         Err(pending) => { handle = pending; std::thread::yield_now(); }
    ///     }
    /// };
    /// assert_eq!(value, Ok(5));
    /// ```
    pub fn try_join(self) -> Result<Result<R, TaskError<E>>, Self> {
        let taken = self.slot.inner.lock().result.take();
        taken.ok_or(self)
    }

    /// Whether the task has a result (ran, failed, was cancelled, expired or dropped at
    /// shutdown). When `true`, [`join`](Self::join) returns without blocking.
    ///
    /// ```
    /// use selvedge_pool::ThreadPool;
    /// let pool = ThreadPool::builder().build().unwrap();
    /// let handle = pool.submit(|| ()).unwrap();
    /// while !handle.is_finished() { std::thread::yield_now(); }
    /// assert_eq!(handle.join(), Ok(()));
    /// ```
    pub fn is_finished(&self) -> bool {
        self.slot.is_done()
    }

    /// Cancels the task if it has not started; returns whether it did. A cancelled task never
    /// runs, its callbacks never fire, and `join` returns [`TaskError::Cancelled`]. Once a
    /// worker has taken the task, `cancel` returns `false` and changes nothing.
    ///
    /// The cancelled task keeps its queue slot until a worker or a shutdown discards it (that
    /// keeps `cancel` O(1)); it is counted as `cancelled` at that moment.
    ///
    /// ```
    /// use selvedge_pool::{TaskError, ThreadPool};
    /// use std::sync::mpsc;
    ///
    /// let pool = ThreadPool::builder().max_threads(1).build().unwrap();
    /// let (release, gate) = mpsc::channel::<()>();
    /// let busy = pool.submit(move || gate.recv().unwrap()).unwrap(); // occupies the worker
    /// let queued = pool.submit(|| "never runs").unwrap();
    /// assert!(queued.cancel());
    /// assert_eq!(queued.join(), Err(TaskError::Cancelled));
    /// release.send(()).unwrap();
    /// busy.join().unwrap();
    /// ```
    pub fn cancel(&self) -> bool {
        let won = self
            .slot
            .state
            .compare_exchange(QUEUED, CANCELLED, Ordering::AcqRel, Ordering::Acquire)
            .is_ok();
        if won {
            self.slot.finish(Err(TaskError::Cancelled));
        }
        won
    }
}

impl<R, E> fmt::Debug for TaskHandle<R, E> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TaskHandle")
            .field("id", &self.id)
            .field("finished", &self.is_finished())
            .finish()
    }
}
