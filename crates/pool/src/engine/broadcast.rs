//! The engine side of broadcasts: the open list, the shares workers take, and the wait of a
//! blocking broadcast. The public side (`BroadcastContext`, `ThreadPool::broadcast`,
//! `ThreadPool::spawn_broadcast`) is `src/broadcast.rs`.
//!
//! # How a broadcast reaches the workers
//!
//! A broadcast is not queued. Under the pool lock it gets the next sequence number and joins
//! `State::broadcasts`, the list of open broadcasts, with `num_threads` set to the live
//! workers (`State::threads`, counted under that same lock). Every worker records, in its
//! `WorkerEntry`, `seen`: the first sequence number it has not considered yet, set at its
//! start to the next number, so a broadcast targets exactly the workers whose `seen` is at or
//! below its number. A worker compares the list's next number with the one it last found
//! nothing at (a field it reads under the lock it takes for every pop anyway: no atomic per
//! task); only when they differ does it look for its share, which it takes as a `Job`
//! (`Share`) with the next index, moving `seen` past that broadcast. The last share taken
//! closes the broadcast. Parked workers are woken to look.
//!
//! Invariants, all under the pool lock:
//!
//! - an open broadcast's untaken shares equal the live workers whose `seen` is at or below
//!   its number: a worker retires or exits only in a critical section that found no share
//!   for it, and one that unwinds runs its shares before it is uncounted (`worker.rs`);
//! - each worker takes open broadcasts in sequence order, so every worker runs broadcasts in
//!   the order they were made;
//! - `shutdown_now` takes every untaken share out at once and hands it back.
//!
//! # Borrowed closures: the safe boundary
//!
//! `ThreadPool::broadcast` blocks, so its closure may borrow. [`run_borrowed`] is the safe
//! function that takes such a closure: its one `unsafe` block erases the lifetime, and it
//! returns only once every share has dropped its reference, so nothing outside this module
//! can see the erased closure. The soundness argument is written at the block and exercised
//! under miri by the tests of `src/broadcast.rs`.
#![allow(
    unsafe_code,
    reason = "lifetime erasure of `broadcast`'s borrowed closure, as in rayon's broadcast"
)]

use std::collections::VecDeque;
use std::panic::{AssertUnwindSafe, catch_unwind, resume_unwind};

use selvedge_locks::sync::atomic::{AtomicUsize, Ordering};
use selvedge_locks::sync::{Arc, PlainMutexGuard, thread};

use super::counters::Counters;
use super::job::{Job, RunCtx, Work};
use super::shared::{Shared, State};
use super::{events, task_id, worker};
use crate::contain::{drop_contained, drop_payload};
use crate::{Priority, SubmitError};

/// A broadcast's closure, panics contained: returns the panic's message if it panicked.
/// It is called with the share's index and the broadcast's `num_threads`.
pub(crate) type Op = Box<dyn Fn(usize, usize) -> Option<String> + Send + Sync>;

/// The closure every share of one broadcast calls.
struct Broadcast {
    op: Op,
    num_threads: usize,
}

/// Counts the resolved shares of a blocking broadcast (run, or dropped unrun); changed and
/// read under the pool lock, waited for on `Shared::broadcast_done`.
struct Latch {
    resolved: AtomicUsize,
    /// Shares in all; the one that resolves the last wakes the caller.
    num_threads: usize,
}

/// A broadcast with shares not yet taken.
struct Open {
    seq: u64,
    id: u64,
    broadcast: Arc<Broadcast>,
    latch: Option<Arc<Latch>>,
    /// Shares taken so far, which is also the next share's index.
    taken: usize,
}

impl Open {
    /// The next share, as a job owning what it needs (the pool, to resolve the latch).
    fn take_share(&mut self, shared: &Arc<Shared>) -> Job {
        let share = Share {
            broadcast: Some(Arc::clone(&self.broadcast)),
            latch: self.latch.clone(),
            shared: Arc::clone(shared),
            index: self.taken,
        };
        self.taken += 1;
        Job::new(self.id, Priority::Urgent, true, share)
    }

    fn untaken(&self) -> usize {
        self.broadcast.num_threads - self.taken
    }
}

/// The open broadcasts (`State::broadcasts`); see the module doc.
pub(crate) struct Broadcasts {
    /// The next broadcast's sequence number (broadcasts ever made).
    next_seq: u64,
    /// Oldest first.
    open: VecDeque<Open>,
    /// Shares not yet taken, over every open broadcast (`wait_idle` waits for them).
    untaken: usize,
}

impl Broadcasts {
    pub(crate) fn new() -> Self {
        Self {
            next_seq: 0,
            open: VecDeque::new(),
            untaken: 0,
        }
    }

    /// The next sequence number; a worker that found nothing for it at this number has
    /// nothing to look for until it changes.
    #[inline]
    pub(crate) fn seq(&self) -> u64 {
        self.next_seq
    }

    /// Shares not yet taken by their worker (nor handed back).
    pub(crate) fn untaken(&self) -> usize {
        self.untaken
    }

    /// Opens a broadcast for the `num_threads` live workers; returns its sequence number.
    fn open(&mut self, id: u64, broadcast: Arc<Broadcast>, latch: Option<Arc<Latch>>) -> u64 {
        let seq = self.next_seq;
        self.next_seq += 1;
        if broadcast.num_threads > 0 {
            self.untaken += broadcast.num_threads;
            self.open.push_back(Open {
                seq,
                id,
                broadcast,
                latch,
                taken: 0,
            });
        }
        seq
    }

    /// The share of the oldest open broadcast a worker whose `seen` is `*seen` has not run,
    /// moving `*seen` past it; `None` (and `*seen` to the next number) if there is none.
    fn take(&mut self, seen: &mut u64, shared: &Arc<Shared>) -> Option<Job> {
        let Some(at) = self.open.iter().position(|open| open.seq >= *seen) else {
            *seen = self.next_seq;
            return None;
        };
        let open = &mut self.open[at];
        *seen = open.seq + 1;
        let job = open.take_share(shared);
        self.untaken -= 1;
        if open.untaken() == 0 {
            self.open.remove(at);
        }
        Some(job)
    }

    /// Every untaken share, oldest broadcast first and in index order within one; the
    /// broadcasts close (`shutdown_now`). Drop the jobs only after releasing the pool lock.
    pub(crate) fn drain(&mut self, shared: &Arc<Shared>) -> Vec<Job> {
        let mut jobs = Vec::with_capacity(self.untaken);
        for mut open in self.open.drain(..) {
            while open.untaken() > 0 {
                jobs.push(open.take_share(shared));
            }
        }
        self.untaken = 0;
        jobs
    }
}

/// Takes the next share of the worker running on thread `me`, if it has one (the caller
/// holds the pool lock). `None` too if `me` is not one of the pool's workers.
pub(crate) fn take_own(shared: &Arc<Shared>, st: &mut State, me: &thread::Thread) -> Option<Job> {
    let entry = st.workers.iter_mut().find(|w| w.thread.id() == me.id())?;
    st.broadcasts.take(&mut entry.broadcasts_seen, shared)
}

/// One worker's run of one broadcast: a `Work` like any task's, so it runs through
/// `worker::execute` and is handed back by `shutdown_now` as a `PendingTask`. Dropped, run or
/// not, it resolves the broadcast's latch.
struct Share {
    /// Taken (and dropped) before the latch is resolved: see the SAFETY comment in
    /// [`run_borrowed`].
    broadcast: Option<Arc<Broadcast>>,
    latch: Option<Arc<Latch>>,
    shared: Arc<Shared>,
    index: usize,
}

impl Work for Share {
    fn claim(&self) -> bool {
        // Shares cannot be cancelled one by one.
        true
    }

    fn run(mut self, ctx: RunCtx<'_>) {
        let Some(broadcast) = self.broadcast.take() else {
            return;
        };
        let panicked = (broadcast.op)(self.index, broadcast.num_threads);
        // The last share of a `spawn_broadcast` drops the closure's captures here, on the
        // worker: contained and reported like any task's captures.
        if let Some(message) = drop_contained(broadcast) {
            events::drop_panicked(ctx.pool, ctx.task_id, &message);
        }
        match panicked {
            None => ctx.count(|c| &c.completed),
            Some(message) => {
                ctx.count(|c| &c.failed);
                events::task_panicked(ctx.pool, ctx.task_id, &message);
            }
        }
        // `Drop` resolves the latch, after the counts: a caller sees its broadcast counted.
    }

    fn expire(self, _ctx: RunCtx<'_>) {
        // Shares carry no deadline, so this is never called; dropping resolves it unrun.
    }

    fn deadline(&self) -> Option<std::time::Instant> {
        None
    }
}

impl Drop for Share {
    fn drop(&mut self) {
        // Unrun (handed back and dropped, or unwound through): the captures' `Drop` must not
        // unwind here either; with no pool event for it, it is swallowed, as for any job.
        let _ = drop_contained(self.broadcast.take());
        if let Some(latch) = self.latch.take() {
            let _st = self.shared.state.lock();
            if latch.resolved.fetch_add(1, Ordering::Relaxed) + 1 == latch.num_threads {
                self.shared.broadcast_done.notify_all();
            }
        }
    }
}

/// A broadcast just opened: what its caller needs to wait for it.
struct Opened<'a> {
    st: PlainMutexGuard<'a, State>,
    broadcast: Arc<Broadcast>,
    latch: Option<Arc<Latch>>,
    /// The caller's thread, if it is one of the pool's workers.
    own: Option<thread::Thread>,
}

/// A broadcast's closure that may borrow for `'a`, panics contained (see [`Op`]).
pub(crate) type Borrowed<'a> = Box<dyn Fn(usize, usize) -> Option<String> + Send + Sync + 'a>;

/// Runs a blocking broadcast of `op`, which may borrow: returns once every share has run or
/// been dropped unrun, and `op` with it. `size` learns how many workers run it, under the
/// pool lock, before any of them can. The safe boundary of this module's `unsafe`.
pub(crate) fn run_borrowed<'a>(
    shared: &Arc<Shared>,
    op: Borrowed<'a>,
    size: impl FnOnce(usize),
) -> Result<(), SubmitError> {
    // SAFETY: only the lifetime changes; the boxed trait object's layout is the same. The
    // erased closure borrows only what outlives this call (`'a`). It is reachable only
    // through `Arc<Broadcast>` clones: ours, the open-list entry's, and one per `Share`.
    // A share drops its clone before it resolves the latch (`Share::run`, `Drop for
    // Share`), and the entry's clone is dropped when the last share is made (`take`,
    // `drain`), before that share can resolve. `wait_for` waits until every one of the
    // `num_threads` shares has resolved, and nothing between `open` and the end of that
    // wait unwinds (it catches what the shares it runs could throw, and re-raises
    // it only after the wait), so ours is then the last clone, and `wait_for` drops it:
    // the closure is called only while this call waits, and dropped before it returns. A
    // refused broadcast (`open` returns `Err`) drops it before returning too.
    let op: Op = unsafe { std::mem::transmute::<Borrowed<'a>, Op>(op) };
    let opened = open(shared, op, true, size)?;
    wait_for(shared, opened);
    Ok(())
}

/// Opens a broadcast of a `'static` `op` and returns at once.
pub(crate) fn spawn(shared: &Arc<Shared>, op: Op) -> Result<(), SubmitError> {
    open(shared, op, false, |_| {}).map(drop)
}

/// Opens a broadcast for the live workers (refused once shut down); `size` learns how
/// many, under the pool lock, before any worker can run it.
fn open(
    shared: &Arc<Shared>,
    op: Op,
    blocking: bool,
    size: impl FnOnce(usize),
) -> Result<Opened<'_>, SubmitError> {
    let id = task_id::next();
    let mut st = shared.state.lock();
    if !st.accepting {
        drop(st);
        let _ = drop_contained(op);
        Counters::bump(&shared.counters.rejected);
        events::task_rejected(&shared.config.name, id, &SubmitError::Shutdown.to_string());
        return Err(SubmitError::Shutdown);
    }
    let num_threads = st.threads;
    size(num_threads);
    st.accepted += num_threads as u64;
    let broadcast = Arc::new(Broadcast { op, num_threads });
    let latch = blocking.then(|| {
        Arc::new(Latch {
            resolved: AtomicUsize::new(0),
            num_threads,
        })
    });
    st.broadcasts
        .open(id, Arc::clone(&broadcast), latch.clone());
    // Workers between tasks look here, without the lock, for a broadcast to run.
    shared.signals.set_broadcast_seq(st.broadcasts.seq());
    if num_threads > 0 {
        // Parked workers look for their share; waiting ones run theirs (see `wait_for`
        // and `wait_idle`).
        shared.work.notify_all();
        shared.broadcast_done.notify_all();
        if st.idle_waiters > 0 {
            shared.drained.notify_all();
        }
    }
    let own = st.on_own_worker().then(thread::current);
    Ok(Opened {
        st,
        broadcast,
        latch,
        own,
    })
}

/// Waits until every share of a blocking broadcast has resolved. A worker of this pool
/// runs its own shares meanwhile, oldest broadcast first (so its share of this one is
/// taken in the critical section that opened it, unless it has older ones left), and
/// shares of broadcasts made while it waits. Never unwinds before the wait is
/// over: a panic escaping a share's run (only the pool's own code, such as a tracing
/// subscriber, can throw one) is held and re-raised after it.
fn wait_for(shared: &Arc<Shared>, opened: Opened<'_>) {
    let Opened {
        mut st,
        broadcast,
        latch,
        own,
    } = opened;
    let Some(latch) = latch else {
        return;
    };
    let mut escaped = None;
    loop {
        if let Some(me) = &own
            && let Some(job) = take_own(shared, &mut st, me)
        {
            drop(st);
            if let Err(payload) =
                catch_unwind(AssertUnwindSafe(|| worker::execute(shared, job, None)))
            {
                match escaped {
                    None => escaped = Some(payload),
                    Some(_) => drop_payload(payload),
                }
            }
            st = shared.state.lock();
            continue;
        }
        if latch.resolved.load(Ordering::Relaxed) == latch.num_threads {
            break;
        }
        shared.broadcast_done.wait(&mut st);
    }
    drop(st);
    // Every share has dropped its clone: this drops the closure, inside the caller's call.
    drop(broadcast);
    if let Some(payload) = escaped {
        resume_unwind(payload);
    }
}
