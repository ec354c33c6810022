//! A shard's table: its entries ([`Slot`]), and how it grows so that a `Hash` that panics
//! leaves it as it was.
//!
//! The entries keep no hash (for `u64` keys and values that is 16 bytes an entry instead of
//! 24: a third less memory to fault in, move when growing, and miss in cache), so growing
//! calls the hasher on every key, and user code may panic part-way. The map never lets
//! hashbrown grow a table from inside an insert: before an insert it makes room itself
//! ([`grow`]), and the hasher it hands hashbrown's `entry` is never called
//! (`tests/it/panicking_hash.rs` counts the calls). [`grow`] then rebuilds the table in one of
//! two ways, both of which leave it untouched when a hash panics:
//!
//! - **By hashbrown's resize**, when the table is mostly entries (always so when it has no
//!   tombstones: a plain doubling). hashbrown copies each entry into a new allocation as it
//!   hashes it and frees the new allocation, without dropping what it copied, if a hash
//!   panics; the old table is not written until every entry has been copied. One pass, no
//!   side allocation.
//! - **By hashing every key first**, into a side list, touching nothing, and only then moving
//!   the entries into a new allocation with room for all of them, when at least half of the
//!   table is tombstones. hashbrown would rebuild such a table in place instead, and a hash
//!   that panics there loses entries (before 0.17 it also kept a wrong length and tombstoned
//!   live entries).
//!
//! Which of the two hashbrown's `reserve` would take depends on the table's full capacity (what
//! its allocation holds with no tombstones): it rebuilds in place when the entries plus the one
//! to insert are at most half of it. hashbrown does not report that figure, so a [`Table`]
//! records it whenever this module gives the table a new allocation (then there is no
//! tombstone, and `capacity()` is exactly that figure), together with the allocation's size in
//! bytes. A table whose allocation changed behind the record (its size in bytes differs: a
//! different bucket count) is grown the second way, which needs no record.

use std::borrow::Borrow;
use std::ops::{Deref, DerefMut};

use hashbrown::{HashTable, TryReserveError};

/// One entry of a shard's table.
#[derive(Clone)]
pub(super) struct Slot<K, V> {
    pub(super) key: K,
    pub(super) value: V,
}

impl<K, V> Slot<K, V> {
    /// Whether this slot holds `key`. hashbrown calls this only for entries whose 7-bit hash
    /// tag matches, so `Eq` runs on about one in 128 of the other keys it probes.
    #[inline]
    pub(super) fn is<Q>(&self, key: &Q) -> bool
    where
        K: Borrow<Q>,
        Q: Eq + ?Sized,
    {
        self.key.borrow() == key
    }
}

/// One shard's table: hashbrown's, and the record of its allocation that [`grow`] reads. It
/// dereferences to the hashbrown table for everything but growing.
#[derive(Clone)]
pub(super) struct Table<K, V> {
    entries: HashTable<Slot<K, V>>,
    allocation: Allocation,
}

/// What a table's allocation was when this module last made it: a clone copies the allocation
/// with its bucket count, and so the record with it.
#[derive(Clone, Copy, Default)]
struct Allocation {
    /// `allocation_size()` then, in bytes: hashbrown's allocation grows with the bucket count,
    /// so an equal size means the same buckets.
    bytes: usize,
    /// `capacity()` then: the entries the buckets hold with no tombstones.
    full_capacity: usize,
}

impl<K, V> Table<K, V> {
    /// The number of entries.
    #[inline]
    pub(super) fn len(&self) -> usize {
        self.entries.len()
    }

    /// The entries, the table consumed.
    pub(super) fn into_entries(self) -> hashbrown::hash_table::IntoIter<Slot<K, V>> {
        self.entries.into_iter()
    }

    /// Records the allocation of `entries`, which this module has just made or rebuilt, so
    /// holds no tombstone.
    fn record_allocation(&mut self) {
        self.allocation = Allocation {
            bytes: self.entries.allocation_size(),
            full_capacity: self.entries.capacity(),
        };
    }

    /// Whether hashbrown's `reserve(1)` would rebuild this full table by resizing it, not in
    /// place: the record is this allocation's, and the entries plus one are more than half of
    /// its full capacity (hashbrown's own test, in `reserve_rehash`).
    fn grows_by_resizing(&self) -> bool {
        self.allocation.bytes == self.entries.allocation_size()
            && self.len() + 1 > self.allocation.full_capacity / 2
    }
}

/// An empty table, with no allocation (written out: a derive would ask `K: Default`).
impl<K, V> Default for Table<K, V> {
    fn default() -> Self {
        Self {
            entries: HashTable::new(),
            allocation: Allocation::default(),
        }
    }
}

impl<K, V> Deref for Table<K, V> {
    type Target = HashTable<Slot<K, V>>;
    #[inline]
    fn deref(&self) -> &Self::Target {
        &self.entries
    }
}

impl<K, V> DerefMut for Table<K, V> {
    #[inline]
    fn deref_mut(&mut self) -> &mut Self::Target {
        &mut self.entries
    }
}

/// Whether `table` must grow before it takes one more entry: hashbrown's own test
/// (`capacity` is the entries plus the free places that are not tombstones).
#[inline]
pub(super) fn is_full<K, V>(table: &Table<K, V>) -> bool {
    table.len() == table.capacity()
}

/// Makes room in the full `table` for one more entry, as hashbrown would: a table mostly of
/// entries doubles its buckets (hashbrown's resize), one at least half tombstones is rebuilt
/// at twice its entries (with the side list of hashes), which keeps its size or shrinks it.
///
/// # Panics
///
/// If `hash` panics, with `table` unchanged. A refused allocation aborts, as in hashbrown.
pub(super) fn grow<K, V>(table: &mut Table<K, V>, hash: impl Fn(&K) -> u64) {
    if table.grows_by_resizing() {
        // A panicking `hash` unwinds out of hashbrown's resize with `entries` as they were
        // (see the module docs), so the record still describes them.
        table.entries.reserve(1, |slot| hash(&slot.key));
        table.record_allocation();
        return;
    }
    let hashes = hashes(table, &hash);
    let capacity = table.len().saturating_mul(2).max(table.len() + 1);
    move_into(table, hashes, HashTable::with_capacity(capacity), &hash);
}

/// An empty table with room for `capacity` entries, or why it cannot have it.
pub(super) fn try_with_capacity<K, V>(capacity: usize) -> Result<Table<K, V>, TryReserveError> {
    let mut table = Table::default();
    // An empty table has nothing to rehash: the hasher is not called.
    table.entries.try_reserve(capacity, |_| {
        unreachable!("an empty table rehashes nothing")
    })?;
    table.record_allocation();
    Ok(table)
}

/// Makes room in `table` for `additional` more entries, or says why it cannot, with `table`
/// unchanged.
///
/// # Panics
///
/// If `hash` panics, with `table` unchanged.
pub(super) fn try_reserve<K, V>(
    table: &mut Table<K, V>,
    additional: usize,
    hash: impl Fn(&K) -> u64,
) -> Result<(), TryReserveError> {
    if table.capacity() - table.len() >= additional {
        return Ok(());
    }
    let wanted = table
        .len()
        .checked_add(additional)
        .ok_or(TryReserveError::CapacityOverflow)?;
    let new = try_with_capacity(wanted)?;
    let hashes = hashes(table, &hash);
    move_into(table, hashes, new.entries, &hash);
    Ok(())
}

/// Shrinks `table` to the smallest size that holds its entries, if that is smaller.
///
/// # Panics
///
/// If `hash` panics, with `table` unchanged.
pub(super) fn shrink_to_fit<K, V>(table: &mut Table<K, V>, hash: impl Fn(&K) -> u64) {
    let new = HashTable::with_capacity(table.len());
    if new.capacity() >= table.capacity() {
        return;
    }
    let hashes = hashes(table, &hash);
    move_into(table, hashes, new, &hash);
}

/// Every entry's hash, in `table`'s iteration order; `table` is not touched, so a panicking
/// `hash` leaves it as it was.
fn hashes<K, V>(table: &Table<K, V>, hash: &impl Fn(&K) -> u64) -> Vec<u64> {
    table.iter().map(|slot| hash(&slot.key)).collect()
}

/// Moves every entry of `table` into `new` (empty, with room for all of them), each under its
/// hash from [`hashes`], and puts `new` in `table`'s place. Runs no user code: `new` has room,
/// so hashbrown does not call the hasher it is given.
fn move_into<K, V>(
    table: &mut Table<K, V>,
    hashes: Vec<u64>,
    mut new: HashTable<Slot<K, V>>,
    hash: &impl Fn(&K) -> u64,
) {
    debug_assert!(new.is_empty() && new.capacity() >= table.len());
    debug_assert_eq!(hashes.len(), table.len());
    // `into_iter` walks the buckets in the same order as `iter` did for `hashes` (both are
    // hashbrown's `RawIter` over the unchanged table), so each entry meets its own hash; the
    // tests below find every key after growing, reserving, shrinking and churning.
    for (slot, hash_of_slot) in std::mem::take(&mut table.entries).into_iter().zip(hashes) {
        new.insert_unique(hash_of_slot, slot, |slot| hash(&slot.key));
    }
    table.entries = new;
    table.record_allocation();
}

#[cfg(test)]
mod tests {
    use std::hash::BuildHasher;
    use std::panic::{AssertUnwindSafe, catch_unwind};

    use super::*;

    fn hash(key: &u64) -> u64 {
        foldhash::fast::FixedState::with_seed(7).hash_one(key)
    }

    fn insert(table: &mut Table<u64, u64>, key: u64) {
        if is_full(table) {
            grow(table, hash);
        }
        let size = table.allocation_size();
        table.insert_unique(hash(&key), Slot { key, value: !key }, |_| {
            unreachable!("room was made")
        });
        assert_eq!(
            table.allocation_size(),
            size,
            "hashbrown did not grow the table"
        );
    }

    fn assert_holds(table: &Table<u64, u64>, keys: impl Iterator<Item = u64>) {
        let mut count = 0;
        for key in keys {
            let slot = table.find(hash(&key), |slot| slot.is(&key));
            assert_eq!(slot.map(|slot| slot.value), Some(!key), "key {key}");
            count += 1;
        }
        assert_eq!(table.len(), count);
    }

    #[test]
    fn growing_doubles_and_keeps_every_entry_findable() {
        let mut table = Table::default();
        let mut sizes = Vec::new();
        let count = if cfg!(miri) { 500 } else { 5_000 };
        for key in 0..count {
            insert(&mut table, key);
            if sizes.last() != Some(&table.capacity()) {
                sizes.push(table.capacity());
            }
        }
        assert_holds(&table, 0..count);
        // hashbrown's own sizes: 3 and 7 entries (4 and 8 buckets), then doubling.
        assert_eq!(sizes[..2], [3, 7]);
        assert!(sizes[1..].windows(2).all(|w| w[1] == w[0] * 2), "{sizes:?}");
    }

    #[test]
    fn churn_rebuilds_over_tombstones_without_growing_without_bound() {
        let mut table = Table::default();
        for key in 0..800 {
            insert(&mut table, key);
        }
        // Remove one, insert another, many times: tombstones pile up and fill the table
        // (800 entries in 896 places); it is rebuilt at twice its 800 entries at most.
        let mut full = 0;
        let churn = if cfg!(miri) { 3_000 } else { 100_000 };
        for key in 0..churn {
            table
                .find_entry(hash(&key), |slot| slot.is(&key))
                .ok()
                .unwrap()
                .remove();
            full += usize::from(is_full(&table));
            insert(&mut table, key + 800);
        }
        assert!(full >= 1, "tombstones filled the table");
        assert!(
            table.allocation_size()
                <= HashTable::<Slot<u64, u64>>::with_capacity(1_600).allocation_size()
        );
        assert_holds(&table, churn..churn + 800);
    }

    #[test]
    fn reserve_and_shrink_keep_every_entry_findable() {
        let mut table = Table::default();
        for key in 0..100 {
            insert(&mut table, key);
        }
        try_reserve(&mut table, 10_000, hash).unwrap();
        assert!(table.capacity() >= 10_100);
        assert_holds(&table, 0..100);
        shrink_to_fit(&mut table, hash);
        assert!(table.capacity() < 200);
        assert_holds(&table, 0..100);
        assert!(matches!(
            try_reserve(&mut table, usize::MAX, hash),
            Err(TryReserveError::CapacityOverflow)
        ));
        assert_holds(&table, 0..100);
    }

    #[test]
    fn a_panicking_hash_leaves_the_table_unchanged() {
        let mut table = Table::default();
        for key in 0..28 {
            insert(&mut table, key);
        }
        assert!(is_full(&table));
        let mut roomy = Table::default();
        try_reserve(&mut roomy, 1_000, hash).unwrap();
        for key in 0..28 {
            insert(&mut roomy, key);
        }
        // The poison met first, last and half-way through.
        for poison in 0..28 {
            let panicking = |key: &u64| {
                assert_ne!(*key, poison, "Hash of the poison key");
                hash(key)
            };
            assert!(catch_unwind(AssertUnwindSafe(|| grow(&mut table, panicking))).is_err());
            assert!(
                catch_unwind(AssertUnwindSafe(|| try_reserve(&mut table, 100, panicking))).is_err()
            );
            assert_eq!(table.capacity(), 28);
            assert_holds(&table, 0..28);
            let capacity = roomy.capacity();
            assert!(
                catch_unwind(AssertUnwindSafe(|| shrink_to_fit(&mut roomy, panicking))).is_err()
            );
            assert_eq!(roomy.capacity(), capacity);
            assert_holds(&roomy, 0..28);
        }
    }

    /// Asserts that growing `table` with each of a few of its keys as the one whose hash
    /// panics (the first, middle and last that a rebuild meets) changes nothing.
    fn assert_poisoned_grows_change_nothing(table: &mut Table<u64, u64>) {
        let keys: Vec<u64> = table.iter().map(|slot| slot.key).collect();
        let (len, capacity, bytes) = (table.len(), table.capacity(), table.allocation_size());
        for poison in [keys[0], keys[keys.len() / 2], keys[keys.len() - 1]] {
            let panicking = |key: &u64| {
                assert_ne!(*key, poison, "Hash of the poison key");
                hash(key)
            };
            assert!(catch_unwind(AssertUnwindSafe(|| grow(table, panicking))).is_err());
            assert_eq!(
                (table.len(), table.capacity(), table.allocation_size()),
                (len, capacity, bytes)
            );
            assert_holds(table, keys.iter().copied());
        }
    }

    #[test]
    fn a_panicking_hash_leaves_a_table_with_tombstones_unchanged_on_either_path() {
        // A table filled to its full capacity, all but `kept` entries removed again (in a
        // table with few empty places a removal leaves a tombstone), then churned (the oldest
        // removed, a fresh key inserted) until it is full again: `len` entries among
        // tombstones. Up to half the full capacity, less
        // one, hashbrown would rebuild in place, so the side list is used; above, hashbrown's
        // resize. Both must leave the table as it was when a hash panics.
        let mut paths = [0; 2];
        let mut lens = std::collections::BTreeSet::new();
        let fulls: &[usize] = if cfg!(miri) { &[28] } else { &[28, 56] };
        for &full in fulls {
            for kept in 0..full as u64 {
                let mut table = try_with_capacity(full).unwrap();
                assert_eq!(table.capacity(), full);
                for key in 0..full as u64 {
                    insert(&mut table, key);
                }
                for key in kept..full as u64 {
                    table
                        .find_entry(hash(&key), |slot| slot.is(&key))
                        .ok()
                        .unwrap()
                        .remove();
                }
                // Churn (remove the oldest, insert a fresh key) until no empty place is left.
                let mut live: std::collections::VecDeque<u64> = (0..kept).collect();
                let mut next = 1_000;
                while !is_full(&table) {
                    assert!(next < 100_000, "{kept} of {full}: churn filled the table");
                    if let Some(oldest) = live.pop_front() {
                        table
                            .find_entry(hash(&oldest), |slot| slot.is(&oldest))
                            .ok()
                            .unwrap()
                            .remove();
                    }
                    insert(&mut table, next);
                    live.push_back(next);
                    next += 1;
                }
                let len = table.len();
                lens.insert(len);
                let resizing = table.grows_by_resizing();
                assert_eq!(resizing, len + 1 > full / 2, "{len} of {full}");
                paths[usize::from(resizing)] += 1;
                assert_poisoned_grows_change_nothing(&mut table);
                let bytes = table.allocation_size();
                grow(&mut table, hash);
                assert!(!is_full(&table), "{len} of {full}: room made");
                assert_eq!(table.allocation_size() > bytes, resizing, "{len} of {full}");
                assert_holds(&table, live.iter().copied());
            }
        }
        // Every entry count from one to the full capacity was met, so both paths were taken
        // and the boundary between them crossed.
        assert!(paths[0] > 0 && paths[1] > 0, "both paths taken: {paths:?}");
        assert_eq!(lens.len(), fulls.last().unwrap() - 1, "{lens:?}");
    }

    #[test]
    fn a_table_resized_behind_its_record_grows_by_the_side_list() {
        let mut table = Table::default();
        for key in 0..28 {
            insert(&mut table, key);
        }
        assert!(table.grows_by_resizing());
        // Through `DerefMut`, not this module: the record no longer matches the allocation.
        table.entries.reserve(1_000, |slot| hash(&slot.key));
        while !is_full(&table) {
            let key = table.len() as u64;
            table.insert_unique(hash(&key), Slot { key, value: !key }, |_| unreachable!());
        }
        assert!(!table.grows_by_resizing(), "a stale record is not trusted");
        assert_poisoned_grows_change_nothing(&mut table);
        grow(&mut table, hash);
        assert!(table.grows_by_resizing(), "rebuilt and recorded");
        assert_holds(&table, 0..table.len() as u64);
    }
}
