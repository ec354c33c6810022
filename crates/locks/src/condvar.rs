//! [`Condvar`]: a condition variable for [`Mutex`](crate::Mutex) guards (Python's
//! `threading.Condition`, with the lock kept separate).

use std::fmt;
use std::time::{Duration, Instant};

use crate::mutex::MutexGuard;
use crate::raw;

/// A condition variable: threads wait on it with a [`MutexGuard`] until another thread
/// notifies. On Linux a futex sequence counter (std's design, paired with the futex `Mutex`);
/// elsewhere parking_lot's `Condvar`; under loom, one built on loom's.
///
/// Wake-ups can be spurious: wait in a loop on your condition, or use
/// [`wait_while`](Self::wait_while).
///
/// # Examples
///
/// ```
/// use selvedge_locks::{Condvar, Mutex};
///
/// let queue = (Mutex::new(Vec::<u32>::new()), Condvar::new());
/// std::thread::scope(|s| {
///     s.spawn(|| {
///         queue.0.lock().push(7);
///         queue.1.notify_one();
///     });
///     let mut items = queue.0.lock();
///     queue.1.wait_while(&mut items, |items| items.is_empty());
///     assert_eq!(items.pop(), Some(7));
/// });
/// ```
///
/// # Differences from parking_lot and std
///
/// Waiting takes `&mut MutexGuard` (parking_lot's shape, not std's guard-by-value). Under
/// loom, timed waits never time out (see the crate's Limitations).
pub struct Condvar {
    inner: raw::Condvar,
}

/// Whether a timed wait returned because its time ran out.
///
/// ```
/// use std::time::Duration;
/// let (m, cv) = (selvedge_locks::Mutex::new(()), selvedge_locks::Condvar::new());
/// let mut guard = m.lock();
/// assert!(cv.wait_for(&mut guard, Duration::from_millis(1)).timed_out());
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct WaitTimeoutResult(bool);

impl WaitTimeoutResult {
    /// `true` if the wait ended by timeout rather than by a notification.
    ///
    /// ```
    /// # let (m, cv) = (selvedge_locks::Mutex::new(()), selvedge_locks::Condvar::new());
    /// # let mut guard = m.lock();
    /// let result = cv.wait_for(&mut guard, std::time::Duration::ZERO);
    /// assert!(result.timed_out());
    /// ```
    #[must_use]
    pub fn timed_out(self) -> bool {
        self.0
    }
}

impl Condvar {
    /// A condition variable with no waiters; `const`, so it can be a `static`.
    ///
    /// ```
    /// static READY: selvedge_locks::Condvar = selvedge_locks::Condvar::new();
    /// assert!(!READY.notify_one()); // nobody waits
    /// ```
    #[must_use]
    pub const fn new() -> Self {
        Self {
            inner: raw::Condvar::new(),
        }
    }

    /// Releases the guard's lock, blocks until notified, and re-takes the lock.
    ///
    /// ```
    /// # use selvedge_locks::{Condvar, Mutex};
    /// let state = (Mutex::new(false), Condvar::new());
    /// std::thread::scope(|s| {
    ///     s.spawn(|| { *state.0.lock() = true; state.1.notify_all(); });
    ///     let mut ready = state.0.lock();
    ///     while !*ready {
    ///         state.1.wait(&mut ready);
    ///     }
    /// });
    /// ```
    pub fn wait<T: ?Sized>(&self, guard: &mut MutexGuard<'_, T>) {
        guard.release_during(|raw| self.inner.wait(raw));
    }

    /// Waits until `condition` returns `false`, re-checking after every wake-up.
    ///
    /// ```
    /// # use selvedge_locks::{Condvar, Mutex};
    /// let state = (Mutex::new(0), Condvar::new());
    /// std::thread::scope(|s| {
    ///     s.spawn(|| { *state.0.lock() = 3; state.1.notify_all(); });
    ///     let mut n = state.0.lock();
    ///     state.1.wait_while(&mut n, |n| *n < 3);
    ///     assert_eq!(*n, 3);
    /// });
    /// ```
    pub fn wait_while<T: ?Sized>(
        &self,
        guard: &mut MutexGuard<'_, T>,
        mut condition: impl FnMut(&mut T) -> bool,
    ) {
        while condition(&mut **guard) {
            self.wait(guard);
        }
    }

    /// Waits while `condition` returns `true`, giving up after `timeout`: Python's
    /// `Condition.wait_for(predicate, timeout)` with the condition negated, as in
    /// [`wait_while`](Self::wait_while).
    ///
    /// The condition is checked first (no wait if it is already `false`), again after every
    /// wake-up (spurious ones included, which do not extend the wait), and once more when the
    /// time runs out. So the result says whether the wait was satisfied:
    /// [`timed_out`](WaitTimeoutResult::timed_out) is `false` exactly when the last check found
    /// `condition` `false`, and Python's return value is `!result.timed_out()`. A `timeout` too
    /// long to represent as an `Instant` waits without limit, like `wait_while`.
    ///
    /// # Examples
    ///
    /// The Python
    ///
    /// ```text
    /// with cond:
    ///     if not cond.wait_for(lambda: len(queue) > 0, timeout=1.0):
    ///         raise TimeoutError("no work")
    ///     item = queue.pop()
    /// ```
    ///
    /// ports to
    ///
    /// ```
    /// use std::time::Duration;
    /// use selvedge_locks::{Condvar, Mutex};
    ///
    /// let (queue, cond) = (Mutex::new(Vec::<u32>::new()), Condvar::new());
    /// std::thread::scope(|s| {
    ///     s.spawn(|| {
    ///         queue.lock().push(7);
    ///         cond.notify_one();
    ///     });
    ///     let mut items = queue.lock();
    ///     let result = cond.wait_while_for(&mut items, |q| q.is_empty(), Duration::from_secs(10));
    ///     assert!(!result.timed_out(), "no work");
    ///     assert_eq!(items.pop(), Some(7));
    /// });
    ///
    /// // Nobody pushes: the wait gives up, and the queue is still empty.
    /// let mut items = queue.lock();
    /// let result = cond.wait_while_for(&mut items, |q| q.is_empty(), Duration::from_millis(5));
    /// assert!(result.timed_out());
    /// ```
    pub fn wait_while_for<T: ?Sized>(
        &self,
        guard: &mut MutexGuard<'_, T>,
        condition: impl FnMut(&mut T) -> bool,
        timeout: Duration,
    ) -> WaitTimeoutResult {
        match Instant::now().checked_add(timeout) {
            Some(deadline) => self.wait_while_until(guard, condition, deadline),
            None => {
                self.wait_while(guard, condition);
                WaitTimeoutResult(false)
            }
        }
    }

    /// Waits while `condition` returns `true`, giving up at `deadline`; the result is as in
    /// [`wait_while_for`](Self::wait_while_for): `timed_out()` is `false` exactly when the last
    /// check found `condition` `false`.
    ///
    /// ```
    /// # use selvedge_locks::{Condvar, Mutex};
    /// # use std::time::{Duration, Instant};
    /// let (ready, cond) = (Mutex::new(true), Condvar::new());
    /// let mut g = ready.lock();
    /// // Already satisfied: returns at once, even with a deadline in the past.
    /// assert!(!cond.wait_while_until(&mut g, |ready| !*ready, Instant::now()).timed_out());
    /// *g = false;
    /// let deadline = Instant::now() + Duration::from_millis(1);
    /// assert!(cond.wait_while_until(&mut g, |ready| !*ready, deadline).timed_out());
    /// ```
    pub fn wait_while_until<T: ?Sized>(
        &self,
        guard: &mut MutexGuard<'_, T>,
        mut condition: impl FnMut(&mut T) -> bool,
        deadline: Instant,
    ) -> WaitTimeoutResult {
        while condition(&mut **guard) {
            if self.wait_until(guard, deadline).timed_out() {
                // A notification may have raced with the deadline: the last word is the
                // condition's, as in std's `wait_timeout_while` and Python's `wait_for`.
                return WaitTimeoutResult(condition(&mut **guard));
            }
        }
        WaitTimeoutResult(false)
    }

    /// Like [`wait`](Self::wait), but gives up at `deadline`.
    ///
    /// ```
    /// # use selvedge_locks::{Condvar, Mutex};
    /// # use std::time::{Duration, Instant};
    /// let (m, cv) = (Mutex::new(()), Condvar::new());
    /// let mut g = m.lock();
    /// assert!(cv.wait_until(&mut g, Instant::now() + Duration::from_millis(1)).timed_out());
    /// ```
    pub fn wait_until<T: ?Sized>(
        &self,
        guard: &mut MutexGuard<'_, T>,
        deadline: Instant,
    ) -> WaitTimeoutResult {
        WaitTimeoutResult(
            guard.release_during(|raw| self.inner.wait_until(raw, deadline).timed_out()),
        )
    }

    /// Like [`wait`](Self::wait), but gives up after `timeout`.
    ///
    /// ```
    /// # use selvedge_locks::{Condvar, Mutex};
    /// let (m, cv) = (Mutex::new(()), Condvar::new());
    /// let mut g = m.lock();
    /// assert!(cv.wait_for(&mut g, std::time::Duration::from_millis(1)).timed_out());
    /// ```
    pub fn wait_for<T: ?Sized>(
        &self,
        guard: &mut MutexGuard<'_, T>,
        timeout: Duration,
    ) -> WaitTimeoutResult {
        WaitTimeoutResult(guard.release_during(|raw| self.inner.wait_for(raw, timeout).timed_out()))
    }

    /// Wakes one waiting thread; returns whether one was woken (always `true` under loom).
    ///
    /// ```
    /// assert!(!selvedge_locks::Condvar::new().notify_one());
    /// ```
    pub fn notify_one(&self) -> bool {
        self.inner.notify_one()
    }

    /// Wakes every waiting thread; returns how many were woken (always 0 under loom).
    ///
    /// ```
    /// assert_eq!(selvedge_locks::Condvar::new().notify_all(), 0);
    /// ```
    pub fn notify_all(&self) -> usize {
        self.inner.notify_all()
    }
}

impl Default for Condvar {
    fn default() -> Self {
        Self::new()
    }
}

impl fmt::Debug for Condvar {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Condvar").finish_non_exhaustive()
    }
}
