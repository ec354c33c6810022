//! `StripedCounter`: Java's `LongAdder`, additions spread over per-thread cache-padded cells.

use std::fmt;

use crossbeam_utils::CachePadded;
use selvedge_locks::sync::atomic::{AtomicI64, Ordering};
use selvedge_locks::sync::static_atomic::AtomicUsize;
use selvedge_locks::sync::thread;

/// The most cells a counter gets, whatever the parallelism: 64 cache lines (8 KiB) is plenty
/// to keep a large machine's threads apart, and bounds what `sum` has to read.
const MAX_CELLS: usize = 64;

/// Hands each thread a distinct sequence number, its first choice of cell. This is a
/// placement hint, not synchronization: any value is correct, distinct ones are only faster.
static NEXT_THREAD: AtomicUsize = AtomicUsize::new(0);

// Per model thread under loom, so a model's threads spread over cells as real threads do.
selvedge_locks::loom_thread_local! {
    static THREAD_SLOT: usize = NEXT_THREAD.fetch_add(1, Ordering::Relaxed);
}

/// A counter for many writers and few readers: Java's `LongAdder`.
///
/// Each thread adds to its own cache-padded cell (threads are numbered in the order they
/// first touch any striped counter, and thread *n* uses cell *n* modulo the cell count, which
/// is a power of two at least twice the available parallelism). Two threads adding at once
/// therefore usually touch different cache lines, where a single atomic would bounce one line
/// between their cores on every add. [`sum`](StripedCounter::sum) pays instead: it reads every
/// cell.
///
/// # What `sum` sees
///
/// `sum` reads the cells one after another; it is not an atomic snapshot.
///
/// - With no add running, it is exact.
/// - It includes every add that *happened before* the `sum` call (for instance, adds by
///   threads that were joined, or that published through a lock or channel you then read).
/// - Adds running during the `sum` may or may not be included, each one entirely or not at
///   all; so while adds run, the result may be a value the counter never held at any single
///   instant (an add that is counted may have started after an add that is not).
/// - Like [`Counter`](crate::Counter) it wraps on overflow. `sum` does not synchronize other
///   memory: reading a total does not make the adders' other writes visible.
///
/// [`reset`](StripedCounter::reset) empties each cell with an atomic swap and returns what it
/// took, so every add is counted exactly once: either in the total returned by a `reset`, or
/// left in the counter for later.
///
/// # Examples
///
/// ```
/// use selvedge_collections::StripedCounter;
///
/// let bytes_sent = StripedCounter::new();
/// std::thread::scope(|s| {
///     for _ in 0..4 {
///         s.spawn(|| {
///             for _ in 0..1_000 {
///                 bytes_sent.add(512);
///             }
///         });
///     }
/// });
/// assert_eq!(bytes_sent.sum(), 4 * 1_000 * 512);
/// ```
pub struct StripedCounter {
    cells: Box<[CachePadded<AtomicI64>]>,
    /// `cells.len() - 1`.
    mask: usize,
}

impl StripedCounter {
    /// A counter at zero with a cell count fitted to the machine's parallelism.
    ///
    /// ```
    /// use selvedge_collections::StripedCounter;
    /// assert_eq!(StripedCounter::new().sum(), 0);
    /// ```
    #[must_use]
    pub fn new() -> Self {
        let threads = thread::available_parallelism().map_or(4, usize::from);
        Self::with_cells(threads * 2)
    }

    /// A counter at zero with `cells` cells, rounded up to a power of two between 1 and 64.
    ///
    /// ```
    /// use selvedge_collections::StripedCounter;
    /// let c = StripedCounter::with_cells(3);
    /// assert_eq!(c.cell_count(), 4);
    /// ```
    #[must_use]
    pub fn with_cells(cells: usize) -> Self {
        let cells = cells.clamp(1, MAX_CELLS).next_power_of_two();
        Self {
            cells: (0..cells)
                .map(|_| CachePadded::new(AtomicI64::new(0)))
                .collect(),
            mask: cells - 1,
        }
    }

    /// How many cells the counter spreads its additions over.
    ///
    /// ```
    /// use selvedge_collections::StripedCounter;
    /// assert!(StripedCounter::new().cell_count().is_power_of_two());
    /// ```
    #[must_use]
    pub fn cell_count(&self) -> usize {
        self.cells.len()
    }

    /// Adds `delta` (which may be negative) to this thread's cell.
    ///
    /// ```
    /// use selvedge_collections::StripedCounter;
    /// let c = StripedCounter::new();
    /// c.add(5);
    /// c.add(-2);
    /// assert_eq!(c.sum(), 3);
    /// ```
    #[inline]
    pub fn add(&self, delta: i64) {
        let slot = THREAD_SLOT.with(|slot| *slot);
        // Relaxed: the cells carry only the count; `sum` documents that it orders nothing else.
        self.cells[slot & self.mask].fetch_add(delta, Ordering::Relaxed);
    }

    /// Adds one.
    ///
    /// ```
    /// use selvedge_collections::StripedCounter;
    /// let c = StripedCounter::new();
    /// c.increment();
    /// assert_eq!(c.sum(), 1);
    /// ```
    #[inline]
    pub fn increment(&self) {
        self.add(1);
    }

    /// The total of all cells; see [what `sum` sees](StripedCounter#what-sum-sees).
    ///
    /// ```
    /// use selvedge_collections::StripedCounter;
    /// let c = StripedCounter::new();
    /// c.add(40);
    /// c.add(2);
    /// assert_eq!(c.sum(), 42);
    /// ```
    #[must_use]
    pub fn sum(&self) -> i64 {
        self.cells.iter().fold(0_i64, |sum, cell| {
            sum.wrapping_add(cell.load(Ordering::Relaxed))
        })
    }

    /// Sets the counter to zero and returns the total it took out. Every add is counted once:
    /// in this total, or (if it lands after its cell was emptied) in the counter afterwards.
    ///
    /// ```
    /// use selvedge_collections::StripedCounter;
    /// let c = StripedCounter::new();
    /// c.add(7);
    /// assert_eq!(c.reset(), 7);
    /// assert_eq!(c.sum(), 0);
    /// ```
    pub fn reset(&self) -> i64 {
        self.cells.iter().fold(0_i64, |sum, cell| {
            sum.wrapping_add(cell.swap(0, Ordering::Relaxed))
        })
    }
}

impl Default for StripedCounter {
    /// Same as [`StripedCounter::new`].
    fn default() -> Self {
        Self::new()
    }
}

impl fmt::Debug for StripedCounter {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("StripedCounter")
            .field("sum", &self.sum())
            .field("cells", &self.cells.len())
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cells_are_a_clamped_power_of_two() {
        assert_eq!(StripedCounter::with_cells(0).cell_count(), 1);
        assert_eq!(StripedCounter::with_cells(5).cell_count(), 8);
        assert_eq!(StripedCounter::with_cells(10_000).cell_count(), MAX_CELLS);
    }

    #[test]
    fn adds_from_threads_sum_exactly_and_reset_drains() {
        let counter = StripedCounter::with_cells(4);
        std::thread::scope(|s| {
            for _ in 0..3 {
                s.spawn(|| {
                    for _ in 0..10 {
                        counter.increment();
                    }
                });
            }
        });
        assert_eq!(counter.sum(), 30);
        assert_eq!(counter.reset(), 30);
        assert_eq!(counter.sum(), 0);
        assert!(format!("{counter:?}").contains("sum: 0"));
    }
}
