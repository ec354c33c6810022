//! Retries: transient errors are retried with backoff within one flight, a permanent one is
//! not, exhausted retries fail the flight, and no failure is cached.
#![cfg(not(selvedge_loom))]

use crate::common;

use std::time::{Duration, Instant};

use common::{Fake, Step};
use selvedge_session::{ErrorClass, RetryPolicy, SessionError, SessionManager};

const TRANSIENT: Step = Step::Fail(ErrorClass::Transient);

fn policy() -> RetryPolicy {
    RetryPolicy::default()
        .max_attempts(4)
        .backoff(Duration::from_millis(20), Duration::from_millis(80))
}

#[test]
fn transient_errors_are_retried_with_backoff() {
    let fake = Fake::new().script(&[TRANSIENT, TRANSIENT]);
    let manager = SessionManager::builder(fake)
        .retry(policy())
        .build()
        .unwrap();
    let began = Instant::now();
    let session = manager.ensure().expect("the third attempt succeeds");
    // Pauses of at least 10 ms and 20 ms ("equal jitter": half of 20 ms and of 40 ms).
    assert!(
        began.elapsed() >= Duration::from_millis(30),
        "{:?}",
        began.elapsed()
    );
    assert_eq!(session.number, 1);
    assert_eq!(manager.authenticator().calls(), 3);
    let stats = manager.stats();
    assert_eq!((stats.logins, stats.retries, stats.failures), (1, 2, 0));
}

#[test]
fn exhausted_retries_fail_the_flight_and_are_not_cached() {
    let fake = Fake::new().script(&[TRANSIENT; 4]);
    let manager = SessionManager::builder(fake)
        .retry(policy())
        .build()
        .unwrap();
    match manager.ensure() {
        Err(SessionError::Login { error, attempts }) => {
            assert_eq!(attempts, 4);
            assert_eq!(error.call, 4, "the last error is reported");
        }
        other => panic!("expected a login error, got {other:?}"),
    }
    assert_eq!(manager.stats().failures, 1);
    assert_eq!(manager.stats().retries, 3);
    assert!(!manager.is_authenticated());
    // Not cached.
    assert_eq!(manager.ensure().unwrap().number, 1);
}

#[test]
fn permanent_error_is_not_retried() {
    let fake = Fake::new().script(&[TRANSIENT, Step::Fail(ErrorClass::Permanent)]);
    let manager = SessionManager::builder(fake)
        .retry(policy())
        .build()
        .unwrap();
    let error = manager.ensure().unwrap_err();
    assert!(
        matches!(&error, SessionError::Login { attempts: 2, error } if error.class == ErrorClass::Permanent),
        "{error:?}"
    );
    assert_eq!(manager.authenticator().calls(), 2);
}

/// Retries stay within `login_timeout`: a retry whose pause would end past it is not made.
#[test]
fn retries_stop_at_the_login_timeout() {
    let fake = Fake::new().script(&[TRANSIENT; 10]);
    let manager = SessionManager::builder(fake)
        .login_timeout(Duration::from_millis(100))
        .retry(
            RetryPolicy::default()
                .max_attempts(10)
                .backoff(Duration::from_millis(70), Duration::from_millis(70)),
        )
        .build()
        .unwrap();
    let began = Instant::now();
    let error = manager.ensure().unwrap_err();
    // Equal jitter makes each pause 35 to 70 ms. Three pauses take at least 105 ms, more than
    // the 100 ms allowed, so at most three attempts are made. (With 30-60 ms pauses, three could
    // fit in 90 ms: a fourth attempt in about 1 run in 160, which CI hit.) The time bound has
    // slack for a loaded machine (a sleep may overrun).
    let attempts = manager.authenticator().calls();
    assert!((1..=3).contains(&attempts), "{attempts} attempts");
    assert!(matches!(error, SessionError::Login { attempts: a, .. } if a == attempts));
    assert!(
        began.elapsed() < Duration::from_millis(600),
        "{:?}",
        began.elapsed()
    );
}
