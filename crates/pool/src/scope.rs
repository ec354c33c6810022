//! Borrowing work on the pool: [`ThreadPool::scope`] (many tasks that may borrow from the
//! caller's stack) and [`ThreadPool::run`] (one closure, on a worker, with the caller blocked).
//!
//! # How borrowed closures reach the workers
//!
//! A scoped closure is not itself put on the pool's queue. It goes into the scope's own
//! `pending` list (a lock-free FIFO, crossbeam-deque's `Injector`, as for the pool's own
//! queue); the pool's queue only gets *tickets* (`'static` jobs holding an `Arc` to that
//! list; a spawn submits one while fewer than `max_threads` are alive). A worker that runs a
//! ticket takes closures from the list, one at a time, and runs them until it is empty.
//! Spawning and running a closure take no lock. The scope's owner does not return until
//! every spawned closure has finished, helping to run them itself in the meantime (for
//! `scope`), so:
//!
//! - every borrowed closure is run or dropped before the borrow ends, even if the scope body
//!   panics, a ticket is refused, or `shutdown_now` hands a ticket back (a ticket outliving
//!   the scope finds an empty list and does nothing);
//! - a closure not yet started is never held behind a running one: every free runner (the
//!   owner, every worker holding a ticket) takes the oldest pending closure;
//! - a scope opened on a saturated pool, a shut-down pool, or from inside one of the pool's
//!   own tasks still finishes: its owner runs the work (see `Scope`'s "Blocking" for the
//!   one way closures can still block each other).
//!
//! The one `unsafe` block erases the closure's lifetime to store it in that list; its
//! soundness argument is written at the block and exercised under miri by this file's tests.
#![allow(
    unsafe_code,
    reason = "lifetime erasure of scoped closures, as in std::thread::scope and rayon::scope"
)]

use std::any::Any;
use std::fmt;
use std::marker::PhantomData;
use std::panic::{AssertUnwindSafe, catch_unwind, resume_unwind};

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
const CREDIT_BATCH: usize = 64;
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
fn this_thread() -> usize {
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
struct ScopeShared {
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
    fn new(max_tickets: usize, owner: usize) -> Self {
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
    fn push<'scope>(&self, f: Box<dyn FnOnce() + Send + 'scope>) -> bool {
        // SAFETY: only the lifetime changes; the layout of the boxed trait object is the same.
        // The erased box is counted in `unfinished` (`count_one`; the owner's spawns may be
        // counted ahead, never after) before it is stored in `pending`, and
        // leaves `pending` only in `run_pending` (which calls it, consuming it and dropping
        // its captures, before it un-counts it, in `finished`) or in `take_back` (which drops
        // it on the owner's thread, then un-counts it). The owner of the scope (`ThreadPool::scope` /
        // `ThreadPool::run`, the only callers, both holding the borrow `'scope` for their
        // whole duration) does not return, not even by unwinding, until it has read
        // `unfinished == 0` with Acquire, after every un-counting (Release) (`wait_all`, or
        // `take_back` for `run`). New closures are pushed only by code holding
        // `&'scope Scope`: the owner's body, or a running closure (still counted). So no
        // erased closure is called or dropped after `'scope` ends, which is what the
        // `'static` bound would guarantee.
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
    fn wait_all(&self, help: bool) -> bool {
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
    fn take_back(&self) {
        while let Some(f) = self.pending.steal() {
            drop(f);
            self.unfinished.fetch_sub(1, Ordering::Release);
        }
    }

    fn take_panic(&self) -> Option<Box<dyn Any + Send>> {
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
fn submit_ticket(
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

/// A scope for tasks that borrow from the caller's stack; made by [`ThreadPool::scope`].
///
/// Every task spawned in the scope has finished when `scope` returns. The thread that called
/// `scope` helps run them once its closure has returned, so a scope of tasks that do not wait
/// for each other always finishes, even on a busy, single-threaded or shut-down pool, or
/// inside one of the pool's own tasks (on a shut-down pool, all the work runs on the caller).
///
/// Scoped tasks run at [`Priority::Normal`] on at most `max_threads` workers at once, are not
/// counted in [`PoolStats`](crate::PoolStats), and have no handle: a panic in one is re-raised
/// by `scope` after every task has finished. The first panic in time wins: the one caught
/// first, whatever the spawn order; the others are dropped.
///
/// # Order
///
/// Tasks **start in spawn order** within a scope (FIFO, rayon's `scope_fifo`): every runner
/// takes the oldest task not yet started from the scope's FIFO; a task spawned by a
/// running task goes to the back. With one runner they therefore also finish in that order;
/// with several, they run side by side and finish in any order. The scope's closure itself
/// runs on the calling thread (rayon's `in_place_scope`), before the caller starts helping.
/// There is no LIFO scope: rayon's `scope` runs local spawns newest first only as a
/// consequence of its per-thread deques, and [`scope_fifo`](ThreadPool::scope_fifo),
/// [`spawn_fifo`](Scope::spawn_fifo) and [`in_place_scope`](ThreadPool::in_place_scope)
/// exist so that code written for rayon keeps its names.
///
/// ```
/// use selvedge_pool::ThreadPool;
/// use std::sync::Mutex;
///
/// // Inside the pool's only worker, the caller is the scope's only runner: spawn order.
/// let pool = ThreadPool::builder().max_threads(1).build()?;
/// let inner = pool.clone();
/// let order = pool.submit(move || {
///     let order = Mutex::new(Vec::new());
///     inner.scope_fifo(|s| {
///         for i in 0..5 {
///             let order = &order;
///             s.spawn_fifo(move || order.lock().unwrap().push(i));
///         }
///     });
///     order.into_inner().unwrap()
/// })?;
/// assert_eq!(order.join(), Ok(vec![0, 1, 2, 3, 4]));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
///
/// # Blocking
///
/// A task that has not started is never held behind one that has: it stays in the scope's
/// list, where the next free *runner* takes it, oldest first. The runners are the caller of
/// `scope`, once its closure has returned, and up to `max_threads` workers, each as soon as
/// it is not running some other task of the pool. So tasks may wait for each other (a
/// channel, a barrier), in any spawn order, as long as a runner is left free: a scope blocks
/// forever only when *every* runner is inside a task (or the scope's closure) that waits for
/// something only a task not yet started would provide. For example, with `max_threads` N on
/// an otherwise idle pool, N + 1 started tasks that each wait for a later-spawned sibling
/// block, and N do not. Fewer workers are runners while the pool is busy with other work,
/// none once it is shut down: then the caller alone runs the tasks, in spawn order, after its
/// closure returns, so the closure must not wait for a task it spawned, and a task must not
/// wait for one spawned after it.
///
/// ```
/// use selvedge_pool::ThreadPool;
/// use std::sync::mpsc;
///
/// let pool = ThreadPool::builder().max_threads(4).build().unwrap();
/// pool.scope(|s| {
///     let (tx, rx) = mpsc::channel();
///     s.spawn(move || assert_eq!(rx.recv().unwrap(), 7)); // waits for a later sibling
///     s.spawn(move || tx.send(7).unwrap());
/// });
/// ```
///
/// # Examples
///
/// ```
/// use selvedge_pool::ThreadPool;
/// use std::sync::atomic::{AtomicU64, Ordering};
///
/// let pool = ThreadPool::builder().max_threads(2).build().unwrap();
/// let users = vec!["ann", "bob", "cy"];
/// let created = AtomicU64::new(0);
/// pool.scope(|s| {
///     for user in &users {
///         let created = &created;
///         s.spawn(move || {
///             assert!(!user.is_empty());
///             created.fetch_add(1, Ordering::Relaxed);
///         });
///     }
/// });
/// assert_eq!(created.into_inner(), 3);
/// ```
///
/// A borrow that could outlive the scope is refused at compile time:
///
/// ```compile_fail
/// use selvedge_pool::ThreadPool;
/// let pool = ThreadPool::builder().build().unwrap();
/// let mut leaked = None;
/// pool.scope(|s| {
///     let local = String::from("dies with the closure");
///     s.spawn(|| leaked = Some(&local)); // `local` does not live long enough
/// });
/// ```
pub struct Scope<'scope, 'env: 'scope> {
    pool: &'env ThreadPool,
    shared: Arc<ScopeShared>,
    /// Invariant in `'scope`, as `std::thread::Scope`: a scope cannot be shrunk or extended.
    scope: PhantomData<&'scope mut &'scope ()>,
    env: PhantomData<&'env mut &'env ()>,
}

impl fmt::Debug for Scope<'_, '_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Scope")
            .field("pool", &self.pool.name())
            .finish_non_exhaustive()
    }
}

impl<'scope> Scope<'scope, '_> {
    /// Runs `f` on the pool (or on the scope's owner, which helps); `f` may borrow anything
    /// that outlives the scope, including the scope itself to spawn more tasks.
    ///
    /// ```
    /// use selvedge_pool::ThreadPool;
    /// use std::sync::Mutex;
    ///
    /// let pool = ThreadPool::builder().max_threads(2).build().unwrap();
    /// let log = Mutex::new(Vec::new());
    /// pool.scope(|s| {
    ///     s.spawn(|| {
    ///         log.lock().unwrap().push("parent");
    ///         s.spawn(|| log.lock().unwrap().push("child"));
    ///     });
    /// });
    /// let mut log = log.into_inner().unwrap();
    /// log.sort();
    /// assert_eq!(log, ["child", "parent"]);
    /// ```
    pub fn spawn<F>(&'scope self, f: F)
    where
        F: FnOnce() + Send + 'scope,
    {
        if self.shared.push(Box::new(f)) {
            // Never wait for queue space here: `spawn` may run on a worker, and workers
            // waiting for space that only workers free would stall. A refused ticket is
            // harmless: the owner and the live tickets run whatever is left.
            let _ = submit_ticket(self.pool, &self.shared, RejectionPolicy::Reject);
        }
    }

    /// [`spawn`](Self::spawn) under rayon's name: every scope starts its tasks in spawn
    /// order (see [`Scope`], "Order").
    ///
    /// ```
    /// use std::sync::atomic::{AtomicU32, Ordering};
    ///
    /// let pool = selvedge_pool::ThreadPool::builder().max_threads(2).build().unwrap();
    /// let sum = AtomicU32::new(0);
    /// pool.scope_fifo(|s| {
    ///     for i in 1..=4 {
    ///         let sum = &sum;
    ///         s.spawn_fifo(move || { sum.fetch_add(i, Ordering::Relaxed); });
    ///     }
    /// });
    /// assert_eq!(sum.into_inner(), 10);
    /// ```
    pub fn spawn_fifo<F>(&'scope self, f: F)
    where
        F: FnOnce() + Send + 'scope,
    {
        self.spawn(f);
    }
}

impl ThreadPool {
    /// Runs `f` with a [`Scope`] whose tasks may borrow from the caller's stack, and returns
    /// once `f` and every task spawned in the scope have finished. The calling thread helps
    /// run the scope's tasks while it waits.
    ///
    /// # Panics
    ///
    /// Re-raises the panic of `f`, or else the first panic (in time) of a scoped task, after
    /// every scoped task has finished. See [`Scope`] for when scoped tasks that wait for
    /// each other can block.
    ///
    /// ```
    /// use selvedge_pool::ThreadPool;
    ///
    /// let pool = ThreadPool::builder().max_threads(2).build().unwrap();
    /// let mut totals = [0u64; 4];
    /// let data: Vec<u64> = (1..=400).collect();
    /// pool.scope(|s| {
    ///     for (chunk, total) in data.chunks(100).zip(totals.iter_mut()) {
    ///         s.spawn(move || *total = chunk.iter().sum());
    ///     }
    /// });
    /// assert_eq!(totals.iter().sum::<u64>(), 400 * 401 / 2);
    /// ```
    pub fn scope<'env, F, T>(&'env self, f: F) -> T
    where
        F: for<'scope> FnOnce(&'scope Scope<'scope, 'env>) -> T,
    {
        let scope = Scope {
            pool: self,
            shared: Arc::new(ScopeShared::new(self.max_threads(), this_thread())),
            scope: PhantomData,
            env: PhantomData,
        };
        let result = catch_unwind(AssertUnwindSafe(|| f(&scope)));
        // Must run on every path, panics included: the erased closures' borrows end here.
        scope.shared.wait_all(true);
        let task_panic = scope.shared.take_panic();
        match result {
            Err(payload) => {
                // Dropped before unwinding, not during it: a payload whose `Drop` panics would
                // otherwise panic while panicking, which aborts.
                if let Some(lost) = task_panic {
                    drop_payload(lost);
                }
                resume_unwind(payload)
            }
            Ok(value) => {
                if let Some(payload) = task_panic {
                    resume_unwind(payload);
                }
                value
            }
        }
    }

    /// [`scope`](Self::scope) under rayon's name: tasks start in spawn order in every scope
    /// (see [`Scope`], "Order").
    ///
    /// ```
    /// let pool = selvedge_pool::ThreadPool::builder().max_threads(2).build().unwrap();
    /// let mut halves = [0u32; 2];
    /// let (a, b) = halves.split_at_mut(1);
    /// pool.scope_fifo(|s| {
    ///     s.spawn_fifo(|| a[0] = (1..=5).sum());
    ///     s.spawn_fifo(|| b[0] = (6..=10).sum());
    /// });
    /// assert_eq!(halves[0] + halves[1], 55);
    /// ```
    pub fn scope_fifo<'env, F, T>(&'env self, f: F) -> T
    where
        F: for<'scope> FnOnce(&'scope Scope<'scope, 'env>) -> T,
    {
        self.scope(f)
    }

    /// [`scope`](Self::scope) under rayon's name: `scope`'s closure already runs on the
    /// calling thread (not on a worker), as rayon's `in_place_scope` does.
    ///
    /// ```
    /// let pool = selvedge_pool::ThreadPool::builder().max_threads(2).build().unwrap();
    /// let caller = std::thread::current().id();
    /// let ran_here = pool.in_place_scope(|_| std::thread::current().id() == caller);
    /// assert!(ran_here);
    /// ```
    pub fn in_place_scope<'env, F, T>(&'env self, f: F) -> T
    where
        F: for<'scope> FnOnce(&'scope Scope<'scope, 'env>) -> T,
    {
        self.scope(f)
    }

    /// Runs `f` on one of the pool's workers and blocks until it has returned; `f` may borrow
    /// from the caller. Called from one of this pool's own workers, `f` runs right there
    /// (waiting for another worker could deadlock a saturated pool). Under
    /// [`RejectionPolicy::CallerRuns`](crate::RejectionPolicy::CallerRuns) a saturated pool
    /// runs it on the caller.
    ///
    /// If `shutdown_now` hands the closure back (as a [`PendingTask`](crate::PendingTask)),
    /// `run` waits until that pending task is run or dropped.
    ///
    /// # Errors
    ///
    /// The [`SubmitError`] that refused it (then `f` did not run), or
    /// [`SubmitError::Shutdown`] if `shutdown_now` handed it back and it was dropped unrun.
    ///
    /// # Panics
    ///
    /// Re-raises a panic of `f` on the caller.
    ///
    /// ```
    /// use selvedge_pool::ThreadPool;
    ///
    /// let pool = ThreadPool::builder().thread_name("db").build().unwrap();
    /// let rows = vec![3, 1, 2];
    /// let on = pool.run(|| {
    ///     let name = std::thread::current().name().map(str::to_owned);
    ///     (rows.iter().sum::<i32>(), name)
    /// }).unwrap();
    /// assert_eq!(on.0, 6);
    /// assert!(on.1.unwrap().starts_with("db-"));
    /// ```
    pub fn run<'env, F, R>(&'env self, f: F) -> Result<R, SubmitError>
    where
        F: FnOnce() -> R + Send + 'env,
        R: Send + 'env,
    {
        if self.shared().state.lock().on_own_worker() {
            return Ok(f());
        }
        let mut out = None;
        let shared = Arc::new(ScopeShared::new(1, 0));
        let slot = &mut out;
        // A fresh scope has no ticket yet, so this always asks for one.
        let _first_ticket = shared.push(Box::new(move || *slot = Some(f())));
        let refused = submit_ticket(self, &shared, self.shared().config.policy);
        let ran = refused.is_none() && shared.wait_all(false);
        if !ran {
            shared.take_back();
        }
        // Every erased closure is now consumed; `out` is ours again.
        if let Some(payload) = shared.take_panic() {
            resume_unwind(payload);
        }
        match (refused, out) {
            (_, Some(value)) => Ok(value),
            (Some(err), None) => Err(err),
            (None, None) => Err(SubmitError::Shutdown),
        }
    }
}

#[cfg(test)]
mod tests {
    use std::sync::atomic::{AtomicUsize, Ordering};
    use std::time::Duration;

    use super::*;

    fn pool(threads: usize) -> ThreadPool {
        ThreadPool::builder().max_threads(threads).build().unwrap()
    }

    #[test]
    fn scoped_tasks_borrow_and_all_finish() {
        let pool = pool(2);
        let n = if cfg!(miri) { 8 } else { 64 };
        let mut slots = vec![0usize; n];
        let shared_counter = AtomicUsize::new(0);
        pool.scope(|s| {
            for (i, slot) in slots.iter_mut().enumerate() {
                let counter = &shared_counter;
                s.spawn(move || {
                    *slot = i * 2;
                    counter.fetch_add(1, Ordering::Relaxed);
                });
            }
        });
        assert_eq!(shared_counter.load(Ordering::Relaxed), n);
        assert!(slots.iter().enumerate().all(|(i, &v)| v == i * 2));
    }

    /// The owner's spawns count themselves `CREDIT_BATCH` at a time: a scope that spawns past
    /// several batches (and one more), with nested spawns counted one by one from the
    /// workers, runs each closure once and returns (the unused credits are given back, or
    /// the owner would wait for ever).
    #[test]
    fn owner_spawns_past_several_credit_batches_each_run_once() {
        let pool = pool(2);
        let n = if cfg!(miri) {
            CREDIT_BATCH + 1
        } else {
            3 * CREDIT_BATCH + 1
        };
        let hits: Vec<AtomicUsize> = (0..n).map(|_| AtomicUsize::new(0)).collect();
        let nested = AtomicUsize::new(0);
        pool.scope(|s| {
            for hit in &hits {
                let nested = &nested;
                s.spawn(move || {
                    hit.fetch_add(1, Ordering::Relaxed);
                    s.spawn(move || {
                        nested.fetch_add(1, Ordering::Relaxed);
                    });
                });
            }
        });
        assert!(hits.iter().all(|hit| hit.load(Ordering::Relaxed) == 1));
        assert_eq!(nested.load(Ordering::Relaxed), n);
    }

    #[test]
    fn scope_body_panic_still_waits_for_tasks() {
        let pool = pool(1);
        let done = AtomicUsize::new(0);
        let result = catch_unwind(AssertUnwindSafe(|| {
            pool.scope(|s| {
                for _ in 0..4 {
                    s.spawn(|| {
                        done.fetch_add(1, Ordering::Relaxed);
                    });
                }
                panic!("body");
            })
        }));
        assert!(result.is_err());
        assert_eq!(done.load(Ordering::Relaxed), 4);
    }

    #[test]
    fn task_panic_is_reraised_after_the_rest() {
        let pool = pool(2);
        let done = AtomicUsize::new(0);
        let result = catch_unwind(AssertUnwindSafe(|| {
            pool.scope(|s| {
                s.spawn(|| panic!("task"));
                for _ in 0..3 {
                    s.spawn(|| {
                        done.fetch_add(1, Ordering::Relaxed);
                    });
                }
            })
        }));
        assert!(result.is_err());
        assert_eq!(done.load(Ordering::Relaxed), 3);
    }

    /// The owner alone (no worker ever started, so nothing parks: this one runs under miri
    /// with parking_lot's futex calls, which miri rejects, never reached): borrowed closures
    /// spawning more, each run once and consumed before the borrow ends, panics recorded in
    /// the order they were caught, a body panic winning over theirs.
    #[test]
    fn owner_alone_runs_borrowed_closures_once_and_keeps_the_first_panic() {
        let pool = ThreadPool::builder()
            .core_threads(0)
            .max_threads(1)
            .build()
            .unwrap();
        pool.shutdown(Duration::from_secs(10));
        let mut hits = [0u8; 4];
        let nested = AtomicUsize::new(0);
        pool.scope(|s| {
            for hit in &mut hits {
                let nested = &nested;
                s.spawn(move || {
                    *hit += 1;
                    s.spawn(move || {
                        nested.fetch_add(1, Ordering::Relaxed);
                    });
                });
            }
        });
        assert_eq!(hits, [1; 4]);
        assert_eq!(nested.load(Ordering::Relaxed), 4);

        let text = String::from("borrowed");
        let outcome = catch_unwind(AssertUnwindSafe(|| {
            pool.scope(|s| {
                s.spawn(|| panic!("first {}", text.len()));
                s.spawn(|| panic!("second"));
            })
        }));
        let payload = outcome.unwrap_err();
        assert_eq!(
            payload.downcast_ref::<String>().map(String::as_str),
            Some("first 8")
        );
        let outcome = catch_unwind(AssertUnwindSafe(|| {
            pool.scope(|s| {
                s.spawn(|| panic!("task"));
                panic!("body");
            })
        }));
        assert_eq!(outcome.unwrap_err().downcast_ref::<&str>(), Some(&"body"));
    }

    #[test]
    fn scope_on_shut_down_pool_runs_on_caller() {
        let pool = pool(1);
        pool.shutdown(Duration::from_secs(10));
        let mut hits = 0;
        pool.scope(|s| s.spawn(|| hits += 1));
        assert_eq!(hits, 1);
    }

    #[test]
    fn scope_inside_a_pool_task_does_not_deadlock() {
        let pool = Arc::new(pool(1));
        let inner = Arc::clone(&pool);
        let handle = pool
            .submit(move || {
                let mut v = [0; 3];
                inner.scope(|s| {
                    for x in &mut v {
                        s.spawn(move || *x = 1);
                    }
                });
                v.iter().sum::<i32>()
            })
            .unwrap();
        assert_eq!(handle.join(), Ok(3));
    }

    #[test]
    fn run_borrows_and_returns() {
        let pool = pool(1);
        let text = String::from("borrowed");
        assert_eq!(pool.run(|| text.len()), Ok(8));
    }

    #[test]
    fn run_on_shut_down_pool_is_refused() {
        let pool = pool(1);
        pool.shutdown(Duration::from_secs(10));
        let mut ran = false;
        assert_eq!(pool.run(|| ran = true), Err(SubmitError::Shutdown));
        assert!(!ran);
    }

    #[test]
    fn run_reraises_panic() {
        let pool = pool(1);
        let result = catch_unwind(AssertUnwindSafe(|| pool.run(|| panic!("inside"))));
        assert!(result.is_err());
        assert_eq!(pool.run(|| 1), Ok(1), "the worker survived");
    }
}
