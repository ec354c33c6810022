//! Operations on the whole map at one instant: every shard lock taken, in shard order.
//!
//! The rest of the map never holds two shard locks; these methods hold all of them, always
//! taken from shard 0 upwards. Two of them on one map therefore queue instead of deadlocking,
//! and a single-shard method holds one lock and waits for none, so it cannot close a cycle
//! either. A thread inside one of this map's closures already holds a shard lock: these
//! methods enter the re-entrance record before taking any lock, so such a call panics instead
//! of waiting for itself. User code (`Eq`, `Clone`, the [`atomically`](ConcurrentMap::atomically)
//! closure) runs under all the locks; `Hash` and `Drop` of replaced values run outside them,
//! except for what the closure itself hashes or drops, and the keys of a table that must grow
//! to take a new entry.

use std::borrow::Borrow;
use std::collections::{HashMap, HashSet};
use std::fmt;
use std::hash::{BuildHasher, Hash};

use crossbeam_utils::CachePadded;
use hashbrown::hash_table::Entry;
use selvedge_locks::sync::{BiasedRwLock, BiasedRwLockReadGuard, BiasedRwLockWriteGuard};

use super::{ConcurrentMap, Slot, Table, next_creation};
use crate::reentrancy::ClosureScope;
use crate::set::ConcurrentSet;

/// Every shard of a [`ConcurrentMap`] write-locked at once: the map as one `HashMap`-like
/// value, for the duration of an [`atomically`](ConcurrentMap::atomically) closure.
///
/// No other thread sees the map while it exists, so a group of changes made through it
/// appears to every other reader at one instant, all or nothing (unless the closure panics
/// half-way: the changes made before the panic stay, as with [`update`](ConcurrentMap::update)).
///
/// # Examples
///
/// ```
/// use selvedge_collections::ConcurrentMap;
///
/// let balances = ConcurrentMap::new();
/// balances.insert_all([("ann", 100), ("bob", 0)]);
/// balances.atomically(|all| {
///     *all.get_mut("ann").unwrap() -= 30;
///     *all.get_mut("bob").unwrap() += 30;
/// });
/// assert_eq!(balances.get("bob"), Some(30));
/// ```
pub struct LockedMap<'a, K, V, S> {
    map: &'a ConcurrentMap<K, V, S>,
    /// One guard per shard, in shard order: `tables[i]` is shard `i`.
    tables: Vec<BiasedRwLockWriteGuard<'a, Table<K, V>>>,
}

impl<K, V, S> LockedMap<'_, K, V, S> {
    /// The number of entries: exact, since no other thread can change the map meanwhile.
    ///
    /// ```
    /// use selvedge_collections::ConcurrentMap;
    /// let map = ConcurrentMap::new();
    /// map.insert(1, 'a');
    /// assert_eq!(map.atomically(|all| all.len()), 1);
    /// ```
    #[must_use]
    pub fn len(&self) -> usize {
        self.tables.iter().map(|table| table.len()).sum()
    }

    /// Whether the map has no entry.
    ///
    /// ```
    /// use selvedge_collections::ConcurrentMap;
    /// let map: ConcurrentMap<u8, u8> = ConcurrentMap::new();
    /// assert!(map.atomically(|all| all.is_empty()));
    /// ```
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.tables.iter().all(|table| table.is_empty())
    }

    /// Every entry, in no particular order.
    ///
    /// ```
    /// use selvedge_collections::ConcurrentMap;
    /// let map = ConcurrentMap::new();
    /// map.insert_all([("a", 1), ("b", 2)]);
    /// assert_eq!(map.atomically(|all| all.iter().map(|(_, v)| v).sum::<i32>()), 3);
    /// ```
    pub fn iter(&self) -> impl Iterator<Item = (&K, &V)> {
        self.tables
            .iter()
            .flat_map(|table| table.iter().map(|slot| (&slot.key, &slot.value)))
    }
}

impl<K, V, S> LockedMap<'_, K, V, S>
where
    K: Hash + Eq,
    S: BuildHasher,
{
    fn table_of(&mut self, hash: u64) -> &mut Table<K, V> {
        &mut self.tables[self.map.shard_index(hash)]
    }

    /// The value under `key`.
    ///
    /// ```
    /// use selvedge_collections::ConcurrentMap;
    /// let map = ConcurrentMap::new();
    /// map.insert("k", 1);
    /// assert_eq!(map.atomically(|all| all.get("k").copied()), Some(1));
    /// ```
    #[must_use]
    pub fn get<Q>(&self, key: &Q) -> Option<&V>
    where
        K: Borrow<Q>,
        Q: Hash + Eq + ?Sized,
    {
        let hash = self.map.hash(key);
        self.tables[self.map.shard_index(hash)]
            .find(hash, |slot| slot.is(key))
            .map(|slot| &slot.value)
    }

    /// The value under `key`, to change in place.
    ///
    /// ```
    /// use selvedge_collections::ConcurrentMap;
    /// let map = ConcurrentMap::new();
    /// map.insert("k", 1);
    /// map.atomically(|all| *all.get_mut("k").unwrap() += 1);
    /// assert_eq!(map.get("k"), Some(2));
    /// ```
    pub fn get_mut<Q>(&mut self, key: &Q) -> Option<&mut V>
    where
        K: Borrow<Q>,
        Q: Hash + Eq + ?Sized,
    {
        let hash = self.map.hash(key);
        self.table_of(hash)
            .find_mut(hash, |slot| slot.is(key))
            .map(|slot| &mut slot.value)
    }

    /// Whether `key` is in the map.
    ///
    /// ```
    /// use selvedge_collections::ConcurrentMap;
    /// let map = ConcurrentMap::new();
    /// map.insert("k", 1);
    /// assert!(map.atomically(|all| all.contains_key("k")));
    /// ```
    #[must_use]
    pub fn contains_key<Q>(&self, key: &Q) -> bool
    where
        K: Borrow<Q>,
        Q: Hash + Eq + ?Sized,
    {
        self.get(key).is_some()
    }

    /// Inserts `value` under `key`; returns the value it replaced.
    ///
    /// ```
    /// use selvedge_collections::ConcurrentMap;
    /// let map = ConcurrentMap::new();
    /// assert_eq!(map.atomically(|all| all.insert("k", 1)), None);
    /// assert_eq!(map.get("k"), Some(1));
    /// ```
    pub fn insert(&mut self, key: K, value: V) -> Option<V> {
        let hash = self.map.hash(&key);
        let map = self.map;
        insert_hashed(map, self.table_of(hash), hash, Slot { key, value }).map(|(_, old)| old)
    }

    /// Removes `key`; returns its value.
    ///
    /// ```
    /// use selvedge_collections::ConcurrentMap;
    /// let map = ConcurrentMap::new();
    /// map.insert("k", 1);
    /// assert_eq!(map.atomically(|all| all.remove("k")), Some(1));
    /// assert!(map.is_empty());
    /// ```
    pub fn remove<Q>(&mut self, key: &Q) -> Option<V>
    where
        K: Borrow<Q>,
        Q: Hash + Eq + ?Sized,
    {
        let hash = self.map.hash(key);
        match self.table_of(hash).find_entry(hash, |slot| slot.is(key)) {
            Ok(entry) => Some(entry.remove().0.value),
            Err(_) => None,
        }
    }
}

impl<K: fmt::Debug, V: fmt::Debug, S> fmt::Debug for LockedMap<'_, K, V, S> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_map().entries(self.iter()).finish()
    }
}

/// Inserts `slot`, whose key hashes to `hash`, into `table`, `map`'s write-locked table of that
/// key. If an equal key was there, its value is replaced and the stored key kept (as std's
/// `HashMap` does); returns the new key and the old value, for the caller to drop where it
/// chooses.
fn insert_hashed<K: Hash + Eq, V, S: BuildHasher>(
    map: &ConcurrentMap<K, V, S>,
    table: &mut Table<K, V>,
    hash: u64,
    slot: Slot<K, V>,
) -> Option<(K, V)> {
    // The whole-map methods entered the re-entrance record before locking, so growing the
    // table records nothing more and the operation name is never shown.
    match map.entry_with_room(table, hash, &slot.key, "atomically") {
        Entry::Occupied(mut entry) => {
            let old = std::mem::replace(&mut entry.get_mut().value, slot.value);
            Some((slot.key, old))
        }
        Entry::Vacant(entry) => {
            entry.insert(slot);
            None
        }
    }
}

impl<K, V, S> ConcurrentMap<K, V, S> {
    /// Enters the re-entrance record (so a call from inside this map's closure panics before
    /// it could wait for its own lock), then write-locks every shard in shard order.
    #[track_caller]
    fn lock_all_write(&self, operation: &'static str) -> (ClosureScope, LockedMap<'_, K, V, S>) {
        let scope = self.enter(operation);
        let tables = self.shards.iter().map(|shard| shard.write()).collect();
        (scope, LockedMap { map: self, tables })
    }

    /// [`lock_all_write`](Self::lock_all_write) for readers.
    #[track_caller]
    fn lock_all_read(
        &self,
        operation: &'static str,
    ) -> (ClosureScope, Vec<BiasedRwLockReadGuard<'_, Table<K, V>>>) {
        let scope = self.enter(operation);
        (
            scope,
            self.shards.iter().map(|shard| shard.read()).collect(),
        )
    }

    /// Runs `f` with every shard write-locked: a group of reads and writes over any keys that
    /// other threads see happen at one instant (the seed's
    /// `with self._lock.write_lock(): ...` over the whole dict).
    ///
    /// # Performance
    ///
    /// It takes every shard's write lock, in shard order ([`shard_count`](Self::shard_count)
    /// acquisitions: up to 256 by default, a few microseconds uncontended), and every other
    /// call on the map waits until `f` returns. Use it for updates that must be seen whole,
    /// not for single keys ([`update`](Self::update), [`compute`](Self::compute)) or for
    /// reading ([`copy`](Self::copy)).
    ///
    /// # Examples
    ///
    /// A transfer between two keys that no reader ever sees half-done:
    ///
    /// ```
    /// use selvedge_collections::ConcurrentMap;
    ///
    /// let accounts = ConcurrentMap::new();
    /// accounts.insert_all([("ann", 100_i64), ("bob", 50)]);
    /// std::thread::scope(|s| {
    ///     s.spawn(|| {
    ///         for _ in 0..100 {
    ///             accounts.atomically(|all| {
    ///                 *all.get_mut("ann").unwrap() -= 1;
    ///                 *all.get_mut("bob").unwrap() += 1;
    ///             });
    ///         }
    ///     });
    ///     for _ in 0..100 {
    ///         // `copy` is taken at one instant too: the total never wavers.
    ///         assert_eq!(accounts.copy().values().sum::<i64>(), 150);
    ///     }
    /// });
    /// assert_eq!(accounts.get("bob"), Some(150));
    /// ```
    ///
    /// # Panics
    ///
    /// If this thread is inside one of this map's closures, or `f` calls this map (it would
    /// deadlock; see the [type docs](ConcurrentMap#panics)). A panic in `f` releases every
    /// lock and keeps the changes `f` made before it.
    #[track_caller]
    pub fn atomically<R>(&self, f: impl FnOnce(&mut LockedMap<'_, K, V, S>) -> R) -> R {
        let (_scope, mut locked) = self.lock_all_write("atomically");
        f(&mut locked)
    }

    /// Inserts every pair at one instant: another thread sees all of them or none (the seed's
    /// `ThreadSafeDict.update`, Python's `dict.update` under the write lock). Keys are hashed
    /// before any lock is taken; replaced values (and the new copies of keys already present,
    /// which keep their stored key) are dropped after the locks are released.
    ///
    /// [`Extend`] inserts one pair at a time instead, without holding every lock.
    ///
    /// # Performance
    ///
    /// As [`atomically`](Self::atomically): every shard write-locked once, whatever the number
    /// of pairs.
    ///
    /// # Examples
    ///
    /// ```text
    /// settings.update({"theme": "dark", "lang": "en"})   # both or neither, for readers
    /// ```
    ///
    /// ```
    /// use selvedge_collections::ConcurrentMap;
    ///
    /// let settings = ConcurrentMap::new();
    /// settings.insert("theme", "light");
    /// settings.insert_all([("theme", "dark"), ("lang", "en")]);
    /// assert_eq!(settings.get("theme"), Some("dark"));
    /// assert_eq!(settings.len(), 2);
    /// ```
    ///
    /// # Panics
    ///
    /// If this thread is inside one of this map's closures, or `K::eq` calls this map.
    #[track_caller]
    pub fn insert_all(&self, pairs: impl IntoIterator<Item = (K, V)>)
    where
        K: Hash + Eq,
        S: BuildHasher,
    {
        // User code (the iterator, `Hash`) runs before any lock is taken.
        let slots: Vec<(u64, Slot<K, V>)> = pairs
            .into_iter()
            .map(|(key, value)| (self.hash(&key), Slot { key, value }))
            .collect();
        if slots.is_empty() {
            return;
        }
        // The keys already present and the values replaced, dropped once the locks are free.
        let replaced: Vec<(K, V)> = {
            let (_scope, mut locked) = self.lock_all_write("insert_all");
            slots
                .into_iter()
                .filter_map(|(hash, slot)| insert_hashed(self, locked.table_of(hash), hash, slot))
                .collect()
        };
        drop(replaced);
    }

    /// A copy of the whole map taken at one instant (Python's `dict.copy()` under the lock):
    /// unlike [`entries`](Self::entries), which copies one shard at a time, no write is ever
    /// half in it.
    ///
    /// # Performance
    ///
    /// Every shard is read-locked at once, in shard order, while the entries are cloned:
    /// writers to the whole map wait for the cloning (readers do not). The copy's `HashMap`
    /// is built after the locks are released, so `Hash` runs outside them.
    ///
    /// # Examples
    ///
    /// ```
    /// use selvedge_collections::ConcurrentMap;
    ///
    /// let map = ConcurrentMap::new();
    /// map.insert_all([("a", 1), ("b", 2)]);
    /// let copy = map.copy();
    /// map.insert("c", 3);
    /// assert_eq!(copy.len(), 2);
    /// assert_eq!(copy["b"], 2);
    /// ```
    ///
    /// # Panics
    ///
    /// If this thread is inside one of this map's closures, or `K::clone` or `V::clone` calls
    /// this map.
    #[must_use]
    #[track_caller]
    #[doc(alias = "snapshot")]
    pub fn copy(&self) -> HashMap<K, V, S>
    where
        K: Hash + Eq + Clone,
        V: Clone,
        S: BuildHasher + Clone,
    {
        let entries: Vec<(K, V)> = {
            let (_scope, tables) = self.lock_all_read("copy");
            let mut entries = Vec::with_capacity(tables.iter().map(|table| table.len()).sum());
            for table in &tables {
                entries.extend(
                    table
                        .iter()
                        .map(|slot| (slot.key.clone(), slot.value.clone())),
                );
            }
            entries
        };
        let mut copy = HashMap::with_capacity_and_hasher(entries.len(), self.hasher.clone());
        copy.extend(entries);
        copy
    }
}

impl<K, V, S> Clone for ConcurrentMap<K, V, S>
where
    K: Clone,
    V: Clone,
    S: Clone,
{
    /// A copy of the map taken at one instant (every shard read-locked at once, as in
    /// [`copy`](ConcurrentMap::copy)), with the same shard count and hasher. The tables are
    /// copied bucket for bucket, so `Hash` is not called.
    ///
    /// ```
    /// use selvedge_collections::ConcurrentMap;
    /// let map = ConcurrentMap::new();
    /// map.insert("a", 1);
    /// let clone = map.clone();
    /// map.insert("b", 2);
    /// assert_eq!(clone.len(), 1);
    /// assert_eq!(clone.shard_count(), map.shard_count());
    /// ```
    ///
    /// # Panics
    ///
    /// If this thread is inside one of this map's closures, or `K::clone` or `V::clone` calls
    /// this map.
    #[track_caller]
    fn clone(&self) -> Self {
        let (_scope, tables) = self.lock_all_read("clone");
        Self {
            shards: tables
                .iter()
                .map(|table| CachePadded::new(BiasedRwLock::new(Table::clone(table))))
                .collect(),
            mask: self.mask,
            hasher: self.hasher.clone(),
            creation: next_creation(),
        }
    }
}

impl<K, V, S> PartialEq for ConcurrentMap<K, V, S>
where
    K: Hash + Eq,
    V: PartialEq,
    S: BuildHasher,
{
    /// Whether both maps hold the same keys with equal values, compared at one instant: every
    /// shard of both maps read-locked at once. The two maps are locked in one global order
    /// (the map created first is locked first), so `a == b` and `b == a` on two threads
    /// cannot deadlock. Keys are looked up in `other` with `other`'s hasher, so `Hash` runs
    /// under the locks here.
    ///
    /// ```
    /// use selvedge_collections::ConcurrentMap;
    /// let (a, b) = (ConcurrentMap::new(), ConcurrentMap::new());
    /// a.insert(1, "x");
    /// b.insert(1, "x");
    /// assert_eq!(a, b);
    /// b.insert(2, "y");
    /// assert_ne!(a, b);
    /// ```
    ///
    /// # Panics
    ///
    /// If this thread is inside a closure of either map, or `Hash`, `Eq` or `PartialEq` of the
    /// keys and values calls either map.
    #[track_caller]
    fn eq(&self, other: &Self) -> bool {
        if std::ptr::eq(self, other) {
            return true;
        }
        let self_first = self.creation < other.creation;
        let (first, second) = if self_first {
            (self, other)
        } else {
            (other, self)
        };
        let (_first_scope, first_tables) = first.lock_all_read("eq");
        let (_second_scope, second_tables) = second.lock_all_read("eq");
        let (mine, theirs) = if self_first {
            (&first_tables, &second_tables)
        } else {
            (&second_tables, &first_tables)
        };
        let len = |tables: &Vec<BiasedRwLockReadGuard<'_, Table<K, V>>>| {
            tables.iter().map(|table| table.len()).sum::<usize>()
        };
        len(mine) == len(theirs)
            && mine.iter().flat_map(|table| table.iter()).all(|slot| {
                let hash = other.hash(&slot.key);
                theirs[other.shard_index(hash)]
                    .find(hash, |found| found.is(&slot.key))
                    .is_some_and(|found| found.value == slot.value)
            })
    }
}

impl<K, V, S> Eq for ConcurrentMap<K, V, S>
where
    K: Hash + Eq,
    V: Eq,
    S: BuildHasher,
{
}

impl<T, S> ConcurrentSet<T, S> {
    /// Inserts every value at one instant: another thread sees all of them or none (the seed's
    /// `ThreadSafeSet.update`). Costs what [`ConcurrentMap::insert_all`] does.
    ///
    /// ```
    /// use selvedge_collections::ConcurrentSet;
    /// let online = ConcurrentSet::new();
    /// online.insert_all(["ann", "bob"]);
    /// assert_eq!(online.len(), 2);
    /// ```
    ///
    /// # Panics
    ///
    /// If this thread is inside one of this set's closures, or `T::eq` calls this set.
    #[track_caller]
    pub fn insert_all(&self, values: impl IntoIterator<Item = T>)
    where
        T: Hash + Eq,
        S: BuildHasher,
    {
        self.as_map()
            .insert_all(values.into_iter().map(|value| (value, ())));
    }

    /// A copy of the set taken at one instant, as a `HashSet` (the seed's
    /// `ThreadSafeSet.copy()`); [`snapshot`](Self::snapshot) copies one shard at a time
    /// instead. Costs what [`ConcurrentMap::copy`] does.
    ///
    /// ```text
    /// members = online.copy()      # a plain set, safe to iterate
    /// ```
    ///
    /// ```
    /// use selvedge_collections::ConcurrentSet;
    ///
    /// let online = ConcurrentSet::new();
    /// online.insert_all(["ann", "bob"]);
    /// let members = online.copy();
    /// online.remove("ann");
    /// assert!(members.contains("ann") && members.contains("bob"));
    /// ```
    ///
    /// # Panics
    ///
    /// If this thread is inside one of this set's closures, or `T::clone` calls this set.
    #[must_use]
    #[track_caller]
    pub fn copy(&self) -> HashSet<T, S>
    where
        T: Hash + Eq + Clone,
        S: BuildHasher + Clone,
    {
        let members: Vec<T> = {
            let (_scope, tables) = self.as_map().lock_all_read("copy");
            let mut members = Vec::with_capacity(tables.iter().map(|table| table.len()).sum());
            for table in &tables {
                members.extend(table.iter().map(|slot| slot.key.clone()));
            }
            members
        };
        let mut copy =
            HashSet::with_capacity_and_hasher(members.len(), self.as_map().hasher().clone());
        copy.extend(members);
        copy
    }
}
