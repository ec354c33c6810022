//! [`Event`]: a flag threads can wait on (Python's `threading.Event`).

use std::fmt;
use std::time::{Duration, Instant};

use crate::deadline::wait_timeout_while;
use crate::error::WaitTimeout;
use crate::sync::{Condvar, Mutex};

/// A boolean flag with waiting: [`wait`](Self::wait) blocks until another thread calls
/// [`set`](Self::set); every waiter wakes. The flag stays set until [`clear`](Self::clear).
///
/// Built on the facade's `Mutex` and `Condvar`, so loom checks it.
///
/// # Examples
///
/// ```
/// use selvedge_locks::Event;
///
/// let ready = Event::new();
/// std::thread::scope(|s| {
///     for _ in 0..3 {
///         s.spawn(|| ready.wait());
///     }
///     ready.set(); // wakes all three
/// });
/// assert!(ready.is_set());
/// ```
pub struct Event {
    flag: Mutex<bool>,
    changed: Condvar,
}

impl Event {
    /// An event that is not set.
    ///
    /// ```
    /// assert!(!selvedge_locks::Event::new().is_set());
    /// ```
    #[must_use]
    pub fn new() -> Self {
        Self {
            flag: Mutex::new(false),
            changed: Condvar::new(),
        }
    }

    /// Sets the flag and wakes every waiter.
    ///
    /// ```
    /// let e = selvedge_locks::Event::new();
    /// e.set();
    /// e.wait(); // returns at once
    /// ```
    pub fn set(&self) {
        *self.flag.lock() = true;
        self.changed.notify_all();
    }

    /// Clears the flag: later waiters block until the next [`set`](Self::set).
    ///
    /// ```
    /// let e = selvedge_locks::Event::new();
    /// e.set();
    /// e.clear();
    /// assert!(!e.is_set());
    /// ```
    pub fn clear(&self) {
        *self.flag.lock() = false;
    }

    /// Whether the flag is set.
    ///
    /// ```
    /// let e = selvedge_locks::Event::new();
    /// e.set();
    /// assert!(e.is_set());
    /// ```
    #[must_use]
    pub fn is_set(&self) -> bool {
        *self.flag.lock()
    }

    /// Blocks until the flag is set.
    ///
    /// ```
    /// let e = selvedge_locks::Event::new();
    /// std::thread::scope(|s| {
    ///     s.spawn(|| e.set());
    ///     e.wait();
    /// });
    /// ```
    pub fn wait(&self) {
        let mut flag = self.flag.lock();
        while !*flag {
            self.changed.wait(&mut flag);
        }
    }

    /// Blocks until the flag is set, at most `timeout`.
    ///
    /// # Errors
    ///
    /// [`WaitTimeout`] if the flag was still clear after `timeout`.
    ///
    /// ```
    /// use std::time::Duration;
    /// let e = selvedge_locks::Event::new();
    /// assert!(e.wait_timeout(Duration::from_millis(1)).is_err());
    /// e.set();
    /// assert!(e.wait_timeout(Duration::from_millis(1)).is_ok());
    /// ```
    pub fn wait_timeout(&self, timeout: Duration) -> Result<(), WaitTimeout> {
        let start = Instant::now();
        let mut flag = self.flag.lock();
        if wait_timeout_while(&self.changed, &mut flag, timeout, |set| *set) {
            Ok(())
        } else {
            Err(WaitTimeout {
                what: "event to be set",
                waited: start.elapsed(),
            })
        }
    }
}

impl Default for Event {
    fn default() -> Self {
        Self::new()
    }
}

impl fmt::Debug for Event {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Event")
            .field("set", &self.is_set())
            .finish()
    }
}
