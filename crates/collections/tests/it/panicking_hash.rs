//! A key whose `Hash` panics can fail only the call that hashes it: the map computes each key's
//! hash once, outside the shard lock, and a shard that grows changes nothing until all its keys
//! are hashed (by hashbrown's resize into a new allocation, or a side list of hashes when the
//! table is mostly tombstones), so a panic there leaves the shard as it was, never
//! half-rehashed.

use std::cell::Cell;
use std::collections::BTreeSet;
use std::hash::{BuildHasherDefault, DefaultHasher, Hash, Hasher};
use std::panic::{AssertUnwindSafe, catch_unwind};

use selvedge_collections::{ConcurrentMap, ConcurrentSet};

std::thread_local! {
    /// While set, the `Hash` of the key with this number panics.
    static ARMED: Cell<Option<u64>> = const { Cell::new(None) };
    static HASH_CALLS: Cell<usize> = const { Cell::new(0) };
}

/// Plain data (no drop glue), the case hashbrown 0.15 left corrupted after a panicking rehash.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
struct Key(u64);

impl Hash for Key {
    fn hash<H: Hasher>(&self, state: &mut H) {
        HASH_CALLS.with(|calls| calls.set(calls.get() + 1));
        assert!(
            ARMED.with(Cell::get) != Some(self.0),
            "Hash of the poison key"
        );
        self.0.hash(state);
    }
}

fn hash_calls() -> usize {
    HASH_CALLS.with(Cell::get)
}

/// A hasher without a random seed, so that every run puts the keys in the same buckets and
/// the poison key is met part-way through the rehash.
type Fixed = BuildHasherDefault<DefaultHasher>;

/// Fills one shard to its capacity (28 of 32 buckets), removes 20 entries so the table is full
/// of tombstones, arms `poison`'s `Hash`, then inserts fresh keys: the first insert that finds
/// no room rehashes the table in place. Returns the keys that must be present.
fn drive(poison: u64, insert: impl Fn(Key), remove: impl Fn(Key)) -> BTreeSet<Key> {
    let mut model = BTreeSet::new();
    for i in 0..28 {
        insert(Key(i));
        model.insert(Key(i));
    }
    for i in (0..28).filter(|&i| i != poison).take(20) {
        remove(Key(i));
        model.remove(&Key(i));
    }
    ARMED.with(|armed| armed.set(Some(poison)));
    for i in 100..140 {
        // A panic here would be the rehash hashing the poison key: the fresh key is then
        // allowed to be missing, but nothing else may change.
        if catch_unwind(AssertUnwindSafe(|| insert(Key(i)))).is_ok() {
            model.insert(Key(i));
        }
    }
    ARMED.with(|armed| armed.set(None));
    model
}

#[test]
fn panicking_hash_during_in_place_rehash_leaves_the_map_intact() {
    // Every survivor of the removals as the poison key, so it is met early, late and
    // half-way through the rehash.
    for poison in 20..28 {
        let map = ConcurrentMap::with_shards_and_hasher(1, Fixed::default());
        let model = drive(
            poison,
            |k| {
                map.insert(k, k.0 * 10);
            },
            |k| {
                map.remove(&k);
            },
        );
        assert_eq!(map.len(), model.len(), "poison {poison}");
        let keys: BTreeSet<Key> = map.keys().into_iter().collect();
        assert_eq!(keys, model, "poison {poison}");
        for k in &model {
            assert_eq!(map.get(k), Some(k.0 * 10), "poison {poison}");
        }
        // Removed keys stay removed, and the map keeps working.
        assert_eq!(map.get(&Key(0)), None);
        assert_eq!(map.remove(&Key(poison)), Some(poison * 10));
        assert_eq!(map.len(), model.len() - 1);
    }
}

#[test]
fn panicking_hash_during_in_place_rehash_leaves_the_set_intact() {
    for poison in 20..28 {
        let set = ConcurrentSet::with_shards_and_hasher(1, Fixed::default());
        let model = drive(
            poison,
            |k| {
                set.insert(k);
            },
            |k| {
                set.remove(&k);
            },
        );
        assert_eq!(set.len(), model.len(), "poison {poison}");
        let elements: BTreeSet<Key> = set.snapshot().into_iter().collect();
        assert_eq!(elements, model, "poison {poison}");
        assert!(!set.contains(&Key(0)));
    }
}

#[test]
fn growth_hashes_each_stored_key_once_and_only_when_the_table_is_full() {
    let map = ConcurrentMap::with_shards(1);
    let mut grew = 0;
    let mut insert = |key: u64| {
        // One shard: the map is full exactly when its only table is.
        let full = map.len() == map.capacity();
        let stored = map.len();
        let before = hash_calls();
        map.insert(Key(key), key);
        // The key itself, and every stored key once if the table had to grow first; hashbrown
        // growing a table from inside the insert (the map makes room before it) would show up
        // as more.
        let expected = 1 + if full { stored } else { 0 };
        assert_eq!(hash_calls() - before, expected, "inserting {key}");
        grew += usize::from(full);
    };
    for i in 0..1_000 {
        insert(i);
    }
    for i in 0..500 {
        map.remove(&Key(i));
    }
    for i in 1_000..1_500 {
        insert(i);
    }
    assert!(grew >= 8, "the table grew {grew} times");
    assert_eq!(map.len(), 1_000);
}

#[test]
fn panicking_hash_while_doubling_leaves_the_map_intact() {
    // 28 entries fill one shard's 32 buckets with no tombstone: the next insert doubles the
    // table through hashbrown's resize, which meets the poison key first, last or part-way.
    for poison in 0..28 {
        let map = ConcurrentMap::with_shards_and_hasher(1, Fixed::default());
        for i in 0..28 {
            map.insert(Key(i), i * 10);
        }
        let capacity = map.capacity();
        assert_eq!(map.len(), capacity, "the shard is full");
        ARMED.with(|armed| armed.set(Some(poison)));
        assert!(catch_unwind(AssertUnwindSafe(|| map.insert(Key(100), 0))).is_err());
        ARMED.with(|armed| armed.set(None));
        assert_eq!(map.capacity(), capacity, "poison {poison}");
        assert_eq!(map.len(), 28, "poison {poison}");
        assert!(
            (0..28).all(|i| map.get(&Key(i)) == Some(i * 10)),
            "poison {poison}"
        );
        assert_eq!(map.get(&Key(100)), None);
        map.insert(Key(100), 0);
        assert!(map.capacity() > capacity);
        assert!(
            (0..28).all(|i| map.get(&Key(i)) == Some(i * 10)),
            "poison {poison}"
        );
    }
}

#[test]
fn a_panicking_hash_fails_only_its_own_call() {
    let map = ConcurrentMap::with_shards(1);
    map.insert(Key(1), 1);
    ARMED.with(|armed| armed.set(Some(2)));
    assert!(catch_unwind(AssertUnwindSafe(|| map.insert(Key(2), 0))).is_err());
    assert!(catch_unwind(AssertUnwindSafe(|| map.get(&Key(2)))).is_err());
    ARMED.with(|armed| armed.set(None));
    assert_eq!(map.len(), 1);
    assert_eq!(map.get(&Key(1)), Some(1));
    assert_eq!(map.get(&Key(2)), None);
}

#[test]
fn a_panicking_hash_while_reserving_or_shrinking_leaves_the_shard_as_it_was() {
    let map = ConcurrentMap::with_shards(1);
    for i in 0..100 {
        map.insert(Key(i), i);
    }
    map.reserve(1_000);
    let capacity = map.capacity();
    ARMED.with(|armed| armed.set(Some(50)));
    assert!(catch_unwind(AssertUnwindSafe(|| map.shrink_to_fit())).is_err());
    assert_eq!(map.capacity(), capacity);
    assert!(catch_unwind(AssertUnwindSafe(|| map.try_reserve(10_000))).is_err());
    assert_eq!(map.capacity(), capacity);
    ARMED.with(|armed| armed.set(None));
    assert_eq!(map.len(), 100);
    assert!((0..100).all(|i| map.get(&Key(i)) == Some(i)));
    map.shrink_to_fit();
    assert!(map.capacity() < capacity);
    assert!((0..100).all(|i| map.get(&Key(i)) == Some(i)));
}
