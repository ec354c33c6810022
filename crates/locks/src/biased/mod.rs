//! [`BiasedRwLock`]: a reader-writer lock whose readers write no shared memory while no writer
//! comes, after BRAVO (Dice and Kogan, "BRAVO: Biased Locking for Reader-Writer Locks", USENIX
//! ATC 2019).
//!
//! # Protocol
//!
//! The lock wraps the backend's reader-writer lock (`inner`), one state word (a *biased* bit and
//! the lock's id, a number never reused, given on first bias) and, beside it, a *debt*: the slow
//! reads owed before the bias may return.
//!
//! - **Fast read** (biased): publish the id in this thread's slot of the visible-readers table
//!   ([`readers`]), SeqCst fence, re-check the biased bit. Still biased: the read is held, and
//!   nothing shared was written. Not biased: clear the slot, take the slow path.
//! - **Slow read**: `inner.lock_shared()`; while holding it, pay one read of the debt (below)
//!   with a plain load and store of the debt word, and once it is paid set the biased bit by
//!   compare-and-swap on the state word (slow readers race each other; holding `inner` shared
//!   keeps writers out, so a writer never misses a bias set behind its back).
//! - **Write**: `inner.lock_exclusive()`; if biased, *revoke*: clear the bit, SeqCst fence,
//!   then wait until no row's slot for this lock holds the id.
//! - **Unlock read**: if this thread's slot holds the id, the read was a fast one: clear the
//!   slot (Release, for the writer that waits on it); otherwise `inner.unlock_shared()`.
//!
//! The bias is cleared only by a writer holding `inner` exclusive, which then waits for the
//! fast readers (or, in `try_write`, puts it back); the id, once set, never changes.
//!
//! The debt: a revoking write owes one slow read, each later write one more (capped), each
//! slow read pays one, and the bias returns when the debt is paid. So reads must outnumber
//! writes for the bias to come back: a read-mostly lock re-biases on the first read after a
//! write, a write-heavy one stays a plain lock and its writers never scan. (BRAVO re-biases
//! after a time proportional to the revocation's cost instead; on the map's read-heavy mix,
//! where each shard sees a write every ~50 operations, re-biasing on the next read measured
//! fastest, and the debt keeps the write-heavy mixes at the plain lock's speed.)
//!
//! The debt is a count, not part of the exclusion protocol, so it lives in a word of its own
//! and a payment is a relaxed load and store rather than a read-modify-write: on a write-heavy
//! lock every read is slow and pays, and a locked instruction there cost as much as the read's
//! own acquisition of `inner`. Writers change the debt only holding `inner` exclusive, so no
//! payment races a write. Slow readers paying at once may lose payments (a late store can put
//! back a count another reader already paid down), which only delays the bias by as many
//! reads; a store never goes below zero and never touches the state word, so exclusion is
//! untouched. The debt means nothing while the lock is biased: the revoking writer sets it
//! afresh.
//!
//! The two fences make the reader's slot store and the writer's bit clear a Dekker pair: either
//! the writer's scan sees the slot, or the reader's re-check sees the cleared bit. Data written
//! under the lock reaches a fast reader through the chain writer unlock (Release) -> slow
//! reader's `inner` acquire -> its bias store (Release) -> the fast reader's re-check (Acquire);
//! a fast reader's reads reach the next writer through the slot clear (Release) -> the
//! writer's scan (Acquire).

#[cfg(selvedge_loom)]
mod loom_lock;
mod readers;

use std::fmt;

use parking_lot::lock_api;

use crate::raw::RawRwLock;
use crate::sync::atomic::{AtomicU8, AtomicU64, Ordering, fence};
use crate::sync::{hint, thread};

/// A reader-writer lock for read-mostly data: while no writer comes, a read writes nothing
/// another core reads, so readers on many cores never slow each other down.
///
/// A plain reader-writer lock (std's, parking_lot's, [`RwLock`](crate::RwLock)) counts its
/// readers in the lock word, so every read moves that cache line between the cores that read:
/// readers of different keys of one map shard contend as much as writers would. A
/// `BiasedRwLock` lets readers publish themselves in a per-thread slot instead (BRAVO). A writer
/// pays for it: the first write after reads *revokes* the bias, scanning one slot per thread
/// that ever read biased (a few hundred nanoseconds with a handful of threads), and only if a
/// read came since the previous write, so a run of writes pays once.
///
/// The API is [`lock_api::RwLock`]'s (parking_lot's): `read`, `write`, `try_read`,
/// `try_write`, `get_mut`, `into_inner`, guard mapping. No upgradable reads, no timeouts, no
/// lock-order checking, no contention events: it is the building block for hot read paths
/// (selvedge-collections' map shards), not a replacement for [`RwLock`](crate::RwLock).
///
/// `BiasedRwLock<T>` is `Sync` when `T: Send + Sync`. Guards are not `Send` (a read is
/// recorded in its thread's slot, so it must be released on that thread; for the same reason
/// lock_api's `unsafe` `force_unlock_read` must be called on the thread that took the read).
///
/// # Examples
///
/// ```
/// use std::sync::Arc;
/// use selvedge_locks::BiasedRwLock;
///
/// let prices = Arc::new(BiasedRwLock::new(vec![10, 20, 30]));
/// let readers: Vec<_> = (0..4)
///     .map(|_| {
///         let prices = prices.clone();
///         std::thread::spawn(move || (0..1_000).map(|_| prices.read()[1]).sum::<u64>())
///     })
///     .collect();
/// prices.write()[0] = 11; // waits for fast-path readers, then excludes everyone
/// for r in readers {
///     assert_eq!(r.join().unwrap(), 20_000);
/// }
/// assert_eq!(*prices.read(), [11, 20, 30]);
/// ```
///
/// A read guard cannot move to another thread:
///
/// ```compile_fail
/// let lock = selvedge_locks::BiasedRwLock::new(0);
/// let guard = lock.read();
/// std::thread::scope(|s| { s.spawn(move || drop(guard)); });
/// ```
///
/// but can be shared with one:
///
/// ```
/// let lock = selvedge_locks::BiasedRwLock::new(1);
/// let guard = lock.read();
/// let shared = &guard;
/// std::thread::scope(|s| { s.spawn(move || assert_eq!(**shared, 1)); });
/// ```
#[cfg(not(selvedge_loom))]
pub type BiasedRwLock<T> = lock_api::RwLock<RawBiasedRwLock, T>;

#[cfg(selvedge_loom)]
pub use self::loom_lock::BiasedRwLock;

/// Shared guard of a [`BiasedRwLock`]; releases the read when dropped.
///
/// ```
/// let lock = selvedge_locks::BiasedRwLock::new(String::from("a"));
/// let guard: selvedge_locks::BiasedRwLockReadGuard<'_, String> = lock.read();
/// assert_eq!(guard.len(), 1);
/// ```
pub type BiasedRwLockReadGuard<'a, T> = lock_api::RwLockReadGuard<'a, RawBiasedRwLock, T>;

/// Exclusive guard of a [`BiasedRwLock`]; releases the write when dropped.
///
/// ```
/// let lock = selvedge_locks::BiasedRwLock::new(1);
/// let mut guard: selvedge_locks::BiasedRwLockWriteGuard<'_, i32> = lock.write();
/// *guard += 1;
/// drop(guard);
/// assert_eq!(*lock.read(), 2);
/// ```
pub type BiasedRwLockWriteGuard<'a, T> = lock_api::RwLockWriteGuard<'a, RawBiasedRwLock, T>;

const BIASED: u64 = 1 << 63;
/// The id's bits of the state word.
const ID_MASK: u64 = (1 << 56) - 1;
/// While unbiased, the debt word counts the slow reads still needed before the bias returns:
/// a revoking write sets it to one, every further write adds one (up to `DEBT_MAX`), every
/// slow read takes one off. So the bias comes back only where reads outnumber writes.
const DEBT_MAX: u8 = 0x7f;

/// The raw lock behind [`BiasedRwLock`]; use it through that alias.
///
/// ```
/// use selvedge_locks::{RawBiasedRwLock, lock_api::RawRwLock as _};
///
/// let raw = RawBiasedRwLock::INIT;
/// raw.lock_shared();
/// assert!(!raw.try_lock_exclusive());
/// // SAFETY: this thread holds the shared lock taken above.
/// unsafe { raw.unlock_shared() };
/// assert!(raw.try_lock_exclusive());
/// // SAFETY: this thread holds the exclusive lock taken above.
/// unsafe { raw.unlock_exclusive() };
/// ```
pub struct RawBiasedRwLock {
    inner: RawRwLock,
    words: Words,
}

impl fmt::Debug for RawBiasedRwLock {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let word = self.state().load(Ordering::Relaxed);
        f.debug_struct("RawBiasedRwLock")
            .field("biased", &(word & BIASED != 0))
            .field("id", &(word & ID_MASK))
            .finish_non_exhaustive()
    }
}

/// The state word (biased bit and id) and the debt word.
struct StateAndDebt {
    state: AtomicU64,
    debt: AtomicU8,
}

impl StateAndDebt {
    #[cfg(not(selvedge_loom))]
    const fn new() -> Self {
        Self {
            state: AtomicU64::new(0),
            debt: AtomicU8::new(0),
        }
    }

    // loom's atomics register with the running model, so they cannot be built in `const`.
    #[cfg(selvedge_loom)]
    fn new() -> Self {
        Self {
            state: AtomicU64::new(0),
            debt: AtomicU8::new(0),
        }
    }
}

/// The two words: atomics in a normal build; under loom created on first use, because lock_api
/// needs a `const INIT` and loom atomics exist only inside a model.
#[cfg(not(selvedge_loom))]
struct Words(StateAndDebt);
#[cfg(selvedge_loom)]
struct Words(std::sync::OnceLock<StateAndDebt>);

impl RawBiasedRwLock {
    #[cfg(not(selvedge_loom))]
    #[inline]
    fn words(&self) -> &StateAndDebt {
        &self.words.0
    }

    #[cfg(selvedge_loom)]
    fn words(&self) -> &StateAndDebt {
        self.words.0.get_or_init(StateAndDebt::new)
    }

    #[inline]
    pub(crate) fn state(&self) -> &AtomicU64 {
        &self.words().state
    }

    #[inline]
    fn debt(&self) -> &AtomicU8 {
        &self.words().debt
    }

    /// The fast path: a read published in this thread's slot, or `false` for the slow path.
    #[inline]
    fn try_read_biased(&self) -> bool {
        let word = self.state().load(Ordering::Relaxed);
        if word & BIASED == 0 {
            return false;
        }
        let id = word_id(word);
        let Some(slot) = readers::slot_for_new_read(column(id)) else {
            return false;
        };
        if slot.load(Ordering::Relaxed) != 0 {
            // This thread already reads another lock through this slot.
            return false;
        }
        slot.store(id, Ordering::Relaxed);
        fence(Ordering::SeqCst);
        if self.state().load(Ordering::Acquire) & BIASED != 0 {
            return true;
        }
        // A writer is revoking; nothing was read, so no ordering is owed to it.
        slot.store(0, Ordering::Relaxed);
        false
    }

    /// Called holding `inner` shared: pays one read of the debt, and restores the bias when it
    /// is paid, so the next reads are fast.
    #[inline]
    fn after_slow_read(&self) {
        let word = self.state().load(Ordering::Relaxed);
        if word & BIASED == 0 {
            self.pay_debt(word);
        }
    }

    /// Pays one read of the debt: a plain store, since racing slow readers can only lose
    /// payments to each other, which delays the bias and nothing else (see the module docs).
    /// The last payment sets the bias by compare-and-swap: a plain store could give the lock a
    /// second id, and a lost race means another slow reader set it.
    #[inline]
    fn pay_debt(&self, word: u64) {
        let debt = self.debt().load(Ordering::Relaxed);
        if debt > 1 {
            self.debt().store(debt - 1, Ordering::Relaxed);
            return;
        }
        self.rebias(word);
    }

    #[cold]
    #[inline(never)]
    fn rebias(&self, word: u64) {
        let id = match word & ID_MASK {
            0 => next_id(),
            id => id,
        };
        // Release: a fast reader that sees the bit sees what every earlier writer wrote.
        let _ =
            self.state()
                .compare_exchange(word, BIASED | id, Ordering::Release, Ordering::Relaxed);
    }

    /// Called holding `inner` exclusive: revokes the bias, or adds this write to the debt.
    #[inline]
    fn after_exclusive(&self, wait: bool) -> bool {
        let word = self.state().load(Ordering::Relaxed);
        if word & BIASED != 0 {
            return self.revoke(wait);
        }
        // No reader or other writer runs now, so a plain store cannot lose an update.
        let debt = self.debt().load(Ordering::Relaxed);
        if debt < DEBT_MAX {
            self.debt().store(debt + 1, Ordering::Relaxed);
        }
        true
    }

    /// Called holding `inner` exclusive with the bias set: clears it and waits until no thread
    /// reads on the fast path. With `wait == false`, restores the bias and returns `false`
    /// instead of waiting.
    #[cold]
    #[inline(never)]
    fn revoke(&self, wait: bool) -> bool {
        let state = self.state();
        let id = word_id(state.load(Ordering::Relaxed));
        self.debt().store(1, Ordering::Relaxed);
        state.store(id as u64, Ordering::Relaxed);
        fence(Ordering::SeqCst);
        let column = column(id);
        for row in readers::leased_rows() {
            let slot = &row[column];
            let mut spins = 0_u32;
            while slot.load(Ordering::Acquire) == id {
                if !wait {
                    // Put the bias back: a reader is still in, and a later writer, finding the
                    // bias clear, would not wait for it. Nothing was written, so fast readers
                    // may go on as before.
                    state.store(BIASED | id as u64, Ordering::Release);
                    return false;
                }
                if spins < 64 {
                    spins += 1;
                    hint::spin_loop();
                } else {
                    thread::yield_now();
                }
            }
        }
        true
    }
}

#[inline]
#[allow(clippy::cast_possible_truncation, reason = "ids stay below 2^56")]
const fn word_id(word: u64) -> usize {
    (word & ID_MASK) as usize
}

/// The visible-readers column of a lock: Fibonacci hashing spreads consecutive ids (the shards
/// of one map) over the columns.
#[inline]
#[allow(clippy::cast_possible_truncation, reason = "the shift keeps 4 bits")]
const fn column(id: usize) -> usize {
    ((id as u64).wrapping_mul(0x9E37_79B9_7F4A_7C15) >> (64 - readers::COLUMNS.trailing_zeros()))
        as usize
}

/// A lock id never used before (ids are not reused, so a stale slot can never name a live
/// lock). 2^56 ids: at a billion new biased locks a second, two years. Never 0, which means
/// "no id yet", even after the counter wraps.
fn next_id() -> u64 {
    #[cfg(not(selvedge_loom))]
    static NEXT: AtomicU64 = AtomicU64::new(0);
    #[cfg(selvedge_loom)]
    loom::lazy_static! {
        static ref NEXT: AtomicU64 = AtomicU64::new(0);
    }
    NEXT.fetch_add(1, Ordering::Relaxed) % ID_MASK + 1
}

// SAFETY: shared and exclusive holds exclude each other: slow readers and writers through
// `inner`; fast readers and writers through the revocation protocol in the module docs (a
// writer holds `inner` exclusive and has seen every slot drained before it returns, and no fast
// read starts while the bias is clear). Guards are `GuardNoSend` because a fast read lives in
// the locking thread's slot.
#[allow(unsafe_code)]
unsafe impl lock_api::RawRwLock for RawBiasedRwLock {
    #[allow(
        clippy::declare_interior_mutable_const,
        reason = "lock_api's INIT pattern"
    )]
    const INIT: Self = Self {
        inner: <RawRwLock as lock_api::RawRwLock>::INIT,
        #[cfg(not(selvedge_loom))]
        words: Words(StateAndDebt::new()),
        #[cfg(selvedge_loom)]
        words: Words(std::sync::OnceLock::new()),
    };

    type GuardMarker = lock_api::GuardNoSend;

    #[inline]
    fn lock_shared(&self) {
        if !self.try_read_biased() {
            self.inner.lock_shared();
            self.after_slow_read();
        }
    }

    #[inline]
    fn try_lock_shared(&self) -> bool {
        if self.try_read_biased() {
            return true;
        }
        let locked = self.inner.try_lock_shared();
        if locked {
            self.after_slow_read();
        }
        locked
    }

    #[inline]
    unsafe fn unlock_shared(&self) {
        let id = word_id(self.state().load(Ordering::Relaxed));
        match readers::slot_for_unlock(column(id)) {
            // A thread's slot holds the id only while that thread holds a fast read of this lock
            // (ids are never 0 and never reused), so this read is released by clearing it.
            Some(slot) if id != 0 && slot.load(Ordering::Relaxed) == id => {
                slot.store(0, Ordering::Release);
            }
            // SAFETY: the caller holds a shared lock on this thread, and no fast read is
            // recorded for it, so it holds `inner` shared.
            _ => unsafe { self.inner.unlock_shared() },
        }
    }

    #[inline]
    fn lock_exclusive(&self) {
        self.inner.lock_exclusive();
        self.after_exclusive(true);
    }

    #[inline]
    fn try_lock_exclusive(&self) -> bool {
        if !self.inner.try_lock_exclusive() {
            return false;
        }
        if !self.after_exclusive(false) {
            // SAFETY: taken just above.
            unsafe { self.inner.unlock_exclusive() };
            return false;
        }
        true
    }

    #[inline]
    unsafe fn unlock_exclusive(&self) {
        // SAFETY: the caller holds the exclusive lock, which is `inner`'s.
        unsafe { self.inner.unlock_exclusive() }
    }

    fn is_locked(&self) -> bool {
        if self.inner.is_locked() {
            return true;
        }
        let id = word_id(self.state().load(Ordering::Relaxed));
        id != 0
            && readers::leased_rows()
                .iter()
                .any(|row| row[column(id)].load(Ordering::Relaxed) == id)
    }

    fn is_locked_exclusive(&self) -> bool {
        self.inner.is_locked_exclusive()
    }
}

#[cfg(test)]
mod tests;
