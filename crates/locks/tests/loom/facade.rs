//! Loom models of the facade's own types: what loom checks in them is the code around them.

use selvedge_locks::sync::atomic::{AtomicUsize, Ordering};
use selvedge_locks::sync::{Arc, ArcCell, OptionArcCell, PlainCondvar, PlainMutex};
use selvedge_testkit::{model, thread};

#[test]
fn arc_cell_readers_see_a_whole_value() {
    model(|| {
        let cell = Arc::new(ArcCell::new(Arc::new((1, 1))));
        let writer = {
            let cell = cell.clone();
            thread::spawn(move || cell.store(Arc::new((2, 2))))
        };
        let seen = cell.load_full();
        assert!(*seen == (1, 1) || *seen == (2, 2));
        writer.join().unwrap();
        assert_eq!(**cell.load(), (2, 2));
    });
}

#[test]
fn option_arc_cell_compare_and_swap_has_one_winner() {
    model(|| {
        let cell = Arc::new(OptionArcCell::new(None));
        let wins = Arc::new(AtomicUsize::new(0));
        let racers: Vec<_> = (0..2)
            .map(|i| {
                let (cell, wins) = (cell.clone(), wins.clone());
                thread::spawn(move || {
                    if cell.compare_and_swap(&None, Some(Arc::new(i))).is_none() {
                        wins.fetch_add(1, Ordering::SeqCst);
                    }
                })
            })
            .collect();
        for racer in racers {
            racer.join().unwrap();
        }
        assert_eq!(wins.load(Ordering::SeqCst), 1);
        assert!(cell.load().is_some());
    });
}

#[test]
fn condvar_wakes_a_waiter() {
    model(|| {
        let state = Arc::new((PlainMutex::new(false), PlainCondvar::new()));
        let waker = {
            let state = state.clone();
            thread::spawn(move || {
                *state.0.lock() = true;
                state.1.notify_one();
            })
        };
        let mut ready = state.0.lock();
        while !*ready {
            state.1.wait(&mut ready);
        }
        drop(ready);
        waker.join().unwrap();
    });
}
