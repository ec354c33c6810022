//! Black-box tests of `Event`: set wakes every waiter, clear re-arms, timeouts.

use std::time::Duration;

use selvedge_locks::Event;

#[test]
fn set_wakes_every_waiter_and_clear_rearms() {
    let event = Event::new();
    std::thread::scope(|s| {
        let waiters: Vec<_> = (0..4).map(|_| s.spawn(|| event.wait())).collect();
        std::thread::sleep(Duration::from_millis(5));
        event.set();
        for w in waiters {
            w.join().unwrap();
        }
    });
    assert!(event.is_set());
    event.clear();
    assert!(!event.is_set());
    let err = event.wait_timeout(Duration::from_millis(5)).unwrap_err();
    assert_eq!(err.what(), "event to be set");
}

#[test]
fn wait_timeout_returns_ok_when_set_in_time() {
    let event = Event::default();
    std::thread::scope(|s| {
        s.spawn(|| {
            std::thread::sleep(Duration::from_millis(5));
            event.set();
        });
        assert!(event.wait_timeout(Duration::from_secs(10)).is_ok());
    });
}

/// Blocks until `n` threads wait on `event`.
fn until_waiting(event: &Event, n: usize) {
    while event.waiters() < n {
        std::thread::yield_now();
    }
}

#[test]
fn set_then_clear_at_once_still_releases_every_waiter() {
    // Python's `Event`: every thread waiting when `set()` is called returns true, even if
    // `clear()` follows before it runs again.
    let event = Event::new();
    std::thread::scope(|s| {
        let waiters: Vec<_> = (0..4)
            .map(|_| s.spawn(|| event.wait_timeout(Duration::from_secs(10))))
            .collect();
        until_waiting(&event, 4);
        event.set();
        event.clear();
        for w in waiters {
            assert!(w.join().unwrap().is_ok(), "a waiter missed the set");
        }
    });
    assert!(!event.is_set());
    assert_eq!(event.waiters(), 0);
}

#[test]
fn stress_pulses_release_exactly_the_waiters_of_each_round() {
    // Many rounds of: waiters arrive, one set-clear pulse, all of them return; a waiter that
    // arrives after the pulse waits for the next one.
    let event = Event::new();
    for _ in 0..200 {
        std::thread::scope(|s| {
            let waiters: Vec<_> = (0..3)
                .map(|_| s.spawn(|| event.wait_timeout(Duration::from_secs(10))))
                .collect();
            until_waiting(&event, 3);
            event.set();
            event.clear();
            for w in waiters {
                assert!(w.join().unwrap().is_ok());
            }
        });
        assert_eq!(event.waiters(), 0);
    }
    // After the last pulse the flag is clear: a new waiter times out.
    assert!(event.wait_timeout(Duration::ZERO).is_err());
}

#[test]
fn zero_and_unbounded_timeouts() {
    let event = Event::new();
    assert!(event.wait_timeout(Duration::ZERO).is_err());
    event.set();
    assert!(event.wait_timeout(Duration::ZERO).is_ok());
    assert!(event.wait_timeout(Duration::MAX).is_ok());
    event.clear();
    std::thread::scope(|s| {
        let waiter = s.spawn(|| event.wait_timeout(Duration::MAX));
        until_waiting(&event, 1);
        event.set();
        assert!(waiter.join().unwrap().is_ok());
    });
}
