//! [`TaskBuilder`]: one task's priority, timeout or deadline and callbacks, then `submit`;
//! [`Fallible`] marks a builder whose closure returns `Result`.

use std::convert::Infallible;
use std::fmt;
use std::time::{Duration, Instant};

use crate::engine::job::{OnFailure, OnSuccess, TaskImpl};
use crate::{Priority, SubmitError, TaskError, TaskHandle, ThreadPool};

/// Configures one task before submitting it; made by [`ThreadPool::task`], or by
/// [`ThreadPool::task_fallible`] for a closure returning `Result<R, E>` (then `F` is
/// [`Fallible`], and `on_success` sees the `Ok` value, `on_failure` the `Err` as
/// [`TaskError::Failed`]).
///
/// - [`priority`](Self::priority): [`Priority::Normal`] unless set.
/// - [`timeout`](Self::timeout) / [`deadline`](Self::deadline): if the task is still queued
///   when the moment passes, it never runs; it resolves as [`TaskError::Expired`]. A task
///   that has started is never interrupted (Rust threads cannot be killed safely).
/// - [`on_success`](Self::on_success) / [`on_failure`](Self::on_failure): run on the worker
///   right after the task, before its handle resolves, so `join` returning means the callback
///   has run. `on_failure` sees [`TaskError::Failed`] (fallible tasks), [`TaskError::Panicked`]
///   or [`TaskError::Expired`]; neither
///   callback fires for a cancelled task or one dropped at shutdown. A panicking callback is
///   contained and reported as a `pool.callback_panicked` event.
///
/// # Examples
///
/// ```
/// use selvedge_pool::{Priority, TaskError, ThreadPool};
/// use std::sync::mpsc;
///
/// let pool = ThreadPool::builder().build().unwrap();
/// let (tx, rx) = mpsc::channel();
/// let failures = tx.clone();
/// let handle = pool
///     .task(|| 40 + 2)
///     .priority(Priority::High)
///     .on_success(move |v: &i32| tx.send(format!("ok {v}")).unwrap())
///     .on_failure(move |e: &TaskError| failures.send(format!("failed: {e}")).unwrap())
///     .submit()
///     .unwrap();
/// assert_eq!(handle.join(), Ok(42));
/// assert_eq!(rx.recv().unwrap(), "ok 42");
/// ```
#[must_use = "a task builder does nothing until `submit` is called"]
pub struct TaskBuilder<'p, F, R, E = Infallible> {
    pool: &'p ThreadPool,
    f: F,
    priority: Priority,
    deadline: Option<Instant>,
    on_success: Option<OnSuccess<R>>,
    on_failure: Option<OnFailure<E>>,
}

/// The closure of a [`TaskBuilder`] made by [`ThreadPool::task_fallible`]: it returns
/// `Result<R, E>`, and its `Err` is the task's failure. Only a type in the builder's
/// signature; nothing to construct.
///
/// ```
/// use selvedge_pool::{Fallible, TaskBuilder, ThreadPool};
/// use std::num::ParseIntError;
///
/// let pool = ThreadPool::builder().build().unwrap();
/// let builder: TaskBuilder<'_, Fallible<_>, u32, ParseIntError> =
///     pool.task_fallible(|| "12".parse::<u32>());
/// assert_eq!(builder.submit().unwrap().join(), Ok(12));
/// ```
pub struct Fallible<F>(pub(crate) F);

impl<F> fmt::Debug for Fallible<F> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Fallible(..)")
    }
}

impl<F, R, E> fmt::Debug for TaskBuilder<'_, F, R, E> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TaskBuilder")
            .field("priority", &self.priority)
            .field("deadline", &self.deadline)
            .finish_non_exhaustive()
    }
}

impl<F, R, E> TaskBuilder<'_, F, R, E> {
    /// Sets the priority.
    ///
    /// ```
    /// use selvedge_pool::{Priority, ThreadPool};
    /// let pool = ThreadPool::builder().build().unwrap();
    /// let h = pool.task(|| 1).priority(Priority::Low).submit().unwrap();
    /// assert_eq!(h.join(), Ok(1));
    /// ```
    pub fn priority(mut self, priority: Priority) -> Self {
        self.priority = priority;
        self
    }

    /// Expires the task if it has not started within `timeout` from now.
    ///
    /// ```
    /// use selvedge_pool::{TaskError, ThreadPool};
    /// use std::time::Duration;
    /// let pool = ThreadPool::builder().build().unwrap();
    /// let h = pool.task(|| 1).timeout(Duration::ZERO).submit().unwrap();
    /// assert_eq!(h.join(), Err(TaskError::Expired)); // a zero timeout has passed at once
    /// ```
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.deadline = Instant::now().checked_add(timeout);
        self
    }

    /// Expires the task if it has not started by `deadline`.
    ///
    /// ```
    /// use selvedge_pool::ThreadPool;
    /// use std::time::{Duration, Instant};
    /// let pool = ThreadPool::builder().build().unwrap();
    /// let h = pool.task(|| 1).deadline(Instant::now() + Duration::from_secs(60)).submit().unwrap();
    /// assert_eq!(h.join(), Ok(1));
    /// ```
    pub fn deadline(mut self, deadline: Instant) -> Self {
        self.deadline = Some(deadline);
        self
    }

    /// Runs `callback` with the value, on the worker, after the task returns.
    ///
    /// ```
    /// use selvedge_pool::ThreadPool;
    /// use std::sync::mpsc;
    /// let pool = ThreadPool::builder().build().unwrap();
    /// let (tx, rx) = mpsc::channel();
    /// pool.task(|| 3).on_success(move |v: &i32| tx.send(*v).unwrap()).submit().unwrap();
    /// assert_eq!(rx.recv().unwrap(), 3);
    /// ```
    pub fn on_success(mut self, callback: impl FnOnce(&R) + Send + 'static) -> Self {
        self.on_success = Some(Box::new(callback));
        self
    }

    /// Runs `callback` with the error, on the worker, if the task fails (a fallible task's
    /// `Err`), panics or expires.
    ///
    /// ```
    /// use selvedge_pool::{TaskError, ThreadPool};
    /// use std::sync::mpsc;
    /// let pool = ThreadPool::builder().build().unwrap();
    /// let (tx, rx) = mpsc::channel();
    /// pool.task(|| -> i32 { panic!("bad input") })
    ///     .on_failure(move |e: &TaskError| tx.send(e.clone()).unwrap())
    ///     .submit()
    ///     .unwrap();
    /// assert_eq!(rx.recv().unwrap(), TaskError::Panicked("bad input".into()));
    /// ```
    pub fn on_failure(mut self, callback: impl FnOnce(&TaskError<E>) + Send + 'static) -> Self {
        self.on_failure = Some(Box::new(callback));
        self
    }
}

impl<'p, F, R> TaskBuilder<'p, F, R>
where
    F: FnOnce() -> R + Send + 'static,
    R: Send + 'static,
{
    pub(crate) fn new(pool: &'p ThreadPool, f: F) -> Self {
        new_builder(pool, f)
    }

    /// The task with its callbacks, for the queue (`deadline` is the pool's to set).
    fn into_task(self) -> TaskImpl<impl FnOnce() -> Result<R, Infallible> + Send + 'static, R> {
        let f = self.f;
        let mut task = TaskImpl::new(move || Ok(f()), None);
        task.on_success = self.on_success;
        task.on_failure = self.on_failure;
        task
    }

    /// Submits the task without a handle (fire and forget): one allocation fewer. Its
    /// callbacks still fire; this is how a caller chains work, submitting the next task from
    /// a callback. Without callbacks and without a timeout or deadline it costs what
    /// [`ThreadPool::execute`] costs (only the closure is boxed), at any priority.
    ///
    /// # Errors
    ///
    /// As for [`ThreadPool::submit`].
    ///
    /// ```
    /// use selvedge_pool::{Priority, ThreadPool};
    /// use std::sync::mpsc;
    /// let pool = ThreadPool::builder().build().unwrap();
    /// let (tx, rx) = mpsc::channel();
    /// pool.task(|| 8).priority(Priority::Urgent).on_success(move |v: &i32| tx.send(*v).unwrap())
    ///     .execute()
    ///     .unwrap();
    /// assert_eq!(rx.recv().unwrap(), 8);
    /// ```
    pub fn execute(self) -> Result<(), SubmitError> {
        if self.deadline.is_none() && self.on_success.is_none() && self.on_failure.is_none() {
            return self.pool.execute_plain(self.f, self.priority);
        }
        let (priority, deadline) = (self.priority, self.deadline);
        self.pool.execute_task(self.into_task(), priority, deadline)
    }

    /// Submits the task.
    ///
    /// # Errors
    ///
    /// As for [`ThreadPool::submit`].
    ///
    /// ```
    /// let pool = selvedge_pool::ThreadPool::builder().build().unwrap();
    /// assert_eq!(pool.task(|| 'x').submit().unwrap().join(), Ok('x'));
    /// ```
    pub fn submit(self) -> Result<TaskHandle<R>, SubmitError> {
        let (priority, deadline) = (self.priority, self.deadline);
        self.pool.submit_task(self.into_task(), priority, deadline)
    }
}

/// A builder with no priority, deadline or callbacks set.
fn new_builder<F, R, E>(pool: &ThreadPool, f: F) -> TaskBuilder<'_, F, R, E> {
    TaskBuilder {
        pool,
        f,
        priority: Priority::Normal,
        deadline: None,
        on_success: None,
        on_failure: None,
    }
}

impl<'p, F, R, E> TaskBuilder<'p, Fallible<F>, R, E>
where
    F: FnOnce() -> Result<R, E> + Send + 'static,
    R: Send + 'static,
    E: fmt::Debug + Send + 'static,
{
    pub(crate) fn new_fallible(pool: &'p ThreadPool, f: F) -> Self {
        new_builder(pool, Fallible(f))
    }

    fn into_task(self) -> TaskImpl<F, R, E> {
        let mut task = TaskImpl::new(self.f.0, None);
        task.on_success = self.on_success;
        task.on_failure = self.on_failure;
        task
    }

    /// Submits the fallible task without a handle: its `Err` still counts as failed, reaches
    /// `on_failure` and is reported as a `pool.task_failed` event.
    ///
    /// # Errors
    ///
    /// As for [`ThreadPool::submit`].
    ///
    /// ```
    /// use selvedge_pool::{TaskError, ThreadPool};
    /// use std::sync::mpsc;
    /// let pool = ThreadPool::builder().build().unwrap();
    /// let (tx, rx) = mpsc::channel();
    /// pool.task_fallible(|| Err::<(), _>("disk full"))
    ///     .on_failure(move |e: &TaskError<&str>| tx.send(e.clone()).unwrap())
    ///     .execute()
    ///     .unwrap();
    /// assert_eq!(rx.recv().unwrap(), TaskError::Failed("disk full"));
    /// ```
    pub fn execute(self) -> Result<(), SubmitError> {
        let (priority, deadline) = (self.priority, self.deadline);
        self.pool.execute_task(self.into_task(), priority, deadline)
    }

    /// Submits the fallible task; its handle's `join` gives the `Err` back as
    /// [`TaskError::Failed`].
    ///
    /// # Errors
    ///
    /// As for [`ThreadPool::submit`].
    ///
    /// ```
    /// use selvedge_pool::{Priority, TaskError, ThreadPool};
    /// let pool = ThreadPool::builder().build().unwrap();
    /// let handle = pool.task_fallible(|| Err::<u8, String>("no such user".into()))
    ///     .priority(Priority::High)
    ///     .submit()
    ///     .unwrap();
    /// assert_eq!(handle.join(), Err(TaskError::Failed("no such user".to_string())));
    /// ```
    pub fn submit(self) -> Result<TaskHandle<R, E>, SubmitError> {
        let (priority, deadline) = (self.priority, self.deadline);
        self.pool.submit_task(self.into_task(), priority, deadline)
    }
}
