//! Black-box tests of `Mutex`: locking, timeouts, mapping, statics, contention events.

use std::sync::Barrier;
use std::time::Duration;

use selvedge_locks::{Mutex, MutexGuard, set_contention_threshold};
use selvedge_trace::{events, targets, testing};

#[test]
fn lock_gives_exclusive_access_across_threads() {
    let counter = Mutex::new(0_u64);
    std::thread::scope(|s| {
        for _ in 0..4 {
            s.spawn(|| {
                for _ in 0..1_000 {
                    *counter.lock() += 1;
                }
            });
        }
    });
    assert_eq!(counter.into_inner(), 4_000);
}

#[test]
fn try_lock_fails_while_held_and_succeeds_after() {
    let m = Mutex::new(1);
    let g = m.lock();
    assert!(m.is_locked());
    std::thread::scope(|s| {
        s.spawn(|| assert!(m.try_lock().is_none()));
    });
    drop(g);
    assert!(m.try_lock().is_some());
}

#[test]
fn try_lock_for_times_out_naming_the_lock_and_the_wait() {
    let m = Mutex::named("accounts", ());
    let _held = m.lock();
    let err = std::thread::scope(|s| {
        s.spawn(|| m.try_lock_for(Duration::from_millis(20)).unwrap_err())
            .join()
            .unwrap()
    });
    assert_eq!(err.name(), "accounts");
    assert!(err.waited() >= Duration::from_millis(20));
    assert!(err.location().file().ends_with("mutex.rs"));
    let text = err.to_string();
    assert!(
        text.contains("accounts") && text.contains("timed out"),
        "{text}"
    );
}

#[test]
fn try_lock_for_succeeds_when_released_in_time() {
    let m = Mutex::new(0);
    let start = Barrier::new(2);
    std::thread::scope(|s| {
        let g = m.lock();
        s.spawn(|| {
            start.wait();
            *m.try_lock_for(Duration::from_secs(10)).unwrap() += 1;
        });
        start.wait();
        drop(g);
    });
    assert_eq!(*m.lock(), 1);
}

#[test]
fn huge_timeouts_do_not_overflow() {
    let m = Mutex::new(());
    assert!(m.try_lock_for(Duration::MAX).is_ok());
}

#[test]
fn statics_and_names() {
    static NAMED: Mutex<Vec<u8>> = Mutex::named("static", Vec::new());
    NAMED.lock().push(1);
    assert_eq!(NAMED.name(), "static");
    assert_eq!(*NAMED.lock(), [1]);
    assert_eq!(Mutex::new(()).name(), "unnamed");
}

#[test]
fn map_and_try_map_keep_the_lock() {
    let m = Mutex::new((1, vec![2]));
    let mut second = MutexGuard::map(m.lock(), |pair| &mut pair.1);
    second.push(3);
    assert!(m.try_lock().is_none());
    drop(second);
    let back = MutexGuard::try_map(m.lock(), |pair| pair.1.get_mut(9)).unwrap_err();
    assert_eq!(back.0, 1);
}

#[test]
fn get_mut_into_inner_default_debug() {
    let mut m: Mutex<u8> = Mutex::default();
    *m.get_mut() = 4;
    assert_eq!(format!("{m:?}"), "Mutex { name: \"unnamed\", data: 4 }");
    let g = m.lock();
    assert_eq!(
        format!("{m:?}"),
        "Mutex { name: \"unnamed\", data: <locked> }"
    );
    drop(g);
    assert_eq!(m.into_inner(), 4);
}

#[test]
fn a_contended_lock_emits_lock_contended_with_name_location_and_wait() {
    set_contention_threshold(Duration::ZERO);
    let m = Mutex::named("hot", 0);
    let started = Barrier::new(2);
    // `capture_all`'s process-wide subscriber: a scoped one loses this event now and then when
    // other tests in the process register and drop their own scoped subscribers meanwhile
    // (tracing recomputes the call site's interest without it).
    let ((), captured) = testing::capture_all(|| {
        std::thread::scope(|s| {
            s.spawn(|| {
                let held = m.lock();
                started.wait();
                std::thread::sleep(Duration::from_millis(20));
                drop(held);
            });
            started.wait();
            *m.lock() += 1; // contended: the other thread holds it for 20 ms
        });
    });
    let event = captured
        .iter()
        .find(|e| e.name == events::LOCK_CONTENDED && e.field("name") == Some("hot"))
        .expect("a lock.contended event");
    assert_eq!(event.target, targets::LOCKS);
    assert_eq!(event.field("name"), Some("hot"));
    assert!(
        event
            .field("location")
            .unwrap()
            .contains("tests/it/mutex.rs")
    );
    let wait_ns: u64 = event.field("wait_ns").unwrap().parse().unwrap();
    assert!(wait_ns >= 1_000_000, "waited {wait_ns} ns");
}

#[test]
fn an_uncontended_lock_emits_nothing() {
    let m = Mutex::named("cold", 0);
    let ((), captured) = testing::capture(|| *m.lock() += 1);
    assert!(captured.is_empty(), "{captured:?}");
}
