//! Contention reporting: the one thing the slow path adds to the backend's own wait.
//!
//! A contended acquisition (the fast `try_lock` failed) is timed with
//! [`selvedge_trace::wait_timer!`], which reads the clock only when a subscriber listens to
//! `selvedge::locks` at DEBUG. When the wait reaches the global threshold, a
//! `lock.contended` event is emitted with the lock's `name`, the caller's `location` and the
//! `wait_ns`.

use std::panic::Location;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use selvedge_trace::{WaitTimer, events, targets};

use crate::meta::LockMeta;

/// The default threshold: 100 µs, above parking_lot's spinning phase, so only waits that
/// parked a thread are reported.
pub const DEFAULT_CONTENTION_THRESHOLD: Duration = Duration::from_micros(100);

// A process-wide setting read only on the slow path, after the wait; std atomics because it is
// configuration, not part of any protocol loom must explore.
static THRESHOLD_NS: AtomicU64 = AtomicU64::new(100_000);

/// Sets the wait from which a contended acquisition emits a `lock.contended` event
/// (default [`DEFAULT_CONTENTION_THRESHOLD`]). `Duration::ZERO` reports every contended
/// acquisition. Applies to every lock in the process, from the next acquisition on.
///
/// Nothing is measured unless a `tracing` subscriber listens to the `selvedge::locks` target at
/// DEBUG level, so the threshold costs nothing when nobody listens.
///
/// # Examples
///
/// ```
/// use std::time::Duration;
/// use selvedge_locks::{contention_threshold, set_contention_threshold};
///
/// set_contention_threshold(Duration::from_millis(1));
/// assert_eq!(contention_threshold(), Duration::from_millis(1));
/// ```
pub fn set_contention_threshold(threshold: Duration) {
    let ns = u64::try_from(threshold.as_nanos()).unwrap_or(u64::MAX);
    THRESHOLD_NS.store(ns, Ordering::Relaxed);
}

/// The current contention threshold (see [`set_contention_threshold`]).
///
/// ```
/// assert!(selvedge_locks::contention_threshold() <= std::time::Duration::from_secs(1));
/// ```
#[must_use]
pub fn contention_threshold() -> Duration {
    Duration::from_nanos(THRESHOLD_NS.load(Ordering::Relaxed))
}

/// Whether a subscriber would record `lock.contended` events: when it would not, locking takes
/// the backend's own path and nothing is measured.
#[inline(always)]
pub(crate) fn observed() -> bool {
    tracing::enabled!(target: targets::LOCKS, tracing::Level::DEBUG)
}

/// Emits `lock.contended` if `timer` ran and the wait reached the threshold.
pub(crate) fn report(meta: &LockMeta, site: &'static Location<'static>, timer: &WaitTimer) {
    let Some(wait_ns) = timer.elapsed_ns() else {
        return;
    };
    if wait_ns < THRESHOLD_NS.load(Ordering::Relaxed) {
        return;
    }
    tracing::event!(
        name: events::LOCK_CONTENDED,
        target: targets::LOCKS,
        tracing::Level::DEBUG,
        name = meta.name(),
        location = %site,
        wait_ns = wait_ns,
    );
}
