//! The errors of the locks and blocking primitives.

use std::error::Error;
use std::fmt;
use std::panic::Location;
use std::time::Duration;

/// A timed acquisition (`try_lock_for`, `try_read_until`, ...) gave up.
///
/// It names the lock, where the caller asked for it, and how long it waited.
///
/// # Examples
///
/// ```
/// use std::time::Duration;
/// use selvedge_locks::Mutex;
///
/// let accounts = Mutex::named("accounts", 0);
/// let held = accounts.lock();
/// let err = std::thread::scope(|s| {
///     s.spawn(|| accounts.try_lock_for(Duration::from_millis(5)).unwrap_err()).join().unwrap()
/// });
/// drop(held);
/// assert_eq!(err.name(), "accounts");
/// assert!(err.waited() >= Duration::from_millis(5));
/// assert!(err.to_string().starts_with("timed out after"));
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LockTimeout {
    pub(crate) name: &'static str,
    pub(crate) waited: Duration,
    pub(crate) location: &'static Location<'static>,
}

impl LockTimeout {
    /// The lock's name (`"unnamed"` unless it was built with `named`).
    ///
    /// ```
    /// # use std::time::Duration;
    /// let lock = selvedge_locks::RwLock::named("config", ());
    /// let _w = lock.write();
    /// let err = std::thread::scope(|s| {
    ///     s.spawn(|| lock.try_read_for(Duration::from_millis(1)).unwrap_err()).join().unwrap()
    /// });
    /// assert_eq!(err.name(), "config");
    /// ```
    #[must_use]
    pub fn name(&self) -> &'static str {
        self.name
    }

    /// How long the caller waited before giving up.
    ///
    /// ```
    /// # use std::time::Duration;
    /// let lock = selvedge_locks::Mutex::new(());
    /// let _g = lock.lock();
    /// let err = std::thread::scope(|s| {
    ///     s.spawn(|| lock.try_lock_for(Duration::from_millis(2)).unwrap_err()).join().unwrap()
    /// });
    /// assert!(err.waited() >= Duration::from_millis(2));
    /// ```
    #[must_use]
    pub fn waited(&self) -> Duration {
        self.waited
    }

    /// The call site that asked for the lock.
    ///
    /// ```
    /// # use std::time::Duration;
    /// let lock = selvedge_locks::Mutex::new(());
    /// let _g = lock.lock();
    /// let err = std::thread::scope(|s| {
    ///     s.spawn(|| lock.try_lock_for(Duration::ZERO).unwrap_err()).join().unwrap()
    /// });
    /// assert!(err.location().file().ends_with(".rs"));
    /// ```
    #[must_use]
    pub fn location(&self) -> &'static Location<'static> {
        self.location
    }
}

impl fmt::Display for LockTimeout {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "timed out after {:?} waiting for lock `{}` at {}",
            self.waited, self.name, self.location
        )
    }
}

impl Error for LockTimeout {}

/// The same lock was passed twice to [`lock_both`](crate::lock_both) or
/// [`lock_all`](crate::lock_all); taking it twice would deadlock the caller.
///
/// # Examples
///
/// ```
/// use selvedge_locks::{Mutex, lock_both};
///
/// let account = Mutex::named("alice", 100);
/// let err = lock_both(&account, &account).unwrap_err();
/// assert_eq!(err.name(), "alice");
/// assert_eq!((err.first(), err.second()), (0, 1));
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SameLockError {
    pub(crate) name: &'static str,
    pub(crate) first: usize,
    pub(crate) second: usize,
}

impl SameLockError {
    /// The name of the lock that was passed twice.
    ///
    /// ```
    /// let m = selvedge_locks::Mutex::named("m", ());
    /// assert_eq!(selvedge_locks::lock_all(&[&m, &m]).unwrap_err().name(), "m");
    /// ```
    #[must_use]
    pub fn name(&self) -> &'static str {
        self.name
    }

    /// The position of its first occurrence among the arguments.
    ///
    /// ```
    /// let (a, b) = (selvedge_locks::Mutex::new(()), selvedge_locks::Mutex::new(()));
    /// assert_eq!(selvedge_locks::lock_all(&[&a, &b, &a]).unwrap_err().first(), 0);
    /// ```
    #[must_use]
    pub fn first(&self) -> usize {
        self.first
    }

    /// The position of its second occurrence among the arguments.
    ///
    /// ```
    /// let (a, b) = (selvedge_locks::Mutex::new(()), selvedge_locks::Mutex::new(()));
    /// assert_eq!(selvedge_locks::lock_all(&[&a, &b, &a]).unwrap_err().second(), 2);
    /// ```
    #[must_use]
    pub fn second(&self) -> usize {
        self.second
    }
}

impl fmt::Display for SameLockError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "lock `{}` was passed twice (arguments {} and {}); taking it twice would deadlock",
            self.name, self.first, self.second
        )
    }
}

impl Error for SameLockError {}

/// A timed wait on a [`Semaphore`](crate::Semaphore), [`Latch`](crate::Latch),
/// [`Event`](crate::Event) or [`Barrier`](crate::Barrier) ended before its condition held.
///
/// # Examples
///
/// ```
/// use std::time::Duration;
/// use selvedge_locks::Semaphore;
///
/// let pool = Semaphore::new(0);
/// let err = pool.acquire_timeout(Duration::from_millis(1)).unwrap_err();
/// assert_eq!(err.what(), "semaphore permits");
/// assert!(err.waited() >= Duration::from_millis(1));
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WaitTimeout {
    pub(crate) what: &'static str,
    pub(crate) waited: Duration,
}

impl WaitTimeout {
    /// What the caller was waiting for.
    ///
    /// ```
    /// let latch = selvedge_locks::Latch::new(1);
    /// let err = latch.wait_timeout(std::time::Duration::ZERO).unwrap_err();
    /// assert_eq!(err.what(), "latch count to reach zero");
    /// ```
    #[must_use]
    pub fn what(&self) -> &'static str {
        self.what
    }

    /// How long the caller waited.
    ///
    /// ```
    /// let event = selvedge_locks::Event::new();
    /// let err = event.wait_timeout(std::time::Duration::from_millis(1)).unwrap_err();
    /// assert!(err.waited() >= std::time::Duration::from_millis(1));
    /// ```
    #[must_use]
    pub fn waited(&self) -> Duration {
        self.waited
    }
}

impl fmt::Display for WaitTimeout {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "timed out after {:?} waiting for {}",
            self.waited, self.what
        )
    }
}

impl Error for WaitTimeout {}
