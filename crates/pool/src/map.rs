//! [`ThreadPool::map`]: Python's `Executor.map`, lazy and bounded: at most `in_flight`
//! tasks submitted and not yet yielded, results in input order, the first failure ends it.

use std::collections::VecDeque;
use std::convert::Infallible;
use std::fmt;
use std::iter::FusedIterator;
use std::num::NonZeroUsize;

// std's `Arc`, not the facade's: loom's `Arc` cannot hold a `dyn Fn`, and this one only
// shares an immutable function between a map's tasks (no protocol rests on its count).
use std::sync::Arc;

use crate::engine::job::TaskImpl;
use crate::{Priority, SubmitError, TaskError, TaskHandle, ThreadPool};

/// The function a [`Map`] runs on each input, shared by its tasks.
type MapFn<I, R, E> = Arc<dyn Fn(I) -> Result<R, E> + Send + Sync>;

impl ThreadPool {
    /// Runs `f` on every input on the pool, lazily, at most [`Map::in_flight`] at a time,
    /// and yields the results in input order: Python's `executor.map(fn, items)`. A task
    /// that panics (or is refused) is yielded as `Err` in its place and ends the map.
    ///
    /// ```python
    /// with ThreadPoolExecutor(max_workers=4) as executor:
    ///     for user, profile in zip(users, executor.map(load_profile, users)):
    ///         print(user, profile)
    /// ```
    ///
    /// ```
    /// use selvedge_pool::ThreadPool;
    ///
    /// let pool = ThreadPool::builder().max_threads(4).build()?;
    /// let users = vec!["ada", "grace", "linus"];
    /// let load_profile = |user: &'static str| format!("{user}'s profile");
    /// for (user, profile) in users.iter().zip(pool.map(users.clone(), load_profile)) {
    ///     println!("{user} {}", profile?);
    /// }
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn map<I, R, F>(&self, inputs: I, f: F) -> Map<'_, I::IntoIter, R>
    where
        I: IntoIterator,
        I::Item: Send + 'static,
        F: Fn(I::Item) -> R + Send + Sync + 'static,
        R: Send + 'static,
    {
        Map::new(
            self,
            inputs.into_iter(),
            Arc::new(move |input| Ok(f(input))),
        )
    }

    /// [`map`](Self::map) for a function that can fail: the first `Err` (in input order) is
    /// yielded as [`MapError::Task`]`(`[`TaskError::Failed`]`)` and ends the map, as the
    /// first exception surfaces from Python's `executor.map`.
    ///
    /// ```python
    /// try:
    ///     sizes = list(executor.map(fetch_size, urls))
    /// except IOError as e:
    ///     print("failed:", e)
    /// ```
    ///
    /// ```
    /// use selvedge_pool::{MapError, TaskError, ThreadPool};
    ///
    /// let pool = ThreadPool::builder().max_threads(2).build().unwrap();
    /// let urls = ["https://a", "ftp://b", "https://c"];
    /// let fetch_size = |url: &str| if url.starts_with("https") { Ok(url.len()) } else { Err(format!("refused {url}")) };
    /// let sizes: Result<Vec<usize>, _> = pool.map_fallible(urls, fetch_size).collect();
    /// assert_eq!(sizes, Err(MapError::Task(TaskError::Failed("refused ftp://b".to_string()))));
    /// ```
    pub fn map_fallible<I, R, E, F>(&self, inputs: I, f: F) -> Map<'_, I::IntoIter, R, E>
    where
        I: IntoIterator,
        I::Item: Send + 'static,
        F: Fn(I::Item) -> Result<R, E> + Send + Sync + 'static,
        R: Send + 'static,
        E: fmt::Debug + Send + 'static,
    {
        Map::new(self, inputs.into_iter(), Arc::new(f))
    }
}

/// Why [`Map`] stopped early: an input's task failed, or the pool refused to take one.
///
/// ```
/// use selvedge_pool::{MapError, TaskError, ThreadPool};
/// let pool = ThreadPool::builder().build().unwrap();
/// let mut results = pool.map_fallible(["1", "x"], |s: &str| s.parse::<u8>());
/// assert_eq!(results.next(), Some(Ok(1)));
/// assert!(matches!(results.next(), Some(Err(MapError::Task(TaskError::Failed(_))))));
/// assert_eq!(results.next(), None);
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum MapError<E = Infallible> {
    /// The task for this input failed (returned `Err`, panicked, or was dropped at shutdown).
    Task(TaskError<E>),
    /// The pool refused the task for this input (full, or shut down).
    Submit(SubmitError),
}

impl<E: fmt::Display> fmt::Display for MapError<E> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Task(e) => e.fmt(f),
            Self::Submit(e) => e.fmt(f),
        }
    }
}

impl<E: std::error::Error + 'static> std::error::Error for MapError<E> {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            Self::Task(e) => Some(e),
            Self::Submit(e) => Some(e),
        }
    }
}

/// The iterator [`ThreadPool::map`] and [`ThreadPool::map_fallible`] return: one result per
/// input, in input order.
///
/// It submits nothing until the first `next`, then keeps at most
/// [`in_flight`](Self::in_flight) tasks submitted and not yet yielded (twice the pool's
/// `max_threads` by default), pulling inputs only as results are taken: a million inputs
/// never queue a million tasks. The first failure is yielded as `Err` in its input's place,
/// the tasks still queued behind it are cancelled, and the iterator ends; dropping it
/// cancels them too (tasks already running finish, detached).
///
/// Each `next` blocks until its input's task has finished, so do not iterate from a task of
/// the same pool when every worker may be doing the same (as with any join).
///
/// ```
/// use selvedge_pool::ThreadPool;
/// use std::num::NonZeroUsize;
///
/// let pool = ThreadPool::builder().max_threads(2).build().unwrap();
/// let squares = pool.map(1..=1_000_000u64, |n| n * n).in_flight(NonZeroUsize::new(8).unwrap());
/// let first: Vec<u64> = squares.take(3).map(Result::unwrap).collect();
/// assert_eq!(first, [1, 4, 9]); // at most 8 tasks were ever queued
/// ```
#[must_use = "a map submits nothing until it is iterated"]
pub struct Map<'p, It: Iterator, R, E = Infallible> {
    pool: &'p ThreadPool,
    inputs: It,
    f: MapFn<It::Item, R, E>,
    in_flight: usize,
    window: VecDeque<Result<TaskHandle<R, E>, SubmitError>>,
    done: bool,
}

impl<'p, It, R, E> Map<'p, It, R, E>
where
    It: Iterator,
    It::Item: Send + 'static,
    R: Send + 'static,
    E: fmt::Debug + Send + 'static,
{
    pub(crate) fn new(pool: &'p ThreadPool, inputs: It, f: MapFn<It::Item, R, E>) -> Self {
        let in_flight = pool.max_threads().saturating_mul(2);
        Self {
            pool,
            inputs,
            f,
            in_flight,
            window: VecDeque::new(),
            done: false,
        }
    }

    /// At most `limit` tasks submitted and not yet yielded (default: twice `max_threads`).
    /// Takes effect from the next refill.
    ///
    /// ```
    /// use selvedge_pool::ThreadPool;
    /// use std::num::NonZeroUsize;
    /// let pool = ThreadPool::builder().build().unwrap();
    /// let one_at_a_time = pool.map(0..4, |n| n + 1).in_flight(NonZeroUsize::MIN);
    /// assert_eq!(one_at_a_time.collect::<Result<Vec<_>, _>>(), Ok(vec![1, 2, 3, 4]));
    /// ```
    pub fn in_flight(mut self, limit: NonZeroUsize) -> Self {
        self.in_flight = limit.get();
        self
    }

    /// Submits inputs until the window is full or the inputs run out.
    fn refill(&mut self) {
        while self.window.len() < self.in_flight {
            let Some(input) = self.inputs.next() else {
                return;
            };
            let f = Arc::clone(&self.f);
            let task = TaskImpl::new(move || f(input), None);
            let submitted = self.pool.submit_task(task, Priority::Normal, None);
            let refused = submitted.is_err();
            self.window.push_back(submitted);
            if refused {
                // Yielded in its place; nothing after it is submitted.
                return;
            }
        }
    }

    /// Stops: cancels every task still queued in the window.
    fn stop(&mut self) {
        self.done = true;
        for handle in self.window.drain(..).flatten() {
            handle.cancel();
        }
    }
}

impl<It, R, E> Iterator for Map<'_, It, R, E>
where
    It: Iterator,
    It::Item: Send + 'static,
    R: Send + 'static,
    E: fmt::Debug + Send + 'static,
{
    type Item = Result<R, MapError<E>>;

    fn next(&mut self) -> Option<Self::Item> {
        if self.done {
            return None;
        }
        self.refill();
        let result = match self.window.pop_front()? {
            Ok(handle) => handle.join().map_err(MapError::Task),
            Err(refused) => Err(MapError::Submit(refused)),
        };
        if result.is_err() {
            self.stop();
        }
        Some(result)
    }
}

impl<It, R, E> FusedIterator for Map<'_, It, R, E>
where
    It: Iterator,
    It::Item: Send + 'static,
    R: Send + 'static,
    E: fmt::Debug + Send + 'static,
{
}

impl<It: Iterator, R, E> Drop for Map<'_, It, R, E> {
    fn drop(&mut self) {
        for handle in self.window.drain(..).flatten() {
            handle.cancel();
        }
    }
}

impl<It: Iterator, R, E> fmt::Debug for Map<'_, It, R, E> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Map")
            .field("in_flight", &self.in_flight)
            .field("submitted", &self.window.len())
            .field("done", &self.done)
            .finish_non_exhaustive()
    }
}
