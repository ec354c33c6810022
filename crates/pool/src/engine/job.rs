//! What sits in the queue: a [`Job`] (id, priority, counted bit in one word) around a
//! type-erased [`Work`] (which also carries the deadline), and the `Work`s user tasks become:
//! [`PlainTask`] (fire and forget) and [`TaskImpl`] (handle, deadline, callbacks).
//!
//! # Small work is stored inline
//!
//! A `Work` of at most one word (a fire-and-forget closure that captures one `Arc`, one
//! reference or nothing) lives inside the job itself; a larger one is boxed. An empty task
//! then costs no allocation at all: the submitter allocating and the worker freeing every
//! task box was the largest cost of an empty task (`docs/notes/pool-benchmarks.md`). The
//! job erases the type with its own table of functions (`Vtable`), because a `Box<dyn
//! Work>` cannot hold its value inline.
//!
//! # Unsafe: the safe boundary
//!
//! The vtable's functions and the inline storage are this module's `unsafe`; outside it a
//! [`Job`] is an ordinary owned value: `Job::new` stores a `W: Work` and picks its vtable
//! together (so the two always match), and `claim`, `deadline`, `run`, `expire` and `Drop`
//! are safe methods, the taking ones consuming the job (so its work is taken at most once).
//! Nothing outside can reach `Vtable` or the `data` word. The tests at the end of this file
//! run every path under miri.
//!
//! A job is owned by exactly one place at a time (the queue, a worker, a `PendingTask`), so
//! "every task ends exactly once" reduces to: whoever owns it resolves it, and dropping an
//! unresolved task resolves its handle as [`TaskError::Shutdown`] (see `Drop for TaskImpl`).

#![allow(
    unsafe_code,
    reason = "a job's inline storage and vtable, behind the safe `Job` (see the module doc)"
)]

use std::cell::Cell;
use std::convert::Infallible;
use std::fmt;
use std::marker::PhantomData;
use std::mem::{ManuallyDrop, MaybeUninit};
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::time::Instant;

use selvedge_locks::sync::Arc;
use selvedge_locks::sync::atomic::AtomicU64;

use super::counters::Counters;
use super::events;
use crate::contain::{drop_contained, into_message};
use crate::handle::ResultSlot;
use crate::{Priority, TaskError};

/// Names the task in events emitted while it runs, and says where its outcome is counted.
#[derive(Debug, Clone, Copy)]
pub(crate) struct RunCtx<'a> {
    pub(crate) pool: &'a str,
    pub(crate) task_id: u64,
    /// `None` when the outcome must not be counted: the pool's own scope tickets, and tasks
    /// already counted as handed back by `shutdown_now`.
    pub(crate) counters: Option<&'a Counters>,
    /// On a worker: where a handle-less task counts its completion instead of
    /// `Counters::completed`. The worker publishes the total in its own `WorkerSlot` right
    /// after the task: two workers bumping one shared counter per task moved its cache line
    /// between them on every task. Tasks with a handle count at once
    /// (their joiner must see the count).
    pub(crate) completed_here: Option<&'a Cell<u64>>,
}

impl RunCtx<'_> {
    pub(crate) fn count(&self, pick: impl FnOnce(&Counters) -> &AtomicU64) {
        if let Some(counters) = self.counters {
            Counters::bump(pick(counters));
        }
    }

    /// Counts a completion of a task nobody joins (see `completed_here`).
    fn count_completed_unjoined(&self) {
        match self.completed_here {
            Some(here) if self.counters.is_some() => here.set(here.get() + 1),
            _ => self.count(|c| &c.completed),
        }
    }
}

/// A task with its result plumbing erased.
pub(crate) trait Work: Send + Sized {
    /// Takes the task out of `QUEUED`; `false` if it was cancelled first (then it must be
    /// dropped without running).
    fn claim(&self) -> bool;
    /// Runs the task, then its callback, counts the outcome, then resolves the handle (so a
    /// joiner sees the callback's effects and the updated counters). A panic is reported and
    /// contained: this never unwinds.
    fn run(self, ctx: RunCtx<'_>);
    /// Resolves the task as [`TaskError::Expired`] without running it (fires `on_failure`).
    fn expire(self, ctx: RunCtx<'_>);
    /// When the task expires if it has not started, if ever.
    fn deadline(&self) -> Option<Instant>;
}

/// Where a job keeps its work: the work itself if [`fits_inline`], else its box's pointer.
type Data = MaybeUninit<*mut ()>;

/// Whether `W` is stored in [`Data`] itself rather than boxed.
const fn fits_inline<W>() -> bool {
    size_of::<W>() <= size_of::<Data>() && align_of::<W>() <= align_of::<Data>()
}

/// The type-erased operations of one `W: Work`, over a job's [`Data`].
struct Vtable {
    claim: unsafe fn(*const Data) -> bool,
    deadline: unsafe fn(*const Data) -> Option<Instant>,
    run: unsafe fn(*mut Data, RunCtx<'_>),
    expire: unsafe fn(*mut Data, RunCtx<'_>),
    drop: unsafe fn(*mut Data),
}

/// The [`Vtable`] of `W`, a constant, so `&VtableOf::<W>::VTABLE` is a `&'static`.
struct VtableOf<W>(PhantomData<W>);

// The functions below share one contract: `data` points to the `Data` of a live job made by
// `Job::new::<W>` (so it holds a `W`, inline or boxed as `fits_inline::<W>()` says); the
// taking ones (`run`, `expire`, `drop`) are called at most once per job, after which the job
// is never used again (`Job` makes sure: it forgets itself after `run`/`expire`).
impl<W: Work> VtableOf<W> {
    const VTABLE: Vtable = Vtable {
        claim: Self::claim,
        deadline: Self::deadline,
        run: Self::run,
        expire: Self::expire,
        drop: Self::drop,
    };

    unsafe fn claim(data: *const Data) -> bool {
        // SAFETY: the caller keeps the `Vtable` contract above.
        unsafe { Self::get(data) }.claim()
    }

    unsafe fn deadline(data: *const Data) -> Option<Instant> {
        // SAFETY: as in `claim`.
        unsafe { Self::get(data) }.deadline()
    }

    unsafe fn run(data: *mut Data, ctx: RunCtx<'_>) {
        // SAFETY: as in `claim`; the caller never uses the job again.
        unsafe { Self::take(data) }.run(ctx);
    }

    unsafe fn expire(data: *mut Data, ctx: RunCtx<'_>) {
        // SAFETY: as in `run`.
        unsafe { Self::take(data) }.expire(ctx);
    }

    unsafe fn drop(data: *mut Data) {
        // SAFETY: as in `run`.
        let work = unsafe { Self::take(data) };
        // An unrun job (cancelled, refused, handed back and dropped) may be dropped on a
        // worker, or by `shutdown_now` among jobs it must still hand back: its captures'
        // `Drop` must not unwind there. No pool at hand to report to; it is swallowed.
        let _ = drop_contained(work);
    }

    /// SAFETY (caller): as for every `Vtable` function above.
    unsafe fn get<'a>(data: *const Data) -> &'a W {
        if fits_inline::<W>() {
            // SAFETY: `Job::new` wrote a `W` at the start of `Data`, which is big and aligned
            // enough for it; the job is live, so it is initialized and not moved out.
            unsafe { &*data.cast::<W>() }
        } else {
            // SAFETY: `Job::new` stored `Box::into_raw` of a `W` here; the box is live.
            unsafe { &*(*data).assume_init().cast::<W>() }
        }
    }

    /// SAFETY (caller): as above, and the job is never used again.
    unsafe fn take(data: *mut Data) -> W {
        if fits_inline::<W>() {
            // SAFETY: a `W` is there (see `get`); the caller never touches it again, so
            // this read is the one move out of it.
            unsafe { data.cast::<W>().read() }
        } else {
            // SAFETY: the pointer came from `Box::into_raw` and is turned back into a box
            // exactly once (the caller never uses the job again).
            *unsafe { Box::from_raw((*data).assume_init().cast::<W>()) }
        }
    }
}

/// The task id's bits in [`Job::tag`]; ids past 2^61 wrap (14,000 years at 5 M/s).
const ID_MASK: u64 = (1 << 61) - 1;
/// Where the priority's index sits in [`Job::tag`].
const PRIORITY_SHIFT: u32 = 61;
/// Set in [`Job::tag`] when the outcome is counted.
const COUNTED: u64 = 1 << 63;

/// One queued unit of work: three words (the tag, the work's [`Vtable`], the work inline
/// or its box), moved by value through the queue.
pub(crate) struct Job {
    /// The task id (low 61 bits), the priority's index (2 bits) and whether the outcome is
    /// counted (top bit; `false` for the pool's own scope tickets, which stay out of the task
    /// counters).
    tag: u64,
    vtable: &'static Vtable,
    data: Data,
}

// SAFETY: a job owns exactly one `W: Work`, and `Work: Send`; nothing in it is shared.
unsafe impl Send for Job {}

impl Job {
    pub(crate) fn new<W: Work>(id: u64, priority: Priority, counted: bool, work: W) -> Self {
        let tag = (id & ID_MASK)
            | ((priority.index() as u64) << PRIORITY_SHIFT)
            | if counted { COUNTED } else { 0 };
        let mut data = Data::uninit();
        if fits_inline::<W>() {
            // SAFETY: `Data` is at least as big and as aligned as `W` (`fits_inline`).
            unsafe { data.as_mut_ptr().cast::<W>().write(work) };
        } else {
            data.write(Box::into_raw(Box::new(work)).cast::<()>());
        }
        Self {
            tag,
            vtable: &VtableOf::<W>::VTABLE,
            data,
        }
    }

    /// Takes the task out of `QUEUED`: `false` if it was cancelled (drop the job unrun).
    pub(crate) fn claim(&self) -> bool {
        // SAFETY: the job is live and was made for this vtable's `W`.
        unsafe { (self.vtable.claim)(&self.data) }
    }

    /// When the task expires if it has not started, if ever.
    pub(crate) fn deadline(&self) -> Option<Instant> {
        // SAFETY: as in `claim`.
        unsafe { (self.vtable.deadline)(&self.data) }
    }

    /// Runs the task; see [`Work::run`].
    pub(crate) fn run(self, ctx: RunCtx<'_>) {
        let mut job = ManuallyDrop::new(self);
        // SAFETY: as in `claim`; the job is forgotten, so its work is taken this once.
        unsafe { (job.vtable.run)(&mut job.data, ctx) }
    }

    /// Resolves the task as expired without running it; see [`Work::expire`].
    pub(crate) fn expire(self, ctx: RunCtx<'_>) {
        let mut job = ManuallyDrop::new(self);
        // SAFETY: as in `run`.
        unsafe { (job.vtable.expire)(&mut job.data, ctx) }
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
/// Failure callback: sees [`TaskError::Failed`], [`TaskError::Panicked`] or
/// [`TaskError::Expired`].
pub(crate) type OnFailure<E> = Box<dyn FnOnce(&TaskError<E>) + Send>;

/// A user closure returning `Result<R, E>` (an infallible one is wrapped to return
/// `Ok`), its optional handle slot and its optional callbacks.
pub(crate) struct TaskImpl<F, R, E = Infallible> {
    pub(crate) f: Option<F>,
    pub(crate) deadline: Option<Instant>,
    pub(crate) slot: Option<Arc<ResultSlot<R, E>>>,
    pub(crate) on_success: Option<OnSuccess<R>>,
    pub(crate) on_failure: Option<OnFailure<E>>,
}

impl<F, R, E> TaskImpl<F, R, E> {
    pub(crate) fn new(f: F, slot: Option<Arc<ResultSlot<R, E>>>) -> Self {
        Self {
            f: Some(f),
            deadline: None,
            slot,
            on_success: None,
            on_failure: None,
        }
    }

    fn fail(&mut self, ctx: RunCtx<'_>, err: TaskError<E>) {
        if let Some(cb) = self.on_failure.take() {
            contain_callback(ctx, || cb(&err));
        }
        if let Some(slot) = &self.slot {
            slot.finish(Err(err));
        }
    }

    /// Drops what is left of a resolved task (the closure of an expired one, a callback that
    /// did not fire, the slot, which holds the value if its handle is gone) one part at a
    /// time, each `Drop` contained and reported: a panic in one still drops the others, and
    /// none reaches the worker.
    fn release(&mut self, ctx: RunCtx<'_>) {
        let parts = [
            drop_contained(self.f.take()),
            drop_contained(self.on_success.take()),
            drop_contained(self.on_failure.take()),
            drop_contained(self.slot.take()),
        ];
        for message in parts.into_iter().flatten() {
            events::drop_panicked(ctx.pool, ctx.task_id, &message);
        }
    }
}

/// Runs a user callback; a panic in it is reported and swallowed so the worker survives.
fn contain_callback(ctx: RunCtx<'_>, cb: impl FnOnce()) {
    if let Err(payload) = catch_unwind(AssertUnwindSafe(cb)) {
        events::callback_panicked(ctx.pool, ctx.task_id, &into_message(payload));
    }
}

impl<F, R, E> Work for TaskImpl<F, R, E>
where
    F: FnOnce() -> Result<R, E> + Send,
    R: Send,
    E: fmt::Debug + Send,
{
    fn claim(&self) -> bool {
        self.slot.as_ref().is_none_or(|slot| slot.claim())
    }

    fn run(mut self, ctx: RunCtx<'_>) {
        let Some(f) = self.f.take() else {
            return;
        };
        match catch_unwind(AssertUnwindSafe(f)) {
            Ok(Ok(value)) => {
                if let Some(cb) = self.on_success.take() {
                    contain_callback(ctx, || cb(&value));
                }
                ctx.count(|c| &c.completed);
                match &self.slot {
                    Some(slot) => slot.finish(Ok(value)),
                    // Nobody will take the value: it is dropped here, on the worker.
                    None => {
                        if let Some(message) = drop_contained(value) {
                            events::drop_panicked(ctx.pool, ctx.task_id, &message);
                        }
                    }
                }
            }
            Ok(Err(error)) => {
                events::task_failed(ctx.pool, ctx.task_id, &error);
                ctx.count(|c| &c.failed);
                self.fail(ctx, TaskError::Failed(error));
            }
            Err(payload) => {
                let message = into_message(payload);
                events::task_panicked(ctx.pool, ctx.task_id, &message);
                ctx.count(|c| &c.failed);
                self.fail(ctx, TaskError::Panicked(message));
            }
        }
        self.release(ctx);
    }

    fn deadline(&self) -> Option<Instant> {
        self.deadline
    }

    fn expire(mut self, ctx: RunCtx<'_>) {
        ctx.count(|c| &c.expired);
        self.fail(ctx, TaskError::Expired);
        self.release(ctx);
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

    fn run(self, ctx: RunCtx<'_>) {
        let f = self.0;
        // The value is dropped inside the guard: a panicking `Drop` counts as a failure, as
        // a panicking task does, and never reaches the worker.
        match catch_unwind(AssertUnwindSafe(move || drop(f()))) {
            Ok(()) => ctx.count_completed_unjoined(),
            Err(payload) => {
                events::task_panicked(ctx.pool, ctx.task_id, &into_message(payload));
                ctx.count(|c| &c.failed);
            }
        }
    }

    fn expire(self, ctx: RunCtx<'_>) {
        // Unreachable in practice (no deadline), but counted like any expiry if it happens.
        if let Some(message) = drop_contained(self.0) {
            events::drop_panicked(ctx.pool, ctx.task_id, &message);
        }
        ctx.count(|c| &c.expired);
    }

    fn deadline(&self) -> Option<Instant> {
        None
    }
}

impl Drop for Job {
    fn drop(&mut self) {
        // SAFETY: as in `Job::claim`; `run` and `expire` forget the job, so a dropped job
        // still owns its work, taken here once.
        unsafe { (self.vtable.drop)(&mut self.data) }
    }
}

impl<F, R, E> Drop for TaskImpl<F, R, E> {
    /// A task dropped unresolved (a handed-back `PendingTask` the caller discarded) tells its
    /// joiner [`TaskError::Shutdown`] instead of leaving it blocked forever. `finish` keeps the
    /// first result, so this is a no-op after a run, an expiry or a cancel.
    fn drop(&mut self) {
        if let Some(slot) = &self.slot {
            slot.abandon();
        }
        // Part by part, so one panicking `Drop` cannot unwind through the others (a second
        // panic while unwinding would abort). After `run` or `expire` all are gone already.
        let _ = drop_contained(self.f.take());
        let _ = drop_contained(self.on_success.take());
        let _ = drop_contained(self.on_failure.take());
        let _ = drop_contained(self.slot.take());
    }
}

/// The type erasure, checked under miri (`cargo xtask miri`): each work is moved in once,
/// used through the vtable, and dropped exactly once, inline or boxed.
#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicUsize, Ordering};

    #[derive(Default)]
    struct Counts {
        claimed: AtomicUsize,
        ran: AtomicUsize,
        expired: AtomicUsize,
        dropped: AtomicUsize,
    }

    /// A work of one `Arc` plus `PAD` bytes: inline at `PAD == 0`, boxed above.
    struct Probe<const PAD: usize> {
        counts: std::sync::Arc<Counts>,
        _pad: [u8; PAD],
    }

    /// One `Arc`, but aligned past a word: boxed.
    #[repr(align(16))]
    struct Aligned(Probe<0>);

    impl<const PAD: usize> Work for Probe<PAD> {
        fn claim(&self) -> bool {
            self.counts.claimed.fetch_add(1, Ordering::Relaxed);
            true
        }
        fn run(self, ctx: RunCtx<'_>) {
            assert_eq!(ctx.task_id, 7);
            self.counts.ran.fetch_add(1, Ordering::Relaxed);
        }
        fn expire(self, _ctx: RunCtx<'_>) {
            self.counts.expired.fetch_add(1, Ordering::Relaxed);
        }
        fn deadline(&self) -> Option<Instant> {
            None
        }
    }

    impl<const PAD: usize> Drop for Probe<PAD> {
        fn drop(&mut self) {
            self.counts.dropped.fetch_add(1, Ordering::Relaxed);
        }
    }

    impl Work for Aligned {
        fn claim(&self) -> bool {
            self.0.claim()
        }
        fn run(self, ctx: RunCtx<'_>) {
            self.0.run(ctx);
        }
        fn expire(self, ctx: RunCtx<'_>) {
            self.0.expire(ctx);
        }
        fn deadline(&self) -> Option<Instant> {
            self.0.deadline()
        }
    }

    fn ctx() -> RunCtx<'static> {
        RunCtx {
            pool: "test",
            task_id: 7,
            counters: None,
            completed_here: None,
        }
    }

    /// Runs `make` three ways (run, expire, drop unrun) and checks every count.
    fn check<W: Work>(make: impl Fn(std::sync::Arc<Counts>) -> W) {
        let counts = std::sync::Arc::new(Counts::default());
        let job = Job::new(7, Priority::High, true, make(counts.clone()));
        assert!(job.claim());
        assert_eq!(job.deadline(), None);
        job.run(ctx());
        let job = Job::new(7, Priority::Low, true, make(counts.clone()));
        job.expire(ctx());
        drop(Job::new(7, Priority::Normal, false, make(counts.clone())));
        let read = |c: &AtomicUsize| c.load(Ordering::Relaxed);
        assert_eq!(read(&counts.claimed), 1);
        assert_eq!(read(&counts.ran), 1);
        assert_eq!(read(&counts.expired), 1);
        assert_eq!(read(&counts.dropped), 3, "each work dropped exactly once");
        assert_eq!(std::sync::Arc::strong_count(&counts), 1, "nothing leaked");
    }

    #[test]
    fn inline_work_runs_expires_and_drops_once() {
        assert!(fits_inline::<Probe<0>>());
        check(|counts| Probe { counts, _pad: [] });
    }

    #[test]
    fn boxed_work_runs_expires_and_drops_once() {
        assert!(!fits_inline::<Probe<32>>());
        check(|counts| Probe {
            counts,
            _pad: [0; 32],
        });
        assert!(!fits_inline::<Aligned>());
        check(|counts| Aligned(Probe { counts, _pad: [] }));
    }

    #[test]
    fn a_closure_capturing_one_arc_is_stored_inline() {
        let shared = std::sync::Arc::new(AtomicUsize::new(0));
        let captured = shared.clone();
        let task = PlainTask(move || {
            captured.fetch_add(1, Ordering::Relaxed);
        });
        fn inline<W>(_: &W) -> bool {
            fits_inline::<W>()
        }
        assert!(inline(&task));
        let counters = Counters::default();
        let job = Job::new(1, Priority::Normal, true, task);
        job.run(RunCtx {
            pool: "test",
            task_id: 1,
            counters: Some(&counters),
            completed_here: None,
        });
        assert_eq!(shared.load(Ordering::Relaxed), 1);
        assert_eq!(counters.completed.load(Ordering::Relaxed), 1);
        assert_eq!(std::sync::Arc::strong_count(&shared), 1);
    }

    /// A work whose `Drop` panics (after counting), one `Arc` plus `PAD` bytes.
    struct Exploding<const PAD: usize> {
        counts: std::sync::Arc<Counts>,
        _pad: [u8; PAD],
    }

    impl<const PAD: usize> Work for Exploding<PAD> {
        fn claim(&self) -> bool {
            true
        }
        fn run(self, _ctx: RunCtx<'_>) {}
        fn expire(self, _ctx: RunCtx<'_>) {}
        fn deadline(&self) -> Option<Instant> {
            None
        }
    }

    impl<const PAD: usize> Drop for Exploding<PAD> {
        fn drop(&mut self) {
            self.counts.dropped.fetch_add(1, Ordering::Relaxed);
            panic!("exploding drop");
        }
    }

    #[test]
    fn an_unrun_job_whose_drop_panics_is_dropped_once_and_contained() {
        let counts = std::sync::Arc::new(Counts::default());
        drop(Job::new(
            1,
            Priority::Normal,
            true,
            Exploding {
                counts: counts.clone(),
                _pad: [],
            },
        ));
        assert!(!fits_inline::<Exploding<32>>());
        drop(Job::new(
            2,
            Priority::Normal,
            true,
            Exploding {
                counts: counts.clone(),
                _pad: [0; 32],
            },
        ));
        assert_eq!(counts.dropped.load(Ordering::Relaxed), 2);
        assert_eq!(std::sync::Arc::strong_count(&counts), 1, "nothing leaked");
    }

    #[test]
    fn zero_sized_work_is_inline() {
        let job = Job::new(3, Priority::Urgent, true, PlainTask(|| 5));
        assert_eq!(job.id(), 3);
        assert_eq!(job.priority(), Priority::Urgent);
        job.run(ctx());
    }
}
