//! The visible-readers table: where a [`BiasedRwLock`](super::BiasedRwLock)'s fast-path readers
//! publish themselves instead of writing the lock.
//!
//! The table has one *row* per live thread and [`COLUMNS`] slots per row. A thread leases a row
//! on its first biased read and gives it back when it exits; a lock maps to one column by a
//! hash of its address. A fast-path reader stores the lock's address into its own row's slot for
//! that column, and clears it on unlock. A row is one 128-byte block written only by its owner,
//! so a fast read moves no cache line between cores. A writer revoking the bias reads its
//! lock's column in every row leased so far ([`leased_rows`]).
//!
//! Threads beyond [`ROWS`] live at once get no row and always take the lock's slow path, which
//! is exactly a plain reader-writer lock.

use std::cell::Cell;

use crossbeam_utils::CachePadded;

use crate::sync::atomic::{AtomicU64, AtomicUsize, Ordering};

/// Slots per row: one row is 16 x 8 bytes, one 128-byte block (two cache lines, which adjacent-
/// line prefetchers pull in pairs), so rows of different threads never share a line.
pub(crate) const COLUMNS: usize = 16;

/// Rows, i.e. threads that can read on the fast path at once. 128 rows are 16 KiB.
#[cfg(not(selvedge_loom))]
pub(crate) const ROWS: usize = 128;
/// Under loom a model has a handful of threads; a small table keeps the writer's scan short.
#[cfg(selvedge_loom)]
pub(crate) const ROWS: usize = 4;

const WORDS: usize = ROWS.div_ceil(64);

/// One thread's slots.
pub(crate) type Row = CachePadded<[AtomicUsize; COLUMNS]>;

/// The table: rows, which rows are leased, and how many rows a writer must scan.
pub(crate) struct Table {
    rows: [Row; ROWS],
    /// One bit per row: set while a thread holds the row.
    leased: [AtomicU64; WORDS],
    /// One past the highest row ever leased. Only grows, so a writer that scans `0..high_water`
    /// sees every row a reader could be using (see `RawBiasedRwLock::revoke`).
    high_water: AtomicUsize,
}

impl Table {
    #[cfg(not(selvedge_loom))]
    const fn new() -> Self {
        Self {
            rows: [const { CachePadded::new([const { AtomicUsize::new(0) }; COLUMNS]) }; ROWS],
            leased: [const { AtomicU64::new(0) }; WORDS],
            high_water: AtomicUsize::new(0),
        }
    }

    // loom's atomics register with the running model, so they cannot be built in `const`.
    #[cfg(selvedge_loom)]
    fn new() -> Self {
        Self {
            rows: std::array::from_fn(|_| {
                CachePadded::new(std::array::from_fn(|_| AtomicUsize::new(0)))
            }),
            leased: std::array::from_fn(|_| AtomicU64::new(0)),
            high_water: AtomicUsize::new(0),
        }
    }

    /// Takes the lowest free row, if any.
    fn lease(&self) -> Option<usize> {
        for (w, word) in self.leased.iter().enumerate() {
            let mut bits = word.load(Ordering::Relaxed);
            loop {
                let free = !bits;
                if free == 0 {
                    break;
                }
                let bit = free.trailing_zeros() as usize;
                let row = w * 64 + bit;
                if row >= ROWS {
                    break;
                }
                // Acquire, paired with `release`: the slots' last values from the row's previous
                // owner (all zero) happen before this thread's first look at them, so it never
                // mistakes a stale id for a read of its own.
                match word.compare_exchange_weak(
                    bits,
                    bits | 1 << bit,
                    Ordering::Acquire,
                    Ordering::Relaxed,
                ) {
                    Ok(_) => {
                        // Published before the lessee's first slot store, which the lessee's
                        // SeqCst fence orders against a writer's scan.
                        self.high_water.fetch_max(row + 1, Ordering::Relaxed);
                        return Some(row);
                    }
                    Err(now) => bits = now,
                }
            }
        }
        None
    }

    fn release(&self, row: usize) {
        self.leased[row / 64].fetch_and(!(1 << (row % 64)), Ordering::Release);
    }
}

#[cfg(not(selvedge_loom))]
static TABLE: Table = Table::new();

#[cfg(selvedge_loom)]
loom::lazy_static! {
    static ref TABLE: Table = Table::new();
}

/// The rows a writer must scan: every row leased since the process started, up to the highest.
/// Call after the writer's SeqCst fence.
pub(crate) fn leased_rows() -> &'static [Row] {
    let table: &'static Table = &TABLE;
    &table.rows[..table.high_water.load(Ordering::Relaxed)]
}

/// This thread's row state, in a const thread-local with no destructor, so it stays readable
/// while other thread-locals are being destroyed (a guard kept in one must still unlock).
const UNASSIGNED: usize = usize::MAX;
/// No row: the table was full, or the thread is exiting and gave its row back.
const NO_ROW: usize = usize::MAX - 1;
/// Set on a row the thread still reaches for unlocking but no longer reads through (exiting).
const RETIRED: usize = 1 << (usize::BITS - 2);

#[cfg(not(selvedge_loom))]
std::thread_local! {
    static ROW: Cell<usize> = const { Cell::new(UNASSIGNED) };
    static LEASE: Lease = const { Lease::none() };
}

// Loom runs every model thread on one OS thread; its `thread_local!` keeps them apart.
#[cfg(selvedge_loom)]
loom::thread_local! {
    static ROW: Cell<usize> = Cell::new(UNASSIGNED);
    static LEASE: Lease = Lease::none();
}

/// Gives the row back when its thread exits, unless a read guard of this thread still holds one
/// of its slots (a guard kept in another thread-local, or a forgotten one): then the row stays
/// reserved for the unlock that may still come, and is never reused.
///
/// It keeps its own copy of the row, so it works whether or not `ROW` is still there (in a
/// normal build `ROW` has no destructor and always is).
pub(super) struct Lease {
    row: Cell<usize>,
}

impl Lease {
    pub(super) const fn none() -> Self {
        Self {
            row: Cell::new(NO_ROW),
        }
    }

    /// Moves this thread's lease out, so a test can drop it as thread exit would.
    #[cfg(test)]
    pub(super) fn take_current() -> Self {
        LEASE.with(|lease| Self {
            row: Cell::new(lease.row.replace(NO_ROW)),
        })
    }
}

impl Drop for Lease {
    fn drop(&mut self) {
        let row = self.row.get();
        // Under loom the table lives for one execution, and a model's main thread drops its
        // locals after the execution's statics are gone; rows are not returned there (a model
        // has fewer threads than rows). Return and reuse are covered by the unit tests (also
        // under miri) and the come-and-go stress test.
        if row >= ROWS || cfg!(selvedge_loom) {
            return;
        }
        let table: &Table = &TABLE;
        let idle = table.rows[row]
            .iter()
            .all(|slot| slot.load(Ordering::Relaxed) == 0);
        let now = if idle {
            table.release(row);
            NO_ROW
        } else {
            RETIRED | row
        };
        let _ = ROW.try_with(|state| state.set(now));
    }
}

#[cold]
#[inline(never)]
fn assign(state: &Cell<usize>) -> usize {
    let table: &Table = &TABLE;
    // The lease records the row for its return at thread exit; if this thread is already
    // tearing down its thread-locals that fails and the thread reads on the slow path.
    let row = LEASE
        .try_with(|lease| {
            let row = table.lease().unwrap_or(NO_ROW);
            lease.row.set(row);
            row
        })
        .unwrap_or(NO_ROW);
    state.set(row);
    row
}

/// This thread's slot for `column`, to publish a new fast-path read in; `None` when the thread
/// has no row (the lock's slow path is used).
#[inline]
pub(crate) fn slot_for_new_read(column: usize) -> Option<&'static AtomicUsize> {
    ROW.try_with(|state| {
        let mut row = state.get();
        if row == UNASSIGNED {
            row = assign(state);
        }
        row_slot(row, column)
    })
    .ok()
    .flatten()
}

/// This thread's slot for `column`, to check whether a read it holds is a fast-path one; also
/// after the thread retired its row.
#[inline]
pub(crate) fn slot_for_unlock(column: usize) -> Option<&'static AtomicUsize> {
    ROW.try_with(|state| row_slot(state.get() & !RETIRED, column))
        .ok()
        .flatten()
}

#[inline]
fn row_slot(row: usize, column: usize) -> Option<&'static AtomicUsize> {
    if row < ROWS {
        let table: &'static Table = &TABLE;
        Some(&table.rows[row][column])
    } else {
        None
    }
}
