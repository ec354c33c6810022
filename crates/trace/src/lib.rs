//! The shared tracing schema of selvedge.
//!
//! Every selvedge crate reports through [`tracing`] with the targets, event names and field
//! names defined here, so one subscriber filter (`selvedge=debug`, or `selvedge::locks=trace`)
//! covers the whole family and a test can assert on an event by name. Nothing here runs on a
//! fast path: events are emitted only on slow paths (a contended lock, a rejected task, a
//! panicking callback), and the [`WaitTimer`] that measures a wait costs one cached-interest
//! check when nobody listens.
//!
//! - [`targets`]: one target per crate (`selvedge::locks`, `selvedge::pool`, ...).
//! - [`events`]: the name of every event any selvedge crate emits.
//! - [`fields`]: the standard field names those events carry.
//! - [`WaitTimer`] and [`wait_timer!`]: time a wait only when its event would be recorded.
//! - `testing::capture` (feature `testing`): the events emitted inside a closure, for tests.
//!
//! # The event schema
//!
//! | event name ([`events`]) | target | level | fields |
//! | --- | --- | --- | --- |
//! | `lock.contended` | `selvedge::locks` | DEBUG | `name`, `location`, `wait_ns` |
//! | `lock.order_violation` | `selvedge::locks` | ERROR | `name`, `location`, `held`, `held_location`, `first_location` |
//! | `pool.worker_started` | `selvedge::pool` | DEBUG | `pool`, `thread` |
//! | `pool.worker_stopped` | `selvedge::pool` | DEBUG | `pool`, `thread`, `reason` |
//! | `pool.task_rejected` | `selvedge::pool` | WARN | `pool`, `task_id`, `reason` |
//! | `pool.task_panicked` | `selvedge::pool` | ERROR | `pool`, `task_id`, `message` |
//! | `pool.task_failed` | `selvedge::pool` | WARN | `pool`, `task_id`, `message` |
//! | `pool.stats` | `selvedge::pool` | INFO | `pool`, `stats` |
//! | `pool.task_slow` | `selvedge::pool` | WARN | `pool`, `task_id`, `busy_ns` |
//! | `pool.callback_panicked` | `selvedge::pool` | ERROR | `pool`, `task_id`, `message` |
//! | `pool.strand_task_panicked` | `selvedge::pool` | ERROR | `pool`, `message` |
//! | `bus.handler_panicked` | `selvedge::bus` | ERROR | `topic`, `subscriber`, `message` |
//! | `bus.dead_event` | `selvedge::bus` | DEBUG | `topic` |
//! | `bus.delivery_refused` | `selvedge::bus` | WARN | `topic`, `subscriber`, `reason` |
//! | `singleton.init_failed` | `selvedge::singleton` | WARN | `name`, `message` |
//! | `collections.reentrant_use` | `selvedge::collections` | ERROR | `location` |
//! | `session.login` | `selvedge::session` | INFO | `name`, `flight`, `attempts`, `login_ns` |
//! | `session.refresh` | `selvedge::session` | INFO | `name`, `flight`, `attempts`, `login_ns` |
//! | `session.login_retry` | `selvedge::session` | DEBUG | `name`, `flight`, `attempts`, `wait_ns`, `message` |
//! | `session.login_failed` | `selvedge::session` | WARN | `name`, `flight`, `attempts`, `login_ns`, `message` |
//! | `session.wait_timeout` | `selvedge::session` | WARN | `name`, `flight`, `wait_ns` |
//! | `session.invalidated` | `selvedge::session` | INFO | `name`, `flight` |
//! | `session.logout` | `selvedge::session` | INFO | `name`, `flight` |
//!
//! Field meanings (names in [`fields`]): `name` is the user-given name of a lock, global or
//! session manager (`"unnamed"` when none was given); `location` is a `file:line:column` call
//! site (from `#[track_caller]`); `wait_ns`, `busy_ns` and `login_ns` are nanoseconds as `u64`;
//! `task_id` is a pool-unique `u64`; `pool` and `thread` are names; `reason` and `message` are
//! human text (for `pool.task_failed`, the `Debug` text of the task's error); `stats` is a
//! pool's statistics as one line (`PoolStats`'s `Display`); `topic` and `subscriber` are the
//! names of a bus topic and of one of its subscribers; `flight` numbers a session manager's
//! logins (every event of one login carries it) and `attempts` counts the authenticator calls
//! of that flight so far.
//!
//! # Examples
//!
//! Subscribe to every selvedge event at DEBUG and above with `tracing-subscriber`'s
//! `EnvFilter` syntax: `RUST_LOG=selvedge=debug`. In code, match on the constants:
//!
//! ```
//! use selvedge_trace::{events, targets};
//!
//! // A filter callback that keeps selvedge's lock events only.
//! fn keep(meta: &tracing::Metadata<'_>) -> bool {
//!     meta.target() == targets::LOCKS && meta.name() == events::LOCK_CONTENDED
//! }
//! # let _ = keep;
//! ```
#![cfg_attr(docsrs, feature(doc_cfg))]
#![deny(missing_docs)]
#![forbid(unsafe_code)]

pub mod events;
pub mod fields;
mod panic_text;
pub mod targets;
#[cfg(feature = "testing")]
pub mod testing;
mod wait_timer;

pub use panic_text::panic_text;
pub use wait_timer::WaitTimer;

/// Re-exports for the macros of this crate; not public API.
#[doc(hidden)]
pub mod __private {
    pub use tracing;
}
