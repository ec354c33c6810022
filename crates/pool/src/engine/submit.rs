//! Submission: [`Shared::dispatch`] (the intake fast path, else the locked
//! [`Shared::enqueue`] with the growth rule and the rejection policy).
//!
//! # The fast path
//!
//! A submission takes a task id from its thread's block (`task_id.rs`), and, in a fixed-size
//! pool (core == max threads), reserves a place in the tally and pushes onto the lock-free
//! intake without taking the pool lock; it locks only to wake a parked worker (see
//! `intake.rs`). Elastic pools, a full queue and shutdown take the locked path: move the
//! intake into the priority queue, then push there. No clock, no tracing, no thread start
//! while a worker is idle or the pool is at its core size.

use std::time::Instant;

use selvedge_locks::sync::atomic::Ordering;
use selvedge_locks::sync::{Arc, PlainMutexGuard, thread};

use super::counters::Counters;
use super::job::Job;
use super::shared::{Shared, State};
use super::{events, worker};
use crate::{Priority, RejectionPolicy, SubmitError};

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
        if let Some(capacity) = shared.fast_capacity
            && let Some(reservation) = shared.intake.reserve(capacity)
        {
            let before = reservation.before();
            reservation.write(job);
            if before.idle() > 0 {
                shared.wake_parked();
            }
            return Ok(());
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
        let mut st = shared.state.lock();
        let mut deadline = None;
        loop {
            // Earlier fast-path submissions (this caller's included) go first: FIFO holds.
            st.take_intake(shared);
            if !st.accepting {
                return Err(NotQueued::Refused(SubmitError::Shutdown, job));
            }
            let full = st.reserved(shared) >= shared.config.queue_capacity as u64;
            if !full || st.threads < st.max {
                let priority = job.priority();
                let Some(reservation) = shared.intake.reserve_locked(&st.consumer) else {
                    // The ring is full of fast-path reservations still being written; their
                    // submitters never wait, so let them run.
                    drop(st);
                    thread::yield_now();
                    st = shared.state.lock();
                    continue;
                };
                // Nothing reserved ahead of us (every earlier index is taken): the job skips
                // the slot and is queued directly, as the consumer we are. Else into the
                // queue at once, after the reservations ahead of it that are written (FIFO).
                match reservation.write_or_take(&mut st.consumer, job) {
                    Some(job) => st.queue_taken(job),
                    None => st.take_intake(shared),
                }
                if st.idle > 0 {
                    st.claim_idle(shared);
                    shared.work.notify_one();
                } else if st.threads < st.max
                    && (full
                        || st.queue.len()
                            > st.wakeups + st.starting + shared.spinning.load(Ordering::Relaxed))
                {
                    return Self::grow(shared, st, priority, full);
                }
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
                    st.blocked += 1;
                    let timed_out = match until {
                        Some(until) => shared.space.wait_until(&mut st, until).timed_out(),
                        None => {
                            shared.space.wait(&mut st);
                            false
                        }
                    };
                    st.blocked -= 1;
                    if timed_out
                        && st.reserved(shared) >= shared.config.queue_capacity as u64
                        && st.accepting
                    {
                        return Err(NotQueued::Refused(SubmitError::Timeout, job));
                    }
                }
            }
        }
    }

    /// Starts a worker for the job just queued at `priority`. If the OS refuses and no worker
    /// could take the job (none alive, or it was queued over capacity), takes it back out.
    #[cold]
    fn grow(
        shared: &Arc<Self>,
        mut st: PlainMutexGuard<'_, State>,
        priority: Priority,
        over_capacity: bool,
    ) -> Result<(), NotQueued> {
        match worker::spawn_worker(shared, &mut st) {
            Ok(()) => Ok(()),
            // The job queued under this same lock is still the newest of its level.
            Err(msg) if st.threads == 0 || over_capacity => match st.queue.pop_newest(priority) {
                Some(job) => {
                    st.count_popped(1);
                    st.notify_if_idle(shared);
                    // Refused after all: counted as rejected, not as accepted.
                    st.accepted -= u64::from(job.counted());
                    Err(NotQueued::Refused(SubmitError::SpawnFailed(msg), job))
                }
                None => Ok(()),
            },
            Err(_) => Ok(()),
        }
    }
}
