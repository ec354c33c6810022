//! parking_lot/lock_api parity: fair unlocking and `bump` on the guards of `Mutex` and
//! `RwLock`, `RwLock::read_recursive` (parking_lot's own `test_rwlock_recursive`, ported), and
//! `with_upgraded` on the upgradable guard; `bump`/`unlock_fair` on `ReentrantMutexGuard`.

use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use selvedge_locks::{
    Mutex, MutexGuard, RwLock, RwLockReadGuard, RwLockUpgradableReadGuard, RwLockWriteGuard,
};

/// Runs `bump_then_check` (a bump, then whether the waiter got in) until it says yes, for at
/// most ten seconds; whether it did.
fn bump_until(mut bump_then_check: impl FnMut() -> bool) -> bool {
    let deadline = Instant::now() + Duration::from_secs(10);
    while Instant::now() < deadline {
        if bump_then_check() {
            return true;
        }
        std::thread::yield_now();
    }
    false
}

#[test]
fn mutex_bump_lets_a_waiter_in_and_keeps_the_lock() {
    let m = Mutex::named("bumped", 0);
    let mut guard = m.lock();
    std::thread::scope(|s| {
        s.spawn(|| *m.lock() += 1);
        // Without `bump` the waiter never gets in while `guard` lives.
        assert!(bump_until(|| {
            MutexGuard::bump(&mut guard);
            *guard == 1
        }));
        *guard += 1;
        assert!(m.try_lock().is_none(), "the guard holds the lock again");
    });
    drop(guard);
    assert_eq!(*m.lock(), 2);
}

#[test]
fn mutex_bump_without_waiters_returns_at_once() {
    let m = Mutex::new(5);
    let mut guard = m.lock();
    MutexGuard::bump(&mut guard);
    assert_eq!(*guard, 5);
    assert!(m.is_locked());
}

#[test]
fn mutex_unlock_fair_hands_over_and_releases() {
    let m = Mutex::new(0);
    let started = AtomicBool::new(false);
    std::thread::scope(|s| {
        let guard = m.lock();
        let waiter = s.spawn(|| {
            started.store(true, Ordering::SeqCst);
            *m.lock() += 1;
        });
        while !started.load(Ordering::SeqCst) {
            std::thread::yield_now();
        }
        MutexGuard::unlock_fair(guard);
        waiter.join().unwrap();
    });
    assert_eq!(*m.lock(), 1);
    assert!(!m.is_locked());
}

#[test]
fn rwlock_write_bump_lets_a_reader_in() {
    let lock = RwLock::new(0);
    let read = AtomicBool::new(false);
    let mut guard = lock.write();
    *guard = 7;
    std::thread::scope(|s| {
        s.spawn(|| {
            assert_eq!(*lock.read(), 7);
            read.store(true, Ordering::SeqCst);
        });
        assert!(bump_until(|| {
            RwLockWriteGuard::bump(&mut guard);
            read.load(Ordering::SeqCst)
        }));
        assert!(lock.is_locked_exclusive());
    });
}

#[test]
fn rwlock_read_bump_lets_a_writer_in() {
    let lock = RwLock::new(0);
    let mut guard = lock.read();
    std::thread::scope(|s| {
        s.spawn(|| *lock.write() += 1);
        assert!(bump_until(|| {
            RwLockReadGuard::bump(&mut guard);
            *guard == 1
        }));
    });
}

#[test]
fn rwlock_upgradable_bump_lets_a_writer_in() {
    let lock = RwLock::new(0);
    let mut guard = lock.upgradable_read();
    std::thread::scope(|s| {
        s.spawn(|| *lock.write() += 1);
        assert!(bump_until(|| {
            RwLockUpgradableReadGuard::bump(&mut guard);
            *guard == 1
        }));
    });
    let mut writer = RwLockUpgradableReadGuard::upgrade(guard);
    *writer += 1;
    drop(writer);
    assert_eq!(*lock.read(), 2);
}

#[test]
fn rwlock_guards_unlock_fair() {
    let lock = RwLock::new(());
    RwLockReadGuard::unlock_fair(lock.read());
    RwLockWriteGuard::unlock_fair(lock.write());
    RwLockUpgradableReadGuard::unlock_fair(lock.upgradable_read());
    assert!(!lock.is_locked());
}

// parking_lot `test_rwlock_recursive`. With feature `lock-order`, the first `read` followed
// by `read_recursive` is allowed (it cannot block), which this test also shows.
#[test]
fn test_rwlock_recursive() {
    let lock = RwLock::new(1);
    let lock1 = lock.read();
    std::thread::scope(|s| {
        let t = s.spawn(|| {
            let _lock = lock.write();
        });
        std::thread::sleep(Duration::from_millis(100));

        // A normal read would block here since there is a pending writer
        let lock2 = lock.read_recursive();

        // Unblock the thread and join it.
        drop(lock1);
        drop(lock2);
        t.join().unwrap();
    });
}

#[test]
fn with_upgraded_writes_and_keeps_the_upgradable_guard() {
    let lock = RwLock::new(vec![1]);
    let mut guard = lock.upgradable_read();
    let len = guard.with_upgraded(|v| {
        v.push(2);
        v.len()
    });
    assert_eq!(len, 2);
    assert_eq!(*guard, [1, 2]);
    // Back to upgradable: readers share it, another upgradable reader does not.
    assert!(lock.try_read().is_some());
    assert!(lock.try_upgradable_read().is_none());
    assert_eq!(guard.try_with_upgraded(|v| v.pop()), Some(Some(2)));
}

#[test]
fn with_upgraded_waits_for_readers_and_try_refuses_while_they_read() {
    let lock = RwLock::new(0);
    let mut guard = lock.upgradable_read();
    let reading = AtomicBool::new(false);
    let release = AtomicBool::new(false);
    std::thread::scope(|s| {
        s.spawn(|| {
            let _reader = lock.read();
            reading.store(true, Ordering::SeqCst);
            while !release.load(Ordering::SeqCst) {
                std::thread::yield_now();
            }
        });
        while !reading.load(Ordering::SeqCst) {
            std::thread::yield_now();
        }
        assert_eq!(guard.try_with_upgraded(|n| *n += 1), None);
        release.store(true, Ordering::SeqCst);
        guard.with_upgraded(|n| *n += 1); // waits for the reader to leave
    });
    assert_eq!(*guard, 1);
}

#[test]
fn with_upgraded_panicking_closure_downgrades_back() {
    let lock = RwLock::new(0);
    let mut guard = lock.upgradable_read();
    let result = catch_unwind(AssertUnwindSafe(|| {
        guard.with_upgraded(|_| panic!("deliberate test panic"))
    }));
    assert!(result.is_err());
    assert!(!lock.is_locked_exclusive());
    assert!(lock.try_read().is_some());
    drop(guard);
    assert!(lock.try_write().is_some());
}

#[test]
fn reentrant_bump_lets_a_waiter_in_when_held_once() {
    let m = selvedge_locks::ReentrantMutex::new(std::cell::Cell::new(0));
    let mut guard = m.lock();
    std::thread::scope(|s| {
        s.spawn(|| {
            let held = m.lock();
            held.set(held.get() + 1);
        });
        assert!(bump_until(|| {
            selvedge_locks::ReentrantMutexGuard::bump(&mut guard);
            guard.get() == 1
        }));
    });
    selvedge_locks::ReentrantMutexGuard::unlock_fair(guard);
    assert_eq!(m.lock().get(), 1);
}
