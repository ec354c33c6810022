//! `logout` racing use: holders of the old session keep a valid `Arc`, new callers log in
//! again, and no caller is ever handed a session that was logged out before its call began.
#![cfg(not(selvedge_loom))]

use crate::common;

use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use common::Fake;
use selvedge_session::{SessionError, SessionManager};

#[test]
fn logout_racing_use() {
    const WORKERS: usize = 6;
    let manager = SessionManager::builder(Fake::new().latency(Duration::from_millis(2)))
        .name("racing")
        .build()
        .unwrap();
    let stop = AtomicBool::new(false);
    let logouts = std::thread::scope(|s| {
        let workers: Vec<_> = (0..WORKERS)
            .map(|_| {
                s.spawn(|| {
                    let mut calls = 0_u32;
                    while !stop.load(Ordering::Relaxed) {
                        let began = Instant::now();
                        let session = manager.ensure().expect("the fake never fails");
                        let logged_out = *session.logged_out_at.lock().unwrap();
                        assert!(
                            logged_out.is_none_or(|at| at >= began),
                            "got session {} logged out before the call began",
                            session.number
                        );
                        // The holder keeps a readable session whatever happens meanwhile.
                        std::thread::sleep(Duration::from_micros(200));
                        assert!(session.number >= 1);
                        calls += 1;
                    }
                    calls
                })
            })
            .collect();
        let mut logouts = 0;
        for _ in 0..40 {
            std::thread::sleep(Duration::from_millis(5));
            manager.logout().unwrap();
            logouts += 1;
        }
        stop.store(true, Ordering::Relaxed);
        let calls: u32 = workers.into_iter().map(|w| w.join().unwrap()).sum();
        assert!(calls > 0);
        logouts
    });
    let stats = manager.stats();
    let fake = manager.authenticator();
    assert_eq!(stats.logouts, u64::from(fake.logouts()));
    assert!(stats.logouts >= 1 && stats.logouts <= logouts, "{stats}");
    // Every login but possibly the last was logged out; nothing was logged out twice.
    let logins = u64::from(fake.logins());
    assert!(
        logins == stats.logouts || logins == stats.logouts + 1,
        "{stats}"
    );
    assert_eq!(stats.logins, logins);
}

#[test]
fn logout_without_session_is_a_no_op_and_errors_are_reported() {
    #[derive(Debug)]
    struct Refusing;
    impl selvedge_session::Authenticator for Refusing {
        type Session = u8;
        type Error = std::io::Error;
        fn login(&self) -> std::io::Result<selvedge_session::Login<u8>> {
            Ok(selvedge_session::Login::new(1))
        }
        fn logout(&self, _: &u8) -> std::io::Result<()> {
            Err(std::io::Error::other("server down"))
        }
    }
    let manager = SessionManager::builder(Refusing).build().unwrap();
    manager.logout().unwrap();
    assert_eq!(manager.stats().logouts, 0);
    manager.ensure().unwrap();
    let error = manager.logout().unwrap_err();
    assert!(matches!(error, SessionError::Logout(_)), "{error:?}");
    assert!(
        !manager.is_authenticated(),
        "the session is dropped even if the server refused"
    );
}
