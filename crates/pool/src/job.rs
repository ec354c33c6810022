//! What sits in the queue: a [`Job`] (id, priority, counted bit in one word) around a
//! type-erased [`Work`] (which also carries the deadline), and [`TaskImpl`], the one `Work`
//! every user task becomes.
//!
//! A job is owned by exactly one place at a time (the queue, a worker, a `PendingTask`), so
//! "every task ends exactly once" reduces to: whoever owns it resolves it, and dropping an
//! unresolved task resolves its handle as [`TaskError::Shutdown`] (see `Drop for TaskImpl`).

use std::panic::{AssertUnwindSafe, catch_unwind};
use std::time::Instant;

use selvedge_locks::sync::Arc;
use selvedge_locks::sync::atomic::AtomicU64;

use crate::error::panic_message;
use crate::handle::Slot;
use crate::stats::Counters;
use crate::{Priority, TaskError, events};

/// Names the task in events emitted while it runs, and says where its outcome is counted.
#[derive(Debug, Clone, Copy)]
pub(crate) struct RunCtx<'a> {
    pub(crate) pool: &'a str,
    pub(crate) task_id: u64,
    /// `None` when the outcome must not be counted: the pool's own scope tickets, and tasks
    /// already counted as handed back by `shutdown_now`.
    pub(crate) counters: Option<&'a Counters>,
}

impl RunCtx<'_> {
    fn count(&self, pick: impl FnOnce(&Counters) -> &AtomicU64) {
        if let Some(counters) = self.counters {
            Counters::bump(pick(counters));
        }
    }
}

/// A task with its result plumbing erased.
pub(crate) trait Work: Send {
    /// Takes the task out of `QUEUED`; `false` if it was cancelled first (then it must be
    /// dropped without running).
    fn claim(&self) -> bool;
    /// Runs the task, then its callback, counts the outcome, then resolves the handle (so a
    /// joiner sees the callback's effects and the updated counters). A panic is reported and
    /// contained: this never unwinds.
    fn run(self: Box<Self>, ctx: RunCtx<'_>);
    /// Resolves the task as [`TaskError::Expired`] without running it (fires `on_failure`).
    fn expire(self: Box<Self>, ctx: RunCtx<'_>);
    /// When the task expires if it has not started, if ever.
    fn deadline(&self) -> Option<Instant>;
}

/// The task id's bits in [`Job::tag`]; ids past 2^61 wrap (14,000 years at 5 M/s).
const ID_MASK: u64 = (1 << 61) - 1;
/// Where the priority's index sits in [`Job::tag`].
const PRIORITY_SHIFT: u32 = 61;
/// Set in [`Job::tag`] when the outcome is counted.
const COUNTED: u64 = 1 << 63;

/// One queued unit of work: 24 bytes (a box and one word), so the intake list's blocks of 31
/// slots stay small enough for the allocator's per-thread cache (see `intake.rs`).
pub(crate) struct Job {
    /// The task id (low 61 bits), the priority's index (2 bits) and whether the outcome is
    /// counted (top bit; `false` for the pool's own scope tickets, which stay out of the task
    /// counters).
    tag: u64,
    pub(crate) work: Box<dyn Work>,
}

impl Job {
    pub(crate) fn new(id: u64, priority: Priority, counted: bool, work: Box<dyn Work>) -> Self {
        let tag = (id & ID_MASK)
            | ((priority.index() as u64) << PRIORITY_SHIFT)
            | if counted { COUNTED } else { 0 };
        Self { tag, work }
    }

    pub(crate) fn id(&self) -> u64 {
        self.tag & ID_MASK
    }

    pub(crate) fn priority(&self) -> Priority {
        Priority::from_index(((self.tag >> PRIORITY_SHIFT) & 3) as usize)
    }

    pub(crate) fn counted(&self) -> bool {
        self.tag & COUNTED != 0
    }
}

/// Success callback: sees the value before the handle gets it.
pub(crate) type OnSuccess<R> = Box<dyn FnOnce(&R) + Send>;
/// Failure callback: sees [`TaskError::Panicked`] or [`TaskError::Expired`].
pub(crate) type OnFailure = Box<dyn FnOnce(&TaskError) + Send>;

/// A user closure, its optional handle slot and its optional callbacks.
pub(crate) struct TaskImpl<F, R> {
    pub(crate) f: Option<F>,
    pub(crate) deadline: Option<Instant>,
    pub(crate) slot: Option<Arc<Slot<R>>>,
    pub(crate) on_success: Option<OnSuccess<R>>,
    pub(crate) on_failure: Option<OnFailure>,
}

impl<F, R> TaskImpl<F, R> {
    pub(crate) fn new(f: F, slot: Option<Arc<Slot<R>>>) -> Self {
        Self {
            f: Some(f),
            deadline: None,
            slot,
            on_success: None,
            on_failure: None,
        }
    }

    fn fail(&mut self, ctx: RunCtx<'_>, err: TaskError) {
        if let Some(cb) = self.on_failure.take() {
            contain_callback(ctx, || cb(&err));
        }
        if let Some(slot) = &self.slot {
            slot.finish(Err(err));
        }
    }
}

/// Runs a user callback; a panic in it is reported and swallowed so the worker survives.
fn contain_callback(ctx: RunCtx<'_>, cb: impl FnOnce()) {
    if let Err(payload) = catch_unwind(AssertUnwindSafe(cb)) {
        events::callback_panicked(ctx.pool, ctx.task_id, &panic_message(&*payload));
    }
}

impl<F, R> Work for TaskImpl<F, R>
where
    F: FnOnce() -> R + Send,
    R: Send,
{
    fn claim(&self) -> bool {
        self.slot.as_ref().is_none_or(|slot| slot.claim())
    }

    fn run(mut self: Box<Self>, ctx: RunCtx<'_>) {
        let Some(f) = self.f.take() else {
            return;
        };
        match catch_unwind(AssertUnwindSafe(f)) {
            Ok(value) => {
                if let Some(cb) = self.on_success.take() {
                    contain_callback(ctx, || cb(&value));
                }
                ctx.count(|c| &c.completed);
                if let Some(slot) = &self.slot {
                    slot.finish(Ok(value));
                }
            }
            Err(payload) => {
                let message = panic_message(&*payload);
                events::task_panicked(ctx.pool, ctx.task_id, &message);
                ctx.count(|c| &c.failed);
                self.fail(ctx, TaskError::Panicked(message));
            }
        }
    }

    fn deadline(&self) -> Option<Instant> {
        self.deadline
    }

    fn expire(mut self: Box<Self>, ctx: RunCtx<'_>) {
        self.f = None;
        ctx.count(|c| &c.expired);
        self.fail(ctx, TaskError::Expired);
    }
}

/// A fire-and-forget task with no deadline and no callbacks (plain
/// [`execute`](crate::ThreadPool::execute), and [`TaskBuilder::execute`](crate::TaskBuilder)
/// without callbacks or deadline, at any priority): just the closure, so its box is as small
/// as the closure (a `TaskImpl` carries empty slots for a handle, a deadline and two
/// callbacks). The closure's value, if any, is dropped on the worker.
pub(crate) struct PlainTask<F>(pub(crate) F);

impl<F, R> Work for PlainTask<F>
where
    F: FnOnce() -> R + Send,
{
    fn claim(&self) -> bool {
        true
    }

    fn run(self: Box<Self>, ctx: RunCtx<'_>) {
        let f = self.0;
        // The value is dropped inside the guard: a panicking `Drop` counts as a failure, as
        // a panicking task does, and never reaches the worker.
        match catch_unwind(AssertUnwindSafe(move || drop(f()))) {
            Ok(()) => ctx.count(|c| &c.completed),
            Err(payload) => {
                events::task_panicked(ctx.pool, ctx.task_id, &panic_message(&*payload));
                ctx.count(|c| &c.failed);
            }
        }
    }

    fn expire(self: Box<Self>, ctx: RunCtx<'_>) {
        // Unreachable in practice (no deadline), but counted like any expiry if it happens.
        ctx.count(|c| &c.expired);
    }

    fn deadline(&self) -> Option<Instant> {
        None
    }
}

impl<F, R> Drop for TaskImpl<F, R> {
    /// A task dropped unresolved (a handed-back `PendingTask` the caller discarded) tells its
    /// joiner [`TaskError::Shutdown`] instead of leaving it blocked forever. `finish` keeps the
    /// first result, so this is a no-op after a run, an expiry or a cancel.
    fn drop(&mut self) {
        if let Some(slot) = &self.slot {
            slot.abandon();
        }
    }
}
