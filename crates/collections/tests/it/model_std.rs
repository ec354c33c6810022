//! Any single-threaded sequence of operations gives the same results on `ConcurrentMap` as on
//! `std::collections::HashMap` (proptest generates the sequences and shrinks failures).

use std::collections::HashMap;

use proptest::prelude::*;
use selvedge_collections::{ConcurrentMap, ConcurrentSet, NotRemoved, Op};

#[derive(Debug, Clone)]
enum Step {
    Insert(u8, i32),
    Get(u8),
    ContainsKey(u8),
    Remove(u8),
    RemoveIf(u8, i32),
    Update(u8, i32),
    Compute(u8, u8, i32),
    GetOrInsertWith(u8, i32),
    Upsert(u8, i32),
    TryInsert(u8, i32),
    GetKeyValue(u8),
    InsertAll(Vec<(u8, i32)>),
    RetainEven,
    Len,
    Clear,
}

fn step() -> impl Strategy<Value = Step> {
    // A small key space so operations keep meeting each other's keys.
    let key = 0_u8..24;
    prop_oneof![
        4 => (key.clone(), any::<i32>()).prop_map(|(k, v)| Step::Insert(k, v)),
        3 => key.clone().prop_map(Step::Get),
        1 => key.clone().prop_map(Step::ContainsKey),
        2 => key.clone().prop_map(Step::Remove),
        1 => (key.clone(), -2_i32..2).prop_map(|(k, v)| Step::RemoveIf(k, v)),
        2 => (key.clone(), -3_i32..3).prop_map(|(k, d)| Step::Update(k, d)),
        2 => (key.clone(), 0_u8..3, -3_i32..3).prop_map(|(k, op, v)| Step::Compute(k, op, v)),
        1 => (key.clone(), any::<i32>()).prop_map(|(k, v)| Step::GetOrInsertWith(k, v)),
        2 => (key.clone(), -3_i32..3).prop_map(|(k, v)| Step::Upsert(k, v)),
        2 => (key.clone(), any::<i32>()).prop_map(|(k, v)| Step::TryInsert(k, v)),
        1 => key.clone().prop_map(Step::GetKeyValue),
        1 => proptest::collection::vec((key, any::<i32>()), 0..4).prop_map(Step::InsertAll),
        1 => Just(Step::RetainEven),
        1 => Just(Step::Len),
        1 => Just(Step::Clear),
    ]
}

/// Applies `step` to both maps and asserts they answered alike.
fn check(step: &Step, ours: &ConcurrentMap<u8, i32>, std: &mut HashMap<u8, i32>) {
    match *step {
        Step::Insert(k, v) => assert_eq!(ours.insert(k, v), std.insert(k, v)),
        Step::Get(k) => assert_eq!(ours.get(&k), std.get(&k).copied()),
        Step::ContainsKey(k) => assert_eq!(ours.contains_key(&k), std.contains_key(&k)),
        Step::Remove(k) => assert_eq!(ours.remove(&k), std.remove(&k)),
        Step::TryInsert(k, v) => {
            let expected = match std.entry(k) {
                std::collections::hash_map::Entry::Occupied(_) => Err((k, v)),
                std::collections::hash_map::Entry::Vacant(entry) => {
                    entry.insert(v);
                    Ok(())
                }
            };
            let ours = ours.try_insert(k, v).map_err(|e| (e.key, e.value));
            assert_eq!(ours, expected);
        }
        Step::GetKeyValue(k) => assert_eq!(
            ours.get_key_value(&k),
            std.get_key_value(&k).map(|(k, v)| (*k, *v))
        ),
        Step::InsertAll(ref pairs) => {
            ours.insert_all(pairs.iter().copied());
            std.extend(pairs.iter().copied());
        }
        Step::RemoveIf(k, low) => {
            let expected = match std.get(&k) {
                Some(&v) if v % 2 == low % 2 => Ok(std.remove(&k).unwrap()),
                Some(_) => Err(NotRemoved::Refused),
                None => Err(NotRemoved::Absent),
            };
            assert_eq!(ours.remove_if(&k, |_, v| v % 2 == low % 2), expected);
        }
        Step::Update(k, d) => {
            let expected = std.get_mut(&k).map(|v| {
                *v = v.wrapping_add(d);
                *v
            });
            let got = ours.update(&k, |v| {
                *v = v.wrapping_add(d);
                *v
            });
            assert_eq!(got, expected);
        }
        Step::Compute(k, op, v) => {
            let decide = |present: Option<&i32>| match (op, present) {
                (0, _) => Op::Keep,
                (1, Some(p)) => Op::Set(p.wrapping_add(v)),
                (1, None) => Op::Set(v),
                _ => Op::Remove,
            };
            let expected = match decide(std.get(&k)) {
                Op::Keep => None,
                Op::Set(new) => std.insert(k, new),
                Op::Remove => std.remove(&k),
            };
            assert_eq!(ours.compute(k, decide), expected);
        }
        Step::GetOrInsertWith(k, v) => {
            let expected = *std.entry(k).or_insert(v);
            assert_eq!(ours.get_or_insert_with(k, || v), expected);
        }
        Step::Upsert(k, v) => {
            let inserted = !std.contains_key(&k);
            std.entry(k)
                .and_modify(|p| *p = p.wrapping_add(v))
                .or_insert(v);
            assert_eq!(ours.upsert(k, || v, |p| *p = p.wrapping_add(v)), inserted);
        }
        Step::RetainEven => {
            std.retain(|_, v| *v % 2 == 0);
            ours.retain(|_, v| *v % 2 == 0);
        }
        Step::Len => assert_eq!(ours.len(), std.len()),
        Step::Clear => {
            std.clear();
            ours.clear();
        }
    }
}

proptest! {
    #[test]
    fn map_matches_std_hashmap(shards in 0_usize..5, steps in prop::collection::vec(step(), 0..120)) {
        let ours = ConcurrentMap::with_shards(shards);
        let mut std = HashMap::new();
        for step in &steps {
            check(step, &ours, &mut std);
        }
        let mut entries = ours.entries();
        entries.sort_unstable();
        let mut expected: Vec<_> = std.into_iter().collect();
        expected.sort_unstable();
        prop_assert_eq!(entries, expected);
    }

    #[test]
    fn set_matches_std_hashset(ops in prop::collection::vec((any::<bool>(), 0_u8..16), 0..80)) {
        let ours = ConcurrentSet::with_shards(2);
        let mut std = std::collections::HashSet::new();
        for (insert, value) in ops {
            if insert {
                prop_assert_eq!(ours.insert(value), std.insert(value));
            } else {
                prop_assert_eq!(ours.remove(&value), std.remove(&value));
            }
            prop_assert_eq!(ours.contains(&value), std.contains(&value));
        }
        prop_assert_eq!(ours.len(), std.len());
    }
}
