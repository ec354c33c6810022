//! Stress tests: invariants of every lock and primitive under many real threads.

use std::sync::atomic::{AtomicUsize, Ordering};

use selvedge_locks::{
    Barrier, Latch, Mutex, ReentrantMutex, RwLock, RwLockUpgradableReadGuard, Semaphore, lock_both,
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
