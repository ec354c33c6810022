//! Loom models of `RwLock`: an upgradable reader's upgrade excludes every other writer.

use selvedge_locks::sync::Arc;
use selvedge_locks::{RwLock, RwLockUpgradableReadGuard};
use selvedge_testkit::{model, thread};

#[test]
fn upgrade_excludes_writers_so_a_checked_value_stays_true() {
    model(|| {
        let lock = Arc::new(RwLock::new(0));
        let writer = {
            let lock = lock.clone();
            thread::spawn(move || {
                let mut w = lock.write();
                *w += 10;
            })
        };
        // Read, then upgrade: no writer may slip in between the check and the write.
        let up = lock.upgradable_read();
        let seen = *up;
        let mut w = RwLockUpgradableReadGuard::upgrade(up);
        assert_eq!(*w, seen);
        *w += 1;
        drop(w);
        writer.join().unwrap();
        assert_eq!(*lock.read(), 11);
    });
}

#[test]
fn readers_never_see_a_half_write() {
    model(|| {
        let lock = Arc::new(RwLock::new((0, 0)));
        let writer = {
            let lock = lock.clone();
            thread::spawn(move || {
                let mut w = lock.write();
                w.0 = 1;
                w.1 = 1;
            })
        };
        let r = lock.read();
        assert_eq!(r.0, r.1);
        drop(r);
        writer.join().unwrap();
    });
}
