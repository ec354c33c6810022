//! `Counter`: the seed's `ThreadSafeCounter`, one lock-free atomic instead of a lock.

use std::fmt;

use selvedge_locks::sync::atomic::{AtomicI64, Ordering};

/// A lock-free signed counter: the seed's `ThreadSafeCounter`, with one atomic instead of a
/// lock around an integer.
///
/// Every operation is a single atomic instruction (or a compare-and-swap loop for
/// [`fetch_update`](Counter::fetch_update)), so it never blocks and never deadlocks. Writes
/// publish with `Release` and reads see them with `Acquire`: a thread that sees a value also
/// sees what the writer did before writing it. Arithmetic wraps on overflow, as `i64`'s
/// `wrapping_add` does.
///
/// When many threads only add and rarely read, [`StripedCounter`](crate::StripedCounter) is
/// faster: it spreads the additions over per-thread cells.
///
/// # Examples
///
/// ```
/// use selvedge_collections::Counter;
///
/// let requests = Counter::new(0);
/// std::thread::scope(|s| {
///     for _ in 0..4 {
///         s.spawn(|| {
///             for _ in 0..1_000 {
///                 requests.increment();
///             }
///         });
///     }
/// });
/// assert_eq!(requests.get(), 4_000);
/// ```
///
/// Python beside Rust:
///
/// ```text
/// counter = ThreadSafeCounter()           let counter = Counter::new(0);
/// counter.increment()        # -> 1       counter.increment();        // -> 1
/// counter.compare_and_swap(1, 5) # True   counter.compare_and_swap(1, 5) // Ok(1)
/// counter.set(9)             # -> 5       counter.swap(9);            // -> 5
/// ```
pub struct Counter {
    value: AtomicI64,
}

impl Counter {
    selvedge_locks::loom_const_fn! {
        /// A counter starting at `initial`. `const`, so a counter can be a `static`.
        ///
        /// ```
        /// use selvedge_collections::Counter;
        /// static ERRORS: Counter = Counter::new(0);
        /// ERRORS.increment();
        /// assert_eq!(ERRORS.get(), 1);
        /// ```
        #[must_use]
        pub const fn new(initial: i64) -> Self {
            Self {
                value: AtomicI64::new(initial),
            }
        }
    }

    /// Adds one and returns the new value.
    ///
    /// ```
    /// use selvedge_collections::Counter;
    /// let c = Counter::new(41);
    /// assert_eq!(c.increment(), 42);
    /// ```
    #[inline]
    pub fn increment(&self) -> i64 {
        self.add(1)
    }

    /// Subtracts one and returns the new value.
    ///
    /// ```
    /// use selvedge_collections::Counter;
    /// let c = Counter::new(1);
    /// assert_eq!(c.decrement(), 0);
    /// ```
    #[inline]
    pub fn decrement(&self) -> i64 {
        self.add(-1)
    }

    /// Adds `delta` (which may be negative) and returns the new value.
    ///
    /// ```
    /// use selvedge_collections::Counter;
    /// let c = Counter::new(10);
    /// assert_eq!(c.add(-3), 7);
    /// ```
    #[inline]
    pub fn add(&self, delta: i64) -> i64 {
        self.value
            .fetch_add(delta, Ordering::AcqRel)
            .wrapping_add(delta)
    }

    /// The current value.
    ///
    /// ```
    /// use selvedge_collections::Counter;
    /// assert_eq!(Counter::new(3).get(), 3);
    /// ```
    #[inline]
    #[must_use]
    pub fn get(&self) -> i64 {
        self.value.load(Ordering::Acquire)
    }

    /// Stores `value` and returns the value it replaced (std's `AtomicI64::swap`; the seed's
    /// `set`).
    ///
    /// ```
    /// use selvedge_collections::Counter;
    /// let c = Counter::new(3);
    /// assert_eq!(c.swap(9), 3);
    /// assert_eq!(c.get(), 9);
    /// ```
    #[inline]
    #[doc(alias = "set")]
    pub fn swap(&self, value: i64) -> i64 {
        self.value.swap(value, Ordering::AcqRel)
    }

    /// Stores `new` if the value is `expected`. Reports the value it found: `Ok(expected)`
    /// when it stored, `Err(actual)` when it did not, so a retry needs no second read.
    ///
    /// ```
    /// use selvedge_collections::Counter;
    /// let c = Counter::new(1);
    /// assert_eq!(c.compare_and_swap(1, 5), Ok(1));
    /// assert_eq!(c.compare_and_swap(1, 7), Err(5));
    /// assert_eq!(c.get(), 5);
    /// ```
    ///
    /// # Errors
    ///
    /// `Err(actual)` when the value was not `expected`; nothing was stored.
    #[inline]
    pub fn compare_and_swap(&self, expected: i64, new: i64) -> Result<i64, i64> {
        self.value
            .compare_exchange(expected, new, Ordering::AcqRel, Ordering::Acquire)
    }

    /// Applies `f` atomically: reads the value, stores `f(value)` if it is `Some`, and retries
    /// if another thread changed the value in between. Returns `Ok(previous)` once stored, or
    /// `Err(current)` as soon as `f` returns `None`. `f` may run several times.
    ///
    /// ```
    /// use selvedge_collections::Counter;
    /// let stock = Counter::new(2);
    /// let take = || stock.fetch_update(|n| (n > 0).then(|| n - 1));
    /// assert_eq!(take(), Ok(2));
    /// assert_eq!(take(), Ok(1));
    /// assert_eq!(take(), Err(0)); // sold out: never goes negative
    /// ```
    ///
    /// # Errors
    ///
    /// `Err(current)` when `f` returned `None`; nothing was stored.
    pub fn fetch_update(&self, f: impl FnMut(i64) -> Option<i64>) -> Result<i64, i64> {
        self.value
            .fetch_update(Ordering::AcqRel, Ordering::Acquire, f)
    }
}

impl Default for Counter {
    /// A counter at zero.
    fn default() -> Self {
        Self::new(0)
    }
}

impl From<i64> for Counter {
    fn from(initial: i64) -> Self {
        Self::new(initial)
    }
}

impl fmt::Debug for Counter {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("Counter").field(&self.get()).finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn arithmetic_returns_new_values_and_wraps() {
        let c = Counter::default();
        assert_eq!(c.increment(), 1);
        assert_eq!(c.decrement(), 0);
        assert_eq!(c.add(5), 5);
        let max = Counter::from(i64::MAX);
        assert_eq!(max.increment(), i64::MIN);
        assert_eq!(format!("{c:?}"), "Counter(5)");
    }

    #[test]
    fn fetch_update_retries_until_stored() {
        let c = Counter::new(3);
        assert_eq!(c.fetch_update(|n| Some(n * 2)), Ok(3));
        assert_eq!(c.get(), 6);
        assert_eq!(c.fetch_update(|_| None), Err(6));
    }
}
