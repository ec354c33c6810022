//! [`Latch`]: a one-shot count-down that releases every waiter at zero.

use std::fmt;
use std::time::{Duration, Instant};

use crate::deadline::wait_timeout_while;
use crate::error::WaitTimeout;
use crate::sync::{PlainCondvar, PlainMutex};

/// A count-down latch: starts at `count`, each [`count_down`](Self::count_down) subtracts
/// one, and [`wait`](Self::wait) blocks until it reaches zero. Unlike a [`Barrier`](crate::Barrier)
/// it is one-shot, and the threads counting down need not wait.
///
/// Built on the facade's `Mutex` and `Condvar`, so loom checks it.
///
/// # Examples
///
/// Wait for three workers to finish starting up:
///
/// ```
/// use selvedge_locks::Latch;
///
/// let started = Latch::new(3);
/// std::thread::scope(|s| {
///     for _ in 0..3 {
///         s.spawn(|| started.count_down());
///     }
///     started.wait();
///     assert_eq!(started.count(), 0);
/// });
/// ```
pub struct Latch {
    count: PlainMutex<usize>,
    zero: PlainCondvar,
}

impl Latch {
    /// A latch that opens after `count` calls to [`count_down`](Self::count_down) (at once if
    /// `count` is 0).
    ///
    /// ```
    /// selvedge_locks::Latch::new(0).wait(); // already open
    /// ```
    #[must_use]
    pub fn new(count: usize) -> Self {
        Self {
            count: PlainMutex::new(count),
            zero: PlainCondvar::new(),
        }
    }

    /// Subtracts one (staying at zero once there); at zero, wakes every waiter.
    ///
    /// ```
    /// let latch = selvedge_locks::Latch::new(1);
    /// latch.count_down();
    /// latch.count_down(); // no effect
    /// assert_eq!(latch.count(), 0);
    /// ```
    pub fn count_down(&self) {
        let mut count = self.count.lock();
        if *count == 0 {
            return;
        }
        *count -= 1;
        if *count == 0 {
            drop(count);
            self.zero.notify_all();
        }
    }

    /// The remaining count (a snapshot).
    ///
    /// ```
    /// assert_eq!(selvedge_locks::Latch::new(2).count(), 2);
    /// ```
    #[must_use]
    pub fn count(&self) -> usize {
        *self.count.lock()
    }

    /// Blocks until the count is zero.
    ///
    /// ```
    /// let latch = selvedge_locks::Latch::new(1);
    /// std::thread::scope(|s| {
    ///     s.spawn(|| latch.count_down());
    ///     latch.wait();
    /// });
    /// ```
    pub fn wait(&self) {
        let mut count = self.count.lock();
        while *count > 0 {
            self.zero.wait(&mut count);
        }
    }

    /// Blocks until the count is zero, at most `timeout`.
    ///
    /// # Errors
    ///
    /// [`WaitTimeout`] if the count was still above zero after `timeout`.
    ///
    /// ```
    /// use std::time::Duration;
    /// let latch = selvedge_locks::Latch::new(1);
    /// assert!(latch.wait_timeout(Duration::from_millis(1)).is_err());
    /// latch.count_down();
    /// assert!(latch.wait_timeout(Duration::from_millis(1)).is_ok());
    /// ```
    pub fn wait_timeout(&self, timeout: Duration) -> Result<(), WaitTimeout> {
        let start = Instant::now();
        let mut count = self.count.lock();
        if wait_timeout_while(&self.zero, &mut count, timeout, |c| *c == 0) {
            Ok(())
        } else {
            Err(WaitTimeout {
                what: "latch count to reach zero",
                waited: start.elapsed(),
            })
        }
    }
}

impl fmt::Debug for Latch {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Latch")
            .field("count", &self.count())
            .finish()
    }
}
