//! [`WorkerSlot`]: what one worker publishes about itself on its own cache line, so that it
//! counts its tasks without writing a line any other core writes: the tasks it took out of the
//! queue, the handle-less tasks it completed, and whether it is busy. Only its worker writes
//! it (by plain stores, or a read-modify-write nobody else contends); the pool lock's holder
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

// The orderings: a worker's writes here are read-modify-writes or are followed by one, and the
// lock's holder reads by read-modify-writes too (`fetch_add(0)`, `fetch_and(true)`), so the
// two sides' operations on one slot are totally ordered and the later one synchronizes with
// the earlier: whichever side comes second sees what the first published before (see the
// protocols in `shared.rs`). No fence on the worker's per-task path.
impl WorkerSlot {
    /// Counts one more job taken (after marking the worker busy).
    #[inline]
    pub(crate) fn count_popped(&self) {
        self.0.popped.fetch_add(1, Ordering::AcqRel);
    }

    /// The jobs taken so far; a read-modify-write, for the lock's holder (see above).
    pub(crate) fn popped(&self) -> u64 {
        self.0.popped.fetch_add(0, Ordering::AcqRel)
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
        self.0.busy.swap(false, Ordering::AcqRel);
    }

    /// Whether the worker is busy; a read-modify-write, for the lock's holder.
    pub(crate) fn is_busy(&self) -> bool {
        self.0.busy.fetch_and(true, Ordering::AcqRel)
    }
}
