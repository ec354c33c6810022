//! Loom models of the Linux backend's futex protocols.
//!
//! The crate's own locks are loom's under `--cfg selvedge_loom` (`src/raw/loom.rs`), and a real
//! futex cannot be model-checked, so this file compiles the protocol sources themselves,
//! `src/raw/futex_mutex.rs`, `src/raw/futex_condvar.rs` and `src/raw/futex_rwlock.rs` (its
//! models in `futex_backend/rwlock.rs`), against a model of
//! `src/raw/futex.rs`: one FIFO queue of sleepers per word, whose check of the word and whose
//! queueing happen under one lock, as in the kernel. A thread's first timed wait in the model
//! sleeps until woken and its later ones time out the moment they would sleep, and the
//! starvation threshold is zero under loom, so every waiter that slept asks for a hand-off:
//! together they reach a starving waiter giving up while the lock is handed over.
//!
//! In a normal build on Linux the same sources run over the real `futex.rs`, and each model
//! runs on real threads (`selvedge_testkit::model`).
#![cfg(any(selvedge_loom, target_os = "linux"))]

// The protocol sources, in this module (they name each other as `super::`, and take
// `crate::sync` and `crate::loom_const_fn!` from this binary's root, `main.rs`). Each model
// uses part of their API (the rest is the crate's), and they are written for `pub(crate)`
// inside the crate.
#[cfg(not(selvedge_loom))]
#[path = "../../src/raw/futex.rs"]
#[allow(dead_code, unreachable_pub)]
mod futex;

#[cfg(selvedge_loom)]
mod futex {
    //! The futex model: per word, a FIFO queue of sleeping threads.

    use std::collections::{HashMap, HashSet, VecDeque};
    use std::time::Instant;

    use loom::sync::{Condvar, Mutex};

    use crate::sync::atomic::AtomicU32;
    use crate::sync::atomic::Ordering::SeqCst;

    #[derive(Default)]
    struct Kernel {
        next_ticket: u64,
        asleep: HashMap<usize, VecDeque<u64>>,
        woken: HashSet<u64>,
    }

    loom::lazy_static! {
        static ref KERNEL: (Mutex<Kernel>, Condvar) = (Mutex::new(Kernel::default()), Condvar::new());
    }

    loom::thread_local! {
        static TIMED_BEFORE: std::cell::Cell<bool> = std::cell::Cell::new(false);
    }

    fn key(word: &AtomicU32) -> usize {
        std::ptr::from_ref(word).addr()
    }

    pub(crate) fn wait_until(word: &AtomicU32, expected: u32, deadline: Option<Instant>) -> bool {
        let (lock, woken) = &*KERNEL;
        let mut kernel = lock.lock().unwrap();
        if word.load(SeqCst) != expected {
            return true;
        }
        // A thread's first timed wait sleeps until woken, so it can come to starve; every
        // later one times out the moment it would sleep, the worst moment for a hand-off.
        if deadline.is_some() && TIMED_BEFORE.with(|before| before.replace(true)) {
            return false;
        }
        let ticket = kernel.next_ticket;
        kernel.next_ticket += 1;
        kernel
            .asleep
            .entry(key(word))
            .or_default()
            .push_back(ticket);
        while !kernel.woken.remove(&ticket) {
            kernel = woken.wait(kernel).unwrap();
        }
        true
    }

    pub(crate) fn wake_one(word: &AtomicU32) -> bool {
        let (lock, woken) = &*KERNEL;
        let mut kernel = lock.lock().unwrap();
        let Some(ticket) = kernel
            .asleep
            .get_mut(&key(word))
            .and_then(VecDeque::pop_front)
        else {
            return false;
        };
        kernel.woken.insert(ticket);
        woken.notify_all();
        true
    }

    pub(crate) fn wake_all(word: &AtomicU32) -> usize {
        let (lock, woken) = &*KERNEL;
        let mut kernel = lock.lock().unwrap();
        let tickets: Vec<u64> = kernel.asleep.remove(&key(word)).unwrap_or_default().into();
        let n = tickets.len();
        kernel.woken.extend(tickets);
        woken.notify_all();
        n
    }
}

#[path = "../../src/raw/futex_condvar.rs"]
#[allow(dead_code, unreachable_pub, unused_imports)]
mod futex_condvar;
#[path = "../../src/raw/futex_mutex.rs"]
#[allow(dead_code, unreachable_pub)]
mod futex_mutex;
#[path = "../../src/raw/futex_rwlock.rs"]
#[allow(dead_code, unreachable_pub)]
mod futex_rwlock;
#[path = "../../src/raw/spin_wait.rs"]
mod spin_wait;
// Only the lock_api impls use it, and they are not built under loom.
#[cfg(not(selvedge_loom))]
#[path = "../../src/raw/timeout.rs"]
mod timeout;

/// The models of `futex_rwlock.rs`.
mod rwlock;

use std::time::Instant;

use futex_condvar::FutexCondvar;
use futex_mutex::FutexMutex;
use selvedge_locks::sync::Arc;
use selvedge_locks::sync::atomic::{AtomicBool, Ordering};
use selvedge_locks::sync::cell::UnsafeCell;
use selvedge_testkit::thread;

/// `selvedge_testkit::model` with at least three preemptions under loom: a timed waiter giving
/// up between its futex check and its reload of the word, while the lock is handed over, takes
/// three (CI's default is two). Every model here still finishes in well under a second.
pub(crate) fn model(body: impl Fn() + Sync + Send + 'static) {
    #[cfg(selvedge_loom)]
    {
        let mut builder = loom::model::Builder::new();
        builder.preemption_bound = Some(builder.preemption_bound.unwrap_or(0).max(3));
        builder.check(body);
    }
    #[cfg(not(selvedge_loom))]
    selvedge_testkit::model(body);
}

/// A counter guarded by a `FutexMutex`; loom reports any overlapping access as a data race.
struct Counted {
    lock: FutexMutex,
    count: UnsafeCell<u32>,
}

// SAFETY: `count` is touched only between `lock.lock()` (or a successful try) and
// `lock.unlock()`; if the protocol failed to exclude, loom would report the race.
unsafe impl Sync for Counted {}

impl Counted {
    fn new() -> Arc<Self> {
        Arc::new(Self {
            lock: FutexMutex::new(),
            count: UnsafeCell::new(0),
        })
    }

    /// Adds one; the caller holds the lock.
    fn bump(&self) {
        // SAFETY: the caller holds `lock` (what the models check).
        self.count.with_mut(|n| unsafe { *n += 1 });
    }

    /// The count, once every thread is joined, and proof the word went back to free:
    /// a hand-off left behind would make this `try_lock` fail.
    fn finish(&self) -> u32 {
        assert!(!self.lock.is_locked(), "lock left held or handed over");
        assert!(self.lock.try_lock(), "lock word not back to 0");
        // SAFETY: held since the line above; every other thread is joined.
        let n = self.count.with(|n| unsafe { *n });
        self.lock.unlock();
        n
    }
}

#[test]
fn two_lockers_exclude_each_other_and_leave_it_free() {
    model(|| {
        let shared = Counted::new();
        let other = {
            let shared = shared.clone();
            thread::spawn(move || {
                for _ in 0..2 {
                    shared.lock.lock();
                    shared.bump();
                    shared.lock.unlock();
                }
            })
        };
        shared.lock.lock();
        shared.bump();
        shared.lock.unlock();
        other.join().unwrap();
        assert_eq!(shared.finish(), 3);
    });
}

#[test]
fn three_lockers_leave_no_sleeper_behind() {
    // A waiter that slept takes the lock as CONTENDED, not LOCKED: it cannot know whether
    // another still sleeps, and LOCKED would make the next unlock wake nobody.
    model(|| {
        let shared = Counted::new();
        let others: Vec<_> = (0..2)
            .map(|_| {
                let shared = shared.clone();
                thread::spawn(move || {
                    shared.lock.lock();
                    shared.bump();
                    shared.lock.unlock();
                })
            })
            .collect();
        shared.lock.lock();
        shared.bump();
        shared.lock.unlock();
        for other in others {
            other.join().unwrap();
        }
        assert_eq!(shared.finish(), 3);
    });
}

#[test]
fn fair_unlock_hands_over_or_frees() {
    model(|| {
        let shared = Counted::new();
        let other = {
            let shared = shared.clone();
            thread::spawn(move || {
                shared.lock.lock();
                shared.bump();
                shared.lock.unlock();
            })
        };
        shared.lock.lock();
        shared.bump();
        shared.lock.unlock_fair();
        // bump's second half: take it back behind the waiter, if there was one.
        shared.lock.lock();
        shared.bump();
        shared.lock.unlock();
        other.join().unwrap();
        assert_eq!(shared.finish(), 3);
    });
}

#[test]
fn timed_waiter_giving_up_strands_no_hand_off() {
    // A blocking waiter and a timed one behind a holder: the timed waiter may give up while
    // the lock is handed over, which must leave the lock to the other waiter, not to nobody.
    model(|| {
        let shared = Counted::new();
        shared.lock.lock();
        let blocking = {
            let shared = shared.clone();
            thread::spawn(move || {
                shared.lock.lock();
                shared.bump();
                shared.lock.unlock();
            })
        };
        let timed = {
            let shared = shared.clone();
            thread::spawn(move || {
                // The model times out whenever the wait would sleep; the real futex has the
                // whole deadline.
                let deadline = Instant::now() + std::time::Duration::from_millis(1);
                let took = shared.lock.try_lock_until(deadline);
                if took {
                    shared.bump();
                    shared.lock.unlock();
                }
                u32::from(took)
            })
        };
        shared.bump();
        shared.lock.unlock();
        blocking.join().unwrap();
        let timed_took = timed.join().unwrap();
        assert_eq!(shared.finish(), 2 + timed_took);
    });
}

/// A flag and a condvar, the flag set under the lock.
struct Signal {
    lock: FutexMutex,
    ready: AtomicBool,
    changed: FutexCondvar,
}

#[test]
fn condvar_notification_after_unlock_is_not_lost() {
    model(|| {
        let signal = Arc::new(Signal {
            lock: FutexMutex::new(),
            ready: AtomicBool::new(false),
            changed: FutexCondvar::new(),
        });
        let notifier = {
            let signal = signal.clone();
            thread::spawn(move || {
                signal.lock.lock();
                signal.ready.store(true, Ordering::Relaxed);
                signal.lock.unlock();
                signal.changed.notify_one();
            })
        };
        signal.lock.lock();
        while !signal.ready.load(Ordering::Relaxed) {
            let seq = signal.changed.prepare();
            signal.lock.unlock();
            signal.changed.sleep(seq, None);
            signal.lock.lock();
        }
        signal.lock.unlock();
        notifier.join().unwrap();
    });
}
