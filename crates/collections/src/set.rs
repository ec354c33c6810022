//! `ConcurrentSet`: a concurrent hash set, a [`ConcurrentMap`] with `()` values.

use std::borrow::Borrow;
use std::fmt;
use std::hash::{BuildHasher, Hash};

use crate::capacity_error::CapacityError;
use crate::hasher::DefaultHashBuilder;
use crate::map::ConcurrentMap;
use crate::not_removed::NotRemoved;

mod into_iter;
#[cfg(feature = "rayon")]
mod par;

pub use into_iter::SetIntoIter;
#[cfg(feature = "rayon")]
pub use par::SetParIntoIter;

/// A concurrent hash set: the seed's `ThreadSafeSet`, sharded, every method on `&self`.
///
/// Built on [`ConcurrentMap`], so it shares its design and guarantees: one hash per call,
/// one shard lock at a time, no guard handed out, snapshots copied shard by shard (with the
/// [map's snapshot consistency](ConcurrentMap#snapshot-consistency)), and a panic instead of a
/// deadlock when a closure given to the set calls the set. [`copy`](Self::copy) and
/// [`insert_all`](Self::insert_all) act at one instant by taking every shard lock.
///
/// `ConcurrentSet<T, S>` is `Send` and `Sync` when `T` and `S` are.
///
/// # Examples
///
/// ```
/// use selvedge_collections::ConcurrentSet;
///
/// let online = ConcurrentSet::new();
/// std::thread::scope(|s| {
///     for user in ["ann", "bob", "ann"] {
///         let online = &online;
///         s.spawn(move || online.insert(user));
///     }
/// });
/// assert_eq!(online.len(), 2);
/// assert!(online.contains("bob"));
/// ```
pub struct ConcurrentSet<T, S = DefaultHashBuilder> {
    map: ConcurrentMap<T, (), S>,
}

impl<T> ConcurrentSet<T> {
    /// An empty set with the default hasher and shard count.
    ///
    /// ```
    /// use selvedge_collections::ConcurrentSet;
    /// let set: ConcurrentSet<u32> = ConcurrentSet::new();
    /// assert!(set.is_empty());
    /// ```
    #[must_use]
    pub fn new() -> Self {
        Self {
            map: ConcurrentMap::new(),
        }
    }

    /// An empty set with room for at least `capacity` elements.
    ///
    /// ```
    /// use selvedge_collections::ConcurrentSet;
    /// let set: ConcurrentSet<u32> = ConcurrentSet::with_capacity(100);
    /// assert!(set.is_empty());
    /// ```
    ///
    /// # Panics
    ///
    /// As [`ConcurrentMap::with_capacity`]: if the room cannot be had.
    #[must_use]
    #[track_caller]
    pub fn with_capacity(capacity: usize) -> Self {
        Self {
            map: ConcurrentMap::with_capacity(capacity),
        }
    }

    /// An empty set with room for at least `capacity` elements, or why there cannot be.
    ///
    /// # Errors
    ///
    /// [`CapacityError`] as [`ConcurrentMap::try_with_capacity`].
    ///
    /// ```
    /// use selvedge_collections::ConcurrentSet;
    /// assert!(ConcurrentSet::<u32>::try_with_capacity(100).is_ok());
    /// assert!(ConcurrentSet::<u32>::try_with_capacity(usize::MAX).is_err());
    /// ```
    pub fn try_with_capacity(capacity: usize) -> Result<Self, CapacityError> {
        ConcurrentMap::try_with_capacity(capacity).map(|map| Self { map })
    }

    /// An empty set with `shards` shards, rounded up to a power of two between 1 and 65,536.
    ///
    /// ```
    /// use selvedge_collections::ConcurrentSet;
    /// let set: ConcurrentSet<u32> = ConcurrentSet::with_shards(1);
    /// assert_eq!(set.shard_count(), 1);
    /// ```
    #[must_use]
    pub fn with_shards(shards: usize) -> Self {
        Self {
            map: ConcurrentMap::with_shards(shards),
        }
    }
}

impl<T, S> ConcurrentSet<T, S> {
    /// The map underneath (values `()`), for the serde impls and the whole-set methods written
    /// beside the map's.
    pub(crate) fn as_map(&self) -> &ConcurrentMap<T, (), S> {
        &self.map
    }

    /// An empty set that hashes with `hasher`.
    ///
    /// ```
    /// use std::hash::RandomState;
    /// use selvedge_collections::ConcurrentSet;
    /// let set = ConcurrentSet::with_hasher(RandomState::new());
    /// set.insert(1);
    /// assert!(set.contains(&1));
    /// ```
    #[must_use]
    pub fn with_hasher(hasher: S) -> Self {
        Self {
            map: ConcurrentMap::with_hasher(hasher),
        }
    }

    /// An empty set with `shards` shards (see [`with_shards`](ConcurrentSet::with_shards)) that
    /// hashes with `hasher`.
    ///
    /// ```
    /// use std::hash::RandomState;
    /// use selvedge_collections::ConcurrentSet;
    /// let set: ConcurrentSet<u8, _> = ConcurrentSet::with_shards_and_hasher(2, RandomState::new());
    /// assert_eq!(set.shard_count(), 2);
    /// ```
    #[must_use]
    pub fn with_shards_and_hasher(shards: usize, hasher: S) -> Self {
        Self {
            map: ConcurrentMap::with_shards_and_hasher(shards, hasher),
        }
    }

    /// An empty set with room for `capacity` elements over `shards` shards, hashing with
    /// `hasher` (see [`ConcurrentMap::with_capacity_shards_and_hasher`]).
    ///
    /// ```
    /// use std::hash::RandomState;
    /// use selvedge_collections::ConcurrentSet;
    /// let set: ConcurrentSet<u8, _> =
    ///     ConcurrentSet::with_capacity_shards_and_hasher(64, 2, RandomState::new());
    /// assert!(set.capacity() >= 64);
    /// ```
    ///
    /// # Panics
    ///
    /// As [`ConcurrentMap::with_capacity`]: if the room cannot be had.
    #[must_use]
    #[track_caller]
    pub fn with_capacity_shards_and_hasher(capacity: usize, shards: usize, hasher: S) -> Self {
        Self {
            map: ConcurrentMap::with_capacity_shards_and_hasher(capacity, shards, hasher),
        }
    }

    /// An empty set with room for `capacity` elements that hashes with `hasher`.
    ///
    /// ```
    /// use std::hash::RandomState;
    /// use selvedge_collections::ConcurrentSet;
    /// let set: ConcurrentSet<u8, _> = ConcurrentSet::with_capacity_and_hasher(64, RandomState::new());
    /// assert!(set.capacity() >= 64);
    /// ```
    ///
    /// # Panics
    ///
    /// As [`ConcurrentMap::with_capacity`]: if the room cannot be had.
    #[must_use]
    #[track_caller]
    pub fn with_capacity_and_hasher(capacity: usize, hasher: S) -> Self {
        Self {
            map: ConcurrentMap::with_capacity_and_hasher(capacity, hasher),
        }
    }

    /// How many elements the set can hold without growing a table (see
    /// [`ConcurrentMap::capacity`]).
    ///
    /// ```
    /// use selvedge_collections::ConcurrentSet;
    /// let set: ConcurrentSet<u8> = ConcurrentSet::with_capacity(10);
    /// assert!(set.capacity() >= 10);
    /// ```
    #[must_use]
    #[track_caller]
    pub fn capacity(&self) -> usize {
        self.map.capacity()
    }

    /// How many shards the set has.
    ///
    /// ```
    /// use selvedge_collections::ConcurrentSet;
    /// let set: ConcurrentSet<u8> = ConcurrentSet::new();
    /// assert!(set.shard_count().is_power_of_two());
    /// ```
    #[must_use]
    pub fn shard_count(&self) -> usize {
        self.map.shard_count()
    }

    /// The number of elements, counted shard by shard (see [`ConcurrentMap::len`]).
    ///
    /// ```
    /// use selvedge_collections::ConcurrentSet;
    /// let set: ConcurrentSet<_> = [1, 2, 2].into_iter().collect();
    /// assert_eq!(set.len(), 2);
    /// ```
    #[must_use]
    #[track_caller]
    pub fn len(&self) -> usize {
        self.map.len()
    }

    /// Whether the set has no element.
    ///
    /// ```
    /// use selvedge_collections::ConcurrentSet;
    /// let set: ConcurrentSet<u8> = ConcurrentSet::new();
    /// assert!(set.is_empty());
    /// ```
    #[must_use]
    #[track_caller]
    pub fn is_empty(&self) -> bool {
        self.map.is_empty()
    }

    /// Removes every element, shard by shard.
    ///
    /// ```
    /// use selvedge_collections::ConcurrentSet;
    /// let set: ConcurrentSet<_> = [1, 2].into_iter().collect();
    /// set.clear();
    /// assert!(set.is_empty());
    /// ```
    #[track_caller]
    pub fn clear(&self) {
        self.map.clear();
    }

    /// Keeps only the elements for which `f` returns `true`, shard by shard.
    ///
    /// ```
    /// use selvedge_collections::ConcurrentSet;
    /// let set: ConcurrentSet<u32> = (0..10).collect();
    /// set.retain(|n| n % 2 == 0);
    /// assert_eq!(set.len(), 5);
    /// ```
    ///
    /// # Panics
    ///
    /// If `f` calls this set (see [`ConcurrentMap`'s panics](ConcurrentMap#panics)).
    #[track_caller]
    pub fn retain(&self, mut f: impl FnMut(&T) -> bool) {
        self.map.retain(|k, ()| f(k));
    }

    /// Calls `f` on every element, one shard at a time under its read lock.
    ///
    /// ```
    /// use selvedge_collections::ConcurrentSet;
    /// let set: ConcurrentSet<u32> = (1..=3).collect();
    /// let mut sum = 0;
    /// set.for_each(|n| sum += n);
    /// assert_eq!(sum, 6);
    /// ```
    ///
    /// # Panics
    ///
    /// If `f` calls this set (see [`ConcurrentMap`'s panics](ConcurrentMap#panics)).
    #[track_caller]
    pub fn for_each(&self, mut f: impl FnMut(&T)) {
        self.map.for_each(|k, ()| f(k));
    }

    /// A snapshot of the elements, copied shard by shard with the [map's snapshot
    /// consistency](ConcurrentMap#snapshot-consistency).
    ///
    /// ```
    /// use selvedge_collections::ConcurrentSet;
    /// let set: ConcurrentSet<_> = ["b", "a"].into_iter().collect();
    /// let mut members = set.snapshot();
    /// members.sort();
    /// assert_eq!(members, ["a", "b"]);
    /// ```
    #[must_use]
    #[track_caller]
    pub fn snapshot(&self) -> Vec<T>
    where
        T: Clone,
    {
        self.map.keys()
    }
}

impl<T, S> ConcurrentSet<T, S>
where
    T: Hash + Eq,
    S: BuildHasher,
{
    /// Makes room for at least `additional` more elements (see [`ConcurrentMap::reserve`]).
    ///
    /// ```
    /// use selvedge_collections::ConcurrentSet;
    /// let set: ConcurrentSet<u8> = ConcurrentSet::new();
    /// set.reserve(10);
    /// assert!(set.capacity() >= 10);
    /// ```
    ///
    /// # Panics
    ///
    /// If the room cannot be had; use [`try_reserve`](Self::try_reserve) for an amount from
    /// input.
    #[track_caller]
    pub fn reserve(&self, additional: usize) {
        self.map.reserve(additional);
    }

    /// [`reserve`](Self::reserve), or why the room cannot be had.
    ///
    /// # Errors
    ///
    /// [`CapacityError`] as [`ConcurrentMap::try_reserve`].
    ///
    /// ```
    /// use selvedge_collections::ConcurrentSet;
    /// let set: ConcurrentSet<u8> = ConcurrentSet::new();
    /// assert!(set.try_reserve(usize::MAX).is_err());
    /// ```
    #[track_caller]
    pub fn try_reserve(&self, additional: usize) -> Result<(), CapacityError> {
        self.map.try_reserve(additional)
    }

    /// Shrinks every table as far as its elements allow.
    ///
    /// ```
    /// use selvedge_collections::ConcurrentSet;
    /// let set: ConcurrentSet<u8> = ConcurrentSet::with_capacity(1_000);
    /// set.shrink_to_fit();
    /// assert!(set.capacity() < 1_000);
    /// ```
    #[track_caller]
    pub fn shrink_to_fit(&self) {
        self.map.shrink_to_fit();
    }

    /// Adds `value`; returns `true` if it was not there yet.
    ///
    /// ```
    /// use selvedge_collections::ConcurrentSet;
    /// let set = ConcurrentSet::new();
    /// assert!(set.insert("ann"));
    /// assert!(!set.insert("ann"));
    /// ```
    #[inline]
    #[track_caller]
    pub fn insert(&self, value: T) -> bool {
        self.map.insert(value, ()).is_none()
    }

    /// Removes `value`; returns `true` if it was there.
    ///
    /// ```
    /// use selvedge_collections::ConcurrentSet;
    /// let set = ConcurrentSet::new();
    /// set.insert(String::from("ann"));
    /// assert!(set.remove("ann"));
    /// assert!(!set.remove("ann"));
    /// ```
    #[inline]
    #[track_caller]
    pub fn remove<Q>(&self, value: &Q) -> bool
    where
        T: Borrow<Q>,
        Q: Hash + Eq + ?Sized,
    {
        self.map.remove(value).is_some()
    }

    /// Removes `value` if `f` returns `true` for the element stored, atomically; says whether
    /// it was [absent](NotRemoved::Absent) or `f` [refused](NotRemoved::Refused) otherwise.
    ///
    /// ```
    /// use selvedge_collections::{ConcurrentSet, NotRemoved};
    /// let set = ConcurrentSet::new();
    /// set.insert(String::from("ann"));
    /// assert_eq!(set.remove_if("ann", |s| s.len() > 3), Err(NotRemoved::Refused));
    /// assert_eq!(set.remove_if("ann", |s| s.starts_with('a')), Ok(()));
    /// assert_eq!(set.remove_if("ann", |_| true), Err(NotRemoved::Absent));
    /// ```
    ///
    /// # Errors
    ///
    /// [`NotRemoved`]: `value` was absent (and `f` was not called), or `f` returned `false`.
    ///
    /// # Panics
    ///
    /// If `f` calls this set.
    #[track_caller]
    pub fn remove_if<Q>(&self, value: &Q, f: impl FnOnce(&T) -> bool) -> Result<(), NotRemoved>
    where
        T: Borrow<Q>,
        Q: Hash + Eq + ?Sized,
    {
        self.map.remove_if(value, |stored, ()| f(stored))
    }

    /// Whether `value` is in the set.
    ///
    /// ```
    /// use selvedge_collections::ConcurrentSet;
    /// let set = ConcurrentSet::new();
    /// set.insert(String::from("ann"));
    /// assert!(set.contains("ann"));
    /// assert!(!set.contains("bob"));
    /// ```
    #[inline]
    #[must_use]
    #[track_caller]
    pub fn contains<Q>(&self, value: &Q) -> bool
    where
        T: Borrow<Q>,
        Q: Hash + Eq + ?Sized,
    {
        self.map.contains_key(value)
    }
}

impl<T, S: Default> Default for ConcurrentSet<T, S> {
    fn default() -> Self {
        Self {
            map: ConcurrentMap::default(),
        }
    }
}

impl<T: fmt::Debug, S> fmt::Debug for ConcurrentSet<T, S> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut out = f.debug_set();
        self.map.for_each(|k, ()| {
            out.entry(k);
        });
        out.finish()
    }
}

impl<T, S> Extend<T> for ConcurrentSet<T, S>
where
    T: Hash + Eq,
    S: BuildHasher,
{
    fn extend<I: IntoIterator<Item = T>>(&mut self, iter: I) {
        self.map.extend(iter.into_iter().map(|value| (value, ())));
    }
}

impl<T, S> Extend<T> for &ConcurrentSet<T, S>
where
    T: Hash + Eq,
    S: BuildHasher,
{
    fn extend<I: IntoIterator<Item = T>>(&mut self, iter: I) {
        for value in iter {
            self.insert(value);
        }
    }
}

impl<'a, T, S> Extend<&'a T> for ConcurrentSet<T, S>
where
    T: Hash + Eq + Copy,
    S: BuildHasher,
{
    /// Inserts a copy of every value, as std's `HashSet` does for `Copy` values.
    fn extend<I: IntoIterator<Item = &'a T>>(&mut self, iter: I) {
        (&*self).extend(iter);
    }
}

impl<'a, T, S> Extend<&'a T> for &ConcurrentSet<T, S>
where
    T: Hash + Eq + Copy,
    S: BuildHasher,
{
    /// Inserts a copy of every value; other threads may see some before the last is in.
    fn extend<I: IntoIterator<Item = &'a T>>(&mut self, iter: I) {
        for &value in iter {
            self.insert(value);
        }
    }
}

impl<T: Clone, S: Clone> Clone for ConcurrentSet<T, S> {
    /// A copy of the set taken at one instant (as [`ConcurrentMap`]'s `Clone`).
    ///
    /// ```
    /// use selvedge_collections::ConcurrentSet;
    /// let set: ConcurrentSet<u8> = [1, 2].into_iter().collect();
    /// let clone = set.clone();
    /// set.insert(3);
    /// assert_eq!(clone.len(), 2);
    /// ```
    #[track_caller]
    fn clone(&self) -> Self {
        Self {
            map: self.map.clone(),
        }
    }
}

impl<T, S> PartialEq for ConcurrentSet<T, S>
where
    T: Hash + Eq,
    S: BuildHasher,
{
    /// Whether both sets hold the same elements, compared at one instant (as
    /// [`ConcurrentMap`]'s `PartialEq`).
    ///
    /// ```
    /// use selvedge_collections::ConcurrentSet;
    /// let (a, b): (ConcurrentSet<u8>, ConcurrentSet<u8>) = (ConcurrentSet::new(), ConcurrentSet::new());
    /// a.insert(1);
    /// b.insert(1);
    /// assert_eq!(a, b);
    /// ```
    #[track_caller]
    fn eq(&self, other: &Self) -> bool {
        self.map == other.map
    }
}

impl<T: Hash + Eq, S: BuildHasher> Eq for ConcurrentSet<T, S> {}

impl<T, S> FromIterator<T> for ConcurrentSet<T, S>
where
    T: Hash + Eq,
    S: BuildHasher + Default,
{
    fn from_iter<I: IntoIterator<Item = T>>(iter: I) -> Self {
        let mut set = Self::default();
        set.extend(iter);
        set
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn set_operations_match_their_meaning() {
        let set = ConcurrentSet::with_shards(2);
        assert!(set.insert(1));
        assert!(!set.insert(1));
        assert!(set.insert(2));
        assert!(set.contains(&1));
        assert_eq!(set.len(), 2);
        assert!(set.remove(&1));
        assert!(!set.contains(&1));
        let mut all = set.snapshot();
        all.sort_unstable();
        assert_eq!(all, [2]);
        assert_eq!(format!("{set:?}"), "{2}");
    }

    #[test]
    #[should_panic(expected = "re-entrant use")]
    fn retain_closure_touching_the_set_panics() {
        let set: ConcurrentSet<u32> = (0..4).collect();
        set.retain(|n| set.contains(n));
    }
}
