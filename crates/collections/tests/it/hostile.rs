//! Hostile use: panics in every user closure and in `Eq`, `Clone`, `Drop` and the hasher.
//! Afterwards the map must still work: no lock left held, no re-entrance record left behind,
//! `len()` and the entries consistent.

use std::cell::Cell;
use std::hash::{BuildHasher, Hash, Hasher, RandomState};
use std::panic::{AssertUnwindSafe, catch_unwind};

use selvedge_collections::{ConcurrentMap, ConcurrentSet, Op};

std::thread_local! {
    /// While set, `Touchy`'s `Eq`, `Clone` or `Drop` (whichever is named) panics.
    static ARMED: Cell<Option<&'static str>> = const { Cell::new(None) };
}

fn armed(what: &'static str) -> bool {
    ARMED.with(|armed| armed.get() == Some(what))
}

fn with_armed<R>(what: &'static str, f: impl FnOnce() -> R) -> std::thread::Result<R> {
    ARMED.with(|armed| armed.set(Some(what)));
    let result = catch_unwind(AssertUnwindSafe(f));
    ARMED.with(|armed| armed.set(None));
    result
}

/// A value or key whose `Eq`, `Clone` and `Drop` panic on demand.
#[derive(Debug)]
struct Touchy(u32);

impl Hash for Touchy {
    fn hash<H: Hasher>(&self, state: &mut H) {
        self.0.hash(state);
    }
}

impl PartialEq for Touchy {
    fn eq(&self, other: &Self) -> bool {
        assert!(!armed("eq"), "Eq panics");
        self.0 == other.0
    }
}
impl Eq for Touchy {}

impl Clone for Touchy {
    fn clone(&self) -> Self {
        assert!(!armed("clone"), "Clone panics");
        Self(self.0)
    }
}

impl Drop for Touchy {
    fn drop(&mut self) {
        // Not while already unwinding: that would abort the test process.
        if armed("drop") && !std::thread::panicking() {
            panic!("Drop panics");
        }
    }
}

/// The map answers consistently and every shard lock and the re-entrance record are free:
/// a closure method and a plain write on every key succeed.
fn assert_healthy(map: &ConcurrentMap<u32, Touchy>, expected: &[u32]) {
    let mut keys = map.keys();
    keys.sort_unstable();
    assert_eq!(keys, expected);
    assert_eq!(map.len(), expected.len());
    for k in expected {
        assert_eq!(map.get_with(k, |v| v.0), Some(*k));
        assert_eq!(map.update(k, |v| v.0), Some(*k));
    }
    map.insert(1_000, Touchy(1_000));
    assert!(map.remove(&1_000).is_some());
}

fn filled(n: u32) -> ConcurrentMap<u32, Touchy> {
    let map = ConcurrentMap::with_shards(2);
    for i in 0..n {
        map.insert(i, Touchy(i));
    }
    map
}

#[test]
fn a_panic_in_any_closure_leaves_the_map_usable() {
    let map = filled(8);
    let all: Vec<u32> = (0..8).collect();
    type Attempt<'a> = (&'static str, Box<dyn Fn() + 'a>);
    let attempts: Vec<Attempt<'_>> = vec![
        (
            "get_with",
            Box::new(|| _ = map.get_with(&1, |_| panic!("f"))),
        ),
        ("update", Box::new(|| _ = map.update(&1, |_| panic!("f")))),
        (
            "compute present",
            Box::new(|| _ = map.compute(1, |_| panic!("f"))),
        ),
        (
            "compute absent",
            Box::new(|| _ = map.compute(99, |_| panic!("f"))),
        ),
        (
            "upsert make",
            Box::new(|| _ = map.upsert(99, || panic!("f"), |_| ())),
        ),
        (
            "upsert update",
            Box::new(|| _ = map.upsert(1, || Touchy(1), |_| panic!("f"))),
        ),
        (
            "get_or_insert_with",
            Box::new(|| _ = map.get_or_insert_with(99, || panic!("f"))),
        ),
        (
            "remove_if",
            Box::new(|| _ = map.remove_if(&1, |_, _| panic!("f"))),
        ),
        ("for_each", Box::new(|| map.for_each(|_, _| panic!("f")))),
        ("retain", Box::new(|| map.retain(|_, _| panic!("f")))),
    ];
    for (name, attempt) in attempts {
        assert!(catch_unwind(AssertUnwindSafe(attempt)).is_err(), "{name}");
        assert_healthy(&map, &all);
    }
}

#[test]
fn retain_that_panics_part_way_keeps_a_consistent_map() {
    let map = filled(64);
    let mut seen = 0;
    let result = catch_unwind(AssertUnwindSafe(|| {
        map.retain(|k, _| {
            seen += 1;
            assert!(seen < 20, "f");
            k % 2 == 0
        });
    }));
    assert!(result.is_err());
    // Some odd keys are gone, the rest are there; whatever is there is counted.
    let mut keys = map.keys();
    keys.sort_unstable();
    assert!(keys.iter().filter(|k| *k % 2 == 0).count() == 32);
    assert_healthy(&map, &keys);
}

#[test]
fn panicking_eq_clone_and_drop_leave_the_map_usable() {
    let map: ConcurrentMap<Touchy, Touchy> = ConcurrentMap::with_shards(1);
    for i in 0..8 {
        map.insert(Touchy(i), Touchy(i));
    }
    // Eq under the lock, in plain and closure methods.
    assert!(with_armed("eq", || map.insert(Touchy(1), Touchy(10))).is_err());
    assert!(with_armed("eq", || map.get(&Touchy(1))).is_err());
    assert!(with_armed("eq", || map.update(&Touchy(1), |_| ())).is_err());
    // Clone under the read lock: get, snapshots, get_or_insert_with.
    assert!(with_armed("clone", || map.get(&Touchy(1))).is_err());
    assert!(with_armed("clone", || map.entries()).is_err());
    assert!(with_armed("clone", || map.get_or_insert_with(Touchy(2), || Touchy(0))).is_err());
    // Drop: of a replaced value (after the lock), of what `retain` removes (under it), of what
    // `clear` takes out (after it). Each panics at most once, then the map is still whole.
    assert!(with_armed("drop", || map.insert(Touchy(1), Touchy(11))).is_err());
    assert!(with_armed("drop", || map.retain(|k, _| k.0 != 2)).is_err());
    assert_eq!(map.len(), 7);
    assert!(map.get(&Touchy(2)).is_none());
    assert_eq!(map.get(&Touchy(1)).map(|v| v.0), Some(11));
    assert_eq!(map.update(&Touchy(3), |v| v.0), Some(3));
    assert!(with_armed("drop", || map.clear()).is_err());
    assert!(map.is_empty());
    map.insert(Touchy(5), Touchy(5));
    assert_eq!(map.len(), 1);
}

/// A hasher builder whose hashing panics on demand: the map's own hasher is user code too.
#[derive(Default)]
struct TouchyState(RandomState);

struct TouchyHasher(std::hash::DefaultHasher);

impl Hasher for TouchyHasher {
    fn finish(&self) -> u64 {
        assert!(!armed("hasher"), "hasher panics");
        self.0.finish()
    }
    fn write(&mut self, bytes: &[u8]) {
        self.0.write(bytes);
    }
}

impl BuildHasher for TouchyState {
    type Hasher = TouchyHasher;
    fn build_hasher(&self) -> TouchyHasher {
        TouchyHasher(self.0.build_hasher())
    }
}

#[test]
fn a_panicking_hasher_fails_only_its_own_call() {
    let map = ConcurrentMap::with_shards_and_hasher(1, TouchyState::default());
    for i in 0..100_u32 {
        map.insert(i, i);
    }
    assert!(with_armed("hasher", || map.insert(100, 100)).is_err());
    assert!(with_armed("hasher", || map.compute(1, |_| Op::Remove)).is_err());
    for i in 100..1_000_u32 {
        map.insert(i, i); // grows the shard several times
    }
    assert_eq!(map.len(), 1_000);
    assert_eq!(map.get(&1), Some(1));
}

#[test]
fn a_set_survives_panicking_closures() {
    let set: ConcurrentSet<u32> = (0..16).collect();
    assert!(catch_unwind(AssertUnwindSafe(|| set.retain(|_| panic!("f")))).is_err());
    assert!(catch_unwind(AssertUnwindSafe(|| set.for_each(|_| panic!("f")))).is_err());
    assert_eq!(set.len(), 16);
    set.retain(|n| n % 2 == 0);
    assert_eq!(set.len(), 8);
}

#[test]
fn thousands_of_short_lived_threads_leave_no_record_behind() {
    let map = ConcurrentMap::with_shards(1);
    map.insert(0_u32, 0_u64);
    for _ in 0..50 {
        std::thread::scope(|s| {
            for _ in 0..20 {
                s.spawn(|| {
                    map.update(&0, |n| *n += 1);
                    let _ = catch_unwind(AssertUnwindSafe(|| map.update(&0, |_| panic!("f"))));
                });
            }
        });
    }
    assert_eq!(map.get(&0), Some(1_000));
    assert_eq!(map.update(&0, |n| *n), Some(1_000));
}
