//! Loom model of `Event`: `set` wakes every waiter (loom reports a waiter left blocked).

use selvedge_locks::Event;
use selvedge_locks::sync::Arc;
use selvedge_testkit::{model, thread};

#[test]
fn event_set_wakes_every_waiter() {
    model(|| {
        let event = Arc::new(Event::new());
        let waiters: Vec<_> = (0..2)
            .map(|_| {
                let event = event.clone();
                thread::spawn(move || event.wait())
            })
            .collect();
        event.set();
        for w in waiters {
            w.join().unwrap();
        }
        assert!(event.is_set());
    });
}

#[test]
fn set_then_clear_releases_every_thread_already_waiting() {
    model(|| {
        let event = Arc::new(Event::new());
        let waiters: Vec<_> = (0..2)
            .map(|_| {
                let event = event.clone();
                thread::spawn(move || event.wait())
            })
            .collect();
        while event.waiters() < 2 {
            thread::yield_now();
        }
        event.set();
        event.clear();
        // A waiter that missed the set would stay blocked: loom reports the deadlock.
        for w in waiters {
            w.join().unwrap();
        }
        assert!(!event.is_set());
    });
}
