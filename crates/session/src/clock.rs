//! The one clock every expiry, refresh point, wait and backoff of this crate reads.
//!
//! A normal build reads `Instant::now()`. Loom needs every model run to be deterministic, and a
//! real clock is not, so under `--cfg selvedge_loom` the clock is a fixed starting instant plus
//! an offset that only the model moves, through `crate::__loom_clock`: a model can step to
//! "the refresh point has passed" or "the session has expired" without sleeping. (Timed waits
//! still never time out under loom; timeouts are tested on real threads, `tests/timeout.rs`.)

use std::time::Instant;

/// Now, as this crate sees it.
#[cfg(not(selvedge_loom))]
#[inline]
pub(crate) fn now() -> Instant {
    Instant::now()
}

/// Now, as this crate sees it: the model's clock.
#[cfg(selvedge_loom)]
pub(crate) fn now() -> Instant {
    model::now()
}

#[cfg(selvedge_loom)]
pub(crate) mod model {
    //! The model's clock: a start instant taken once per process and an offset in nanoseconds.
    //! A std atomic, not a loom one: the offset is an input the model sets between steps, not
    //! shared state whose interleavings are explored.

    use std::sync::OnceLock;
    use std::sync::atomic::{AtomicU64, Ordering};
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
