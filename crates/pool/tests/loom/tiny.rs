//! The small pools the loom models here build: a worker or two, a two-task queue, a zero
//! keep-alive (loom has no clock, so a worker retires as soon as the queue is empty) and a
//! drop timeout no model reaches, so every model finishes at `LOOM_MAX_PREEMPTIONS=2`.

use std::time::Duration;

use selvedge_pool::{PoolBuilder, ThreadPool};

/// A timeout no model reaches: every wait ends by notification.
pub(crate) const LONG: Duration = Duration::from_secs(3600);

/// A tiny pool's builder, `core` to `max` workers.
pub(crate) fn tiny_builder(core: usize, max: usize) -> PoolBuilder {
    ThreadPool::builder()
        .core_threads(core)
        .max_threads(max)
        .keep_alive(Duration::ZERO)
        .queue_capacity(2)
        .drop_timeout(LONG)
}

/// A tiny pool of `core` to `max` workers (on the locked submission path under loom).
pub(crate) fn tiny(core: usize, max: usize) -> ThreadPool {
    tiny_builder(core, max).build().unwrap()
}

/// A fixed-size pool on the lock-free submission path (off by default under loom, see
/// `PoolBuilder::loom_fast_path`; always on with real threads).
pub(crate) fn tiny_fast(workers: usize) -> ThreadPool {
    fast(tiny_builder(workers, workers))
}

/// `builder`'s pool, on the lock-free submission path under loom too (core must equal max).
pub(crate) fn fast(builder: PoolBuilder) -> ThreadPool {
    #[cfg(selvedge_loom)]
    let builder = builder.loom_fast_path(true);
    builder.build().unwrap()
}
