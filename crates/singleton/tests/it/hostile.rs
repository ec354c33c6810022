//! Hostile use of the singletons: initialisers, `Drop`, `Debug` and key `Hash` that panic or
//! call back into the same global. Nothing may deadlock, and a key's instance is never built
//! twice while the map still holds the first.

use std::cell::Cell;
use std::hash::{Hash, Hasher};
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::Arc;
use std::time::Duration;

use selvedge_singleton::{Global, GlobalMap, LazyGlobal};

/// Runs `f` on a fresh thread; fails the test if it has not finished in ten seconds.
fn finishes<R: Send + 'static>(f: impl FnOnce() -> R + Send + 'static) -> std::thread::Result<R> {
    let (done, finished) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let _ = done.send(catch_unwind(AssertUnwindSafe(f)));
    });
    finished
        .recv_timeout(Duration::from_secs(10))
        .expect("deadlocked")
}

std::thread_local! {
    static POISON: Cell<Option<u32>> = const { Cell::new(None) };
}

/// A key whose `Hash` panics for the key numbered [`POISON`] while that is set.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Key(u32);

impl Hash for Key {
    fn hash<H: Hasher>(&self, state: &mut H) {
        assert!(POISON.with(Cell::get) != Some(self.0), "Hash panics");
        self.0.hash(state);
    }
}

#[test]
fn a_key_whose_hash_panics_during_growth_never_costs_another_key_its_instance() {
    for poison in 20..28 {
        let map: GlobalMap<Key, u32> = GlobalMap::new();
        let mut first = Vec::new();
        for i in 0..28 {
            first.push((i, map.get_or_init(Key(i), || i)));
        }
        let removed: Vec<u32> = (0..28).filter(|&i| i != poison).take(20).collect();
        for i in &removed {
            map.remove(&Key(*i));
        }
        POISON.with(|p| p.set(Some(poison)));
        for i in 100..140 {
            let _ = catch_unwind(AssertUnwindSafe(|| map.get_or_init(Key(i), || i)));
        }
        POISON.with(|p| p.set(None));
        // Every key still in the map has its first instance: asking again builds nothing.
        for (i, instance) in first.iter().filter(|(i, _)| !removed.contains(i)) {
            let again = map.get_or_init(Key(*i), || panic!("built key {i} a second time"));
            assert!(Arc::ptr_eq(instance, &again), "poison {poison}, key {i}");
        }
        assert_eq!(map.len(), map.keys().len());
    }
}

/// An instance whose `Debug` reads the map it lives in.
struct Chatty(&'static GlobalMap<u32, Chatty>);

impl std::fmt::Debug for Chatty {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "one of {}", self.0.len())
    }
}

#[test]
fn debug_of_an_instance_that_reads_its_own_map_does_not_deadlock() {
    static CHATTY: GlobalMap<u32, Chatty> = GlobalMap::new();
    CHATTY.get_or_init(1, || Chatty(&CHATTY));
    let text = finishes(|| format!("{CHATTY:?}")).unwrap();
    assert_eq!(text, "{1: one of 1}");
}

#[test]
fn a_panicking_initialiser_is_retried_everywhere() {
    let global: Global<u32> = Global::new();
    assert!(catch_unwind(AssertUnwindSafe(|| global.get_or_init(|| panic!("init")))).is_err());
    assert_eq!(*global.get_or_init(|| 2), 2);

    static LAZY: LazyGlobal<u32> = LazyGlobal::new(|| {
        static TRIES: std::sync::atomic::AtomicU32 = std::sync::atomic::AtomicU32::new(0);
        assert!(
            TRIES.fetch_add(1, std::sync::atomic::Ordering::SeqCst) > 0,
            "first try"
        );
        7
    });
    assert!(catch_unwind(AssertUnwindSafe(|| LAZY.get())).is_err());
    assert_eq!(*LAZY.get(), 7);

    let map: GlobalMap<u8, u8> = GlobalMap::new();
    assert!(catch_unwind(AssertUnwindSafe(|| map.get_or_init(1, || panic!("init")))).is_err());
    assert!(map.is_empty());
    assert_eq!(*map.get_or_init(1, || 3), 3);
}

/// An error whose `Debug` panics: the initialiser's failure is reported with it.
struct Rude;

impl std::fmt::Debug for Rude {
    fn fmt(&self, _: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        panic!("Debug panics")
    }
}

#[test]
fn an_error_whose_debug_panics_leaves_the_global_usable() {
    let global: Global<u8> = Global::new();
    let _ = catch_unwind(AssertUnwindSafe(|| global.get_or_try_init(|| Err(Rude))));
    assert!(!global.is_initialized());
    assert_eq!(finishes(move || *global.get_or_init(|| 1)).unwrap(), 1);
}

struct Bomb;

impl Drop for Bomb {
    fn drop(&mut self) {
        if !std::thread::panicking() {
            panic!("Drop panics");
        }
    }
}

#[test]
fn an_instance_whose_drop_panics_is_dropped_by_its_last_holder_only() {
    let global: Global<Bomb> = Global::new();
    global.get_or_init(|| Bomb);
    // The old instance comes back to the caller; its drop panics there, not inside the global.
    let old = global.replace(Bomb).unwrap();
    assert!(catch_unwind(AssertUnwindSafe(move || drop(old))).is_err());
    let old = global.reset().unwrap();
    assert!(catch_unwind(AssertUnwindSafe(move || drop(old))).is_err());
    assert!(!global.is_initialized());
    let again = global.get_or_init(|| Bomb);
    std::mem::forget(again);
    std::mem::forget(global);
}

#[test]
fn closures_that_use_their_own_global_inside_with_are_fine() {
    let global: Global<u8> = Global::new();
    global.get_or_init(|| 1);
    assert_eq!(global.with(|v| *v + *global.get_or_init(|| 9)), Some(2));
    assert!(catch_unwind(AssertUnwindSafe(|| global.with(|_| panic!("f")))).is_err());
    assert_eq!(global.with(|v| *v), Some(1));
}
