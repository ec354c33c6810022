//! One subscriber: its handler, its counters, and its lane for asynchronous delivery (a
//! bounded mailbox drained in order by one [`Strand`]).
//!
//! # The lane
//!
//! Each asynchronous event is pushed into the mailbox and one strand task is submitted to
//! deliver "the mailbox's front". Invariant, under the mailbox lock: the strand holds exactly
//! as many delivery tasks as the mailbox holds events (after `close` or an unsubscribe took
//! the events out, the rest find it empty and do nothing). So:
//!
//! - order: tasks run one at a time in order and each takes the front, so events are handled
//!   in the order they entered the mailbox;
//! - bound: the mailbox never exceeds its capacity, and neither does the strand's queue;
//!   `DropOldest` replaces the front's event by the new one at the back without a new task;
//! - a refused strand submission (the pool is shut down or saturated) takes the newest event
//!   back out, so the counts still match; it is counted `rejected` and reported.
//!
//! A delivery task never holds the mailbox lock while the handler runs, and a publisher never
//! holds it while submitting to the strand (a caller-runs pool may run the task right there).

use std::collections::VecDeque;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::time::Instant;

use selvedge_locks::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use selvedge_locks::sync::{Arc, Condvar, Mutex};
use selvedge_pool::Strand;

use crate::{Overflow, SubscriberStats, events};

/// A handler as stored: called by shared reference from any thread.
pub(crate) type Handler<E> = Box<dyn Fn(&E) + Send + Sync + 'static>;

/// One subscription to one topic.
pub(crate) struct Subscriber<E> {
    pub(crate) id: u64,
    pub(crate) name: String,
    pub(crate) topic: String,
    handler: Handler<E>,
    /// False once unsubscribed: no new call starts.
    live: AtomicBool,
    /// The topic's synchronous publish count when this subscriber joined (see `stats`).
    joined_at: u64,
    sync_failed: AtomicU64,
    async_offered: AtomicU64,
    async_delivered: AtomicU64,
    async_failed: AtomicU64,
    lagged: AtomicU64,
    rejected: AtomicU64,
    lane: Lane<E>,
}

/// The asynchronous side: a bounded mailbox and the strand that drains it.
struct Lane<E> {
    strand: Strand,
    mailbox: Mutex<Mailbox<E>>,
    /// Blocked publishers (`Overflow::Block`) wait here for room.
    space: Condvar,
    /// `close` waits here for the mailbox to empty.
    idle: Condvar,
    capacity: usize,
    overflow: Overflow,
}

struct Mailbox<E> {
    events: VecDeque<Arc<E>>,
    /// A delivery task is running the handler.
    running: bool,
    /// `close` began: no new event is taken.
    closed: bool,
}

/// What offering an event to one subscriber came to.
pub(crate) enum Offer {
    Queued,
    Refused,
    /// Unsubscribed since the publish loaded its snapshot: neither queued nor refused.
    Gone,
}

/// The settings of a new subscriber.
pub(crate) struct Settings {
    pub(crate) name: String,
    pub(crate) capacity: usize,
    pub(crate) overflow: Overflow,
}

impl<E: Send + Sync + 'static> Subscriber<E> {
    pub(crate) fn new(
        id: u64,
        topic: String,
        settings: Settings,
        handler: Handler<E>,
        strand: Strand,
        joined_at: u64,
    ) -> Self {
        Self {
            id,
            name: settings.name,
            topic,
            handler,
            live: AtomicBool::new(true),
            joined_at,
            sync_failed: AtomicU64::new(0),
            async_offered: AtomicU64::new(0),
            async_delivered: AtomicU64::new(0),
            async_failed: AtomicU64::new(0),
            lagged: AtomicU64::new(0),
            rejected: AtomicU64::new(0),
            lane: Lane {
                strand,
                mailbox: Mutex::new(Mailbox {
                    events: VecDeque::new(),
                    running: false,
                    closed: false,
                }),
                space: Condvar::new(),
                idle: Condvar::new(),
                capacity: settings.capacity,
                overflow: settings.overflow,
            },
        }
    }

    /// A synchronous delivery in the publisher's thread. Returns whether the handler ran to
    /// completion.
    #[inline]
    pub(crate) fn call(&self, event: &E) -> bool {
        if !self.live.load(Ordering::Acquire) {
            return false;
        }
        match catch_unwind(AssertUnwindSafe(|| (self.handler)(event))) {
            Ok(()) => true,
            Err(payload) => {
                self.sync_failed.fetch_add(1, Ordering::Relaxed);
                self.report_panic(&*payload);
                false
            }
        }
    }

    #[cold]
    fn report_panic(&self, payload: &(dyn std::any::Any + Send)) {
        events::handler_panicked(&self.topic, &self.name, &events::panic_message(payload));
    }

    /// Offers an event for asynchronous delivery, applying the overflow policy.
    /// (An associated function: loom's `Arc` cannot be a `self` type.)
    pub(crate) fn offer(this: &Arc<Self>, event: &Arc<E>) -> Offer {
        let lane = &this.lane;
        let mut mb = lane.mailbox.lock();
        if !this.live.load(Ordering::Acquire) {
            return Offer::Gone;
        }
        this.async_offered.fetch_add(1, Ordering::Relaxed);
        let mut deadline = None;
        while mb.events.len() >= lane.capacity && !mb.closed {
            match lane.overflow {
                Overflow::Reject => {
                    drop(mb);
                    return this.refuse("queue full");
                }
                Overflow::DropOldest => {
                    // The front's task will deliver the new back: no new task.
                    mb.events.pop_front();
                    mb.events.push_back(Arc::clone(event));
                    this.lagged.fetch_add(1, Ordering::Relaxed);
                    return Offer::Queued;
                }
                Overflow::Block(timeout) => {
                    let until =
                        *deadline.get_or_insert_with(|| Instant::now().checked_add(timeout));
                    let timed_out = match until {
                        Some(until) => lane.space.wait_until(&mut mb, until).timed_out(),
                        None => {
                            lane.space.wait(&mut mb);
                            false
                        }
                    };
                    if timed_out && mb.events.len() >= lane.capacity {
                        drop(mb);
                        return this.refuse("queue stayed full for the block timeout");
                    }
                }
            }
        }
        if !this.live.load(Ordering::Acquire) {
            return Offer::Gone;
        }
        if mb.closed {
            drop(mb);
            return this.refuse("closed");
        }
        mb.events.push_back(Arc::clone(event));
        drop(mb);
        let sub = Arc::clone(this);
        match lane.strand.execute(move || Self::deliver_front(&sub)) {
            Ok(()) => Offer::Queued,
            Err(err) => {
                // Keep as many events as tasks: the newest goes (see the module docs).
                let mut mb = lane.mailbox.lock();
                mb.events.pop_back();
                let empty = mb.events.is_empty() && !mb.running;
                drop(mb);
                if empty {
                    lane.idle.notify_all();
                }
                this.refuse(&err.to_string())
            }
        }
    }

    #[cold]
    fn refuse(&self, reason: &str) -> Offer {
        self.rejected.fetch_add(1, Ordering::Relaxed);
        events::delivery_refused(&self.topic, &self.name, reason);
        Offer::Refused
    }

    /// A strand task: delivers the mailbox's front, if any.
    fn deliver_front(this: &Arc<Self>) {
        let lane = &this.lane;
        let event = {
            let mut mb = lane.mailbox.lock();
            let Some(event) = mb.events.pop_front() else {
                return;
            };
            mb.running = true;
            event
        };
        lane.space.notify_one();
        if this.live.load(Ordering::Acquire) {
            match catch_unwind(AssertUnwindSafe(|| (this.handler)(&event))) {
                Ok(()) => this.async_delivered.fetch_add(1, Ordering::Relaxed),
                Err(payload) => {
                    this.report_panic(&*payload);
                    this.async_failed.fetch_add(1, Ordering::Relaxed)
                }
            };
        }
        let mut mb = lane.mailbox.lock();
        mb.running = false;
        let empty = mb.events.is_empty();
        drop(mb);
        if empty {
            lane.idle.notify_all();
        }
    }

    /// Unsubscribes: no new call starts, and the events still queued are discarded.
    /// Returns how many.
    pub(crate) fn retire(&self) -> usize {
        self.live.store(false, Ordering::Release);
        let mut mb = self.lane.mailbox.lock();
        mb.closed = true;
        let discarded = mb.events.len();
        mb.events.clear();
        let running = mb.running;
        drop(mb);
        self.lane.space.notify_all();
        if !running {
            self.lane.idle.notify_all();
        }
        discarded
    }

    /// Closes the lane: waits until the mailbox is empty and no delivery runs, or
    /// `deadline`; returns the events still undelivered.
    pub(crate) fn close(&self, deadline: Option<Instant>) -> Vec<Arc<E>> {
        let lane = &self.lane;
        let mut mb = lane.mailbox.lock();
        mb.closed = true;
        lane.space.notify_all();
        while !mb.events.is_empty() || mb.running {
            let timed_out = match deadline {
                Some(deadline) => lane.idle.wait_until(&mut mb, deadline).timed_out(),
                None => {
                    lane.idle.wait(&mut mb);
                    false
                }
            };
            if timed_out {
                break;
            }
        }
        mb.events.drain(..).collect()
    }

    /// This subscriber's counters; `sync_published` is its topic's synchronous publish count.
    pub(crate) fn stats(&self, sync_published: u64) -> SubscriberStats {
        let sync_offered = sync_published.saturating_sub(self.joined_at);
        let sync_failed = self.sync_failed.load(Ordering::Relaxed);
        let async_failed = self.async_failed.load(Ordering::Relaxed);
        SubscriberStats {
            name: self.name.clone(),
            published: sync_offered + self.async_offered.load(Ordering::Relaxed),
            delivered: sync_offered.saturating_sub(sync_failed)
                + self.async_delivered.load(Ordering::Relaxed),
            failed: sync_failed + async_failed,
            queued: self.lane.mailbox.lock().events.len(),
            lagged: self.lagged.load(Ordering::Relaxed),
            rejected: self.rejected.load(Ordering::Relaxed),
        }
    }
}
