//! Every login, refresh, retry, failure, timeout, invalidation and logout emits its
//! `selvedge::session` event with the schema's fields; the hot path emits nothing.
#![cfg(not(selvedge_loom))]

use crate::common;

use std::time::Duration;

use common::{Fake, Step};
use selvedge_session::{ErrorClass, RetryPolicy, SessionManager};
use selvedge_trace::testing::{CapturedEvent, capture, capture_all};
use selvedge_trace::{events, fields, targets};

fn named<'a>(captured: &'a [CapturedEvent], name: &str) -> Vec<&'a CapturedEvent> {
    captured.iter().filter(|e| e.name == name).collect()
}

#[test]
fn login_invalidation_and_logout_events() {
    let manager = SessionManager::builder(Fake::new())
        .name("events")
        .build()
        .unwrap();
    let (_, captured) = capture(|| {
        let session = manager.ensure().unwrap();
        for _ in 0..100 {
            manager.ensure().unwrap(); // the hot path: no events
        }
        manager.invalidate_if_current(&session);
        manager.ensure().unwrap();
        manager.logout().unwrap();
    });
    let names: Vec<_> = captured.iter().map(|e| e.name).collect();
    assert_eq!(
        names,
        [
            events::SESSION_LOGIN,
            events::SESSION_INVALIDATED,
            events::SESSION_LOGIN,
            events::SESSION_LOGOUT
        ]
    );
    assert!(captured.iter().all(|e| e.target == targets::SESSION));
    let login = &captured[0];
    assert_eq!(login.field(fields::NAME), Some("events"));
    assert_eq!(login.field(fields::FLIGHT), Some("1"));
    assert_eq!(login.field(fields::ATTEMPTS), Some("1"));
    assert!(login.field(fields::LOGIN_NS).is_some());
    assert_eq!(captured[1].field(fields::FLIGHT), Some("1"));
    assert_eq!(captured[3].field(fields::FLIGHT), Some("2"));
}

#[test]
fn retry_and_failure_events() {
    let fake = Fake::new().script(&[
        Step::Fail(ErrorClass::Transient),
        Step::Fail(ErrorClass::Permanent),
    ]);
    let manager = SessionManager::builder(fake)
        .name("failing")
        .retry(RetryPolicy::default().backoff(Duration::from_millis(1), Duration::from_millis(2)))
        .build()
        .unwrap();
    let (_, captured) = capture(|| manager.ensure().unwrap_err());
    let retries = named(&captured, events::SESSION_LOGIN_RETRY);
    assert_eq!(retries.len(), 1);
    assert_eq!(retries[0].field(fields::ATTEMPTS), Some("1"));
    assert!(retries[0].field(fields::WAIT_NS).is_some());
    assert!(
        retries[0]
            .field(fields::MESSAGE)
            .unwrap()
            .contains("Transient")
    );
    let failed = named(&captured, events::SESSION_LOGIN_FAILED);
    assert_eq!(failed.len(), 1);
    assert_eq!(failed[0].level, tracing::Level::WARN);
    assert_eq!(failed[0].field(fields::ATTEMPTS), Some("2"));
    assert!(
        failed[0]
            .field(fields::MESSAGE)
            .unwrap()
            .contains("Permanent")
    );
}

#[test]
fn refresh_and_wait_timeout_events() {
    let fake = Fake::new().ttl(Duration::from_millis(400));
    let manager = SessionManager::builder(fake)
        .name("refreshing")
        .refresh_buffer(Duration::from_millis(300))
        .refresh_jitter(Duration::ZERO)
        .login_timeout(Duration::from_millis(50))
        .build()
        .unwrap();
    let (_, captured) = capture_all(|| {
        manager.ensure().unwrap();
        std::thread::sleep(Duration::from_millis(220)); // past the half-life refresh point
        manager.ensure().unwrap();
        // A hung login, and a waiter that gives up on it.
        manager.logout().unwrap();
        manager.authenticator().then(&[Step::Hang]);
        std::thread::scope(|s| {
            s.spawn(|| manager.ensure());
            manager.authenticator().wait_until_inside();
            assert!(manager.ensure().unwrap_err().is_timeout());
            manager.authenticator().release();
        });
    });
    let mine: Vec<_> = captured
        .iter()
        .filter(|e| e.field(fields::NAME) == Some("refreshing"))
        .cloned()
        .collect();
    let refreshes = named(&mine, events::SESSION_REFRESH);
    assert_eq!(refreshes.len(), 1);
    assert_eq!(refreshes[0].field(fields::FLIGHT), Some("2"));
    let timeouts = named(&mine, events::SESSION_WAIT_TIMEOUT);
    assert_eq!(timeouts.len(), 1);
    assert_eq!(timeouts[0].field(fields::FLIGHT), Some("3"));
    assert!(timeouts[0].field(fields::WAIT_NS).is_some());
}
