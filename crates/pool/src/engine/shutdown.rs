//! Both shutdowns: [`Shared::close`] (intake stops: no new reservation, no locked
//! submission), the graceful [`Shared::shutdown`] that waits for the workers (they run every
//! job reserved before the close, see `worker.rs`), and [`Shared::shutdown_now`] that takes the
//! backlog out ("`shutdown_now` vs take" in `shared.rs`).

use std::time::Instant;

use selvedge_locks::sync::{Arc, PlainMutexGuard, thread};

use super::counters::Counters;
use super::job::Job;
use super::shared::{Shared, State};

impl Shared {
    /// Stops intake and returns the lock. Submitters that reserved before still push; every
    /// worker stays until nothing is reserved, so their jobs still run (or are handed back).
    pub(crate) fn close(&self) -> PlainMutexGuard<'_, State> {
        let mut st = self.state.lock();
        self.tally.close();
        st.accepting = false;
        self.monitor_wake.notify_all();
        st
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
        let queued =
            usize::try_from(st.reserved(shared)).unwrap_or(usize::MAX) + st.broadcasts.untaken();
        let to_join = if still_running == 0 && own == 0 {
            st.take_workers()
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
    /// closes, halts the workers' starts, and takes every job not started out, broadcast
    /// shares first, then the queue most urgent first (FIFO within a level), until nothing
    /// is reserved: submitters that reserved before the close push meanwhile, and workers hand
    /// back what they took after the halt. Returns those the caller now owns (claimed, counted
    /// `handed_back`); cancelled ones are counted and dropped here.
    pub(crate) fn shutdown_now(shared: &Arc<Self>) -> Vec<Job> {
        let (shares, mut jobs) = {
            let mut st = shared.close();
            shared.signals.halt();
            shared.work.notify_all();
            shared.space.notify_all();
            // Broadcast shares run ahead of every queued task, so they come back first.
            let shares = st.broadcasts.drain(shared);
            let mut jobs = Vec::new();
            loop {
                let taken = shared.levels.drain();
                st.count_consumed(taken.len() as u64);
                jobs.extend(taken);
                jobs.append(&mut st.returned);
                if st.reserved(shared) == 0 {
                    break;
                }
                // A submitter between its reservation and its push, or a worker between its
                // take and its count: neither waits for anything, so let them run.
                drop(st);
                thread::yield_now();
                st = shared.state.lock();
            }
            st.notify_if_idle(shared);
            (shares, jobs)
        };
        // Several rounds may each have found jobs: most urgent first again (stable, so FIFO
        // within a level holds as far as the rounds saw it).
        jobs.sort_by_key(|job| job.priority().index());
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
