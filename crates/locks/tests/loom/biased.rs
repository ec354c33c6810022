//! Loom models of `BiasedRwLock`: a fast-path (biased) reader and a writer never overlap, a
//! failed `try_write` leaves the reader undisturbed, a bias restored by a slow reader racing
//! a writer's revocation still excludes, and slow readers racing their debt payments (plain
//! stores, one of which may be lost) never undo a bias.
//!
//! The data sits in the facade's `UnsafeCell`, which loom tracks: an overlapping read and write
//! is reported as a data race, whatever values they happened to see.

use selvedge_locks::BiasedRwLock;
use selvedge_locks::sync::Arc;
use selvedge_locks::sync::cell::UnsafeCell;
use selvedge_testkit::{model, thread};

/// The value under test; every access goes through the lock, which is what makes sharing it
/// sound, and exactly what these models check.
struct Data(UnsafeCell<u32>);

// SAFETY: `Data` is only accessed under the `BiasedRwLock` that holds it: reads under a read
// guard, writes under the write guard. If the lock failed to exclude, loom reports the race.
unsafe impl Sync for Data {}

impl std::ops::Deref for Data {
    type Target = UnsafeCell<u32>;
    fn deref(&self) -> &UnsafeCell<u32> {
        &self.0
    }
}

type Shared = Arc<BiasedRwLock<Data>>;

fn new_lock() -> Shared {
    Arc::new(BiasedRwLock::new(Data(UnsafeCell::new(0))))
}

fn read(lock: &Shared) -> u32 {
    let guard = lock.read();
    // SAFETY: a read guard is held; writers exclude it (what loom checks).
    guard.with(|p| unsafe { *p })
}

/// A lock already biased by one read, and a thread reading it with `reader`.
fn biased_with_reader<R: Send + 'static>(
    reader: fn(&Shared) -> R,
) -> (Shared, thread::JoinHandle<R>) {
    let lock = new_lock();
    read(&lock);
    let theirs = lock.clone();
    (lock, thread::spawn(move || reader(&theirs)))
}

/// Reads twice under one guard: a writer that got in between would race with the second read.
fn read_twice_under_one_guard(lock: &Shared) {
    let guard = lock.read();
    // SAFETY: a read guard is held.
    let first = guard.with(|p| unsafe { *p });
    // SAFETY: still held.
    let second = guard.with(|p| unsafe { *p });
    assert_eq!(first, second);
}

fn write(lock: &Shared, value: u32) {
    let guard = lock.write();
    // SAFETY: the write guard is held.
    guard.with_mut(|p| unsafe { *p = value });
}

#[test]
fn a_fast_reader_and_a_writer_never_overlap() {
    model(|| {
        let lock = new_lock();
        read(&lock); // biases the lock: the next reads take the fast path
        let writer = {
            let lock = lock.clone();
            thread::spawn(move || write(&lock, 1))
        };
        let seen = read(&lock);
        assert!(seen == 0 || seen == 1);
        writer.join().unwrap();
        assert_eq!(read(&lock), 1);
    });
}

#[test]
fn two_fast_readers_and_a_writer() {
    model(|| {
        let (lock, reader) = biased_with_reader(read);
        write(&lock, 2);
        let seen = reader.join().unwrap();
        assert!(seen == 0 || seen == 2);
    });
}

#[test]
fn a_failed_try_write_leaves_the_fast_reader_alone() {
    model(|| {
        let (lock, reader) = biased_with_reader(read_twice_under_one_guard);
        if let Some(guard) = lock.try_write() {
            // SAFETY: the write guard is held.
            guard.with_mut(|p| unsafe { *p = 3 });
        }
        reader.join().unwrap();
    });
}

#[test]
fn a_write_after_a_failed_try_write_still_waits_for_the_fast_reader() {
    model(|| {
        let (lock, reader) = biased_with_reader(read_twice_under_one_guard);
        if lock.try_write().is_none() {
            // The failed attempt must not leave the reader unguarded for the next writer.
            write(&lock, 4);
        }
        reader.join().unwrap();
    });
}

#[test]
fn first_reads_racing_on_a_fresh_lock_agree_on_its_id() {
    model(|| {
        // No read before the threads start: both first reads are slow and both bias the lock.
        let lock = new_lock();
        let reader = {
            let lock = lock.clone();
            thread::spawn(move || read(&lock) + read(&lock))
        };
        read(&lock);
        write(&lock, 1);
        let sum = reader.join().unwrap();
        assert!(sum <= 2, "reads saw {sum}");
    });
}

#[test]
fn a_rebias_racing_a_revocation_still_excludes() {
    model(|| {
        let lock = new_lock();
        read(&lock);
        write(&lock, 1); // revoked; the next (slow) read restores the bias
        let reader = {
            let lock = lock.clone();
            // The first read is slow and re-biases; the second may be fast.
            thread::spawn(move || read(&lock) + read(&lock))
        };
        write(&lock, 2);
        let sum = reader.join().unwrap();
        assert!([2, 3, 4].contains(&sum), "reads saw {sum}");
    });
}

#[test]
fn slow_readers_racing_their_debt_payments_never_undo_the_bias() {
    model(|| {
        let lock = new_lock();
        read(&lock);
        write(&lock, 1); // revoked: one read owed
        write(&lock, 2); // two owed
        // Both first reads are slow and pay (one payment may be lost to the other); whichever
        // pays the last unit re-biases, and a second read may then be fast, while a writer
        // comes: a payment stored late must not let it in beside a fast reader.
        let other = {
            let lock = lock.clone();
            thread::spawn(move || read(&lock) + read(&lock))
        };
        let mine = read(&lock) + read(&lock);
        write(&lock, 3);
        let theirs = other.join().unwrap();
        assert!((4..=6).contains(&theirs), "reads saw {theirs}");
        assert_eq!(mine, 4);
        assert_eq!(read(&lock), 3);
    });
}
