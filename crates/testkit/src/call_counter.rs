//! `CallCounter`: how many times a function ran (exactly-once initialisation, single-flight
//! login).

use std::sync::atomic::{AtomicUsize, Ordering};

/// Counts calls; put [`hit`](Self::hit) in the function under test and assert afterwards.
///
/// It uses std's atomics even under `selvedge_loom` (loom runs one model thread at a time,
/// and a counter is read after the threads joined), so it can live in a `static`.
///
/// # Examples
///
/// ```
/// use std::sync::OnceLock;
/// use selvedge_testkit::CallCounter;
///
/// static INITS: CallCounter = CallCounter::new();
/// static VALUE: OnceLock<u32> = OnceLock::new();
/// selvedge_testkit::stress(8, 10, |_, _| {
///     VALUE.get_or_init(|| {
///         INITS.hit();
///         42
///     });
/// })
/// .assert_ok();
/// INITS.assert_once();
/// ```
#[derive(Debug, Default)]
pub struct CallCounter {
    calls: AtomicUsize,
}

impl CallCounter {
    /// A counter at zero.
    ///
    /// ```
    /// assert_eq!(selvedge_testkit::CallCounter::new().count(), 0);
    /// ```
    #[must_use]
    pub const fn new() -> Self {
        Self {
            calls: AtomicUsize::new(0),
        }
    }

    /// Records one call and returns how many calls came before it.
    ///
    /// ```
    /// let counter = selvedge_testkit::CallCounter::new();
    /// assert_eq!(counter.hit(), 0);
    /// assert_eq!(counter.hit(), 1);
    /// ```
    pub fn hit(&self) -> usize {
        self.calls.fetch_add(1, Ordering::SeqCst)
    }

    /// Calls so far.
    ///
    /// ```
    /// let counter = selvedge_testkit::CallCounter::new();
    /// counter.hit();
    /// assert_eq!(counter.count(), 1);
    /// ```
    #[must_use]
    pub fn count(&self) -> usize {
        self.calls.load(Ordering::SeqCst)
    }

    /// Sets the count back to zero and returns what it was (one counter per round of a test).
    ///
    /// ```
    /// let counter = selvedge_testkit::CallCounter::new();
    /// counter.hit();
    /// assert_eq!(counter.reset(), 1);
    /// assert_eq!(counter.count(), 0);
    /// ```
    pub fn reset(&self) -> usize {
        self.calls.swap(0, Ordering::SeqCst)
    }

    /// Fails the test unless exactly `expected` calls were recorded.
    ///
    /// # Panics
    ///
    /// If the count differs.
    ///
    /// ```should_panic
    /// selvedge_testkit::CallCounter::new().assert_count(1);
    /// ```
    #[track_caller]
    pub fn assert_count(&self, expected: usize) {
        let count = self.count();
        assert!(
            count == expected,
            "expected {expected} call(s), counted {count}"
        );
    }

    /// Fails the test unless exactly one call was recorded.
    ///
    /// # Panics
    ///
    /// If the count is not 1.
    ///
    /// ```
    /// let counter = selvedge_testkit::CallCounter::new();
    /// counter.hit();
    /// counter.assert_once();
    /// ```
    #[track_caller]
    pub fn assert_once(&self) {
        self.assert_count(1);
    }
}
