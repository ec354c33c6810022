//! Parallel iteration with rayon (feature `rayon`), as for the map: `par_for_each` and an
//! owned set as a `ParallelIterator` ([`SetParIntoIter`]).

use rayon::iter::plumbing::UnindexedConsumer;
use rayon::iter::{IntoParallelIterator, ParallelIterator};

use super::ConcurrentSet;
use crate::map::MapParIntoIter;

impl<T: Send + Sync, S: Sync> ConcurrentSet<T, S> {
    /// Calls `f` on every value in parallel on rayon's global pool, one shard per task under
    /// its read lock; see [`ConcurrentMap::par_for_each`](crate::ConcurrentMap::par_for_each).
    ///
    /// ```
    /// use std::sync::atomic::{AtomicU64, Ordering};
    /// use selvedge_collections::ConcurrentSet;
    ///
    /// let ids: ConcurrentSet<u64> = (1..=100).collect();
    /// let total = AtomicU64::new(0);
    /// ids.par_for_each(|id| {
    ///     total.fetch_add(*id, Ordering::Relaxed);
    /// });
    /// assert_eq!(total.into_inner(), 5050);
    /// ```
    ///
    /// # Panics
    ///
    /// As the map's: if `f` calls this set, or waits on rayon work.
    pub fn par_for_each(&self, f: impl Fn(&T) + Sync + Send) {
        self.map.par_for_each(|value, ()| f(value));
    }
}

/// An owned [`ConcurrentSet`] as a rayon `ParallelIterator` of its values
/// (`set.into_par_iter()`), split by shard; no lock is taken.
///
/// # Examples
///
/// ```
/// use rayon::prelude::*;
/// use selvedge_collections::ConcurrentSet;
///
/// let set: ConcurrentSet<u32> = (0..100).collect();
/// assert_eq!(set.into_par_iter().map(u64::from).sum::<u64>(), 4950);
/// ```
#[derive(Debug)]
pub struct SetParIntoIter<T> {
    entries: MapParIntoIter<T, ()>,
}

impl<T: Send, S> IntoParallelIterator for ConcurrentSet<T, S> {
    type Item = T;
    type Iter = SetParIntoIter<T>;

    fn into_par_iter(self) -> SetParIntoIter<T> {
        SetParIntoIter {
            entries: self.map.into_par_iter(),
        }
    }
}

impl<T: Send> ParallelIterator for SetParIntoIter<T> {
    type Item = T;

    fn drive_unindexed<C: UnindexedConsumer<T>>(self, consumer: C) -> C::Result {
        self.entries
            .map(|(value, ())| value)
            .drive_unindexed(consumer)
    }
}
