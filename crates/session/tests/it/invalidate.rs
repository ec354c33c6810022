//! `invalidate_if_current`: botocore's rule, checked. A 401 seen on an old session never drops
//! a newer one, and N workers that see the same 401 cause one new login.
#![cfg(not(selvedge_loom))]

use crate::common;

use std::sync::Barrier;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use common::Fake;
use selvedge_locks::sync::Arc;
use selvedge_session::SessionManager;

#[test]
fn stale_401_never_drops_a_fresh_session() {
    let manager = SessionManager::builder(Fake::new()).build().unwrap();
    let old = manager.ensure().unwrap();
    assert!(manager.invalidate_if_current(&old));
    let fresh = manager.ensure().unwrap();
    assert_eq!((old.number, fresh.number), (1, 2));

    // A worker that still holds the old session now sees its 401.
    assert!(!manager.invalidate_if_current(&old));
    assert!(Arc::ptr_eq(&manager.session().unwrap(), &fresh));
    assert_eq!(manager.stats().invalidations, 1);
    assert_eq!(manager.stats().logins, 2);
}

/// Sixteen workers hold the same session, all see it rejected at once, invalidate it and ask
/// again: exactly one invalidation takes effect and exactly one new login follows.
#[test]
fn simultaneous_401s_cause_one_new_login() {
    const WORKERS: usize = 16;
    let manager = SessionManager::builder(Fake::new().latency(Duration::from_millis(20)))
        .build()
        .unwrap();
    let rejected = manager.ensure().unwrap();
    let barrier = Barrier::new(WORKERS);
    let dropped = AtomicUsize::new(0);
    let after: Vec<_> = std::thread::scope(|s| {
        let workers: Vec<_> = (0..WORKERS)
            .map(|_| {
                s.spawn(|| {
                    barrier.wait();
                    if manager.invalidate_if_current(&rejected) {
                        dropped.fetch_add(1, Ordering::SeqCst);
                    }
                    manager.ensure().unwrap()
                })
            })
            .collect();
        workers.into_iter().map(|w| w.join().unwrap()).collect()
    });
    assert_eq!(dropped.load(Ordering::SeqCst), 1);
    assert!(after.iter().all(|s| s.number == 2));
    assert_eq!(manager.stats().logins, 2);
    assert_eq!(manager.stats().invalidations, 1);
}

/// Invalidating something that is not the current session (another manager's) does nothing.
#[test]
fn invalidating_a_foreign_session_does_nothing() {
    let a = SessionManager::builder(Fake::new()).build().unwrap();
    let b = SessionManager::builder(Fake::new()).build().unwrap();
    let from_b = b.ensure().unwrap();
    assert!(!a.invalidate_if_current(&from_b));
    a.ensure().unwrap();
    assert!(!a.invalidate_if_current(&from_b));
    assert!(a.is_authenticated() && b.is_authenticated());
    assert_eq!(a.stats().invalidations, 0);
}
