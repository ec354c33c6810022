//! A typed in-process event bus that cannot deadlock its handlers, isolates their failures
//! and bounds every queue.
//!
//! - [`Bus`]: topics per event type ([`Bus::topic`], [`Bus::subscribe`], [`Bus::publish`],
//!   [`Bus::publish_async`]) or per name ([`Bus::named`], [`Bus::subscribe_to`],
//!   [`Bus::publish_to`]); [`BusBuilder`] configures it (typed [`BuildError`]).
//! - [`Topic`]: one topic's handle, for publishing without a lookup;
//!   [`SubscriberBuilder`] names a subscriber and sets its queue.
//! - [`Subscription`]: drop it or [`unsubscribe`](Subscription::unsubscribe) it.
//! - [`Overflow`]: what a full subscriber queue does (reject, block with a timeout, or drop
//!   the oldest and count the lag).
//! - [`BusStats`], [`TopicStats`], [`SubscriberStats`]: counters; [`CloseReport`] and
//!   [`Undelivered`]: what [`Bus::close`] hands back; [`BusError`], [`PublishError`]: refusals.
//!
//! # Motivation
//!
//! Seed 002's `EventBus` copies the subscriber list under a lock and starts one OS thread per
//! callback per publish:
//!
//! ```python
//! class EventBus:
//!     def subscribe(self, event_type, callback):
//!         with self._lock:
//!             self._subscribers[event_type].append(callback)
//!     def unsubscribe(self, event_type, callback):
//!         with self._lock:
//!             self._subscribers[event_type].remove(callback)   # a lambda cannot be removed
//!     def publish(self, event_type, *args, **kwargs):
//!         with self._lock:
//!             callbacks = self._subscribers[event_type].copy()
//!         for callback in callbacks:
//!             threading.Thread(target=callback, args=args, daemon=True).start()
//!
//! bus.subscribe("user.joined", on_join)
//! bus.publish("user.joined", "ada", room="rust")
//! ```
//!
//! It got the snapshot right, and the rest wrong: a thread per callback per publish (a
//! thousand times the cost of a pool task), no order between two events to one subscriber,
//! daemon threads that lose events at exit, exceptions that vanish on a background thread,
//! and no way to unsubscribe a lambda. Here, typed events replace `*args`, a [`Subscription`]
//! handle replaces the callback identity, synchronous delivery runs in the publisher's thread,
//! asynchronous delivery runs on a pool in order per subscriber with a bounded queue,
//! panics are contained and reported, and [`Bus::close`] delivers or hands back:
//!
//! ```
//! use selvedge_bus::Bus;
//! use std::sync::{Arc, Mutex};
//! use std::time::Duration;
//!
//! #[derive(Debug, Clone)]
//! struct UserJoined { user: String, room: String }
//!
//! let bus = Bus::new()?;
//! let joined = Arc::new(Mutex::new(Vec::new()));
//! let on_join = {
//!     let joined = Arc::clone(&joined);
//!     bus.subscribe(move |e: &UserJoined| joined.lock().unwrap().push(e.user.clone()))
//! };
//! bus.publish(&UserJoined { user: "ada".into(), room: "rust".into() })?; // in this thread
//! bus.publish_async(UserJoined { user: "bob".into(), room: "rust".into() })?; // on the pool
//! assert!(bus.close(Duration::from_secs(5)).is_complete()); // nothing lost at exit
//! assert_eq!(*joined.lock().unwrap(), ["ada", "bob"]);
//! on_join.unsubscribe();
//!
//! // The seed's string topics, typed per name:
//! let bus = Bus::new()?;
//! let _s = bus.subscribe_to("user.joined", |name: &String| println!("{name} joined"))?;
//! assert_eq!(bus.publish_to("user.joined", &"ada".to_owned())?, 1);
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! # Recipes
//!
//! - **Hot path**: keep a [`Topic`] (`bus.topic::<E>()`) and publish through it: no lookup.
//! - **A slow consumer must not slow the publisher**: `publish_async` with
//!   [`Overflow::DropOldest`] for "latest state wins" consumers, or [`Overflow::Reject`] and
//!   handle [`PublishError::Rejected`]; [`Overflow::Block`] for backpressure.
//! - **Handlers that publish**: allowed, synchronously or not (see [`Bus`], "Re-entrancy").
//! - **Shut down cleanly**: `bus.close(timeout)`, then persist or replay
//!   [`CloseReport::undelivered`].
//! - **Monitoring**: `bus.stats()` per subscriber; the tracing events `bus.handler_panicked`,
//!   `bus.dead_event` and `bus.delivery_refused` (target `selvedge::bus`).
//!
//! # Comparison
//!
//! | | `selvedge-bus` | seed 002 `EventBus` | Guava `EventBus` | tokio `broadcast` | crossbeam-channel fan-out |
//! | --- | --- | --- | --- | --- | --- |
//! | event types | typed, or typed per name | strings + `*args` | by class | one per channel | one per channel |
//! | sync delivery | in publisher's thread | no | yes | no | no |
//! | async delivery | pool, FIFO per subscriber | thread per callback | executor | receiver tasks | receiver threads |
//! | bounded | per subscriber, 3 policies | no | no | yes, lossy | if you choose |
//! | handler panics | contained, counted, traced | lost | logged | n/a | kill the receiver |
//! | re-entrant publish / unsubscribe | yes, no deadlock | yes | queued, hidden | n/a | n/a |
//! | dead events | counted, traced | no | `DeadEvent` | error | n/a |
//! | unsubscribe a closure | handle | no | by object | drop receiver | drop receiver |
//! | close | deliver or hand back | lost | n/a | drop | drain |
//!
//! # Performance
//!
//! A synchronous publish through a [`Topic`] takes its subscriber list from the publishing
//! thread's cache of it: one load of the topic's version to check that the cached list is
//! current, and one bump of a publish counter that only this thread writes. No lock, no atomic
//! read-modify-write, no fence and no reference count before the first handler runs. Each
//! handler is then called through `catch_unwind` (free when nothing panics) after one flag
//! load. The first publish after a subscribe or unsubscribe reloads the list (an arc-swap
//! load and one `Arc` clone). `Bus::publish` finds the same cache entry by bus and event type;
//! only its first publish to a topic (and every dead event) reads the registry under its
//! reader-biased lock. Against calling the same counting closures from a `Vec`, on a 2-vCPU
//! machine, that came to about 1.45x for one closure (whose own cost is about 6 ns) and about
//! 1.05x for 8 through a `Topic`, and about 2.8x and 1.2x through `Bus::publish`.
//! An asynchronous publish allocates the shared event once and, per subscriber, takes its
//! mailbox lock and pushes; a subscriber's drain is submitted only when its lane was idle and
//! delivers up to 32 events per strand task. Fanned out to 8 subscribers on a 2-worker pool it
//! ran at 0.7x a crossbeam-channel fan-out with a thread per subscriber, and ~500x the seed's
//! thread per callback. Figures and the command: `docs/benchmarks.md`.
//!
//! # Limitations
//!
//! - A publish delivers to the subscriber list as of its start: a subscriber added during a
//!   publish misses that event.
//! - Synchronous delivery counts come from the topic's publish count: a publish racing a
//!   subscription may be counted on either side of it (see [`SubscriberStats`]).
//! - An unsubscribed handler is not called by any publish that starts after the unsubscribe
//!   returned (one under way on another thread may still make the call it had decided on), but
//!   it is *dropped* (with what it
//!   captured) only once no thread's cache holds the subscriber list it was in: each thread
//!   that published to the topic synchronously keeps its last list until it publishes to that
//!   topic again, publishes after any other edit to a topic it caches, caches 8 newer topics,
//!   or exits. Do not signal anything from a handler's captures' `Drop`. (Its asynchronous
//!   lane, and so the pool, are never kept by a cache.)
//! - Events of asynchronous publishes are shared (`Arc<E>`), so handlers get `&E`, never `E`.
//! - The publisher picks the delivery mode for every subscriber of a topic: `publish` calls
//!   them all in its thread, `publish_async` queues for them all. For "fan out now, archive
//!   later", use two event types (as the `chat_room` example does).
//! - Under loom (`--cfg selvedge_loom`) timed waits never time out: `Overflow::Block` and
//!   `close` timeouts are covered by real-thread tests.
//!
//! # MSRV
//!
//! The workspace's `rust-version` (1.95).
#![cfg_attr(docsrs, feature(doc_cfg))]
#![deny(missing_docs)]
#![forbid(unsafe_code)]

mod bus;
mod close;
mod error;
mod events;
mod overflow;
mod snapshot;
mod stats;
mod subscriber;
mod subscription;
mod topic;

pub use bus::{Bus, BusBuilder};
pub use close::{CloseReport, Undelivered};
pub use error::{BuildError, BusError, PublishError};
pub use overflow::Overflow;
pub use stats::{BusStats, SubscriberStats, TopicStats};
pub use subscription::Subscription;
pub use topic::{SubscriberBuilder, Topic};
