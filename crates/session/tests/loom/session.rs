//! Loom models of the session state machine: `ensure` racing `ensure` (single flight), an
//! invalidation, a refresh, a logout, and an expiry; a failed flight shared by its waiters.
//!
//! Run exhaustively with
//! `RUSTFLAGS="--cfg selvedge_loom" LOOM_MAX_PREEMPTIONS=2 CARGO_TARGET_DIR=target/loom
//! cargo test --release -p selvedge-session --test loom session::`; a normal `cargo test` runs
//! the same bodies many times on real threads (there the clock is real, so the bodies that step
//! the clock run only under loom).
//!
//! What these models cannot check: loom has no clock, so a timed wait never times out here.
//! Every model uses a `login_timeout` no model reaches; the timeout paths (a waiter giving up,
//! a hung flight replaced by a fresh one, its late result not published) are tested on real
//! threads in `tests/it/timeout.rs`. Under loom the crate's clock is a model clock that only
//! `__loom_clock::advance` moves, so expiry and refresh are modelled exactly.

use std::time::Duration;

use selvedge_locks::sync::Arc;
use selvedge_locks::sync::atomic::{AtomicUsize, Ordering};
use selvedge_session::{
    Authenticator, BuildError, GlobalSession, Login, RetryPolicy, SessionError, SessionManager,
};
use selvedge_testkit::{model, thread};

const TTL: Duration = Duration::from_secs(100);

/// The model clock is one per process, and the test harness runs tests in parallel: each test
/// holds this lock for all its model runs.
fn one_at_a_time() -> std::sync::MutexGuard<'static, ()> {
    static SERIAL: std::sync::Mutex<()> = std::sync::Mutex::new(());
    SERIAL
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
}

/// Logs in at once with numbered sessions that live `ttl` (or for ever); fails permanently
/// while `fail` logins remain.
struct Counting {
    logins: AtomicUsize,
    logouts: AtomicUsize,
    fail: AtomicUsize,
    ttl: Option<Duration>,
}

#[derive(Debug)]
struct Refused;

impl std::fmt::Display for Refused {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("refused")
    }
}

impl std::error::Error for Refused {}

impl Authenticator for Counting {
    type Session = usize;
    type Error = Refused;

    fn login(&self) -> Result<Login<usize>, Refused> {
        if self
            .fail
            .fetch_update(Ordering::SeqCst, Ordering::SeqCst, |n| n.checked_sub(1))
            .is_ok()
        {
            return Err(Refused);
        }
        let number = self.logins.fetch_add(1, Ordering::SeqCst) + 1;
        let login = Login::new(number);
        Ok(match self.ttl {
            Some(ttl) => login.expires_in(ttl),
            None => login,
        })
    }

    fn logout(&self, _: &usize) -> Result<(), Refused> {
        self.logouts.fetch_add(1, Ordering::SeqCst);
        Ok(())
    }
}

/// A manager whose sessions live `ttl`, refreshed in the last half of their life, waiting an
/// hour (never reached in a model) behind a login, with no retries (no sleeps in a model).
fn manager(ttl: Option<Duration>, fail: usize) -> Arc<SessionManager<Counting>> {
    #[cfg(selvedge_loom)]
    selvedge_session::__loom_clock::reset();
    Arc::new(build(ttl, fail).expect("valid settings"))
}

fn build(ttl: Option<Duration>, fail: usize) -> Result<SessionManager<Counting>, BuildError> {
    let auth = Counting {
        logins: AtomicUsize::new(0),
        logouts: AtomicUsize::new(0),
        fail: AtomicUsize::new(fail),
        ttl,
    };
    SessionManager::builder(auth)
        .name("model")
        .login_timeout(Duration::from_secs(3600))
        .refresh_buffer(TTL / 2)
        .refresh_jitter(Duration::ZERO)
        .retry(RetryPolicy::none())
        .build()
}

fn logins(manager: &SessionManager<Counting>) -> usize {
    manager.authenticator().logins.load(Ordering::SeqCst)
}

#[test]
fn racing_first_ensures_log_in_once() {
    let _serial = one_at_a_time();
    model(|| {
        let manager = manager(None, 0);
        let racer = {
            let manager = manager.clone();
            thread::spawn(move || manager.ensure().unwrap())
        };
        let mine = manager.ensure().unwrap();
        let theirs = racer.join().unwrap();
        assert!(Arc::ptr_eq(&mine, &theirs));
        assert_eq!(logins(&manager), 1);
        assert_eq!(manager.stats().logins, 1);
    });
}

#[test]
fn global_session_builds_one_manager_and_logs_in_once() {
    let _serial = one_at_a_time();
    model(|| {
        #[cfg(selvedge_loom)]
        selvedge_session::__loom_clock::reset();
        let global = Arc::new(GlobalSession::new("model", || build(None, 0)));
        let racer = {
            let global = global.clone();
            thread::spawn(move || global.ensure().unwrap())
        };
        let mine = global.ensure().unwrap();
        let theirs = racer.join().unwrap();
        assert!(Arc::ptr_eq(&mine, &theirs));
        assert_eq!(global.stats().logins, 1);
        assert!(Arc::ptr_eq(
            &global.manager().unwrap(),
            &global.manager().unwrap()
        ));
    });
}

#[test]
fn invalidate_racing_ensure_never_drops_a_newer_session() {
    let _serial = one_at_a_time();
    model(|| {
        let manager = manager(None, 0);
        let old = manager.ensure().unwrap();
        let reporter = {
            let (manager, old) = (manager.clone(), old.clone());
            thread::spawn(move || manager.invalidate_if_current(&old))
        };
        let got = manager.ensure().unwrap();
        let dropped = reporter.join().unwrap();
        // The 401 on `old` never drops anything but `old`.
        assert!(!manager.invalidate_if_current(&old));
        match manager.session() {
            Ok(current) => {
                assert!(!dropped || !Arc::ptr_eq(&current, &old));
                assert!(Arc::ptr_eq(&current, &got));
            }
            // `ensure` took `old` just before the reporter dropped it.
            Err(SessionError::NotLoggedIn) => assert!(dropped && Arc::ptr_eq(&got, &old)),
            Err(other) => panic!("{other}"),
        }
        assert_eq!(
            logins(&manager),
            if Arc::ptr_eq(&got, &old) { 1 } else { 2 }
        );
    });
}

#[test]
fn logout_racing_ensure() {
    let _serial = one_at_a_time();
    model(|| {
        let manager = manager(None, 0);
        let old = manager.ensure().unwrap();
        let leaver = {
            let manager = manager.clone();
            thread::spawn(move || manager.logout().unwrap())
        };
        let got = manager.ensure().unwrap();
        leaver.join().unwrap();
        assert_eq!(manager.authenticator().logouts.load(Ordering::SeqCst), 1);
        if Arc::ptr_eq(&got, &old) {
            // `ensure` came first; the logout then dropped the session.
            assert!(!manager.is_authenticated());
            assert_eq!(logins(&manager), 1);
        } else {
            // The logout came first; `ensure` logged in again and its session stays.
            assert_eq!(*got, 2);
            assert!(Arc::ptr_eq(&manager.session().unwrap(), &got));
        }
        assert_eq!(*old, 1); // the holder's session is still whole
    });
}

#[test]
fn failed_flight_reaches_its_waiter_or_is_not_cached() {
    let _serial = one_at_a_time();
    model(|| {
        let manager = manager(None, 1);
        let racer = {
            let manager = manager.clone();
            thread::spawn(move || manager.ensure())
        };
        let mine = manager.ensure();
        let theirs = racer.join().unwrap();
        match (mine, theirs) {
            // Both were in the one failed flight: one error, shared.
            (
                Err(SessionError::Login { error: a, .. }),
                Err(SessionError::Login { error: b, .. }),
            ) => {
                assert!(std::sync::Arc::ptr_eq(&a, &b));
                assert_eq!(logins(&manager), 0);
            }
            // One came after the failure: its own login succeeded (nothing was cached).
            (Ok(session), Err(SessionError::Login { .. }))
            | (Err(SessionError::Login { .. }), Ok(session)) => {
                assert_eq!(*session, 1);
                assert_eq!(manager.stats().failures, 1);
            }
            (a, b) => panic!("unexpected outcomes {a:?} / {b:?}"),
        }
    });
}

#[cfg(selvedge_loom)]
mod clocked {
    //! Models that step the model clock (loom builds only).

    use super::*;
    use selvedge_session::__loom_clock::advance;

    #[test]
    fn refresh_racing_ensure_refreshes_once_and_nobody_waits() {
        let _serial = one_at_a_time();
        model(|| {
            let manager = manager(Some(TTL), 0);
            let old = manager.ensure().unwrap();
            advance(TTL * 3 / 4); // past the refresh point, before the expiry
            let racer = {
                let manager = manager.clone();
                thread::spawn(move || manager.ensure().unwrap())
            };
            let mine = manager.ensure().unwrap();
            let theirs = racer.join().unwrap();
            // Each got the old session (someone else was refreshing) or the new one.
            for got in [&mine, &theirs] {
                assert!(Arc::ptr_eq(got, &old) || **got == 2);
            }
            assert!(**manager.session().as_ref().unwrap() == 2);
            assert_eq!(logins(&manager), 2, "exactly one refresh");
            let stats = manager.stats();
            assert_eq!((stats.refreshes, stats.waits), (1, 0));
        });
    }

    #[test]
    fn refresh_racing_invalidate_never_loses_the_refreshed_session() {
        let _serial = one_at_a_time();
        model(|| {
            let manager = manager(Some(TTL), 0);
            let old = manager.ensure().unwrap();
            advance(TTL * 3 / 4);
            let reporter = {
                let (manager, old) = (manager.clone(), old.clone());
                thread::spawn(move || manager.invalidate_if_current(&old))
            };
            let got = manager.ensure().unwrap();
            let dropped = reporter.join().unwrap();
            if *got == 2 {
                // The refresh (or, after the invalidation, a login) landed and stays current.
                assert!(Arc::ptr_eq(&manager.session().unwrap(), &got));
                assert_eq!(logins(&manager), 2);
            } else {
                // `ensure` found the control lock busy with the invalidation and, never
                // blocking in the refresh window, kept the still-live session; the
                // invalidation then dropped it.
                assert!(Arc::ptr_eq(&got, &old) && dropped);
                assert!(!manager.is_authenticated());
                assert_eq!(logins(&manager), 1);
            }
        });
    }

    #[test]
    fn refresh_racing_logout() {
        let _serial = one_at_a_time();
        model(|| {
            let manager = manager(Some(TTL), 0);
            manager.ensure().unwrap();
            advance(TTL * 3 / 4);
            let leaver = {
                let manager = manager.clone();
                thread::spawn(move || manager.logout().unwrap())
            };
            let got = manager.ensure().unwrap();
            leaver.join().unwrap();
            assert!(*got == 1 || *got == 2);
            assert_eq!(manager.authenticator().logouts.load(Ordering::SeqCst), 1);
            // A logout never cancels a login under way: either it took the refreshed session
            // (nothing is current) or the refresh landed after it (the new one is current).
            match manager.session() {
                Ok(current) => assert!(Arc::ptr_eq(&current, &got) && *got == 2),
                Err(SessionError::NotLoggedIn) => {}
                Err(other) => panic!("{other}"),
            }
        });
    }

    #[test]
    fn refresh_invalidate_and_logout_together() {
        let _serial = one_at_a_time();
        model(|| {
            let manager = manager(Some(TTL), 0);
            let old = manager.ensure().unwrap();
            advance(TTL * 3 / 4);
            let refresher = {
                let manager = manager.clone();
                thread::spawn(move || manager.ensure().unwrap())
            };
            let reporter = {
                let (manager, old) = (manager.clone(), old.clone());
                thread::spawn(move || manager.invalidate_if_current(&old))
            };
            manager.logout().unwrap();
            let got = refresher.join().unwrap();
            let invalidated = reporter.join().unwrap();
            assert!(*got == 1 || *got == 2);
            // The old session left the manager exactly once: by the invalidation, the logout, or
            // the refresh that replaced it.
            let stats = manager.stats();
            assert!(stats.invalidations + stats.logouts <= 2);
            assert_eq!(stats.invalidations, u64::from(invalidated));
            assert!(logins(&manager) <= 2);
            // Whatever is current is the newest login, never the old session.
            if let Ok(current) = manager.session() {
                assert_eq!(*current, 2);
            }
            assert!(!manager.invalidate_if_current(&old));
        });
    }

    #[test]
    fn expired_session_is_replaced_by_one_login_for_both_callers() {
        let _serial = one_at_a_time();
        model(|| {
            let manager = manager(Some(TTL), 0);
            manager.ensure().unwrap();
            advance(TTL * 2); // expired
            let racer = {
                let manager = manager.clone();
                thread::spawn(move || manager.ensure().unwrap())
            };
            let mine = manager.ensure().unwrap();
            let theirs = racer.join().unwrap();
            assert!(Arc::ptr_eq(&mine, &theirs));
            assert_eq!(*mine, 2);
            assert_eq!(logins(&manager), 2);
            assert_eq!(manager.stats().refreshes, 0);
        });
    }
}
