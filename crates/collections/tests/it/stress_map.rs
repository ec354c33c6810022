//! Stress tests of `ConcurrentMap` and `ConcurrentSet` on real threads, each checking an
//! invariant that a lost update, a torn snapshot or a misplaced key would break.

use selvedge_collections::{ConcurrentMap, ConcurrentSet, Op};
use selvedge_testkit::stress;

const THREADS: usize = 4;
const PER_THREAD: u64 = if cfg!(miri) { 20 } else { 5_000 };

#[test]
fn disjoint_inserts_are_all_present() {
    let map = ConcurrentMap::new();
    stress(THREADS, PER_THREAD, |thread, i| {
        let key = thread as u64 * PER_THREAD + i;
        assert_eq!(map.insert(key, key * 3), None);
    })
    .assert_ok();
    assert_eq!(map.len() as u64, THREADS as u64 * PER_THREAD);
    for key in 0..THREADS as u64 * PER_THREAD {
        assert_eq!(map.get(&key), Some(key * 3), "key {key}");
    }
}

#[test]
fn concurrent_updates_sum_exactly() {
    let map: ConcurrentMap<u64, u64> = (0..16).map(|k| (k, 0)).collect();
    stress(THREADS, PER_THREAD, |_, i| {
        assert!(map.update(&(i % 16), |v| *v += 1).is_some());
    })
    .assert_ok();
    let mut total = 0;
    map.for_each(|_, v| total += v);
    assert_eq!(total, THREADS as u64 * PER_THREAD);
}

#[test]
fn compute_and_upsert_increments_sum_exactly() {
    let map = ConcurrentMap::with_shards(2);
    stress(THREADS, PER_THREAD, |thread, i| {
        let key = i % 8;
        if thread % 2 == 0 {
            map.compute(key, |v| Op::Set(v.copied().unwrap_or(0) + 1));
        } else {
            map.upsert(key, || 1, |v| *v += 1);
        }
    })
    .assert_ok();
    assert_eq!(
        map.values().iter().sum::<u64>(),
        THREADS as u64 * PER_THREAD
    );
}

#[test]
fn snapshots_taken_during_writes_are_never_torn() {
    // Writers keep the invariant "a key's value is twice the key" and each thread owns its
    // keys; a snapshot must only ever show entries that satisfy it, each key once.
    let map = ConcurrentMap::new();
    stress(THREADS, PER_THREAD / 10, |thread, i| {
        if thread == 0 {
            let entries = map.entries();
            let mut keys: Vec<u64> = entries.iter().map(|&(k, _)| k).collect();
            for (k, v) in &entries {
                assert_eq!(*v, k * 2);
            }
            keys.sort_unstable();
            let len = keys.len();
            keys.dedup();
            assert_eq!(keys.len(), len, "duplicate key in a snapshot");
        } else {
            let key = thread as u64 * 1_000_000 + i;
            map.insert(key, key * 2);
            if i % 3 == 0 {
                map.remove(&key);
            }
        }
    })
    .assert_ok();
}

#[test]
fn get_or_insert_with_initialises_each_key_once() {
    let map = ConcurrentMap::new();
    let made = selvedge_testkit::CallCounter::new();
    stress(THREADS, 64, |_, i| {
        let value = map.get_or_insert_with(i, || {
            made.hit();
            i + 1
        });
        assert_eq!(value, i + 1);
    })
    .assert_ok();
    made.assert_count(64);
}

#[test]
fn set_inserts_from_many_threads_count_each_value_once() {
    let set = ConcurrentSet::new();
    let new_ones = selvedge_locks::sync::atomic::AtomicU64::new(0);
    stress(THREADS, PER_THREAD, |_, i| {
        // Every thread inserts the same values: exactly one insert of each may report new.
        if set.insert(i) {
            new_ones.fetch_add(1, selvedge_locks::sync::atomic::Ordering::Relaxed);
        }
    })
    .assert_ok();
    assert_eq!(set.len() as u64, PER_THREAD);
    assert_eq!(
        new_ones.load(selvedge_locks::sync::atomic::Ordering::Relaxed),
        PER_THREAD
    );
}

/// Transfers between accounts made with `atomically`, and pairs of keys added with
/// `insert_all`, while other threads take `copy`s: every copy, taken at one instant, conserves
/// the total and holds each pair whole. (The shard-by-shard `entries` makes no such promise.)
#[test]
fn whole_map_copies_never_see_half_a_transfer_or_half_a_batch() {
    const ACCOUNTS: u64 = 64;
    const TOTAL: i64 = ACCOUNTS as i64 * 100;
    const PAIRS_FROM: u64 = 1_000;
    let rounds = if cfg!(miri) { 10 } else { 1_500 };
    let map: ConcurrentMap<u64, i64> = (0..ACCOUNTS).map(|k| (k, 100)).collect();
    let check = |copy: &std::collections::HashMap<u64, i64, _>| {
        let total: i64 = (0..ACCOUNTS).map(|k| copy[&k]).sum();
        assert_eq!(total, TOTAL, "a copy saw half a transfer");
        for first in (PAIRS_FROM..)
            .step_by(2)
            .take_while(|k| copy.contains_key(k))
        {
            assert!(copy.contains_key(&(first + 1)), "a copy saw half a batch");
        }
        let pairs = copy.keys().filter(|&&k| k >= PAIRS_FROM).count();
        assert_eq!(pairs % 2, 0, "a copy saw half a batch");
    };
    stress(THREADS, rounds, |thread, i| match thread {
        0 | 1 => {
            let (from, to) = ((i * 7 + thread as u64) % ACCOUNTS, (i * 13 + 5) % ACCOUNTS);
            map.atomically(|all| {
                *all.get_mut(&from).unwrap() -= 3;
                *all.get_mut(&to).unwrap() += 3;
            });
        }
        2 => {
            let first = PAIRS_FROM + 2 * i;
            map.insert_all([(first, 0), (first + 1, 0)]);
            // Plain single-key traffic beside the whole-map calls.
            assert_eq!(map.get(&first), Some(0));
            map.insert(first, 1);
        }
        _ => check(&map.copy()),
    })
    .assert_ok();
    check(&map.copy());
    assert_eq!(map.len() as u64, ACCOUNTS + 2 * rounds);
}

#[test]
fn set_copies_never_see_half_a_batch() {
    let rounds = if cfg!(miri) { 10 } else { 400 };
    let set = ConcurrentSet::new();
    stress(THREADS, rounds, |thread, i| {
        if thread == 0 {
            set.insert_all([2 * i, 2 * i + 1]);
        } else {
            let copy = set.copy();
            assert!(copy.iter().all(|v| copy.contains(&(v ^ 1))), "half a batch");
        }
    })
    .assert_ok();
    assert_eq!(set.copy().len() as u64, 2 * rounds);
}
