//! `SessionManagerBuilder`: defaults, and a typed `BuildError` for every nonsensical setting.
#![cfg(not(selvedge_loom))]

use crate::common;

use std::time::Duration;

use common::Fake;
use selvedge_session::{BuildError, RetryPolicy, SessionManager};

#[test]
fn defaults_build() {
    let manager = SessionManager::builder(Fake::new()).build().unwrap();
    assert_eq!(manager.name(), "unnamed");
    assert_eq!(manager.login_timeout(), Duration::from_secs(30));
}

#[test]
fn zero_login_timeout_is_refused() {
    let error = SessionManager::builder(Fake::new())
        .login_timeout(Duration::ZERO)
        .build()
        .unwrap_err();
    assert_eq!(error, BuildError::ZeroLoginTimeout);
    assert!(error.to_string().contains("login_timeout"));
}

#[test]
fn jitter_beyond_the_buffer_is_refused() {
    let error = SessionManager::builder(Fake::new())
        .refresh_buffer(Duration::from_secs(1))
        .refresh_jitter(Duration::from_secs(2))
        .build()
        .unwrap_err();
    assert_eq!(
        error,
        BuildError::JitterExceedsBuffer {
            jitter: Duration::from_secs(2),
            buffer: Duration::from_secs(1)
        }
    );
    // Jitter equal to the buffer is fine, and so is no refresh-ahead at all.
    for (buffer, jitter) in [(1, 1), (0, 0)] {
        assert!(
            SessionManager::builder(Fake::new())
                .refresh_buffer(Duration::from_secs(buffer))
                .refresh_jitter(Duration::from_secs(jitter))
                .build()
                .is_ok()
        );
    }
}

#[test]
fn retry_policy_nonsense_is_refused() {
    let build = |policy: RetryPolicy| {
        SessionManager::builder(Fake::new())
            .login_timeout(Duration::from_secs(1))
            .retry(policy)
            .build()
            .map(drop)
    };
    assert_eq!(
        build(RetryPolicy::none().max_attempts(0)),
        Err(BuildError::ZeroAttempts)
    );
    let out_of_order =
        RetryPolicy::default().backoff(Duration::from_secs(2), Duration::from_millis(1));
    assert!(matches!(
        build(out_of_order),
        Err(BuildError::BackoffOutOfOrder { .. })
    ));
    let too_long = RetryPolicy::default().backoff(Duration::from_millis(1), Duration::from_secs(1));
    assert!(matches!(
        build(too_long),
        Err(BuildError::BackoffExceedsTimeout { .. })
    ));
    // One attempt never pauses, so its backoff cannot exceed anything.
    assert_eq!(build(RetryPolicy::none()), Ok(()));
}

#[test]
fn the_default_retry_policy_fits_any_login_timeout() {
    for millis in [1, 10, 100, 1_000, 60_000] {
        assert!(
            SessionManager::builder(Fake::new())
                .login_timeout(Duration::from_millis(millis))
                .build()
                .is_ok(),
            "login_timeout {millis} ms"
        );
    }
}

#[test]
fn errors_implement_std_error() {
    fn is_error<E: std::error::Error + Send + Sync + 'static>(_: &E) {}
    is_error(&BuildError::ZeroAttempts);
    let session_error: selvedge_session::SessionError<common::FakeError> =
        selvedge_session::SessionError::NotLoggedIn;
    is_error(&session_error);
    assert_eq!(session_error.to_string(), "not logged in");
}
