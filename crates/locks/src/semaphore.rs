//! [`Semaphore`]: a counter of permits with RAII release (Python's `threading.Semaphore`).

use std::fmt;
use std::time::{Duration, Instant};

use crate::deadline::wait_timeout_while;
use crate::error::WaitTimeout;
use crate::sync::{PlainCondvar, PlainMutex};

/// A counting semaphore: at most `permits` holders at a time. [`acquire`](Self::acquire)
/// blocks until a permit is free and returns a [`SemaphorePermit`] that gives it back when
/// dropped, so an early return or a panic never leaks a permit.
///
/// Built on the facade's `Mutex` and `Condvar`, so loom checks it. Waiters are woken all at
/// once on each release and re-check; there is no FIFO order, so a large
/// [`acquire_many`](Self::acquire_many) can wait while small requests keep succeeding.
///
/// # Examples
///
/// Limit concurrent downloads to two:
///
/// ```
/// use std::sync::atomic::{AtomicUsize, Ordering};
/// use selvedge_locks::Semaphore;
///
/// let slots = Semaphore::new(2);
/// let (active, peak) = (AtomicUsize::new(0), AtomicUsize::new(0));
/// std::thread::scope(|s| {
///     for _ in 0..6 {
///         s.spawn(|| {
///             let _permit = slots.acquire();
///             let now = active.fetch_add(1, Ordering::SeqCst) + 1;
///             peak.fetch_max(now, Ordering::SeqCst);
///             active.fetch_sub(1, Ordering::SeqCst);
///         });
///     }
/// });
/// assert!(peak.load(Ordering::SeqCst) <= 2);
/// assert_eq!(slots.available_permits(), 2);
/// ```
pub struct Semaphore {
    permits: PlainMutex<usize>,
    released: PlainCondvar,
}

/// Permits taken from a [`Semaphore`]; dropping it gives them back.
///
/// ```
/// let sem = selvedge_locks::Semaphore::new(3);
/// let permit = sem.acquire_many(2);
/// assert_eq!(permit.num_permits(), 2);
/// assert_eq!(sem.available_permits(), 1);
/// drop(permit);
/// assert_eq!(sem.available_permits(), 3);
/// ```
#[must_use = "the permit is released as soon as it is dropped"]
pub struct SemaphorePermit<'a> {
    semaphore: &'a Semaphore,
    count: usize,
}

impl Semaphore {
    /// A semaphore with `permits` free permits.
    ///
    /// ```
    /// assert_eq!(selvedge_locks::Semaphore::new(4).available_permits(), 4);
    /// ```
    #[must_use]
    pub fn new(permits: usize) -> Self {
        Self {
            permits: PlainMutex::new(permits),
            released: PlainCondvar::new(),
        }
    }

    /// Blocks until one permit is free and takes it.
    ///
    /// ```
    /// let sem = selvedge_locks::Semaphore::new(1);
    /// let permit = sem.acquire();
    /// assert!(sem.try_acquire().is_none());
    /// drop(permit);
    /// ```
    pub fn acquire(&self) -> SemaphorePermit<'_> {
        self.acquire_many(1)
    }

    /// Blocks until `n` permits are free and takes them all at once (never a part: two
    /// callers each holding half of what the other needs cannot happen). `n == 0` returns at
    /// once. A request above every permit that will ever exist waits forever: prefer
    /// [`acquire_many_timeout`](Self::acquire_many_timeout) when `n` comes from input.
    ///
    /// ```
    /// let sem = selvedge_locks::Semaphore::new(5);
    /// let three = sem.acquire_many(3);
    /// assert_eq!(sem.available_permits(), 2);
    /// # drop(three);
    /// ```
    pub fn acquire_many(&self, n: usize) -> SemaphorePermit<'_> {
        let mut permits = self.permits.lock();
        while *permits < n {
            self.released.wait(&mut permits);
        }
        *permits -= n;
        self.permit(n)
    }

    /// Takes one permit if one is free, without blocking.
    ///
    /// ```
    /// let sem = selvedge_locks::Semaphore::new(0);
    /// assert!(sem.try_acquire().is_none());
    /// sem.add_permits(1);
    /// assert!(sem.try_acquire().is_some());
    /// ```
    pub fn try_acquire(&self) -> Option<SemaphorePermit<'_>> {
        self.try_acquire_many(1)
    }

    /// Takes `n` permits if that many are free, without blocking.
    ///
    /// ```
    /// let sem = selvedge_locks::Semaphore::new(2);
    /// assert!(sem.try_acquire_many(3).is_none());
    /// assert!(sem.try_acquire_many(2).is_some());
    /// ```
    pub fn try_acquire_many(&self, n: usize) -> Option<SemaphorePermit<'_>> {
        let mut permits = self.permits.lock();
        if *permits < n {
            return None;
        }
        *permits -= n;
        Some(self.permit(n))
    }

    /// Waits at most `timeout` for one permit.
    ///
    /// # Errors
    ///
    /// [`WaitTimeout`] if no permit was free in time.
    ///
    /// ```
    /// use std::time::Duration;
    /// let sem = selvedge_locks::Semaphore::new(1);
    /// let _held = sem.acquire_timeout(Duration::from_millis(1)).unwrap();
    /// assert!(sem.acquire_timeout(Duration::from_millis(1)).is_err());
    /// ```
    pub fn acquire_timeout(&self, timeout: Duration) -> Result<SemaphorePermit<'_>, WaitTimeout> {
        self.acquire_many_timeout(1, timeout)
    }

    /// Waits at most `timeout` for `n` permits, taken all at once.
    ///
    /// # Errors
    ///
    /// [`WaitTimeout`] if `n` permits were not free in time.
    ///
    /// ```
    /// use std::time::Duration;
    /// let sem = selvedge_locks::Semaphore::new(1);
    /// assert!(sem.acquire_many_timeout(2, Duration::from_millis(1)).is_err());
    /// ```
    pub fn acquire_many_timeout(
        &self,
        n: usize,
        timeout: Duration,
    ) -> Result<SemaphorePermit<'_>, WaitTimeout> {
        let start = Instant::now();
        let mut permits = self.permits.lock();
        if !wait_timeout_while(&self.released, &mut permits, timeout, |p| *p >= n) {
            return Err(WaitTimeout {
                what: "semaphore permits",
                waited: start.elapsed(),
            });
        }
        *permits -= n;
        Ok(self.permit(n))
    }

    /// Adds `n` permits (saturating at `usize::MAX`) and wakes the waiters.
    ///
    /// ```
    /// let sem = selvedge_locks::Semaphore::new(0);
    /// sem.add_permits(2);
    /// assert_eq!(sem.available_permits(), 2);
    /// ```
    pub fn add_permits(&self, n: usize) {
        let mut permits = self.permits.lock();
        *permits = permits.saturating_add(n);
        drop(permits);
        self.released.notify_all();
    }

    /// The number of free permits (a snapshot).
    ///
    /// ```
    /// let sem = selvedge_locks::Semaphore::new(2);
    /// let _p = sem.acquire();
    /// assert_eq!(sem.available_permits(), 1);
    /// ```
    #[must_use]
    pub fn available_permits(&self) -> usize {
        *self.permits.lock()
    }

    fn permit(&self, count: usize) -> SemaphorePermit<'_> {
        SemaphorePermit {
            semaphore: self,
            count,
        }
    }
}

impl fmt::Debug for Semaphore {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Semaphore")
            .field("available_permits", &self.available_permits())
            .finish()
    }
}

impl SemaphorePermit<'_> {
    /// How many permits this holds.
    ///
    /// ```
    /// let sem = selvedge_locks::Semaphore::new(1);
    /// assert_eq!(sem.acquire().num_permits(), 1);
    /// ```
    #[must_use]
    pub fn num_permits(&self) -> usize {
        self.count
    }

    /// Keeps the permits taken for good: they are not returned on drop (to shrink a
    /// semaphore's capacity).
    ///
    /// ```
    /// let sem = selvedge_locks::Semaphore::new(2);
    /// sem.acquire().forget();
    /// assert_eq!(sem.available_permits(), 1);
    /// ```
    pub fn forget(mut self) {
        self.count = 0;
    }
}

impl Drop for SemaphorePermit<'_> {
    fn drop(&mut self) {
        if self.count > 0 {
            self.semaphore.add_permits(self.count);
        }
    }
}

impl fmt::Debug for SemaphorePermit<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SemaphorePermit")
            .field("permits", &self.count)
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use super::Semaphore;

    #[test]
    fn permits_come_back_across_threads() {
        let sem = Semaphore::new(1);
        let n = if cfg!(miri) { 10 } else { 500 };
        std::thread::scope(|s| {
            for _ in 0..2 {
                s.spawn(|| {
                    for _ in 0..n {
                        let permit = sem.acquire();
                        assert_eq!(sem.available_permits(), 0);
                        drop(permit);
                    }
                });
            }
        });
        assert_eq!(sem.available_permits(), 1);
    }
}
