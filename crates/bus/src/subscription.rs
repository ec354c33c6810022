//! [`Subscription`]: the handle that keeps a handler subscribed.

use std::fmt;

/// Unsubscribes its topic's subscriber, returning how many queued events it discarded.
pub(crate) type Cancel = Box<dyn FnOnce() -> usize + Send + Sync + 'static>;

/// Keeps one handler subscribed: drop it or call [`unsubscribe`](Self::unsubscribe) to stop
/// deliveries, or [`detach`](Self::detach) it to stay subscribed for the bus's lifetime.
///
/// After the unsubscribe returns, no publish that starts afterwards calls the handler, and
/// asynchronous events still queued for it are discarded (their number is returned). A
/// synchronous publish already under way on another thread may still make one call that it
/// decided on (by reading the subscription's live flag) just before the unsubscribe; a call
/// already running finishes. Other subscribers are never skipped, even when the unsubscribe happens
/// inside a handler during a publish.
///
/// # Examples
///
/// The seed's Python could not unsubscribe a lambda (`list.remove` compares the function
/// object); here the handle is the identity:
///
/// ```
/// use selvedge_bus::Bus;
/// use std::sync::Arc;
/// use std::sync::atomic::{AtomicUsize, Ordering};
///
/// let bus = Bus::new()?;
/// let seen = Arc::new(AtomicUsize::new(0));
/// let sub = {
///     let seen = Arc::clone(&seen);
///     bus.subscribe(move |_: &u8| { seen.fetch_add(1, Ordering::Relaxed); })
/// };
/// bus.publish(&1_u8)?;
/// assert_eq!(sub.unsubscribe(), 0);
/// bus.publish(&2_u8)?; // a dead event now
/// assert_eq!(seen.load(Ordering::Relaxed), 1);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[must_use = "dropping a Subscription unsubscribes at once; call `detach` to keep it"]
pub struct Subscription {
    name: String,
    cancel: Option<Cancel>,
}

impl Subscription {
    pub(crate) fn new(name: String, cancel: Cancel) -> Self {
        Self {
            name,
            cancel: Some(cancel),
        }
    }

    /// The subscriber's name, as in its stats and tracing events.
    ///
    /// ```
    /// let bus = selvedge_bus::Bus::new().unwrap();
    /// let sub = bus.subscriber::<u8>().name("audit").subscribe(|_: &u8| ()).unwrap();
    /// assert_eq!(sub.name(), "audit");
    /// ```
    pub fn name(&self) -> &str {
        &self.name
    }

    /// Unsubscribes now; returns how many asynchronous events queued for it were discarded.
    ///
    /// ```
    /// let bus = selvedge_bus::Bus::new().unwrap();
    /// let sub = bus.subscribe(|_: &u8| ());
    /// assert_eq!(sub.unsubscribe(), 0);
    /// ```
    pub fn unsubscribe(mut self) -> usize {
        self.cancel.take().map_or(0, |cancel| cancel())
    }

    /// Keeps the handler subscribed for as long as its topic lives, without a handle.
    ///
    /// ```
    /// let bus = selvedge_bus::Bus::new().unwrap();
    /// bus.subscribe(|_: &u8| ()).detach();
    /// assert_eq!(bus.publish(&1_u8), Ok(1));
    /// ```
    pub fn detach(mut self) {
        self.cancel = None;
    }
}

impl Drop for Subscription {
    fn drop(&mut self) {
        if let Some(cancel) = self.cancel.take() {
            cancel();
        }
    }
}

impl fmt::Debug for Subscription {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Subscription")
            .field("name", &self.name)
            .field("subscribed", &self.cancel.is_some())
            .finish()
    }
}
