//! A shard's table: its entries ([`Slot`]) and how it grows, hashing every key before it moves
//! one, so a `Hash` that panics leaves the table as it was.
//!
//! hashbrown grows a table by calling a hasher on each entry as it moves it; a hasher that
//! panics part-way leaves the table half-moved (hashbrown before 0.17 kept a wrong length and
//! tombstoned live entries; even since, it drops the entries it had not moved). The entries
//! here keep no hash (for `u64` keys and values that is 16 bytes an entry instead of 24: a
//! third less memory to fault in, move when growing, and miss in cache), so the map never
//! lets hashbrown grow a table: before an insert it makes room itself ([`grow`]), and the
//! hasher it hands hashbrown is never called (`tests/it/panicking_hash.rs` counts the calls).
//!
//! Growing hashes every key first, into a separate list, touching nothing; only then does it
//! move the entries into a table allocated with room for all of them. A panic in `Hash` (or a
//! refused allocation) therefore unwinds before any entry has moved.

use std::borrow::Borrow;

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

/// One shard's table.
pub(super) type Table<K, V> = HashTable<Slot<K, V>>;

/// Whether `table` must grow before it takes one more entry: hashbrown's own test
/// (`capacity` is the entries plus the free places that are not tombstones).
#[inline]
pub(super) fn is_full<K, V>(table: &Table<K, V>) -> bool {
    table.len() == table.capacity()
}

/// Makes room in the full `table` for one more entry, as hashbrown would: twice the entries,
/// which doubles the buckets of a table without tombstones, and rebuilds one full of
/// tombstones at its own size.
///
/// # Panics
///
/// If `hash` panics, with `table` unchanged. A refused allocation aborts, as in hashbrown.
pub(super) fn grow<K, V>(table: &mut Table<K, V>, hash: impl Fn(&K) -> u64) {
    let hashes = hashes(table, &hash);
    let capacity = table.len().saturating_mul(2).max(table.len() + 1);
    move_into(table, hashes, HashTable::with_capacity(capacity), &hash);
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
    let mut new = HashTable::new();
    // An empty table has nothing to rehash: the hasher is not called.
    new.try_reserve(wanted, |slot: &Slot<K, V>| hash(&slot.key))?;
    let hashes = hashes(table, &hash);
    move_into(table, hashes, new, &hash);
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
    mut new: Table<K, V>,
    hash: &impl Fn(&K) -> u64,
) {
    debug_assert!(new.is_empty() && new.capacity() >= table.len());
    debug_assert_eq!(hashes.len(), table.len());
    // `into_iter` walks the buckets in the same order as `iter` did for `hashes` (both are
    // hashbrown's `RawIter` over the unchanged table), so each entry meets its own hash; the
    // tests below find every key after growing, reserving, shrinking and churning.
    for (slot, hash_of_slot) in std::mem::take(table).into_iter().zip(hashes) {
        new.insert_unique(hash_of_slot, slot, |slot| hash(&slot.key));
    }
    *table = new;
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
        let mut table = Table::new();
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
        let mut table = Table::new();
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
            table.allocation_size() <= Table::<u64, u64>::with_capacity(1_600).allocation_size()
        );
        assert_holds(&table, churn..churn + 800);
    }

    #[test]
    fn reserve_and_shrink_keep_every_entry_findable() {
        let mut table = Table::new();
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
        let mut table = Table::new();
        for key in 0..28 {
            insert(&mut table, key);
        }
        assert!(is_full(&table));
        let mut roomy = Table::new();
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
}
