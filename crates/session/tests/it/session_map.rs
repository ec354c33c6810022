//! `SessionMap`: one manager per key, each logging in on its own; a hung login for one key
//! never blocks another.
#![cfg(not(selvedge_loom))]

use crate::common;

use std::sync::Barrier;
use std::time::{Duration, Instant};

use common::{Fake, Step};
use selvedge_locks::sync::Arc;
use selvedge_session::{BuildError, SessionError, SessionManager, SessionMap};

fn platform(name: &&'static str) -> Result<SessionManager<Fake>, BuildError> {
    let fake = match *name {
        "hung" => Fake::new().script(&[Step::Hang]),
        "broken" => {
            return SessionManager::builder(Fake::new())
                .login_timeout(Duration::ZERO)
                .build();
        }
        _ => Fake::new().latency(Duration::from_millis(20)),
    };
    SessionManager::builder(fake).name("platform").build()
}

#[test]
fn one_login_per_key_under_contention() {
    static PLATFORMS: SessionMap<&'static str, Fake> = SessionMap::new("platforms", platform);
    const THREADS: usize = 16;
    let barrier = Barrier::new(THREADS);
    let got: Vec<_> = std::thread::scope(|s| {
        let workers: Vec<_> = (0..THREADS)
            .map(|i| {
                let barrier = &barrier;
                s.spawn(move || {
                    barrier.wait();
                    let key = if i % 2 == 0 { "PN" } else { "EVE" };
                    (key, PLATFORMS.ensure(&key).unwrap())
                })
            })
            .collect();
        workers.into_iter().map(|w| w.join().unwrap()).collect()
    });
    for key in ["PN", "EVE"] {
        let sessions: Vec<_> = got
            .iter()
            .filter(|(k, _)| *k == key)
            .map(|(_, s)| s)
            .collect();
        assert!(sessions.iter().all(|s| Arc::ptr_eq(s, sessions[0])));
        assert_eq!(PLATFORMS.manager(&key).unwrap().stats().logins, 1);
    }
    let mut keys = PLATFORMS.keys();
    keys.sort_unstable();
    assert_eq!(keys, ["EVE", "PN"]);
}

#[test]
fn a_hung_key_never_blocks_another() {
    static PLATFORMS: SessionMap<&'static str, Fake> = SessionMap::new("platforms", platform);
    std::thread::scope(|s| {
        s.spawn(|| PLATFORMS.ensure(&"hung"));
        PLATFORMS
            .manager(&"hung")
            .unwrap()
            .authenticator()
            .wait_until_inside();
        let began = Instant::now();
        PLATFORMS.ensure(&"PN").unwrap();
        assert!(began.elapsed() < Duration::from_secs(2));
        PLATFORMS
            .manager(&"hung")
            .unwrap()
            .authenticator()
            .release();
    });
}

#[test]
fn invalidate_and_remove_per_key() {
    static PLATFORMS: SessionMap<&'static str, Fake> = SessionMap::new("platforms", platform);
    let pn = PLATFORMS.ensure(&"PN").unwrap();
    let eve = PLATFORMS.ensure(&"EVE").unwrap();
    assert!(
        !PLATFORMS.invalidate_if_current(&"PN", &eve),
        "another key's session"
    );
    assert!(!PLATFORMS.invalidate_if_current(&"absent", &pn));
    assert!(PLATFORMS.invalidate_if_current(&"PN", &pn));
    assert!(PLATFORMS.manager(&"EVE").unwrap().is_authenticated());

    let manager = PLATFORMS.manager(&"EVE").unwrap();
    PLATFORMS.remove(&"EVE").unwrap();
    assert_eq!(
        manager.authenticator().logouts(),
        1,
        "removing a key logs it out"
    );
    assert!(!PLATFORMS.keys().contains(&"EVE"));
    PLATFORMS.remove(&"EVE").unwrap(); // nothing to do
}

#[test]
fn a_key_whose_manager_cannot_be_built_reports_it() {
    static PLATFORMS: SessionMap<&'static str, Fake> = SessionMap::new("platforms", platform);
    let error = PLATFORMS.ensure(&"broken").unwrap_err();
    assert!(matches!(
        error,
        SessionError::Build(BuildError::ZeroLoginTimeout)
    ));
    assert!(
        PLATFORMS.keys().is_empty(),
        "nothing is cached for a key that failed"
    );
}
