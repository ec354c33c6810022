//! Both shutdowns: [`Shared::close`] (intake stops and the queue then holds every accepted,
//! unstarted task; told with the intake protocol in `intake.rs`), the graceful
//! [`Shared::shutdown`] that waits for the workers, and [`Shared::shutdown_now`] that takes
//! the backlog out.

use std::time::Instant;

use selvedge_locks::sync::{Arc, PlainMutexGuard, thread};

use super::counters::Counters;
use super::job::Job;
use super::shared::{Shared, State};

impl Shared {
    /// Stops intake (no new reservation, locked submissions refused), then waits until every
    /// submitter that reserved before has pushed, and queues it all; returns the lock. It
    /// yields with the lock released between looks, so workers keep running tasks meanwhile.
    /// Afterwards nothing can reach the intake, so the queue holds
    /// every accepted, unstarted task.
    pub(crate) fn close(&self) -> PlainMutexGuard<'_, State> {
        let mut st = self.state.lock();
        self.intake.tally.close();
        st.accepting = false;
        self.monitor_wake.notify_all();
        loop {
            st.take_intake(self);
            if st.reserved(self) == st.queue.len() as u64 {
                st.publish_taken(self);
                return st;
            }
            drop(st);
            thread::yield_now();
            st = self.state.lock();
        }
    }

    /// Graceful shutdown (see [`ThreadPool::shutdown`](crate::ThreadPool::shutdown)):
    /// closes, then waits for the workers until `deadline` (`None`: no limit). Returns the
    /// workers still running (the caller's own not counted) and the tasks still queued.
    pub(crate) fn shutdown(shared: &Arc<Self>, deadline: Option<Instant>) -> (usize, usize) {
        let mut st = shared.close();
        shared.work.notify_all();
        shared.space.notify_all();
        let own = usize::from(st.on_own_worker());
        while st.threads > own {
            let timed_out = match deadline {
                Some(deadline) => shared.exited.wait_until(&mut st, deadline).timed_out(),
                None => {
                    shared.exited.wait(&mut st);
                    false
                }
            };
            if timed_out {
                break;
            }
        }
        let still_running = st.threads - own;
        let queued = st.queue.len() + st.broadcasts.untaken();
        let to_join = if still_running == 0 && own == 0 {
            std::mem::take(&mut st.workers)
        } else {
            Vec::new()
        };
        // `close` told the monitor to stop; it takes no lock but ours on its way out.
        let monitor = st
            .monitor
            .take_if(|m| m.thread().id() != thread::current().id());
        drop(st);
        for entry in to_join {
            // Every worker has uncounted itself, so this waits only for thread teardown;
            // workers contain every user panic, so the result carries nothing.
            let _ = entry.handle.join();
        }
        if let Some(monitor) = monitor {
            let _ = monitor.join();
        }
        (still_running, queued)
    }

    /// Immediate shutdown (see [`ThreadPool::shutdown_now`](crate::ThreadPool::shutdown_now)):
    /// closes and takes every job not started out, broadcast shares first, then the queue
    /// most urgent first. Returns those the caller now owns (claimed, counted `handed_back`);
    /// cancelled ones are counted and dropped here.
    pub(crate) fn shutdown_now(shared: &Arc<Self>) -> Vec<Job> {
        let (shares, jobs) = {
            let mut st = shared.close();
            shared.work.notify_all();
            shared.space.notify_all();
            // Broadcast shares run ahead of every queued task, so they come back first.
            let shares = st.broadcasts.drain(shared);
            let jobs = st.queue.drain();
            st.count_popped(jobs.len() as u64);
            st.notify_if_idle(shared);
            (shares, jobs)
        };
        let counters = &shared.counters;
        shares
            .into_iter()
            .chain(jobs)
            .filter_map(|job| {
                if job.claim() {
                    if job.counted() {
                        Counters::bump(&counters.handed_back);
                    }
                    Some(job)
                } else {
                    if job.counted() {
                        Counters::bump(&counters.cancelled);
                    }
                    None
                }
            })
            .collect()
    }
}
