//! The clocks of this crate: [`now`], the precise one every expiry, refresh point, wait and
//! backoff is decided by, and [`coarse_now`], the cheap one the hot path of `ensure` reads.
//!
//! # Why two clocks
//!
//! `Instant::now()` is a vDSO call that reads the TSC behind a fence, dearer than the
//! arc-swap load it would sit beside on the hot path. The coarse clock
//! (`CLOCK_MONOTONIC_COARSE` through `coarsetime`'s `Instant::now_without_cache_update`, which
//! writes nothing) is a plain read of a kernel-updated word and lags real time by at most one
//! kernel tick (1 to 10 ms on Linux). So a published
//! session carries a coarse deadline [`COARSE_LAG`] earlier than its refresh point
//! ([`fresh_until`]): while the coarse clock is before it, the refresh point has certainly not
//! passed, and the hot path returns the session without reading the precise clock. After it,
//! callers take the slow path, which reads [`now`] and decides exactly. The kernel advances the
//! coarse clock on its timer interrupt, so this holds however starved the process is.
//!
//! This needs the coarse clock to run at the precise clock's rate: on Linux both are the kernel's
//! monotonic clock (the coarse one as of the last tick), on macOS and the BSDs both count the
//! same raw ticks. Elsewhere (Windows' tick count is a different oscillator than the
//! performance counter behind `Instant`, and may drift from it over days; other Unixes would
//! get the wall clock), and under loom, the coarse clock is the precise one.
//!
//! # Under loom
//!
//! Loom needs every model run to be deterministic, and a real clock is not, so under
//! `--cfg selvedge_loom` [`now`] is a fixed starting instant plus an offset that only the model
//! moves, through `crate::__loom_clock`: a model can step to "the refresh point has passed" or
//! "the session has expired" without sleeping. (Timed waits still never time out under loom;
//! timeouts are tested on real threads, `tests/it/timeout.rs`.)

use std::time::{Duration, Instant};

/// Now, as this crate decides expiry, refresh and waits.
#[cfg(not(selvedge_loom))]
#[inline]
pub(crate) fn now() -> Instant {
    Instant::now()
}

/// Now, as this crate decides expiry, refresh and waits: the model's clock.
#[cfg(selvedge_loom)]
pub(crate) fn now() -> Instant {
    model::now()
}

/// Waits `pause`: before a retry, or before a flight polls its store again (another process
/// holds the lease).
#[cfg(not(selvedge_loom))]
pub(crate) fn pause(pause: Duration) {
    std::thread::sleep(pause);
}

/// Under loom, which has no time, a pause yields: the model runs the thread that holds the
/// lease before this one polls again, so a polling loop is a modelled spin, not a hang.
#[cfg(selvedge_loom)]
pub(crate) fn pause(_pause: Duration) {
    selvedge_locks::sync::thread::yield_now();
}

/// A reading of the coarse clock, in `coarsetime`'s units (2^-32 s).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) struct Coarse(u64);

impl Coarse {
    /// A deadline no reading reaches: for sessions that never expire.
    pub(crate) const NEVER: Self = Self(u64::MAX);
}

/// The most the coarse clock lags [`now`], with margin: one tick is 1 to 10 ms on Linux.
pub(crate) const COARSE_LAG: Duration = Duration::from_millis(20);

/// The coarse clock where it is monotonic and cheap.
#[cfg(all(
    not(selvedge_loom),
    any(
        target_os = "linux",
        target_os = "android",
        target_os = "macos",
        target_os = "freebsd",
        target_os = "dragonfly"
    )
))]
#[inline]
pub(crate) fn coarse_now() -> Coarse {
    Coarse(coarsetime::Instant::now_without_cache_update().as_u64())
}

/// The coarse clock elsewhere, and under loom: the precise clock in coarse units.
#[cfg(not(all(
    not(selvedge_loom),
    any(
        target_os = "linux",
        target_os = "android",
        target_os = "macos",
        target_os = "freebsd",
        target_os = "dragonfly"
    )
)))]
pub(crate) fn coarse_now() -> Coarse {
    static START: std::sync::OnceLock<Instant> = std::sync::OnceLock::new();
    let start = *START.get_or_init(now);
    Coarse(ticks(now().saturating_duration_since(start)))
}

/// The coarse reading before which `at` has certainly not passed: taken [`COARSE_LAG`] early,
/// so that a coarse reading below it proves `now() < at` even when the coarse clock lags.
pub(crate) fn fresh_until(at: Instant) -> Coarse {
    let (precise, coarse) = (now(), coarse_now());
    match at.checked_sub(COARSE_LAG) {
        Some(edge) if edge > precise => Coarse(coarse.0.saturating_add(ticks(edge - precise))),
        _ => Coarse(0),
    }
}

/// `duration` in coarse units.
fn ticks(duration: Duration) -> u64 {
    coarsetime::Duration::from(duration).as_u64()
}

#[cfg(selvedge_loom)]
pub(crate) mod model {
    //! The model's clock: a start instant taken once per process and an offset in nanoseconds.
    //! A static atomic, not a loom one: the offset is an input the model sets between steps, not
    //! shared state whose interleavings are explored.

    use selvedge_locks::sync::static_atomic::{AtomicU64, Ordering};
    use std::sync::OnceLock;
    use std::time::{Duration, Instant};

    static START: OnceLock<Instant> = OnceLock::new();
    static OFFSET_NS: AtomicU64 = AtomicU64::new(0);

    pub(crate) fn now() -> Instant {
        let start = *START.get_or_init(Instant::now);
        start + Duration::from_nanos(OFFSET_NS.load(Ordering::SeqCst))
    }

    pub(crate) fn advance(by: Duration) {
        let nanos = u64::try_from(by.as_nanos()).unwrap_or(u64::MAX);
        OFFSET_NS.fetch_add(nanos, Ordering::SeqCst);
    }

    pub(crate) fn reset() {
        OFFSET_NS.store(0, Ordering::SeqCst);
    }
}

#[cfg(all(test, not(selvedge_loom)))]
mod tests {
    use std::time::Duration;

    use super::{COARSE_LAG, Coarse, coarse_now, fresh_until, now};

    #[test]
    fn a_deadline_in_the_past_or_within_the_lag_is_never_fresh() {
        assert_eq!(fresh_until(now()), Coarse(0));
        assert_eq!(fresh_until(now() + COARSE_LAG / 2), Coarse(0));
    }

    #[test]
    fn the_coarse_clock_reaches_a_deadline_no_later_than_the_precise_one() {
        let at = now() + COARSE_LAG + Duration::from_millis(30);
        let deadline = fresh_until(at);
        assert!(coarse_now() < deadline, "fresh right after publishing");
        while now() < at {
            std::thread::sleep(Duration::from_millis(1));
        }
        assert!(
            coarse_now() >= deadline,
            "the precise deadline passed first"
        );
    }

    #[test]
    fn the_coarse_clock_never_runs_backwards() {
        let mut last = coarse_now();
        for _ in 0..10_000 {
            let next = coarse_now();
            assert!(next >= last);
            last = next;
        }
    }
}
