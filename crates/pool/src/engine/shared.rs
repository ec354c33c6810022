//! The engine's shared state: [`Shared`] (what the workers, the facade and every handle to
//! the pool share) and [`State`] (what the pool lock guards), how a pool starts, and the
//! exact counts the lock's holder computes. Submission is in `submit.rs`, the worker loop in
//! `worker.rs`, the two shutdowns in `shutdown.rs`.
//!
//! # No shared lock per task
//!
//! A task passes through three shared words: the tally (`tally.rs`: one compare-and-swap by
//! its submitter reserves its place), its level's [`Injector`](super::injector::Injector)
//! (one push, one steal) and nothing else. The worker that takes it counts it in its own
//! [`WorkerSlot`] and reads the read-mostly [`Signals`]; the pool lock is taken only to park,
//! to wake a parked worker, to start or retire one, on the locked submission path (elastic
//! pools, a full queue, scope tickets) and by the rare callers (`stats`, `wait_idle`,
//! broadcasts, shutdown). So workers never queue behind one another between tasks.
//!
//! # Counting without a shared line
//!
//! `consumed` (jobs ever taken out of the queue, by a worker or by a shutdown) is the sum of
//! the live workers' slots plus `State::consumed_base` (departed workers' counts and jobs
//! taken under the lock); `reserved = pushed - consumed` (modulo 2^40, `tally.rs`) is every
//! job accepted and not yet taken: queued, or reserved by a submitter that has not pushed
//! yet. The lock's holder computes both exactly but for jobs taken and not yet counted, which
//! only make `reserved` larger for a moment: a capacity check can refuse a little early,
//! never admit too much, and nobody decides "nothing is left" while a job is in a worker's
//! hand uncounted.
//!
//! # The protocols
//!
//! Each is a read-modify-write pair on one word (totally ordered, so whichever comes second
//! sees what the first side published before it) or a Dekker pair with a SeqCst fence on
//! each side between its write and its read (so at least one side sees the other's write).
//! Loom models both (it does not model SeqCst loads and stores fully, so none is relied on).
//!
//! - **Park vs submit.** A worker parks under the lock after finding every level empty: it
//!   adds itself to the tally's `idle` and reads `pushed` in the same read-modify-write; if
//!   `pushed - consumed > 0` a submission is in flight and it does not sleep. A submitter's
//!   reservation is a read-modify-write of the same word: it either came first (the worker
//!   sees it) or sees `idle > 0` and wakes a worker under the lock. No lost wake-up.
//! - **Blocked submitter vs take** (only in pools whose policy is `Block`). A submitter
//!   publishes `blocked`, fences and reads every slot's count; a worker stores its count,
//!   fences and reads `blocked`. Either the submitter finds the space, or the worker sees
//!   `blocked` and wakes it (under the lock, so after the submitter is waiting). This is the
//!   only fence on the per-task path, and other pools do not run it.
//! - **`wait_idle` vs going idle.** A waiter publishes `idle_waiters`, runs a SeqCst fence,
//!   and then reads `reserved` and every slot's `busy`; a worker marks
//!   itself busy before it counts a take, and only once it found the queue empty clears
//!   `busy`, runs a SeqCst fence and reads `idle_waiters` (if set, it checks idleness under
//!   the lock and wakes the waiters). The two fences make it a Dekker pair: either the waiter
//!   sees the worker's last count or the worker sees the waiter. A waiter that sees a take
//!   counted sees its worker busy (the count is a release after the busy mark). The fences
//!   run once per wait and once per busy period, never per task.
//! - **`shutdown_now` vs take.** `shutdown_now` sets `halted` and then takes jobs out until
//!   `reserved` is zero; a worker that takes a job reads `halted` first thing and, if set,
//!   hands the job to `State::returned` before it counts it. So every job is either started
//!   by a worker that had not seen the halt, or handed back.

use std::time::{Duration, Instant};

use crossbeam_utils::CachePadded;
use selvedge_locks::sync::atomic::{AtomicUsize, Ordering, fence};
use selvedge_locks::sync::{Arc, PlainCondvar, PlainMutex, thread};

use super::broadcast::{self, Broadcasts};
use super::config::{Config, MAX_THREADS};
use super::counters::Counters;
use super::job::{Job, RunCtx};
use super::levels::Levels;
use super::signals::Signals;
use super::slot::WorkerSlot;
use super::tally::{AtomicTally, COUNT_MASK, Tally};
use super::{monitor, worker};
use crate::{BuildError, PoolStats, Priority, WaitTimeout};

/// Largest capacity the fast path serves (larger queues use the locked path), so that
/// `reserved` never nears the tally's 2^40 modulus.
pub(crate) const FAST_CAPACITY_MAX: usize = 1 << 38;

/// A started worker: its handle (joined at shutdown), its identity and its counts.
pub(crate) struct WorkerEntry {
    pub(crate) thread: thread::Thread,
    pub(crate) handle: thread::JoinHandle<()>,
    pub(crate) slot: Arc<WorkerSlot>,
    /// The first broadcast sequence number this worker has not considered yet (see
    /// `broadcast.rs`); changed only under the pool lock.
    pub(crate) broadcasts_seen: u64,
}

/// Everything guarded by the pool lock.
pub(crate) struct State {
    /// `false` once `shutdown` or `shutdown_now` began: submissions are refused.
    pub(crate) accepting: bool,
    /// The current `core_threads` (the builder's, lowered by `set_max_threads` below it).
    pub(crate) core: usize,
    /// The current `max_threads` (the builder's, or the last `set_max_threads`).
    pub(crate) max: usize,
    /// Live workers (started and not yet uncounted on exit).
    pub(crate) threads: usize,
    /// Parked workers nobody has claimed (see `worker.rs`, "Idle accounting").
    pub(crate) idle: usize,
    /// Parked workers a submitter has claimed and notified, not yet awake.
    pub(crate) wakeups: usize,
    /// Workers started and not yet at the queue: each will take a task without a wake-up.
    pub(crate) starting: usize,
    /// Submitters waiting for queue space (`RejectionPolicy::Block`), mirrored in `Signals`.
    pub(crate) blocked: usize,
    /// Callers in `wait_idle`, mirrored in `Signals`.
    pub(crate) idle_waiters: usize,
    pub(crate) peak: usize,
    pub(crate) workers: Vec<WorkerEntry>,
    /// Workers ever started (names them).
    pub(crate) spawned: u64,
    /// The monitor thread (`PoolBuilder::monitor`), joined by a completed shutdown.
    pub(crate) monitor: Option<thread::JoinHandle<()>>,
    /// Jobs taken out of the queue and not counted in a live worker's slot: departed
    /// workers' counts, jobs `shutdown_now` took (see "Counting without a shared line").
    pub(crate) consumed_base: u64,
    /// Jobs that passed the tally without being counted tasks (scope tickets): `stats()`
    /// subtracts them from the tally's count of accepted jobs.
    pub(crate) uncounted: u64,
    /// Tasks accepted without passing the tally (broadcast shares).
    pub(crate) accepted: u64,
    /// Handle-less completions of departed workers (live ones count in their slots).
    pub(crate) completed: u64,
    /// Jobs workers took after `shutdown_now` began, for it to hand back.
    pub(crate) returned: Vec<Job>,
    /// Open broadcasts; a worker looks at them when `Signals::broadcast_seq` moved.
    pub(crate) broadcasts: Broadcasts,
}

/// The state workers, handles-to-the-pool and the pool itself share.
pub(crate) struct Shared {
    pub(crate) state: PlainMutex<State>,
    /// Parked workers wait here for work or shutdown.
    pub(crate) work: PlainCondvar,
    /// Blocked submitters wait here for queue space or shutdown.
    pub(crate) space: PlainCondvar,
    /// `shutdown` waits here for workers to exit.
    pub(crate) exited: PlainCondvar,
    /// `wait_idle` waits here for the last running task to finish.
    pub(crate) drained: PlainCondvar,
    /// The monitor sleeps here between reports; `close` wakes it to stop.
    pub(crate) monitor_wake: PlainCondvar,
    /// Blocking broadcasts wait here for their last share; a new broadcast wakes the
    /// waiting workers so they run their share of it.
    pub(crate) broadcast_done: PlainCondvar,
    pub(crate) config: Config,
    pub(crate) counters: Counters,
    /// The queue: one lock-free FIFO per priority.
    pub(crate) levels: Levels<Job>,
    /// Reserved jobs, idle workers and the flags in one word (`tally.rs`); its `pushed` part
    /// also tells spinning workers, without the lock, that work arrived.
    pub(crate) tally: CachePadded<AtomicTally>,
    /// What workers read between tasks without the lock.
    pub(crate) signals: CachePadded<Signals>,
    /// The capacity fast-path submissions reserve against, or `None` where they may never
    /// run (turned off in the builder; capacities over `FAST_CAPACITY_MAX`). While the pool
    /// is elastic the tally's `LOCKED_ONLY` bit turns them off too (see `submit.rs`).
    pub(crate) fast_capacity: Option<u64>,
    /// `ThreadPool` values sharing this pool (clones); the last one dropped shuts it down.
    pub(crate) owners: AtomicUsize,
    /// Workers searching for a job: new ones before their first job or park, and those that
    /// found the queue empty and yield briefly before looking again (see `worker.rs`,
    /// "Searching"); submitters count them as on their way to the queue.
    pub(crate) searching: CachePadded<AtomicUsize>,
}

impl Shared {
    /// Starts the `core` workers (and the monitor) of a pool built with `config`; if the OS
    /// refuses a thread, shuts down what started and says why.
    pub(crate) fn start(config: Config) -> Result<Arc<Self>, BuildError> {
        let core = config.core;
        let tally = Tally::ZERO.with_locked_only(config.core != config.max);
        let fast_capacity = (config.fast_path && config.queue_capacity <= FAST_CAPACITY_MAX)
            .then_some(config.queue_capacity as u64);
        let shared = Arc::new(Self {
            state: PlainMutex::new(State {
                accepting: true,
                core: config.core,
                max: config.max,
                threads: 0,
                peak: 0,
                idle: 0,
                wakeups: 0,
                starting: 0,
                blocked: 0,
                idle_waiters: 0,
                monitor: None,
                // Grows as workers start: never in proportion to `max_threads`, which may be
                // far above what the OS will ever start.
                workers: Vec::new(),
                spawned: 0,
                consumed_base: 0,
                uncounted: 0,
                accepted: 0,
                completed: 0,
                returned: Vec::new(),
                broadcasts: Broadcasts::new(),
            }),
            work: PlainCondvar::new(),
            space: PlainCondvar::new(),
            exited: PlainCondvar::new(),
            drained: PlainCondvar::new(),
            monitor_wake: PlainCondvar::new(),
            broadcast_done: PlainCondvar::new(),
            config,
            counters: Counters::default(),
            levels: Levels::new(),
            tally: CachePadded::new(AtomicTally::new(tally)),
            signals: CachePadded::new(Signals::default()),
            fast_capacity,
            owners: AtomicUsize::new(1),
            searching: CachePadded::new(AtomicUsize::new(0)),
        });
        {
            let mut st = shared.state.lock();
            for _ in 0..core {
                if let Err(msg) = worker::spawn_worker(&shared, &mut st) {
                    drop(st);
                    Self::shutdown(&shared, Instant::now().checked_add(Duration::from_secs(10)));
                    return Err(BuildError::Spawn(msg));
                }
            }
            if let Some(interval) = shared.config.monitor {
                match monitor::spawn(&shared, interval) {
                    Ok(handle) => st.monitor = Some(handle),
                    Err(msg) => {
                        drop(st);
                        Self::shutdown(
                            &shared,
                            Instant::now().checked_add(Duration::from_secs(10)),
                        );
                        return Err(BuildError::Spawn(msg));
                    }
                }
            }
        }
        Ok(shared)
    }

    /// See [`ThreadPool::wait_idle`](crate::ThreadPool::wait_idle): waits on `drained` until
    /// [`State::is_idle`] (a waiting worker runs its broadcast shares meanwhile, and does not
    /// count as busy itself while it waits).
    pub(crate) fn wait_idle(shared: &Arc<Self>, timeout: Duration) -> Result<(), WaitTimeout> {
        let deadline = Instant::now().checked_add(timeout);
        let mut st = shared.state.lock();
        let own = st.own_slot();
        st.idle_waiters += 1;
        shared.signals.set_idle_waiters(st.idle_waiters);
        // The other half of the fence a worker going idle runs (see the module doc).
        fence(Ordering::SeqCst);
        if let Some(slot) = &own {
            slot.set_idle();
            // One busy worker fewer may be what other waiters lacked.
            st.notify_if_idle(shared);
        }
        let me = thread::current();
        let mut timed_out = false;
        let idle = loop {
            // A waiting worker runs its broadcast shares: the pool is not idle without them.
            if own.is_some()
                && let Some(job) = broadcast::take_own(shared, &mut st, &me)
            {
                drop(st);
                worker::execute(shared, job, None);
                st = shared.state.lock();
                continue;
            }
            if st.is_idle(shared) {
                break true;
            }
            if timed_out {
                break false;
            }
            timed_out = match deadline {
                Some(deadline) => shared.drained.wait_until(&mut st, deadline).timed_out(),
                None => {
                    shared.drained.wait(&mut st);
                    false
                }
            };
        };
        st.idle_waiters -= 1;
        shared.signals.set_idle_waiters(st.idle_waiters);
        if let Some(slot) = &own {
            slot.set_busy();
        }
        if idle { Ok(()) } else { Err(WaitTimeout) }
    }

    /// See [`ThreadPool::set_max_threads`](crate::ThreadPool::set_max_threads); `n` is
    /// already validated (1 to `MAX_THREADS`).
    pub(crate) fn set_max_threads(shared: &Arc<Self>, n: usize) {
        debug_assert!((1..=MAX_THREADS).contains(&n), "validated by the caller");
        let mut st = shared.state.lock();
        st.max = n;
        st.core = st.core.min(n);
        // Under the lock, so the bit always matches the limits a locked submitter reads.
        shared.tally.set_locked_only(st.core != st.max);
        if st.threads > n {
            // Parked surplus workers retire when woken (see `worker.rs`, "Retirement");
            // the others keep counting as parked, so the accounting stays exact.
            shared.work.notify_all();
        }
        // Growing: the growth rule for the work already queued.
        while st.accepting && st.idle == 0 && st.threads < st.max && st.queued_past_arrivals(shared)
        {
            if worker::spawn_worker(shared, &mut st).is_err() {
                // The queued work still has every live worker; later submissions try again.
                break;
            }
        }
    }

    /// Whether `shutdown` or `shutdown_now` has begun.
    pub(crate) fn is_shutdown(&self) -> bool {
        !self.state.lock().accepting
    }

    /// See [`ThreadPool::stats`](crate::ThreadPool::stats).
    pub(crate) fn stats(&self) -> PoolStats {
        let c = &self.counters;
        let (threads, parked, peak, queued, accepted, completed) = {
            let st = self.state.lock();
            let consumed = st.consumed();
            let reserved = self.reserved_after(consumed);
            let mut queued = Priority::ALL.map(|p| self.levels.len_of(p));
            queued[Priority::Urgent.index()] += st.broadcasts.untaken();
            let completed =
                st.completed + st.workers.iter().map(|w| w.slot.completed()).sum::<u64>();
            (
                st.threads,
                st.idle + st.wakeups,
                st.peak,
                queued,
                consumed + reserved - st.uncounted + st.accepted,
                completed,
            )
        };
        let rejected = c.rejected.load(Ordering::Relaxed);
        PoolStats {
            submitted: accepted + rejected + c.ran_on_caller.load(Ordering::Relaxed),
            completed: completed + c.completed.load(Ordering::Relaxed),
            failed: c.failed.load(Ordering::Relaxed),
            rejected,
            expired: c.expired.load(Ordering::Relaxed),
            cancelled: c.cancelled.load(Ordering::Relaxed),
            handed_back: c.handed_back.load(Ordering::Relaxed),
            active: threads - parked,
            idle: parked,
            threads,
            peak_threads: peak,
            queued,
            busy: Duration::from_nanos(c.busy_ns.load(Ordering::Relaxed)),
        }
    }

    /// Jobs accepted and not taken yet, given the exact `consumed` count.
    pub(crate) fn reserved_after(&self, consumed: u64) -> u64 {
        self.tally
            .load(Ordering::SeqCst)
            .reserved(consumed & COUNT_MASK)
    }

    /// Runs a handed-back job on the calling thread (outcome not counted again).
    pub(crate) fn run_handed_back(&self, job: Job) {
        let ctx = RunCtx {
            pool: &self.config.name,
            task_id: job.id(),
            counters: None,
            completed_here: None,
        };
        job.run(ctx);
    }
}

impl State {
    /// Jobs ever taken out of the queue (see "Counting without a shared line"). The slots
    /// are read before anything the caller reads after (`busy` flags): SeqCst.
    pub(crate) fn consumed(&self) -> u64 {
        self.consumed_base + self.workers.iter().map(|w| w.slot.popped()).sum::<u64>()
    }

    /// Jobs accepted and not yet taken, exactly but for takes not yet counted (the caller
    /// holds the lock); refreshes the hint fast-path submitters check the capacity against.
    pub(crate) fn reserved(&self, shared: &Shared) -> u64 {
        shared.reserved_after(self.publish_consumed(shared))
    }

    /// [`consumed`](Self::consumed) modulo the tally's count, also published as the hint
    /// fast-path submitters check the capacity against.
    pub(crate) fn publish_consumed(&self, shared: &Shared) -> u64 {
        let consumed = self.consumed() & COUNT_MASK;
        shared.signals.set_consumed(consumed);
        consumed
    }

    /// Whether every task accepted so far has finished: none reserved (queued, or being
    /// pushed), no broadcast share untaken, and no worker busy (the ones waiting in
    /// `wait_idle` themselves have cleared their flag). `reserved` is read first: a take it
    /// counts was marked busy before (see the module doc).
    pub(crate) fn is_idle(&self, shared: &Shared) -> bool {
        self.reserved(shared) == 0
            && self.broadcasts.untaken() == 0
            && self.workers.iter().all(|w| !w.slot.is_busy())
    }

    /// Wakes `wait_idle` callers if the pool just became idle. Costs one comparison while
    /// nobody waits.
    #[inline]
    pub(crate) fn notify_if_idle(&self, shared: &Shared) {
        if self.idle_waiters > 0 && self.is_idle(shared) {
            shared.drained.notify_all();
        }
    }

    /// Counts `n` jobs taken out of the queue under the lock (not by a worker's slot).
    pub(crate) fn count_consumed(&mut self, n: u64) {
        self.consumed_base += n;
    }

    /// The calling thread's slot, if it is one of this pool's workers.
    pub(crate) fn own_slot(&self) -> Option<Arc<WorkerSlot>> {
        self.own_entry().map(|w| Arc::clone(&w.slot))
    }

    /// Whether the calling thread is one of this pool's workers.
    pub(crate) fn on_own_worker(&self) -> bool {
        self.own_entry().is_some()
    }

    fn own_entry(&self) -> Option<&WorkerEntry> {
        let me = thread::current().id();
        self.workers.iter().find(|w| w.thread.id() == me)
    }

    /// Removes the calling worker from the list, folding its counts into the base ones, so
    /// the totals stay exact. Dropping our own `JoinHandle` detaches this thread, which is
    /// about to end.
    pub(crate) fn remove_worker(&mut self, me: thread::ThreadId) {
        if let Some(at) = self.workers.iter().position(|w| w.thread.id() == me) {
            let entry = self.workers.swap_remove(at);
            self.fold_counts(&entry.slot);
            drop(entry);
        }
    }

    /// Takes every worker entry out (to join them), folding their counts into the base ones.
    pub(crate) fn take_workers(&mut self) -> Vec<WorkerEntry> {
        let workers = std::mem::take(&mut self.workers);
        for entry in &workers {
            self.fold_counts(&entry.slot);
        }
        workers
    }

    /// Moves a departing worker's counts into the base ones, so the totals stay exact.
    fn fold_counts(&mut self, slot: &WorkerSlot) {
        self.consumed_base += slot.popped();
        self.completed += slot.completed();
    }

    /// The growth rule's test: more jobs queued than workers on their way to the queue (woken,
    /// starting or searching), so one of them waits for nobody.
    pub(crate) fn queued_past_arrivals(&self, shared: &Shared) -> bool {
        shared.levels.len()
            > self.wakeups + self.starting + shared.searching.load(Ordering::Relaxed)
    }

    /// A submitter hands work to a parked worker: `idle -= 1; wakeups += 1`, mirrored in the
    /// tally. The caller notifies once.
    pub(crate) fn claim_idle(&mut self, shared: &Shared) {
        self.idle -= 1;
        self.wakeups += 1;
        shared.tally.sub_idle();
    }
}
