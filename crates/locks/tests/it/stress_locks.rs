//! Stress tests: invariants of every lock and primitive under many real threads.

use std::sync::atomic::{AtomicUsize, Ordering};

use selvedge_locks::{
    Barrier, BiasedRwLock, Latch, Mutex, ReentrantMutex, RwLock, RwLockUpgradableReadGuard,
    Semaphore, lock_both,
};
use selvedge_testkit::stress;

const THREADS: usize = 8;
const ITERATIONS: u64 = 2_000;

#[test]
fn mutex_never_loses_an_increment() {
    let counter = Mutex::new(0_u64);
    stress(THREADS, ITERATIONS, |_, _| *counter.lock() += 1).assert_ok();
    assert_eq!(counter.into_inner(), THREADS as u64 * ITERATIONS);
}

#[test]
fn mutex_unlocked_bodies_interleave_without_losing_an_increment() {
    // Each iteration adds one under the guard and one in an `unlocked` body (where another
    // thread may take the lock): both kinds of update are exclusive, so none is lost.
    let counter = Mutex::new(0_u64);
    stress(THREADS, ITERATIONS, |_, _| {
        let mut guard = counter.lock();
        *guard += 1;
        selvedge_locks::MutexGuard::unlocked(&mut guard, || *counter.lock() += 1);
    })
    .assert_ok();
    assert_eq!(counter.into_inner(), 2 * THREADS as u64 * ITERATIONS);
}

#[test]
fn rwlock_readers_never_see_a_torn_pair_and_upgrades_never_lose_writes() {
    let pair = RwLock::new((0_u64, 0_u64));
    stress(THREADS, ITERATIONS, |thread, i| {
        match (thread + i as usize) % 3 {
            0 => {
                let mut w = pair.write();
                w.0 += 1;
                w.1 += 1;
            }
            1 => {
                let up = pair.upgradable_read();
                let seen = *up;
                let mut w = RwLockUpgradableReadGuard::upgrade(up);
                assert_eq!(*w, seen, "a writer slipped in during an upgrade");
                w.0 += 1;
                w.1 += 1;
            }
            _ => {
                let r = pair.read();
                assert_eq!(r.0, r.1);
            }
        }
    })
    .assert_ok();
    let (a, b) = pair.into_inner();
    assert_eq!(a, b);
}

/// Who is inside a lock's critical section, checked from inside it: a reader that finds a
/// writer (or a writer that finds anyone) proves the lock let them overlap. Each side lingers a
/// little so an overlap, if the lock allowed one, is likely to be seen.
#[derive(Default)]
struct Occupancy {
    readers: AtomicUsize,
    writers: AtomicUsize,
}

impl Occupancy {
    fn read(&self) {
        self.readers.fetch_add(1, Ordering::SeqCst);
        assert_eq!(
            self.writers.load(Ordering::SeqCst),
            0,
            "a reader overlapped a writer"
        );
        linger();
        self.readers.fetch_sub(1, Ordering::SeqCst);
    }

    fn write(&self) {
        assert_eq!(
            self.writers.fetch_add(1, Ordering::SeqCst),
            0,
            "two writers overlapped"
        );
        assert_eq!(
            self.readers.load(Ordering::SeqCst),
            0,
            "a writer overlapped a reader"
        );
        linger();
        self.writers.fetch_sub(1, Ordering::SeqCst);
    }
}

fn linger() {
    for _ in 0..20 {
        std::hint::spin_loop();
    }
}

#[test]
fn biased_rwlock_excludes_and_loses_no_write() {
    // One write per 20 operations: the bias is revoked and restored thousands of times.
    let lock = BiasedRwLock::new(0_u64);
    let inside = Occupancy::default();
    stress(THREADS, ITERATIONS, |thread, i| {
        if (thread as u64 + i).is_multiple_of(20) {
            // Every other write tries first: a failed `try_write` must leave readers guarded.
            let mut w = match i % 40 < 20 {
                true => lock.try_write().unwrap_or_else(|| lock.write()),
                false => lock.write(),
            };
            inside.write();
            *w += 1;
        } else if i.is_multiple_of(7) {
            if let Some(_r) = lock.try_read() {
                inside.read();
            }
        } else {
            let _r = lock.read();
            inside.read();
        }
    })
    .assert_ok();
    assert_eq!(lock.into_inner(), THREADS as u64 * ITERATIONS / 20);
}

#[test]
fn biased_rwlock_excludes_while_slow_readers_race_their_debt_payments() {
    // Phases of 256 operations: two writes in three (the debt climbs to its cap, every read is
    // slow and pays it off with a plain store that may lose to another reader's), then reads
    // only (the debt runs out, the bias returns, reads turn fast), over and over.
    let lock = BiasedRwLock::new(0_u64);
    let inside = Occupancy::default();
    let writes = std::sync::atomic::AtomicU64::new(0);
    stress(THREADS, ITERATIONS, |thread, i| {
        let write_heavy = (i / 256).is_multiple_of(2);
        if write_heavy && !(thread as u64 + i).is_multiple_of(3) {
            let mut w = lock.write();
            inside.write();
            *w += 1;
            writes.fetch_add(1, Ordering::Relaxed);
        } else {
            let _r = lock.read();
            inside.read();
        }
    })
    .assert_ok();
    assert_eq!(lock.into_inner(), writes.into_inner());
}

#[test]
fn biased_rwlock_excludes_across_threads_that_come_and_go() {
    // Short-lived readers lease a visible-readers row, read, exit and give it back, while a
    // writer keeps revoking: a reused row must never hide a live reader.
    let lock = BiasedRwLock::new(());
    let inside = Occupancy::default();
    let stop = std::sync::atomic::AtomicBool::new(false);
    std::thread::scope(|s| {
        s.spawn(|| {
            while !stop.load(Ordering::Relaxed) {
                let _w = lock.write();
                inside.write();
            }
        });
        for _ in 0..200 {
            let batch: Vec<_> = (0..4)
                .map(|_| {
                    s.spawn(|| {
                        for _ in 0..50 {
                            let _r = lock.read();
                            inside.read();
                        }
                    })
                })
                .collect();
            for t in batch {
                t.join().unwrap();
            }
        }
        stop.store(true, Ordering::Relaxed);
    });
}

#[test]
fn reentrant_mutex_excludes_other_threads_across_nested_guards() {
    let inside = AtomicUsize::new(0);
    let lock = ReentrantMutex::new(());
    stress(THREADS, ITERATIONS, |_, _| {
        let _outer = lock.lock();
        assert_eq!(inside.fetch_add(1, Ordering::SeqCst), 0);
        let _inner = lock.lock();
        inside.fetch_sub(1, Ordering::SeqCst);
    })
    .assert_ok();
}

#[test]
fn semaphore_never_has_more_holders_than_permits() {
    let sem = Semaphore::new(3);
    let holders = AtomicUsize::new(0);
    stress(THREADS, ITERATIONS, |thread, _| {
        let _permit = sem.acquire_many(1 + thread % 2);
        let now = holders.fetch_add(1 + thread % 2, Ordering::SeqCst) + 1 + thread % 2;
        assert!(now <= 3, "{now} permits out of 3 issued");
        holders.fetch_sub(1 + thread % 2, Ordering::SeqCst);
    })
    .assert_ok();
    assert_eq!(sem.available_permits(), 3);
}

#[test]
fn lock_both_transfers_in_random_directions_conserve_the_total() {
    let accounts: Vec<Mutex<i64>> = (0..4).map(|_| Mutex::new(1_000)).collect();
    stress(THREADS, ITERATIONS, |thread, i| {
        let from = (thread + i as usize) % 4;
        let to = (from + 1 + (i as usize % 3)) % 4;
        let (mut a, mut b) = lock_both(&accounts[from], &accounts[to]).unwrap();
        *a -= 7;
        *b += 7;
    })
    .assert_ok();
    assert_eq!(accounts.iter().map(|m| *m.lock()).sum::<i64>(), 4_000);
}

#[test]
fn barrier_rounds_and_latches_release_everyone() {
    let barrier = Barrier::new(THREADS);
    let leaders = AtomicUsize::new(0);
    let latch = Latch::new(THREADS);
    stress(THREADS, 200, |_, i| {
        if barrier.wait().is_leader() {
            leaders.fetch_add(1, Ordering::SeqCst);
        }
        if i == 0 {
            latch.count_down();
            latch.wait();
        }
    })
    .assert_ok();
    assert_eq!(leaders.load(Ordering::SeqCst), 200);
    assert_eq!(latch.count(), 0);
}
