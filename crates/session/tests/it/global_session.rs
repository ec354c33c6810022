//! `GlobalSession`: the seed's tests of its global admin session
//! (`interface/tests/test_global_session.py`), ported: concurrent access, reuse by
//! `ensure_admin_pnet_session`, and thread safety under a mix of operations.
#![cfg(not(selvedge_loom))]

use crate::common;

use std::sync::Barrier;
use std::time::{Duration, Instant};

use common::Fake;
use selvedge_locks::sync::Arc;
use selvedge_session::{BuildError, GlobalSession, SessionError, SessionManager};

fn admin() -> Result<SessionManager<Fake>, BuildError> {
    SessionManager::builder(Fake::new().latency(Duration::from_millis(20)))
        .name("admin")
        .build()
}

/// `test_concurrent_access_to_global_session`: many threads ask for the global session at once;
/// all get the same one, logged in once.
#[test]
fn concurrent_access_to_global_session() {
    static ADMIN: GlobalSession<Fake> = GlobalSession::new("admin", admin);
    const THREADS: usize = 64;
    let barrier = Barrier::new(THREADS);
    let sessions: Vec<_> = std::thread::scope(|s| {
        let workers: Vec<_> = (0..THREADS)
            .map(|_| {
                s.spawn(|| {
                    barrier.wait();
                    ADMIN.ensure().expect("the fake logs in")
                })
            })
            .collect();
        workers.into_iter().map(|w| w.join().unwrap()).collect()
    });
    assert!(sessions.iter().all(|s| Arc::ptr_eq(s, &sessions[0])));
    assert_eq!(sessions[0].number, 1);
    let manager = ADMIN.manager().unwrap();
    assert_eq!(manager.authenticator().logins(), 1);
    assert_eq!(ADMIN.stats().logins, 1);
}

/// `test_ensure_admin_pnet_session_reuse`: a second `ensure` reuses the session; after a
/// logout the next one logs in again.
#[test]
fn ensure_admin_pnet_session_reuse() {
    static ADMIN: GlobalSession<Fake> = GlobalSession::new("admin", admin);
    assert!(matches!(ADMIN.session(), Err(SessionError::NotLoggedIn)));
    let first = ADMIN.ensure().unwrap();
    let again = ADMIN.ensure().unwrap();
    assert!(Arc::ptr_eq(&first, &again));
    assert!(Arc::ptr_eq(&ADMIN.session().unwrap(), &first));
    assert_eq!(ADMIN.stats().logins, 1);

    ADMIN.logout().unwrap();
    assert!(!ADMIN.is_authenticated());
    assert!(first.logged_out_at.lock().unwrap().is_some());
    let after = ADMIN.ensure().unwrap();
    assert_eq!((first.number, after.number), (1, 2));
    assert_eq!(ADMIN.manager().unwrap().authenticator().logouts(), 1);
}

/// `test_global_session_thread_safety`: threads mix `ensure`, `session`, `is_authenticated`,
/// invalidations and logouts. No call fails, no thread ever gets a session that was logged out
/// before its call began, and every login after the first replaced a dropped session.
#[test]
fn global_session_thread_safety() {
    static ADMIN: GlobalSession<Fake> = GlobalSession::new("admin", || {
        SessionManager::builder(Fake::new().latency(Duration::from_millis(1)))
            .name("admin")
            .build()
    });
    const THREADS: usize = 8;
    const ROUNDS: usize = 300;
    std::thread::scope(|s| {
        for thread in 0..THREADS {
            s.spawn(move || {
                for round in 0..ROUNDS {
                    let began = Instant::now();
                    let session = ADMIN.ensure().expect("the fake never fails");
                    assert!(
                        session
                            .logged_out_at
                            .lock()
                            .unwrap()
                            .is_none_or(|out| out >= began),
                        "ensure returned a session logged out before the call"
                    );
                    match (thread + round) % 97 {
                        0 => {
                            ADMIN.invalidate_if_current(&session);
                        }
                        1 => ADMIN.logout().unwrap(),
                        _ => {
                            let _ = ADMIN.is_authenticated();
                            match ADMIN.session() {
                                Ok(_) | Err(SessionError::NotLoggedIn) => {}
                                Err(other) => panic!("session() failed: {other}"),
                            }
                        }
                    }
                }
            });
        }
    });
    let stats = ADMIN.stats();
    let fake_logins = u64::from(ADMIN.manager().unwrap().authenticator().logins());
    assert_eq!(stats.logins, fake_logins);
    let drops = stats.invalidations + stats.logouts;
    assert!(drops > 0, "the mix dropped no session: {stats}");
    assert!(
        stats.logins == drops || stats.logins == drops + 1,
        "every login after the first replaces exactly one dropped session: {stats}"
    );
    assert_eq!(stats.failures, 0);
}

/// A manager that cannot be built is reported as `SessionError::Build`, and not cached.
#[test]
fn build_error_reaches_the_caller() {
    static BROKEN: GlobalSession<Fake> = GlobalSession::new("broken", || {
        SessionManager::builder(Fake::new())
            .login_timeout(Duration::ZERO)
            .build()
    });
    let error = BROKEN.ensure().unwrap_err();
    assert!(matches!(
        error,
        SessionError::Build(BuildError::ZeroLoginTimeout)
    ));
    assert!(BROKEN.manager().is_err());
    assert!(!BROKEN.invalidate_if_current(&Arc::new(common::Token {
        number: 0,
        issued_at: Instant::now(),
        expires_at: None,
        logged_out_at: std::sync::Mutex::new(None),
    })));
}

/// A manager built through `manager()` alone is the one every other call uses.
#[test]
fn manager_built_first_is_seen_by_every_call() {
    static ADMIN: GlobalSession<Fake> = GlobalSession::new("admin", admin);
    let manager = ADMIN.manager().unwrap();
    let session = manager.ensure().unwrap();
    assert_eq!(ADMIN.stats().logins, 1);
    assert!(ADMIN.is_authenticated());
    assert!(Arc::ptr_eq(&ADMIN.ensure().unwrap(), &session));
    assert!(ADMIN.invalidate_if_current(&session));
    assert_eq!(manager.stats().invalidations, 1);
}
