//! In a debug build, re-locking a `Mutex` on the thread that holds it panics, naming the lock,
//! instead of hanging; every other use of the lock behaves as before (no false reports).
//!
//! With feature `lock-order` the checker reports the same mistake first, in its own words:
//! the assertions accept either report ("self-deadlock" and the lock's name).
#![cfg(debug_assertions)]

use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use selvedge_locks::{Condvar, Mutex, MutexGuard};

fn relock_message<T>(m: &Mutex<T>, first: impl FnOnce(&Mutex<T>) -> MutexGuard<'_, T>) -> String {
    let payload = catch_unwind(AssertUnwindSafe(|| {
        let _held = first(m);
        drop(m.lock());
    }))
    .expect_err("the re-lock must panic, not succeed");
    payload
        .downcast_ref::<String>()
        .cloned()
        .unwrap_or_else(|| panic!("unexpected panic payload"))
}

fn assert_reports(message: &str, name: &str) {
    assert!(message.contains("self-deadlock"), "{message}");
    assert!(message.contains(&format!("`{name}`")), "{message}");
    assert!(
        message.contains("mutex_relock.rs"),
        "the re-lock's site: {message}"
    );
}

#[test]
fn relocking_a_held_mutex_panics_naming_it() {
    let m = Mutex::named("relocked", 0);
    assert_reports(&relock_message(&m, Mutex::lock), "relocked");
    // The panic unwound through the first guard: the lock is free and works again.
    *m.lock() += 1;
    assert_eq!(*m.lock(), 1);
}

#[test]
fn relocking_after_try_lock_or_a_timed_lock_panics() {
    let m = Mutex::named("try-then-lock", ());
    assert_reports(
        &relock_message(&m, |m| m.try_lock().expect("free")),
        "try-then-lock",
    );
    assert_reports(
        &relock_message(&m, |m| {
            m.try_lock_for(Duration::from_secs(1)).expect("free")
        }),
        "try-then-lock",
    );
}

#[test]
fn an_unbounded_timed_relock_panics_but_a_bounded_one_times_out() {
    let m = Mutex::named("timed-relock", ());
    let held = m.lock();
    assert!(m.try_lock_for(Duration::from_millis(1)).is_err());
    let payload = catch_unwind(AssertUnwindSafe(|| m.try_lock_for(Duration::MAX).is_ok()))
        .expect_err("an unbounded wait on a held lock must panic");
    let message = payload
        .downcast_ref::<String>()
        .cloned()
        .unwrap_or_default();
    assert!(message.contains("self-deadlock"), "{message}");
    drop(held);
}

#[test]
fn relocking_while_a_mapped_guard_lives_panics_and_dropping_it_frees_the_lock() {
    let m = Mutex::named("mapped", (1, 2));
    let payload = catch_unwind(AssertUnwindSafe(|| {
        let mut second = MutexGuard::map(m.lock(), |pair| &mut pair.1);
        *second += 1;
        drop(m.lock());
    }))
    .expect_err("the re-lock must panic");
    let message = payload
        .downcast_ref::<String>()
        .cloned()
        .unwrap_or_default();
    assert_reports(&message, "mapped");
    drop(MutexGuard::map(m.lock(), |pair| &mut pair.0));
    assert_eq!(*m.lock(), (1, 3));
}

#[test]
fn relocking_after_a_condvar_wait_panics_even_if_another_thread_held_it_meanwhile() {
    let state = (Mutex::named("waited", 0_u32), Condvar::new());
    let message = std::thread::scope(|s| {
        s.spawn(|| {
            // Takes and releases the lock while the waiter sleeps in `wait_while`.
            *state.0.lock() = 1;
            state.1.notify_all();
        });
        let payload = catch_unwind(AssertUnwindSafe(|| {
            let mut g = state.0.lock();
            state.1.wait_while(&mut g, |n| *n == 0);
            drop(state.0.lock());
        }))
        .expect_err("the re-lock after the wait must panic");
        payload
            .downcast_ref::<String>()
            .cloned()
            .unwrap_or_default()
    });
    assert_reports(&message, "waited");
}

#[test]
fn a_lock_held_by_another_thread_is_waited_for_not_reported() {
    let m = Mutex::named("shared", 0);
    let held = m.lock();
    let waiting = AtomicBool::new(false);
    std::thread::scope(|s| {
        let waiter = s.spawn(|| {
            waiting.store(true, Ordering::Relaxed);
            *m.lock() += 1;
        });
        while !waiting.load(Ordering::Relaxed) {
            std::thread::yield_now();
        }
        std::thread::sleep(Duration::from_millis(5));
        drop(held);
        waiter.join().expect("waited, not reported");
    });
    assert_eq!(*m.lock(), 1);
}

#[test]
fn locking_inside_unlocked_while_another_thread_holds_it_waits_instead_of_reporting() {
    let m = Mutex::named("lent", 0);
    let mut guard = m.lock();
    MutexGuard::unlocked(&mut guard, || {
        let taken = AtomicBool::new(false);
        std::thread::scope(|s| {
            s.spawn(|| {
                let mut other = m.lock();
                taken.store(true, Ordering::Relaxed);
                // Long enough for this thread's `lock` below to find it taken and look the
                // holder up, which must not find this thread.
                std::thread::sleep(Duration::from_millis(50));
                *other += 1;
            });
            while !taken.load(Ordering::Relaxed) {
                std::thread::yield_now();
            }
            *m.lock() += 1;
        });
    });
    assert_eq!(*guard, 2);
    // Held again, and marked as this thread's again.
    let payload = catch_unwind(AssertUnwindSafe(|| drop(m.lock())))
        .expect_err("the re-lock after `unlocked` must panic");
    assert_reports(selvedge_trace::panic_text(&*payload), "lent");
}

/// No false report under contention: four threads lock, try-lock, map and wait on one mutex;
/// every blocking acquisition that finds it taken looks the holder up, and none may find
/// itself. The count proves every increment happened under the lock.
#[test]
fn contended_locking_in_every_form_never_reports_a_self_deadlock() {
    let state = (Mutex::named("busy", 0_u64), Condvar::new());
    let rounds = 2_000;
    std::thread::scope(|s| {
        for t in 0..4_u64 {
            let state = &state;
            s.spawn(move || {
                for i in 0..rounds {
                    match (t + i) % 4 {
                        0 => *state.0.lock() += 1,
                        1 => loop {
                            if let Some(mut g) = state.0.try_lock() {
                                *g += 1;
                                break;
                            }
                            *state.0.lock() += 0;
                        },
                        2 => *MutexGuard::map(state.0.lock(), |n| n) += 1,
                        _ => {
                            let mut g = state.0.lock();
                            state.1.wait_for(&mut g, Duration::from_micros(10));
                            *g += 1;
                            state.1.notify_one();
                        }
                    }
                }
            });
        }
    });
    assert_eq!(*state.0.lock(), 4 * rounds);
}
