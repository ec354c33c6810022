//! Black-box tests of `RwLock`: modes, upgrade/downgrade, timeouts.

use std::time::Duration;

use selvedge_locks::{
    RwLock, RwLockUpgradableReadGuard, RwLockWriteGuard, set_contention_threshold,
};
use selvedge_trace::{events, testing};

#[test]
fn readers_share_and_writers_exclude() {
    let lock = RwLock::new(0);
    let r1 = lock.read();
    std::thread::scope(|s| {
        s.spawn(|| {
            let _r2 = lock.read();
            assert!(lock.try_write().is_none());
        });
    });
    drop(r1);
    let w = lock.write();
    assert!(lock.is_locked_exclusive());
    assert!(lock.try_read().is_none());
    assert!(lock.try_upgradable_read().is_none());
    drop(w);
}

#[test]
fn upgradable_read_shares_with_readers_but_excludes_writers_and_upgradables() {
    let lock = RwLock::new(0);
    let up = lock.upgradable_read();
    std::thread::scope(|s| {
        s.spawn(|| {
            assert!(lock.try_read().is_some());
            assert!(lock.try_write().is_none());
            assert!(lock.try_upgradable_read().is_none());
        });
    });
    let mut w = RwLockUpgradableReadGuard::upgrade(up);
    *w = 5;
    let r = RwLockWriteGuard::downgrade(w);
    assert_eq!(*r, 5);
    assert!(lock.try_read().is_some());
}

#[test]
fn upgrade_waits_for_readers() {
    let lock = RwLock::new(0);
    let reading = std::sync::Barrier::new(2);
    std::thread::scope(|s| {
        s.spawn(|| {
            let reader = lock.read();
            reading.wait();
            std::thread::sleep(Duration::from_millis(10));
            drop(reader);
        });
        reading.wait();
        let up = lock.upgradable_read();
        let up = RwLockUpgradableReadGuard::try_upgrade(up).unwrap_err();
        // Blocks until the reader leaves, 10 ms later.
        *RwLockUpgradableReadGuard::upgrade(up) += 1;
    });
    assert_eq!(lock.into_inner(), 1);
}

#[test]
fn timed_variants_time_out_with_the_name() {
    let lock = RwLock::named("routes", ());
    let w = lock.write();
    std::thread::scope(|s| {
        s.spawn(|| {
            let e = lock.try_read_for(Duration::from_millis(5)).unwrap_err();
            assert_eq!(e.name(), "routes");
            assert!(lock.try_write_for(Duration::from_millis(5)).is_err());
            assert!(
                lock.try_upgradable_read_for(Duration::from_millis(5))
                    .is_err()
            );
            let deadline = std::time::Instant::now() + Duration::from_millis(5);
            assert!(lock.try_write_until(deadline).is_err());
        });
    });
    drop(w);
    assert!(lock.try_write_for(Duration::from_millis(5)).is_ok());
}

#[test]
fn writers_never_overlap_readers() {
    // Invariant: the pair is always equal when observed under a read lock.
    let lock = RwLock::new((0_u64, 0_u64));
    std::thread::scope(|s| {
        for _ in 0..2 {
            s.spawn(|| {
                for _ in 0..2_000 {
                    let mut w = lock.write();
                    w.0 += 1;
                    w.1 += 1;
                }
            });
        }
        for _ in 0..2 {
            s.spawn(|| {
                for _ in 0..2_000 {
                    let r = lock.read();
                    assert_eq!(r.0, r.1);
                }
            });
        }
    });
    assert_eq!(*lock.read(), (4_000, 4_000));
}

#[test]
fn a_reader_blocked_by_a_writer_reports_contention_with_the_name() {
    set_contention_threshold(Duration::ZERO);
    let lock = RwLock::named("routes-table", 0);
    let writing = std::sync::Barrier::new(2);
    // `capture_all`'s process-wide subscriber: a scoped one loses this event now and then when
    // other tests in the process register and drop their own scoped subscribers meanwhile
    // (tracing recomputes the call site's interest without it).
    let ((), captured) = testing::capture_all(|| {
        std::thread::scope(|s| {
            s.spawn(|| {
                let w = lock.write();
                writing.wait();
                std::thread::sleep(Duration::from_millis(20));
                drop(w);
            });
            writing.wait();
            assert_eq!(*lock.read(), 0);
        });
    });
    let event = captured
        .iter()
        .find(|e| e.name == events::LOCK_CONTENDED && e.field("name") == Some("routes-table"))
        .unwrap_or_else(|| panic!("no lock.contended event in {captured:?}"));
    assert_eq!(event.field("name"), Some("routes-table"));
    assert!(
        event
            .field("location")
            .unwrap()
            .contains("tests/it/rwlock.rs")
    );
}
