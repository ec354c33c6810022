//! [`Overflow`]: what an asynchronous delivery does when its subscriber's queue is full.

use std::time::Duration;

/// What [`publish_async`](crate::Bus::publish_async) does for a subscriber whose queue
/// already holds its capacity of undelivered events. Every subscriber's queue is bounded
/// ([`SubscriberBuilder::capacity`](crate::SubscriberBuilder::capacity), 1024 by default):
/// a slow handler costs at most that much memory, never a thread.
///
/// | policy | the publisher | the event | counted as |
/// | --- | --- | --- | --- |
/// | `Reject` (default) | returns at once | not queued for this subscriber | `rejected` |
/// | `Block(t)` | waits up to `t` for room | queued, or after `t` not queued | `rejected` if not queued |
/// | `DropOldest` | returns at once | queued; the oldest undelivered event is dropped | `lagged` |
///
/// A refusal is reported to the publisher in [`PublishError::Rejected`](crate::PublishError),
/// with the names of the subscribers that refused; the other subscribers still get the event.
/// `DropOldest` is tokio broadcast's lossy mode, for subscribers that only need the latest
/// state (a dashboard, a presence list); `Block` is backpressure, which makes a fast publisher
/// wait for its slowest subscriber (never use it from a handler of the same subscriber: it
/// would wait for itself until the timeout).
///
/// # Examples
///
/// ```
/// use selvedge_bus::{Bus, Overflow};
/// use std::time::Duration;
///
/// let bus = Bus::new()?;
/// let _latest = bus
///     .subscriber::<u64>()
///     .name("dashboard")
///     .capacity(8)
///     .overflow(Overflow::DropOldest)
///     .subscribe(|n: &u64| { let _ = n; });
/// let _careful = bus
///     .subscriber::<u64>()
///     .overflow(Overflow::Block(Duration::from_millis(50)))
///     .subscribe(|_: &u64| ());
/// assert_eq!(bus.publish_async(7_u64), Ok(2));
/// # Ok::<(), selvedge_bus::BuildError>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[non_exhaustive]
pub enum Overflow {
    /// Refuse the event for this subscriber.
    #[default]
    Reject,
    /// Wait up to this long for room, then refuse.
    Block(Duration),
    /// Drop the oldest undelivered event to make room, and count it as lagged.
    DropOldest,
}
