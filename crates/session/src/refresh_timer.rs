//! The refresh timer: one process-wide thread that flags each published session shortly
//! before its refresh point, so that the hot path of `ensure` reads a flag instead of the clock.
//!
//! # Why a thread
//!
//! `Instant::now()` costs 20 to 25 ns here (a vDSO call that reads the TSC), more than the
//! arc-swap load it would sit beside, and the budget for the whole hot path is 1.2x
//! that load. A session's refresh point is known when it is published, so the clock need not
//! be read on every call: this thread sleeps until [`LEAD`] before the refresh point and then
//! sets the session's `near_refresh` flag. From then on callers take the slow path, which reads
//! the precise clock and decides exactly as before (still fresh, due for a refresh, expired).
//! So the flag only ever sends callers to the precise check early, never late, as long as this
//! thread wakes within [`LEAD`] of its deadline.
//!
//! The thread is started on the first login that returns an expiry, parks while there is
//! nothing to watch, holds only `Weak` references (a dropped session is skipped), and never
//! runs user code. If it cannot be started, every session is flagged at once and every call
//! reads the clock (the behaviour without the timer: correct, slower).
//!
//! # Under loom
//!
//! Not compiled: [`watch`] flags the session at once, so models always take the precise path,
//! on the model clock.

#[cfg(not(selvedge_loom))]
use std::time::Duration;

use selvedge_locks::sync::Arc;

use crate::current::Current;

/// How long before a session's refresh point the timer flags it: the timer's allowed lateness.
#[cfg(not(selvedge_loom))]
pub(crate) const LEAD: Duration = Duration::from_millis(10);

/// Arranges for `current` to be flagged [`LEAD`] before its refresh point (at once if that has
/// passed, or if the timer cannot run). Sessions without a refresh point are never flagged.
pub(crate) fn watch<S: Send + Sync + 'static>(current: &Arc<Current<S>>) {
    let Some(refresh_at) = current.refresh_at() else {
        return;
    };
    #[cfg(not(selvedge_loom))]
    {
        let wake_at = refresh_at.checked_sub(LEAD).unwrap_or(refresh_at);
        if wake_at > crate::clock::now()
            && let Some(timer) = timer::get()
        {
            let weak: std::sync::Weak<Current<S>> = Arc::downgrade(current);
            timer.push(wake_at, weak);
            return;
        }
    }
    #[cfg(selvedge_loom)]
    let _ = refresh_at;
    current.flag_near_refresh();
}

/// Something the timer can flag: a published session, type-erased.
pub(crate) trait Flag: Send + Sync {
    fn flag(&self);
}

impl<S: Send + Sync> Flag for Current<S> {
    fn flag(&self) {
        self.flag_near_refresh();
    }
}

#[cfg(not(selvedge_loom))]
mod timer {
    //! The thread and its queue.

    use std::cmp::Ordering;
    use std::collections::BinaryHeap;
    // `Weak` from std: the facade has none, and this module is not compiled under loom, where
    // the facade's `Arc` is loom's.
    use std::sync::{OnceLock, Weak};
    use std::time::Instant;

    use selvedge_locks::sync::{Condvar, Mutex, thread};

    use super::Flag;

    /// One session to flag at `at`.
    struct Entry {
        at: Instant,
        target: Weak<dyn Flag>,
    }

    impl PartialEq for Entry {
        fn eq(&self, other: &Self) -> bool {
            self.at == other.at
        }
    }

    impl Eq for Entry {}

    impl PartialOrd for Entry {
        fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
            Some(self.cmp(other))
        }
    }

    impl Ord for Entry {
        /// Reversed: `BinaryHeap` is a max-heap, the timer wants the earliest entry on top.
        fn cmp(&self, other: &Self) -> Ordering {
            other.at.cmp(&self.at)
        }
    }

    pub(super) struct Timer {
        queue: Mutex<BinaryHeap<Entry>>,
        /// Notified when an entry earlier than every other is pushed.
        earlier: Condvar,
    }

    /// The process's timer, started on first use; `None` if its thread could not be started.
    pub(super) fn get() -> Option<&'static Timer> {
        static TIMER: OnceLock<Option<&'static Timer>> = OnceLock::new();
        *TIMER.get_or_init(|| {
            let timer: &'static Timer = Box::leak(Box::new(Timer {
                queue: Mutex::new(BinaryHeap::new()),
                earlier: Condvar::new(),
            }));
            thread::Builder::new()
                .name("selvedge-session-refresh".into())
                .spawn(move || timer.run())
                .ok()
                .map(|_| timer)
        })
    }

    impl Timer {
        pub(super) fn push(&self, at: Instant, target: Weak<dyn Flag>) {
            let mut queue = self.queue.lock();
            let is_earliest = queue.peek().is_none_or(|top| at < top.at);
            queue.push(Entry { at, target });
            drop(queue);
            if is_earliest {
                self.earlier.notify_one();
            }
        }

        fn run(&self) {
            let mut due = Vec::new();
            let mut queue = self.queue.lock();
            loop {
                let now = Instant::now();
                while queue.peek().is_some_and(|top| top.at <= now) {
                    due.extend(queue.pop());
                }
                if !due.is_empty() {
                    // Flagged and released without the lock: dropping an upgraded `Arc` may
                    // drop the session, which is user code.
                    drop(queue);
                    for entry in due.drain(..) {
                        if let Some(target) = entry.target.upgrade() {
                            target.flag();
                        }
                    }
                    queue = self.queue.lock();
                    continue;
                }
                match queue.peek().map(|top| top.at) {
                    Some(at) => {
                        self.earlier
                            .wait_for(&mut queue, at.saturating_duration_since(now));
                    }
                    None => self.earlier.wait(&mut queue),
                }
            }
        }
    }
}
