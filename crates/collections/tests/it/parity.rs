//! What dashmap and papaya users reach for: `get_key_value`, `remove_if` that tells absent from
//! refused, `try_insert`, capacity management, capacity and shards in one constructor,
//! `Clone`, `PartialEq`, `Extend` from references, a `try_get` that never blocks, owned iteration. Each test is ported from the peer's own test
//! named in its comment (papaya's `tests/basic.rs` and `tests/basic_set.rs`, dashmap's unit
//! tests and doc examples), with the peer's guard and reference API turned into ours.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use selvedge_collections::{CapacityError, ConcurrentMap, ConcurrentSet, NotRemoved};

// papaya `get_key_value_empty`.
#[test]
fn get_key_value_empty() {
    let map: ConcurrentMap<usize, usize> = ConcurrentMap::new();
    assert!(map.get_key_value(&42).is_none());
}

// papaya `insert_and_get_key_value`.
#[test]
fn insert_and_get_key_value() {
    let map = ConcurrentMap::new();
    map.insert(42_usize, 0_usize);
    assert_eq!(map.get_key_value(&42), Some((42, 0)));
}

/// std's `get_key_value` contract: the stored key, not the one looked up with.
#[test]
fn get_key_value_returns_the_stored_key() {
    #[derive(Clone, Debug)]
    struct Named(u32, &'static str);
    impl PartialEq for Named {
        fn eq(&self, other: &Self) -> bool {
            self.0 == other.0
        }
    }
    impl Eq for Named {}
    impl std::hash::Hash for Named {
        fn hash<H: std::hash::Hasher>(&self, state: &mut H) {
            self.0.hash(state);
        }
    }
    let map = ConcurrentMap::new();
    map.insert(Named(1, "stored"), ());
    let (key, ()) = map.get_key_value(&Named(1, "probe")).unwrap();
    assert_eq!(key.1, "stored");
}

// papaya `remove_if` (its `Ok(None)` is our `Absent`, its `Err(current)` our `Refused`).
#[test]
fn remove_if() {
    let map: ConcurrentMap<usize, usize> = ConcurrentMap::new();
    assert_eq!(map.remove_if(&1, |_k, _v| true), Err(NotRemoved::Absent));
    map.insert(1, 0);
    assert_eq!(map.remove_if(&0, |_k, _v| true), Err(NotRemoved::Absent));
    assert_eq!(map.remove_if(&1, |_k, _v| false), Err(NotRemoved::Refused));
    assert_eq!(map.remove_if(&1, |_k, v| *v == 1), Err(NotRemoved::Refused));
    assert_eq!(map.get(&1), Some(0));
    assert_eq!(map.remove_if(&1, |_k, v| *v == 0), Ok(0));
    assert_eq!(map.remove_if(&1, |_, _| true), Err(NotRemoved::Absent));
}

// dashmap `remove_if` doc examples.
#[test]
fn remove_if_keeps_a_refused_entry_and_removes_an_accepted_one() {
    let soccer_team = ConcurrentMap::new();
    soccer_team.insert("Sam", "Forward");
    assert!(
        soccer_team
            .remove_if("Sam", |_, position| position == &"Goalie")
            .is_err()
    );
    assert!(soccer_team.contains_key("Sam"));
    assert_eq!(
        soccer_team.remove_if("Sam", |_, position| position == &"Forward"),
        Ok("Forward")
    );
    assert!(!soccer_team.contains_key("Sam"));
}

/// An absent key never calls the predicate.
#[test]
fn remove_if_on_an_absent_key_does_not_call_the_predicate() {
    let map: ConcurrentMap<u8, u8> = ConcurrentMap::new();
    let calls = AtomicUsize::new(0);
    let result = map.remove_if(&1, |_, _| {
        calls.fetch_add(1, Ordering::Relaxed);
        true
    });
    assert_eq!(result, Err(NotRemoved::Absent));
    assert_eq!(calls.load(Ordering::Relaxed), 0);
}

// papaya `try_insert` (its `OccupiedError { current, not_inserted }`: ours gives back the key
// and value not inserted; the current value is one `get` away).
#[test]
fn try_insert() {
    let map = ConcurrentMap::new();
    assert!(map.try_insert(42_usize, 1_usize).is_ok());
    assert_eq!(map.len(), 1);
    assert_eq!(map.get(&42), Some(1));
    let refused = map.try_insert(42, 2).unwrap_err();
    assert_eq!((refused.key, refused.value), (42, 2));
    assert_eq!(map.len(), 1);
    assert_eq!(map.get(&42), Some(1));
    assert!(map.try_insert(43, 2).is_ok());
}

/// Many threads race `try_insert` on one key: exactly one wins, and its value stays.
#[test]
fn try_insert_has_one_winner_under_contention() {
    let map = ConcurrentMap::with_shards(1);
    let winners = AtomicUsize::new(0);
    std::thread::scope(|s| {
        for thread in 0..4_usize {
            let (map, winners) = (&map, &winners);
            s.spawn(move || {
                if map.try_insert("key", thread).is_ok() {
                    winners.fetch_add(1, Ordering::Relaxed);
                }
            });
        }
    });
    assert_eq!(winners.load(Ordering::Relaxed), 1);
    assert_eq!(map.len(), 1);
}

// dashmap `test_try_reserve`.
#[test]
fn test_try_reserve() {
    let map: ConcurrentMap<i32, i32> = ConcurrentMap::new();
    // The map is empty and doesn't allocate memory.
    assert_eq!(map.capacity(), 0);
    map.try_reserve(10).unwrap();
    // And now the map can hold at least 10 elements.
    assert!(map.capacity() >= 10);
}

// dashmap `test_try_reserve_errors`.
#[test]
fn test_try_reserve_errors() {
    let map: ConcurrentMap<i32, i32> = ConcurrentMap::new();
    match map.try_reserve(usize::MAX) {
        Err(CapacityError::Overflow { requested }) => assert_eq!(requested, usize::MAX),
        other => panic!("should have raised a capacity overflow error, got {other:?}"),
    }
}

// dashmap `shrink_to_fit` doc example.
#[test]
fn shrink_to_fit_releases_an_emptied_map() {
    let map = ConcurrentMap::new();
    map.insert("Johnny", 21);
    assert!(map.capacity() > 0);
    map.remove("Johnny");
    map.shrink_to_fit();
    assert_eq!(map.capacity(), 0);
}

#[test]
fn reserve_makes_room_without_changing_the_entries() {
    let map: ConcurrentMap<u32, u32> = (0..10).map(|k| (k, k)).collect();
    map.reserve(1_000);
    assert!(map.capacity() >= 1_010);
    assert_eq!(map.len(), 10);
    assert_eq!(map.get(&9), Some(9));
}

// dashmap `with_capacity_and_shard_amount` doc example.
#[test]
fn with_capacity_and_shards() {
    let mappings = ConcurrentMap::with_capacity_and_shards(32, 32);
    mappings.insert(2, 4);
    mappings.insert(8, 16);
    assert_eq!(mappings.shard_count(), 32);
    assert!(mappings.capacity() >= 32);
    assert!(ConcurrentMap::<u8, u8>::try_with_capacity_and_shards(usize::MAX, 32).is_err());
}

// papaya `empty_maps_equal`.
#[test]
fn empty_maps_equal() {
    let (map1, map2): (ConcurrentMap<usize, usize>, ConcurrentMap<usize, usize>) =
        (ConcurrentMap::new(), ConcurrentMap::new());
    assert_eq!(map1, map2);
    assert_eq!(map2, map1);
}

// papaya `different_size_maps_not_equal`.
#[test]
fn different_size_maps_not_equal() {
    let (map1, map2) = (ConcurrentMap::new(), ConcurrentMap::new());
    map1.insert_all([(1_usize, 0_usize), (2, 0), (3, 0)]);
    map2.insert_all([(1, 0), (2, 0)]);
    assert_ne!(map1, map2);
    assert_ne!(map2, map1);
}

// papaya `same_values_equal`, across different shard counts and hashers.
#[test]
fn same_values_equal() {
    let map1 = ConcurrentMap::with_shards(1);
    let map2 = ConcurrentMap::with_shards(64);
    map1.insert(1_usize, 0_usize);
    map2.insert(1, 0);
    assert_eq!(map1, map2);
    assert_eq!(map2, map1);
    assert_eq!(map1, map1);
}

// papaya `different_values_not_equal`.
#[test]
fn different_values_not_equal() {
    let (map1, map2) = (ConcurrentMap::new(), ConcurrentMap::new());
    map1.insert(1_usize, 0_usize);
    map2.insert(1, 1);
    assert_ne!(map1, map2);
    assert_ne!(map2, map1);
}

/// `a == b` and `b == a` at once on two threads, while writers change both maps: comparisons
/// lock the two maps in one global order, so this finishes. (Each comparison's answer depends
/// on the instant it runs, so only termination is checked, with a deadline.)
#[test]
fn opposite_comparisons_on_two_threads_do_not_deadlock() {
    let maps = Arc::new((ConcurrentMap::with_shards(4), ConcurrentMap::with_shards(4)));
    let (done, finished) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let (a, b) = &*maps;
        std::thread::scope(|s| {
            s.spawn(|| {
                (0..500).for_each(|_| {
                    std::hint::black_box(a == b);
                })
            });
            s.spawn(|| {
                (0..500).for_each(|_| {
                    std::hint::black_box(b == a);
                })
            });
            s.spawn(|| {
                for i in 0..500_u32 {
                    a.insert(i % 7, i);
                    b.insert(i % 5, i);
                }
            });
        });
        done.send(()).unwrap();
    });
    finished
        .recv_timeout(std::time::Duration::from_secs(60))
        .expect("opposite comparisons deadlocked (or a thread panicked)");
}

/// The lock order of `==`, pinned: while another thread holds the older map's lock, a
/// comparison (in either direction) waits for it holding none of the newer map's locks, so
/// writers to the newer map go on. (Locking the newer map first could deadlock against a
/// comparison in the other direction once writers wait on both maps.)
#[test]
fn a_comparison_waits_for_the_older_map_holding_none_of_the_newer() {
    use std::sync::Barrier;
    use std::sync::mpsc;
    use std::time::Duration;

    for newer_on_the_left in [true, false] {
        let older: ConcurrentMap<u8, u8> = ConcurrentMap::with_shards(1);
        let newer: ConcurrentMap<u8, u8> = ConcurrentMap::with_shards(1);
        older.insert(0, 0);
        let (held, release) = (Barrier::new(2), Barrier::new(2));
        let (done, written) = mpsc::channel();
        std::thread::scope(|s| {
            // Holds the older map's only shard lock until released.
            s.spawn(|| {
                older.update(&0, |_| {
                    held.wait();
                    release.wait();
                })
            });
            held.wait();
            let comparison = s.spawn(|| {
                if newer_on_the_left {
                    newer.eq(&older)
                } else {
                    older.eq(&newer)
                }
            });
            // Give the comparison time to block on the older map.
            std::thread::sleep(Duration::from_millis(50));
            s.spawn(|| {
                newer.insert(1, 1);
                done.send(()).unwrap();
            });
            let wrote = written.recv_timeout(Duration::from_secs(10));
            release.wait();
            assert!(
                wrote.is_ok(),
                "a comparison held the newer map while waiting for the older one"
            );
            assert!(!comparison.join().unwrap());
        });
    }
}

// papaya `clone_map_empty`.
#[test]
fn clone_map_empty() {
    let map: ConcurrentMap<&'static str, u32> = ConcurrentMap::new();
    let cloned_map = map.clone();
    assert_eq!(map.len(), cloned_map.len());
    assert_eq!(&map, &cloned_map);
    assert_eq!(cloned_map.len(), 0);
}

// papaya `clone_map_filled`: the same values in both maps, and not the same tables.
#[test]
fn clone_map_filled() {
    let map = ConcurrentMap::new();
    map.insert("FooKey", 0);
    map.insert("BarKey", 10);
    let cloned_map = map.clone();
    assert_eq!(map.len(), cloned_map.len());
    assert_eq!(&map, &cloned_map);
    map.insert("NewItem", 100);
    assert_ne!(&map, &cloned_map);
    assert_eq!(cloned_map.get("FooKey"), Some(0));
}

// papaya `extend_ref`.
#[test]
fn extend_ref() {
    let map = ConcurrentMap::new();
    let mut entries: Vec<(&usize, &usize)> = vec![(&42, &0), (&16, &6), (&38, &42)];
    entries.sort();
    (&map).extend(entries.clone());
    let mut collected = map.entries();
    collected.sort_unstable();
    let expected: Vec<(usize, usize)> = entries.iter().map(|&(&k, &v)| (k, v)).collect();
    assert_eq!(collected, expected);
    let mut owned = ConcurrentMap::new();
    owned.extend([(&1_u8, &2_u8)]);
    assert_eq!(owned.get(&1), Some(2));
}

// papaya `basic_set.rs` `extend_ref`, `clone_set_filled`, `same_values_equal`.
#[test]
fn set_extend_ref_clone_and_equality() {
    let set = ConcurrentSet::new();
    (&set).extend([&42_usize, &16, &38]);
    let mut members = set.snapshot();
    members.sort_unstable();
    assert_eq!(members, [16, 38, 42]);
    let cloned = set.clone();
    assert_eq!(set, cloned);
    set.insert(1);
    assert_ne!(set, cloned);
    let mut owned: ConcurrentSet<u8> = ConcurrentSet::new();
    owned.extend(&[1_u8, 2]);
    assert_eq!(owned.len(), 2);
}

#[test]
fn set_capacity_management() {
    let set: ConcurrentSet<u32> = ConcurrentSet::new();
    assert_eq!(set.capacity(), 0);
    set.reserve(100);
    assert!(set.capacity() >= 100);
    assert!(set.try_reserve(usize::MAX).is_err());
    set.shrink_to_fit();
    assert_eq!(set.capacity(), 0);
}

// papaya `basic_set.rs` has no `remove_if`; the map's port above, on the set.
#[test]
fn set_remove_if() {
    let set: ConcurrentSet<usize> = ConcurrentSet::new();
    assert_eq!(set.remove_if(&1, |_| true), Err(NotRemoved::Absent));
    set.insert(1);
    assert_eq!(set.remove_if(&0, |_| true), Err(NotRemoved::Absent));
    assert_eq!(set.remove_if(&1, |_| false), Err(NotRemoved::Refused));
    assert!(set.contains(&1));
    assert_eq!(set.remove_if(&1, |v| *v == 1), Ok(()));
    assert!(!set.contains(&1));
}

// dashmap's `try_get` (TryResult::{Present, Absent, Locked}): a writer holding the key's shard
// on another thread makes the lookup report `Locked` instead of waiting.
#[test]
fn try_get_reports_a_shard_held_by_a_writer_instead_of_blocking() {
    use selvedge_collections::TryGet;
    let map = ConcurrentMap::with_shards(1);
    map.insert("a", 1);
    assert_eq!(map.try_get("a"), TryGet::Present(1));
    assert_eq!(map.try_get("b"), TryGet::Absent);
    let holding = std::sync::Barrier::new(2);
    let release = std::sync::Barrier::new(2);
    std::thread::scope(|s| {
        s.spawn(|| {
            map.update("a", |v| {
                holding.wait();
                release.wait();
                *v = 2;
            });
        });
        holding.wait();
        assert_eq!(map.try_get("a"), TryGet::Locked);
        assert_eq!(
            map.try_get("b"),
            TryGet::Locked,
            "one shard: every key is held"
        );
        release.wait();
    });
    assert_eq!(map.try_get("a"), TryGet::Present(2));
}

// papaya's and std's owned iteration: every entry once, and the ones not taken are dropped.
#[test]
fn into_iter_yields_every_entry_once_and_drops_the_rest() {
    let drops = Arc::new(AtomicUsize::new(0));
    struct Counted(Arc<AtomicUsize>);
    impl Drop for Counted {
        fn drop(&mut self) {
            self.0.fetch_add(1, Ordering::SeqCst);
        }
    }
    let map = ConcurrentMap::with_shards(8);
    for i in 0..1000 {
        map.insert(i, Counted(drops.clone()));
    }
    let mut entries = map.into_iter();
    assert_eq!(entries.len(), 1000);
    let taken: Vec<_> = entries.by_ref().take(400).collect();
    assert_eq!(entries.len(), 600);
    let mut keys: Vec<i32> = taken.iter().map(|(k, _)| *k).collect();
    keys.sort_unstable();
    keys.dedup();
    assert_eq!(keys.len(), 400, "no key twice");
    drop(entries);
    assert_eq!(
        drops.load(Ordering::SeqCst),
        600,
        "the entries not taken are dropped"
    );
    drop(taken);
    assert_eq!(drops.load(Ordering::SeqCst), 1000);
}

#[test]
fn a_set_consumed_into_its_values_yields_each_once() {
    let set: ConcurrentSet<u32> = (0..500).collect();
    let mut values: Vec<u32> = set.into_iter().collect();
    values.sort_unstable();
    assert_eq!(values, (0..500).collect::<Vec<_>>());
}

// dashmap's rayon `par_iter` (feature `rayon`), with a closure instead of guards: every entry
// visited exactly once, across many shards, in parallel.
#[cfg(feature = "rayon")]
#[test]
fn par_for_each_visits_every_entry_once() {
    let map: ConcurrentMap<u64, u64> = (0..10_000).map(|i| (i, 1)).collect();
    let visits = AtomicUsize::new(0);
    let keys = std::sync::Mutex::new(Vec::new());
    map.par_for_each(|k, v| {
        visits.fetch_add(usize::try_from(*v).unwrap(), Ordering::Relaxed);
        keys.lock().unwrap().push(*k);
    });
    assert_eq!(visits.into_inner(), 10_000);
    let mut keys = keys.into_inner().unwrap();
    keys.sort_unstable();
    keys.dedup();
    assert_eq!(keys.len(), 10_000);
}

#[cfg(feature = "rayon")]
#[test]
fn par_for_each_calling_its_own_map_panics_instead_of_deadlocking() {
    let map: ConcurrentMap<u64, u64> = (0..64).map(|i| (i, i)).collect();
    let result = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        map.par_for_each(|k, _| {
            map.insert(*k, 0);
        });
    }));
    assert!(result.is_err());
    assert_eq!(map.len(), 64, "the map is still usable");
}

#[cfg(feature = "rayon")]
#[test]
fn owned_maps_and_sets_are_parallel_iterators() {
    use rayon::prelude::*;
    let map: ConcurrentMap<u64, u64> = (0..5_000).map(|i| (i, i)).collect();
    assert_eq!(
        map.into_par_iter().map(|(k, v)| k + v).sum::<u64>(),
        2 * 12_497_500
    );
    let set: ConcurrentSet<u64> = (0..5_000).collect();
    let mut values: Vec<u64> = set.into_par_iter().collect();
    values.sort_unstable();
    assert_eq!(values, (0..5_000).collect::<Vec<_>>());
}
