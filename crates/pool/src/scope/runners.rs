//! The scope's runners: how borrowed closures wait in the scope's own list, how tickets (the
//! pool jobs that run them) come and go, and how the owner waits, all without a lock on the
//! per-closure path. [`ScopeShared`]'s docs tell the two races and how they are settled; the
//! loom models are in `tests/loom/scope.rs`.
//!
//! The one `unsafe` block erases a closure's lifetime to store it in the list; its soundness
//! argument is written at the block and exercised under miri by the scope's tests.
#![allow(
    unsafe_code,
    reason = "lifetime erasure of scoped closures, as in std::thread::scope and rayon::scope"
)]

use std::any::Any;
use std::panic::{AssertUnwindSafe, catch_unwind};

use crossbeam_utils::CachePadded;
use selvedge_locks::sync::atomic::{AtomicBool, AtomicUsize, Ordering, fence};
use selvedge_locks::sync::{Arc, MODEL, PlainCondvar, PlainMutex, thread};

use crate::contain::drop_payload;
use crate::engine::injector::Injector;
use crate::engine::job::{Job, RunCtx, Work};
use crate::engine::{NotQueued, Shared};
use crate::{Priority, RejectionPolicy, SubmitError, ThreadPool};

/// A scoped closure with its lifetime erased; see the SAFETY comment in `push`.
type Erased = Box<dyn FnOnce() + Send + 'static>;

/// Spawns the owner's thread counts in `unfinished` at once.
pub(super) const CREDIT_BATCH: usize = 64;
/// `credits` once the owner waits: its spawns count themselves one by one.
const CLOSED: usize = usize::MAX;
/// Yields a ticket waits for more closures before it leaves (none under loom, whose models
/// would only grow).
const LINGER_ROUNDS: u32 = if MODEL { 0 } else { 16 };

selvedge_locks::loom_thread_local! {
    /// A byte whose address names its thread among the live ones.
    static THREAD_MARK: u8 = const { 0 };
}

/// This thread's name as a number: the address of its [`THREAD_MARK`] (never 0).
pub(super) fn this_thread() -> usize {
    THREAD_MARK.with(|mark| std::ptr::from_ref(mark).addr())
}

/// What a scope's owner, its tickets and its closures share.
///
/// Spawning and running a closure take no lock: `pending` is a lock-free FIFO, and two
/// counters say when the scope is done (`unfinished`) and whether a ticket must be
/// submitted (`tickets`). The lock is the owner's, to sleep on and to keep the first panic.
///
/// Two races are settled by SeqCst fence pairs (Dekker), each side writing then reading:
/// - **a push vs the last ticket leaving**: the pusher pushes, then reads `tickets`; a
///   leaving ticket un-counts itself, then reads `pending`. Either the pusher sees the ticket
///   gone (and submits one) or the ticket sees the closure (and stays).
/// - **the last closures un-counted vs the owner falling asleep**: the runner brings
///   `unfinished` to zero, then reads `owner_asleep`; the owner sets it, then reads
///   `unfinished`. Either the owner sees zero or the finisher wakes it.
pub(super) struct ScopeShared {
    /// Closures not started yet, oldest first.
    pending: Injector<Erased>,
    /// Closures spawned and not finished (pending, running, or finished by a runner that has
    /// not un-counted them yet: each runner un-counts what it ran once it finds `pending`
    /// empty). On its own line: spawners and runners write it, the rest is read-mostly.
    unfinished: CachePadded<AtomicUsize>,
    /// Tickets alive: queued in the pool, running, or handed back and not yet dropped.
    tickets: AtomicUsize,
    /// At most this many tickets are alive at once.
    max_tickets: usize,
    /// The owner's thread ([`this_thread`]), for `scope`; 0 for `run`, which spawns once.
    owner: usize,
    /// Spawns the owner's thread has counted in `unfinished` ahead and not made yet, or
    /// `CLOSED` once the owner waits. Only the owner's thread touches it: its spawns count
    /// themselves `CREDIT_BATCH` at a time, so they do not each write the line runners write.
    credits: AtomicUsize,
    /// The owner is about to sleep, or sleeps, on `changed`.
    owner_asleep: AtomicBool,
    /// The first panic of a scoped closure to be caught, re-raised by the owner; also the
    /// lock the owner sleeps under.
    panic: PlainMutex<Option<Box<dyn Any + Send>>>,
    /// Signalled when `unfinished` reaches zero while the owner sleeps, and when the last
    /// ticket is gone.
    changed: PlainCondvar,
}

impl ScopeShared {
    /// For `scope` (`owner`: the calling thread, `this_thread()`) and `run` (`owner` 0).
    pub(super) fn new(max_tickets: usize, owner: usize) -> Self {
        Self {
            pending: Injector::new(),
            unfinished: CachePadded::new(AtomicUsize::new(0)),
            tickets: AtomicUsize::new(0),
            max_tickets,
            owner,
            credits: AtomicUsize::new(0),
            owner_asleep: AtomicBool::new(false),
            panic: PlainMutex::new(None),
            changed: PlainCondvar::new(),
        }
    }

    /// Queues a borrowed closure; returns whether the caller must submit a new ticket (fewer
    /// than `max_tickets` are alive), counting that ticket as alive already.
    pub(super) fn push<'scope>(&self, f: Box<dyn FnOnce() + Send + 'scope>) -> bool {
        // SAFETY: only the lifetime changes; the layout of the boxed trait object is the same.
        // The erased box is counted in `unfinished` (`count_one`: the owner's spawns may be
        // counted ahead, never after) before it is stored in `pending`, and leaves `pending`
        // only in `run_pending` (which calls it, consuming it and dropping its captures,
        // before it un-counts it in `finished`) or in `take_back` (which drops it on the
        // owner's thread, then un-counts it). The owner of the scope (`ThreadPool::scope` /
        // `ThreadPool::run`, the only callers, both holding the borrow `'scope` for their
        // whole duration) does not return, not even by unwinding, until it has read
        // `unfinished == 0` with Acquire, after every un-counting (Release) (`wait_all`), or
        // has dropped the closures itself with no ticket left to run them (`take_back`, for
        // `run`). New closures are pushed only by code holding `&'scope Scope`: the owner's
        // body, or a running closure (still counted). So no erased closure is called or
        // dropped after `'scope` ends, which is what the `'static` bound would guarantee.
        let erased: Erased =
            unsafe { std::mem::transmute::<Box<dyn FnOnce() + Send + 'scope>, Erased>(f) };
        // Counted first: a runner may take and finish it before this thread goes on.
        self.count_one();
        self.pending.push(erased);
        // Pairs with the fence of a leaving ticket (see the type's docs).
        fence(Ordering::SeqCst);
        self.claim_ticket()
    }

    /// Counts one spawn in `unfinished`: from the owner's credits while it has them open,
    /// else by itself.
    #[inline]
    fn count_one(&self) {
        if self.owner == this_thread() {
            let left = self.credits.load(Ordering::Relaxed);
            if left != CLOSED {
                let left = if left == 0 {
                    self.unfinished.fetch_add(CREDIT_BATCH, Ordering::Relaxed);
                    CREDIT_BATCH
                } else {
                    left
                };
                self.credits.store(left - 1, Ordering::Relaxed);
                return;
            }
        }
        self.unfinished.fetch_add(1, Ordering::Relaxed);
    }

    /// The owner stops counting ahead and un-counts the spawns it did not make (before it
    /// waits: counted ahead, they would keep `unfinished` above zero for ever).
    fn close_credits(&self) {
        let left = self.credits.load(Ordering::Relaxed);
        if left != CLOSED {
            self.credits.store(CLOSED, Ordering::Relaxed);
            // AcqRel: this may be the step to zero, which the owner then reads as every
            // runner's un-counting before it.
            self.unfinished.fetch_sub(left, Ordering::AcqRel);
        }
    }

    /// Counts one more ticket alive if fewer than `max_tickets` are; returns whether it did.
    fn claim_ticket(&self) -> bool {
        let mut alive = self.tickets.load(Ordering::Relaxed);
        while alive < self.max_tickets {
            match self.tickets.compare_exchange_weak(
                alive,
                alive + 1,
                Ordering::Relaxed,
                Ordering::Relaxed,
            ) {
                Ok(_) => return true,
                Err(now) => alive = now,
            }
        }
        false
    }

    /// Runs pending closures until none is left. `as_ticket`: the caller is a ticket, which
    /// then un-counts itself and looks at `pending` once more (a push it raced may have seen
    /// it still alive and submitted no ticket); if something is there and it can count itself
    /// back in, it goes on.
    ///
    /// Closures are taken one at a time, so every closure not yet started stays in `pending`,
    /// where any free runner can take it: one that blocks waiting for a sibling never holds
    /// that sibling hostage (runners once took private batches, which deadlocked a closure
    /// waiting for a later one in its own batch).
    ///
    /// What it ran is un-counted in one step once `pending` is found empty, so runners that
    /// keep finding work do not all write one counter for every closure.
    fn run_pending(&self, as_ticket: bool) {
        loop {
            let mut ran = 0;
            while let Some(f) = self.pending.steal() {
                self.run_one(f);
                ran += 1;
            }
            self.finished(ran);
            if !as_ticket {
                return;
            }
            if self.linger() {
                continue;
            }
            let alive = self.tickets.fetch_sub(1, Ordering::Relaxed) - 1;
            // Pairs with the fence in `push` (see the type's docs).
            fence(Ordering::SeqCst);
            if self.pending.is_empty() || !self.claim_ticket() {
                if alive == 0 {
                    self.notify_owner();
                }
                return;
            }
        }
    }

    /// A ticket that found `pending` empty yields a few times before it leaves, and returns
    /// whether a closure came meanwhile. Workers that keep up with an owner still spawning
    /// would otherwise leave after nearly every closure, and the owner would submit a new
    /// ticket, through the pool's lock, for nearly every spawn.
    fn linger(&self) -> bool {
        for _ in 0..LINGER_ROUNDS {
            thread::yield_now();
            if !self.pending.is_empty() {
                return true;
            }
            if self.all_finished() {
                return false;
            }
        }
        false
    }

    /// Runs one closure taken from `pending` (consuming it: its captures are dropped when it
    /// returns) and keeps its panic if it is the first.
    fn run_one(&self, f: Erased) {
        if let Err(payload) = catch_unwind(AssertUnwindSafe(f)) {
            let mut first = self.panic.lock();
            if first.is_none() {
                *first = Some(payload);
            } else {
                drop(first);
                drop_payload(payload);
            }
        }
    }

    /// Un-counts `ran` closures this runner has run, and wakes the owner if they were the
    /// last.
    fn finished(&self, ran: usize) {
        if ran == 0 {
            return;
        }
        // Release: the closures' writes (and a recorded panic) reach the owner that reads
        // zero here with Acquire.
        if self.unfinished.fetch_sub(ran, Ordering::Release) == ran {
            // Pairs with the owner's fence in `wait_all` (see the type's docs).
            fence(Ordering::SeqCst);
            if self.owner_asleep.load(Ordering::Relaxed) {
                self.notify_owner();
            }
        }
    }

    /// Wakes the owner if it sleeps. Taking the lock it checks under means a wake-up can
    /// never fall between its check and its sleep.
    #[cold]
    fn notify_owner(&self) {
        let _lock = self.panic.lock();
        self.changed.notify_all();
    }

    /// Whether every spawned closure has finished (Acquire: their writes are visible).
    fn all_finished(&self) -> bool {
        self.unfinished.load(Ordering::Acquire) == 0
    }

    /// The owner's wait: until every closure has finished. With `help`, the owner runs
    /// pending closures itself. Without it (`run`), it returns `false` as soon as closures
    /// are pending with no ticket left to run them.
    pub(super) fn wait_all(&self, help: bool) -> bool {
        if self.owner != 0 {
            self.close_credits();
        }
        loop {
            if help {
                self.run_pending(false);
            }
            let mut lock = self.panic.lock();
            loop {
                self.owner_asleep.store(true, Ordering::Relaxed);
                // Pairs with the fence of the closure that finishes last (see the type's docs).
                fence(Ordering::SeqCst);
                if self.all_finished() {
                    self.owner_asleep.store(false, Ordering::Relaxed);
                    return true;
                }
                if !self.pending.is_empty() && (help || self.tickets.load(Ordering::Relaxed) == 0) {
                    self.owner_asleep.store(false, Ordering::Relaxed);
                    break;
                }
                self.changed.wait(&mut lock);
            }
            if !help {
                return false;
            }
        }
    }

    /// Drops every pending closure (for `run`, when its ticket is gone unrun).
    pub(super) fn take_back(&self) {
        while let Some(f) = self.pending.steal() {
            drop(f);
            self.unfinished.fetch_sub(1, Ordering::Release);
        }
    }

    pub(super) fn take_panic(&self) -> Option<Box<dyn Any + Send>> {
        self.panic.lock().take()
    }

    /// A ticket dropped without running un-counts itself; the last one wakes the owner,
    /// which then knows the pending closures are its own to run or drop.
    fn drop_ticket(&self) {
        if self.tickets.fetch_sub(1, Ordering::Relaxed) == 1 {
            self.notify_owner();
        }
    }
}

/// The pool job that runs a scope's pending closures.
struct Ticket {
    scope: Option<Arc<ScopeShared>>,
}

impl Work for Ticket {
    fn claim(&self) -> bool {
        true
    }

    fn run(mut self, _ctx: RunCtx<'_>) {
        if let Some(scope) = self.scope.take() {
            scope.run_pending(true);
        }
    }

    fn expire(self, _ctx: RunCtx<'_>) {
        // Tickets carry no deadline; dropping one un-counts it (see `Drop`).
    }

    fn deadline(&self) -> Option<std::time::Instant> {
        None
    }
}

impl Drop for Ticket {
    /// A ticket dropped without running (refused, handed back and dropped) un-counts itself,
    /// so the scope's owner knows the pending closures are now its own to run or drop.
    fn drop(&mut self) {
        if let Some(scope) = self.scope.take() {
            scope.drop_ticket();
        }
    }
}

/// Submits a ticket for `scope` under `policy`. A refused ticket is dropped (un-counting
/// itself); with caller-runs it runs here. Returns the refusal, if any.
pub(super) fn submit_ticket(
    pool: &ThreadPool,
    scope: &Arc<ScopeShared>,
    policy: RejectionPolicy,
) -> Option<SubmitError> {
    let job = Job::new(
        0,
        Priority::Normal,
        false,
        Ticket {
            scope: Some(Arc::clone(scope)),
        },
    );
    match Shared::enqueue(pool.shared(), job, policy) {
        Ok(()) => None,
        Err(NotQueued::RunHere(job)) => {
            pool.shared().run_handed_back(job);
            None
        }
        Err(NotQueued::Refused(err, job)) => {
            drop(job);
            Some(err)
        }
    }
}
