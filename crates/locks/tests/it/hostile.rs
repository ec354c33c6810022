//! Hostile use of every primitive: timeouts at zero and at `Duration::MAX`, constructors at
//! their limits, and panics while a guard is held or inside a mapping closure. Nothing may
//! hang, abort or stay locked.

use std::panic::{AssertUnwindSafe, catch_unwind};
use std::time::{Duration, Instant};

use selvedge_locks::{
    Barrier, Condvar, Event, Latch, Mutex, MutexGuard, ReentrantMutex, RwLock, Semaphore, lock_all,
    lock_both,
};

/// Runs `f` on another thread while `hold` is held here, then releases it.
fn while_held_elsewhere<G>(hold: impl FnOnce() -> G, f: impl FnOnce() + Send) {
    let guard = hold();
    std::thread::scope(|s| {
        s.spawn(f).join().unwrap();
    });
    drop(guard);
}

#[test]
fn zero_timeouts_never_wait_and_max_timeouts_succeed_on_free_locks() {
    let m = Mutex::new(0);
    assert!(m.try_lock_for(Duration::ZERO).is_ok());
    assert!(m.try_lock_for(Duration::MAX).is_ok());
    assert!(
        m.try_lock_until(Instant::now() - Duration::from_millis(1))
            .is_ok()
    );
    let rw = RwLock::new(0);
    assert!(rw.try_read_for(Duration::MAX).is_ok());
    assert!(rw.try_write_for(Duration::ZERO).is_ok());
    let re = ReentrantMutex::new(());
    let _outer = re.try_lock_for(Duration::MAX).unwrap();
    assert!(re.try_lock_for(Duration::ZERO).is_ok());
}

#[test]
fn zero_timeouts_on_locks_held_elsewhere_fail_at_once() {
    let m = Mutex::named("held", 0);
    while_held_elsewhere(
        || m.lock(),
        || {
            let started = Instant::now();
            let err = m.try_lock_for(Duration::ZERO).unwrap_err();
            assert_eq!(err.name(), "held");
            assert!(started.elapsed() < Duration::from_secs(5));
            assert!(m.try_lock_until(Instant::now()).is_err());
        },
    );
    let rw = RwLock::new(0);
    while_held_elsewhere(
        || rw.write(),
        || {
            assert!(rw.try_read_for(Duration::ZERO).is_err());
            assert!(rw.try_upgradable_read_for(Duration::ZERO).is_err());
        },
    );
    let re = ReentrantMutex::new(());
    while_held_elsewhere(
        || re.lock(),
        || assert!(re.try_lock_for(Duration::ZERO).is_err()),
    );
}

#[test]
fn a_max_timeout_waits_for_the_holder() {
    let m = Mutex::new(0);
    let held = m.lock();
    std::thread::scope(|s| {
        let waiter = s.spawn(|| *m.try_lock_for(Duration::MAX).unwrap());
        std::thread::sleep(Duration::from_millis(10));
        let mut held = held;
        *held = 7;
        drop(held);
        assert_eq!(waiter.join().unwrap(), 7);
    });
}

#[test]
fn condvar_timeouts_at_the_edges() {
    let m = Mutex::new(false);
    let cv = Condvar::new();
    let mut guard = m.lock();
    assert!(cv.wait_for(&mut guard, Duration::ZERO).timed_out());
    assert!(cv.wait_until(&mut guard, Instant::now()).timed_out());
    drop(guard);
    std::thread::scope(|s| {
        let waiter = s.spawn(|| {
            let mut ready = m.lock();
            while !*ready {
                // `Duration::MAX` must mean "no limit", not an overflow.
                let _ = cv.wait_for(&mut ready, Duration::MAX);
            }
        });
        std::thread::sleep(Duration::from_millis(10));
        *m.lock() = true;
        cv.notify_all();
        waiter.join().unwrap();
    });
}

#[test]
fn blocking_primitives_at_their_limits() {
    let none = Semaphore::new(0);
    assert!(none.acquire_timeout(Duration::ZERO).is_err());
    assert_eq!(none.acquire_many(0).num_permits(), 0);
    assert!(
        none.acquire_many_timeout(usize::MAX, Duration::ZERO)
            .is_err()
    );
    let all = Semaphore::new(usize::MAX);
    let taken = all.acquire_many(usize::MAX);
    assert_eq!(all.available_permits(), 0);
    all.add_permits(usize::MAX); // saturates: no overflow panic
    drop(taken);
    assert_eq!(all.available_permits(), usize::MAX);

    let open = Latch::new(0);
    open.wait();
    open.count_down(); // past zero: stays at zero
    assert_eq!(open.count(), 0);
    assert!(open.wait_timeout(Duration::MAX).is_ok());
    let closed = Latch::new(usize::MAX);
    assert!(closed.wait_timeout(Duration::ZERO).is_err());

    let alone = Barrier::new(0);
    assert_eq!(alone.parties(), 1);
    assert!(alone.wait().is_leader());
    assert!(alone.wait_timeout(Duration::ZERO).unwrap().is_leader());
    let pair = Barrier::new(2);
    assert!(pair.wait_timeout(Duration::ZERO).is_err());
    // The timed-out party withdrew: the next round still needs two.
    std::thread::scope(|s| {
        let other = s.spawn(|| pair.wait_timeout(Duration::MAX).unwrap().is_leader());
        let mine = pair.wait().is_leader();
        assert!(mine ^ other.join().unwrap());
    });

    let event = Event::new();
    assert!(event.wait_timeout(Duration::ZERO).is_err());
    event.set();
    assert!(event.wait_timeout(Duration::MAX).is_ok());
}

#[test]
fn a_panic_while_holding_any_guard_leaves_the_lock_usable() {
    let m = Mutex::new(1);
    let rw = RwLock::new(1);
    let re = ReentrantMutex::new(1);
    let sem = Semaphore::new(1);
    assert!(
        catch_unwind(AssertUnwindSafe(|| {
            let _g = m.lock();
            panic!("holding");
        }))
        .is_err()
    );
    assert!(
        catch_unwind(AssertUnwindSafe(|| {
            let _g = rw.write();
            panic!("holding");
        }))
        .is_err()
    );
    assert!(
        catch_unwind(AssertUnwindSafe(|| {
            let _a = re.lock();
            let _b = re.lock();
            panic!("holding");
        }))
        .is_err()
    );
    assert!(
        catch_unwind(AssertUnwindSafe(|| {
            let _p = sem.acquire();
            panic!("holding");
        }))
        .is_err()
    );
    // No poisoning, nothing left held.
    assert!(m.try_lock().is_some());
    assert!(rw.try_write().is_some());
    assert!(re.try_lock().is_some());
    assert_eq!(sem.available_permits(), 1);
}

#[test]
fn a_panicking_mapping_closure_releases_the_lock() {
    let m = Mutex::new((1, 2));
    assert!(
        catch_unwind(AssertUnwindSafe(|| {
            let _ = MutexGuard::map(m.lock(), |_| -> &mut i32 { panic!("map") });
        }))
        .is_err()
    );
    assert!(
        catch_unwind(AssertUnwindSafe(|| {
            let _ = MutexGuard::try_map(m.lock(), |_| -> Option<&mut i32> { panic!("map") });
        }))
        .is_err()
    );
    assert!(m.try_lock().is_some());
    // And the lock is not recorded as still held (feature `lock-order`: a relock would panic).
    let _again = m.lock();
}

#[test]
fn multi_locking_at_its_limits() {
    let a = Mutex::new(0);
    let none: [&Mutex<i32>; 0] = [];
    assert!(lock_all(&none).unwrap().is_empty());
    assert!(lock_both(&a, &a).is_err());
    assert!(lock_all(&[&a, &a]).is_err());
    assert!(a.try_lock().is_some());
}
