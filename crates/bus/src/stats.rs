//! [`BusStats`], [`TopicStats`] and [`SubscriberStats`]: what [`Bus::stats`](crate::Bus::stats)
//! reports.

use std::fmt;

/// A snapshot of a bus's counters: events published to no topic at all, then each topic.
///
/// ```
/// use selvedge_bus::Bus;
///
/// let bus = Bus::new()?;
/// let _sub = bus.subscriber::<u32>().name("audit").subscribe(|_: &u32| ())?;
/// bus.publish(&1_u32)?;
/// bus.publish(&"nobody listens")?;
/// let stats = bus.stats();
/// assert_eq!(stats.dead, 1);
/// let topic = stats.topic("u32").unwrap();
/// assert_eq!(topic.subscribers[0].name, "audit");
/// assert_eq!(topic.subscribers[0].delivered, 1);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Default)]
#[non_exhaustive]
pub struct BusStats {
    /// Dead events: published (synchronously or not) when nobody subscribed, on any topic.
    pub dead: u64,
    /// Every topic created so far, named topics by their name, typed ones by type name.
    pub topics: Vec<TopicStats>,
}

impl BusStats {
    /// The topic named `name`, if it exists.
    ///
    /// ```
    /// let bus = selvedge_bus::Bus::new().unwrap();
    /// assert!(bus.stats().topic("chat").is_none());
    /// ```
    pub fn topic(&self, name: &str) -> Option<&TopicStats> {
        self.topics.iter().find(|t| t.name == name)
    }
}

/// One topic's counters.
///
/// ```
/// let bus = selvedge_bus::Bus::new().unwrap();
/// bus.topic::<u8>().publish(&1).unwrap();
/// let stats = bus.stats();
/// assert_eq!(stats.topic("u8").unwrap().published, 1);
/// assert_eq!(stats.topic("u8").unwrap().dead, 1);
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Default)]
#[non_exhaustive]
pub struct TopicStats {
    /// The topic's name.
    pub name: String,
    /// Events published to it, synchronously or not.
    pub published: u64,
    /// Of those, events it had no subscriber for.
    pub dead: u64,
    /// Its current subscribers, in subscription order.
    pub subscribers: Vec<SubscriberStats>,
}

/// One subscriber's counters. `published` counts the events offered to it; each ends as
/// `delivered` (the handler returned), `failed` (it panicked), `lagged` (dropped by
/// [`Overflow::DropOldest`](crate::Overflow)), `rejected` (refused by its full queue or its
/// pool), or is still `queued`. Synchronous deliveries are counted from the topic's publish
/// count, so a publish racing this subscriber's own subscription may be counted on either
/// side; once nothing races, `published == delivered + failed + lagged + rejected + queued`.
///
/// ```
/// use selvedge_bus::Bus;
///
/// let bus = Bus::new()?;
/// let _sub = bus.subscribe(|n: &i32| assert!(*n >= 0, "negative"));
/// bus.publish(&1)?;
/// bus.publish(&-1)?; // contained, counted, reported
/// let stats = bus.stats();
/// let s = &stats.topic("i32").unwrap().subscribers[0];
/// assert_eq!((s.published, s.delivered, s.failed), (2, 1, 1));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Default)]
#[non_exhaustive]
pub struct SubscriberStats {
    /// Its name (`"subscriber-N"` unless given).
    pub name: String,
    /// Events offered to it.
    pub published: u64,
    /// Events its handler ran to completion.
    pub delivered: u64,
    /// Events its handler panicked on.
    pub failed: u64,
    /// Asynchronous events waiting in its queue.
    pub queued: usize,
    /// Asynchronous events dropped, oldest first, to make room
    /// ([`Overflow::DropOldest`](crate::Overflow)).
    pub lagged: u64,
    /// Asynchronous events refused (full queue, or its pool refused).
    pub rejected: u64,
}

impl fmt::Display for SubscriberStats {
    /// One line: `name: published P, delivered D, failed F, queued Q, lagged L, rejected R`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}: published {}, delivered {}, failed {}, queued {}, lagged {}, rejected {}",
            self.name,
            self.published,
            self.delivered,
            self.failed,
            self.queued,
            self.lagged,
            self.rejected
        )
    }
}
