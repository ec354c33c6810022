//! The acquisition protocol every public lock shares, written once.
//!
//! 1. Lock-order hook (nothing unless feature `lock-order`): report a cycle or a self-relock
//!    before blocking. Timed acquisitions with a representable deadline skip it: they end by
//!    themselves, so they time out instead of deadlocking.
//! 2. When nobody listens to `selvedge::locks` at DEBUG (one relaxed load of tracing's level
//!    filter, when no subscriber is installed): the backend's own `lock()`, inline, with its
//!    own fast path, spinning and parking. Nothing else runs.
//! 3. When someone listens: the backend's `try_lock` first; if it fails, the slow path
//!    (`#[cold]`, out of line) blocks in the backend, timed by `selvedge_trace::wait_timer!`,
//!    and reports contention.
//! 4. Lock-order hook: push the lock on the thread's held stack (a zero-sized no-op when off).
//!
//! Why step 2 exists: on the benchmark machine (KVM guest), parking_lot's `try_lock` (a load,
//! then a CAS) costs about 25% more than its `lock` (a bare CAS); see
//! `docs/notes/locks-benchmarks.md`. Observation must not cost the unobserved.

use std::panic::Location;
use std::time::Instant;

use selvedge_trace::{targets, wait_timer};

use crate::contention;
use crate::error::LockTimeout;
use crate::lock_order::{self, Held, Mode};
use crate::meta::LockMeta;

type Site = &'static Location<'static>;

/// A blocking acquisition. Always inlined, with [`lock_from`]: they are a branch around the
/// backend's own inline fast path, and left to the compiler they were sometimes outlined (a
/// call and a stack frame per `RwLock::read`, 1.08-1.12x the raw peers' time at one thread).
#[inline(always)]
#[track_caller]
pub(crate) fn lock<G>(
    meta: &LockMeta,
    mode: Mode,
    fast: impl FnOnce() -> Option<G>,
    slow: impl FnOnce() -> G,
) -> (G, Held) {
    lock_from(meta, mode, Location::caller(), fast, slow)
}

/// [`lock`] with an explicit call site.
#[inline(always)]
pub(crate) fn lock_from<G>(
    meta: &LockMeta,
    mode: Mode,
    site: Site,
    fast: impl FnOnce() -> Option<G>,
    slow: impl FnOnce() -> G,
) -> (G, Held) {
    lock_order::before_acquire(meta, mode, site);
    let guard = if contention::observed() {
        match fast() {
            Some(guard) => guard,
            None => contended(meta, site, slow),
        }
    } else {
        slow()
    };
    (guard, lock_order::acquired(meta, mode, site))
}

#[cold]
#[inline(never)]
fn contended<G>(meta: &LockMeta, site: Site, slow: impl FnOnce() -> G) -> G {
    let timer = wait_timer!(targets::LOCKS);
    let guard = slow();
    contention::report(meta, site, &timer);
    guard
}

/// A non-blocking acquisition: it cannot deadlock, so it adds no order edge.
#[inline]
#[track_caller]
pub(crate) fn try_lock<G>(
    meta: &LockMeta,
    mode: Mode,
    fast: impl FnOnce() -> Option<G>,
) -> Option<(G, Held)> {
    let site = Location::caller();
    let guard = fast()?;
    Some((guard, lock_order::acquired(meta, mode, site)))
}

/// A timed acquisition. `deadline` is computed only when the fast path fails, unless the
/// lock-order checker needs it first (`None`: the deadline overflows `Instant`, so wait
/// without limit).
#[inline]
#[track_caller]
pub(crate) fn lock_until<G>(
    meta: &LockMeta,
    mode: Mode,
    deadline: impl FnOnce() -> Option<Instant>,
    fast: impl FnOnce() -> Option<G>,
    timed: impl FnOnce(Instant) -> Option<G>,
    slow: impl FnOnce() -> G,
) -> Result<(G, Held), LockTimeout> {
    let site = Location::caller();
    if lock_order::ENABLED {
        // A wait with a deadline ends by itself, so it cannot deadlock: like `try_lock`, it is
        // not checked and adds no order edge, and on a lock this thread holds it simply times
        // out, as documented. Only a deadline too far to represent waits without limit, as
        // `lock` does, and is checked as `lock` is. The deadline is computed up front only in
        // checked builds, keeping `Instant::now` off the unchecked fast path.
        let deadline = deadline();
        if deadline.is_none() {
            lock_order::before_acquire(meta, mode, site);
        }
        return timed_acquisition(meta, mode, site, move || deadline, fast, timed, slow);
    }
    timed_acquisition(meta, mode, site, deadline, fast, timed, slow)
}

/// [`lock_until`] after the lock-order hook.
#[inline]
fn timed_acquisition<G>(
    meta: &LockMeta,
    mode: Mode,
    site: Site,
    deadline: impl FnOnce() -> Option<Instant>,
    fast: impl FnOnce() -> Option<G>,
    timed: impl FnOnce(Instant) -> Option<G>,
    slow: impl FnOnce() -> G,
) -> Result<(G, Held), LockTimeout> {
    let guard = match fast() {
        Some(guard) => guard,
        None => contended_until(meta, site, deadline, timed, slow)?,
    };
    Ok((guard, lock_order::acquired(meta, mode, site)))
}

#[cold]
#[inline(never)]
fn contended_until<G>(
    meta: &LockMeta,
    site: Site,
    deadline: impl FnOnce() -> Option<Instant>,
    timed: impl FnOnce(Instant) -> Option<G>,
    slow: impl FnOnce() -> G,
) -> Result<G, LockTimeout> {
    let start = Instant::now();
    let timer = wait_timer!(targets::LOCKS);
    let guard = match deadline() {
        Some(deadline) => timed(deadline).ok_or_else(|| LockTimeout {
            name: meta.name(),
            waited: start.elapsed(),
            location: site,
        })?,
        None => slow(),
    };
    contention::report(meta, site, &timer);
    Ok(guard)
}
