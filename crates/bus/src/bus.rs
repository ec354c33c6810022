//! [`Bus`] and [`BusBuilder`]: the topic registry, the bus-wide settings and counters, and
//! the convenience paths that look a topic up by event type or by name.
//!
//! The registry maps an event type (or a name) to its topic behind a reader-biased lock: a
//! publish takes a read lock for the lookup only, loads the topic's subscriber snapshot, and
//! releases the lock before any handler runs, so a handler may create topics (a write) without
//! deadlocking against its own publish. After a thread's first publish of an event type, its
//! snapshot cache finds the topic by route (bus number and event type: see `snapshot`) and a
//! publish takes no lock at all.

use std::any::{Any, TypeId, type_name};
use std::collections::HashMap;
use std::fmt;
use std::time::{Duration, Instant};

use foldhash::fast::RandomState;
use selvedge_locks::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use selvedge_locks::sync::{Arc, BiasedRwLock, static_atomic};
use selvedge_pool::ThreadPool;

use crate::snapshot;
use crate::topic::{Topic, TopicInner, dispatch};
use crate::{
    BuildError, BusError, BusStats, CloseReport, Overflow, PublishError, SubscriberBuilder,
    Subscription, TopicStats, Undelivered, events,
};

/// The default capacity of a subscriber's asynchronous queue.
const DEFAULT_CAPACITY: usize = 1024;

/// Numbers buses for the publish caches' routes (`snapshot::Route`), from 1 (0 is a cache
/// slot's "no route"). Only an identity, never synchronization: any distinct values do, so a
/// static atomic.
static NEXT_BUS: static_atomic::AtomicU64 = static_atomic::AtomicU64::new(1);

/// What every topic of one bus shares (never the registry, so topics do not keep it alive).
pub(crate) struct Shared {
    /// This bus's number, distinct from every other bus's in the process.
    id: u64,
    closed: AtomicBool,
    pool: Arc<ThreadPool>,
    pub(crate) capacity: usize,
    pub(crate) overflow: Overflow,
    next_id: AtomicU64,
    dead: AtomicU64,
}

impl Shared {
    #[inline]
    pub(crate) fn is_closed(&self) -> bool {
        self.closed.load(Ordering::Acquire)
    }

    pub(crate) fn pool(&self) -> &Arc<ThreadPool> {
        &self.pool
    }

    pub(crate) fn next_id(&self) -> u64 {
        self.next_id.fetch_add(1, Ordering::Relaxed)
    }

    /// `"subscriber-N"`, with a fresh N.
    pub(crate) fn default_name(&self) -> String {
        format!("subscriber-{}", self.next_id())
    }

    #[cold]
    pub(crate) fn dead(&self, topic: &str) {
        self.dead.fetch_add(1, Ordering::Relaxed);
        events::dead_event(topic);
    }
}

/// A topic in the registry, with its event type erased.
trait ErasedTopic: Send + Sync {
    /// The `Arc<TopicInner<E>>`, to downcast.
    fn as_any(&self) -> &dyn Any;
    fn event_type(&self) -> (TypeId, &'static str);
    fn stats(&self) -> TopicStats;
    fn close(&self, deadline: Option<Instant>) -> Vec<Undelivered>;
    fn clone_box(&self) -> Box<dyn ErasedTopic>;
}

impl<E: Send + Sync + 'static> ErasedTopic for Arc<TopicInner<E>> {
    fn as_any(&self) -> &dyn Any {
        self
    }

    fn event_type(&self) -> (TypeId, &'static str) {
        (TypeId::of::<E>(), type_name::<E>())
    }

    fn stats(&self) -> TopicStats {
        TopicInner::stats(self)
    }

    fn close(&self, deadline: Option<Instant>) -> Vec<Undelivered> {
        TopicInner::close(self, deadline)
    }

    fn clone_box(&self) -> Box<dyn ErasedTopic> {
        Box::new(Arc::clone(self))
    }
}

/// The topic of `E` in an erased entry (the entry's type was checked by the caller).
fn typed<E: Send + Sync + 'static>(entry: &dyn ErasedTopic) -> Option<&Arc<TopicInner<E>>> {
    entry.as_any().downcast_ref::<Arc<TopicInner<E>>>()
}

#[derive(Default)]
struct Registry {
    typed: HashMap<TypeId, Box<dyn ErasedTopic>, RandomState>,
    named: HashMap<String, Box<dyn ErasedTopic>, RandomState>,
}

struct BusInner {
    shared: Arc<Shared>,
    registry: BiasedRwLock<Registry>,
}

/// A typed in-process event bus: subscribers per event type (or per name), synchronous
/// publish in the caller's thread, asynchronous publish on a [`ThreadPool`] in order per
/// subscriber, bounded queues, contained handler panics, dead-event and per-subscriber
/// counters, and a close that hands back what it could not deliver.
///
/// `Bus` is a handle: clones share the topics. See the [crate documentation](crate) for the
/// seed's Python beside the Rust.
///
/// # Re-entrancy
///
/// A handler may publish (synchronously or not), subscribe, unsubscribe, and create topics,
/// on the same bus, from inside a publish: no bus lock is held while a handler runs, and each
/// publish delivers to the subscriber list as it was when the publish began (so a subscriber
/// added during a publish gets the next event, and one removed during it is not called by
/// that publish once its unsubscribe has returned on the publishing thread, without any other
/// subscriber being skipped).
///
/// # Drop
///
/// Dropping every handle does not wait and loses nothing accepted: asynchronous deliveries
/// already queued still run on the pool (which the bus keeps alive until they have). Call
/// [`close`](Self::close) to wait for them or get them back.
///
/// # Examples
///
/// ```
/// use selvedge_bus::Bus;
/// use std::sync::{Arc, Mutex};
/// use std::time::Duration;
///
/// #[derive(Debug, Clone)]
/// struct UserJoined { user: String, room: String }
///
/// let bus = Bus::new()?;
/// let log = Arc::new(Mutex::new(Vec::new()));
/// let _welcome = {
///     let log = Arc::clone(&log);
///     bus.subscribe(move |e: &UserJoined| {
///         log.lock().unwrap().push(format!("{} joined {}", e.user, e.room))
///     })
/// };
/// bus.publish(&UserJoined { user: "ada".into(), room: "rust".into() })?;
/// bus.publish_async(UserJoined { user: "bob".into(), room: "rust".into() })?;
/// assert!(bus.close(Duration::from_secs(5)).is_complete());
/// assert_eq!(*log.lock().unwrap(), ["ada joined rust", "bob joined rust"]);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Clone)]
pub struct Bus {
    inner: Arc<BusInner>,
}

impl fmt::Debug for Bus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let registry = self.inner.registry.read();
        f.debug_struct("Bus")
            .field("typed_topics", &registry.typed.len())
            .field("named_topics", &registry.named.len())
            .field("closed", &self.inner.shared.is_closed())
            .finish_non_exhaustive()
    }
}

impl Bus {
    /// A bus with its own pool (named `bus`, the pool's default size) and the default queue
    /// settings (1024 events per subscriber, [`Overflow::Reject`]).
    ///
    /// # Errors
    ///
    /// [`BuildError::Pool`] if the pool's threads could not start.
    ///
    /// ```
    /// let bus = selvedge_bus::Bus::new().unwrap();
    /// assert_eq!(bus.publish(&1_u8), Ok(0)); // a dead event: nobody subscribed
    /// ```
    pub fn new() -> Result<Self, BuildError> {
        Self::builder().build()
    }

    /// A [`BusBuilder`].
    ///
    /// ```
    /// let bus = selvedge_bus::Bus::builder().capacity(64).build().unwrap();
    /// # drop(bus);
    /// ```
    pub fn builder() -> BusBuilder {
        BusBuilder {
            pool: None,
            capacity: DEFAULT_CAPACITY,
            overflow: Overflow::default(),
        }
    }

    /// The topic of event type `E`, created on first use; its name is `E`'s type name
    /// without the module path.
    ///
    /// ```
    /// let bus = selvedge_bus::Bus::new().unwrap();
    /// let ticks = bus.topic::<u64>();
    /// let _sub = ticks.subscribe(|_: &u64| ());
    /// assert_eq!(ticks.publish(&1), Ok(1));
    /// ```
    pub fn topic<E: Send + Sync + 'static>(&self) -> Topic<E> {
        let key = TypeId::of::<E>();
        if let Some(inner) = self
            .inner
            .registry
            .read()
            .typed
            .get(&key)
            .and_then(|e| typed::<E>(&**e))
        {
            return Topic {
                inner: Arc::clone(inner),
            };
        }
        let mut registry = self.inner.registry.write();
        let entry = registry.typed.entry(key).or_insert_with(|| {
            let name = short_type_name(type_name::<E>());
            Box::new(Arc::new(TopicInner::<E>::new(
                name,
                Arc::clone(&self.inner.shared),
            )))
        });
        Topic {
            inner: Arc::clone(typed::<E>(&**entry).expect("keyed by E's TypeId")),
        }
    }

    /// The topic named `name`, created on first use to carry events of type `E` (the seed's
    /// `subscribe("user.joined", callback)` style).
    ///
    /// # Errors
    ///
    /// [`BusError::TypeMismatch`] if the name already carries another event type.
    ///
    /// ```
    /// let bus = selvedge_bus::Bus::new().unwrap();
    /// let joined = bus.named::<String>("user.joined").unwrap();
    /// assert!(bus.named::<u32>("user.joined").is_err());
    /// # drop(joined);
    /// ```
    pub fn named<E: Send + Sync + 'static>(&self, name: &str) -> Result<Topic<E>, BusError> {
        if let Some(entry) = self.inner.registry.read().named.get(name) {
            return Ok(Topic {
                inner: Arc::clone(check::<E>(name, &**entry)?),
            });
        }
        let mut registry = self.inner.registry.write();
        let entry = registry.named.entry(name.to_owned()).or_insert_with(|| {
            Box::new(Arc::new(TopicInner::<E>::new(
                name.to_owned(),
                Arc::clone(&self.inner.shared),
            )))
        });
        Ok(Topic {
            inner: Arc::clone(check::<E>(name, &**entry)?),
        })
    }

    /// Subscribes `handler` to events of type `E` (default name and queue settings).
    ///
    /// ```
    /// let bus = selvedge_bus::Bus::new().unwrap();
    /// let _sub = bus.subscribe(|n: &u32| assert_eq!(*n, 5));
    /// assert_eq!(bus.publish(&5_u32), Ok(1));
    /// ```
    ///
    /// Handlers run on any publisher's thread and on the pool, so they must be `Send + Sync`:
    /// share state through `Arc`, not `Rc`.
    ///
    /// ```
    /// let bus = selvedge_bus::Bus::new().unwrap();
    /// let seen = std::sync::Arc::new(std::sync::atomic::AtomicU32::new(0));
    /// bus.subscribe(move |n: &u32| {
    ///     seen.fetch_add(*n, std::sync::atomic::Ordering::Relaxed);
    /// })
    /// .detach();
    /// ```
    ///
    /// ```compile_fail
    /// let bus = selvedge_bus::Bus::new().unwrap();
    /// let seen = std::rc::Rc::new(std::cell::Cell::new(0));
    /// bus.subscribe(move |n: &u32| seen.set(seen.get() + n)).detach(); // `Rc` is not `Send`
    /// ```
    pub fn subscribe<E: Send + Sync + 'static>(
        &self,
        handler: impl Fn(&E) + Send + Sync + 'static,
    ) -> Subscription {
        self.topic::<E>().subscribe(handler)
    }

    /// A [`SubscriberBuilder`] for events of type `E`.
    ///
    /// ```
    /// let bus = selvedge_bus::Bus::new().unwrap();
    /// let sub = bus
    ///     .subscriber::<u32>()
    ///     .name("audit")
    ///     .capacity(8)
    ///     .subscribe(|_: &u32| ())
    ///     .unwrap();
    /// assert_eq!(sub.name(), "audit");
    /// ```
    pub fn subscriber<E: Send + Sync + 'static>(&self) -> SubscriberBuilder<E> {
        self.topic::<E>().subscriber()
    }

    /// Subscribes `handler` to the topic named `name`.
    ///
    /// # Errors
    ///
    /// [`BusError::TypeMismatch`] if the name carries another event type.
    ///
    /// ```
    /// let bus = selvedge_bus::Bus::new().unwrap();
    /// let _sub = bus.subscribe_to("user.left", |name: &String| println!("{name} left")).unwrap();
    /// assert_eq!(bus.publish_to("user.left", &"ada".to_owned()), Ok(1));
    /// ```
    pub fn subscribe_to<E: Send + Sync + 'static>(
        &self,
        name: &str,
        handler: impl Fn(&E) + Send + Sync + 'static,
    ) -> Result<Subscription, BusError> {
        Ok(self.named::<E>(name)?.subscribe(handler))
    }

    /// Delivers `event` to every subscriber of `E`, in subscription order, in the calling
    /// thread, and returns how many handlers ran to completion. A panicking handler is
    /// contained, counted and reported (`bus.handler_panicked`); the others still run. With
    /// no subscriber the event is dead: counted and reported (`bus.dead_event`).
    ///
    /// # Errors
    ///
    /// [`BusError::Closed`] once the bus is closed.
    ///
    /// ```
    /// let bus = selvedge_bus::Bus::new().unwrap();
    /// let _a = bus.subscribe(|_: &char| panic!("contained"));
    /// let _b = bus.subscribe(|_: &char| ());
    /// assert_eq!(bus.publish(&'x'), Ok(1)); // one of two ran to completion
    /// ```
    #[inline]
    pub fn publish<E: Send + Sync + 'static>(&self, event: &E) -> Result<usize, BusError> {
        snapshot::with_cache(
            #[inline(always)]
            |cache| {
                let shared = &self.inner.shared;
                if shared.is_closed() {
                    return Err(BusError::Closed);
                }
                // This thread reached the topic before: no registry lookup.
                if let Some(list) = cache.and_then(|c| c.hit_route::<E>(shared.id)) {
                    return Ok(dispatch(&list, event));
                }
                let route = Some((shared.id, TypeId::of::<E>()));
                let registry = self.inner.registry.read();
                let Some(topic) = registry
                    .typed
                    .get(&TypeId::of::<E>())
                    .and_then(|e| typed::<E>(&**e))
                else {
                    return self.dead_untyped::<E>();
                };
                topic.check_open()?;
                // The read lock ends before any handler runs: a handler may create topics.
                if let Some(list) = topic.cached(cache, route) {
                    drop(registry);
                    return Ok(dispatch(&list, event));
                }
                let (list, evicted) = topic.load(cache, route);
                drop(registry);
                drop(evicted);
                Ok(dispatch(&list, event))
            },
        )
    }

    /// Publishes to the topic named `name` (see [`publish`](Self::publish)).
    ///
    /// # Errors
    ///
    /// [`BusError::Closed`], or [`BusError::TypeMismatch`] if the name carries another type.
    ///
    /// ```
    /// let bus = selvedge_bus::Bus::new().unwrap();
    /// assert_eq!(bus.publish_to("nobody.listens", &1_u8), Ok(0));
    /// assert_eq!(bus.stats().dead, 1);
    /// ```
    pub fn publish_to<E: Send + Sync + 'static>(
        &self,
        name: &str,
        event: &E,
    ) -> Result<usize, BusError> {
        snapshot::with_cache(
            #[inline(always)]
            |cache| {
                let registry = self.inner.registry.read();
                let Some(entry) = registry.named.get(name) else {
                    return self.dead_named(name);
                };
                let topic = check::<E>(name, &**entry)?;
                topic.check_open()?;
                // The read lock ends before any handler runs: a handler may create topics.
                if let Some(list) = topic.cached(cache, None) {
                    drop(registry);
                    return Ok(dispatch(&list, event));
                }
                let (list, evicted) = topic.load(cache, None);
                drop(registry);
                drop(evicted);
                Ok(dispatch(&list, event))
            },
        )
    }

    /// Queues `event` for every subscriber of `E` and returns how many queued it; each
    /// delivers on the bus's pool through its own [`Strand`](selvedge_pool::Strand): one
    /// event at a time per subscriber, in the order they were queued, different subscribers
    /// in parallel, no thread per event. A full queue applies that subscriber's
    /// [`Overflow`] policy.
    ///
    /// # Errors
    ///
    /// [`PublishError::Closed`] once the bus is closed; [`PublishError::Rejected`] naming the
    /// subscribers that refused it (the others queued it).
    ///
    /// ```
    /// use selvedge_bus::Bus;
    /// use std::sync::mpsc;
    ///
    /// let bus = Bus::new()?;
    /// let (tx, rx) = mpsc::channel();
    /// let tx = std::sync::Mutex::new(tx);
    /// let _sub = bus.subscribe(move |n: &u32| tx.lock().unwrap().send(*n).unwrap());
    /// for n in 0..5_u32 {
    ///     bus.publish_async(n)?;
    /// }
    /// let got: Vec<u32> = rx.iter().take(5).collect();
    /// assert_eq!(got, [0, 1, 2, 3, 4]); // in order for each subscriber
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn publish_async<E: Send + Sync + 'static>(&self, event: E) -> Result<usize, PublishError> {
        let topic = {
            let registry = self.inner.registry.read();
            match registry
                .typed
                .get(&TypeId::of::<E>())
                .and_then(|e| typed::<E>(&**e))
            {
                Some(topic) => Arc::clone(topic),
                None => return Ok(self.dead_untyped::<E>()?),
            }
        };
        topic.publish_async(event)
    }

    /// [`publish_async`](Self::publish_async) to the topic named `name`.
    ///
    /// # Errors
    ///
    /// As for `publish_async`, and [`PublishError::Topic`] if the name carries another type.
    ///
    /// ```
    /// let bus = selvedge_bus::Bus::new().unwrap();
    /// let _s = bus.subscribe_to("ticks", |_: &u64| ()).unwrap();
    /// assert_eq!(bus.publish_async_to("ticks", 1_u64), Ok(1));
    /// ```
    pub fn publish_async_to<E: Send + Sync + 'static>(
        &self,
        name: &str,
        event: E,
    ) -> Result<usize, PublishError> {
        let topic = {
            let registry = self.inner.registry.read();
            match registry.named.get(name) {
                Some(entry) => Arc::clone(check::<E>(name, &**entry)?),
                None => return Ok(self.dead_named(name)?),
            }
        };
        topic.publish_async(event)
    }

    #[cold]
    fn dead_untyped<E>(&self) -> Result<usize, BusError> {
        self.dead_named(&short_type_name(type_name::<E>()))
    }

    #[cold]
    fn dead_named(&self, name: &str) -> Result<usize, BusError> {
        if self.inner.shared.is_closed() {
            return Err(BusError::Closed);
        }
        self.inner.shared.dead(name);
        Ok(0)
    }

    /// The bus's counters: dead events, and per topic and per subscriber what was published,
    /// delivered, failed, queued, lagged and rejected (see
    /// [`SubscriberStats`](crate::SubscriberStats)).
    ///
    /// ```
    /// let bus = selvedge_bus::Bus::new().unwrap();
    /// let _s = bus.subscribe(|_: &u8| ());
    /// bus.publish(&1_u8).unwrap();
    /// let stats = bus.stats();
    /// assert_eq!(stats.topic("u8").unwrap().subscribers[0].delivered, 1);
    /// ```
    pub fn stats(&self) -> BusStats {
        let topics = self.topics();
        BusStats {
            dead: self.inner.shared.dead.load(Ordering::Relaxed),
            topics: topics.iter().map(|t| t.stats()).collect(),
        }
    }

    /// Closes the bus: publishes are refused from now on ([`BusError::Closed`]), then waits up
    /// to `timeout` for every asynchronous event accepted before to be delivered, and hands
    /// back those still queued after it. A delivery already running finishes. Idempotent.
    ///
    /// Never call it from a handler with a long timeout: it waits for that handler's own
    /// queue too.
    ///
    /// ```
    /// use selvedge_bus::{Bus, BusError};
    /// use std::time::Duration;
    ///
    /// let bus = Bus::new()?;
    /// let _s = bus.subscribe(|_: &u8| ());
    /// bus.publish_async(1_u8)?;
    /// assert!(bus.close(Duration::from_secs(5)).is_complete());
    /// assert_eq!(bus.publish(&2_u8), Err(BusError::Closed));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn close(&self, timeout: Duration) -> CloseReport {
        let started = Instant::now();
        let deadline = started.checked_add(timeout);
        self.inner.shared.closed.store(true, Ordering::SeqCst);
        let undelivered = self
            .topics()
            .iter()
            .flat_map(|t| t.close(deadline))
            .collect();
        CloseReport {
            undelivered,
            elapsed: started.elapsed(),
        }
    }

    /// Whether [`close`](Self::close) was called.
    ///
    /// ```
    /// let bus = selvedge_bus::Bus::new().unwrap();
    /// assert!(!bus.is_closed());
    /// ```
    pub fn is_closed(&self) -> bool {
        self.inner.shared.is_closed()
    }

    /// Every topic, typed then named, copied out so no registry lock is held afterwards.
    fn topics(&self) -> Vec<Box<dyn ErasedTopic>> {
        let registry = self.inner.registry.read();
        registry
            .typed
            .values()
            .chain(registry.named.values())
            .map(|t| t.clone_box())
            .collect()
    }
}

/// The named topic's `Arc<TopicInner<E>>`, or a type mismatch.
fn check<'a, E: Send + Sync + 'static>(
    name: &str,
    entry: &'a dyn ErasedTopic,
) -> Result<&'a Arc<TopicInner<E>>, BusError> {
    typed::<E>(entry).ok_or_else(|| BusError::TypeMismatch {
        topic: name.to_owned(),
        expected: entry.event_type().1,
        found: type_name::<E>(),
    })
}

/// `a::b::C<d::E>` as `C<E>`: the name of a typed topic.
fn short_type_name(full: &str) -> String {
    let mut out = String::with_capacity(full.len());
    let mut segment = String::new();
    for c in full.chars() {
        if c.is_alphanumeric() || c == '_' || c == ':' {
            segment.push(c);
        } else {
            out.push_str(segment.rsplit("::").next().unwrap_or(""));
            segment.clear();
            out.push(c);
        }
    }
    out.push_str(segment.rsplit("::").next().unwrap_or(""));
    out
}

/// Configures a [`Bus`]: the pool its asynchronous deliveries run on, and the default queue
/// capacity and [`Overflow`] policy of its subscribers.
///
/// ```
/// use selvedge_bus::{Bus, Overflow};
/// use selvedge_pool::ThreadPool;
/// use std::sync::Arc;
///
/// let pool = Arc::new(ThreadPool::builder().max_threads(2).build()?);
/// let bus = Bus::builder()
///     .pool(&pool) // share the application's pool
///     .capacity(256)
///     .overflow(Overflow::DropOldest)
///     .build()?;
/// # drop(bus);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug)]
#[must_use = "a bus builder does nothing until `build` is called"]
pub struct BusBuilder {
    pool: Option<Arc<ThreadPool>>,
    capacity: usize,
    overflow: Overflow,
}

impl BusBuilder {
    /// Runs asynchronous deliveries on `pool` instead of a pool of the bus's own.
    ///
    /// ```
    /// # use std::sync::Arc;
    /// let pool = Arc::new(selvedge_pool::ThreadPool::builder().build().unwrap());
    /// let bus = selvedge_bus::Bus::builder().pool(&pool).build().unwrap();
    /// # drop(bus);
    /// ```
    pub fn pool(mut self, pool: &Arc<ThreadPool>) -> Self {
        self.pool = Some(Arc::clone(pool));
        self
    }

    /// The default capacity of each subscriber's asynchronous queue (1024).
    ///
    /// ```
    /// assert!(selvedge_bus::Bus::builder().capacity(0).build().is_err());
    /// ```
    pub fn capacity(mut self, capacity: usize) -> Self {
        self.capacity = capacity;
        self
    }

    /// The default [`Overflow`] policy ([`Overflow::Reject`]).
    ///
    /// ```
    /// let bus = selvedge_bus::Bus::builder().overflow(selvedge_bus::Overflow::DropOldest).build();
    /// assert!(bus.is_ok());
    /// ```
    pub fn overflow(mut self, overflow: Overflow) -> Self {
        self.overflow = overflow;
        self
    }

    /// Builds the bus.
    ///
    /// # Errors
    ///
    /// [`BuildError::ZeroCapacity`], or [`BuildError::Pool`] if its own pool failed to start.
    ///
    /// ```
    /// let bus = selvedge_bus::Bus::builder().build().unwrap();
    /// # drop(bus);
    /// ```
    pub fn build(self) -> Result<Bus, BuildError> {
        if self.capacity == 0 {
            return Err(BuildError::ZeroCapacity);
        }
        let pool = match self.pool {
            Some(pool) => pool,
            None => Arc::new(
                ThreadPool::builder()
                    .thread_name("bus")
                    .build()
                    .map_err(|e| BuildError::Pool(e.to_string()))?,
            ),
        };
        let shared = Arc::new(Shared {
            id: NEXT_BUS.fetch_add(1, Ordering::Relaxed),
            closed: AtomicBool::new(false),
            pool,
            capacity: self.capacity,
            overflow: self.overflow,
            next_id: AtomicU64::new(0),
            dead: AtomicU64::new(0),
        });
        Ok(Bus {
            inner: Arc::new(BusInner {
                shared,
                registry: BiasedRwLock::new(Registry::default()),
            }),
        })
    }
}
