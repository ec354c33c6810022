//! Black-box tests of `Condvar` with `Mutex`.

use std::time::{Duration, Instant};

use selvedge_locks::{Condvar, Mutex};

#[test]
fn notify_all_wakes_every_waiter() {
    let state = (Mutex::new((false, 0_u32)), Condvar::new());
    std::thread::scope(|s| {
        for _ in 0..3 {
            s.spawn(|| {
                let mut g = state.0.lock();
                state.1.wait_while(&mut g, |(go, _)| !*go);
                g.1 += 1;
            });
        }
        std::thread::sleep(Duration::from_millis(10));
        state.0.lock().0 = true;
        state.1.notify_all();
    });
    assert_eq!(state.0.lock().1, 3);
}

#[test]
fn timed_waits_time_out() {
    let (m, cv) = (Mutex::new(()), Condvar::new());
    let mut g = m.lock();
    assert!(cv.wait_for(&mut g, Duration::from_millis(5)).timed_out());
    let deadline = Instant::now() + Duration::from_millis(5);
    assert!(cv.wait_until(&mut g, deadline).timed_out());
    assert!(Instant::now() >= deadline);
}

#[test]
fn timed_predicate_wait_returns_satisfied_when_notified() {
    let state = (Mutex::new(0_u32), Condvar::new());
    std::thread::scope(|s| {
        s.spawn(|| {
            std::thread::sleep(Duration::from_millis(5));
            *state.0.lock() = 3;
            state.1.notify_all();
        });
        let mut n = state.0.lock();
        let result = state
            .1
            .wait_while_for(&mut n, |n| *n < 3, Duration::from_secs(30));
        assert!(!result.timed_out());
        assert_eq!(*n, 3);
    });
}

#[test]
fn timed_predicate_wait_does_not_wait_when_already_satisfied() {
    let (m, cv) = (Mutex::new(true), Condvar::new());
    let mut g = m.lock();
    let mut checks = 0;
    let past = Instant::now();
    let result = cv.wait_while_until(
        &mut g,
        |ready| {
            checks += 1;
            !*ready
        },
        past,
    );
    assert!(!result.timed_out());
    assert_eq!(checks, 1);
}

/// Wake-ups that do not satisfy the condition (here, notifications while it still holds, which a
/// waiter cannot tell from spurious ones) neither end the wait nor extend it.
#[test]
fn timed_predicate_wait_survives_wakeups_that_do_not_satisfy_it() {
    let state = (Mutex::new(false), Condvar::new());
    let timeout = Duration::from_millis(100);
    let stop = std::sync::atomic::AtomicBool::new(false);
    let (result, checks, waited) = std::thread::scope(|s| {
        s.spawn(|| {
            while !stop.load(std::sync::atomic::Ordering::Relaxed) {
                state.1.notify_all();
                std::thread::sleep(Duration::from_millis(1));
            }
        });
        let mut g = state.0.lock();
        let mut checks = 0_u32;
        let start = Instant::now();
        let result = state.1.wait_while_for(
            &mut g,
            |ready| {
                checks += 1;
                !*ready
            },
            timeout,
        );
        let waited = start.elapsed();
        stop.store(true, std::sync::atomic::Ordering::Relaxed);
        (result, checks, waited)
    });
    assert!(result.timed_out());
    assert!(waited >= timeout, "gave up early: {waited:?}");
    // Generous: a wait extended by each wake-up would take about 100 x the timeout.
    assert!(
        waited < timeout * 20,
        "each wake-up extended the wait: {waited:?}"
    );
    assert!(
        checks > 2,
        "the wake-ups were never re-checked ({checks} checks)"
    );
}

/// The condition became true without a notification: the check at the deadline has the last
/// word, as in std's `wait_timeout_while` and Python's `wait_for`.
#[test]
fn timed_predicate_wait_rechecks_the_condition_at_the_deadline() {
    let (m, cv) = (Mutex::new(false), Condvar::new());
    let mut g = m.lock();
    let mut checks = 0;
    let result = cv.wait_while_for(
        &mut g,
        |ready| {
            checks += 1;
            // Met only by the time the wait times out (no one notifies).
            let waiting = !*ready;
            *ready = true;
            waiting
        },
        Duration::from_millis(5),
    );
    assert!(!result.timed_out());
    assert_eq!(checks, 2);
}

#[test]
fn timed_predicate_wait_with_an_unrepresentable_timeout_waits_without_limit() {
    let state = (Mutex::new(false), Condvar::new());
    std::thread::scope(|s| {
        s.spawn(|| {
            std::thread::sleep(Duration::from_millis(5));
            *state.0.lock() = true;
            state.1.notify_one();
        });
        let mut g = state.0.lock();
        assert!(
            !state
                .1
                .wait_while_for(&mut g, |r| !*r, Duration::MAX)
                .timed_out()
        );
        assert!(*g);
    });
}
