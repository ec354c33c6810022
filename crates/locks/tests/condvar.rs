//! Black-box tests of `Condvar` with `Mutex`.

use std::time::{Duration, Instant};

use selvedge_locks::{Condvar, Mutex};

#[test]
fn notify_all_wakes_every_waiter() {
    let state = (Mutex::new((false, 0_u32)), Condvar::new());
    std::thread::scope(|s| {
        for _ in 0..3 {
            s.spawn(|| {
                let mut g = state.0.lock();
                state.1.wait_while(&mut g, |(go, _)| !*go);
                g.1 += 1;
            });
        }
        std::thread::sleep(Duration::from_millis(10));
        state.0.lock().0 = true;
        state.1.notify_all();
    });
    assert_eq!(state.0.lock().1, 3);
}

#[test]
fn timed_waits_time_out() {
    let (m, cv) = (Mutex::new(()), Condvar::new());
    let mut g = m.lock();
    assert!(cv.wait_for(&mut g, Duration::from_millis(5)).timed_out());
    let deadline = Instant::now() + Duration::from_millis(5);
    assert!(cv.wait_until(&mut g, deadline).timed_out());
    assert!(Instant::now() >= deadline);
}
