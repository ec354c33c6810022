//! The `RwLock` backend under real threads: exclusion through every way in and out (no torn
//! pair, no lost write, an upgradable reader's view unchanged through its upgrade), timed
//! acquisitions keeping their deadlines and leaving the lock to the others when they give up,
//! and the bound on how long a writer or a reader can be passed over while other threads
//! hammer the lock. On Linux this is the futex backend (`src/raw/futex_rwlock.rs`), elsewhere
//! parking_lot's.

use std::sync::Barrier;
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::{Duration, Instant};

use selvedge_locks::{RwLock, RwLockReadGuard, RwLockUpgradableReadGuard, RwLockWriteGuard};

use crate::hot_threads::{busy, waits_beside};

/// Slack for scheduling on a loaded 2-core machine and under ThreadSanitizer.
const SLACK: Duration = Duration::from_millis(500);
/// Long enough never to time out in a passing run.
const MINUTE: Duration = Duration::from_secs(60);

/// Asserts nothing holds, reserves or holds back the lock: a newcomer's every try succeeds.
fn assert_free<T>(lock: &RwLock<T>) {
    assert!(!lock.is_locked(), "left held");
    drop(lock.try_write().expect("left reserved"));
    drop(lock.try_upgradable_read().expect("upgradable left held"));
    drop(lock.try_read().expect("readers left held back"));
}

#[test]
fn every_entry_and_exit_keeps_the_pair_whole_and_counts_every_write() {
    const THREADS: u32 = 8;
    const ROUNDS: u32 = 3_000;
    let pair = RwLock::new((0_u32, 0_u32));
    let writes = AtomicU32::new(0);
    std::thread::scope(|s| {
        for t in 0..THREADS {
            let (pair, writes) = (&pair, &writes);
            s.spawn(move || {
                let write = |w: &mut (u32, u32)| {
                    w.0 += 1;
                    w.1 += 1;
                    writes.fetch_add(1, Ordering::Relaxed);
                };
                for i in 0..ROUNDS {
                    match (t + i) % 8 {
                        0 => write(&mut pair.write()),
                        1 => {
                            let mut w = pair.try_write_for(MINUTE).expect("a minute is enough");
                            write(&mut w);
                            RwLockWriteGuard::unlock_fair(w);
                        }
                        2 => {
                            // An upgradable reader's view holds through its upgrade.
                            let up = pair.upgradable_read();
                            let seen = *up;
                            let mut w = RwLockUpgradableReadGuard::upgrade(up);
                            assert_eq!(*w, seen, "a writer slipped into an upgrade");
                            write(&mut w);
                            let r = RwLockWriteGuard::downgrade(w);
                            assert_eq!(r.0, r.1);
                        }
                        3 => {
                            let up = pair
                                .try_upgradable_read_for(MINUTE)
                                .expect("a minute is enough");
                            let seen = *up;
                            let mut w = RwLockUpgradableReadGuard::try_upgrade_for(up, MINUTE)
                                .unwrap_or_else(|_| panic!("in time"));
                            assert_eq!(*w, seen, "a writer slipped into an upgrade");
                            write(&mut w);
                            let up = RwLockWriteGuard::downgrade_to_upgradable(w);
                            RwLockUpgradableReadGuard::unlock_fair(up);
                        }
                        4 => {
                            let up = pair.upgradable_read();
                            let r = RwLockUpgradableReadGuard::downgrade(up);
                            assert_eq!(r.0, r.1);
                        }
                        5 => {
                            let r = pair.try_read_for(MINUTE).expect("a minute is enough");
                            assert_eq!(r.0, r.1, "a reader saw a half-written pair");
                            RwLockReadGuard::unlock_fair(r);
                        }
                        6 => {
                            let mut r = pair.read();
                            assert_eq!(r.0, r.1, "a reader saw a half-written pair");
                            RwLockReadGuard::bump(&mut r);
                            assert_eq!(r.0, r.1, "a reader saw a half-written pair");
                        }
                        _ => {
                            let r = pair.read_recursive();
                            assert_eq!(r.0, r.1, "a reader saw a half-written pair");
                        }
                    }
                }
            });
        }
    });
    let n = writes.load(Ordering::Relaxed);
    assert_eq!(*pair.read(), (n, n));
    assert_free(&pair);
}

#[test]
fn timed_acquisitions_keep_their_deadlines() {
    const TIMEOUT: Duration = Duration::from_millis(30);
    let lock = RwLock::new(());
    let check = |what: &str, start: Instant, got: bool| {
        let waited = start.elapsed();
        assert!(!got, "{what}: got a held lock");
        assert!(waited >= TIMEOUT, "{what}: gave up after {waited:?}");
        assert!(waited < TIMEOUT + SLACK, "{what}: gave up after {waited:?}");
    };
    let w = lock.write();
    std::thread::scope(|s| {
        s.spawn(|| {
            let start = Instant::now();
            check("read", start, lock.try_read_for(TIMEOUT).is_ok());
            let start = Instant::now();
            check(
                "upgradable",
                start,
                lock.try_upgradable_read_until(start + TIMEOUT).is_ok(),
            );
            let start = Instant::now();
            check("write", start, lock.try_write_for(TIMEOUT).is_ok());
        });
    });
    drop(w);
    // An upgrade waits for a reader on another thread (one thread reading and holding the
    // upgradable read is a self-deadlock to `lock-order`).
    let (held, release) = (Barrier::new(2), Barrier::new(2));
    std::thread::scope(|s| {
        s.spawn(|| {
            let r = lock.read();
            held.wait();
            release.wait();
            drop(r);
        });
        held.wait();
        let up = lock.upgradable_read();
        let start = Instant::now();
        let up = RwLockUpgradableReadGuard::try_upgrade_for(up, TIMEOUT).unwrap_err();
        check("upgrade", start, false);
        drop(up);
        release.wait();
    });
    assert_free(&lock);
}

#[test]
fn timed_waiters_that_give_up_leave_the_lock_to_the_others() {
    // Short timed waits in every mode give up while the lock changes hands, some of them
    // registered as starving or woken for a hand-off: none may leave the lock reserved, or a
    // blocking waiter asleep, with nobody to wake it.
    let counter = RwLock::new(0_u32);
    let took = AtomicU32::new(0);
    std::thread::scope(|s| {
        for t in 0..2 {
            let counter = &counter;
            s.spawn(move || {
                for i in 0..300 {
                    if (t + i) % 3 == 0 {
                        let r = counter.read();
                        busy(Duration::from_micros(20));
                        drop(r);
                    } else {
                        let mut w = counter.write();
                        *w += 1;
                        busy(Duration::from_micros(20));
                    }
                }
            });
        }
        for t in 0..2 {
            let (counter, took) = (&counter, &took);
            s.spawn(move || {
                let timeout = Duration::from_micros(300);
                for i in 0..300 {
                    match (t + i) % 3 {
                        0 => drop(counter.try_read_for(timeout)),
                        1 => {
                            if let Ok(up) = counter.try_upgradable_read_for(timeout)
                                && let Ok(mut w) =
                                    RwLockUpgradableReadGuard::try_upgrade_for(up, timeout)
                            {
                                *w += 1;
                                took.fetch_add(1, Ordering::Relaxed);
                            }
                        }
                        _ => {
                            if let Ok(mut w) = counter.try_write_for(timeout) {
                                *w += 1;
                                took.fetch_add(1, Ordering::Relaxed);
                            }
                        }
                    }
                }
            });
        }
    });
    let blocking_writes = (0..2)
        .map(|t| (0..300).filter(|i| (t + i) % 3 != 0).count() as u32)
        .sum::<u32>();
    assert_eq!(
        *counter.read(),
        blocking_writes + took.load(Ordering::Relaxed)
    );
    assert_free(&counter);
}

/// The longest of 20 acquisitions through `take` while two hot threads run `hot`
/// ([`waits_beside`]); none may give up.
fn worst_wait_beside(
    lock: &RwLock<u64>,
    hot: impl Fn(&RwLock<u64>) + Sync,
    take: impl Fn(&RwLock<u64>, Duration) -> bool,
) -> Duration {
    const ACQUISITIONS: usize = 20;
    let started = |lock: &RwLock<u64>| *lock.read() != 0;
    let waits = waits_beside(lock, ACQUISITIONS, BOUND + SLACK, hot, started, take);
    assert_eq!(waits.len(), ACQUISITIONS, "gave up: waits {waits:?}");
    waits.into_iter().max().unwrap_or_default()
}

/// The longest a waiter may wait beside two hot threads: the starvation threshold (1 ms)
/// plus a hand-over per thread, with room for a loaded machine.
const BOUND: Duration = Duration::from_millis(250);

#[test]
fn a_writer_is_not_passed_over_by_overlapping_readers() {
    // Two readers polling `try_read` keep the lock read-held almost all the time, their holds
    // overlapping: the writer gets in because readers arriving after it queue behind it.
    let lock = RwLock::new(0);
    *lock.write() = 1;
    let worst = worst_wait_beside(
        &lock,
        |lock| {
            if let Some(r) = lock.try_read() {
                busy(Duration::from_micros(50));
                drop(r);
            }
        },
        |lock, timeout| lock.try_write_for(timeout).map(|mut w| *w += 1).is_ok(),
    );
    assert!(worst < BOUND, "a writer was passed over for {worst:?}");
}

#[test]
fn a_writer_is_not_passed_over_by_writers_relocking_in_a_loop() {
    // Two writers polling `try_write` may take the lock the moment the other lets go, before
    // the waiting writer (which must be woken first) gets there: the starving waiter's
    // reservation bounds that.
    let lock = RwLock::new(0);
    *lock.write() = 1;
    let worst = worst_wait_beside(
        &lock,
        |lock| {
            if let Some(mut w) = lock.try_write() {
                *w += 1;
                busy(Duration::from_micros(50));
            }
        },
        |lock, timeout| lock.try_write_for(timeout).map(|mut w| *w += 1).is_ok(),
    );
    assert!(worst < BOUND, "a writer was passed over for {worst:?}");
}

#[test]
fn a_reader_is_not_passed_over_by_writers_taking_turns() {
    // Two writers take turns (std's lock lets writers take turns ahead of sleeping readers
    // indefinitely): the end of each write wakes the readers, and the reservation keeps the
    // next writer from barging past one that starves.
    let lock = RwLock::new(0);
    *lock.write() = 1;
    let worst = worst_wait_beside(
        &lock,
        |lock| {
            if let Some(mut w) = lock.try_write() {
                *w += 1;
                busy(Duration::from_micros(50));
            }
        },
        |lock, timeout| lock.try_read_for(timeout).is_ok(),
    );
    assert!(worst < BOUND, "a reader was passed over for {worst:?}");
}
