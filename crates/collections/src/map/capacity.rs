//! Room in the shards' tables: constructors that set capacity and shard count together, and
//! `capacity`, `reserve`, `try_reserve`, `shrink_to_fit` (std's and dashmap's names).
//!
//! A capacity is spread evenly over the shards (`capacity / shards`, rounded up, each), since
//! the hash spreads keys evenly; a skewed key set may grow one shard before the total is
//! reached. Each method locks one shard at a time. Growing or shrinking a table hashes its keys
//! under that shard's lock (a panicking `Hash` leaves the table as it was; see `table.rs`).

use std::hash::{BuildHasher, Hash};

use super::{ConcurrentMap, table};
use crate::capacity_error::CapacityError;
use crate::hasher::DefaultHashBuilder;
use crate::reentrancy::ClosureScope;

impl<K, V> ConcurrentMap<K, V> {
    /// An empty map with room for `capacity` entries over `shards` shards (rounded as in
    /// [`with_shards`](Self::with_shards)): dashmap's `with_capacity_and_shard_amount`.
    ///
    /// ```
    /// use selvedge_collections::ConcurrentMap;
    /// let map: ConcurrentMap<u64, u64> = ConcurrentMap::with_capacity_and_shards(1_000, 8);
    /// assert_eq!(map.shard_count(), 8);
    /// assert!(map.capacity() >= 1_000);
    /// ```
    ///
    /// # Panics
    ///
    /// As [`with_capacity`](Self::with_capacity); use
    /// [`try_with_capacity_and_shards`](Self::try_with_capacity_and_shards) for a capacity that
    /// comes from input.
    #[must_use]
    #[track_caller]
    pub fn with_capacity_and_shards(capacity: usize, shards: usize) -> Self {
        Self::with_capacity_shards_and_hasher(capacity, shards, DefaultHashBuilder::default())
    }

    /// [`with_capacity_and_shards`](Self::with_capacity_and_shards), or why the room cannot be
    /// had.
    ///
    /// # Errors
    ///
    /// As [`try_with_capacity`](Self::try_with_capacity).
    ///
    /// ```
    /// use selvedge_collections::ConcurrentMap;
    /// assert!(ConcurrentMap::<u8, u8>::try_with_capacity_and_shards(64, 4).is_ok());
    /// assert!(ConcurrentMap::<u8, u8>::try_with_capacity_and_shards(usize::MAX, 4).is_err());
    /// ```
    pub fn try_with_capacity_and_shards(
        capacity: usize,
        shards: usize,
    ) -> Result<Self, CapacityError> {
        Self::try_build(shards, capacity, DefaultHashBuilder::default())
    }
}

impl<K, V, S> ConcurrentMap<K, V, S> {
    /// An empty map with room for `capacity` entries over `shards` shards, hashing with
    /// `hasher`: every setting in one constructor.
    ///
    /// ```
    /// use std::hash::RandomState;
    /// use selvedge_collections::ConcurrentMap;
    ///
    /// let map: ConcurrentMap<u8, u8, _> =
    ///     ConcurrentMap::with_capacity_shards_and_hasher(100, 2, RandomState::new());
    /// assert_eq!(map.shard_count(), 2);
    /// assert!(map.capacity() >= 100);
    /// ```
    ///
    /// # Panics
    ///
    /// As [`with_capacity`](ConcurrentMap::with_capacity).
    #[must_use]
    #[track_caller]
    pub fn with_capacity_shards_and_hasher(capacity: usize, shards: usize, hasher: S) -> Self {
        match Self::try_build(shards, capacity, hasher) {
            Ok(map) => map,
            Err(error) => panic!("ConcurrentMap::with_capacity: {error}"),
        }
    }

    /// How many entries the map can hold without growing a table: the sum of the shards'
    /// capacities, read one shard at a time. A shard fills up before the total is reached
    /// when the keys do not spread evenly.
    ///
    /// ```
    /// use selvedge_collections::ConcurrentMap;
    /// let map: ConcurrentMap<u32, u32> = ConcurrentMap::new();
    /// assert_eq!(map.capacity(), 0); // no table allocates before its first insert
    /// map.reserve(100);
    /// assert!(map.capacity() >= 100);
    /// ```
    #[must_use]
    #[track_caller]
    pub fn capacity(&self) -> usize {
        let mut capacity = 0;
        for shard in &*self.shards {
            capacity += self.lock_read(shard, "capacity").capacity();
        }
        capacity
    }
}

impl<K, V, S> ConcurrentMap<K, V, S>
where
    K: Hash + Eq,
    S: BuildHasher,
{
    /// Makes room for at least `additional` more entries, spread evenly over the shards, one
    /// shard at a time.
    ///
    /// ```
    /// use selvedge_collections::ConcurrentMap;
    /// let map = ConcurrentMap::new();
    /// map.insert(1, 1);
    /// map.reserve(1_000);
    /// assert!(map.capacity() >= 1_001);
    /// ```
    ///
    /// # Panics
    ///
    /// If the room cannot be had, as [`with_capacity`](ConcurrentMap::with_capacity); use
    /// [`try_reserve`](Self::try_reserve) for an amount that comes from input. As
    /// [`try_reserve`](Self::try_reserve) if `Hash` panics.
    #[track_caller]
    pub fn reserve(&self, additional: usize) {
        if let Err(error) = self.try_reserve(additional) {
            panic!("ConcurrentMap::reserve: {error}");
        }
    }

    /// [`reserve`](Self::reserve), or why the room cannot be had. The shards reserved before
    /// the one that failed keep their room.
    ///
    /// # Errors
    ///
    /// [`CapacityError`] if a table would exceed the largest possible allocation, or the
    /// allocator refused it.
    ///
    /// ```
    /// use selvedge_collections::{CapacityError, ConcurrentMap};
    /// let map: ConcurrentMap<u64, u64> = ConcurrentMap::new();
    /// assert!(map.try_reserve(10).is_ok());
    /// assert!(matches!(map.try_reserve(usize::MAX), Err(CapacityError::Overflow { .. })));
    /// ```
    ///
    /// # Panics
    ///
    /// If `Hash` panics while a shard that must grow rehashes its keys; that shard is left as
    /// it was, with its entries and its old room.
    #[track_caller]
    pub fn try_reserve(&self, additional: usize) -> Result<(), CapacityError> {
        let per_shard = additional.div_ceil(self.shards.len());
        for shard in &*self.shards {
            let mut table = self.lock_write(shard, "try_reserve");
            // Hashes the shard's keys under its lock: marked as inside the map, as in `grow`.
            let _scope = ClosureScope::enter_unless_inside(self.id(), "try_reserve");
            table::try_reserve(&mut table, per_shard, |key| self.hash(key))
                .map_err(|error| CapacityError::from_reserve(additional, error))?;
        }
        Ok(())
    }

    /// Shrinks every table as far as its entries allow, one shard at a time.
    ///
    /// ```
    /// use selvedge_collections::ConcurrentMap;
    /// let map: ConcurrentMap<u32, u32> = ConcurrentMap::with_capacity(1_000);
    /// map.insert(1, 1);
    /// map.shrink_to_fit();
    /// assert!(map.capacity() < 1_000);
    /// assert_eq!(map.get(&1), Some(1));
    /// ```
    ///
    /// # Panics
    ///
    /// If `Hash` panics while a shard rehashes its keys; that shard is left as it was.
    #[track_caller]
    pub fn shrink_to_fit(&self) {
        for shard in &*self.shards {
            let mut table = self.lock_write(shard, "shrink_to_fit");
            let _scope = ClosureScope::enter_unless_inside(self.id(), "shrink_to_fit");
            table::shrink_to_fit(&mut table, |key| self.hash(key));
        }
    }
}
