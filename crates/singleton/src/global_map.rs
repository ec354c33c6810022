//! [`GlobalMap`]: one lazily created, removable instance per key, single-flight per key.
//!
//! The map is a facade `Mutex` around a [`SlotTable`] (key → `Arc<Global<T>>`, each key's
//! hash stored beside it): each key owns a slot, which is a full [`Global`], so per-key single
//! flight, error and panic handling and re-entrancy detection are the `Global`'s. The map's
//! mutex is held only to find, insert or remove a slot (running the key's `Hash`, `Eq` and
//! `Clone`), never while an initialiser, an instance's `Drop` or `Debug` runs, so one key's
//! slow initialisation never blocks another key.
//!
//! Removing a key *retires* its slot: callers still waiting on the old slot are sent back to the
//! map (where they find or create a fresh slot), so no instance is ever built into a slot that
//! the map no longer reaches. A slot whose initialiser failed or panicked is discarded the same
//! way when nobody else is using it, so failing keys do not accumulate.
//!
//! Lock order: the map's mutex, then a slot's state mutex (in [`GlobalMap::discard_if_idle`]);
//! never the reverse.

use std::borrow::Borrow;
use std::convert::Infallible;
use std::fmt;
use std::hash::Hash;

use selvedge_locks::sync::{Arc, PlainMutex, PlainMutexGuard};

use crate::Global;
use crate::global::{Outcome, UNNAMED};
use crate::slot_table::SlotTable;

/// One lazily created instance per key, created at most once at a time per key, removable per
/// key, shared as `Arc<T>`.
///
/// The seed keeps one admin session per platform; with tenants that becomes one session per
/// tenant, each logged in on first use, and a login for one tenant must not wait for another's.
///
/// # Guarantees
///
/// - **Per-key single flight**: racing callers for one key run exactly one initialiser and all
///   get its instance; callers for other keys never wait for it.
/// - Errors, panics and re-entrant use behave as for [`Global`], per key: an error goes to its
///   caller and is not cached; a panic poisons nothing.
/// - **Removal**: [`remove`](Self::remove) takes a key's instance out; holders keep theirs, and
///   the next caller for that key builds a new one. An initialiser that was running for the key
///   when it was removed hands its instance to its own caller only (as [`Global::reset`]).
/// - **Panicking keys**: a key's `Hash` runs once per call and the table keeps the result, so
///   growing the table never runs it again; a `Hash`, `Eq` or `Clone` that panics fails only
///   its own call, and no other key loses its instance.
///
/// The key's `Hash`, `Eq` and `Clone` run under the map's mutex and must not call the map;
/// initialisers, instances' `Drop` and the `Debug` of keys and instances run outside it.
///
/// # Performance
///
/// Every call takes the map's mutex for one hash lookup (the instance is cloned out and the
/// mutex released before any initialiser runs). A hot path that needs a lock-free read should keep
/// the returned `Arc`, or use one [`Global`] per key.
///
/// # Thread safety
///
/// `Sync` when `K: Send` and `T: Send + Sync`.
///
/// ```
/// use selvedge_singleton::GlobalMap;
/// let sessions: GlobalMap<String, String> = GlobalMap::new();
/// std::thread::scope(|s| {
///     s.spawn(|| sessions.get_or_init("a".into(), || "token".into()));
/// });
/// ```
///
/// ```compile_fail
/// use std::rc::Rc;
/// use selvedge_singleton::GlobalMap;
/// let sessions: GlobalMap<String, Rc<String>> = GlobalMap::new();
/// std::thread::scope(|s| {
///     s.spawn(|| sessions.get_or_init("a".into(), || Rc::new("token".into())));
/// });
/// ```
///
/// # Examples
///
/// ```
/// use std::sync::Arc;
/// use selvedge_singleton::GlobalMap;
///
/// #[derive(Debug, PartialEq)]
/// struct Session {
///     platform: &'static str,
/// }
///
/// static SESSIONS: GlobalMap<&str, Session> = GlobalMap::named("sessions");
///
/// let pnet = SESSIONS.get_or_init("pnet", || Session { platform: "pnet" });
/// let again = SESSIONS.get_or_init("pnet", || unreachable!("already logged in"));
/// assert!(Arc::ptr_eq(&pnet, &again));
/// assert_eq!(SESSIONS.len(), 1);
///
/// // Logout of one platform only.
/// assert_eq!(SESSIONS.remove("pnet").as_deref(), Some(&Session { platform: "pnet" }));
/// assert!(!SESSIONS.contains("pnet"));
/// ```
pub struct GlobalMap<K, T> {
    slots: PlainMutex<Option<SlotTable<K, T>>>,
    name: &'static str,
}

impl<K, T> GlobalMap<K, T> {
    selvedge_locks::loom_const_fn! {
        /// An empty map, usable in a `static` (loom build: not `const`).
        ///
        /// ```
        /// static TENANTS: selvedge_singleton::GlobalMap<u32, String> =
        ///     selvedge_singleton::GlobalMap::new();
        /// assert!(TENANTS.is_empty());
        /// ```
        #[must_use]
        pub const fn new() -> Self {
            Self::named(UNNAMED)
        }
    }

    selvedge_locks::loom_const_fn! {
        /// An empty map whose events carry `name`, usable in a `static`.
        ///
        /// ```
        /// static TENANTS: selvedge_singleton::GlobalMap<u32, String> =
        ///     selvedge_singleton::GlobalMap::named("tenants");
        /// assert_eq!(TENANTS.name(), "tenants");
        /// ```
        #[must_use]
        pub const fn named(name: &'static str) -> Self {
            Self {
                // `None` until the first insert: a random hasher cannot be made in a `const`.
                slots: PlainMutex::new(None),
                name,
            }
        }
    }

    /// The name given to [`named`](Self::named), or `"unnamed"`.
    ///
    /// ```
    /// let map = selvedge_singleton::GlobalMap::<u8, u8>::new();
    /// assert_eq!(map.name(), "unnamed");
    /// ```
    #[must_use]
    pub fn name(&self) -> &'static str {
        self.name
    }

    fn lock(&self) -> PlainMutexGuard<'_, Option<SlotTable<K, T>>> {
        self.slots.lock()
    }
}

impl<K: Eq + Hash + Clone, T> GlobalMap<K, T> {
    /// The instance for `key`, if it exists; never creates it.
    ///
    /// ```
    /// let map = selvedge_singleton::GlobalMap::new();
    /// assert!(map.get(&1).is_none());
    /// map.get_or_init(1, || "one");
    /// assert_eq!(map.get(&1).as_deref(), Some(&"one"));
    /// ```
    #[must_use]
    pub fn get<Q>(&self, key: &Q) -> Option<Arc<T>>
    where
        K: Borrow<Q>,
        Q: Hash + Eq + ?Sized,
    {
        self.lock().as_ref()?.get(key)?.get()
    }

    /// Whether `key` has an instance now (one being initialised does not count).
    ///
    /// ```
    /// let map = selvedge_singleton::GlobalMap::new();
    /// map.get_or_init("x".to_owned(), || 0);
    /// assert!(map.contains("x"));
    /// assert!(!map.contains("y"));
    /// ```
    #[must_use]
    pub fn contains<Q>(&self, key: &Q) -> bool
    where
        K: Borrow<Q>,
        Q: Hash + Eq + ?Sized,
    {
        self.lock()
            .as_ref()
            .and_then(|slots| slots.get(key))
            .is_some_and(|slot| slot.is_initialized())
    }

    /// How many keys have an instance now.
    ///
    /// ```
    /// let map = selvedge_singleton::GlobalMap::new();
    /// map.get_or_init(1, || 'a');
    /// map.get_or_init(2, || 'b');
    /// assert_eq!(map.len(), 2);
    /// ```
    #[must_use]
    pub fn len(&self) -> usize {
        self.lock().as_ref().map_or(0, |slots| {
            slots
                .iter()
                .filter(|(_, slot)| slot.is_initialized())
                .count()
        })
    }

    /// Whether no key has an instance.
    ///
    /// ```
    /// let map = selvedge_singleton::GlobalMap::<u8, u8>::new();
    /// assert!(map.is_empty());
    /// ```
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The keys that have an instance now, in no particular order.
    ///
    /// ```
    /// let map = selvedge_singleton::GlobalMap::new();
    /// map.get_or_init("b", || 2);
    /// map.get_or_init("a", || 1);
    /// let mut keys = map.keys();
    /// keys.sort();
    /// assert_eq!(keys, ["a", "b"]);
    /// ```
    #[must_use]
    pub fn keys(&self) -> Vec<K> {
        self.lock().as_ref().map_or_else(Vec::new, |slots| {
            slots
                .iter()
                .filter(|(_, slot)| slot.is_initialized())
                .map(|(key, _)| key.clone())
                .collect()
        })
    }

    /// The instance for `key`, created by `init` if there is none.
    ///
    /// Racing callers for the same key run exactly one `init` and share its instance; `init`
    /// runs on the calling thread with no lock of the map held.
    ///
    /// # Panics
    ///
    /// If `init` panics (the panic propagates; the next caller for the key retries), or uses
    /// the same key of this map on the same thread (a recursive initialisation).
    ///
    /// ```
    /// use selvedge_singleton::GlobalMap;
    /// let map = GlobalMap::new();
    /// let a = map.get_or_init("tenant-a", || vec![1]);
    /// let b = map.get_or_init("tenant-b", || vec![2]);
    /// assert_eq!((*a).clone(), [1]);
    /// assert_eq!((*b).clone(), [2]);
    /// ```
    pub fn get_or_init<F>(&self, key: K, init: F) -> Arc<T>
    where
        F: FnOnce() -> T,
    {
        match self.get_or_try_init(key, || Ok::<T, Infallible>(init())) {
            Ok(value) => value,
            Err(never) => match never {},
        }
    }

    /// The instance for `key`, created by the fallible `init` if there is none.
    ///
    /// # Errors
    ///
    /// Returns `init`'s error to this caller; nothing is cached, and the next caller for the key
    /// runs its own initialiser.
    ///
    /// # Panics
    ///
    /// As [`get_or_init`](Self::get_or_init).
    ///
    /// ```
    /// use selvedge_singleton::GlobalMap;
    /// let map: GlobalMap<&str, u16> = GlobalMap::new();
    /// assert!(map.get_or_try_init("port", || "http".parse::<u16>()).is_err());
    /// assert!(!map.contains("port"));
    /// assert_eq!(*map.get_or_try_init("port", || "80".parse::<u16>()).unwrap(), 80);
    /// ```
    pub fn get_or_try_init<F, E>(&self, key: K, init: F) -> Result<Arc<T>, E>
    where
        F: FnOnce() -> Result<T, E>,
        E: fmt::Debug,
    {
        let mut init = init;
        loop {
            let slot = self.slot(&key);
            if let Some(value) = slot.get() {
                return Ok(value);
            }
            // Discards the slot if `init` fails or panics and nobody else is using it.
            let mut cleanup = DiscardIfIdle {
                map: self,
                key: &key,
                slot: &slot,
                armed: true,
            };
            match slot.initialize(init, None) {
                Outcome::Ready(value) => {
                    cleanup.armed = false;
                    return Ok(value);
                }
                Outcome::Failed(error) => return Err(error),
                Outcome::Retired(unused) => {
                    // `remove` took the slot out of the map; go back for a fresh one.
                    cleanup.armed = false;
                    init = unused;
                }
                Outcome::TimedOut(_) => unreachable!("no timeout was given"),
            }
        }
    }

    /// Removes `key` and returns its instance, if it had one. Holders keep theirs; the next
    /// caller for `key` creates a new instance.
    ///
    /// ```
    /// let map = selvedge_singleton::GlobalMap::new();
    /// let old = map.get_or_init(7, || "first");
    /// assert_eq!(map.remove(&7).as_deref(), Some(&"first"));
    /// assert_eq!(*map.get_or_init(7, || "second"), "second");
    /// assert_eq!(*old, "first");
    /// ```
    pub fn remove<Q>(&self, key: &Q) -> Option<Arc<T>>
    where
        K: Borrow<Q>,
        Q: Hash + Eq + ?Sized,
    {
        let slot = self.lock().as_mut()?.remove(key)?;
        // Outside the map's lock: retiring wakes the slot's waiters.
        slot.retire()
    }

    /// The slot for `key`, created if missing.
    fn slot(&self, key: &K) -> Arc<Global<T>> {
        let mut slots = self.lock();
        let slots = slots.get_or_insert_with(SlotTable::new);
        if let Some(slot) = slots.get(key) {
            return slot.clone();
        }
        let slot = Arc::new(Global::named(self.name));
        slots.insert(key.clone(), slot.clone());
        slot
    }

    /// Removes `slot` from the map if it is still `key`'s slot and holds nothing with nobody
    /// initialising it (called after its initialiser failed or panicked).
    fn discard_if_idle(&self, key: &K, slot: &Arc<Global<T>>) {
        let mut slots = self.lock();
        let Some(map) = slots.as_mut() else { return };
        let current = map.get(key).is_some_and(|s| Arc::ptr_eq(s, slot));
        if current && slot.retire_if_idle() {
            map.remove(key);
        }
    }
}

/// Runs [`GlobalMap::discard_if_idle`] on drop unless disarmed: on error and on unwind alike.
struct DiscardIfIdle<'a, K: Eq + Hash + Clone, T> {
    map: &'a GlobalMap<K, T>,
    key: &'a K,
    slot: &'a Arc<Global<T>>,
    armed: bool,
}

impl<K: Eq + Hash + Clone, T> Drop for DiscardIfIdle<'_, K, T> {
    fn drop(&mut self) {
        if self.armed {
            self.map.discard_if_idle(self.key, self.slot);
        }
    }
}

impl<K, T> Default for GlobalMap<K, T> {
    fn default() -> Self {
        Self::new()
    }
}

impl<K: fmt::Debug + Clone, T: fmt::Debug> fmt::Debug for GlobalMap<K, T> {
    /// Formats the keys that have an instance, with it. The entries are copied out under the
    /// map's mutex (cloning each key) and formatted after it is released, so a `Debug` that
    /// reads the map does not deadlock.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let entries: Vec<(K, Arc<T>)> = self.lock().as_ref().map_or_else(Vec::new, |slots| {
            slots
                .iter()
                .filter_map(|(key, slot)| Some((key.clone(), slot.get()?)))
                .collect()
        });
        f.debug_map()
            .entries(entries.iter().map(|(key, value)| (key, value)))
            .finish()
    }
}

#[cfg(all(test, not(selvedge_loom)))]
mod tests {
    use std::panic::{self, AssertUnwindSafe};

    use super::GlobalMap;

    #[test]
    fn failed_initialisation_leaves_no_slot_behind() {
        let map: GlobalMap<u8, u8> = GlobalMap::new();
        assert_eq!(map.get_or_try_init(1, || Err("down")), Err("down"));
        let _ = panic::catch_unwind(AssertUnwindSafe(|| {
            map.get_or_init(2, || panic!("deliberate test panic"))
        }));
        let slots = map.lock();
        assert!(slots.as_ref().is_some_and(|slots| slots.is_empty()));
    }

    #[test]
    fn remove_then_reinitialise() {
        let map = GlobalMap::new();
        map.get_or_init("k", || 1);
        assert_eq!(map.remove("k").as_deref(), Some(&1));
        assert!(map.remove("k").is_none());
        assert_eq!(*map.get_or_init("k", || 2), 2);
        assert_eq!(map.keys(), ["k"]);
    }

    #[test]
    fn remove_from_inside_the_initialiser_is_not_undone() {
        let map = GlobalMap::new();
        let value = map.get_or_init("k", || {
            assert!(map.remove("k").is_none());
            1
        });
        assert_eq!(*value, 1);
        assert!(!map.contains("k"));
    }

    #[test]
    fn other_keys_are_usable_inside_an_initialiser() {
        let map = GlobalMap::new();
        let outer = map.get_or_init(1, || *map.get_or_init(2, || 20) + 1);
        assert_eq!(*outer, 21);
        assert_eq!(map.len(), 2);
    }

    #[test]
    fn debug_lists_initialised_entries() {
        let map = GlobalMap::new();
        map.get_or_init(1, || 'x');
        assert_eq!(format!("{map:?}"), "{1: 'x'}");
    }
}
