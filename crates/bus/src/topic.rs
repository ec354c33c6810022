//! [`Topic`]: one event type's (or one name's) subscriber list and its publish paths, and
//! [`SubscriberBuilder`].
//!
//! The subscriber list is copy-on-write: an `ArcCell` holds the current lists, publishers
//! iterate a snapshot of it without a lock (synchronous ones through their thread's cache, see
//! `snapshot`), and subscribe/unsubscribe build a new `Vec` under the topic's edit mutex, swap
//! it in and bump the topic's version. So a handler may publish, subscribe or unsubscribe
//! during a publish: nothing it does changes the snapshot being iterated, and no lock is held
//! while a handler runs.

use std::any::type_name;
use std::cell::Ref;
use std::fmt;
use std::num::NonZeroUsize;
use std::time::Instant;

use selvedge_locks::sync::atomic::{AtomicU64, Ordering};
use selvedge_locks::sync::{Arc, ArcCell, PlainMutex};
use selvedge_pool::Strand;

use crate::bus::Shared;
use crate::snapshot::{self, Cache, Callbacks, Evicted, Head, Route};
use crate::subscriber::{Callback, Offer, Settings, Subscriber};
use crate::{BuildError, BusError, PublishError, SubscriberStats, Subscription, TopicStats};

/// The subscriber list as published: whole subscribers (for asynchronous publishes, stats and
/// close), and their callbacks alone, in the same order (what synchronous publishes and the
/// thread caches hold).
struct Subscribers<E> {
    all: Vec<Arc<Subscriber<E>>>,
    callbacks: Arc<Callbacks<E>>,
}

impl<E> Subscribers<E> {
    fn new(all: Vec<Arc<Subscriber<E>>>) -> Arc<Self> {
        let callbacks = Arc::new(all.iter().map(|s| Arc::clone(&s.callback)).collect());
        Arc::new(Self { all, callbacks })
    }
}

/// A topic's state, shared by the bus's registry, [`Topic`] handles and subscriptions.
pub(crate) struct TopicInner<E> {
    pub(crate) name: String,
    subscribers: ArcCell<Subscribers<E>>,
    /// Serializes copy-on-write edits of `subscribers`.
    edit: PlainMutex<()>,
    /// The version the thread caches check, and the synchronous publish count.
    head: Arc<Head>,
    async_published: AtomicU64,
    dead: AtomicU64,
    pub(crate) shared: Arc<Shared>,
}

impl<E: Send + Sync + 'static> TopicInner<E> {
    pub(crate) fn new(name: String, shared: Arc<Shared>) -> Self {
        Self {
            name,
            subscribers: ArcCell::new(Subscribers::new(Vec::new())),
            edit: PlainMutex::new(()),
            head: Arc::new(Head::new()),
            async_published: AtomicU64::new(0),
            dead: AtomicU64::new(0),
            shared,
        }
    }

    /// Refuses a synchronous publish on a closed bus.
    #[inline]
    pub(crate) fn check_open(&self) -> Result<(), BusError> {
        if self.shared.is_closed() {
            return Err(BusError::Closed);
        }
        Ok(())
    }

    /// The fast half of a synchronous publish: the current subscriber list from the calling
    /// thread's cache (see [`snapshot`]), the publish counted, and a dead event counted if the
    /// list is empty. `route`: how `Bus::publish` found this topic, if it did. `None` (a
    /// miss): call [`load`](Self::load) instead.
    #[inline]
    pub(crate) fn cached<'c>(
        &self,
        cache: Option<&'c Cache>,
        route: Option<Route>,
    ) -> Option<Ref<'c, Callbacks<E>>> {
        let list = cache?.hit(&self.head, route)?;
        if list.is_empty() {
            self.dead();
        }
        Some(list)
    }

    /// The slow half: loads the current subscriber list (and caches it if it can), counts
    /// the publish, and a dead event if the list is empty. Drop the [`Evicted`] it returns
    /// once no lock is held.
    #[cold]
    #[must_use = "drop what it evicted once no lock is held"]
    pub(crate) fn load(
        &self,
        cache: Option<&Cache>,
        route: Option<Route>,
    ) -> (Arc<Callbacks<E>>, Evicted) {
        let (list, evicted) = snapshot::load(cache, &self.head, route, || {
            Arc::clone(&self.subscribers.load().callbacks)
        });
        if list.is_empty() {
            self.dead();
        }
        (list, evicted)
    }

    #[cold]
    fn dead(&self) {
        self.dead.fetch_add(1, Ordering::Relaxed);
        self.shared.dead(&self.name);
    }

    pub(crate) fn publish_async(&self, event: E) -> Result<usize, PublishError> {
        if self.shared.is_closed() {
            return Err(PublishError::Closed);
        }
        let snapshot = self.subscribers.load_full();
        let snapshot = &snapshot.all;
        self.async_published.fetch_add(1, Ordering::Relaxed);
        if snapshot.is_empty() {
            self.dead();
            return Ok(0);
        }
        let event = Arc::new(event);
        let mut accepted = 0;
        let mut rejected = Vec::new();
        for sub in snapshot.iter() {
            match Subscriber::offer(sub, &event) {
                Offer::Queued => accepted += 1,
                Offer::Refused => rejected.push(sub.name().to_owned()),
                Offer::Gone => {}
            }
        }
        if rejected.is_empty() {
            Ok(accepted)
        } else if self.shared.is_closed() && accepted == 0 {
            Err(PublishError::Closed)
        } else {
            Err(PublishError::Rejected { accepted, rejected })
        }
    }

    fn subscribe(
        this: &Arc<Self>,
        settings: Settings,
        handler: crate::subscriber::Handler<E>,
    ) -> Subscription {
        let id = this.shared.next_id();
        let strand = Strand::with_batch(this.shared.pool(), NonZeroUsize::MIN);
        let name = settings.name.clone();
        {
            let _edit = this.edit.lock();
            let joined_at = this.head.published();
            let sub = Arc::new(Subscriber::new(
                id,
                this.name.clone(),
                settings,
                handler,
                strand,
                joined_at,
            ));
            let mut next = Vec::clone(&this.subscribers.load().all);
            next.push(sub);
            this.subscribers.store(Subscribers::new(next));
            this.head.edited();
        }
        let topic = Arc::clone(this);
        Subscription::new(name, Box::new(move || topic.unsubscribe(id)))
    }

    fn unsubscribe(&self, id: u64) -> usize {
        let removed = {
            let _edit = self.edit.lock();
            let current = self.subscribers.load_full();
            let Some(at) = current.all.iter().position(|s| s.id == id) else {
                return 0;
            };
            let mut next = Vec::clone(&current.all);
            let removed = next.remove(at);
            self.subscribers.store(Subscribers::new(next));
            self.head.edited();
            removed
        };
        removed.retire()
    }

    pub(crate) fn stats(&self) -> TopicStats {
        let sync_published = self.head.published();
        let subscribers: Vec<SubscriberStats> = self
            .subscribers
            .load()
            .all
            .iter()
            .map(|s| s.stats(sync_published))
            .collect();
        TopicStats {
            name: self.name.clone(),
            published: sync_published + self.async_published.load(Ordering::Relaxed),
            dead: self.dead.load(Ordering::Relaxed),
            subscribers,
        }
    }

    /// Closes every current subscriber's lane (see `Bus::close`); returns what is left.
    pub(crate) fn close(&self, deadline: Option<Instant>) -> Vec<crate::Undelivered> {
        let snapshot = self.subscribers.load_full();
        let mut left = Vec::new();
        for sub in snapshot.all.iter() {
            for event in sub.close(deadline) {
                left.push(crate::Undelivered::new(
                    self.name.clone(),
                    sub.name().to_owned(),
                    Box::new(event),
                ));
            }
        }
        left
    }
}

/// Delivers `event` to every subscriber of a snapshot, in subscription order; returns how
/// many handlers ran to completion.
#[inline]
pub(crate) fn dispatch<E: Send + Sync + 'static>(
    snapshot: &[Arc<Callback<E>>],
    event: &E,
) -> usize {
    let mut delivered = 0;
    for sub in snapshot {
        delivered += usize::from(sub.call(event));
    }
    delivered
}

/// A handle to one topic: publishing through it skips the bus's topic lookup. Made by
/// [`Bus::topic`](crate::Bus::topic) (typed) or [`Bus::named`](crate::Bus::named); clones
/// share the topic.
///
/// # Examples
///
/// ```
/// use selvedge_bus::Bus;
///
/// #[derive(Debug)]
/// struct UserJoined { name: String }
///
/// let bus = Bus::new()?;
/// let joined = bus.topic::<UserJoined>();
/// let _greeter = joined.subscribe(|e: &UserJoined| println!("welcome, {}", e.name));
/// assert_eq!(joined.publish(&UserJoined { name: "ada".into() })?, 1);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub struct Topic<E> {
    pub(crate) inner: Arc<TopicInner<E>>,
}

impl<E> Clone for Topic<E> {
    fn clone(&self) -> Self {
        Self {
            inner: Arc::clone(&self.inner),
        }
    }
}

impl<E> fmt::Debug for Topic<E> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Topic")
            .field("name", &self.inner.name)
            .field("event", &type_name::<E>())
            .finish_non_exhaustive()
    }
}

impl<E: Send + Sync + 'static> Topic<E> {
    /// The topic's name: the event type's name, or the name it was created with.
    ///
    /// ```
    /// let bus = selvedge_bus::Bus::new().unwrap();
    /// assert_eq!(bus.topic::<u8>().name(), "u8");
    /// assert_eq!(bus.named::<u8>("ticks").unwrap().name(), "ticks");
    /// ```
    pub fn name(&self) -> &str {
        &self.inner.name
    }

    /// Delivers `event` to every subscriber, in subscription order, in the calling thread;
    /// returns how many handlers ran to completion. See [`Bus::publish`](crate::Bus::publish).
    ///
    /// # Errors
    ///
    /// [`BusError::Closed`] once the bus is closed.
    ///
    /// ```
    /// let bus = selvedge_bus::Bus::new().unwrap();
    /// let topic = bus.topic::<u8>();
    /// let _a = topic.subscribe(|_: &u8| ());
    /// assert_eq!(topic.publish(&1), Ok(1));
    /// ```
    #[inline]
    pub fn publish(&self, event: &E) -> Result<usize, BusError> {
        snapshot::with_cache(
            #[inline(always)]
            |cache| {
                self.inner.check_open()?;
                Ok(match self.inner.cached(cache, None) {
                    Some(list) => dispatch(&list, event),
                    None => {
                        let (list, evicted) = self.inner.load(cache, None);
                        drop(evicted);
                        dispatch(&list, event)
                    }
                })
            },
        )
    }

    /// Queues `event` for every subscriber, each delivered on the bus's pool in order per
    /// subscriber; returns how many queued it. See
    /// [`Bus::publish_async`](crate::Bus::publish_async).
    ///
    /// # Errors
    ///
    /// [`PublishError`]: the bus is closed, or some subscribers refused it.
    ///
    /// ```
    /// let bus = selvedge_bus::Bus::new().unwrap();
    /// let topic = bus.topic::<String>();
    /// let _a = topic.subscribe(|s: &String| assert_eq!(s, "hi"));
    /// assert_eq!(topic.publish_async("hi".to_owned()), Ok(1));
    /// ```
    pub fn publish_async(&self, event: E) -> Result<usize, PublishError> {
        self.inner.publish_async(event)
    }

    /// Subscribes `handler` with the bus's default queue settings and the name
    /// `"subscriber-N"`.
    ///
    /// ```
    /// let bus = selvedge_bus::Bus::new().unwrap();
    /// let topic = bus.topic::<u8>();
    /// let sub = topic.subscribe(|n: &u8| assert_eq!(*n, 1));
    /// topic.publish(&1).unwrap();
    /// drop(sub);
    /// ```
    pub fn subscribe(&self, handler: impl Fn(&E) + Send + Sync + 'static) -> Subscription {
        let shared = &self.inner.shared;
        let settings = Settings {
            name: shared.default_name(),
            capacity: shared.capacity,
            overflow: shared.overflow,
        };
        TopicInner::subscribe(&self.inner, settings, Box::new(handler))
    }

    /// A [`SubscriberBuilder`]: a name, a queue capacity and an [`Overflow`](crate::Overflow)
    /// policy for one subscriber.
    ///
    /// ```
    /// let bus = selvedge_bus::Bus::new().unwrap();
    /// let sub = bus.topic::<u8>().subscriber().name("audit").subscribe(|_: &u8| ()).unwrap();
    /// assert_eq!(sub.name(), "audit");
    /// ```
    pub fn subscriber(&self) -> SubscriberBuilder<E> {
        SubscriberBuilder {
            topic: self.clone(),
            name: None,
            capacity: self.inner.shared.capacity,
            overflow: self.inner.shared.overflow,
        }
    }

    /// How many subscribers it has now.
    ///
    /// ```
    /// let bus = selvedge_bus::Bus::new().unwrap();
    /// let topic = bus.topic::<u8>();
    /// let _a = topic.subscribe(|_: &u8| ());
    /// assert_eq!(topic.subscriber_count(), 1);
    /// ```
    pub fn subscriber_count(&self) -> usize {
        self.inner.subscribers.load().all.len()
    }
}

/// Configures one subscriber: [`name`](Self::name) (for stats and tracing),
/// [`capacity`](Self::capacity) of its asynchronous queue and its
/// [`overflow`](Self::overflow) policy; the bus's defaults otherwise.
///
/// ```
/// use selvedge_bus::{Bus, Overflow};
///
/// let bus = Bus::new()?;
/// let sub = bus
///     .subscriber::<String>()
///     .name("mailer")
///     .capacity(16)
///     .overflow(Overflow::DropOldest)
///     .subscribe(|to: &String| { let _ = to; })?;
/// assert_eq!(sub.name(), "mailer");
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[must_use = "a subscriber builder does nothing until `subscribe` is called"]
pub struct SubscriberBuilder<E> {
    topic: Topic<E>,
    name: Option<String>,
    capacity: usize,
    overflow: crate::Overflow,
}

impl<E> fmt::Debug for SubscriberBuilder<E> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SubscriberBuilder")
            .field("topic", &self.topic.inner.name)
            .field("name", &self.name)
            .field("capacity", &self.capacity)
            .field("overflow", &self.overflow)
            .finish()
    }
}

impl<E: Send + Sync + 'static> SubscriberBuilder<E> {
    /// Names the subscriber (in [`SubscriberStats`] and the tracing events).
    ///
    /// ```
    /// let bus = selvedge_bus::Bus::new().unwrap();
    /// let sub = bus.subscriber::<u8>().name("metrics").subscribe(|_: &u8| ()).unwrap();
    /// assert_eq!(sub.name(), "metrics");
    /// ```
    pub fn name(mut self, name: impl Into<String>) -> Self {
        self.name = Some(name.into());
        self
    }

    /// The most asynchronous events it may have queued (at least 1).
    ///
    /// ```
    /// let bus = selvedge_bus::Bus::new().unwrap();
    /// assert!(bus.subscriber::<u8>().capacity(0).subscribe(|_: &u8| ()).is_err());
    /// ```
    pub fn capacity(mut self, capacity: usize) -> Self {
        self.capacity = capacity;
        self
    }

    /// What a full queue does; see [`Overflow`](crate::Overflow).
    ///
    /// ```
    /// use selvedge_bus::Overflow;
    /// let bus = selvedge_bus::Bus::new().unwrap();
    /// let _s = bus.subscriber::<u8>().overflow(Overflow::DropOldest).subscribe(|_: &u8| ());
    /// ```
    pub fn overflow(mut self, overflow: crate::Overflow) -> Self {
        self.overflow = overflow;
        self
    }

    /// Subscribes `handler`.
    ///
    /// # Errors
    ///
    /// [`BuildError::ZeroCapacity`] for a capacity of 0.
    ///
    /// ```
    /// let bus = selvedge_bus::Bus::new().unwrap();
    /// let sub = bus.subscriber::<u8>().subscribe(|_: &u8| ()).unwrap();
    /// sub.unsubscribe();
    /// ```
    pub fn subscribe(
        self,
        handler: impl Fn(&E) + Send + Sync + 'static,
    ) -> Result<Subscription, BuildError> {
        if self.capacity == 0 {
            return Err(BuildError::ZeroCapacity);
        }
        let shared = &self.topic.inner.shared;
        let settings = Settings {
            name: self.name.unwrap_or_else(|| shared.default_name()),
            capacity: self.capacity,
            overflow: self.overflow,
        };
        Ok(TopicInner::subscribe(
            &self.topic.inner,
            settings,
            Box::new(handler),
        ))
    }
}
