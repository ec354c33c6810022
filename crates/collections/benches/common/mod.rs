//! The bustle adapters and mixes shared by `maps.rs` and `maps_interleaved.rs`: the
//! `Collection` traits for `ConcurrentMap`, dashmap, papaya and one `RwLock<HashMap>`, the three mixes, and
//! [`Timed`], which times a run from inside its worker threads.

use std::collections::HashMap;
use std::hash::BuildHasher;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use bustle::{Collection, CollectionHandle, Mix, Workload};
use selvedge_collections::ConcurrentMap;

/// The table size of a run, as a power of two, and its operations as a multiple of it.
#[derive(Clone, Copy)]
pub(crate) struct Size {
    pub(crate) capacity_log2: u8,
    pub(crate) ops_factor: f64,
}

/// 2^14 keys, 16 operations a key: every mix.
pub(crate) const SMALL: Size = Size {
    capacity_log2: 14,
    ops_factor: 16.0,
};
/// 2^20 keys (tables far larger than the caches), 2 operations a key: the read-heavy mix of
/// issue 17's large-table row.
#[allow(
    dead_code,
    reason = "maps.rs runs it; maps_interleaved.rs shares this module"
)]
pub(crate) const LARGE: Size = Size {
    capacity_log2: 20,
    ops_factor: 2.0,
};
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

/// One `parking_lot::RwLock` around a `HashMap` with hasher `S`: the single-lock baseline a
/// concurrent map must beat at one thread.
pub(crate) struct Locked<S>(Arc<parking_lot::RwLock<HashMap<u64, u64, S>>>);

impl<S> Clone for Locked<S> {
    fn clone(&self) -> Self {
        Self(Arc::clone(&self.0))
    }
}

impl<S: BuildHasher + Default + Send + Sync + 'static> Collection for Locked<S> {
    type Handle = Self;
    fn with_capacity(capacity: usize) -> Self {
        Self(Arc::new(parking_lot::RwLock::new(
            HashMap::with_capacity_and_hasher(capacity, S::default()),
        )))
    }
    fn pin(&self) -> Self::Handle {
        self.clone()
    }
}

impl<S: BuildHasher> CollectionHandle for Locked<S> {
    type Key = u64;
    fn get(&mut self, key: &u64) -> bool {
        self.0.read().get(key).is_some()
    }
    fn insert(&mut self, key: &u64) -> bool {
        self.0.write().insert(*key, 0).is_none()
    }
    fn remove(&mut self, key: &u64) -> bool {
        self.0.write().remove(key).is_some()
    }
    fn update(&mut self, key: &u64) -> bool {
        self.0.write().get_mut(key).map(|v| *v += 1).is_some()
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

/// A bustle workload of `mix` on `threads` threads over a table of `size`.
pub(crate) fn workload(
    threads: usize,
    [read, insert, remove, update]: [u8; 4],
    size: Size,
) -> Workload {
    let mix = Mix {
        read,
        insert,
        remove,
        update,
        upsert: 0,
    };
    let mut workload = Workload::new(threads, mix);
    workload
        .initial_capacity_log2(size.capacity_log2)
        .prefill_fraction(PREFILL)
        .operations(size.ops_factor)
        .seed(SEED);
    workload
}

/// Total operations of a run over a table of `size`.
pub(crate) fn total_ops(size: Size) -> usize {
    ((1_usize << size.capacity_log2) as f64 * size.ops_factor) as usize
}

/// The thread counts to measure (`SELVEDGE_BENCH_THREADS`, else the powers of two the machine
/// has cores for; see `selvedge_testkit::scaling_threads`).
pub(crate) fn thread_counts() -> Vec<usize> {
    selvedge_testkit::scaling_threads().unwrap_or_else(|err| panic!("{err}"))
}

/// Runs `workload` (made by [`workload`] with `threads` and `size`) `iters` times on `T`, and returns the
/// summed time from the first mix operation on any worker to the last one on any worker.
///
/// Why not bustle's own `spent`: bustle reads the start clock on its coordinating thread,
/// between two barriers the workers also wait on. With two workers on a two-core machine that
/// thread is often not running when the workers are released, so it reads the clock late, by
/// any amount (runs measured as 0.0 ms were seen): a noise that favours no map in particular
/// but made two-thread medians swing by 2x. Timing inside the workers, the same way for every
/// map, removes it; bustle still generates the keys, prefills and checks every answer.
pub(crate) fn run<T: Collection>(
    workload: &Workload,
    threads: usize,
    size: Size,
    iters: u64,
) -> Duration
where
    <T::Handle as CollectionHandle>::Key: Send + std::fmt::Debug,
{
    (0..iters)
        .map(|_| {
            *WINDOW.lock().unwrap() = Window {
                ops_per_thread: total_ops(size) / threads,
                ..Window::default()
            };
            workload.run_silently::<Timed<T>>();
            let window = WINDOW.lock().unwrap();
            assert_eq!(window.finished, threads, "every worker finished its mix");
            window.last_end.unwrap() - window.first_start.unwrap()
        })
        .sum()
}

/// The current run's timing window, filled in by the workers' [`TimedHandle`]s. Runs are
/// sequential, so one global serves them all.
static WINDOW: Mutex<Window> = Mutex::new(Window {
    ops_per_thread: 0,
    first_start: None,
    last_end: None,
    finished: 0,
});

#[derive(Default)]
struct Window {
    ops_per_thread: usize,
    first_start: Option<Instant>,
    last_end: Option<Instant>,
    finished: usize,
}

/// A collection whose handles time their own operations; see [`run`].
#[derive(Clone)]
pub(crate) struct Timed<C>(C);

impl<C: Collection> Collection for Timed<C> {
    type Handle = TimedHandle<C::Handle>;
    fn with_capacity(capacity: usize) -> Self {
        Self(C::with_capacity(capacity))
    }
    fn pin(&self) -> Self::Handle {
        TimedHandle {
            inner: self.0.pin(),
            done: 0,
            target: WINDOW.lock().unwrap().ops_per_thread,
            start: None,
        }
    }
}

/// Counts its operations; the first one starts its clock, and the `target`-th (the end of a
/// worker's mix; prefill handles do fewer) records the span into [`WINDOW`].
pub(crate) struct TimedHandle<H> {
    inner: H,
    done: usize,
    target: usize,
    start: Option<Instant>,
}

impl<H> TimedHandle<H> {
    #[inline]
    fn op(&mut self, f: impl FnOnce(&mut H) -> bool) -> bool {
        if self.done == 0 {
            self.start = Some(Instant::now());
        }
        let result = f(&mut self.inner);
        self.done += 1;
        if self.done == self.target {
            let end = Instant::now();
            let start = self.start.unwrap();
            let mut window = WINDOW.lock().unwrap();
            window.first_start = Some(window.first_start.map_or(start, |s| s.min(start)));
            window.last_end = Some(window.last_end.map_or(end, |e| e.max(end)));
            window.finished += 1;
        }
        result
    }
}

impl<H: CollectionHandle> CollectionHandle for TimedHandle<H> {
    type Key = H::Key;
    fn get(&mut self, key: &Self::Key) -> bool {
        self.op(|h| h.get(key))
    }
    fn insert(&mut self, key: &Self::Key) -> bool {
        self.op(|h| h.insert(key))
    }
    fn remove(&mut self, key: &Self::Key) -> bool {
        self.op(|h| h.remove(key))
    }
    fn update(&mut self, key: &Self::Key) -> bool {
        self.op(|h| h.update(key))
    }
}
