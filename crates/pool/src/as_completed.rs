//! [`as_completed`]: a set of [`TaskHandle`]s in the order their tasks finish
//! (`concurrent.futures.as_completed`), woken by the tasks themselves.
//!
//! # Protocol
//!
//! Every handle's slot gets a watch, `(completions, index)`, set under the slot's mutex
//! (see `handle.rs`). `ResultSlot::finish` writes the result and takes the watch under that
//! same lock, then pushes `index` onto `completions` and notifies it. So a task that finished
//! before its watch was set is found by `watch` (which pushes at once), and one that
//! finishes after finds the watch: every index is pushed exactly once, and the iterator
//! sleeps on one condition variable until then: no polling. A task that never runs still
//! finishes (cancelled, expired, or dropped at shutdown as `TaskError::Shutdown`), so each
//! handle is yielded once. Modelled in `tests/loom/as_completed.rs`.

use std::collections::VecDeque;
use std::convert::Infallible;
use std::fmt;
use std::iter::FusedIterator;
use std::time::{Duration, Instant};

use selvedge_locks::sync::{Arc, PlainCondvar, PlainMutex};

use crate::{TaskError, TaskHandle, WaitTimeout};

/// The indices of the watched handles whose tasks finished, in finishing order.
pub(crate) struct Completions {
    ready: PlainMutex<VecDeque<usize>>,
    pushed: PlainCondvar,
}

impl Completions {
    fn new(capacity: usize) -> Self {
        Self {
            ready: PlainMutex::new(VecDeque::with_capacity(capacity)),
            pushed: PlainCondvar::new(),
        }
    }

    /// Records that the task at `index` finished (called once per index, see the module).
    pub(crate) fn push(&self, index: usize) {
        self.ready.lock().push_back(index);
        self.pushed.notify_one();
    }
}

/// Yields `handles` in the order their tasks finish, each with its result, waiting at most
/// `timeout` overall (`None`: no limit). Python's `concurrent.futures.as_completed(fs,
/// timeout)`; the handles are moved in, so each result is taken exactly once.
///
/// Each item is a [`Completed`]: the handle's position in `handles`, its task id and its
/// result. When the timeout runs out first the iterator yields one `Err(WaitTimeout)` and
/// then ends; [`AsCompleted::into_pending`] gives back the handles not yet yielded. Setting
/// up costs one lock per handle; the iterator then sleeps until a task finishes.
///
/// ```python
/// with ThreadPoolExecutor(max_workers=4) as executor:
///     futures = {executor.submit(fetch, url): url for url in urls}
///     for future in as_completed(futures, timeout=30):
///         print(futures[future], len(future.result()))
/// ```
///
/// ```
/// use selvedge_pool::{ThreadPool, as_completed};
/// use std::time::Duration;
///
/// let pool = ThreadPool::builder().max_threads(4).build()?;
/// let urls = ["a.example", "bb.example", "ccc.example"];
/// let fetch = |url: &'static str| url.len();
/// let handles: Vec<_> = urls.iter().map(|&url| pool.submit(move || fetch(url))).collect::<Result<_, _>>()?;
/// let mut seen = 0;
/// for done in as_completed(handles, Some(Duration::from_secs(30))) {
///     let done = done?; // Err(WaitTimeout) if 30 s pass first
///     println!("{} {}", urls[done.index], done.result.clone()?);
///     assert_eq!(done.result, Ok(urls[done.index].len()));
///     seen += 1;
/// }
/// assert_eq!(seen, 3);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn as_completed<R, E>(
    handles: impl IntoIterator<Item = TaskHandle<R, E>>,
    timeout: Option<Duration>,
) -> AsCompleted<R, E> {
    let deadline = timeout.and_then(|t| Instant::now().checked_add(t));
    let handles: Vec<_> = handles.into_iter().map(Some).collect();
    let completions = Arc::new(Completions::new(handles.len()));
    for (index, handle) in handles.iter().enumerate() {
        if let Some(handle) = handle {
            handle.slot().watch(&completions, index);
        }
    }
    AsCompleted {
        left: handles.len(),
        handles,
        completions,
        deadline,
        timed_out: false,
    }
}

/// One finished task from [`as_completed`].
///
/// ```
/// use selvedge_pool::{ThreadPool, as_completed};
/// let pool = ThreadPool::builder().build().unwrap();
/// let handle = pool.submit(|| 'z').unwrap();
/// let id = handle.id();
/// let done = as_completed([handle], None).next().unwrap().unwrap();
/// assert_eq!((done.index, done.id, done.result), (0, id, Ok('z')));
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct Completed<R, E = Infallible> {
    /// The handle's position in the collection given to [`as_completed`].
    pub index: usize,
    /// The task's id ([`TaskHandle::id`]).
    pub id: u64,
    /// What [`TaskHandle::join`] would have returned.
    pub result: Result<R, TaskError<E>>,
}

/// The iterator [`as_completed`] returns: [`Completed`] tasks in finishing order, then
/// `None`; or `Err(WaitTimeout)` once, then `None`, if the timeout ran out first.
///
/// ```
/// use selvedge_pool::{ThreadPool, WaitTimeout, as_completed};
/// use std::sync::mpsc;
/// use std::time::Duration;
///
/// let pool = ThreadPool::builder().max_threads(1).build().unwrap();
/// let (release, gate) = mpsc::channel::<()>();
/// let slow = pool.submit(move || gate.recv().unwrap()).unwrap();
/// let mut waiting = as_completed([slow], Some(Duration::from_millis(20)));
/// assert_eq!(waiting.next().map(|r| r.map(|_| ())), Some(Err(WaitTimeout)));
/// assert!(waiting.next().is_none());
/// let slow = waiting.into_pending().pop().unwrap(); // still ours
/// release.send(()).unwrap();
/// assert_eq!(slow.join(), Ok(()));
/// ```
pub struct AsCompleted<R, E = Infallible> {
    handles: Vec<Option<TaskHandle<R, E>>>,
    /// Handles not yet yielded.
    left: usize,
    completions: Arc<Completions>,
    deadline: Option<Instant>,
    timed_out: bool,
}

impl<R, E> AsCompleted<R, E> {
    /// The handles not yet yielded, in their original order (after a timeout, or to stop
    /// early).
    ///
    /// ```
    /// use selvedge_pool::{ThreadPool, as_completed};
    /// let pool = ThreadPool::builder().build().unwrap();
    /// let handles = vec![pool.submit(|| 1).unwrap(), pool.submit(|| 2).unwrap()];
    /// let mut it = as_completed(handles, None);
    /// let _first = it.next();
    /// assert_eq!(it.into_pending().len(), 1);
    /// ```
    pub fn into_pending(self) -> Vec<TaskHandle<R, E>> {
        self.handles.into_iter().flatten().collect()
    }

    /// The handles not yet yielded.
    ///
    /// ```
    /// use selvedge_pool::{ThreadPool, as_completed};
    /// let pool = ThreadPool::builder().build().unwrap();
    /// let it = as_completed([pool.submit(|| 1).unwrap()], None);
    /// assert_eq!(it.pending(), 1);
    /// ```
    pub fn pending(&self) -> usize {
        self.left
    }
}

impl<R, E> Iterator for AsCompleted<R, E> {
    type Item = Result<Completed<R, E>, WaitTimeout>;

    fn next(&mut self) -> Option<Self::Item> {
        if self.left == 0 || self.timed_out {
            return None;
        }
        let mut ready = self.completions.ready.lock();
        loop {
            if let Some(index) = ready.pop_front() {
                let Some(handle) = self.handles[index].take() else {
                    continue;
                };
                let id = handle.id();
                match handle.try_join() {
                    Ok(result) => {
                        self.left -= 1;
                        return Some(Ok(Completed { index, id, result }));
                    }
                    // Pushed only after the result was written, and only we take it.
                    Err(handle) => self.handles[index] = Some(handle),
                }
                continue;
            }
            let timed_out = match self.deadline {
                Some(deadline) => self
                    .completions
                    .pushed
                    .wait_until(&mut ready, deadline)
                    .timed_out(),
                None => {
                    self.completions.pushed.wait(&mut ready);
                    false
                }
            };
            if timed_out && ready.is_empty() {
                self.timed_out = true;
                return Some(Err(WaitTimeout));
            }
        }
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        if self.timed_out {
            (0, Some(0))
        } else {
            (0, Some(self.left + 1))
        }
    }
}

impl<R, E> FusedIterator for AsCompleted<R, E> {}

impl<R, E> fmt::Debug for AsCompleted<R, E> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AsCompleted")
            .field("pending", &self.left)
            .field("deadline", &self.deadline)
            .field("timed_out", &self.timed_out)
            .finish()
    }
}
