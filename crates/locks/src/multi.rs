//! Ordered multi-locking: [`lock_both`] and [`lock_all`] take several mutexes in one global
//! order, so no two callers can each hold one lock the other waits for.
//!
//! The order is each lock's id, assigned from a process-wide counter the first time the lock
//! takes part in ordered locking, and never changed. Any two calls that need the same pair
//! take them in the same order, whatever order their arguments name them in.

use std::panic::Location;

use crate::error::SameLockError;
use crate::mutex::{Mutex, MutexGuard};

/// Locks two mutexes in the global lock order and returns their guards in argument order.
///
/// `transfer(a, b)` on one thread and `transfer(b, a)` on another both lock the lower id
/// first, so they cannot deadlock each other.
///
/// # Errors
///
/// [`SameLockError`] if `a` and `b` are the same mutex (locking it twice would deadlock).
///
/// # Examples
///
/// ```
/// use selvedge_locks::{Mutex, lock_both};
///
/// let (alice, bob) = (Mutex::named("alice", 100), Mutex::named("bob", 0));
/// std::thread::scope(|s| {
///     s.spawn(|| {
///         let (mut from, mut to) = lock_both(&alice, &bob).unwrap();
///         *from -= 10;
///         *to += 10;
///     });
///     s.spawn(|| {
///         let (mut from, mut to) = lock_both(&bob, &alice).unwrap(); // opposite order: fine
///         *from -= 5;
///         *to += 5;
///     });
/// });
/// let (a, b) = lock_both(&alice, &bob).unwrap();
/// assert_eq!(*a + *b, 100);
/// ```
#[track_caller]
pub fn lock_both<'a, 'b, A: ?Sized, B: ?Sized>(
    a: &'a Mutex<A>,
    b: &'b Mutex<B>,
) -> Result<(MutexGuard<'a, A>, MutexGuard<'b, B>), SameLockError> {
    if std::ptr::addr_eq(a, b) {
        return Err(SameLockError {
            name: a.name(),
            first: 0,
            second: 1,
        });
    }
    let site = Location::caller();
    Ok(if a.meta().id() < b.meta().id() {
        let ga = a.lock_at(site);
        (ga, b.lock_at(site))
    } else {
        let gb = b.lock_at(site);
        (a.lock_at(site), gb)
    })
}

/// Locks every mutex in `locks` in the global lock order; returns the guards in the order of
/// `locks`.
///
/// # Errors
///
/// [`SameLockError`] if a mutex appears twice, naming both positions.
///
/// # Examples
///
/// ```
/// use selvedge_locks::{Mutex, lock_all};
///
/// let shards: Vec<Mutex<u32>> = (0..3).map(Mutex::new).collect();
/// let refs: Vec<&Mutex<u32>> = shards.iter().rev().collect();
/// let guards = lock_all(&refs).unwrap();
/// let values: Vec<u32> = guards.iter().map(|g| **g).collect();
/// assert_eq!(values, [2, 1, 0]);
/// ```
#[track_caller]
pub fn lock_all<'a, T: ?Sized>(
    locks: &[&'a Mutex<T>],
) -> Result<Vec<MutexGuard<'a, T>>, SameLockError> {
    let site = Location::caller();
    let mut order: Vec<(u64, usize)> = locks
        .iter()
        .enumerate()
        .map(|(pos, lock)| (lock.meta().id(), pos))
        .collect();
    order.sort_unstable();
    // Distinct mutexes have distinct ids, so a repeated mutex shows as equal neighbours.
    if let Some(pair) = order.windows(2).find(|pair| pair[0].0 == pair[1].0) {
        let (first, second) = (pair[0].1.min(pair[1].1), pair[0].1.max(pair[1].1));
        return Err(SameLockError {
            name: locks[first].name(),
            first,
            second,
        });
    }
    let mut guards: Vec<Option<MutexGuard<'a, T>>> = locks.iter().map(|_| None).collect();
    for &(_, pos) in &order {
        guards[pos] = Some(locks[pos].lock_at(site));
    }
    Ok(guards.into_iter().flatten().collect())
}
