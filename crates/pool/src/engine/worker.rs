//! The worker thread: its loop, its idle/retire protocol, and how it is started.
//!
//! # The loop
//!
//! Between tasks a worker takes no lock: it looks at the broadcast sequence number in
//! `Signals` (a new broadcast may hold a share for it, taken under the lock), then steals
//! the next job from the most urgent non-empty level (`levels.rs`), counts it in its own
//! [`WorkerSlot`] and runs it. Only when every level is empty does it spin, then take the
//! lock to park, retire or exit (the protocols are in `shared.rs`).
//!
//! # Idle accounting
//!
//! Under the pool lock, `idle + wakeups == parked workers` at all times:
//!
//! - a worker about to park does `idle += 1`;
//! - a submitter that hands work to a parked worker does `idle -= 1; wakeups += 1` and
//!   notifies once (so two submits never count the same idle worker twice);
//! - a worker leaving its wait consumes a wakeup if one is pending, else removes itself
//!   from `idle` (timeout, spurious wake-up, shutdown).
//!
//! Every change happens under the lock, so neither count can drift or go negative: that
//! fixes seed 002, whose idle counter was decremented on paths that never incremented it.
//! `idle` is mirrored in the tally word, changed in the same critical sections, so a
//! fast-path submitter that never takes the lock still learns whether a worker is parked.
//!
//! # Retirement
//!
//! A worker retires only while holding the lock, when nothing is reserved (so no job is
//! queued or being pushed), it has no broadcast share left to run (see `broadcast.rs`), the
//! pool is open and more than `core_threads` workers are alive (after `keep_alive` idle, or
//! at once when more than the current `max_threads` are alive: `set_max_threads` lowered
//! it), and it decrements `threads` in that same critical section. Submissions that can start
//! workers push under the same lock, so a submitter sees either the worker still counted
//! (and parked or about to look at the queue) or the lower count (and starts a new worker):
//! a task can never sit in the queue with nobody left to run it (modelled in
//! `tests/loom/pool.rs`). Fast-path submissions happen only in fixed-size pools, whose core
//! workers never retire.
//!
//! # Spinning
//!
//! A worker that finds the queue empty yields a few rounds watching the tally's `pushed`
//! count before it looks again, without the lock. A spinning worker is never notified (it is
//! not parked), and it parks only after the park protocol's check, so no task can wait in the
//! queue for a spinner that went to sleep.
//!
//! # Searching
//!
//! The atomic `Shared::searching` counts the workers on their way to the queue that are neither
//! parked nor `starting`: a new worker from the moment it leaves `starting`, and a worker
//! from the moment it starts to spin, until it takes a job or takes the lock to park or stop
//! (so a locked submitter sees it as searching or as idle, never as neither). A new worker
//! moves from `starting` to searching under the lock, so no submitter misses it; a spinner
//! counts itself without the lock, so a submitter may miss it for a moment and start a worker
//! more. A submitter reads the count only to decide not to start another worker. Counting a
//! new worker only from its first spin left a window in which a task submitted just after
//! `build` found nobody idle, starting or spinning, and started a second worker for a job the
//! first was about to take (loom: `a_task_submitted_at_build_starts_no_second_worker`).

use std::cell::Cell;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::time::Instant;

use selvedge_locks::sync::atomic::{Ordering, fence};
use selvedge_locks::sync::{Arc, MODEL, PlainMutexGuard, thread};

use super::config::Hook;
use super::counters::Counters;
use super::job::{Job, RunCtx};
use super::levels::LowGuard;
use super::shared::{Shared, State, WorkerEntry};
use super::slot::WorkerSlot;
use super::tally::COUNT_MASK;
use super::{broadcast, events};
use crate::contain::drop_payload;

/// Starts one worker; the caller holds the pool lock and has checked `threads < max`.
pub(crate) fn spawn_worker(shared: &Arc<Shared>, st: &mut State) -> Result<(), String> {
    let name = format!("{}-{}", shared.config.name, st.spawned);
    let for_thread = Arc::clone(shared);
    let slot = Arc::new(WorkerSlot::default());
    let for_slot = Arc::clone(&slot);
    let handle = spawn_thread(name, shared.config.stack_size, move || {
        run_worker(&for_thread, &for_slot);
    })
    .map_err(|e| e.to_string())?;
    st.spawned += 1;
    st.threads += 1;
    st.starting += 1;
    st.peak = st.peak.max(st.threads);
    st.workers.push(WorkerEntry {
        thread: handle.thread().clone(),
        handle,
        slot,
        // Broadcasts made from now on count this worker among their targets.
        broadcasts_seen: st.broadcasts.seq(),
    });
    Ok(())
}

/// A named worker thread with the configured stack size (through the facade's `Builder`, so
/// under loom it is a model thread).
fn spawn_thread(
    name: String,
    stack_size: Option<usize>,
    f: impl FnOnce() + Send + 'static,
) -> std::io::Result<thread::JoinHandle<()>> {
    let mut builder = thread::Builder::new().name(name);
    if let Some(bytes) = stack_size {
        builder = builder.stack_size(bytes);
    }
    builder.spawn(f)
}

/// Runs a start/stop hook; its panic is contained (the worker keeps going).
fn run_hook(hook: Option<&Hook>) {
    if let Some(hook) = hook
        && let Err(payload) = catch_unwind(AssertUnwindSafe(hook))
    {
        drop_payload(payload);
    }
}

/// Where a worker stands in the pool's counts, so that one that unwinds can be uncounted.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Phase {
    /// Counted in `threads` and `starting`.
    Starting,
    /// Counted in `threads` only.
    Running,
    /// Uncounted: the pool no longer waits for it.
    Gone,
}

/// A worker's whole life. Every user callback and `Drop` is contained where it runs, but a
/// panic can still come from code the pool calls without containing it (a tracing
/// subscriber's, say); a worker that unwinds anyway is caught here, uncounted and replaced,
/// so the pool never counts a dead worker and `join`/`shutdown` never wait for one.
fn run_worker(shared: &Arc<Shared>, slot: &WorkerSlot) {
    let phase = Cell::new(Phase::Starting);
    let searching = Searching::default();
    let completed_here = Cell::new(0);
    let lived = catch_unwind(AssertUnwindSafe(|| {
        worker_main(shared, slot, &phase, &searching, &completed_here);
    }));
    if let Err(payload) = lived {
        drop_payload(payload);
        searching.stop(shared);
        if phase.get() != Phase::Gone {
            slot.set_completed(completed_here.get());
            replace_unwound(shared, slot, phase.get());
        }
    }
}

/// Whether this worker counts in `Shared::searching`: on its way to the queue, so submitters
/// start no worker for the job it will take (see "Searching").
#[derive(Default)]
struct Searching(Cell<bool>);

impl Searching {
    fn start(&self, shared: &Shared) {
        if !self.0.replace(true) {
            shared.searching.fetch_add(1, Ordering::Relaxed);
        }
    }

    fn stop(&self, shared: &Shared) {
        if self.0.replace(false) {
            shared.searching.fetch_sub(1, Ordering::Relaxed);
        }
    }
}

/// After a worker unwound: reports it, runs the stop hook, then, under the lock, uncounts it
/// and starts a replacement where one is needed (fewer than `core_threads` in an open pool,
/// or tasks left to run, shut down or not). If the OS refuses, the next submission that
/// finds the pool below its size starts one.
#[cold]
fn replace_unwound(shared: &Arc<Shared>, slot: &WorkerSlot, phase: Phase) {
    let me = thread::current();
    let name = me.name().unwrap_or("selvedge-pool-worker");
    // Contained too: the panic may have come from this very subscriber.
    let pool = shared.config.name.as_str();
    if let Err(payload) = catch_unwind(|| events::worker_stopped(pool, name, "panicked")) {
        drop_payload(payload);
    }
    run_hook(shared.config.on_stop.as_ref());
    let mut st = shared.state.lock();
    if phase == Phase::Starting {
        st.starting -= 1;
    }
    // This thread is still the worker that broadcasts counted on: it runs its shares now,
    // before it is uncounted (see `broadcast.rs`). A second unwind from the pool's own code
    // stops here; the share resolves itself on the way out.
    while let Some(job) = broadcast::take_own(shared, &mut st, &me) {
        slot.set_busy();
        drop(st);
        if let Err(payload) = catch_unwind(AssertUnwindSafe(|| execute(shared, job, None))) {
            drop_payload(payload);
        }
        st = shared.state.lock();
    }
    slot.set_idle();
    st.threads -= 1;
    st.remove_worker(me.id());
    st.notify_if_idle(shared);
    let needed = (st.accepting && st.threads < st.core) || st.reserved(shared) > 0;
    if needed {
        let _ = spawn_worker(shared, &mut st);
    }
    shared.exited.notify_all();
}

fn worker_main(
    shared: &Arc<Shared>,
    slot: &WorkerSlot,
    phase: &Cell<Phase>,
    searching: &Searching,
    completed_here: &Cell<u64>,
) {
    let me = thread::current();
    let name = me.name().unwrap_or("selvedge-pool-worker").to_owned();
    run_hook(shared.config.on_start.as_ref());
    events::worker_started(&shared.config.name, &name);

    let mut busy_since: Option<Instant> = None;
    let mut spins_left = shared.config.spin_rounds;
    // The broadcast sequence number at which this worker last found no share of its own:
    // while the pool's is the same, it has none (only a new broadcast can give it one).
    let mut broadcasts_looked = 0;
    let mut low_guard = LowGuard::default();
    // Whether this worker's slot says busy (written only on a change).
    let mut busy = false;
    // Jobs this worker took: its slot's count, kept here too so counting needs no load.
    let mut taken = 0;
    {
        let mut st = shared.state.lock();
        st.starting -= 1;
        searching.start(shared);
        phase.set(Phase::Running);
    }
    let (retired, mut st) = loop {
        let job = if shared.signals.broadcast_seq() == broadcasts_looked {
            None
        } else {
            take_share(shared, slot, &me, &mut broadcasts_looked)
        };
        let job = match job {
            Some(share) => Some(share),
            None => match shared.levels.pop(&mut low_guard) {
                Some(job) if shared.signals.halted() => {
                    taken += 1;
                    hand_back(shared, slot, job, taken);
                    continue;
                }
                Some(job) => {
                    // Busy before counted: see "`wait_idle` vs going idle" in `shared.rs`.
                    if !busy {
                        slot.set_busy();
                    }
                    taken += 1;
                    slot.count_popped(taken);
                    if shared.config.blocking {
                        // "Blocked submitter vs take" in `shared.rs`: only where submitters
                        // may block is there a fence per task.
                        fence(Ordering::SeqCst);
                        if shared.signals.blocked() {
                            let _st = shared.state.lock();
                            shared.space.notify_one();
                        }
                    }
                    Some(job)
                }
                None => None,
            },
        };
        if let Some(job) = job {
            searching.stop(shared);
            busy = true;
            if busy_since.is_none() {
                busy_since = Some(Instant::now());
            }
            execute(shared, job, Some(completed_here));
            slot.set_completed(completed_here.get());
            spins_left = shared.config.spin_rounds;
            continue;
        }
        if spins_left > 0 {
            searching.start(shared);
            spins_left = spin(shared, spins_left, pushed(shared));
            continue;
        }
        if busy {
            busy = false;
            slot.set_idle();
            // Orders this worker's last count before the look at `idle_waiters` ("`wait_idle`
            // vs going idle" in `shared.rs`); once per busy period, not per task.
            fence(Ordering::SeqCst);
            if shared.signals.idle_waiters() {
                shared.state.lock().notify_if_idle(shared);
            }
        }
        let mut st = shared.state.lock();
        // Stops searching under the lock: it parks (counted idle) or stops in this critical
        // section, or looks again at once.
        searching.stop(shared);
        if !st.accepting {
            if st.reserved(shared) == 0 && st.broadcasts.seq() == broadcasts_looked {
                add_busy_time(shared, &mut busy_since);
                break (false, st);
            }
            // Closed, but a submitter that reserved before has not pushed yet, or a job is
            // still to take: ours to run (or hand back).
            drop(st);
            thread::yield_now();
            continue;
        }
        add_busy_time(shared, &mut busy_since);
        match park(shared, &mut st, broadcasts_looked) {
            Parked::Retire => break (true, st),
            Parked::Look => {}
            Parked::InFlight => {
                // A submitter reserved and has not pushed yet; it never waits for anything
                // before pushing, so let it run.
                drop(st);
                thread::yield_now();
            }
        }
    };

    if retired {
        // Decided and counted in the same critical section as the nothing-reserved check.
        st.threads -= 1;
        phase.set(Phase::Gone);
        st.remove_worker(me.id());
        shared.exited.notify_all();
        drop(st);
        events::worker_stopped(&shared.config.name, &name, "keep-alive expired");
        run_hook(shared.config.on_stop.as_ref());
    } else {
        // Shutdown: intake is closed and nothing is reserved, so nothing new can need us.
        // The hook runs before we are uncounted, so `shutdown` returning means it ran.
        drop(st);
        events::worker_stopped(&shared.config.name, &name, "shutdown");
        run_hook(shared.config.on_stop.as_ref());
        let mut st = shared.state.lock();
        st.threads -= 1;
        phase.set(Phase::Gone);
        shared.exited.notify_all();
    }
}

/// The worker's next broadcast share, if any (marking it busy in the critical section that
/// takes it, so `wait_idle` never sees the share gone and the worker idle); else records the
/// sequence number it found none at.
#[cold]
fn take_share(
    shared: &Arc<Shared>,
    slot: &WorkerSlot,
    me: &thread::Thread,
    looked: &mut u64,
) -> Option<Job> {
    let mut st = shared.state.lock();
    let share = broadcast::take_own(shared, &mut st, me);
    match &share {
        Some(_) => slot.set_busy(),
        None => *looked = st.broadcasts.seq(),
    }
    share
}

/// A job taken after `shutdown_now` began: handed to it instead of started, and counted
/// only then (see "`shutdown_now` vs take" in `shared.rs`).
#[cold]
fn hand_back(shared: &Shared, slot: &WorkerSlot, job: Job, taken: u64) {
    let mut st = shared.state.lock();
    st.returned.push(job);
    slot.count_popped(taken);
}

/// How many times a worker that found the queue empty yields, watching the `pushed` count,
/// before it parks. A producer feeding a fast worker then rarely pays for a futex wake-up.
/// The default of `Config::spin_rounds`. Zero under loom, where only the model
/// `spinning_worker_takes_next_task` turns spinning on: one round in every model passes but
/// takes 3 minutes on 2 cores, over the CI budget.
pub(crate) const SPIN_ROUNDS: u32 = if MODEL { 0 } else { 16 };

/// Yields until the queue looks non-empty or the rounds run out; returns the rounds left. The
/// caller counts itself as searching first (see "Searching"), so submitters count it as on
/// its way to the queue (no needless growth) but never notify it (it is not parked).
fn spin(shared: &Shared, mut rounds: u32, seen_pushed: u64) -> u32 {
    while rounds > 0 {
        rounds -= 1;
        thread::yield_now();
        if pushed(shared) != seen_pushed {
            break;
        }
    }
    rounds
}

/// Ends a busy period (the worker is about to park or stop) and adds it to the statistics.
fn add_busy_time(shared: &Shared, busy_since: &mut Option<Instant>) {
    if let Some(since) = busy_since.take() {
        let ns = u64::try_from(since.elapsed().as_nanos()).unwrap_or(u64::MAX);
        shared.counters.busy_ns.fetch_add(ns, Ordering::Relaxed);
    }
}

/// `pushed` from the tally, read without the lock.
fn pushed(shared: &Shared) -> u64 {
    shared.tally.load(Ordering::Relaxed).pushed()
}

/// What a worker does after [`park`].
enum Parked {
    /// Retire now.
    Retire,
    /// Look at the queue again.
    Look,
    /// A submission is in flight: yield without the lock, then look again.
    InFlight,
}

/// Waits for work, after finding every level empty and no broadcast share for this worker
/// at sequence number `broadcasts_looked`.
fn park(shared: &Shared, st: &mut PlainMutexGuard<'_, State>, broadcasts_looked: u64) -> Parked {
    let config = &shared.config;
    // A broadcast opened since the look: run it first.
    if st.broadcasts.seq() != broadcasts_looked {
        return Parked::Look;
    }
    let above_core = st.threads > st.core;
    // A worker above a lowered `max_threads` (`set_max_threads`) retires at its first idle
    // moment, as one above core does with a zero keep-alive.
    if above_core && (config.keep_alive.is_zero() || st.threads > st.max) {
        return if st.reserved(shared) == 0 {
            Parked::Retire
        } else {
            Parked::InFlight
        };
    }
    st.idle += 1;
    // The same read-modify-write that announces us idle reads `pushed`: a submitter that
    // reserved before it is in flight (do not sleep); one that reserves after it sees us
    // idle and wakes us (see "Park vs submit" in `shared.rs`).
    let consumed = st.consumed();
    let before = shared.tally.add_idle();
    if before.reserved(consumed & COUNT_MASK) > 0 {
        st.idle -= 1;
        shared.tally.sub_idle();
        return Parked::InFlight;
    }
    let timed_out = if above_core {
        match Instant::now().checked_add(config.keep_alive) {
            Some(deadline) => shared.work.wait_until(st, deadline).timed_out(),
            None => {
                shared.work.wait(st);
                false
            }
        }
    } else {
        shared.work.wait(st);
        false
    };
    if st.wakeups > 0 {
        st.wakeups -= 1;
    } else {
        st.idle -= 1;
        shared.tally.sub_idle();
    }
    // Woken by `set_max_threads` lowering the maximum below the live count: retire now.
    let surplus = st.threads > st.max;
    // A broadcast made while we waited counts on us: look (and run it) first.
    let no_broadcast = st.broadcasts.seq() == broadcasts_looked;
    if (timed_out || surplus)
        && no_broadcast
        && st.accepting
        && st.threads > st.core
        && st.reserved(shared) == 0
    {
        Parked::Retire
    } else {
        Parked::Look
    }
}

/// Starts, expires or discards one job taken from the queue (outside the pool lock).
/// `completed_here`: a worker's deferred completion count (see `RunCtx`), `None` elsewhere.
pub(crate) fn execute(shared: &Shared, job: Job, completed_here: Option<&Cell<u64>>) {
    let id = job.id();
    let counters = job.counted().then_some(&shared.counters);
    if !job.claim() {
        // Cancelled while queued: the handle already has its result; count it here, once.
        if let Some(counters) = counters {
            Counters::bump(&counters.cancelled);
        }
        return;
    }
    let ctx = RunCtx {
        pool: &shared.config.name,
        task_id: id,
        counters,
        completed_here,
    };
    if let Some(deadline) = job.deadline()
        && Instant::now() >= deadline
    {
        job.expire(ctx);
        return;
    }
    match shared.config.slow_task {
        None => job.run(ctx),
        Some(threshold) => {
            let start = Instant::now();
            job.run(ctx);
            let took = start.elapsed();
            if took > threshold {
                let ns = u64::try_from(took.as_nanos()).unwrap_or(u64::MAX);
                events::task_slow(&shared.config.name, id, ns);
            }
        }
    }
}
