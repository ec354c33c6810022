//! Single flight: however many threads call `ensure` without a session, one login runs and all
//! of them share its outcome: its session, its error (one `Arc` for all), or, if it panics, a
//! fresh login by one of the waiters.
#![cfg(not(selvedge_loom))]

use crate::common;

use std::sync::Barrier;
use std::time::Duration;

use common::{Fake, Step, quiet_deliberate_panics};
use selvedge_locks::sync::Arc;
use selvedge_session::{ErrorClass, RetryPolicy, SessionError, SessionManager};

/// Runs `threads` callers of `ensure` released together, and returns what each got.
fn race<T: Send>(threads: usize, call: impl Fn() -> T + Sync) -> Vec<T> {
    let barrier = Barrier::new(threads);
    std::thread::scope(|s| {
        let workers: Vec<_> = (0..threads)
            .map(|_| {
                s.spawn(|| {
                    barrier.wait();
                    call()
                })
            })
            .collect();
        workers.into_iter().map(|w| w.join().unwrap()).collect()
    })
}

/// google-cloud-auth's test, at the same scale: 1,000 concurrent callers, one login.
#[test]
fn thousand_concurrent_ensures_make_exactly_one_login() {
    let manager = SessionManager::builder(Fake::new().latency(Duration::from_millis(50)))
        .name("thousand")
        .build()
        .unwrap();
    let sessions = race(1_000, || manager.ensure().expect("the fake logs in"));
    assert!(sessions.iter().all(|s| Arc::ptr_eq(s, &sessions[0])));
    assert_eq!(manager.authenticator().calls(), 1);
    let stats = manager.stats();
    assert_eq!(stats.logins, 1);
    assert_eq!(stats.failures, 0);
    assert_eq!(stats.timeouts, 0);
    assert!(stats.waits <= 999, "{stats}");
}

/// A permanent error (a wrong password) ends the flight at once, and every caller that waited
/// for it gets that error: the same `Arc`, from one authenticator call.
#[test]
fn permanent_failure_reaches_every_waiter_once() {
    // Long enough that all sixteen threads arrive while the flight runs, even on a loaded
    // machine; one that came after the failure would log in on its own (nothing is cached).
    let fake = Fake::new()
        .latency(Duration::from_millis(400))
        .script(&[Step::Fail(ErrorClass::Permanent)]);
    let manager = SessionManager::builder(fake)
        .retry(RetryPolicy::default().max_attempts(5))
        .build()
        .unwrap();
    let results = race(16, || manager.ensure());
    let errors: Vec<_> = results
        .into_iter()
        .map(|r| match r {
            Err(SessionError::Login { error, attempts }) => (error, attempts),
            other => panic!("expected the flight's error, got {other:?}"),
        })
        .collect();
    assert!(
        errors
            .iter()
            .all(|(e, _)| std::sync::Arc::ptr_eq(e, &errors[0].0))
    );
    assert!(errors.iter().all(|&(_, attempts)| attempts == 1));
    assert_eq!(errors[0].0.call, 1);
    assert_eq!(
        manager.authenticator().calls(),
        1,
        "a permanent error is not retried"
    );
    assert_eq!(manager.stats().failures, 1);
    assert_eq!(manager.stats().retries, 0);

    // Not cached: the next call logs in.
    assert_eq!(manager.ensure().unwrap().number, 1);
    assert_eq!(manager.authenticator().calls(), 2);
}

/// A panicking authenticator: the panic goes to the leader, the waiters wake, and one of them
/// logs in afresh; nothing stays locked or poisoned.
#[test]
fn panicking_login_wakes_waiters_and_one_logs_in_again() {
    quiet_deliberate_panics();
    let fake = Fake::new()
        .latency(Duration::from_millis(100))
        .script(&[Step::Panic]);
    let manager = SessionManager::builder(fake).build().unwrap();
    let results = race(8, || {
        std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| manager.ensure()))
    });
    let panicked = results.iter().filter(|r| r.is_err()).count();
    assert_eq!(panicked, 1, "only the leader sees the panic");
    let sessions: Vec<_> = results
        .into_iter()
        .filter_map(Result::ok)
        .map(|r| r.expect("the second login succeeds"))
        .collect();
    assert!(sessions.iter().all(|s| Arc::ptr_eq(s, &sessions[0])));
    assert_eq!(manager.authenticator().calls(), 2);
    assert_eq!(manager.stats().logins, 1);
    assert_eq!(manager.stats().failures, 1);
}

/// `login` is idempotent and `session` never logs in.
#[test]
fn login_is_idempotent_and_session_never_logs_in() {
    let manager = SessionManager::builder(Fake::new()).build().unwrap();
    assert!(matches!(manager.session(), Err(SessionError::NotLoggedIn)));
    assert!(!manager.is_authenticated());
    assert_eq!(manager.authenticator().calls(), 0);
    let a = manager.login().unwrap();
    let b = manager.login().unwrap();
    assert!(Arc::ptr_eq(&a, &b));
    assert!(Arc::ptr_eq(&manager.session().unwrap(), &a));
    assert_eq!(manager.authenticator().calls(), 1);
}
