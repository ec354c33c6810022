//! Loom models of `RwLock`: an upgradable reader's upgrade (and `with_upgraded`) excludes every
//! other writer; a bumped writer never shares the lock with the writer it lets in.

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

#[test]
fn with_upgraded_excludes_writers_and_keeps_the_guard() {
    model(|| {
        let lock = Arc::new(RwLock::new(0));
        let writer = {
            let lock = lock.clone();
            thread::spawn(move || *lock.write() += 10)
        };
        let mut up = lock.upgradable_read();
        let seen = *up;
        up.with_upgraded(|n| {
            assert_eq!(*n, seen, "no writer between the read and the upgrade");
            *n += 1;
        });
        assert_eq!(
            *up,
            seen + 1,
            "still held: no writer after the downgrade either"
        );
        drop(up);
        writer.join().unwrap();
        assert_eq!(*lock.read(), 11);
    });
}

#[test]
fn bumped_writer_and_the_writer_it_lets_in_never_overlap() {
    model(|| {
        let lock = Arc::new(RwLock::new((0, 0)));
        let other = {
            let lock = lock.clone();
            thread::spawn(move || {
                let mut w = lock.write();
                assert_eq!(w.0, w.1, "a write in progress was seen");
                w.0 += 1;
                w.1 += 1;
            })
        };
        // Each half is a whole update; the bump may let `other` in only between them.
        let mut w = lock.write();
        w.0 += 1;
        w.1 += 1;
        selvedge_locks::RwLockWriteGuard::bump(&mut w);
        assert_eq!(w.0, w.1, "a write in progress was seen");
        w.0 += 1;
        w.1 += 1;
        drop(w);
        other.join().unwrap();
        assert_eq!(*lock.read(), (3, 3));
    });
}
