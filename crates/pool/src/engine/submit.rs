//! Submission: [`Shared::dispatch`] (the fast path, else the locked [`Shared::enqueue`] with
//! the growth rule and the rejection policy).
//!
//! # The fast path
//!
//! A submission takes a task id from its thread's block (`task_id.rs`), and, in a fixed-size
//! pool (core == max threads, the default), reserves its place with one compare-and-swap of
//! the tally (refused while the tally says closed or elastic, or the capacity may be reached
//! by the `consumed` hint in `Signals`), pushes the job onto its level and locks only to wake
//! a parked worker (the park protocol is in `shared.rs`). Elastic pools, a possibly full
//! queue and shutdown take the locked path, which computes `reserved` exactly and may start
//! a worker. No clock, no tracing, no thread start while a worker is idle or the pool is at
//! its core size.
//!
//! The fast path runs only where the pool is fixed-size, so it never has to start a worker,
//! and at least `core >= 1` workers never retire: a reserved job can never be left queued
//! with the pool's last worker gone. A submitter that passed the `LOCKED_ONLY` check just
//! before `set_max_threads` set it queues without starting a worker; the core workers run
//! its task (growth waits for the next locked submission).

use std::time::Instant;

use selvedge_locks::sync::Arc;
use selvedge_locks::sync::atomic::{Ordering, fence};

use super::counters::Counters;
use super::job::Job;
use super::shared::{Shared, State};
use super::{events, worker};
use crate::{RejectionPolicy, SubmitError};

/// Why `enqueue` did not queue a job; each variant gives the job back.
pub(crate) enum NotQueued {
    /// The policy says the caller runs it.
    RunHere(Job),
    /// Refused; the job was never started.
    Refused(SubmitError, Job),
}

impl Shared {
    /// Queues a counted job, or applies the rejection policy.
    #[inline]
    pub(crate) fn dispatch(shared: &Arc<Self>, job: Job) -> Result<(), SubmitError> {
        if let Some(capacity) = shared.fast_capacity {
            // The flags first, so an elastic pool's submission reads no hint before it takes
            // the locked path anyway. The hint read after the tally can only be newer than
            // it, so the check refuses sooner, never admits more.
            let cur = shared.tally.load(Ordering::Relaxed);
            if !cur.refuses_fast_path() {
                let consumed = shared.signals.consumed();
                if let Some(before) = shared.tally.bump_pushed_if(cur, |cur| {
                    !cur.refuses_fast_path() && cur.reserved(consumed) < capacity
                }) {
                    shared.levels.push(job.priority(), job);
                    if before.idle() > 0 {
                        shared.wake_parked();
                    }
                    return Ok(());
                }
            }
        }
        Self::dispatch_locked(shared, job)
    }

    /// A worker was parked when the fast path reserved: hand the work to one. If another
    /// submitter claimed it first, that worker will find this job too (a worker parks only
    /// with nothing reserved).
    #[cold]
    fn wake_parked(&self) {
        let mut st = self.state.lock();
        if st.idle > 0 {
            st.claim_idle(self);
            self.work.notify_one();
        }
    }

    /// The locked path of [`dispatch`](Self::dispatch).
    fn dispatch_locked(shared: &Arc<Self>, job: Job) -> Result<(), SubmitError> {
        match Self::enqueue(shared, job, shared.config.policy) {
            Ok(()) => Ok(()),
            Err(NotQueued::RunHere(job)) => {
                shared.run_on_caller(job);
                Ok(())
            }
            Err(NotQueued::Refused(err, job)) => {
                if job.counted() {
                    Counters::bump(&shared.counters.rejected);
                }
                events::task_rejected(&shared.config.name, job.id(), &err.to_string());
                Err(err)
            }
        }
    }

    /// Caller-runs: the job runs here, exactly as a worker would run it.
    #[cold]
    fn run_on_caller(&self, job: Job) {
        if job.counted() {
            Counters::bump(&self.counters.ran_on_caller);
        }
        worker::execute(self, job, None);
    }

    /// Queues `job` and makes sure a worker will take it; see the growth rule on
    /// [`ThreadPool`](crate::ThreadPool). `policy` applies when the pool is saturated (the pool's own, or
    /// `Reject` for scope tickets, which must never block a worker).
    pub(crate) fn enqueue(
        shared: &Arc<Self>,
        job: Job,
        policy: RejectionPolicy,
    ) -> Result<(), NotQueued> {
        let capacity = shared.config.queue_capacity as u64;
        let mut st = shared.state.lock();
        let mut deadline = None;
        loop {
            if !st.accepting {
                return Err(NotQueued::Refused(SubmitError::Shutdown, job));
            }
            // No worker at all (an elastic pool with zero core threads): start one before the
            // job goes in, so a job is never queued that nobody will run.
            if st.threads == 0
                && let Err(msg) = worker::spawn_worker(shared, &mut st)
            {
                return Err(NotQueued::Refused(SubmitError::SpawnFailed(msg), job));
            }
            // A place below the capacity, reserved by the same compare-and-swap as the fast
            // path's (which may run meanwhile: checking first and bumping after would let both
            // take the last place), against the exact count.
            let consumed = st.publish_consumed(shared);
            let below = shared
                .tally
                .bump_pushed_if(shared.tally.load(Ordering::Relaxed), |cur| {
                    cur.reserved(consumed) < capacity
                })
                .is_some();
            if below {
                Self::queue_reserved(shared, &mut st, job, true);
                return Ok(());
            }
            if st.threads < st.max {
                // Full: the job goes in over the capacity, with a new worker for it.
                if st.idle == 0
                    && let Err(msg) = worker::spawn_worker(shared, &mut st)
                {
                    return Err(NotQueued::Refused(SubmitError::SpawnFailed(msg), job));
                }
                shared.tally.bump_pushed();
                Self::queue_reserved(shared, &mut st, job, false);
                return Ok(());
            }
            match policy {
                RejectionPolicy::Reject => return Err(NotQueued::Refused(SubmitError::Full, job)),
                RejectionPolicy::CallerRuns => return Err(NotQueued::RunHere(job)),
                // A worker of this pool waiting for space only workers free could wait for
                // itself (forever, in a one-worker pool): it runs the task instead.
                RejectionPolicy::Block(_) if st.on_own_worker() => {
                    return Err(NotQueued::RunHere(job));
                }
                RejectionPolicy::Block(timeout) => {
                    let until =
                        *deadline.get_or_insert_with(|| Instant::now().checked_add(timeout));
                    // Published before the counts are read again (see "Blocked submitter vs
                    // take" in `shared.rs`).
                    st.blocked += 1;
                    shared.signals.set_blocked(st.blocked);
                    fence(Ordering::SeqCst);
                    let full = st.reserved(shared) >= capacity;
                    let timed_out = full
                        && match until {
                            Some(until) => shared.space.wait_until(&mut st, until).timed_out(),
                            None => {
                                shared.space.wait(&mut st);
                                false
                            }
                        };
                    st.blocked -= 1;
                    shared.signals.set_blocked(st.blocked);
                    if timed_out && st.reserved(shared) >= capacity && st.accepting {
                        return Err(NotQueued::Refused(SubmitError::Timeout, job));
                    }
                }
            }
        }
    }

    /// Pushes `job`, whose place the caller reserved in the tally, and hands it to a parked
    /// worker, or (`grow`) starts one by the growth rule; the OS refusing is fine there: a
    /// live worker will take the job.
    fn queue_reserved(shared: &Arc<Self>, st: &mut State, job: Job, grow: bool) {
        st.uncounted += u64::from(!job.counted());
        shared.levels.push(job.priority(), job);
        if st.idle > 0 {
            st.claim_idle(shared);
            shared.work.notify_one();
        } else if grow && st.threads < st.max && st.queued_past_arrivals(shared) {
            let _ = worker::spawn_worker(shared, st);
        }
    }
}
