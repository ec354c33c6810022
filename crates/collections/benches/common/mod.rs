//! The bustle adapters and mixes shared by `maps.rs` and `maps_interleaved.rs`: the
//! `Collection` traits for `ConcurrentMap`, dashmap and papaya, and the three mixes.

use std::hash::BuildHasher;
use std::sync::Arc;
use std::time::Duration;

use bustle::{Collection, CollectionHandle, Mix, Workload};
use selvedge_collections::ConcurrentMap;

/// Table size before the run (2^14), as a power of two.
pub(crate) const CAPACITY_LOG2: u8 = 14;
/// Operations per run, as a multiple of the initial capacity.
pub(crate) const OPS_FACTOR: f64 = 16.0;
const PREFILL: f64 = 0.5;
/// A fixed workload seed, so every map runs the same key stream.
const SEED: [u8; 32] = [7; 32];

#[derive(Clone)]
pub(crate) struct Ours(Arc<ConcurrentMap<u64, u64>>);

impl Collection for Ours {
    type Handle = Self;
    fn with_capacity(capacity: usize) -> Self {
        Self(Arc::new(ConcurrentMap::with_capacity(capacity)))
    }
    fn pin(&self) -> Self::Handle {
        self.clone()
    }
}

impl CollectionHandle for Ours {
    type Key = u64;
    fn get(&mut self, key: &u64) -> bool {
        self.0.get(key).is_some()
    }
    fn insert(&mut self, key: &u64) -> bool {
        self.0.insert(*key, 0).is_none()
    }
    fn remove(&mut self, key: &u64) -> bool {
        self.0.remove(key).is_some()
    }
    fn update(&mut self, key: &u64) -> bool {
        self.0.update(key, |v| *v += 1).is_some()
    }
}

/// dashmap with hasher `S` (its default, std's SipHash, or foldhash for a same-hasher run).
pub(crate) struct Dash<S>(Arc<dashmap::DashMap<u64, u64, S>>);

impl<S> Clone for Dash<S> {
    fn clone(&self) -> Self {
        Self(Arc::clone(&self.0))
    }
}

impl<S: BuildHasher + Default + Clone + Send + Sync + 'static> Collection for Dash<S> {
    type Handle = Self;
    fn with_capacity(capacity: usize) -> Self {
        Self(Arc::new(dashmap::DashMap::with_capacity_and_hasher(
            capacity,
            S::default(),
        )))
    }
    fn pin(&self) -> Self::Handle {
        self.clone()
    }
}

impl<S: BuildHasher + Clone> CollectionHandle for Dash<S> {
    type Key = u64;
    fn get(&mut self, key: &u64) -> bool {
        self.0.get(key).is_some()
    }
    fn insert(&mut self, key: &u64) -> bool {
        self.0.insert(*key, 0).is_none()
    }
    fn remove(&mut self, key: &u64) -> bool {
        self.0.remove(key).is_some()
    }
    fn update(&mut self, key: &u64) -> bool {
        self.0.get_mut(key).map(|mut v| *v += 1).is_some()
    }
}

/// papaya with hasher `S`, as [`Dash`].
pub(crate) struct Papaya<S>(Arc<papaya::HashMap<u64, u64, S>>);

impl<S> Clone for Papaya<S> {
    fn clone(&self) -> Self {
        Self(Arc::clone(&self.0))
    }
}

impl<S: BuildHasher + Default + Send + Sync + 'static> Collection for Papaya<S> {
    type Handle = Self;
    fn with_capacity(capacity: usize) -> Self {
        Self(Arc::new(papaya::HashMap::with_capacity_and_hasher(
            capacity,
            S::default(),
        )))
    }
    fn pin(&self) -> Self::Handle {
        self.clone()
    }
}

impl<S: BuildHasher> CollectionHandle for Papaya<S> {
    type Key = u64;
    fn get(&mut self, key: &u64) -> bool {
        self.0.pin().get(key).is_some()
    }
    fn insert(&mut self, key: &u64) -> bool {
        self.0.pin().insert(*key, 0).is_none()
    }
    fn remove(&mut self, key: &u64) -> bool {
        self.0.pin().remove(key).is_some()
    }
    fn update(&mut self, key: &u64) -> bool {
        self.0.pin().update(*key, |v| v + 1).is_some()
    }
}

/// The hasher `ConcurrentMap` uses by default, given to the peers for a same-hasher run.
pub(crate) type Foldhash = foldhash::fast::RandomState;

/// Read, insert, remove, update percentages (no upserts), as in the issue.
pub(crate) const MIXES: [(&str, [u8; 4]); 3] = [
    ("read_heavy", [98, 1, 1, 0]),
    ("exchange", [10, 40, 40, 10]),
    ("rapid_grow", [5, 80, 5, 10]),
];

pub(crate) fn workload(threads: usize, [read, insert, remove, update]: [u8; 4]) -> Workload {
    let mix = Mix {
        read,
        insert,
        remove,
        update,
        upsert: 0,
    };
    let mut workload = Workload::new(threads, mix);
    workload
        .initial_capacity_log2(CAPACITY_LOG2)
        .prefill_fraction(PREFILL)
        .operations(OPS_FACTOR)
        .seed(SEED);
    workload
}

pub(crate) fn run<T: Collection>(workload: &Workload, iters: u64) -> Duration
where
    <T::Handle as CollectionHandle>::Key: Send + std::fmt::Debug,
{
    (0..iters).map(|_| workload.run_silently::<T>().spent).sum()
}
