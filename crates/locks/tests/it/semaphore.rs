//! Black-box tests of `Semaphore`: permits, RAII release, timeouts.

use std::time::Duration;

use selvedge_locks::Semaphore;

#[test]
fn permits_are_returned_on_drop_and_forget_keeps_them() {
    let sem = Semaphore::new(3);
    let a = sem.acquire();
    let many = sem.acquire_many(2);
    assert_eq!(sem.available_permits(), 0);
    assert!(sem.try_acquire().is_none());
    drop(many);
    assert_eq!(sem.available_permits(), 2);
    a.forget();
    assert_eq!(sem.available_permits(), 2);
    assert_eq!(sem.acquire_many(0).num_permits(), 0);
}

#[test]
fn acquire_timeout_times_out_then_succeeds_after_add_permits() {
    let sem = Semaphore::new(0);
    let err = sem.acquire_timeout(Duration::from_millis(10)).unwrap_err();
    assert!(err.waited() >= Duration::from_millis(10));
    assert!(err.to_string().contains("semaphore"));
    std::thread::scope(|s| {
        s.spawn(|| {
            std::thread::sleep(Duration::from_millis(5));
            sem.add_permits(2);
        });
        let permit = sem
            .acquire_many_timeout(2, Duration::from_secs(10))
            .unwrap();
        assert_eq!(permit.num_permits(), 2);
    });
    assert_eq!(sem.available_permits(), 2);
}

#[test]
fn a_blocked_acquire_wakes_when_a_permit_is_released() {
    let sem = Semaphore::new(1);
    std::thread::scope(|s| {
        let held = sem.acquire();
        let waiter = s.spawn(|| sem.acquire().num_permits());
        std::thread::sleep(Duration::from_millis(5));
        drop(held);
        assert_eq!(waiter.join().unwrap(), 1);
    });
}
