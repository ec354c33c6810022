//! Bounded waits, on real threads (loom has no clock, so these paths are covered here): a hung
//! login gives every waiter `SessionError::Timeout` after `login_timeout`, a later `ensure`
//! starts a fresh login, and the hung login's late result never replaces the newer session.
#![cfg(not(selvedge_loom))]

use crate::common;

use std::time::{Duration, Instant};

use common::{Fake, Step};
use selvedge_locks::sync::Arc;
use selvedge_session::{SessionError, SessionManager};

const TIMEOUT: Duration = Duration::from_millis(200);
/// Headroom for a loaded machine: a waiter must give up within `TIMEOUT + SLACK`.
const SLACK: Duration = Duration::from_secs(2);

#[test]
fn hung_login_times_every_waiter_out_and_a_later_ensure_succeeds() {
    let manager = SessionManager::builder(Fake::new().script(&[Step::Hang]))
        .name("hung")
        .login_timeout(TIMEOUT)
        .build()
        .unwrap();
    std::thread::scope(|s| {
        let leader = s.spawn(|| manager.ensure());
        manager.authenticator().wait_until_inside();

        let waiters: Vec<_> = (0..5)
            .map(|_| {
                s.spawn(|| {
                    let began = Instant::now();
                    (manager.ensure(), began.elapsed())
                })
            })
            .collect();
        for waiter in waiters {
            let (result, took) = waiter.join().unwrap();
            match result {
                Err(SessionError::Timeout { name, waited }) => {
                    assert_eq!(name, "hung");
                    assert!(waited >= TIMEOUT, "gave up early: {waited:?}");
                    assert!(took < TIMEOUT + SLACK, "waited too long: {took:?}");
                }
                other => panic!("expected a timeout, got {other:?}"),
            }
        }
        assert_eq!(manager.stats().timeouts, 5);

        // The hung flight is older than the timeout now: a later call logs in afresh.
        let fresh = manager.ensure().expect("a fresh login after the hung one");
        assert_eq!(manager.authenticator().calls(), 2);
        assert!(Arc::ptr_eq(&manager.session().unwrap(), &fresh));

        // The hung login finally returns: its caller gets its own session, which is never
        // published over the newer one.
        manager.authenticator().release();
        let late = leader
            .join()
            .unwrap()
            .expect("the hung login succeeds late");
        assert!(!Arc::ptr_eq(&late, &fresh));
        assert!(Arc::ptr_eq(&manager.session().unwrap(), &fresh));
        assert!(Arc::ptr_eq(&manager.ensure().unwrap(), &fresh));
    });
    let stats = manager.stats();
    assert_eq!((stats.waits, stats.timeouts), (5, 5), "{stats}");
    assert!(stats.waited >= TIMEOUT * 5, "{stats}");
}

/// A caller that arrives while a flight is running but younger than the timeout waits for it
/// (it does not start a second login), and gets its session when it lands in time.
#[test]
fn slow_login_within_the_timeout_is_waited_for() {
    let fake = Fake::new().latency(Duration::from_millis(100));
    let manager = SessionManager::builder(fake)
        .login_timeout(Duration::from_secs(5))
        .build()
        .unwrap();
    std::thread::scope(|s| {
        let leader = s.spawn(|| manager.ensure().unwrap());
        manager.authenticator().wait_until_inside();
        let waiter = s.spawn(|| manager.ensure().unwrap());
        let (a, b) = (leader.join().unwrap(), waiter.join().unwrap());
        assert!(Arc::ptr_eq(&a, &b));
    });
    assert_eq!(manager.authenticator().calls(), 1);
    assert_eq!(manager.stats().waits, 1);
    assert_eq!(manager.stats().timeouts, 0);
}

/// A hung login that nobody replaced publishes its session when it finally lands.
#[test]
fn hung_login_that_nobody_replaced_publishes_late() {
    let manager = SessionManager::builder(Fake::new().script(&[Step::Hang]))
        .login_timeout(Duration::from_millis(50))
        .build()
        .unwrap();
    std::thread::scope(|s| {
        let leader = s.spawn(|| manager.ensure().unwrap());
        manager.authenticator().wait_until_inside();
        std::thread::sleep(Duration::from_millis(80));
        manager.authenticator().release();
        let late = leader.join().unwrap();
        assert!(Arc::ptr_eq(&manager.session().unwrap(), &late));
    });
}

/// A refresh that hangs past `login_timeout` while the old session is still live is replaced
/// by a fresh refresh; callers are not left on the old session until it expires.
#[test]
fn hung_refresh_is_replaced_after_the_login_timeout() {
    let fake = Fake::new().ttl(Duration::from_millis(800));
    let manager = SessionManager::builder(fake)
        .refresh_buffer(Duration::from_millis(500))
        .refresh_jitter(Duration::ZERO)
        .login_timeout(Duration::from_millis(100))
        .build()
        .unwrap();
    let old = manager.ensure().unwrap();
    manager.authenticator().then(&[Step::Hang]);
    std::thread::sleep(Duration::from_millis(420)); // past the refresh point (400 ms)
    std::thread::scope(|s| {
        let hung = s.spawn(|| manager.ensure());
        manager.authenticator().wait_until_inside();
        // While the refresh runs, callers keep the old session.
        assert!(Arc::ptr_eq(&manager.ensure().unwrap(), &old));
        std::thread::sleep(Duration::from_millis(130)); // the refresh is now presumed hung
        let fresh = manager.ensure().unwrap();
        assert!(
            !Arc::ptr_eq(&fresh, &old),
            "still on the old session behind a hung refresh"
        );
        assert_eq!(manager.authenticator().calls(), 3);
        manager.authenticator().release();
        hung.join().unwrap().unwrap();
        assert!(Arc::ptr_eq(&manager.session().unwrap(), &fresh));
    });
}

/// A `login_timeout` too large to add to an `Instant` (`Duration::MAX`: "wait as long as it
/// takes") is a wait without a deadline, for waiters and for retries alike; it never overflows.
#[test]
fn unbounded_login_timeout_never_overflows() {
    let fake = Fake::new()
        .latency(Duration::from_millis(50))
        .script(&[Step::Fail(selvedge_session::ErrorClass::Transient)]);
    let manager = SessionManager::builder(fake)
        .login_timeout(Duration::MAX)
        .retry(
            selvedge_session::RetryPolicy::default()
                .backoff(Duration::from_millis(1), Duration::from_millis(2)),
        )
        .build()
        .unwrap();
    std::thread::scope(|s| {
        let leader = s.spawn(|| manager.ensure().unwrap());
        manager.authenticator().wait_until_inside();
        let waiter = s.spawn(|| manager.ensure().unwrap());
        assert!(Arc::ptr_eq(
            &leader.join().unwrap(),
            &waiter.join().unwrap()
        ));
    });
    assert_eq!(manager.stats().retries, 1);
}
