//! The tracing events of a session manager, one function each, so the schema of
//! `selvedge_trace` is written down once here (see its crate docs for the table).
//!
//! All of them run on slow paths only: a login, a failure, a timeout, an invalidation, a
//! logout. The hot path of `ensure` emits nothing.

use std::time::Duration;

use selvedge_trace::{events, targets};
use tracing::Level;

fn nanos(duration: Duration) -> u64 {
    u64::try_from(duration.as_nanos()).unwrap_or(u64::MAX)
}

/// A login (`refresh`: ahead of expiry) succeeded.
pub(crate) fn login(name: &'static str, flight: u64, attempts: u32, took: Duration, refresh: bool) {
    if refresh {
        tracing::event!(
            name: events::SESSION_REFRESH,
            target: targets::SESSION,
            Level::INFO,
            name,
            flight,
            attempts,
            login_ns = nanos(took),
        );
    } else {
        tracing::event!(
            name: events::SESSION_LOGIN,
            target: targets::SESSION,
            Level::INFO,
            name,
            flight,
            attempts,
            login_ns = nanos(took),
        );
    }
}

/// A transient error; the flight retries after `pause`.
pub(crate) fn retry(
    name: &'static str,
    flight: u64,
    attempts: u32,
    pause: Duration,
    error: &dyn std::error::Error,
) {
    tracing::event!(
        name: events::SESSION_LOGIN_RETRY,
        target: targets::SESSION,
        Level::DEBUG,
        name,
        flight,
        attempts,
        wait_ns = nanos(pause),
        message = %error,
    );
}

/// A flight failed; `message` is the error's text or the panic's.
pub(crate) fn login_failed(
    name: &'static str,
    flight: u64,
    attempts: u32,
    took: Duration,
    message: &str,
) {
    tracing::event!(
        name: events::SESSION_LOGIN_FAILED,
        target: targets::SESSION,
        Level::WARN,
        name,
        flight,
        attempts,
        login_ns = nanos(took),
        message,
    );
}

/// A caller gave up waiting for `flight`.
pub(crate) fn wait_timeout(name: &'static str, flight: u64, waited: Duration) {
    tracing::event!(
        name: events::SESSION_WAIT_TIMEOUT,
        target: targets::SESSION,
        Level::WARN,
        name,
        flight,
        wait_ns = nanos(waited),
    );
}

/// The session of `flight` was dropped after a caller saw it rejected.
pub(crate) fn invalidated(name: &'static str, flight: u64) {
    tracing::event!(
        name: events::SESSION_INVALIDATED,
        target: targets::SESSION,
        Level::INFO,
        name,
        flight,
    );
}

/// The session of `flight` was logged out.
pub(crate) fn logout(name: &'static str, flight: u64) {
    tracing::event!(
        name: events::SESSION_LOGOUT,
        target: targets::SESSION,
        Level::INFO,
        name,
        flight,
    );
}
