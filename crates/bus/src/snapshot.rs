//! The synchronous publish path's subscriber snapshot: each thread caches, per topic, the
//! subscriber list it last published to, validated by the topic's version, and counts its
//! publishes in a cell only it writes.
//!
//! # Why a cache
//!
//! The list lives in an `ArcCell` (arc-swap). Loading it marks a hazard slot and re-checks
//! with sequentially consistent ordering, and releasing the guard is a compare-and-swap; a
//! shared publish counter is one more read-modify-write. On a single cheap handler those were
//! three quarters of a publish. A cache hit instead reads the topic's version (a plain load),
//! compares it with the cached one, and bumps a counter nobody else writes: no atomic
//! read-modify-write and no fence on the way to the handlers.
//!
//! # Protocol
//!
//! - **Edits** (subscribe, unsubscribe), under the topic's edit lock: store the new list in the
//!   cell, *then* bump [`Head::version`] (release).
//! - **Fill** (a miss): read the version (acquire), *then* load the list. The list is at least
//!   as new as that version (newer if an edit sits between its two steps: the next publish then
//!   sees the version move and fills again), and it only holds edits that had begun.
//! - **Hit**: the cached list is used only while the version still equals the one read before
//!   it was loaded. An edit that completed before a publish began bumped the version first, so
//!   that publish misses and loads a list holding the edit: a subscriber that was live for the
//!   whole publish gets the event. The list itself is immutable, so an unsubscribe during
//!   dispatch skips nobody.
//! - **Ownership**: the cache owns its `Arc` of the list, so a hit takes no reference count;
//!   while handlers run, the publish holds a shared borrow of its thread's cache. A handler's
//!   own publish may borrow it again (a hit), but a fill needs it exclusively, so a nested
//!   publish that misses delivers from a directly loaded list instead and counts in
//!   [`Head`]'s shared uncached counter. Evicted and replaced entries are dropped after the
//!   borrow ends, since dropping a list may drop handlers, and their captures may publish.
//!
//! # Routes
//!
//! `Bus::publish` looks a typed topic up in the bus's registry under a read lock. A slot it
//! filled or hit also remembers the route (the bus's process-unique number and the event's
//! `TypeId`), so its next publish finds the slot by route and skips the registry. A typed
//! topic is never removed from its registry, so a route always names the same topic; the
//! version check is the same as on any hit. An empty list is never a route hit: a dead
//! event needs the topic, so it goes through the registry.
//!
//! # Counting
//!
//! Each (thread, topic) pair has one counter cell, written only by that thread (a load and a
//! store). The topic's [`Head`] keeps every live cell; a cell whose slot is dropped (evicted,
//! or its thread exited) is folded into `retired` in the same critical section that removes
//! it, so [`Head::published`] counts every publish exactly once.
//!
//! # Cost
//!
//! A thread keeps the list it last used for each of its [`SLOTS`] most recent topics until it
//! publishes to that topic again, publishes after an edit to any topic it caches (a fill drops
//! every stale slot), caches enough newer topics to evict it, or exits: an unsubscribed handler
//! (and what it captured) is dropped when the last such cached list goes. No publish that starts
//! after its unsubscribe *calls* it: each call checks the subscriber's live flag. A list holds
//! [`Callback`]s only, never a subscriber's lane, so a cache never keeps a strand or the pool
//! alive.

use std::any::{Any, TypeId};
use std::cell::{Cell, Ref, RefCell};

use selvedge_locks::sync::atomic::{AtomicU64, Ordering};
use selvedge_locks::sync::{Arc, PlainMutex};

use crate::subscriber::Callback;

/// What a synchronous publish calls: the topic's subscribers' callbacks, in subscription
/// order.
pub(crate) type Callbacks<E> = Vec<Arc<Callback<E>>>;

/// Topics a thread keeps cached; the least recently filled goes first.
const SLOTS: usize = 8;

/// How `Bus::publish` finds a typed topic without the registry: the bus's id (never reused)
/// and the event type. A typed topic is never removed from its registry, so a route, once
/// seen, names the same topic for the bus's whole life.
pub(crate) type Route = (u64, TypeId);

/// A slot's route before `Bus::publish` reached it: bus numbers start at 1.
const NO_ROUTE: Route = (0, TypeId::of::<()>());

/// What a topic shares with the caches: its version and its publish counts.
pub(crate) struct Head {
    /// Bumped after every edit of the subscriber list is stored.
    version: AtomicU64,
    /// Publishes that found no cache to count in (a nested miss, or a thread whose cache is
    /// being torn down).
    uncached: AtomicU64,
    counts: PlainMutex<Counts>,
}

/// The per-thread counter cells of one topic.
#[derive(Default)]
struct Counts {
    /// What the cells dropped so far had counted.
    retired: u64,
    cells: Vec<Arc<AtomicU64>>,
}

impl Head {
    pub(crate) fn new() -> Self {
        Self {
            version: AtomicU64::new(0),
            uncached: AtomicU64::new(0),
            counts: PlainMutex::new(Counts::default()),
        }
    }

    /// Marks the subscriber list just stored as the current one: every cached copy is stale.
    pub(crate) fn edited(&self) {
        self.version.fetch_add(1, Ordering::Release);
    }

    /// Synchronous publishes so far: exact once none runs, and including every publish that
    /// happened before this call.
    pub(crate) fn published(&self) -> u64 {
        let counts = self.counts.lock();
        counts
            .cells
            .iter()
            .fold(counts.retired, |n, cell| n + cell.load(Ordering::Relaxed))
            + self.uncached.load(Ordering::Relaxed)
    }

    /// A new counter cell for the calling thread, holding its first publish.
    fn register(&self) -> Arc<AtomicU64> {
        let cell = Arc::new(AtomicU64::new(1));
        self.counts.lock().cells.push(Arc::clone(&cell));
        cell
    }

    /// Folds a cell its thread is dropping into `retired`.
    fn retire(&self, cell: &Arc<AtomicU64>) {
        let mut counts = self.counts.lock();
        if let Some(at) = counts.cells.iter().position(|c| Arc::ptr_eq(c, cell)) {
            counts.cells.swap_remove(at);
            counts.retired += cell.load(Ordering::Relaxed);
        }
    }
}

/// One cached topic of one thread.
struct Slot {
    head: Arc<Head>,
    /// This thread's publishes to the topic; only this thread writes it.
    count: Arc<AtomicU64>,
    /// The topic's version read before `callbacks` was loaded.
    version: u64,
    /// The route `Bus::publish` reaches the topic by, once it has; [`NO_ROUTE`] before. (Not
    /// an `Option`: without its tag a slot is one cache line.)
    route: Cell<Route>,
    /// An `Arc<Callbacks<E>>` of the topic's event type.
    callbacks: Box<dyn Any>,
}

// `#[inline]`: both run on every hit, and they are not generic, so without it another crate
// (every caller of `Topic::publish`) would call them.
impl Slot {
    #[inline]
    fn is_stale(&self) -> bool {
        self.version != self.head.version.load(Ordering::Acquire)
    }

    /// The cached callbacks, if still current.
    #[inline]
    fn current<E: 'static>(&self) -> Option<&Callbacks<E>> {
        if self.is_stale() {
            return None;
        }
        self.callbacks
            .downcast_ref::<Arc<Callbacks<E>>>()
            .map(|c| &**c)
    }

    #[inline]
    fn count(&self) {
        let count = &self.count;
        count.store(count.load(Ordering::Relaxed) + 1, Ordering::Relaxed);
    }
}

impl Drop for Slot {
    fn drop(&mut self) {
        self.head.retire(&self.count);
    }
}

/// One thread's cached topics.
pub(crate) struct Cache {
    slots: RefCell<Vec<Slot>>,
}

// Per model thread under loom (the facade's macro): a cache shared between model threads
// would let two of them write one counter cell.
selvedge_locks::loom_thread_local! {
    static CACHE: Cache = const { Cache { slots: RefCell::new(Vec::new()) } };
}

/// Runs `f` with the calling thread's cache, or with `None` once the thread is tearing its
/// thread-locals down (a handler's captures dropped then may still publish). `f` is `Fn`, not
/// `FnOnce`, so the fallback can call it by reference: wrapping it in an `Option` to take it
/// once made the compiler copy the publish's result through the wrappers, a copy that stalled
/// on store forwarding and cost more than the rest of a cache hit.
#[inline]
pub(crate) fn with_cache<R>(f: impl Fn(Option<&Cache>) -> R) -> R {
    match CACHE.try_with(|cache| f(Some(cache))) {
        Ok(done) => done,
        Err(_) => f(None),
    }
}

impl Cache {
    /// A hit: the cached callbacks of `head`'s topic if they are still current, this
    /// publish counted (and `route` remembered for [`hit_route`](Self::hit_route)). `None` is
    /// a miss: call [`load`].
    #[inline]
    pub(crate) fn hit<'c, E: 'static>(
        &'c self,
        head: &Arc<Head>,
        route: Option<Route>,
    ) -> Option<Ref<'c, Callbacks<E>>> {
        let slots = self.slots.try_borrow().ok()?;
        Ref::filter_map(slots, |slots| {
            let slot = slots.iter().find(|slot| Arc::ptr_eq(&slot.head, head))?;
            let callbacks = slot.current::<E>()?;
            if let Some(route) = route {
                slot.route.set(route);
            }
            slot.count();
            Some(callbacks)
        })
        .ok()
    }

    /// A hit by route, for `Bus::publish` before it takes the registry's lock: the cached
    /// callbacks of the typed topic of `E` on bus `bus` if they are current and not empty
    /// (an empty list is a dead event, which needs the topic: take the registry path), this
    /// publish counted.
    #[inline]
    pub(crate) fn hit_route<'c, E: 'static>(&'c self, bus: u64) -> Option<Ref<'c, Callbacks<E>>> {
        let route = (bus, TypeId::of::<E>());
        let slots = self.slots.try_borrow().ok()?;
        Ref::filter_map(slots, |slots| {
            let slot = slots.iter().find(|slot| slot.route.get() == route)?;
            let callbacks = slot.current::<E>().filter(|c| !c.is_empty())?;
            slot.count();
            Some(callbacks)
        })
        .ok()
    }

    /// Caches `callbacks` (read at `version`) for `head`'s topic and counts one publish.
    /// Returns what it took out, for the caller to drop once the borrow is over: the topic's
    /// previous list, the least recently filled slot if the cache was full, and every slot
    /// gone stale (so a thread that keeps publishing lets go of old lists early). `None` if
    /// the cache is borrowed (a nested publish): nothing cached, nothing counted.
    fn fill<E: 'static>(
        &self,
        head: &Arc<Head>,
        route: Option<Route>,
        version: u64,
        callbacks: &Arc<Callbacks<E>>,
    ) -> Option<Vec<Box<dyn Any>>> {
        let mut slots = self.slots.try_borrow_mut().ok()?;
        let fresh: Box<dyn Any> = Box::new(Arc::clone(callbacks));
        let mut taken: Vec<Box<dyn Any>> = Vec::new();
        if let Some(slot) = slots.iter_mut().find(|slot| Arc::ptr_eq(&slot.head, head)) {
            slot.count();
            slot.version = version;
            if let Some(route) = route {
                slot.route.set(route);
            }
            taken.push(std::mem::replace(&mut slot.callbacks, fresh));
        } else {
            if slots.len() == SLOTS {
                taken.push(Box::new(slots.remove(0)));
            }
            slots.push(Slot {
                head: Arc::clone(head),
                count: head.register(),
                version,
                route: Cell::new(route.unwrap_or(NO_ROUTE)),
                callbacks: fresh,
            });
        }
        let mut at = 0;
        while at < slots.len() {
            if slots[at].is_stale() && !Arc::ptr_eq(&slots[at].head, head) {
                taken.push(Box::new(slots.remove(at)));
            } else {
                at += 1;
            }
        }
        Some(taken)
    }
}

/// What a fill took out of its thread's cache: lists and slots whose last reference may be
/// here, so dropping it may drop handlers, whose captures may publish, subscribe or create
/// topics. Drop it with no lock held (not even the registry's read lock) and the cache not
/// borrowed.
pub(crate) type Evicted = Vec<Box<dyn Any>>;

/// A miss: loads the current callbacks of `head`'s topic with `current`, caches them (with `route`,
/// if it is known) if the cache is free, and counts the publish (in the cache, or in the topic's
/// shared uncached counter). Returns them, and what the fill evicted.
#[cold]
#[inline(never)]
#[must_use = "drop what it evicted once no lock is held"]
pub(crate) fn load<E: 'static>(
    cache: Option<&Cache>,
    head: &Arc<Head>,
    route: Option<Route>,
    current: impl FnOnce() -> Arc<Callbacks<E>>,
) -> (Arc<Callbacks<E>>, Evicted) {
    let version = head.version.load(Ordering::Acquire);
    let callbacks = current();
    let evicted = match cache.and_then(|cache| cache.fill(head, route, version, &callbacks)) {
        Some(taken) => taken,
        None => {
            head.uncached.fetch_add(1, Ordering::Relaxed);
            Vec::new()
        }
    };
    (callbacks, evicted)
}
