//! [`WorkerSlot`]: what one worker publishes about itself on its own cache line, so that it
//! counts its tasks without writing a line any other core writes: the tasks it took out of the
//! queue, the handle-less tasks it completed, and whether it is busy. Only its worker writes
//! it (by release stores, never a read-modify-write); the pool lock's holder
//! reads every slot to get exact totals (see `shared.rs`, "Counting without a shared line").

use crossbeam_utils::CachePadded;
use selvedge_locks::sync::atomic::{AtomicBool, AtomicU64, Ordering};

/// One worker's counts. Shared between the worker and the pool's list of workers (`State`).
#[derive(Debug, Default)]
pub(crate) struct WorkerSlot(CachePadded<Counts>);

#[derive(Debug, Default)]
struct Counts {
    /// Jobs this worker took out of the queue (each exactly once: counted by its taker).
    popped: AtomicU64,
    /// Handle-less counted tasks this worker completed (see `RunCtx::completed_here`).
    completed: AtomicU64,
    /// Set from before the worker counts a job it took until it has found the queue empty
    /// after its last one; `wait_idle` needs every slot clear. Not per task: a worker that
    /// goes from task to task writes it only when it goes idle.
    busy: AtomicBool,
}

// The orderings: only the worker writes its slot, by release stores; the lock's holder reads
// with acquire loads. Where a reader and the worker must each see the other's latest write
// (a blocked submitter, `wait_idle`), both sides run a SeqCst fence between their write and
// their read (the protocols in `shared.rs`); the per-task path has none unless submitters
// can block.
impl WorkerSlot {
    /// Publishes `taken`, the worker's count of jobs taken (one more than before; the worker
    /// keeps its own copy, so counting needs no load), after marking the worker busy.
    #[inline]
    pub(crate) fn count_popped(&self, taken: u64) {
        self.0.popped.store(taken, Ordering::Release);
    }

    /// The jobs taken so far.
    pub(crate) fn popped(&self) -> u64 {
        self.0.popped.load(Ordering::Acquire)
    }

    /// Publishes the worker's running total of handle-less completions.
    #[inline]
    pub(crate) fn set_completed(&self, total: u64) {
        self.0.completed.store(total, Ordering::Release);
    }

    pub(crate) fn completed(&self) -> u64 {
        self.0.completed.load(Ordering::Acquire)
    }

    /// Marks the worker busy, before it counts a job it took (or under the lock, with a
    /// broadcast share).
    #[inline]
    pub(crate) fn set_busy(&self) {
        self.0.busy.store(true, Ordering::Release);
    }

    /// Marks the worker idle (it found the queue empty, or waits in `wait_idle`); the
    /// caller then reads `Signals::idle_waiters`.
    pub(crate) fn set_idle(&self) {
        self.0.busy.store(false, Ordering::Release);
    }

    pub(crate) fn is_busy(&self) -> bool {
        self.0.busy.load(Ordering::Acquire)
    }
}
