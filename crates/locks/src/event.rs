//! [`Event`]: a flag threads can wait on (Python's `threading.Event`).

use std::fmt;
use std::time::{Duration, Instant};

use crate::deadline::wait_timeout_while;
use crate::error::WaitTimeout;
use crate::sync::{PlainCondvar, PlainMutex};

/// A boolean flag with waiting: [`wait`](Self::wait) blocks until another thread calls
/// [`set`](Self::set); every waiter wakes. The flag stays set until [`clear`](Self::clear).
///
/// As in Python's `threading.Event`, every thread waiting when `set` is called returns
/// (`wait_timeout` with `Ok`), even if `clear` follows at once, before it runs again: a set
/// is counted, not only a flag raised, so a waiter woken late does not mistake a cleared flag
/// for "never set".
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
///
/// A pulse: `set` then `clear` releases exactly the threads already waiting.
///
/// ```
/// use std::time::Duration;
/// use selvedge_locks::Event;
///
/// let pulse = Event::new();
/// std::thread::scope(|s| {
///     let waiter = s.spawn(|| pulse.wait_timeout(Duration::from_secs(10)));
///     while pulse.waiters() == 0 {
///         std::thread::yield_now();
///     }
///     pulse.set();
///     pulse.clear();
///     assert!(waiter.join().unwrap().is_ok());
/// });
/// assert!(!pulse.is_set());
/// ```
pub struct Event {
    state: PlainMutex<State>,
    changed: PlainCondvar,
}

/// What the event's mutex guards.
#[derive(Debug)]
struct State {
    set: bool,
    /// How many times `set` was called (wrapping). A waiter returns once the flag is up or
    /// this moved since it began waiting, so a `clear` right after a `set` strands nobody.
    sets: u64,
    /// Threads blocked in `wait` or `wait_timeout`.
    waiters: usize,
}

impl State {
    /// Whether a waiter that began when `sets` was `since` may return.
    fn released(&self, since: u64) -> bool {
        self.set || self.sets != since
    }
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
            state: PlainMutex::new(State {
                set: false,
                sets: 0,
                waiters: 0,
            }),
            changed: PlainCondvar::new(),
        }
    }

    /// Sets the flag and wakes every waiter; each of them returns, even if the flag is
    /// cleared again before it runs.
    ///
    /// ```
    /// let e = selvedge_locks::Event::new();
    /// e.set();
    /// e.wait(); // returns at once
    /// ```
    pub fn set(&self) {
        let mut state = self.state.lock();
        state.set = true;
        state.sets = state.sets.wrapping_add(1);
        let waiters = state.waiters;
        drop(state);
        if waiters > 0 {
            self.changed.notify_all();
        }
    }

    /// Clears the flag: later waiters block until the next [`set`](Self::set). Threads that
    /// were waiting when the last `set` was called still return.
    ///
    /// ```
    /// let e = selvedge_locks::Event::new();
    /// e.set();
    /// e.clear();
    /// assert!(!e.is_set());
    /// ```
    pub fn clear(&self) {
        self.state.lock().set = false;
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
        self.state.lock().set
    }

    /// How many threads are blocked in [`wait`](Self::wait) or
    /// [`wait_timeout`](Self::wait_timeout) now: a snapshot for tests and diagnostics (by the
    /// time it returns, waiters may have come or gone).
    ///
    /// ```
    /// let e = selvedge_locks::Event::new();
    /// assert_eq!(e.waiters(), 0);
    /// ```
    #[must_use]
    pub fn waiters(&self) -> usize {
        self.state.lock().waiters
    }

    /// Blocks until the flag is set, or until a [`set`](Self::set) made while this thread
    /// waited (even one already undone by [`clear`](Self::clear)).
    ///
    /// ```
    /// let e = selvedge_locks::Event::new();
    /// std::thread::scope(|s| {
    ///     s.spawn(|| e.set());
    ///     e.wait();
    /// });
    /// ```
    pub fn wait(&self) {
        let mut state = self.state.lock();
        let since = state.sets;
        if state.released(since) {
            return;
        }
        state.waiters += 1;
        while !state.released(since) {
            self.changed.wait(&mut state);
        }
        state.waiters -= 1;
    }

    /// Blocks until the flag is set (or a `set` is made while this thread waits, as
    /// [`wait`](Self::wait)), at most `timeout`. `Duration::ZERO` only checks the flag; a
    /// `timeout` too long to represent as an `Instant` waits without limit.
    ///
    /// # Errors
    ///
    /// [`WaitTimeout`] if no `set` came within `timeout`.
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
        let mut state = self.state.lock();
        let since = state.sets;
        if state.released(since) {
            return Ok(());
        }
        state.waiters += 1;
        let released = wait_timeout_while(&self.changed, &mut state, timeout, |state| {
            state.released(since)
        });
        state.waiters -= 1;
        if released {
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
        let state = self.state.lock();
        f.debug_struct("Event")
            .field("set", &state.set)
            .field("waiters", &state.waiters)
            .finish()
    }
}
