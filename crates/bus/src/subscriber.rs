//! One subscriber: its [`Callback`] (the handler, its live flag and synchronous failure
//! count: all a synchronous publish touches, and all a thread's snapshot cache keeps), its
//! asynchronous counters, and its lane for asynchronous delivery (a bounded mailbox drained in
//! order by one [`Strand`]).
//!
//! # The lane
//!
//! Events wait in a bounded mailbox; `scheduled` (under the mailbox lock) says whether a
//! drain task is queued on the subscriber's strand or running. A publisher that pushes into a
//! mailbox with no drain schedules one; the drain delivers up to `LANE_BATCH` events front to
//! back, then either finds the mailbox empty and clears `scheduled` under the same lock hold
//! (so no event is left without a drain), or queues itself again on the strand, whose batch of
//! one hands the worker back to the pool in between. So:
//!
//! - order: one drain at a time, always taking the front: events are handled in the order
//!   they entered the mailbox;
//! - bound: the mailbox never exceeds its capacity, and the strand holds at most one task;
//!   `DropOldest` drops the front to make room;
//! - a refused drain (the pool shut down or saturated) takes the publisher's own event back
//!   out (found by pointer), counted `rejected` and reported; events others queued meanwhile
//!   stay for the next drain, or come back from `close`.
//!
//! A drain never holds the mailbox lock while the handler runs, and a publisher never holds
//! it while submitting to the strand (a caller-runs pool may run the drain right there).

use std::collections::VecDeque;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::time::Instant;

use selvedge_locks::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use selvedge_locks::sync::{Arc, PlainCondvar, PlainMutex};
use selvedge_pool::Strand;

use crate::{Overflow, SubscriberStats, events};

/// Events one drain task delivers before queueing itself again on the lane's strand.
const LANE_BATCH: usize = 32;

/// A handler as stored: called by shared reference from any thread.
pub(crate) type Handler<E> = Box<dyn Fn(&E) + Send + Sync + 'static>;

/// What synchronous publishes call: the handler, whether it is still subscribed, and its
/// synchronous failures. Kept apart from the lane so that a thread's snapshot cache, which may
/// hold a list after its subscribers left (see `snapshot`), never keeps a strand, and with it
/// the pool, alive.
pub(crate) struct Callback<E> {
    name: String,
    topic: String,
    handler: Handler<E>,
    /// False once unsubscribed: no new call starts.
    live: AtomicBool,
    sync_failed: AtomicU64,
}

impl<E> Callback<E> {
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
        events::handler_panicked(&self.topic, &self.name, selvedge_trace::panic_text(payload));
    }
}

/// One subscription to one topic.
pub(crate) struct Subscriber<E> {
    pub(crate) id: u64,
    pub(crate) callback: Arc<Callback<E>>,
    /// The topic's synchronous publish count when this subscriber joined (see `stats`).
    joined_at: u64,
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
    mailbox: PlainMutex<Mailbox<E>>,
    /// Blocked publishers (`Overflow::Block`) wait here for room.
    space: PlainCondvar,
    /// `close` waits here for the mailbox to empty.
    idle: PlainCondvar,
    capacity: usize,
    overflow: Overflow,
}

struct Mailbox<E> {
    events: VecDeque<Arc<E>>,
    /// A drain is queued on the strand or running (at most one exists).
    scheduled: bool,
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
            callback: Arc::new(Callback {
                name: settings.name,
                topic,
                handler,
                live: AtomicBool::new(true),
                sync_failed: AtomicU64::new(0),
            }),
            joined_at,
            async_offered: AtomicU64::new(0),
            async_delivered: AtomicU64::new(0),
            async_failed: AtomicU64::new(0),
            lagged: AtomicU64::new(0),
            rejected: AtomicU64::new(0),
            lane: Lane {
                strand,
                mailbox: PlainMutex::new(Mailbox {
                    events: VecDeque::new(),
                    scheduled: false,
                    closed: false,
                }),
                space: PlainCondvar::new(),
                idle: PlainCondvar::new(),
                capacity: settings.capacity,
                overflow: settings.overflow,
            },
        }
    }

    /// Its name (in stats, tracing events and errors).
    pub(crate) fn name(&self) -> &str {
        &self.callback.name
    }

    /// Offers an event for asynchronous delivery, applying the overflow policy.
    /// (An associated function: loom's `Arc` cannot be a `self` type.)
    pub(crate) fn offer(this: &Arc<Self>, event: &Arc<E>) -> Offer {
        let lane = &this.lane;
        let mut mb = lane.mailbox.lock();
        if !this.callback.live.load(Ordering::Acquire) {
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
                    mb.events.pop_front();
                    this.lagged.fetch_add(1, Ordering::Relaxed);
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
        if !this.callback.live.load(Ordering::Acquire) {
            return Offer::Gone;
        }
        if mb.closed {
            drop(mb);
            return this.refuse("closed");
        }
        mb.events.push_back(Arc::clone(event));
        if mb.scheduled {
            return Offer::Queued;
        }
        mb.scheduled = true;
        drop(mb);
        let sub = Arc::clone(this);
        match lane.strand.execute(move || Self::drain(&sub)) {
            Ok(()) => Offer::Queued,
            Err(err) => {
                // No drain existed, so nobody popped: our event is still queued. Take it back;
                // events queued meanwhile by others stay, for the next drain or `close`.
                let mut mb = lane.mailbox.lock();
                mb.scheduled = false;
                if let Some(at) = mb.events.iter().rposition(|e| Arc::ptr_eq(e, event)) {
                    mb.events.remove(at);
                }
                drop(mb);
                lane.idle.notify_all();
                this.refuse(&err.to_string())
            }
        }
    }

    #[cold]
    fn refuse(&self, reason: &str) -> Offer {
        self.rejected.fetch_add(1, Ordering::Relaxed);
        events::delivery_refused(&self.callback.topic, &self.callback.name, reason);
        Offer::Refused
    }

    /// The lane's drain, a strand task: delivers up to `LANE_BATCH` events in order, then
    /// either finds the mailbox empty (and unschedules itself under the same lock hold in
    /// which it looked) or queues itself again on the strand, so other lanes sharing the pool
    /// get their turn.
    fn drain(this: &Arc<Self>) {
        let lane = &this.lane;
        loop {
            let mut mb = lane.mailbox.lock();
            for _ in 0..LANE_BATCH {
                let Some(event) = mb.events.pop_front() else {
                    mb.scheduled = false;
                    drop(mb);
                    lane.idle.notify_all();
                    return;
                };
                drop(mb);
                lane.space.notify_one();
                this.deliver(&event);
                mb = lane.mailbox.lock();
            }
            if mb.events.is_empty() {
                mb.scheduled = false;
                drop(mb);
                lane.idle.notify_all();
                return;
            }
            drop(mb);
            let sub = Arc::clone(this);
            // Inside the strand's own task its `execute` only queues, so it is refused only
            // once the pool has shut down: then this drain goes on here, in order.
            if lane.strand.execute(move || Self::drain(&sub)).is_ok() {
                return;
            }
        }
    }

    /// One asynchronous delivery, unless unsubscribed meanwhile.
    fn deliver(&self, event: &E) {
        let callback = &*self.callback;
        if !callback.live.load(Ordering::Acquire) {
            return;
        }
        match catch_unwind(AssertUnwindSafe(|| (callback.handler)(event))) {
            Ok(()) => self.async_delivered.fetch_add(1, Ordering::Relaxed),
            Err(payload) => {
                callback.report_panic(&*payload);
                self.async_failed.fetch_add(1, Ordering::Relaxed)
            }
        };
    }

    /// Unsubscribes: no new call starts, and the events still queued are discarded.
    /// Returns how many.
    pub(crate) fn retire(&self) -> usize {
        self.callback.live.store(false, Ordering::Release);
        let mut mb = self.lane.mailbox.lock();
        mb.closed = true;
        let discarded = mb.events.len();
        mb.events.clear();
        drop(mb);
        self.lane.space.notify_all();
        discarded
    }

    /// Closes the lane: waits until the mailbox is empty and no delivery runs, or
    /// `deadline`; returns the events still undelivered.
    pub(crate) fn close(&self, deadline: Option<Instant>) -> Vec<Arc<E>> {
        let lane = &self.lane;
        let mut mb = lane.mailbox.lock();
        mb.closed = true;
        lane.space.notify_all();
        // A lane with events and no drain (its drain was refused) would wait for nothing.
        while mb.scheduled {
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
        let sync_failed = self.callback.sync_failed.load(Ordering::Relaxed);
        let async_failed = self.async_failed.load(Ordering::Relaxed);
        SubscriberStats {
            name: self.callback.name.clone(),
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
