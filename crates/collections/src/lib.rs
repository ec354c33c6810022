//! A concurrent map and set whose locks never escape to the caller, and lock-free counters.
//!
//! - [`ConcurrentMap`]: a sharded hash map; every method on `&self`, no guard ever escapes,
//!   atomic read-modify-write through closures ([`update`](ConcurrentMap::update),
//!   [`compute`](ConcurrentMap::compute) with [`Op`], [`upsert`](ConcurrentMap::upsert),
//!   [`get_or_insert_with`](ConcurrentMap::get_or_insert_with)), shard-by-shard snapshots,
//!   [`try_get`](ConcurrentMap::try_get) that never blocks ([`TryGet`]), and owned iteration
//!   ([`MapIntoIter`], [`SetIntoIter`]); with feature `rayon`, `par_for_each` and
//!   `into_par_iter` (rayon's `ParallelIterator`).
//! - Whole-map operations at one instant, by taking every shard lock in shard order:
//!   [`insert_all`](ConcurrentMap::insert_all) (Python's `dict.update`),
//!   [`copy`](ConcurrentMap::copy), and [`atomically`](ConcurrentMap::atomically), which lends
//!   the whole map as a [`LockedMap`] for any group of reads and writes.
//! - [`ConcurrentSet`]: the same for a set, with [`copy`](ConcurrentSet::copy) returning a
//!   `HashSet`.
//! - [`Counter`]: a lock-free counter with `compare_and_swap` and `fetch_update`.
//! - [`StripedCounter`]: Java's `LongAdder`, for counters many threads bump and few read.
//! - [`DefaultHashBuilder`]: the fast, randomly seeded default hasher.
//! - [`CapacityError`]: why `try_with_capacity` could not reserve the room asked for.
//! - What dashmap and papaya users expect: [`get_key_value`](ConcurrentMap::get_key_value),
//!   [`try_insert`](ConcurrentMap::try_insert) ([`OccupiedError`]),
//!   [`remove_if`](ConcurrentMap::remove_if) saying why nothing was removed ([`NotRemoved`]),
//!   [`capacity`](ConcurrentMap::capacity), [`reserve`](ConcurrentMap::reserve),
//!   [`try_reserve`](ConcurrentMap::try_reserve), [`shrink_to_fit`](ConcurrentMap::shrink_to_fit),
//!   [`with_capacity_and_shards`](ConcurrentMap::with_capacity_and_shards), `Clone` and
//!   `PartialEq` (both at one instant), `Extend` from references.
//!
//! # Motivation
//!
//! Seed 002's chat server guards a `dict` with a read-write lock and hands out a copy for
//! iteration:
//!
//! ```text
//! class ThreadSafeDict:                          let online = ConcurrentMap::new();
//!     def set(self, key, value):                 online.insert(key, value);
//!         with self._lock.write(): ...
//!     def get(self, key, default=None):          online.get(&key).unwrap_or(default);
//!         with self._lock.read(): ...
//!     def items(self):                           online.entries()   // a snapshot
//!         with self._lock.read():
//!             return list(self._data.items())
//!
//! if not d.get(k): d.set(k, v)   # check-then-act  online.get_or_insert_with(k, || v);
//! counter.compare_and_swap(1, 5) # -> bool         counter.compare_and_swap(1, 5) // Ok(1)
//! ```
//!
//! Rust users reach for dashmap, whose most reported problem is a deadlock: a `Ref` returned by
//! `get` keeps its shard locked, and touching the same shard while holding it (often by
//! accident, e.g. `if let Some(v) = map.get(&k) { map.insert(k2, ..) }`) hangs the thread.
//! Here no method returns a guard: [`get`](ConcurrentMap::get) returns a clone, and work on a
//! value in place happens inside a closure that runs under the shard lock and cannot take it
//! with it. Calling the map again from inside such a closure is detected and panics with a
//! message naming the problem (and the `collections.reentrant_use` event), as Java's
//! `ConcurrentHashMap` throws `IllegalStateException`, instead of hanging.
//!
//! # What cannot deadlock, and what still can
//!
//! Guaranteed:
//!
//! - No method returns a guard or holds a lock after it returns, and no method holds two shard
//!   locks at once except the whole-map ones, which take all of one map's shard locks in shard
//!   order: calls made outside closures cannot deadlock each other, on any number of threads
//!   and maps.
//! - A thread never waits for a shard lock it holds itself through a map's closure: calling a
//!   map from inside one of its own closures panics, however deeply closures of other maps
//!   are nested in between ([Panics](ConcurrentMap#panics)).
//!
//! Not guaranteed (these deadlock, as they would with any two locks):
//!
//! - Closures of two maps calling each other from two threads: map A's closure calling map B
//!   while, on another thread, B's closure calls A. Each thread holds one shard lock and waits
//!   for the other's. Nest closures of different maps in one fixed order, or not at all.
//! - A closure that waits for another thread (joins it, receives from a channel, takes a lock
//!   it holds) while that thread needs the shard the closure holds.
//! - `Eq`, `Clone` or `Drop` of keys and values calling the same map while it holds a lock;
//!   the plain methods catch this only when it happens inside one of the map's closures.
//!
//! Keep closures short and non-blocking: compute inside, return, then act.
//!
//! # Recipes
//!
//! Count words from many threads, exactly:
//!
//! ```
//! use selvedge_collections::ConcurrentMap;
//!
//! let counts = ConcurrentMap::new();
//! std::thread::scope(|s| {
//!     for text in ["a b", "b c", "b"] {
//!         let counts = &counts;
//!         s.spawn(move || {
//!             for word in text.split(' ') {
//!                 counts.upsert(word, || 1, |n| *n += 1);
//!             }
//!         });
//!     }
//! });
//! assert_eq!(counts.get("b"), Some(3));
//! ```
//!
//! Check-then-act as one step (book a seat only if it is free):
//!
//! ```
//! use selvedge_collections::{ConcurrentMap, Op};
//!
//! let seats = ConcurrentMap::new();
//! let booked = |who: &'static str| {
//!     let mut won = false;
//!     seats.compute("12A", |holder| match holder {
//!         None => {
//!             won = true;
//!             Op::Set(who)
//!         }
//!         Some(_) => Op::Keep,
//!     });
//!     won
//! };
//! assert!(booked("ann"));
//! assert!(!booked("bob"));
//! ```
//!
//! Read part of a large value without cloning it, and list everyone from a snapshot:
//!
//! ```
//! use selvedge_collections::ConcurrentMap;
//!
//! let rooms = ConcurrentMap::new();
//! rooms.insert("lobby".to_string(), vec!["ann", "bob"]);
//! assert_eq!(rooms.get_with("lobby", |members| members.len()), Some(2));
//! for (room, members) in rooms.entries() {
//!     assert_eq!((room.as_str(), members.len()), ("lobby", 2));
//! }
//! ```
//!
//! Count events on a hot path and read the total now and then:
//!
//! ```
//! use selvedge_collections::StripedCounter;
//!
//! let hits = StripedCounter::new();
//! std::thread::scope(|s| {
//!     for _ in 0..4 {
//!         s.spawn(|| (0..1_000).for_each(|_| hits.increment()));
//!     }
//! });
//! assert_eq!(hits.sum(), 4_000);
//! ```
//!
//! The `online_users` example is a whole chat-room registry built from these pieces.
//!
//! # Compared with std and the peer crates
//!
//! | | `Mutex<HashMap>` | `dashmap` | `papaya` | `ConcurrentMap` |
//! | --- | --- | --- | --- | --- |
//! | concurrency | one lock | sharded `RwLock`s | lock-free | sharded reader-biased locks |
//! | what a read writes to shared memory | the lock word | the shard's lock word | nothing (epoch pin is per thread) | nothing while no writer comes |
//! | `get` returns | guard-bound `&V` | `Ref` (holds a shard lock) | `&V` under an epoch guard | a clone, or your closure's result |
//! | deadlock by holding a read while writing | yes | yes (its most reported issue) | no | impossible: no guard escapes; re-entrance panics |
//! | atomic read-modify-write | under the lock | `entry`, `alter` | `update`, `compute` | `update`, `compute`, `upsert`, `get_or_insert_with` |
//! | iteration | under the lock | holds shard locks while iterating | epoch-protected | snapshot copied shard by shard, or `for_each` |
//! | model-checked with loom | no | no | no | yes (the whole crate) |
//!
//! | | `AtomicI64` | `Mutex<i64>` | [`Counter`] | [`StripedCounter`] |
//! | --- | --- | --- | --- | --- |
//! | `add` under contention | one cache line bounces | lock handoff | one cache line bounces | per-thread cell |
//! | read | one load | lock | one load | sum of all cells |
//! | compare-and-swap | `compare_exchange` | manual | `compare_and_swap` | no |
//!
//! # Performance
//!
//! A key's hash is computed once, outside any lock, and picks both the shard and the bucket
//! inside it. Entries are just the key and value (16 bytes for `u64` to `u64`): a shard that
//! grows rehashes its keys in a way that moves nothing until every key is hashed (hashbrown's
//! resize into a new allocation, or a side list of hashes for a table mostly of tombstones),
//! so a `Hash` that panics fails only that call and leaves the shard as it was. Each shard is a [`BiasedRwLock`](selvedge_locks::BiasedRwLock): a read publishes
//! itself in the reading thread's own slot (one fence, no shared write), so readers on several
//! cores do not take a cache line from each other; a write after reads revokes the bias
//! (a scan of one slot per reading thread) and the next read restores it. `get` and the other
//! methods that run no user code try the lock first and do no re-entrance bookkeeping unless
//! the lock is taken. The closure-taking methods add one thread-local push and pop. Shards are
//! cache-padded, sixteen per hardware thread (at most 256 by default).
//! [`len`](ConcurrentMap::len) reads one shard at a time.
//!
//! Against dashmap and papaya on bustle's mixes (figures and the command in
//! `docs/benchmarks.md`) it is ahead on every mix at one thread and on the write-heavy mixes at
//! two. The read-heavy mix at two threads is the close one: papaya's reads write nothing, and
//! a plain reader-writer shard lock made ours move the lock's cache line on every read; the
//! biased shard locks removed that, and what is left is the traffic each write
//! causes (the writer's scan, the reader re-fetching the shard).
//!
//! Storing each entry's hash (so that no `Hash` runs during growth) widens a `u64 → u64` entry
//! from 16 to 24 bytes; growth then moves more memory, and the insert-heavy rapid-grow mix
//! measured slower than dashmap + foldhash at one thread while staying ahead of dashmap with
//! its default hasher. Correctness under a
//! panicking `Hash` was chosen over that margin.
//!
//! # Limitations
//!
//! - Values are returned by clone (or through a closure): wrap large values in `Arc`.
//! - Snapshots are copied shard by shard: each shard is exact at one instant, the whole is not
//!   (the exact guarantee: [snapshot consistency](ConcurrentMap#snapshot-consistency)).
//!   For one instant across keys, use the whole-map methods, which take every shard lock
//!   ([`copy`](ConcurrentMap::copy), [`atomically`](ConcurrentMap::atomically)); a panic
//!   inside `atomically` keeps the changes made before it (there is no rollback).
//! - Re-entrance detection covers calls made from the map's own closures, at any depth. User
//!   `Eq`, `Clone` or `Drop` implementations that call the same map while it holds a lock are
//!   caught only inside one of its closures (see
//!   [what still can deadlock](crate#what-cannot-deadlock-and-what-still-can)).
//! - A panic inside a closure releases the lock (no poisoning); an `update` closure that
//!   panicked may leave its value half-modified.
//! - [`StripedCounter::sum`] is not an atomic snapshot while adds run.
//! - Each write after reads pays a revocation (see Performance), so a write-heavy map is a
//!   little slower than one over plain locks would be; the measured mixes stay ahead of dashmap.
//!
//! # Features
//!
//! - `serde`: `Serialize` and `Deserialize` for [`ConcurrentMap`] and [`ConcurrentSet`]
//!   (serialized shard by shard, with the snapshot consistency).
//!
//! # MSRV
//!
//! The workspace's `rust-version` (1.95); older compilers are untested.
#![cfg_attr(docsrs, feature(doc_cfg))]
#![deny(missing_docs)]
#![forbid(unsafe_code)]

mod capacity_error;
mod counter;
mod hasher;
mod map;
mod not_removed;
mod occupied_error;
mod reentrancy;
#[cfg(feature = "serde")]
mod serde_impls;
mod set;
mod striped;
mod try_get;

pub use capacity_error::CapacityError;
pub use counter::Counter;
pub use hasher::{DefaultHashBuilder, DefaultHasher};
#[cfg(feature = "rayon")]
#[cfg_attr(docsrs, doc(cfg(feature = "rayon")))]
pub use map::MapParIntoIter;
pub use map::{ConcurrentMap, LockedMap, MapIntoIter, Op};
pub use not_removed::NotRemoved;
pub use occupied_error::OccupiedError;
#[cfg(feature = "rayon")]
#[cfg_attr(docsrs, doc(cfg(feature = "rayon")))]
pub use set::SetParIntoIter;
pub use set::{ConcurrentSet, SetIntoIter};
pub use striped::StripedCounter;
pub use try_get::TryGet;
