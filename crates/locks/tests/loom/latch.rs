//! Loom model of `Latch`: reaching zero wakes every waiter.

use selvedge_locks::Latch;
use selvedge_locks::sync::Arc;
use selvedge_testkit::{model, thread};

#[test]
fn latch_wakes_every_waiter_at_zero() {
    model(|| {
        let latch = Arc::new(Latch::new(2));
        let waiter = {
            let latch = latch.clone();
            thread::spawn(move || latch.wait())
        };
        let counter = {
            let latch = latch.clone();
            thread::spawn(move || latch.count_down())
        };
        latch.count_down();
        latch.wait();
        waiter.join().unwrap();
        counter.join().unwrap();
        assert_eq!(latch.count(), 0);
    });
}
