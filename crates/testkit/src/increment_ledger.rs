//! `IncrementLedger`: checks that concurrent increments are linearizable, i.e. that the final
//! value equals the sum of the operations that reported success (no lost update, no phantom).

use std::fmt;
use std::sync::atomic::{AtomicI64, AtomicU64, Ordering};

/// Records the increments that succeeded, then checks a final value against their sum.
///
/// # Examples
///
/// ```
/// use std::sync::atomic::{AtomicI64, Ordering};
/// use selvedge_testkit::IncrementLedger;
///
/// let counter = AtomicI64::new(0);
/// let ledger = IncrementLedger::new();
/// selvedge_testkit::stress(4, 250, |thread, _| {
///     let delta = thread as i64 + 1;
///     counter.fetch_add(delta, Ordering::SeqCst);
///     ledger.record(delta);
/// })
/// .assert_ok();
/// ledger.assert_final(counter.load(Ordering::SeqCst));
/// ```
#[derive(Debug, Default)]
pub struct IncrementLedger {
    sum: AtomicI64,
    ops: AtomicU64,
}

/// The final value disagrees with the recorded increments.
///
/// ```
/// let ledger = selvedge_testkit::IncrementLedger::new();
/// ledger.record(2);
/// let error = ledger.check(1).unwrap_err();
/// assert_eq!((error.expected, error.found, error.ops), (2, 1, 1));
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LedgerMismatch {
    /// The sum of the recorded increments (the start value included).
    pub expected: i64,
    /// The final value found.
    pub found: i64,
    /// How many increments were recorded.
    pub ops: u64,
}

impl fmt::Display for LedgerMismatch {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let lost = self.expected - self.found;
        write!(
            f,
            "final value {} but {} successful increment(s) sum to {} ({lost} lost)",
            self.found, self.ops, self.expected
        )
    }
}

impl std::error::Error for LedgerMismatch {}

impl IncrementLedger {
    /// A ledger for a value that starts at 0.
    ///
    /// ```
    /// assert_eq!(selvedge_testkit::IncrementLedger::new().expected(), 0);
    /// ```
    #[must_use]
    pub const fn new() -> Self {
        Self::starting_at(0)
    }

    /// A ledger for a value that starts at `start`.
    ///
    /// ```
    /// assert_eq!(selvedge_testkit::IncrementLedger::starting_at(10).expected(), 10);
    /// ```
    #[must_use]
    pub const fn starting_at(start: i64) -> Self {
        Self {
            sum: AtomicI64::new(start),
            ops: AtomicU64::new(0),
        }
    }

    /// Records one increment of `delta` that reported success.
    ///
    /// ```
    /// let ledger = selvedge_testkit::IncrementLedger::new();
    /// ledger.record(-3);
    /// assert_eq!(ledger.expected(), -3);
    /// ```
    pub fn record(&self, delta: i64) {
        self.sum.fetch_add(delta, Ordering::Relaxed);
        self.ops.fetch_add(1, Ordering::Relaxed);
    }

    /// The value the counter must hold once all recorded increments are done.
    ///
    /// ```
    /// let ledger = selvedge_testkit::IncrementLedger::new();
    /// ledger.record(1);
    /// ledger.record(1);
    /// assert_eq!(ledger.expected(), 2);
    /// ```
    #[must_use]
    pub fn expected(&self) -> i64 {
        self.sum.load(Ordering::SeqCst)
    }

    /// Compares `found` with [`expected`](Self::expected).
    ///
    /// # Errors
    ///
    /// [`LedgerMismatch`] when they differ.
    ///
    /// ```
    /// let ledger = selvedge_testkit::IncrementLedger::new();
    /// ledger.record(5);
    /// assert!(ledger.check(5).is_ok());
    /// ```
    pub fn check(&self, found: i64) -> Result<(), LedgerMismatch> {
        let expected = self.expected();
        if expected == found {
            Ok(())
        } else {
            Err(LedgerMismatch {
                expected,
                found,
                ops: self.ops.load(Ordering::SeqCst),
            })
        }
    }

    /// Like [`check`](Self::check), but fails the calling test.
    ///
    /// # Panics
    ///
    /// If `found` differs from the expected sum.
    ///
    /// ```should_panic
    /// let ledger = selvedge_testkit::IncrementLedger::new();
    /// ledger.record(1);
    /// ledger.assert_final(0);
    /// ```
    #[track_caller]
    pub fn assert_final(&self, found: i64) {
        if let Err(mismatch) = self.check(found) {
            panic!("not linearizable: {mismatch}");
        }
    }
}
