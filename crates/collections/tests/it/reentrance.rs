//! Re-entrant use of a map from inside its own closure panics with a message naming the
//! problem, and emits `collections.reentrant_use`, instead of deadlocking.

use std::panic::{AssertUnwindSafe, catch_unwind};

use selvedge_collections::{ConcurrentMap, ConcurrentSet, Op};
use selvedge_trace::{events, targets, testing};

fn panic_message(payload: Box<dyn std::any::Any + Send>) -> String {
    selvedge_trace::panic_text(&*payload).to_owned()
}

#[test]
fn update_that_inserts_into_the_same_map_panics_with_an_event() {
    // One shard: the insert of key 2 needs the very lock the update of key 1 holds.
    let map = ConcurrentMap::with_shards(1);
    map.insert(1, 1);
    let (result, captured) = testing::capture(|| {
        catch_unwind(AssertUnwindSafe(|| {
            map.update(&1, |v| {
                map.insert(2, *v);
            })
        }))
    });
    let message = panic_message(result.expect_err("re-entrance must panic"));
    assert!(message.contains("re-entrant use"), "{message}");
    assert!(message.contains("insert"), "{message}");
    let event = captured
        .iter()
        .find(|e| e.name == events::COLLECTIONS_REENTRANT_USE)
        .expect("event emitted");
    assert_eq!(event.target, targets::COLLECTIONS);
    assert!(
        event
            .field("location")
            .is_some_and(|l| l.contains("reentrance.rs"))
    );
    // The lock was released by the unwinding: the map still works.
    map.insert(2, 2);
    assert_eq!(map.get(&1), Some(1));
}

#[test]
fn the_event_names_the_users_call_site_on_closure_paths_too() {
    let map = ConcurrentMap::new();
    map.insert(1, 1);
    let (result, captured) = testing::capture(|| {
        catch_unwind(AssertUnwindSafe(|| {
            map.get_with(&1, |_| map.update(&1, |v| *v += 1));
        }))
    });
    assert!(result.is_err());
    let event = captured
        .iter()
        .find(|e| e.name == events::COLLECTIONS_REENTRANT_USE)
        .expect("event emitted");
    let location = event.field("location").unwrap_or_default();
    assert!(location.contains("reentrance.rs"), "{location}");
}

#[test]
fn every_closure_method_detects_reentrance() {
    let map = ConcurrentMap::with_shards(4);
    map.insert(1, 1);
    type Attempt<'a> = (&'static str, Box<dyn Fn() + 'a>);
    let attempts: Vec<Attempt<'_>> = vec![
        (
            "get_with",
            Box::new(|| {
                map.get_with(&1, |_| map.get_with(&1, |_| ()));
            }),
        ),
        (
            "compute",
            Box::new(|| {
                map.compute(1, |_| {
                    let _ = map.len();
                    Op::Keep
                });
            }),
        ),
        (
            "get_or_insert_with",
            Box::new(|| {
                map.get_or_insert_with(9, || map.get_with(&1, |v| *v).unwrap_or(0));
            }),
        ),
        (
            "upsert",
            Box::new(|| {
                map.upsert(1, || 0, |_| map.clear());
            }),
        ),
        (
            "remove_if",
            Box::new(|| {
                let _ = map.remove_if(&1, |_, _| map.remove(&1).is_some());
            }),
        ),
        (
            "for_each",
            Box::new(|| map.for_each(|k, _| map.update(k, |_| ()).unwrap_or(()))),
        ),
        (
            "retain",
            Box::new(|| map.retain(|k, _| map.contains_key(k))),
        ),
    ];
    for (name, attempt) in attempts {
        let result = catch_unwind(AssertUnwindSafe(attempt));
        let message = panic_message(result.expect_err(name));
        assert!(message.contains("re-entrant use"), "{name}: {message}");
    }
    assert_eq!(map.get(&1), Some(1));
}

#[test]
fn set_retain_that_removes_from_the_set_panics() {
    let set: ConcurrentSet<u32> = (0..8).collect();
    let result = catch_unwind(AssertUnwindSafe(|| set.retain(|n| set.remove(n))));
    assert!(panic_message(result.unwrap_err()).contains("re-entrant use"));
    assert_eq!(set.len(), 8);
}

#[test]
fn nested_use_of_a_different_map_is_fine() {
    let users = ConcurrentMap::new();
    let rooms = ConcurrentMap::new();
    users.insert("ann", "lobby");
    rooms.insert("lobby", 0);
    users.for_each(|_, room| {
        rooms.update(room, |n| *n += 1);
    });
    assert_eq!(rooms.get("lobby"), Some(1));
}

/// Runs `f` on a fresh thread and returns whether it panicked, failing the test if it has not
/// finished after ten seconds (a deadlock, left behind on its thread).
fn panics_within_ten_seconds(f: impl FnOnce() + Send + 'static) -> bool {
    let (done, finished) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let panicked = catch_unwind(AssertUnwindSafe(f)).is_err();
        let _ = done.send(panicked);
    });
    finished
        .recv_timeout(std::time::Duration::from_secs(10))
        .expect("deadlocked instead of panicking")
}

/// Enters `maps` one inside another's `update` closure, then runs `innermost` in the deepest.
fn nest(maps: &[ConcurrentMap<u32, u32>], innermost: &dyn Fn()) {
    match maps.split_first() {
        None => innermost(),
        Some((outer, rest)) => {
            outer.update(&0, |_| nest(rest, innermost));
        }
    }
}

fn single_shard_maps(n: usize) -> std::sync::Arc<Vec<ConcurrentMap<u32, u32>>> {
    let maps: Vec<_> = (0..n)
        .map(|_| {
            let map = ConcurrentMap::with_shards(1);
            map.insert(0, 0);
            map
        })
        .collect();
    std::sync::Arc::new(maps)
}

#[test]
fn reentrance_from_twenty_nested_maps_panics_instead_of_deadlocking() {
    // Nine maps was one past the old fixed record; twenty is well past it. The innermost
    // closure calls its own map, the outermost one, and one in the middle, through both a
    // closure method and a plain one.
    for depth in [9, 20] {
        for target in [depth - 1, 0, depth / 2] {
            for plain in [false, true] {
                let maps = single_shard_maps(depth);
                let panicked = panics_within_ten_seconds(move || {
                    nest(&maps, &|| {
                        if plain {
                            let _ = maps[target].get(&0);
                        } else {
                            maps[target].update(&0, |v| *v += 1);
                        }
                    });
                });
                assert!(panicked, "depth {depth}, map {target}, plain {plain}");
            }
        }
    }
}

#[test]
fn twenty_nested_maps_unwind_their_record() {
    let maps = single_shard_maps(20);
    nest(&maps, &|| ());
    // After the nesting returned, every map is usable again from this thread.
    for map in maps.iter() {
        assert_eq!(map.update(&0, |v| *v), Some(0));
    }
}

/// A key whose `Hash` looks up `MEDDLED` while it is armed with the key's number.
#[derive(Debug, PartialEq, Eq)]
struct Meddler(u32);

static MEDDLED: std::sync::LazyLock<ConcurrentMap<Meddler, u32>> =
    std::sync::LazyLock::new(|| ConcurrentMap::with_shards(1));

std::thread_local! {
    static MEDDLE: std::cell::Cell<Option<u32>> = const { std::cell::Cell::new(None) };
}

impl std::hash::Hash for Meddler {
    fn hash<H: std::hash::Hasher>(&self, state: &mut H) {
        if MEDDLE.with(std::cell::Cell::get) == Some(self.0) {
            MEDDLE.with(|armed| armed.set(None));
            let _ = MEDDLED.contains_key(&Meddler(u32::MAX));
        }
        self.0.hash(state);
    }
}

#[test]
fn a_hash_that_calls_the_map_while_its_shard_grows_panics_instead_of_deadlocking() {
    // Growing hashes the stored keys under the shard's write lock; the armed key's `Hash`
    // then needs that lock for its lookup.
    let panicked = panics_within_ten_seconds(|| {
        let mut n = 0;
        while n < 3 || MEDDLED.len() < MEDDLED.capacity() {
            MEDDLED.insert(Meddler(n), n);
            n += 1;
        }
        MEDDLE.with(|armed| armed.set(Some(1)));
        MEDDLED.insert(Meddler(1_000), 0);
    });
    assert!(panicked);
    // The panic unwound before any entry moved, and released the lock.
    let len = MEDDLED.len();
    assert!((0..len).all(|n| MEDDLED.get(&Meddler(u32::try_from(n).unwrap())).is_some()));
    assert_eq!(MEDDLED.get(&Meddler(1_000)), None);
    MEDDLED.insert(Meddler(1_000), 0);
    assert_eq!(MEDDLED.len(), len + 1);
}
