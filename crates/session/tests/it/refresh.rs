//! Expiry: a session is refreshed ahead of its expiry by one caller while the others keep
//! using it, and an expired one is replaced by exactly one new login for all callers.
#![cfg(not(selvedge_loom))]

use crate::common;

use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use common::{Fake, Step};
use selvedge_session::{ErrorClass, RetryPolicy, SessionManager};

/// One call of `ensure` as a worker saw it.
struct Call {
    began: Instant,
    took: Duration,
    number: u32,
    issued_at: Instant,
    /// Whether the session was still valid when the call began: `ensure` checked it after
    /// that, so an expired one means it handed out a stale session. (Validity on return would
    /// also fail when the thread is merely descheduled after the check.)
    valid_when_called: bool,
}

/// Runs `workers` threads calling `ensure` in a loop for `run`, pausing `pause` between
/// calls, and returns every call.
fn hammer(
    manager: &SessionManager<Fake>,
    workers: usize,
    run: Duration,
    pause: Duration,
) -> Vec<Call> {
    let stop = AtomicBool::new(false);
    std::thread::scope(|s| {
        let threads: Vec<_> = (0..workers)
            .map(|_| {
                s.spawn(|| {
                    let mut calls = Vec::new();
                    while !stop.load(Ordering::Relaxed) {
                        let began = Instant::now();
                        let session = manager.ensure().expect("the fake never fails");
                        calls.push(Call {
                            began,
                            took: began.elapsed(),
                            number: session.number,
                            issued_at: session.issued_at,
                            valid_when_called: session.valid_at(began),
                        });
                        std::thread::sleep(pause);
                    }
                    calls
                })
            })
            .collect();
        std::thread::sleep(run);
        stop.store(true, Ordering::Relaxed);
        threads
            .into_iter()
            .flat_map(|t| t.join().unwrap())
            .collect()
    })
}

/// AWS's identity cache behaviour, checked: with a 800 ms token, a 400 ms buffer and a 200 ms
/// login, the session is refreshed ahead every ~400 ms by one caller; nobody else ever waits,
/// and every call gets a session that is still valid.
#[test]
fn refresh_ahead_with_nobody_stalled() {
    let latency = Duration::from_millis(200);
    let fake = Fake::new().ttl(Duration::from_millis(800)).latency(latency);
    let manager = SessionManager::builder(fake)
        .name("refresh")
        .refresh_buffer(Duration::from_millis(400))
        .refresh_jitter(Duration::ZERO)
        .build()
        .unwrap();
    manager.ensure().unwrap();

    let calls = hammer(
        &manager,
        6,
        Duration::from_millis(1_500),
        Duration::from_millis(1),
    );
    let stats = manager.stats();
    assert!(stats.refreshes >= 2, "{stats}");
    assert_eq!(stats.logins, 1 + stats.refreshes, "{stats}");
    assert_eq!(stats.waits, 0, "nobody waited for a refresh: {stats}");
    assert!(
        calls.iter().all(|c| c.valid_when_called),
        "a call got an expired session"
    );
    // The slow calls are the refreshing ones, each of which got its own new session. A caller
    // that stalled behind a refresh would be slow without a new session, and each refresh would
    // stall all five other workers; a descheduled thread on a loaded machine may be slow once
    // or twice, so the bound is "fewer than one per refresh".
    let slow = |c: &&Call| c.took >= latency * 3 / 4;
    let refreshing = calls
        .iter()
        .filter(slow)
        .filter(|c| c.issued_at >= c.began)
        .count();
    let stalled = calls
        .iter()
        .filter(slow)
        .filter(|c| c.issued_at < c.began)
        .count();
    assert_eq!(refreshing as u64, stats.refreshes, "{stats}");
    assert!(
        (stalled as u64) < stats.refreshes,
        "{stalled} callers stalled: {stats}"
    );
}

/// Without refresh-ahead, a session that expires mid-run is replaced by exactly one new login
/// for all eight workers, who wait for it.
#[test]
fn expiry_mid_run_recovered_with_exactly_one_new_login() {
    let fake = Fake::new()
        .ttl(Duration::from_millis(400))
        .latency(Duration::from_millis(50));
    let manager = SessionManager::builder(fake)
        .name("expiry")
        .refresh_buffer(Duration::ZERO)
        .refresh_jitter(Duration::ZERO)
        .build()
        .unwrap();
    let first = manager.ensure().unwrap();
    // Runs past the first expiry (300 ms) and ends well before the second (~650 ms).
    let calls = hammer(
        &manager,
        8,
        Duration::from_millis(480),
        Duration::from_millis(1),
    );
    assert!(
        calls.iter().all(|c| c.valid_when_called),
        "a call got an expired session"
    );
    assert!(
        calls.iter().any(|c| c.number == 2),
        "the run never crossed the expiry"
    );
    assert!(calls.iter().all(|c| c.number <= 2));
    let stats = manager.stats();
    assert_eq!(stats.logins, 2, "{stats}");
    assert_eq!(stats.refreshes, 0, "{stats}");
    assert_eq!(manager.authenticator().calls(), 2);
    assert!(
        stats.waits >= 1,
        "the other workers waited for the new login: {stats}"
    );
    assert_eq!(first.number, 1);
}

/// A refresh that fails leaves the live session in use (the refreshing caller gets it too),
/// and the refresh is tried again later, not on every call.
#[test]
fn failed_refresh_keeps_the_live_session_and_backs_off() {
    let fake = Fake::new().ttl(Duration::from_millis(600));
    let manager = SessionManager::builder(fake)
        .refresh_buffer(Duration::from_millis(400))
        .refresh_jitter(Duration::ZERO)
        .retry(RetryPolicy::none())
        .build()
        .unwrap();
    let first = manager.ensure().unwrap();
    manager
        .authenticator()
        .then(&[Step::Fail(ErrorClass::Permanent)]);
    // The refresh point is 300 ms in (half of the lifetime: the buffer is longer than that).
    std::thread::sleep(Duration::from_millis(320));
    let during = manager
        .ensure()
        .expect("a failed refresh still hands out the live session");
    assert_eq!(during.number, first.number);
    for _ in 0..100 {
        assert_eq!(manager.ensure().unwrap().number, first.number);
    }
    assert_eq!(
        manager.authenticator().calls(),
        2,
        "no refresh storm after a failure"
    );
    assert_eq!(manager.stats().failures, 1);
    // A quarter of the remaining ~280 ms later, the next refresh succeeds.
    std::thread::sleep(Duration::from_millis(120));
    let refreshed = manager.ensure().unwrap();
    assert_eq!(refreshed.number, 2);
    assert_eq!(manager.stats().refreshes, 1);
}

/// Twenty managers with staggered lifetimes and jittered refresh points: each is refreshed
/// ahead of its expiry, and no call is ever handed an expired session.
#[test]
fn many_managers_each_refresh_ahead() {
    let managers: Vec<_> = (0..20_u64)
        .map(|i| {
            let ttl = Duration::from_millis(120 + 10 * i);
            SessionManager::builder(Fake::new().ttl(ttl))
                .refresh_buffer(ttl / 2)
                .refresh_jitter(ttl / 4)
                .build()
                .unwrap()
        })
        .collect();
    let began = Instant::now();
    while began.elapsed() < Duration::from_millis(700) {
        for manager in &managers {
            let session = manager.ensure().unwrap();
            assert!(
                session.valid_at(Instant::now()),
                "an expired session was handed out"
            );
        }
        std::thread::sleep(Duration::from_millis(2));
    }
    for manager in &managers {
        let stats = manager.stats();
        assert!(stats.refreshes >= 1, "{stats}");
        assert_eq!(stats.waits, 0, "{stats}");
    }
}
