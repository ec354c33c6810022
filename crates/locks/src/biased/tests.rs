//! Unit tests of the biased lock's paths (small enough for miri, which checks the unsafe impl).

use std::sync::Arc;

use super::readers::{self, Lease};
use super::{BIASED, BiasedRwLock, column, word_id};
use crate::sync::atomic::Ordering;

#[allow(
    unsafe_code,
    reason = "lock_api hands out the raw lock only through `unsafe fn raw`"
)]
fn word<T>(lock: &BiasedRwLock<T>) -> u64 {
    // SAFETY: only reads the state word; no lock is taken or released.
    unsafe { lock.raw() }.state().load(Ordering::Relaxed)
}

fn is_biased<T>(lock: &BiasedRwLock<T>) -> bool {
    word(lock) & BIASED != 0
}

#[allow(
    unsafe_code,
    reason = "lock_api hands out the raw lock only through `unsafe fn raw`"
)]
fn debt<T>(lock: &BiasedRwLock<T>) -> u8 {
    // SAFETY: only reads the debt word; no lock is taken or released.
    unsafe { lock.raw() }.debt().load(Ordering::Relaxed)
}

/// This thread's slot for `lock`, if the thread has a row.
fn my_slot<T>(lock: &BiasedRwLock<T>) -> Option<usize> {
    readers::slot_for_unlock(column(word_id(word(lock)))).map(|s| s.load(Ordering::Relaxed))
}

#[test]
fn the_first_read_biases_a_fresh_lock_and_the_next_read_is_fast() {
    let lock = BiasedRwLock::new(5);
    assert!(!is_biased(&lock));
    assert_eq!(*lock.read(), 5); // slow: it sets the bias
    assert!(is_biased(&lock));
    let id = word_id(word(&lock));
    assert_ne!(id, 0);
    let guard = lock.read();
    assert_eq!(
        my_slot(&lock),
        Some(id),
        "the fast read is published in this thread's slot"
    );
    assert!(lock.is_locked());
    assert!(!lock.is_locked_exclusive());
    drop(guard);
    assert_eq!(my_slot(&lock), Some(0));
    assert!(!lock.is_locked());
}

#[test]
fn the_bias_returns_once_reads_outnumber_writes_since_the_revocation() {
    let lock = BiasedRwLock::new(0);
    drop(lock.read());
    assert!(is_biased(&lock));
    let id = word_id(word(&lock));
    *lock.write() += 1; // revokes: one slow read owed
    assert!(!is_biased(&lock));
    assert_eq!(*lock.read(), 1);
    assert!(is_biased(&lock), "one read paid the revocation");
    *lock.write() += 1; // revokes again
    *lock.write() += 1; // and one more read is owed
    *lock.write() += 1;
    for owed in (1..=3).rev() {
        assert!(!is_biased(&lock), "{owed} reads still owed");
        assert_eq!(*lock.read(), 4);
    }
    assert!(is_biased(&lock));
    assert_eq!(word_id(word(&lock)), id, "the id never changes");
}

#[test]
fn write_heavy_use_stays_unbiased_and_the_debt_is_capped() {
    let lock = BiasedRwLock::new(0_u32);
    drop(lock.read());
    for _ in 0..1_000 {
        *lock.write() += 1;
    }
    for _ in 0..126 {
        drop(lock.read());
        assert!(!is_biased(&lock));
    }
    drop(lock.read()); // the 127th read pays the capped debt
    assert!(is_biased(&lock));
}

#[test]
fn a_slow_read_that_leaves_debt_owed_writes_nothing_to_the_state_word() {
    // The state word is what fast readers check on every read and revoking writers clear; a
    // payment that does not restore the bias must not touch it (it used to subtract from a
    // count kept in that word by compare-and-swap, a locked instruction on every slow read).
    let lock = BiasedRwLock::new(0);
    drop(lock.read());
    for _ in 0..3 {
        *lock.write() += 1; // revokes, then two more owed
    }
    let unbiased = word(&lock);
    assert_eq!(unbiased & BIASED, 0);
    for owed in [3, 2] {
        assert_eq!(debt(&lock), owed);
        drop(lock.read());
        assert_eq!(
            word(&lock),
            unbiased,
            "paying with {owed} owed changed the state word"
        );
    }
    drop(lock.read());
    assert_eq!(
        word(&lock),
        unbiased | BIASED,
        "the last payment restores the bias"
    );
}

#[test]
fn writers_exclude_fast_and_slow_readers() {
    let lock = BiasedRwLock::new(());
    drop(lock.read());
    let fast = lock.read();
    assert!(lock.try_write().is_none(), "a fast read blocks a writer");
    // The failed attempt put the bias back, so a later writer still waits for `fast`.
    assert!(is_biased(&lock));
    let slow = lock.read(); // this thread's slot is taken by `fast`: a slow read
    drop(fast);
    assert!(lock.try_write().is_none(), "a slow read blocks a writer");
    drop(slow);
    let w = lock.try_write().expect("free");
    assert!(lock.try_read().is_none());
    assert!(lock.is_locked_exclusive());
    drop(w);
    assert!(!lock.is_locked());
}

#[test]
fn nested_reads_of_one_lock_release_in_either_order() {
    let lock = BiasedRwLock::new(1);
    drop(lock.read());
    for outer_first in [true, false] {
        let a = lock.read(); // fast
        let b = lock.read(); // slot taken: slow
        if outer_first {
            drop(a);
            drop(b);
        } else {
            drop(b);
            drop(a);
        }
        assert!(!lock.is_locked(), "outer first: {outer_first}");
        drop(lock.try_write().expect("every read released"));
        drop(lock.read()); // re-bias for the next round
    }
}

#[test]
fn a_writer_waits_for_a_fast_reader_on_another_thread() {
    let lock = Arc::new(BiasedRwLock::new(0));
    drop(lock.read());
    let guard = lock.read();
    assert!(my_slot(&lock).is_some_and(|v| v != 0));
    let writer = {
        let lock = lock.clone();
        std::thread::spawn(move || *lock.write() = 7)
    };
    // The writer cannot finish while the fast read is held; give it time to start waiting.
    std::thread::sleep(std::time::Duration::from_millis(if cfg!(miri) {
        1
    } else {
        20
    }));
    assert_eq!(*guard, 0);
    drop(guard);
    writer.join().unwrap();
    assert_eq!(*lock.read(), 7);
}

#[test]
fn readers_and_writers_on_threads_never_see_a_torn_pair() {
    let lock = Arc::new(BiasedRwLock::new((0_u64, 0_u64)));
    let rounds = if cfg!(miri) { 20 } else { 2_000 };
    let threads: Vec<_> = (0..3)
        .map(|t| {
            let lock = lock.clone();
            std::thread::spawn(move || {
                for i in 0..rounds {
                    if (i + t) % 10 == 0 {
                        let mut w = lock.write();
                        w.0 += 1;
                        w.1 += 1;
                    } else {
                        let r = lock.read();
                        assert_eq!(r.0, r.1);
                    }
                }
            })
        })
        .collect();
    for t in threads {
        t.join().unwrap();
    }
    let (a, b) = *lock.read();
    assert_eq!((a, b), (3 * rounds / 10, 3 * rounds / 10));
}

#[test]
fn a_guard_released_after_its_thread_retired_its_row_unlocks_correctly() {
    let lock = Arc::new(BiasedRwLock::new(0));
    drop(lock.read());
    let l = lock.clone();
    std::thread::spawn(move || {
        let fast = l.read();
        assert!(my_slot(&l).is_some_and(|v| v != 0));
        // What thread exit does to the row while a guard (kept in another thread-local) lives:
        drop(Lease::take_current());
        assert!(l.try_read().is_some(), "reads still work, on the slow path");
        drop(fast); // must clear the slot, not release `inner`
    })
    .join()
    .unwrap();
    drop(
        lock.try_write()
            .expect("the retired thread's read was released"),
    );

    // Without a live fast read at exit, the row goes back and later reads are plain ones.
    let l = lock.clone();
    std::thread::spawn(move || {
        drop(l.read()); // slow: re-biases
        drop(l.read()); // fast: leases a row
        assert_eq!(my_slot(&l), Some(0));
        drop(Lease::take_current());
        assert_eq!(my_slot(&l), None);
        let slow = l.read();
        assert!(l.try_write().is_none());
        drop(slow);
        assert!(l.try_write().is_some());
    })
    .join()
    .unwrap();
}

#[test]
fn guards_map_and_the_lock_unwraps() {
    let mut lock = BiasedRwLock::new(vec![1, 2]);
    drop(lock.read());
    {
        let first = super::BiasedRwLockReadGuard::map(lock.read(), |v| &v[0]);
        assert_eq!(*first, 1);
    }
    lock.get_mut().push(3);
    assert_eq!(format!("{:?}", lock.read()), "[1, 2, 3]");
    assert_eq!(lock.into_inner(), [1, 2, 3]);
}
