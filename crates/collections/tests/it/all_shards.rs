//! The whole-map operations (`atomically`, `insert_all`, `copy`, and the set's `insert_all` and
//! `copy`): what they do, that user code runs where the docs say, and that calling the map
//! from inside them (or them from inside the map's closures) panics instead of deadlocking.

use std::collections::{HashMap, HashSet};
use std::hash::{Hash, Hasher};
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::OnceLock;

use selvedge_collections::{ConcurrentMap, ConcurrentSet, DefaultHashBuilder};

fn reentrance_message(f: impl FnOnce()) -> String {
    let payload = catch_unwind(AssertUnwindSafe(f)).expect_err("re-entrance must panic");
    selvedge_trace::panic_text(&*payload).to_owned()
}

#[test]
fn insert_all_inserts_and_replaces_every_pair() {
    let map = ConcurrentMap::new();
    map.insert("theme", "light");
    map.insert_all([("theme", "dark"), ("lang", "en"), ("tz", "UTC")]);
    assert_eq!(map.len(), 3);
    assert_eq!(map.get("theme"), Some("dark"));
    map.insert_all(std::iter::empty());
    assert_eq!(map.len(), 3);
    // A key twice in one batch: the later value wins, as in `dict.update` with a list.
    map.insert_all([("lang", "fr"), ("lang", "de")]);
    assert_eq!(map.get("lang"), Some("de"));
}

#[test]
fn atomically_reads_and_writes_any_keys_and_returns_the_result() {
    let map: ConcurrentMap<u32, i64> = (0..100).map(|k| (k, 10)).collect();
    let (before, after) = map.atomically(|all| {
        let before = all.len();
        assert!(all.contains_key(&7));
        *all.get_mut(&7).unwrap() -= 5;
        *all.get_mut(&93).unwrap() += 5;
        assert_eq!(all.insert(500, 0), None);
        assert_eq!(all.insert(500, 1), Some(0));
        assert_eq!(all.remove(&1), Some(10));
        assert_eq!(all.remove(&1), None);
        assert_eq!(all.get(&7), Some(&5));
        assert!(!all.is_empty());
        (before, all.iter().map(|(_, v)| *v).sum::<i64>())
    });
    assert_eq!(before, 100);
    assert_eq!(after, 100 * 10 - 10 + 1);
    assert_eq!(map.get(&93), Some(15));
    assert_eq!(map.len(), 100);
}

#[test]
fn copy_is_an_independent_hashmap_with_the_maps_hasher() {
    let map = ConcurrentMap::new();
    map.insert_all((0..50).map(|k| (k, k * 2)));
    let copy: HashMap<u32, u32, DefaultHashBuilder> = map.copy();
    map.insert(50, 100);
    map.remove(&0);
    assert_eq!(copy.len(), 50);
    assert_eq!(copy[&0], 0);
    assert_eq!(copy[&49], 98);
    assert!(!copy.contains_key(&50));
}

#[test]
fn set_insert_all_and_copy() {
    let online = ConcurrentSet::new();
    online.insert("ann");
    online.insert_all(["bob", "ann", "cy"]);
    let members: HashSet<&str, DefaultHashBuilder> = online.copy();
    online.remove("ann");
    assert_eq!(members.len(), 3);
    assert!(members.contains("ann") && members.contains("cy"));
    assert_eq!(online.len(), 2);
}

/// A map the keys and values below can reach from their `Hash` and `Drop`.
fn registry() -> &'static ConcurrentMap<Probe, Probe> {
    static REGISTRY: OnceLock<ConcurrentMap<Probe, Probe>> = OnceLock::new();
    REGISTRY.get_or_init(ConcurrentMap::new)
}

/// A key and value whose `Hash` and `Drop` call the registry map: they would panic (re-entrant
/// use) if they ran under its locks, so these tests pass only if they run outside them.
#[derive(PartialEq, Eq)]
struct Probe(u32);

impl Hash for Probe {
    fn hash<H: Hasher>(&self, state: &mut H) {
        let _ = registry().len();
        self.0.hash(state);
    }
}

impl Drop for Probe {
    fn drop(&mut self) {
        let _ = registry().len();
    }
}

#[test]
fn insert_all_hashes_before_locking_and_drops_replaced_values_after() {
    let map = registry();
    map.insert_all([(Probe(1), Probe(10)), (Probe(2), Probe(20))]);
    // Replacing drops the old values: after the locks are released, or `len` would panic.
    map.insert_all([(Probe(1), Probe(11)), (Probe(2), Probe(21))]);
    assert_eq!(map.len(), 2);
    assert_eq!(map.get_with(&Probe(2), |v| v.0), Some(21));
}

#[test]
fn whole_map_calls_from_inside_a_closure_of_the_same_map_panic() {
    let map = ConcurrentMap::with_shards(4);
    map.insert(1, 1);
    let message = reentrance_message(|| {
        map.update(&1, |_| map.insert_all([(2, 2)]));
    });
    assert!(
        message.contains("re-entrant use") && message.contains("insert_all"),
        "{message}"
    );
    let message = reentrance_message(|| {
        map.update(&1, |_| drop(map.copy()));
    });
    assert!(message.contains("`copy`"), "{message}");
    let message = reentrance_message(|| {
        map.for_each(|_, _| {
            let _ = map.atomically(|all| all.len());
        });
    });
    assert!(message.contains("`atomically`"), "{message}");
    // Every lock was released by the unwinding.
    map.insert_all([(3, 3)]);
    assert_eq!(map.copy().len(), 2);
}

#[test]
fn calling_the_map_from_inside_atomically_panics() {
    let map = ConcurrentMap::with_shards(4);
    map.insert(1, 1);
    // Plain methods find their shard locked and check before blocking.
    for call in [
        &(|| {
            let _ = map.get(&1);
        }) as &dyn Fn(),
        &|| {
            let _ = map.insert(2, 2);
        },
        &|| {
            let _ = map.len();
        },
        &|| drop(map.copy()),
        &|| map.insert_all([(3, 3)]),
        &|| {
            let _ = map.update(&1, |v| *v);
        },
    ] {
        let message = reentrance_message(|| map.atomically(|_| call()));
        assert!(message.contains("re-entrant use"), "{message}");
    }
    assert_eq!(map.entries(), [(1, 1)]);
}

#[test]
fn set_copy_from_inside_its_own_closure_panics() {
    let set = ConcurrentSet::with_shards(2);
    set.insert(1);
    let message = reentrance_message(|| set.for_each(|_| drop(set.copy())));
    assert!(message.contains("re-entrant use"), "{message}");
    assert_eq!(set.copy().len(), 1);
}

#[test]
fn whole_map_operations_of_another_map_may_run_inside_a_closure() {
    let (a, b) = (ConcurrentMap::new(), ConcurrentMap::new());
    a.insert(1, 1);
    b.insert_all([(1, 10), (2, 20)]);
    a.update(&1, |v| {
        *v += b.atomically(|all| all.iter().map(|(_, v)| *v).sum::<i32>())
    });
    assert_eq!(a.get(&1), Some(31));
    b.atomically(|all| *all.get_mut(&1).unwrap() = a.copy()[&1]);
    assert_eq!(b.get(&1), Some(31));
}

#[test]
fn clone_and_comparison_from_inside_a_closure_of_the_map_panic() {
    let (map, other) = (ConcurrentMap::with_shards(2), ConcurrentMap::with_shards(2));
    map.insert(1, 1);
    other.insert(1, 1);
    let message = reentrance_message(|| {
        map.update(&1, |_| drop(map.clone()));
    });
    assert!(message.contains("`clone`"), "{message}");
    for left in [true, false] {
        let message = reentrance_message(|| {
            map.update(&1, |_| {
                let _ = if left { map.eq(&other) } else { other.eq(&map) };
            });
        });
        assert!(message.contains("`eq`"), "{message}");
    }
    // Released by the unwinding; a closure of a third map may compare these two.
    assert!(map == other);
    let third = ConcurrentMap::new();
    third.insert(0, 0);
    assert_eq!(third.update(&0, |_| map == other), Some(true));
}
