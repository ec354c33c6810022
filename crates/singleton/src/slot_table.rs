//! [`SlotTable`]: `GlobalMap`'s key → slot table, which stores each key's hash beside it.
//!
//! A std `HashMap` re-runs the keys' `Hash` whenever it grows or rehashes in place; a `Hash`
//! that panics part-way through leaves the table without the entries it had not reached yet
//! (they are dropped), so a key that already had an instance would silently lose it and the
//! next caller would build a second one. Here each key is hashed once, when it is looked up or
//! inserted, and the table rehashes from the stored hashes: user code never runs inside a
//! rehash, and a panicking `Hash` fails only the call that hashed.

use std::borrow::Borrow;
use std::hash::{BuildHasher, Hash, RandomState};

use hashbrown::HashTable;
use selvedge_locks::sync::Arc;

use crate::Global;

/// One key, its hash (computed with the table's hasher) and its slot.
struct Entry<K, T> {
    hash: u64,
    key: K,
    slot: Arc<Global<T>>,
}

impl<K, T> Entry<K, T> {
    /// The stored hash: all the table ever rehashes with.
    fn hash(&self) -> u64 {
        self.hash
    }

    /// Whether this entry is `key`'s, whose hash is `hash` (`Eq` runs only on a full match).
    fn is<Q>(&self, hash: u64, key: &Q) -> bool
    where
        K: Borrow<Q>,
        Q: Eq + ?Sized,
    {
        self.hash == hash && self.key.borrow() == key
    }
}

/// The slots of one `GlobalMap`, by key.
pub(crate) struct SlotTable<K, T> {
    hasher: RandomState,
    entries: HashTable<Entry<K, T>>,
}

impl<K: Hash + Eq, T> SlotTable<K, T> {
    pub(crate) fn new() -> Self {
        Self {
            hasher: RandomState::new(),
            entries: HashTable::new(),
        }
    }

    pub(crate) fn get<Q>(&self, key: &Q) -> Option<&Arc<Global<T>>>
    where
        K: Borrow<Q>,
        Q: Hash + Eq + ?Sized,
    {
        let hash = self.hasher.hash_one(key);
        self.entries
            .find(hash, |entry| entry.is(hash, key))
            .map(|entry| &entry.slot)
    }

    pub(crate) fn remove<Q>(&mut self, key: &Q) -> Option<Arc<Global<T>>>
    where
        K: Borrow<Q>,
        Q: Hash + Eq + ?Sized,
    {
        let hash = self.hasher.hash_one(key);
        let entry = self
            .entries
            .find_entry(hash, |entry| entry.is(hash, key))
            .ok()?;
        Some(entry.remove().0.slot)
    }

    /// Inserts `key`'s slot; the caller has checked that `key` has none.
    pub(crate) fn insert(&mut self, key: K, slot: Arc<Global<T>>) {
        let hash = self.hasher.hash_one(&key);
        self.entries
            .insert_unique(hash, Entry { hash, key, slot }, Entry::hash);
    }
}

impl<K, T> SlotTable<K, T> {
    pub(crate) fn iter(&self) -> impl Iterator<Item = (&K, &Arc<Global<T>>)> {
        self.entries.iter().map(|entry| (&entry.key, &entry.slot))
    }

    #[cfg(test)]
    pub(crate) fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }
}
