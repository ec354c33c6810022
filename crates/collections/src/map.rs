//! `ConcurrentMap`: a sharded hash map whose every method takes `&self` and whose locks never
//! escape to the caller.

use std::borrow::Borrow;
use std::fmt;
use std::hash::{BuildHasher, Hash};

use crossbeam_utils::CachePadded;
use hashbrown::hash_table::Entry;
use selvedge_locks::sync::static_atomic::{AtomicU64, Ordering};
use selvedge_locks::sync::{BiasedRwLock, BiasedRwLockReadGuard, BiasedRwLockWriteGuard, thread};

use crate::capacity_error::CapacityError;
use crate::hasher::DefaultHashBuilder;
use crate::not_removed::NotRemoved;
use crate::occupied_error::OccupiedError;
use crate::reentrancy::{self, ClosureScope};
use crate::try_get::TryGet;

mod all_shards;
mod capacity;
mod into_iter;
#[cfg(feature = "rayon")]
mod par;
mod table;

pub use all_shards::LockedMap;
pub use into_iter::MapIntoIter;
#[cfg(feature = "rayon")]
pub use par::MapParIntoIter;
use table::{Slot, Table};

/// One shard: its own cache line(s), so two threads on neighbouring shards do not share one.
type Shard<K, V> = CachePadded<BiasedRwLock<Table<K, V>>>;

/// The most shards a map will use: beyond this the per-shard tables get too small to pay for
/// their locks, and the shard bits would start to overlap the bits hashbrown uses.
const MAX_SHARDS: usize = 1 << 16;

/// Where the shard bits start in the hash: above the bits hashbrown uses to pick a bucket in
/// any table below 2^40 entries, below the top 7 bits it keeps as control bytes. So one hash,
/// computed once, picks the shard and is used again inside the shard without correlation.
const SHARD_BITS_SHIFT: u32 = 40;

/// What [`ConcurrentMap::compute`] should do with the entry of its key.
///
/// # Examples
///
/// ```
/// use selvedge_collections::{ConcurrentMap, Op};
///
/// let stock = ConcurrentMap::new();
/// stock.insert("apples", 1);
/// // Take one apple; the last one removes the entry.
/// stock.compute("apples", |count| match count {
///     Some(&1) => Op::Remove,
///     Some(&n) => Op::Set(n - 1),
///     None => Op::Keep,
/// });
/// assert_eq!(stock.get("apples"), None);
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Op<V> {
    /// Leave the map as it is.
    Keep,
    /// Insert this value, or replace the present one.
    Set(V),
    /// Remove the entry, if there is one.
    Remove,
}

/// A concurrent hash map: sharded, every method on `&self`, no guard ever handed out.
///
/// The keys are split over a power-of-two number of shards, each a cache-padded read-write
/// lock around a hashbrown table. A key's hash is computed once per call, outside any lock;
/// its middle bits pick the shard and the rest the bucket. A shard that grows rehashes its
/// keys in a way that leaves it as it was if `Hash` panics, so a panicking `Hash` fails only
/// its own call. Reads take the
/// shard's lock shared, writes exclusive, and no method holds two shard locks, except the
/// whole-map methods ([`atomically`](Self::atomically), [`insert_all`](Self::insert_all),
/// [`copy`](Self::copy)), which take every shard's lock, always in shard order.
///
/// Methods that run your code (`get_with`, `update`, `compute`, `retain`, ...) run it under
/// the key's shard lock and return what it returns; the lock is released before they return,
/// and the API has no way to keep it. Calling the same map from inside such a closure would
/// deadlock on that lock, so it panics instead (see [Panics](#panics)).
///
/// `ConcurrentMap<K, V, S>` is `Send` and `Sync` when `K`, `V` and `S` are `Send` and `Sync`;
/// share it with `Arc` or a scoped borrow. Values that are not `Sync`, such as `Rc`, make the
/// map unshareable:
///
/// ```compile_fail
/// use std::rc::Rc;
/// use selvedge_collections::ConcurrentMap;
///
/// fn share<T: Sync>(_: &T) {}
/// let map: ConcurrentMap<u32, Rc<u32>> = ConcurrentMap::new();
/// share(&map);
/// ```
///
/// while `Arc` values are fine:
///
/// ```
/// use std::sync::Arc;
/// use selvedge_collections::ConcurrentMap;
///
/// fn share<T: Sync>(_: &T) {}
/// let map: ConcurrentMap<u32, Arc<u32>> = ConcurrentMap::new();
/// share(&map);
/// ```
///
/// # Examples
///
/// ```
/// use std::sync::Arc;
/// use selvedge_collections::ConcurrentMap;
///
/// let scores = Arc::new(ConcurrentMap::new());
/// std::thread::scope(|s| {
///     for player in ["ann", "bob"] {
///         let scores = &scores;
///         s.spawn(move || {
///             for _ in 0..100 {
///                 scores.upsert(player, || 1, |n| *n += 1);
///             }
///         });
///     }
/// });
/// assert_eq!(scores.get("ann"), Some(100));
/// assert_eq!(scores.get("bob"), Some(100));
/// ```
///
/// # Panics
///
/// Calling a map from inside one of its own closures is a bug: the closure holds a shard
/// lock, and the call may need that same lock. The closure-taking methods check this every
/// time and panic with a message naming the problem (and emit the
/// `collections.reentrant_use` event), like Java's `ConcurrentHashMap` throws
/// `IllegalStateException`. The plain methods (`get`, `insert`, `remove`, `len`, ...) keep
/// their fast path free of the check: they panic the same way when they find their shard lock
/// taken, which covers every case that would deadlock, and may otherwise succeed. Don't rely
/// on either: compute inside the closure, return, then call the map.
///
/// ```should_panic
/// use selvedge_collections::ConcurrentMap;
///
/// let map = ConcurrentMap::with_shards(1);
/// map.insert(1, 10);
/// // The closure holds the (only) shard lock; inserting into the same map from it would wait
/// // for that lock forever, so it panics instead.
/// map.update(&1, |v| map.insert(2, *v));
/// ```
///
/// `Eq` and `Clone` of the key and value types run under shard locks (`Drop` too, for the
/// entries `retain` removes); they must not call the map either.
/// `Hash` runs under a shard lock only when the shard's table grows or shrinks (then on the
/// keys already in it, with the thread marked as inside the map: a `Hash` that calls the map
/// panics) and for the lookups an [`atomically`](Self::atomically) closure makes.
///
/// # Snapshot consistency
///
/// Snapshots ([`keys`](Self::keys), [`values`](Self::values), [`entries`](Self::entries),
/// and likewise [`for_each`](Self::for_each), `Debug` and serde) copy or visit the map one
/// shard at a time, each under its read lock, never two locks at once:
///
/// - each shard's part is that shard exactly as it was at one instant; different shards
///   are copied at different instants;
/// - an entry present during the whole call is in the snapshot, with a value it held
///   during the call; an entry absent during the whole call is not;
/// - an entry inserted or removed during the call may or may not be there, and two writes
///   to different shards may appear out of order (the later one without the earlier);
/// - a key appears at most once;
/// - writers wait only while their own shard is being copied, never for the whole call.
///
/// [`copy`](Self::copy) is the snapshot taken at one instant instead: every shard read-locked
/// at once, so writers wait for the whole copy.
pub struct ConcurrentMap<K, V, S = DefaultHashBuilder> {
    shards: Box<[Shard<K, V>]>,
    /// `shards.len() - 1`.
    mask: usize,
    hasher: S,
    /// This map's place in the order in which an operation on two maps (`==`) locks them: the
    /// map created first is locked first, so two such operations cannot deadlock.
    creation: u64,
}

/// The next map's [`creation`](ConcurrentMap::creation) number.
// A static atomic: it only orders maps (any distinct, stable numbers would do, and a creation
// order is also the same in every loom execution, unlike addresses).
static NEXT_CREATION: AtomicU64 = AtomicU64::new(0);

fn next_creation() -> u64 {
    NEXT_CREATION.fetch_add(1, Ordering::Relaxed)
}

/// The most shards a map gets by default, whatever the parallelism: an empty shard costs
/// 128 bytes (a cache-padded lock and an unallocated table), so this bounds an empty map to
/// 32 KiB.
const MAX_DEFAULT_SHARDS: usize = 256;

/// The default shard count: sixteen per hardware thread, rounded up to a power of two. Fewer
/// (dashmap uses four) measured markedly slower on write-heavy mixes at two threads: two
/// writers then meet on one shard often enough to park each other.
fn default_shards() -> usize {
    let threads = thread::available_parallelism().map_or(4, usize::from);
    (threads * 16).next_power_of_two().min(MAX_DEFAULT_SHARDS)
}

impl<K, V> ConcurrentMap<K, V> {
    /// An empty map with the default hasher and shard count.
    ///
    /// ```
    /// use selvedge_collections::ConcurrentMap;
    /// let map: ConcurrentMap<String, u32> = ConcurrentMap::new();
    /// assert!(map.is_empty());
    /// ```
    #[must_use]
    pub fn new() -> Self {
        Self::with_hasher(DefaultHashBuilder::default())
    }

    /// An empty map with room for at least `capacity` entries spread over its shards.
    ///
    /// ```
    /// use selvedge_collections::ConcurrentMap;
    /// let map: ConcurrentMap<u64, u64> = ConcurrentMap::with_capacity(1_000);
    /// assert_eq!(map.len(), 0);
    /// ```
    ///
    /// # Panics
    ///
    /// If the room cannot be had: the tables would exceed the largest possible allocation
    /// (`usize::MAX`, say), or the allocator refuses it. This is std's `HashMap::with_capacity`
    /// contract, except that a refused allocation panics instead of aborting; use
    /// [`try_with_capacity`](Self::try_with_capacity) for a capacity that comes from input.
    #[must_use]
    #[track_caller]
    pub fn with_capacity(capacity: usize) -> Self {
        Self::with_capacity_and_hasher(capacity, DefaultHashBuilder::default())
    }

    /// An empty map with room for at least `capacity` entries, or why there cannot be.
    ///
    /// # Errors
    ///
    /// [`CapacityError`] if the tables would exceed the largest possible allocation, or the
    /// allocator refused them.
    ///
    /// ```
    /// use selvedge_collections::ConcurrentMap;
    /// assert!(ConcurrentMap::<u64, u64>::try_with_capacity(1_000).is_ok());
    /// assert!(ConcurrentMap::<u64, u64>::try_with_capacity(usize::MAX).is_err());
    /// ```
    pub fn try_with_capacity(capacity: usize) -> Result<Self, CapacityError> {
        Self::try_with_capacity_and_hasher(capacity, DefaultHashBuilder::default())
    }

    /// An empty map with `shards` shards, rounded up to a power of two between 1 and 65,536.
    ///
    /// One shard makes every operation contend for one lock, which is what a test wants when
    /// it races operations against each other.
    ///
    /// ```
    /// use selvedge_collections::ConcurrentMap;
    /// let map: ConcurrentMap<u64, u64> = ConcurrentMap::with_shards(5);
    /// assert_eq!(map.shard_count(), 8);
    /// ```
    #[must_use]
    pub fn with_shards(shards: usize) -> Self {
        Self::with_shards_and_hasher(shards, DefaultHashBuilder::default())
    }
}

impl<K, V, S> ConcurrentMap<K, V, S> {
    /// An empty map that hashes with `hasher`.
    ///
    /// ```
    /// use std::hash::RandomState;
    /// use selvedge_collections::ConcurrentMap;
    ///
    /// let map: ConcurrentMap<&str, u32, RandomState> = ConcurrentMap::with_hasher(RandomState::new());
    /// map.insert("sip", 1);
    /// assert_eq!(map.get("sip"), Some(1));
    /// ```
    #[must_use]
    pub fn with_hasher(hasher: S) -> Self {
        Self::build(default_shards(), hasher)
    }

    /// An empty map with room for `capacity` entries that hashes with `hasher`.
    ///
    /// ```
    /// use std::hash::RandomState;
    /// use selvedge_collections::ConcurrentMap;
    ///
    /// let map: ConcurrentMap<u8, u8, _> = ConcurrentMap::with_capacity_and_hasher(64, RandomState::new());
    /// assert!(map.is_empty());
    /// ```
    ///
    /// # Panics
    ///
    /// As [`with_capacity`](ConcurrentMap::with_capacity).
    #[must_use]
    #[track_caller]
    pub fn with_capacity_and_hasher(capacity: usize, hasher: S) -> Self {
        match Self::try_with_capacity_and_hasher(capacity, hasher) {
            Ok(map) => map,
            Err(error) => panic!("ConcurrentMap::with_capacity: {error}"),
        }
    }

    /// An empty map with room for `capacity` entries that hashes with `hasher`, or why there
    /// cannot be.
    ///
    /// # Errors
    ///
    /// As [`try_with_capacity`](ConcurrentMap::try_with_capacity).
    ///
    /// ```
    /// use std::hash::RandomState;
    /// use selvedge_collections::ConcurrentMap;
    ///
    /// let map = ConcurrentMap::<u8, u8, _>::try_with_capacity_and_hasher(64, RandomState::new());
    /// assert!(map.is_ok());
    /// ```
    pub fn try_with_capacity_and_hasher(capacity: usize, hasher: S) -> Result<Self, CapacityError> {
        Self::try_build(default_shards(), capacity, hasher)
    }

    /// An empty map with `shards` shards (see [`with_shards`](ConcurrentMap::with_shards)) that
    /// hashes with `hasher`.
    ///
    /// ```
    /// use std::hash::RandomState;
    /// use selvedge_collections::ConcurrentMap;
    ///
    /// let map: ConcurrentMap<u8, u8, _> = ConcurrentMap::with_shards_and_hasher(0, RandomState::new());
    /// assert_eq!(map.shard_count(), 1);
    /// ```
    #[must_use]
    pub fn with_shards_and_hasher(shards: usize, hasher: S) -> Self {
        Self::build(shards, hasher)
    }

    /// An empty map; no table allocates until its first insert.
    fn build(shards: usize, hasher: S) -> Self {
        let shards = shards.clamp(1, MAX_SHARDS).next_power_of_two();
        Self {
            shards: (0..shards)
                .map(|_| CachePadded::new(BiasedRwLock::new(Table::default())))
                .collect(),
            mask: shards - 1,
            hasher,
            creation: next_creation(),
        }
    }

    /// An empty map with room for `capacity` entries spread evenly over its shards, reserved
    /// fallibly so that a capacity from input is an error, not an abort.
    fn try_build(shards: usize, capacity: usize, hasher: S) -> Result<Self, CapacityError> {
        let mut map = Self::build(shards, hasher);
        let per_shard = capacity.div_ceil(map.shards.len());
        for shard in &mut *map.shards {
            *shard.get_mut() = table::try_with_capacity(per_shard)
                .map_err(|error| CapacityError::from_reserve(capacity, error))?;
        }
        Ok(map)
    }

    /// How many shards the map has.
    ///
    /// ```
    /// use selvedge_collections::ConcurrentMap;
    /// let map: ConcurrentMap<u8, u8> = ConcurrentMap::new();
    /// assert!(map.shard_count().is_power_of_two());
    /// ```
    #[must_use]
    pub fn shard_count(&self) -> usize {
        self.shards.len()
    }

    /// The map's hash builder.
    ///
    /// ```
    /// use std::hash::BuildHasher;
    /// use selvedge_collections::ConcurrentMap;
    ///
    /// let map: ConcurrentMap<u8, u8> = ConcurrentMap::new();
    /// let _ = map.hasher().hash_one(1_u8);
    /// ```
    #[must_use]
    pub fn hasher(&self) -> &S {
        &self.hasher
    }

    /// Names this map in the thread-local re-entrance record: the shard array's address,
    /// which stays put while any method borrows the map.
    #[inline]
    fn id(&self) -> usize {
        self.shards.as_ptr().addr()
    }

    /// The shards' tables, the map consumed: owned iteration needs no lock.
    fn into_tables(self) -> Vec<Table<K, V>> {
        self.shards
            .into_vec()
            .into_iter()
            .map(|shard| shard.into_inner().into_inner())
            .collect()
    }

    /// Which shard holds the key whose hash is `hash`.
    #[inline]
    fn shard_index(&self, hash: u64) -> usize {
        // Truncating to usize is fine: only the bits under `mask` are kept.
        #[allow(clippy::cast_possible_truncation)]
        let index = (hash >> SHARD_BITS_SHIFT) as usize & self.mask;
        index
    }

    #[inline]
    fn shard(&self, hash: u64) -> &BiasedRwLock<Table<K, V>> {
        &self.shards[self.shard_index(hash)]
    }

    #[cold]
    #[inline(never)]
    #[track_caller]
    fn read_blocking<'a>(
        &self,
        lock: &'a BiasedRwLock<Table<K, V>>,
        operation: &'static str,
    ) -> BiasedRwLockReadGuard<'a, Table<K, V>> {
        reentrancy::check_before_blocking(self.id(), operation);
        lock.read()
    }

    #[cold]
    #[inline(never)]
    #[track_caller]
    fn write_blocking<'a>(
        &self,
        lock: &'a BiasedRwLock<Table<K, V>>,
        operation: &'static str,
    ) -> BiasedRwLockWriteGuard<'a, Table<K, V>> {
        reentrancy::check_before_blocking(self.id(), operation);
        lock.write()
    }

    /// Marks this thread as inside the map for a method that runs user code; panics if it
    /// already is. Taken before the shard lock, so a re-entrant call panics before it blocks.
    #[inline]
    #[track_caller]
    fn enter(&self, operation: &'static str) -> ClosureScope {
        ClosureScope::enter(self.id(), operation)
    }

    /// The number of entries, counted shard by shard (one shard lock at a time), so under
    /// concurrent writes it is the sum of counts taken at slightly different instants.
    ///
    /// ```
    /// use selvedge_collections::ConcurrentMap;
    /// let map = ConcurrentMap::new();
    /// map.insert(1, 'a');
    /// map.insert(2, 'b');
    /// assert_eq!(map.len(), 2);
    /// ```
    #[must_use]
    #[track_caller]
    pub fn len(&self) -> usize {
        // Loops, not iterator closures, so `#[track_caller]` reaches the lock helpers.
        let mut len = 0;
        for shard in &*self.shards {
            len += self.lock_read(shard, "len").len();
        }
        len
    }

    /// Whether no shard holds an entry (checked shard by shard, like [`len`](Self::len)).
    ///
    /// ```
    /// use selvedge_collections::ConcurrentMap;
    /// let map: ConcurrentMap<u8, u8> = ConcurrentMap::new();
    /// assert!(map.is_empty());
    /// ```
    #[must_use]
    #[track_caller]
    pub fn is_empty(&self) -> bool {
        for shard in &*self.shards {
            if !self.lock_read(shard, "is_empty").is_empty() {
                return false;
            }
        }
        true
    }

    /// Removes every entry, shard by shard. The removed entries are dropped after their
    /// shard's lock is released, so a `Drop` that uses the map does not deadlock. If a `Drop`
    /// panics, the panic leaves `clear` with the shards before it emptied and the later ones
    /// untouched; the map stays consistent.
    ///
    /// ```
    /// use selvedge_collections::ConcurrentMap;
    /// let map = ConcurrentMap::new();
    /// map.insert("k", 1);
    /// map.clear();
    /// assert!(map.is_empty());
    /// ```
    #[track_caller]
    pub fn clear(&self) {
        for shard in &*self.shards {
            let removed = std::mem::take(&mut *self.lock_write(shard, "clear"));
            drop(removed);
        }
    }

    /// Shared access to `lock` for a method that runs no user closure: try the lock first, and
    /// only if it is taken check for re-entrance before blocking.
    #[inline]
    #[track_caller]
    fn lock_read<'a>(
        &self,
        lock: &'a BiasedRwLock<Table<K, V>>,
        operation: &'static str,
    ) -> BiasedRwLockReadGuard<'a, Table<K, V>> {
        match lock.try_read() {
            Some(guard) => guard,
            None => self.read_blocking(lock, operation),
        }
    }

    /// Exclusive access to `lock`; see [`lock_read`](Self::lock_read).
    #[inline]
    #[track_caller]
    fn lock_write<'a>(
        &self,
        lock: &'a BiasedRwLock<Table<K, V>>,
        operation: &'static str,
    ) -> BiasedRwLockWriteGuard<'a, Table<K, V>> {
        match lock.try_write() {
            Some(guard) => guard,
            None => self.write_blocking(lock, operation),
        }
    }

    /// Calls `f` on every entry, one shard at a time under that shard's read lock.
    ///
    /// Sees the same entries a [snapshot](Self::entries) would, without copying them; writers
    /// to a shard wait while `f` runs on that shard, so keep `f` short.
    ///
    /// ```
    /// use selvedge_collections::ConcurrentMap;
    /// let map = ConcurrentMap::new();
    /// map.insert("a", 1);
    /// map.insert("b", 2);
    /// let mut total = 0;
    /// map.for_each(|_, v| total += v);
    /// assert_eq!(total, 3);
    /// ```
    ///
    /// # Panics
    ///
    /// If `f` calls this map (see the [type docs](ConcurrentMap#panics)).
    #[track_caller]
    pub fn for_each(&self, mut f: impl FnMut(&K, &V)) {
        let _scope = self.enter("for_each");
        for shard in &*self.shards {
            for slot in shard.read().iter() {
                f(&slot.key, &slot.value);
            }
        }
    }

    /// Keeps only the entries for which `f` returns `true`; `f` may also change the values it
    /// keeps. Runs shard by shard under each shard's write lock.
    ///
    /// ```
    /// use selvedge_collections::ConcurrentMap;
    /// let map: ConcurrentMap<u32, u32> = (0..10).map(|i| (i, i)).collect();
    /// map.retain(|k, v| {
    ///     *v *= 10;
    ///     k % 2 == 0
    /// });
    /// assert_eq!(map.len(), 5);
    /// assert_eq!(map.get(&4), Some(40));
    /// ```
    ///
    /// # Panics
    ///
    /// If `f` calls this map (see the [type docs](ConcurrentMap#panics)).
    #[track_caller]
    pub fn retain(&self, mut f: impl FnMut(&K, &mut V) -> bool) {
        let _scope = self.enter("retain");
        for shard in &*self.shards {
            shard.write().retain(|slot| f(&slot.key, &mut slot.value));
        }
    }

    /// A snapshot of the keys.
    ///
    /// With the [snapshot consistency](ConcurrentMap#snapshot-consistency) of the map.
    ///
    /// ```
    /// use selvedge_collections::ConcurrentMap;
    /// let map = ConcurrentMap::new();
    /// map.insert("b", 2);
    /// map.insert("a", 1);
    /// let mut keys = map.keys();
    /// keys.sort();
    /// assert_eq!(keys, ["a", "b"]);
    /// ```
    ///
    /// # Panics
    ///
    /// If `K::clone` calls this map.
    #[must_use]
    #[track_caller]
    pub fn keys(&self) -> Vec<K>
    where
        K: Clone,
    {
        self.snapshot("keys", |k, _| k.clone())
    }

    /// A snapshot of the values, with the [snapshot consistency](ConcurrentMap#snapshot-consistency).
    ///
    /// ```
    /// use selvedge_collections::ConcurrentMap;
    /// let map = ConcurrentMap::new();
    /// map.insert("a", 1);
    /// assert_eq!(map.values(), [1]);
    /// ```
    ///
    /// # Panics
    ///
    /// If `V::clone` calls this map.
    #[must_use]
    #[track_caller]
    pub fn values(&self) -> Vec<V>
    where
        V: Clone,
    {
        self.snapshot("values", |_, v| v.clone())
    }

    /// A snapshot of the entries, with the [snapshot consistency](ConcurrentMap#snapshot-consistency).
    ///
    /// ```
    /// use selvedge_collections::ConcurrentMap;
    /// let map = ConcurrentMap::new();
    /// map.insert("a", 1);
    /// assert_eq!(map.entries(), [("a", 1)]);
    /// ```
    ///
    /// # Panics
    ///
    /// If `K::clone` or `V::clone` calls this map.
    #[must_use]
    #[track_caller]
    pub fn entries(&self) -> Vec<(K, V)>
    where
        K: Clone,
        V: Clone,
    {
        self.snapshot("entries", |k, v| (k.clone(), v.clone()))
    }

    #[track_caller]
    fn snapshot<T>(&self, operation: &'static str, mut copy: impl FnMut(&K, &V) -> T) -> Vec<T> {
        let _scope = self.enter(operation);
        let mut out = Vec::new();
        for shard in &*self.shards {
            let table = shard.read();
            out.reserve(table.len());
            out.extend(table.iter().map(|slot| copy(&slot.key, &slot.value)));
        }
        out
    }
}

impl<K, V, S> ConcurrentMap<K, V, S>
where
    K: Hash + Eq,
    S: BuildHasher,
{
    #[inline]
    fn hash<Q: Hash + ?Sized>(&self, key: &Q) -> u64 {
        self.hasher.hash_one(key)
    }

    /// The entry of `key` (whose hash is `hash`) in `table`, its shard's write-locked table,
    /// with room made first for a new entry, so that hashbrown never grows the table itself
    /// (see [`table`]): the hasher handed to it here is never called.
    #[inline]
    #[track_caller]
    fn entry_with_room<'t>(
        &self,
        table: &'t mut Table<K, V>,
        hash: u64,
        key: &K,
        operation: &'static str,
    ) -> Entry<'t, Slot<K, V>> {
        if table::is_full(table) {
            self.grow(table, operation);
        }
        table.entry(hash, |slot| slot.is(key), |slot| self.hash(&slot.key))
    }

    /// Grows `table`, a shard's write-locked table, by [`table::grow`]. That hashes every key
    /// of the shard under its lock (hashbrown's resize calls the hasher given here), so the
    /// thread is marked as inside the map meanwhile (unless a closure method already marked
    /// it): a `Hash` that calls this map panics instead of waiting for the lock.
    #[cold]
    #[inline(never)]
    #[track_caller]
    fn grow(&self, table: &mut Table<K, V>, operation: &'static str) {
        let _scope = ClosureScope::enter_unless_inside(self.id(), operation);
        table::grow(table, |key| self.hash(key));
    }

    /// Inserts `value` under `key` and returns the value it replaced (the key stays the one
    /// already stored, as in std's `HashMap`).
    ///
    /// ```
    /// use selvedge_collections::ConcurrentMap;
    /// let map = ConcurrentMap::new();
    /// assert_eq!(map.insert("k", 1), None);
    /// assert_eq!(map.insert("k", 2), Some(1));
    /// ```
    #[inline]
    #[track_caller]
    pub fn insert(&self, key: K, value: V) -> Option<V> {
        let hash = self.hash(&key);
        let mut table = self.lock_write(self.shard(hash), "insert");
        match self.entry_with_room(&mut table, hash, &key, "insert") {
            Entry::Occupied(mut entry) => {
                Some(std::mem::replace(&mut entry.get_mut().value, value))
            }
            Entry::Vacant(entry) => {
                entry.insert(Slot { key, value });
                None
            }
        }
    }

    /// A clone of the value under `key`.
    ///
    /// ```
    /// use selvedge_collections::ConcurrentMap;
    /// let map = ConcurrentMap::new();
    /// map.insert(String::from("k"), vec![1]);
    /// assert_eq!(map.get("k"), Some(vec![1])); // look up a `String` key by `&str`
    /// assert_eq!(map.get("missing"), None);
    /// ```
    #[inline]
    #[must_use]
    #[track_caller]
    pub fn get<Q>(&self, key: &Q) -> Option<V>
    where
        K: Borrow<Q>,
        Q: Hash + Eq + ?Sized,
        V: Clone,
    {
        let hash = self.hash(key);
        let table = self.lock_read(self.shard(hash), "get");
        table
            .find(hash, |slot| slot.is(key))
            .map(|slot| slot.value.clone())
    }

    /// Looks `key` up without ever blocking: [`TryGet::Locked`] if a writer holds its shard at
    /// that instant. Safe to call anywhere, even from inside this map's own closures (where
    /// [`get`](Self::get) panics as a re-entrant use): it cannot wait, so it cannot deadlock.
    ///
    /// ```
    /// use selvedge_collections::{ConcurrentMap, TryGet};
    /// let map = ConcurrentMap::new();
    /// map.insert(1, "one");
    /// assert_eq!(map.try_get(&1), TryGet::Present("one"));
    /// assert_eq!(map.try_get(&2), TryGet::Absent);
    /// ```
    #[inline]
    #[must_use]
    pub fn try_get<Q>(&self, key: &Q) -> TryGet<V>
    where
        K: Borrow<Q>,
        Q: Hash + Eq + ?Sized,
        V: Clone,
    {
        let hash = self.hash(key);
        let Some(table) = self.shard(hash).try_read() else {
            return TryGet::Locked;
        };
        table
            .find(hash, |slot| slot.is(key))
            .map_or(TryGet::Absent, |slot| TryGet::Present(slot.value.clone()))
    }

    /// Runs `f` on the value under `key` (under the shard's read lock) and returns what it
    /// returns; for values that are expensive to clone or when only part of one is needed.
    ///
    /// ```
    /// use selvedge_collections::ConcurrentMap;
    /// let map = ConcurrentMap::new();
    /// map.insert("room", vec!["ann", "bob"]);
    /// assert_eq!(map.get_with("room", |members| members.len()), Some(2));
    /// ```
    ///
    /// # Panics
    ///
    /// If `f` calls this map (see the [type docs](ConcurrentMap#panics)).
    #[inline]
    #[track_caller]
    pub fn get_with<Q, R>(&self, key: &Q, f: impl FnOnce(&V) -> R) -> Option<R>
    where
        K: Borrow<Q>,
        Q: Hash + Eq + ?Sized,
    {
        let hash = self.hash(key);
        let _scope = self.enter("get_with");
        let table = self.shard(hash).read();
        table
            .find(hash, |slot| slot.is(key))
            .map(|slot| f(&slot.value))
    }

    /// Whether `key` has an entry.
    ///
    /// ```
    /// use selvedge_collections::ConcurrentMap;
    /// let map = ConcurrentMap::new();
    /// map.insert(1, ());
    /// assert!(map.contains_key(&1));
    /// assert!(!map.contains_key(&2));
    /// ```
    #[inline]
    #[must_use]
    #[track_caller]
    pub fn contains_key<Q>(&self, key: &Q) -> bool
    where
        K: Borrow<Q>,
        Q: Hash + Eq + ?Sized,
    {
        let hash = self.hash(key);
        let table = self.lock_read(self.shard(hash), "contains_key");
        table.find(hash, |slot| slot.is(key)).is_some()
    }

    /// Removes the entry of `key` and returns its value.
    ///
    /// ```
    /// use selvedge_collections::ConcurrentMap;
    /// let map = ConcurrentMap::new();
    /// map.insert("k", 1);
    /// assert_eq!(map.remove("k"), Some(1));
    /// assert_eq!(map.remove("k"), None);
    /// ```
    #[inline]
    #[track_caller]
    pub fn remove<Q>(&self, key: &Q) -> Option<V>
    where
        K: Borrow<Q>,
        Q: Hash + Eq + ?Sized,
    {
        let hash = self.hash(key);
        let mut table = self.lock_write(self.shard(hash), "remove");
        let entry = table.find_entry(hash, |slot| slot.is(key)).ok()?;
        Some(entry.remove().0.value)
    }

    /// Removes the entry of `key` if `f` returns `true` for it, atomically: no other write to
    /// the key can come between the check and the removal. Returns the removed value, or
    /// whether the key was [absent](NotRemoved::Absent) or `f`
    /// [refused](NotRemoved::Refused) it.
    ///
    /// ```
    /// use selvedge_collections::{ConcurrentMap, NotRemoved};
    /// let sessions = ConcurrentMap::new();
    /// sessions.insert("ann", 3);
    /// assert_eq!(sessions.remove_if("ann", |_, &token| token == 4), Err(NotRemoved::Refused));
    /// assert_eq!(sessions.remove_if("ann", |_, &token| token == 3), Ok(3));
    /// assert_eq!(sessions.remove_if("ann", |_, _| true), Err(NotRemoved::Absent));
    /// ```
    ///
    /// # Errors
    ///
    /// [`NotRemoved`]: the key was absent (and `f` was not called), or `f` returned `false`.
    ///
    /// # Panics
    ///
    /// If `f` calls this map (see the [type docs](ConcurrentMap#panics)).
    #[track_caller]
    pub fn remove_if<Q>(&self, key: &Q, f: impl FnOnce(&K, &V) -> bool) -> Result<V, NotRemoved>
    where
        K: Borrow<Q>,
        Q: Hash + Eq + ?Sized,
    {
        let hash = self.hash(key);
        let _scope = self.enter("remove_if");
        let mut table = self.shard(hash).write();
        let Ok(entry) = table.find_entry(hash, |slot| slot.is(key)) else {
            return Err(NotRemoved::Absent);
        };
        let slot = entry.get();
        if f(&slot.key, &slot.value) {
            Ok(entry.remove().0.value)
        } else {
            Err(NotRemoved::Refused)
        }
    }

    /// Inserts `value` under `key` only if the key is absent; otherwise leaves the entry as it
    /// is and gives the key and value back.
    ///
    /// ```
    /// use selvedge_collections::ConcurrentMap;
    /// let map = ConcurrentMap::new();
    /// assert!(map.try_insert(42, 1).is_ok());
    /// let refused = map.try_insert(42, 2).unwrap_err();
    /// assert_eq!(refused.value, 2);
    /// assert_eq!(map.get(&42), Some(1));
    /// ```
    ///
    /// # Errors
    ///
    /// [`OccupiedError`] with the key and value not inserted, if the key was present.
    #[track_caller]
    pub fn try_insert(&self, key: K, value: V) -> Result<(), OccupiedError<K, V>> {
        let hash = self.hash(&key);
        let mut table = self.lock_write(self.shard(hash), "try_insert");
        match self.entry_with_room(&mut table, hash, &key, "try_insert") {
            Entry::Occupied(_) => Err(OccupiedError { key, value }),
            Entry::Vacant(entry) => {
                entry.insert(Slot { key, value });
                Ok(())
            }
        }
    }

    /// Clones of the stored key and of its value: the key as the map keeps it, which may differ
    /// from `key` in what `Eq` ignores (std's `HashMap::get_key_value`).
    ///
    /// ```
    /// use selvedge_collections::ConcurrentMap;
    /// let map = ConcurrentMap::new();
    /// map.insert(String::from("ann"), 1);
    /// assert_eq!(map.get_key_value("ann"), Some((String::from("ann"), 1)));
    /// assert_eq!(map.get_key_value("bob"), None);
    /// ```
    #[must_use]
    #[track_caller]
    pub fn get_key_value<Q>(&self, key: &Q) -> Option<(K, V)>
    where
        K: Borrow<Q> + Clone,
        Q: Hash + Eq + ?Sized,
        V: Clone,
    {
        let hash = self.hash(key);
        let table = self.lock_read(self.shard(hash), "get_key_value");
        table
            .find(hash, |slot| slot.is(key))
            .map(|slot| (slot.key.clone(), slot.value.clone()))
    }

    /// Runs `f` on the value under `key` with exclusive access, and returns what it returns;
    /// `None` if the key is absent (then `f` is not called).
    ///
    /// ```
    /// use selvedge_collections::ConcurrentMap;
    /// let map = ConcurrentMap::new();
    /// map.insert("hits", 1);
    /// assert_eq!(map.update("hits", |n| { *n += 1; *n }), Some(2));
    /// assert_eq!(map.update("misses", |n| *n += 1), None);
    /// ```
    ///
    /// # Panics
    ///
    /// If `f` calls this map (see the [type docs](ConcurrentMap#panics)).
    #[inline]
    #[track_caller]
    pub fn update<Q, R>(&self, key: &Q, f: impl FnOnce(&mut V) -> R) -> Option<R>
    where
        K: Borrow<Q>,
        Q: Hash + Eq + ?Sized,
    {
        let hash = self.hash(key);
        let _scope = self.enter("update");
        let mut table = self.shard(hash).write();
        table
            .find_mut(hash, |slot| slot.is(key))
            .map(|slot| f(&mut slot.value))
    }

    /// Decides atomically what happens to the entry of `key`: `f` sees the present value (or
    /// `None`) and returns an [`Op`]: keep, set (insert or replace) or remove. Returns the value
    /// that was replaced or removed.
    ///
    /// ```
    /// use selvedge_collections::{ConcurrentMap, Op};
    /// let seats = ConcurrentMap::new();
    /// // Book seat 12A only if nobody has it (the seed's check-then-act, made atomic).
    /// let book = |who| seats.compute("12A", |holder| match holder {
    ///     None => Op::Set(who),
    ///     Some(_) => Op::Keep,
    /// });
    /// book("ann");
    /// book("bob");
    /// assert_eq!(seats.get("12A"), Some("ann"));
    /// ```
    ///
    /// # Panics
    ///
    /// If `f` calls this map (see the [type docs](ConcurrentMap#panics)).
    #[track_caller]
    pub fn compute(&self, key: K, f: impl FnOnce(Option<&V>) -> Op<V>) -> Option<V> {
        let hash = self.hash(&key);
        let _scope = self.enter("compute");
        let mut table = self.shard(hash).write();
        match self.entry_with_room(&mut table, hash, &key, "compute") {
            Entry::Occupied(mut entry) => match f(Some(&entry.get().value)) {
                Op::Keep => None,
                Op::Set(value) => Some(std::mem::replace(&mut entry.get_mut().value, value)),
                Op::Remove => Some(entry.remove().0.value),
            },
            Entry::Vacant(entry) => {
                if let Op::Set(value) = f(None) {
                    entry.insert(Slot { key, value });
                }
                None
            }
        }
    }

    /// A clone of the value under `key`, inserting `make()` first if there is none.
    ///
    /// `make` runs at most once per absent key, however many threads ask for it at once:
    /// it runs under the shard's write lock, and the others find its value.
    ///
    /// ```
    /// use selvedge_collections::ConcurrentMap;
    /// let rooms = ConcurrentMap::new();
    /// let id = rooms.get_or_insert_with("lobby", || 1);
    /// assert_eq!(rooms.get_or_insert_with("lobby", || 2), id);
    /// ```
    ///
    /// # Panics
    ///
    /// If `make` calls this map (see the [type docs](ConcurrentMap#panics)).
    #[track_caller]
    pub fn get_or_insert_with(&self, key: K, make: impl FnOnce() -> V) -> V
    where
        V: Clone,
    {
        let hash = self.hash(&key);
        let _scope = self.enter("get_or_insert_with");
        // Most calls find the key: try under the shared lock first.
        if let Some(slot) = self.shard(hash).read().find(hash, |slot| slot.is(&key)) {
            return slot.value.clone();
        }
        let mut table = self.shard(hash).write();
        let entry = self
            .entry_with_room(&mut table, hash, &key, "get_or_insert_with")
            .or_insert_with(|| Slot { key, value: make() });
        entry.get().value.clone()
    }

    /// Inserts `make()` if `key` is absent, otherwise runs `update` on the present value, as
    /// one atomic step. Returns `true` if it inserted.
    ///
    /// ```
    /// use selvedge_collections::ConcurrentMap;
    /// let words = ConcurrentMap::new();
    /// for word in "a b a".split(' ') {
    ///     words.upsert(word, || 1, |n| *n += 1);
    /// }
    /// assert_eq!(words.get("a"), Some(2));
    /// ```
    ///
    /// # Panics
    ///
    /// If `make` or `update` calls this map (see the [type docs](ConcurrentMap#panics)).
    #[track_caller]
    pub fn upsert(&self, key: K, make: impl FnOnce() -> V, update: impl FnOnce(&mut V)) -> bool {
        let hash = self.hash(&key);
        let _scope = self.enter("upsert");
        let mut table = self.shard(hash).write();
        match self.entry_with_room(&mut table, hash, &key, "upsert") {
            Entry::Occupied(mut entry) => {
                update(&mut entry.get_mut().value);
                false
            }
            Entry::Vacant(entry) => {
                entry.insert(Slot { key, value: make() });
                true
            }
        }
    }
}

impl<K, V, S: Default> Default for ConcurrentMap<K, V, S> {
    /// An empty map, as [`with_hasher`](ConcurrentMap::with_hasher)`(S::default())`.
    fn default() -> Self {
        Self::with_hasher(S::default())
    }
}

impl<K, V, S> fmt::Debug for ConcurrentMap<K, V, S>
where
    K: fmt::Debug,
    V: fmt::Debug,
{
    /// Formats the entries shard by shard, with the [snapshot
    /// consistency](ConcurrentMap#snapshot-consistency).
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let _scope = self.enter("fmt");
        let mut out = f.debug_map();
        for shard in &*self.shards {
            out.entries(shard.read().iter().map(|slot| (&slot.key, &slot.value)));
        }
        out.finish()
    }
}

impl<K, V, S> Extend<(K, V)> for ConcurrentMap<K, V, S>
where
    K: Hash + Eq,
    S: BuildHasher,
{
    fn extend<I: IntoIterator<Item = (K, V)>>(&mut self, iter: I) {
        (&*self).extend(iter);
    }
}

impl<K, V, S> Extend<(K, V)> for &ConcurrentMap<K, V, S>
where
    K: Hash + Eq,
    S: BuildHasher,
{
    /// Inserts every pair; other threads may see some of them before the last is in.
    fn extend<I: IntoIterator<Item = (K, V)>>(&mut self, iter: I) {
        for (k, v) in iter {
            self.insert(k, v);
        }
    }
}

impl<'a, K, V, S> Extend<(&'a K, &'a V)> for ConcurrentMap<K, V, S>
where
    K: Hash + Eq + Copy,
    V: Copy,
    S: BuildHasher,
{
    /// Inserts a copy of every pair, as std's `HashMap` does for `Copy` keys and values.
    fn extend<I: IntoIterator<Item = (&'a K, &'a V)>>(&mut self, iter: I) {
        (&*self).extend(iter);
    }
}

impl<'a, K, V, S> Extend<(&'a K, &'a V)> for &ConcurrentMap<K, V, S>
where
    K: Hash + Eq + Copy,
    V: Copy,
    S: BuildHasher,
{
    /// Inserts a copy of every pair; other threads may see some of them before the last is in.
    fn extend<I: IntoIterator<Item = (&'a K, &'a V)>>(&mut self, iter: I) {
        for (&k, &v) in iter {
            self.insert(k, v);
        }
    }
}

impl<K, V, S> FromIterator<(K, V)> for ConcurrentMap<K, V, S>
where
    K: Hash + Eq,
    S: BuildHasher + Default,
{
    fn from_iter<I: IntoIterator<Item = (K, V)>>(iter: I) -> Self {
        let mut map = Self::default();
        map.extend(iter);
        map
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn insert_get_remove_roundtrip() {
        let map = ConcurrentMap::with_shards(4);
        assert_eq!(map.insert(1, "a"), None);
        assert_eq!(map.insert(1, "b"), Some("a"));
        assert_eq!(map.get(&1), Some("b"));
        assert_eq!(map.len(), 1);
        assert_eq!(map.remove(&1), Some("b"));
        assert!(map.is_empty());
    }

    #[test]
    fn borrowed_lookups_use_the_same_hash_as_owned_keys() {
        let map = ConcurrentMap::new();
        for i in 0..50 {
            map.insert(i.to_string(), i);
        }
        for i in 0..50 {
            assert_eq!(map.get(i.to_string().as_str()), Some(i));
            assert!(map.contains_key(i.to_string().as_str()));
        }
    }

    #[test]
    fn shard_count_is_a_clamped_power_of_two() {
        assert_eq!(ConcurrentMap::<u8, u8>::with_shards(0).shard_count(), 1);
        assert_eq!(ConcurrentMap::<u8, u8>::with_shards(3).shard_count(), 4);
        // 65,536 shards take seconds to build under miri; the clamp is plain arithmetic.
        if !cfg!(miri) {
            assert_eq!(
                ConcurrentMap::<u8, u8>::with_shards(usize::MAX).shard_count(),
                MAX_SHARDS
            );
        }
        assert!(
            ConcurrentMap::<u8, u8>::new()
                .shard_count()
                .is_power_of_two()
        );
    }

    #[test]
    fn compute_covers_every_op_on_present_and_absent_keys() {
        let map = ConcurrentMap::with_shards(2);
        assert_eq!(map.compute(1, |_| Op::Keep), None);
        assert!(!map.contains_key(&1));
        assert_eq!(map.compute(1, |_| Op::Remove), None);
        assert_eq!(map.compute(1, |v| Op::Set(v.map_or(10, |v| v + 1))), None);
        assert_eq!(
            map.compute(1, |v| Op::Set(v.map_or(10, |v| v + 1))),
            Some(10)
        );
        assert_eq!(map.compute(1, |_| Op::Keep), None);
        assert_eq!(map.get(&1), Some(11));
        assert_eq!(map.compute(1, |_| Op::Remove), Some(11));
        assert!(map.is_empty());
    }

    #[test]
    fn upsert_get_or_insert_and_remove_if() {
        let map = ConcurrentMap::new();
        assert!(map.upsert("k", || 1, |v| *v += 1));
        assert!(!map.upsert("k", || 1, |v| *v += 1));
        assert_eq!(map.get_or_insert_with("k", || 100), 2);
        assert_eq!(map.get_or_insert_with("j", || 100), 100);
        assert_eq!(map.remove_if("j", |_, v| *v == 1), Err(NotRemoved::Refused));
        assert_eq!(map.remove_if("j", |_, v| *v == 100), Ok(100));
        assert_eq!(
            map.remove_if("absent", |_, _| true),
            Err(NotRemoved::Absent)
        );
        assert_eq!(map.get_with("k", |v| v * 2), Some(4));
    }

    #[test]
    fn snapshots_retain_and_clear() {
        let map: ConcurrentMap<u32, u32> = (0..20).map(|i| (i, i * 2)).collect();
        let mut keys = map.keys();
        keys.sort_unstable();
        assert_eq!(keys, (0..20).collect::<Vec<_>>());
        let mut values = map.values();
        values.sort_unstable();
        assert_eq!(values, (0..20).map(|i| i * 2).collect::<Vec<_>>());
        assert_eq!(map.entries().len(), 20);
        map.retain(|k, _| k % 4 == 0);
        assert_eq!(map.len(), 5);
        let mut seen = 0;
        map.for_each(|k, v| {
            assert_eq!(*v, k * 2);
            seen += 1;
        });
        assert_eq!(seen, 5);
        map.clear();
        assert!(map.is_empty());
    }

    #[test]
    fn debug_lists_entries() {
        let map = ConcurrentMap::new();
        map.insert(1, 'x');
        assert_eq!(format!("{map:?}"), "{1: 'x'}");
    }

    #[test]
    fn extend_through_a_shared_reference() {
        let map = ConcurrentMap::new();
        (&map).extend([(1, 1), (2, 2)]);
        let mut owned = map;
        owned.extend([(3, 3)]);
        assert_eq!(owned.len(), 3);
    }

    #[test]
    #[should_panic(expected = "re-entrant use")]
    fn closure_reentering_the_same_map_panics() {
        let map = ConcurrentMap::with_shards(1);
        map.insert(1, 1);
        map.update(&1, |_| map.get_with(&1, |v| *v));
    }

    #[test]
    #[should_panic(expected = "re-entrant use")]
    fn plain_call_that_would_block_on_its_own_lock_panics() {
        let map = ConcurrentMap::with_shards(1);
        map.insert(1, 1);
        map.update(&1, |_| map.get(&1));
    }

    #[test]
    fn closures_may_use_other_maps() {
        let a = ConcurrentMap::new();
        let b = ConcurrentMap::new();
        a.insert(1, 1);
        b.insert(1, 2);
        let sum = a.get_with(&1, |x| x + b.get_with(&1, |y| *y).unwrap_or(0));
        assert_eq!(sum, Some(3));
    }
}
