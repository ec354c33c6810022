//! Loom models of `GlobalMap`: single flight per key, keys that never wait for each other, and
//! `remove` racing an initialisation.
//!
//! Run exhaustively with
//! `RUSTFLAGS="--cfg selvedge_loom" LOOM_MAX_PREEMPTIONS=2 CARGO_TARGET_DIR=target/loom
//! cargo test --release -p selvedge-singleton --test loom global_map::`.

use selvedge_locks::sync::Arc;
use selvedge_locks::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use selvedge_singleton::GlobalMap;
use selvedge_testkit::{model, thread};

#[test]
fn racing_callers_of_one_key_run_one_initialiser() {
    model(|| {
        let map = Arc::new(GlobalMap::new());
        let inits = Arc::new(AtomicUsize::new(0));
        let racer = {
            let (map, inits) = (map.clone(), inits.clone());
            thread::spawn(move || map.get_or_init("pnet", || inits.fetch_add(1, Ordering::SeqCst)))
        };
        let mine = map.get_or_init("pnet", || inits.fetch_add(1, Ordering::SeqCst));
        let theirs = racer.join().unwrap();
        assert!(Arc::ptr_eq(&mine, &theirs));
        assert_eq!(inits.load(Ordering::SeqCst), 1);
        assert_eq!(map.len(), 1);
    });
}

#[test]
fn a_slow_key_never_blocks_another_key() {
    model(|| {
        let map = Arc::new(GlobalMap::new());
        let other_done = Arc::new(AtomicBool::new(false));
        // The initialiser of key 1 finishes only after key 2 was initialised elsewhere: if the
        // map's lock were held across an initialiser, this would deadlock (loom reports it).
        let slow = {
            let (map, other_done) = (map.clone(), other_done.clone());
            thread::spawn(move || {
                map.get_or_init(1, || {
                    while !other_done.load(Ordering::SeqCst) {
                        thread::yield_now();
                    }
                    "one"
                })
            })
        };
        assert_eq!(*map.get_or_init(2, || "two"), "two");
        other_done.store(true, Ordering::SeqCst);
        assert_eq!(*slow.join().unwrap(), "one");
        assert_eq!(map.len(), 2);
    });
}

#[test]
fn remove_racing_get_or_init() {
    model(|| {
        let map = Arc::new(GlobalMap::new());
        let remover = {
            let map = map.clone();
            thread::spawn(move || map.remove(&7))
        };
        let got = map.get_or_init(7, || "session");
        let removed = remover.join().unwrap();
        match (removed, map.get(&7)) {
            (Some(removed), None) => assert!(Arc::ptr_eq(&removed, &got)),
            (None, Some(kept)) => assert!(Arc::ptr_eq(&kept, &got)),
            // Removed while its initialiser ran: the instance went to its caller only.
            (None, None) => {}
            (Some(_), Some(_)) => panic!("one instance was both removed and kept"),
        }
        // Whatever happened, the key is usable again.
        let again = map.get_or_init(7, || "again");
        assert!(*again == "session" || *again == "again");
    });
}

#[test]
fn remove_sends_waiting_callers_to_a_fresh_slot() {
    model(|| {
        let map = Arc::new(GlobalMap::new());
        let started = Arc::new(AtomicBool::new(false));
        let removed = Arc::new(AtomicBool::new(false));
        let slow_done = Arc::new(AtomicBool::new(false));
        let slow = {
            let (map, started, removed, done) = (
                map.clone(),
                started.clone(),
                removed.clone(),
                slow_done.clone(),
            );
            thread::spawn(move || {
                let value = map.get_or_init(7, || {
                    started.store(true, Ordering::SeqCst);
                    while !removed.load(Ordering::SeqCst) {
                        thread::yield_now();
                    }
                    "stale"
                });
                done.store(true, Ordering::SeqCst);
                value
            })
        };
        let waiter = {
            let map = map.clone();
            thread::spawn(move || map.get_or_init(7, || "fresh"))
        };
        while !started.load(Ordering::SeqCst) && !slow_done.load(Ordering::SeqCst) {
            thread::yield_now();
        }
        map.remove(&7);
        removed.store(true, Ordering::SeqCst);
        let from_slow = slow.join().unwrap();
        let from_waiter = waiter.join().unwrap();
        if started.load(Ordering::SeqCst) {
            assert_eq!(*from_slow, "stale");
            assert_eq!(*from_waiter, "fresh");
            assert_eq!(map.get(&7).as_deref(), Some(&"fresh"));
        } else {
            assert!(Arc::ptr_eq(&from_slow, &from_waiter));
        }
    });
}
