//! Parallel iteration with rayon (feature `rayon`): [`ConcurrentMap::par_for_each`] visits
//! the entries on rayon's pool, one shard per task under that shard's read lock, and an owned
//! map becomes a rayon `ParallelIterator` ([`MapParIntoIter`]).

use rayon::iter::plumbing::UnindexedConsumer;
use rayon::iter::{IntoParallelIterator, ParallelIterator};
use rayon::prelude::*;

use super::{ConcurrentMap, Table};

impl<K: Send + Sync, V: Send + Sync, S: Sync> ConcurrentMap<K, V, S> {
    /// Calls `f` on every entry in parallel on rayon's global pool: one task per shard, each
    /// under that shard's read lock (so writers to a shard wait while `f` runs on it, as with
    /// [`for_each`](Self::for_each)). dashmap's `par_iter` with a closure instead of guards.
    ///
    /// ```
    /// use std::sync::atomic::{AtomicU64, Ordering};
    /// use selvedge_collections::ConcurrentMap;
    ///
    /// let scores: ConcurrentMap<u32, u64> = (0..1000).map(|i| (i, u64::from(i))).collect();
    /// let total = AtomicU64::new(0);
    /// scores.par_for_each(|_, v| {
    ///     total.fetch_add(*v, Ordering::Relaxed);
    /// });
    /// assert_eq!(total.into_inner(), 499_500);
    /// ```
    ///
    /// # Panics
    ///
    /// If `f` calls this map (see the [type docs](ConcurrentMap#panics)), and so also if `f`
    /// itself waits on rayon work: rayon may then run another shard's task on the same thread,
    /// inside `f`, which the re-entrance check reports rather than risk a deadlock.
    pub fn par_for_each(&self, f: impl Fn(&K, &V) + Sync + Send) {
        self.shards.par_iter().for_each(|shard| {
            let _scope = self.enter("par_for_each");
            for slot in shard.read().iter() {
                f(&slot.key, &slot.value);
            }
        });
    }
}

/// An owned [`ConcurrentMap`] as a rayon `ParallelIterator` of its entries
/// (`map.into_par_iter()`), split by shard; no lock is taken.
///
/// # Examples
///
/// ```
/// use rayon::prelude::*;
/// use selvedge_collections::ConcurrentMap;
///
/// let map: ConcurrentMap<u32, u32> = (0..100).map(|i| (i, i * 2)).collect();
/// let mut doubled: Vec<u32> = map.into_par_iter().map(|(_, v)| v).collect();
/// doubled.sort_unstable();
/// assert_eq!(doubled, (0..100).map(|i| i * 2).collect::<Vec<_>>());
/// ```
pub struct MapParIntoIter<K, V> {
    tables: Vec<Table<K, V>>,
}

impl<K, V> std::fmt::Debug for MapParIntoIter<K, V> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let left: usize = self.tables.iter().map(Table::len).sum();
        f.debug_struct("MapParIntoIter")
            .field("left", &left)
            .finish()
    }
}

impl<K: Send, V: Send, S> IntoParallelIterator for ConcurrentMap<K, V, S> {
    type Item = (K, V);
    type Iter = MapParIntoIter<K, V>;

    fn into_par_iter(self) -> MapParIntoIter<K, V> {
        MapParIntoIter {
            tables: self.into_tables(),
        }
    }
}

impl<K: Send, V: Send> ParallelIterator for MapParIntoIter<K, V> {
    type Item = (K, V);

    fn drive_unindexed<C: UnindexedConsumer<(K, V)>>(self, consumer: C) -> C::Result {
        self.tables
            .into_par_iter()
            .flat_map_iter(|table| table.into_entries().map(|slot| (slot.key, slot.value)))
            .drive_unindexed(consumer)
    }
}
