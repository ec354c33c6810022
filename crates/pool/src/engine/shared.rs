//! The engine's shared state: [`Shared`] (what the workers, the facade and every handle to
//! the pool share) and [`State`] (what the pool lock guards), how a pool starts, and the
//! bookkeeping every critical section uses (idle, reserved, popped, the intake's consumer
//! position). Submission is in `submit.rs`, the two shutdowns in `shutdown.rs`.

use std::time::{Duration, Instant};

use crossbeam_utils::CachePadded;
use selvedge_locks::sync::atomic::{AtomicUsize, Ordering};
use selvedge_locks::sync::{Arc, PlainCondvar, PlainMutex, thread};

use super::broadcast::{self, Broadcasts};
use super::config::{Config, MAX_THREADS};
use super::counters::Counters;
use super::intake::{self, Consumer, Intake};
use super::job::{Job, RunCtx};
use super::queue::PriorityQueue;
use super::tally::{COUNT_MASK, Tally};
use super::{monitor, worker};
use crate::{BuildError, PoolStats, Priority, WaitTimeout};

/// A started worker: its handle (joined at shutdown) and its identity.
pub(crate) struct WorkerEntry {
    pub(crate) thread: thread::Thread,
    pub(crate) handle: thread::JoinHandle<()>,
    /// The first broadcast sequence number this worker has not considered yet (see
    /// `broadcast.rs`); changed only under the pool lock.
    pub(crate) broadcasts_seen: u64,
}

/// Everything guarded by the pool lock.
///
/// `repr(C)` keeps the fields every submission and every pop touch (the counts, then the
/// queue's header and levels) together right after the lock word, so handing the lock
/// between a submitter and a worker moves as few cache lines as possible; the cold fields
/// come last.
#[repr(C)]
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
    /// Submitters waiting for queue space (`RejectionPolicy::Block`).
    pub(crate) blocked: usize,
    /// Jobs a worker took out of the queue and has not finished (re-locked after) yet:
    /// with `reserved() == 0`, zero means idle (see [`ThreadPool::wait_idle`](crate::ThreadPool::wait_idle)). Changed
    /// under the lock workers take around every task anyway, on the line it already writes.
    pub(crate) running: usize,
    /// Callers in `wait_idle`; while zero, finishing a task notifies nobody.
    pub(crate) idle_waiters: usize,
    /// Those of `idle_waiters` that are the pool's own workers (a task waiting for the pool
    /// to be idle): each counts as running, so idle means `running == idle_waiting_workers`.
    pub(crate) idle_waiting_workers: usize,
    pub(crate) queue: PriorityQueue<Job>,
    pub(crate) peak: usize,
    pub(crate) workers: Vec<WorkerEntry>,
    /// Workers ever started (names them).
    pub(crate) spawned: u64,
    /// The monitor thread (`PoolBuilder::monitor`), joined by a completed shutdown.
    pub(crate) monitor: Option<thread::JoinHandle<()>>,
    /// Tasks ever taken out of the queue, modulo 2^40 (see `intake.rs`).
    pub(crate) popped: u64,
    /// The intake ring's one consumer (its position: ring indices ever moved into the queue,
    /// modulo 2^40). Only the lock holder consumes the ring, so the position is exact here.
    pub(crate) consumer: Consumer,
    /// Counted tasks ever moved from the ring into the queue: every accepted task passes
    /// there once, so `stats().submitted` is this plus the refused and caller-run ones
    /// (no counter bumped per submission, see `task_id.rs`).
    pub(crate) accepted: u64,
    /// Completions of handle-less tasks counted by workers under this lock (see
    /// `RunCtx::completed_here`); `stats().completed` adds `Counters::completed`.
    pub(crate) completed: u64,
    /// Open broadcasts; a worker reads their sequence number before every pop.
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
    /// The ring every submission passes through, moved into `State::queue` under the lock,
    /// with the tally and the hints of its protocol (see `intake.rs`).
    pub(crate) intake: Intake,
    /// The capacity fast-path submissions reserve against, or `None` where they may never
    /// run (turned off in the builder; capacities over `FAST_CAPACITY_MAX`). While the pool
    /// is elastic the tally's `LOCKED_ONLY` bit turns them off too (see `intake.rs`).
    pub(crate) fast_capacity: Option<u64>,
    /// `ThreadPool` values sharing this pool (clones); the last one dropped shuts it down.
    pub(crate) owners: AtomicUsize,
    /// Workers that found the queue empty (or nothing reserved after a task) and yield
    /// briefly, without the lock, before looking again. Changed without the lock so a spin
    /// round costs no lock traffic; each count stands for a worker that will still look at the
    /// queue under the lock after its decrement (see `worker.rs`, "Spinning").
    pub(crate) spinning: CachePadded<AtomicUsize>,
}

impl Shared {
    /// Starts the `core` workers (and the monitor) of a pool built with `config`; if the OS
    /// refuses a thread, shuts down what started and says why.
    pub(crate) fn start(config: Config) -> Result<Arc<Self>, BuildError> {
        let core = config.core;
        let tally = Tally::ZERO.with_locked_only(config.core != config.max);
        let (intake, consumer) = Intake::new(config.queue_capacity, tally);
        let fast_capacity = (config.fast_path
            && config.queue_capacity <= intake::FAST_CAPACITY_MAX)
            .then_some(config.queue_capacity as u64);
        let shared = Arc::new(Self {
            state: PlainMutex::new(State {
                queue: PriorityQueue::new(),
                accepting: true,
                core: config.core,
                max: config.max,
                threads: 0,
                peak: 0,
                idle: 0,
                wakeups: 0,
                starting: 0,
                blocked: 0,
                running: 0,
                idle_waiters: 0,
                idle_waiting_workers: 0,
                monitor: None,
                // Grows as workers start: never in proportion to `max_threads`, which may be
                // far above what the OS will ever start.
                workers: Vec::new(),
                spawned: 0,
                popped: 0,
                consumer,
                accepted: 0,
                completed: 0,
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
            intake,
            fast_capacity,
            owners: AtomicUsize::new(1),
            spinning: CachePadded::new(AtomicUsize::new(0)),
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
    /// [`State::is_idle`] (a waiting worker runs its broadcast shares meanwhile).
    pub(crate) fn wait_idle(shared: &Arc<Self>, timeout: Duration) -> Result<(), WaitTimeout> {
        let deadline = Instant::now().checked_add(timeout);
        let mut st = shared.state.lock();
        let own = usize::from(st.on_own_worker());
        st.idle_waiters += 1;
        st.idle_waiting_workers += own;
        if own == 1 {
            // One more task counted as waiting may be what other waiters lacked.
            st.notify_if_idle(shared);
        }
        let me = thread::current();
        let mut timed_out = false;
        let idle = loop {
            st.take_intake(shared);
            // A waiting worker runs its broadcast shares: the pool is not idle without them.
            if own == 1
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
        st.idle_waiting_workers -= own;
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
        shared.intake.tally.set_locked_only(st.core != st.max);
        if st.threads > n {
            // Parked surplus workers retire when woken (see `worker.rs`, "Retirement");
            // the others keep counting as parked, so the accounting stays exact.
            shared.work.notify_all();
        }
        // Growing: the growth rule for the work already queued.
        st.take_intake(shared);
        while st.accepting
            && st.idle == 0
            && st.threads < st.max
            && st.queue.len() > st.wakeups + st.starting + shared.spinning.load(Ordering::Relaxed)
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
            let mut st = self.state.lock();
            st.take_intake(self);
            let mut queued = Priority::ALL.map(|p| st.queue.len_of(p));
            queued[Priority::Urgent.index()] += st.broadcasts.untaken();
            (
                st.threads,
                st.idle + st.wakeups,
                st.peak,
                queued,
                st.accepted,
                st.completed,
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
    /// Whether every task accepted so far has finished: none reserved (queued, in the ring,
    /// or being written there) and none running but those waiting in `wait_idle` themselves.
    pub(crate) fn is_idle(&self, shared: &Shared) -> bool {
        self.running <= self.idle_waiting_workers
            && self.reserved(shared) == 0
            && self.broadcasts.untaken() == 0
    }

    /// Wakes `wait_idle` callers if the pool just became idle. Costs one comparison while
    /// nobody waits, so the worker calls it after every task.
    #[inline]
    pub(crate) fn notify_if_idle(&self, shared: &Shared) {
        if self.idle_waiters > 0 && self.is_idle(shared) {
            shared.drained.notify_all();
        }
    }

    /// Tasks accepted and not yet taken out of the queue, exactly (the caller holds the lock).
    pub(crate) fn reserved(&self, shared: &Shared) -> u64 {
        shared
            .intake
            .tally
            .load(Ordering::Acquire)
            .reserved(self.popped)
    }

    /// Counts `n` tasks taken out of the queue (popped, taken back, handed back).
    pub(crate) fn count_popped(&mut self, n: u64) {
        self.popped = self.popped.wrapping_add(n) & COUNT_MASK;
    }

    /// Moves the jobs written to the intake ring into the priority queue, in ring order, up
    /// to the first reservation not yet written. Called under the pool lock before every pop,
    /// locked push, snapshot and close. Publishes the position every quarter ring.
    #[inline]
    pub(crate) fn take_intake(&mut self, shared: &Shared) {
        while let Some(job) = shared.intake.pop(&mut self.consumer) {
            self.queue_taken(job);
        }
        if shared.intake.unpublished(&self.consumer) >= (shared.intake.len() / 4).max(1) {
            self.publish_taken(shared);
        }
    }

    /// Queues a job whose ring index was just taken, counting it as accepted.
    pub(crate) fn queue_taken(&mut self, job: Job) {
        self.accepted += u64::from(job.counted());
        self.queue.push(job.priority(), job);
    }

    /// Tells fast-path submitters the consumer's exact position (see
    /// [`Intake::publish_taken`]).
    pub(crate) fn publish_taken(&mut self, shared: &Shared) {
        shared.intake.publish_taken(&mut self.consumer);
    }

    /// Whether the calling thread is one of this pool's workers.
    pub(crate) fn on_own_worker(&self) -> bool {
        let me = thread::current().id();
        self.workers.iter().any(|w| w.thread.id() == me)
    }

    /// A submitter hands work to a parked worker: `idle -= 1; wakeups += 1`, mirrored in the
    /// tally. The caller notifies once.
    pub(crate) fn claim_idle(&mut self, shared: &Shared) {
        self.idle -= 1;
        self.wakeups += 1;
        shared.intake.tally.sub_idle();
    }
}

impl Drop for Shared {
    /// Every close drains the ring, so this finds it empty; it is here so that no path can
    /// leak a job's captures (or leave its joiner blocked) by dropping the ring's bytes.
    fn drop(&mut self) {
        let mut st = self.state.lock();
        st.take_intake(self);
    }
}
