//! Lock-order checking survives thread teardown: a lock taken or released in a thread-local's
//! destructor, after the checker's own per-thread state is gone, is simply not checked.
//!
//! The failure these tests guard against is an abort ("thread local panicked on drop"), which
//! no in-process test can observe. So each test re-runs this test binary, restricted to
//! itself, with `CHILD` set: the child runs the scenario, and the parent asserts that it
//! exited successfully.
#![cfg(feature = "lock-order")]
#![allow(
    clippy::missing_const_for_thread_local,
    reason = "lazily initialised thread-locals, as in the issue's reproduction: their destructor is registered at first use"
)]

use std::cell::RefCell;
use std::process::Command;
use std::time::Duration;

use selvedge_locks::{Mutex, MutexGuard, ReentrantMutex, RwLock};

/// Set in the child process; its value names the scenario to run.
const CHILD: &str = "SELVEDGE_TEARDOWN_CHILD";

/// Runs `scenario` in a child process (this binary, only the test `name`) and asserts that the
/// child neither aborted nor failed.
fn in_child(name: &str, scenario: fn()) {
    if std::env::var(CHILD).is_ok_and(|child| child == name) {
        scenario();
        return;
    }
    // The harness names a test by its module path without the crate's name.
    let test = match module_path!().split_once("::") {
        Some((_, module)) => format!("{module}::{name}"),
        None => name.to_owned(),
    };
    let output = Command::new(std::env::current_exe().expect("the test binary's path"))
        .args([test.as_str(), "--exact", "--nocapture", "--test-threads=1"])
        .env(CHILD, name)
        .output()
        .expect("the test binary runs");
    let stderr = String::from_utf8_lossy(&output.stderr);
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(
        output.status.success(),
        "child {name} failed ({}):\n{stdout}\n{stderr}",
        output.status
    );
    // The filter matched exactly one test, so the scenario did run.
    assert!(
        stdout.contains("1 passed"),
        "child {name} ran nothing:\n{stdout}"
    );
}

/// Spawns a thread that touches the thread-local `touch` first, then takes a tracked lock (which
/// creates the checker's per-thread state), then exits: thread-locals are destroyed in the
/// reverse order of their creation, so `touch`'s destructor runs after the checker's state is
/// gone.
fn teardown_after_tracking(touch: fn()) {
    std::thread::spawn(move || {
        touch();
        drop(Mutex::named("first-tracked", ()).lock());
    })
    .join()
    .expect("the thread exits cleanly");
}

/// The reproduction from issue 21 (parking_lot's issue 203 scenario).
#[test]
fn mutex_lock_in_a_thread_local_destructor_after_the_checker_is_gone() {
    in_child(
        "mutex_lock_in_a_thread_local_destructor_after_the_checker_is_gone",
        || {
            struct Bar(Mutex<()>);
            impl Drop for Bar {
                fn drop(&mut self) {
                    drop(self.0.lock());
                }
            }
            thread_local! { static B: Bar = Bar(Mutex::new(())); }
            teardown_after_tracking(|| B.with(|_| ()));
        },
    );
}

#[test]
fn nested_locks_in_a_thread_local_destructor_after_the_checker_is_gone() {
    in_child(
        "nested_locks_in_a_thread_local_destructor_after_the_checker_is_gone",
        || {
            struct Bar(Mutex<()>, Mutex<()>);
            impl Drop for Bar {
                fn drop(&mut self) {
                    let _outer = self.0.lock();
                    let _inner = self.1.lock();
                }
            }
            thread_local! { static B: Bar = Bar(Mutex::new(()), Mutex::new(())); }
            teardown_after_tracking(|| B.with(|_| ()));
        },
    );
}

#[test]
fn mutex_try_lock_in_a_thread_local_destructor_after_the_checker_is_gone() {
    in_child(
        "mutex_try_lock_in_a_thread_local_destructor_after_the_checker_is_gone",
        || {
            struct Bar(Mutex<()>);
            impl Drop for Bar {
                fn drop(&mut self) {
                    assert!(self.0.try_lock().is_some());
                }
            }
            thread_local! { static B: Bar = Bar(Mutex::new(())); }
            teardown_after_tracking(|| B.with(|_| ()));
        },
    );
}

#[test]
fn timed_lock_in_a_thread_local_destructor_after_the_checker_is_gone() {
    in_child(
        "timed_lock_in_a_thread_local_destructor_after_the_checker_is_gone",
        || {
            struct Bar(Mutex<()>, RwLock<()>);
            impl Drop for Bar {
                fn drop(&mut self) {
                    assert!(self.0.try_lock_for(Duration::from_secs(1)).is_ok());
                    // A timeout too long to represent is checked like `lock`.
                    assert!(self.0.try_lock_for(Duration::MAX).is_ok());
                    assert!(self.1.try_write_for(Duration::from_secs(1)).is_ok());
                    assert!(self.1.try_read_for(Duration::MAX).is_ok());
                }
            }
            thread_local! { static B: Bar = Bar(Mutex::new(()), RwLock::new(())); }
            teardown_after_tracking(|| B.with(|_| ()));
        },
    );
}

#[test]
fn rwlock_write_and_read_in_a_thread_local_destructor_after_the_checker_is_gone() {
    in_child(
        "rwlock_write_and_read_in_a_thread_local_destructor_after_the_checker_is_gone",
        || {
            struct Bar(RwLock<u32>);
            impl Drop for Bar {
                fn drop(&mut self) {
                    *self.0.write() += 1;
                    assert_eq!(*self.0.read(), 1);
                    drop(self.0.upgradable_read());
                }
            }
            thread_local! { static B: Bar = Bar(RwLock::new(0)); }
            teardown_after_tracking(|| B.with(|_| ()));
        },
    );
}

#[test]
fn reentrant_lock_in_a_thread_local_destructor_after_the_checker_is_gone() {
    in_child(
        "reentrant_lock_in_a_thread_local_destructor_after_the_checker_is_gone",
        || {
            struct Bar(ReentrantMutex<()>);
            impl Drop for Bar {
                fn drop(&mut self) {
                    let _outer = self.0.lock();
                    let _again = self.0.lock();
                }
            }
            thread_local! { static B: Bar = Bar(ReentrantMutex::new(())); }
            teardown_after_tracking(|| B.with(|_| ()));
        },
    );
}

/// A guard taken while the checker tracked it and dropped after the checker's state is gone.
#[test]
fn a_tracked_guard_released_after_the_checker_is_gone() {
    in_child("a_tracked_guard_released_after_the_checker_is_gone", || {
        static SHARED: Mutex<u32> = Mutex::named("kept-past-teardown", 0);
        thread_local! {
            static KEPT: RefCell<Option<MutexGuard<'static, u32>>> =
                const { RefCell::new(None) };
        }
        std::thread::spawn(|| {
            // `KEPT` exists before the checker's state, so it is destroyed after it.
            KEPT.with_borrow(|_| ());
            let mut guard = SHARED.lock();
            *guard += 1;
            KEPT.set(Some(guard));
        })
        .join()
        .expect("the thread exits cleanly");
        // The guard was released at thread exit.
        assert_eq!(*SHARED.try_lock().expect("released at thread exit"), 1);
    });
}
