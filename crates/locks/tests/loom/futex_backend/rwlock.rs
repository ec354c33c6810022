//! Loom models of `src/raw/futex_rwlock.rs` over the futex model: readers and writers waking
//! each other, a writer waiting while readers drain, an upgrade racing a writer, timed waits
//! racing releases, the fair hand-off, and a recursive read past a waiting writer. Under loom
//! every waiter that slept starves (the threshold is zero), so every contended release here
//! also runs the starving waiters' reservation.

use std::time::{Duration, Instant};

use selvedge_locks::sync::Arc;
use selvedge_locks::sync::cell::UnsafeCell;
use selvedge_testkit::thread;

use super::futex_rwlock::FutexRwLock;
use super::model;

/// A pair written together under the write lock; loom reports any read or write that overlaps
/// a write as a data race, and the readers check the pair is never half written.
struct Guarded {
    lock: FutexRwLock,
    pair: UnsafeCell<(u32, u32)>,
}

// SAFETY: `pair` is written only between a write acquisition and its release, and read only
// while some mode is held; if the protocol failed to exclude, loom would report the race.
unsafe impl Sync for Guarded {}

impl Guarded {
    fn new() -> Arc<Self> {
        Arc::new(Self {
            lock: FutexRwLock::new(),
            pair: UnsafeCell::new((0, 0)),
        })
    }

    /// Adds one to both halves; the caller holds the write lock.
    fn bump(&self) {
        // SAFETY: the caller writes (what the models check).
        self.pair.with_mut(|p| unsafe {
            (*p).0 += 1;
            (*p).1 += 1;
        });
    }

    /// The pair, checked whole; the caller holds the lock in some mode.
    fn read(&self) -> u32 {
        // SAFETY: the caller holds the lock (what the models check).
        let (a, b) = self.pair.with(|p| unsafe { *p });
        assert_eq!(a, b, "a reader saw a half-written pair");
        a
    }

    /// The count of writes, once every thread is joined, and proof the word went back to free:
    /// a hand-off, a starving registration or a writer's bit left behind would make a
    /// newcomer's `try_write` or `try_read` fail.
    fn finish(&self) -> u32 {
        assert!(!self.lock.is_locked(), "lock left held");
        assert!(self.lock.try_write(), "lock left reserved");
        self.lock.unlock_write();
        assert!(self.lock.try_read(), "readers left held back");
        let n = self.read();
        self.lock.unlock_read();
        n
    }
}

/// Spawns a thread that writes once.
fn writer(shared: &Arc<Guarded>) -> thread::JoinHandle<()> {
    let shared = shared.clone();
    thread::spawn(move || {
        shared.lock.write();
        shared.bump();
        shared.lock.unlock_write();
    })
}

/// Spawns a thread that reads once.
fn reader(shared: &Arc<Guarded>) -> thread::JoinHandle<()> {
    let shared = shared.clone();
    thread::spawn(move || {
        shared.lock.read();
        shared.read();
        shared.lock.unlock_read();
    })
}

#[test]
fn readers_and_writers_wake_each_other() {
    // A reader behind a writer is woken by the write's release, a writer behind either by the
    // release that frees the lock; nobody is left asleep.
    model(|| {
        let shared = Guarded::new();
        let (r, w) = (reader(&shared), writer(&shared));
        shared.lock.write();
        shared.bump();
        shared.lock.unlock_write();
        r.join().unwrap();
        w.join().unwrap();
        assert_eq!(shared.finish(), 2);
    });
}

#[test]
fn a_writer_waits_while_the_readers_drain() {
    model(|| {
        let shared = Guarded::new();
        shared.lock.read();
        let (w, r) = (writer(&shared), reader(&shared));
        assert_eq!(shared.read(), 0, "a writer entered past a reader");
        shared.lock.unlock_read();
        w.join().unwrap();
        r.join().unwrap();
        assert_eq!(shared.finish(), 1);
    });
}

#[test]
fn an_upgrade_racing_a_writer_excludes_it() {
    // The upgradable holder checks, then upgrades past a reader that must leave first; the
    // writer may come before or after, never in between.
    model(|| {
        let shared = Guarded::new();
        let (w, r) = (writer(&shared), reader(&shared));
        shared.lock.upgradable();
        let seen = shared.read();
        shared.lock.upgrade();
        assert_eq!(shared.read(), seen, "a writer slipped into the upgrade");
        shared.bump();
        shared.lock.unlock_write();
        w.join().unwrap();
        r.join().unwrap();
        assert_eq!(shared.finish(), 2);
    });
}

#[test]
fn a_timed_writer_giving_up_strands_nobody() {
    // A blocking writer and a timed one behind a writer that releases and writes again: the
    // release wakes one writer, the releasing thread may take the lock back first, and the
    // timed writer may then give up, which must not leave the other one asleep for good.
    model(|| {
        let shared = Guarded::new();
        shared.lock.write();
        let w = writer(&shared);
        let timed = {
            let shared = shared.clone();
            thread::spawn(move || {
                // The model times out whenever a later wait would sleep.
                let took = shared
                    .lock
                    .try_write_until(Instant::now() + Duration::from_millis(1));
                if took {
                    shared.bump();
                    shared.lock.unlock_write();
                }
                u32::from(took)
            })
        };
        shared.bump();
        shared.lock.unlock_write();
        shared.lock.write();
        shared.bump();
        shared.lock.unlock_write();
        w.join().unwrap();
        let timed_took = timed.join().unwrap();
        assert_eq!(shared.finish(), 3 + timed_took);
    });
}

#[test]
fn a_timed_reader_and_upgrade_giving_up_strand_nobody() {
    // A timed reader queued behind a writer that waits for the upgradable holder, whose timed
    // upgrade waits for the timed reader: every give-up must leave the others a way in.
    model(|| {
        let shared = Guarded::new();
        shared.lock.read();
        let w = writer(&shared);
        let timed = {
            let shared = shared.clone();
            thread::spawn(move || {
                let deadline = Instant::now() + Duration::from_millis(1);
                if shared.lock.try_read_until(deadline) {
                    shared.read();
                    shared.lock.unlock_read();
                }
            })
        };
        shared.lock.unlock_read();
        shared.lock.upgradable();
        let upgraded = shared
            .lock
            .try_upgrade_until(Instant::now() + Duration::from_millis(1));
        if upgraded {
            shared.bump();
            shared.lock.unlock_write();
        } else {
            shared.lock.unlock_upgradable();
        }
        w.join().unwrap();
        timed.join().unwrap();
        assert_eq!(shared.finish(), 1 + u32::from(upgraded));
    });
}

#[test]
fn a_fair_unlock_hands_over_or_frees() {
    model(|| {
        let shared = Guarded::new();
        let w = writer(&shared);
        shared.lock.write();
        shared.bump();
        shared.lock.unlock_write_fair();
        // `bump`'s second half: take it back behind the waiter, if there was one.
        shared.lock.write();
        shared.bump();
        shared.lock.unlock_write();
        w.join().unwrap();
        assert_eq!(shared.finish(), 3);
    });
}

#[test]
fn a_fair_read_unlock_hands_over_to_a_writer_or_frees() {
    model(|| {
        let shared = Guarded::new();
        let w = writer(&shared);
        shared.lock.read();
        shared.read();
        shared.lock.unlock_read_fair();
        shared.lock.read();
        shared.read();
        shared.lock.unlock_read();
        w.join().unwrap();
        assert_eq!(shared.finish(), 1);
    });
}

#[test]
fn a_recursive_read_passes_a_waiting_writer() {
    // lock_api's contract: a thread that reads can read again while a writer waits; a plain
    // read there would deadlock, which loom reports.
    model(|| {
        let shared = Guarded::new();
        shared.lock.read();
        let w = writer(&shared);
        shared.lock.read_recursive();
        shared.read();
        shared.lock.unlock_read();
        shared.lock.unlock_read();
        w.join().unwrap();
        assert_eq!(shared.finish(), 1);
    });
}
