//! [`Config`], the validated settings the engine runs with: what `PoolBuilder::build`
//! hands over, so the engine never sees the builder.

use std::time::Duration;

use crate::RejectionPolicy;

/// A hook run on each worker thread as it starts or stops (owned by the shared config).
pub(crate) type Hook = Box<dyn Fn() + Send + Sync>;

/// The most workers a pool may have: `idle` has 22 bits in the tally (see `tally.rs`).
/// `PoolBuilder::MAX_THREADS` is this.
pub(crate) const MAX_THREADS: usize = 1 << 20;

/// The validated settings a pool runs with.
pub(crate) struct Config {
    pub(crate) core: usize,
    pub(crate) max: usize,
    pub(crate) keep_alive: Duration,
    pub(crate) queue_capacity: usize,
    pub(crate) name: String,
    pub(crate) stack_size: Option<usize>,
    pub(crate) on_start: Option<Hook>,
    pub(crate) on_stop: Option<Hook>,
    pub(crate) policy: RejectionPolicy,
    /// `policy` is `Block`: submitters may wait for space, so workers count their takes by
    /// read-modify-writes and look for blocked submitters (see `slot.rs`).
    pub(crate) blocking: bool,
    pub(crate) slow_task: Option<Duration>,
    pub(crate) drop_timeout: Duration,
    /// How often the monitor thread emits `pool.stats`, if there is one.
    pub(crate) monitor: Option<Duration>,
    /// Yield rounds before parking (see `worker.rs`, "Spinning").
    pub(crate) spin_rounds: u32,
    /// Whether a fixed-size pool may take the lock-free submission path (see `submit.rs`).
    pub(crate) fast_path: bool,
}
