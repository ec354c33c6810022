//! Loom model of `ReentrantMutex`: nested guards count, and another thread waits for the last.

use std::cell::Cell;

use selvedge_locks::ReentrantMutex;
use selvedge_locks::sync::Arc;
use selvedge_testkit::{model, thread};

#[test]
fn reentrant_mutex_counts_nested_guards() {
    model(|| {
        let m = Arc::new(ReentrantMutex::new(Cell::new(0)));
        let other = {
            let m = m.clone();
            thread::spawn(move || {
                let g = m.lock();
                // Between two of our own guards nobody else may enter.
                let before = g.get();
                let inner = m.lock();
                inner.set(before + 1);
                drop(inner);
                assert_eq!(g.get(), before + 1);
            })
        };
        {
            let outer = m.lock();
            let inner = m.lock();
            let before = inner.get();
            drop(inner);
            outer.set(before + 1);
        }
        other.join().unwrap();
        assert_eq!(m.lock().get(), 2);
    });
}
