//! Stress: eight threads for a second against a session that lives 40 ms, refreshed ahead,
//! while two threads report 401s and one logs out now and then. The 401s and logouts are paced
//! by time, not by rounds: on a starved machine rounds slow down, and paced by rounds they
//! replaced every session before its refresh point, so no refresh was ever exercised. Invariants: no call fails, no
//! call is handed a session that had expired or was logged out before the call began, and every
//! login is accounted for.
#![cfg(not(selvedge_loom))]

use crate::common;

use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use common::Fake;
use selvedge_session::SessionManager;
use selvedge_testkit::Stress;

#[test]
fn free_for_all_of_ensure_refresh_invalidate_and_logout() {
    let fake = Fake::new()
        .ttl(Duration::from_millis(40))
        .latency(Duration::from_millis(1));
    let manager = SessionManager::builder(fake)
        .name("stress")
        .refresh_buffer(Duration::from_millis(15))
        .refresh_jitter(Duration::from_millis(5))
        .build()
        .unwrap();
    let stale = AtomicU64::new(0);
    let start = Instant::now();
    // The next moment (ms since `start`) a logout, and a 401, is due; one thread claims each.
    let next_logout = AtomicU64::new(100);
    let next_401 = AtomicU64::new(50);
    let claim = |slot: &AtomicU64, now_ms: u64, every_ms: u64| {
        let due = slot.load(Ordering::Relaxed);
        now_ms >= due
            && slot
                .compare_exchange(due, now_ms + every_ms, Ordering::Relaxed, Ordering::Relaxed)
                .is_ok()
    };
    Stress::new(8)
        .unwrap()
        .duration(Duration::from_secs(1))
        .run(|thread, _round| {
            let began = Instant::now();
            let session = manager.ensure().expect("the fake never fails");
            let logged_out = *session.logged_out_at.lock().unwrap();
            let expired = session.expires_at.is_some_and(|at| at <= began);
            if expired {
                stale.fetch_add(1, Ordering::Relaxed);
            }
            if logged_out.is_some_and(|at| at < began) {
                stale.fetch_add(1 << 32, Ordering::Relaxed);
            }
            let now_ms = u64::try_from(began.duration_since(start).as_millis()).unwrap();
            match thread {
                0 if claim(&next_logout, now_ms, 200) => manager.logout().unwrap(),
                1 | 2 if claim(&next_401, now_ms, 75) => {
                    manager.invalidate_if_current(&session);
                }
                _ => {}
            }
        })
        .assert_ok();
    assert_eq!(
        stale.load(Ordering::Relaxed),
        0,
        "a stale session was handed out"
    );
    let stats = manager.stats();
    assert_eq!(
        stats.logins,
        u64::from(manager.authenticator().logins()),
        "{stats}"
    );
    assert_eq!(stats.failures, 0, "{stats}");
    assert_eq!(stats.timeouts, 0, "{stats}");
    assert!(
        stats.refreshes > 0 && stats.invalidations > 0 && stats.logouts > 0,
        "{stats}"
    );
}
