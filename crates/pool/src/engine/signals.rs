//! [`Signals`]: the few words a worker reads between tasks without the pool lock, mirrors of
//! `State` fields written only under that lock (so, rarely): whether a submitter is blocked
//! on a full queue, whether someone waits for the pool to be idle, whether `shutdown_now`
//! has begun, the latest broadcast, and the consumed count fast-path submitters check the
//! capacity against. One cache line, read by every worker and written almost never, so it
//! stays in every core's cache.

use selvedge_locks::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};

/// Read-mostly mirrors of the pool lock's state (see the module doc).
#[derive(Debug, Default)]
pub(crate) struct Signals {
    /// `State::blocked`: a worker that takes a job while it is above zero frees space and
    /// wakes one blocked submitter.
    blocked: AtomicUsize,
    /// `State::idle_waiters`: a worker going idle while it is above zero checks whether the
    /// pool became idle and wakes the waiters.
    idle_waiters: AtomicUsize,
    /// `shutdown_now` began: a worker hands back a job it takes instead of starting it.
    halted: AtomicBool,
    /// `Broadcasts::seq`: a worker that has not looked at this sequence number yet has a
    /// broadcast to look at.
    broadcast_seq: AtomicU64,
    /// The exact consumed count (`State::consumed`) the last time the lock's holder computed
    /// it; only lags, so a fast-path capacity check against it can only refuse too early (the
    /// locked path then decides exactly, and refreshes it).
    consumed: AtomicU64,
}

impl Signals {
    // `blocked` and `idle_waiters` are each half of a fenced Dekker pair with the workers'
    // counts (see `shared.rs`); the others only need to pass data along.
    pub(crate) fn set_blocked(&self, n: usize) {
        self.blocked.store(n, Ordering::Release);
    }

    #[inline]
    pub(crate) fn blocked(&self) -> bool {
        self.blocked.load(Ordering::Acquire) > 0
    }

    pub(crate) fn set_idle_waiters(&self, n: usize) {
        self.idle_waiters.store(n, Ordering::Release);
    }

    pub(crate) fn idle_waiters(&self) -> bool {
        self.idle_waiters.load(Ordering::Acquire) > 0
    }

    pub(crate) fn halt(&self) {
        self.halted.store(true, Ordering::Release);
    }

    #[inline]
    pub(crate) fn halted(&self) -> bool {
        self.halted.load(Ordering::Acquire)
    }

    pub(crate) fn set_broadcast_seq(&self, seq: u64) {
        self.broadcast_seq.store(seq, Ordering::Release);
    }

    #[inline]
    pub(crate) fn broadcast_seq(&self) -> u64 {
        self.broadcast_seq.load(Ordering::Acquire)
    }

    pub(crate) fn set_consumed(&self, consumed: u64) {
        self.consumed.store(consumed, Ordering::Relaxed);
    }

    #[inline]
    pub(crate) fn consumed(&self) -> u64 {
        self.consumed.load(Ordering::Relaxed)
    }
}
