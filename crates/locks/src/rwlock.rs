//! [`RwLock`]: many readers or one writer, with upgradable reads.

use std::fmt;
use std::ops::{Deref, DerefMut};
use std::panic::Location;
use std::time::{Duration, Instant};

use parking_lot::lock_api;

use crate::acquire;
use crate::error::LockTimeout;
use crate::lock_order::{Held, Mode};
use crate::meta::{LockMeta, UNNAMED};
use crate::raw::RawRwLock;

/// A reader-writer lock: any number of readers, or one writer, or readers plus one
/// *upgradable* reader that can later become the writer without letting another writer in.
///
/// This is the `RWLock` of seed 002 done right: a writer excludes everyone while it holds the
/// lock, and the backend (parking_lot) is task-fair, so a stream of readers cannot starve a
/// waiting writer.
///
/// `RwLock<T>` is `Sync` when `T: Send + Sync`. Guards are never `Send`; read guards are `Sync`
/// when `T: Sync`.
///
/// # Examples
///
/// ```
/// use selvedge_locks::{RwLock, RwLockUpgradableReadGuard};
///
/// let config = RwLock::named("config", vec!["a"]);
/// assert_eq!(config.read().len(), 1);
///
/// // Check under a read lock, then write without a gap another writer could use.
/// let current = config.upgradable_read();
/// if !current.contains(&"b") {
///     let mut w = RwLockUpgradableReadGuard::upgrade(current);
///     w.push("b");
/// }
/// assert_eq!(*config.read(), ["a", "b"]);
/// ```
///
/// A read guard cannot move to another thread:
///
/// ```compile_fail
/// let lock = selvedge_locks::RwLock::new(0);
/// let guard = lock.read();
/// std::thread::scope(|s| { s.spawn(move || drop(guard)); });
/// ```
///
/// but can be shared with one:
///
/// ```
/// let lock = selvedge_locks::RwLock::new(1);
/// let guard = lock.read();
/// let shared = &guard;
/// std::thread::scope(|s| { s.spawn(move || assert_eq!(**shared, 1)); });
/// ```
///
/// # Panics
///
/// With feature `lock-order`, taking the lock in any mode on a thread that already holds it
/// panics (a read re-lock deadlocks as soon as a writer queues between the two).
pub struct RwLock<T: ?Sized> {
    meta: LockMeta,
    inner: lock_api::RwLock<RawRwLock, T>,
}

macro_rules! guard {
    ($(#[$doc:meta])* $name:ident, $inner:ident $(, $mut:ident)?) => {
        $(#[$doc])*
        #[must_use = "the lock is released as soon as the guard is dropped"]
        pub struct $name<'a, T: ?Sized> {
            inner: lock_api::$inner<'a, RawRwLock, T>,
            _held: Held,
        }

        impl<T: ?Sized> Deref for $name<'_, T> {
            type Target = T;

            #[inline]
            fn deref(&self) -> &T {
                &self.inner
            }
        }

        $(
            impl<T: ?Sized> $mut for $name<'_, T> {
                #[inline]
                fn deref_mut(&mut self) -> &mut T {
                    &mut self.inner
                }
            }
        )?

        impl<T: ?Sized + fmt::Debug> fmt::Debug for $name<'_, T> {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                fmt::Debug::fmt(&**self, f)
            }
        }
    };
}

guard!(
    /// Shared guard of an [`RwLock`].
    ///
    /// ```
    /// let lock = selvedge_locks::RwLock::new(2);
    /// let mine = lock.read();
    /// // Readers on other threads share the lock (re-reading on one thread is a lock-order
    /// // error: a writer queued in between would deadlock it).
    /// std::thread::scope(|s| { s.spawn(|| assert_eq!(*lock.read(), 2)); });
    /// assert_eq!(*mine, 2);
    /// ```
    RwLockReadGuard,
    RwLockReadGuard
);
guard!(
    /// Exclusive guard of an [`RwLock`].
    ///
    /// ```
    /// let lock = selvedge_locks::RwLock::new(2);
    /// *lock.write() += 1;
    /// assert_eq!(*lock.read(), 3);
    /// ```
    RwLockWriteGuard,
    RwLockWriteGuard,
    DerefMut
);
guard!(
    /// An upgradable read guard of an [`RwLock`]: shares with readers, excludes writers and
    /// other upgradable readers, and can become a [`RwLockWriteGuard`].
    ///
    /// ```
    /// use selvedge_locks::{RwLock, RwLockUpgradableReadGuard};
    /// let lock = RwLock::new(1);
    /// let up = lock.upgradable_read();
    /// std::thread::scope(|s| { s.spawn(|| assert_eq!(*lock.read(), 1)); }); // readers get in
    /// *RwLockUpgradableReadGuard::upgrade(up) = 2;
    /// assert_eq!(*lock.read(), 2);
    /// ```
    RwLockUpgradableReadGuard,
    RwLockUpgradableReadGuard
);
guard!(
    /// A read guard narrowed by [`RwLockReadGuard::map`].
    ///
    /// ```
    /// use selvedge_locks::{RwLock, RwLockReadGuard};
    /// let lock = RwLock::new((1, 2));
    /// assert_eq!(*RwLockReadGuard::map(lock.read(), |p| &p.0), 1);
    /// ```
    MappedRwLockReadGuard,
    MappedRwLockReadGuard
);
guard!(
    /// A write guard narrowed by [`RwLockWriteGuard::map`].
    ///
    /// ```
    /// use selvedge_locks::{RwLock, RwLockWriteGuard};
    /// let lock = RwLock::new((1, 2));
    /// *RwLockWriteGuard::map(lock.write(), |p| &mut p.1) = 5;
    /// assert_eq!(lock.read().1, 5);
    /// ```
    MappedRwLockWriteGuard,
    MappedRwLockWriteGuard,
    DerefMut
);

/// Generates the blocking, try, and timed acquisitions of one mode.
macro_rules! acquisitions {
    (
        $mode:expr, $guard:ident,
        $(#[$lock_doc:meta])* $lock:ident => $raw_lock:ident,
        $(#[$try_doc:meta])* $try:ident => $raw_try:ident,
        $(#[$for_doc:meta])* $for:ident,
        $(#[$until_doc:meta])* $until:ident => $raw_until:ident,
        $timed:ident
    ) => {
        $(#[$lock_doc])*
        #[inline]
        #[track_caller]
        pub fn $lock(&self) -> $guard<'_, T> {
            let (inner, held) =
                acquire::lock(&self.meta, $mode, || self.inner.$raw_try(), || self.inner.$raw_lock());
            $guard { inner, _held: held }
        }

        $(#[$try_doc])*
        #[inline]
        #[track_caller]
        pub fn $try(&self) -> Option<$guard<'_, T>> {
            acquire::try_lock(&self.meta, $mode, || self.inner.$raw_try())
                .map(|(inner, held)| $guard { inner, _held: held })
        }

        $(#[$for_doc])*
        ///
        /// A `timeout` too long to represent as an `Instant` waits without limit.
        ///
        /// # Errors
        ///
        /// [`LockTimeout`], naming the lock and the wait, if it was not available in time,
        /// including when this thread holds the lock in a conflicting mode.
        ///
        /// # Panics
        ///
        /// Never for a `timeout` that can end. With feature `lock-order`, one that cannot
        /// (such as `Duration::MAX`) on a lock this thread holds panics, as the blocking
        /// acquisition does, since it would wait forever.
        #[inline]
        #[track_caller]
        pub fn $for(&self, timeout: Duration) -> Result<$guard<'_, T>, LockTimeout> {
            self.$timed(move || Instant::now().checked_add(timeout))
        }

        $(#[$until_doc])*
        ///
        /// Never panics, even with feature `lock-order` on a lock this thread holds: the
        /// wait ends at `deadline`.
        ///
        /// # Errors
        ///
        /// [`LockTimeout`] if it was not available by `deadline`.
        #[inline]
        #[track_caller]
        pub fn $until(&self, deadline: Instant) -> Result<$guard<'_, T>, LockTimeout> {
            self.$timed(move || Some(deadline))
        }

        #[inline]
        #[track_caller]
        fn $timed(
            &self,
            deadline: impl FnOnce() -> Option<Instant>,
        ) -> Result<$guard<'_, T>, LockTimeout> {
            acquire::lock_until(
                &self.meta,
                $mode,
                deadline,
                || self.inner.$raw_try(),
                |deadline| self.inner.$raw_until(deadline),
                || self.inner.$raw_lock(),
            )
            .map(|(inner, held)| $guard { inner, _held: held })
        }
    };
}

impl<T> RwLock<T> {
    /// A new unlocked lock; `const`, so it can be a `static`.
    ///
    /// ```
    /// static CONFIG: selvedge_locks::RwLock<u8> = selvedge_locks::RwLock::new(1);
    /// assert_eq!(*CONFIG.read(), 1);
    /// ```
    #[must_use]
    pub const fn new(value: T) -> Self {
        Self::named(UNNAMED, value)
    }

    /// A new unlocked lock with a name for reports.
    ///
    /// ```
    /// assert_eq!(selvedge_locks::RwLock::named("routes", ()).name(), "routes");
    /// ```
    #[must_use]
    pub const fn named(name: &'static str, value: T) -> Self {
        Self {
            meta: LockMeta::new(name),
            inner: lock_api::RwLock::const_new(<RawRwLock as lock_api::RawRwLock>::INIT, value),
        }
    }

    /// Consumes the lock and returns the data.
    ///
    /// ```
    /// assert_eq!(selvedge_locks::RwLock::new(8).into_inner(), 8);
    /// ```
    pub fn into_inner(self) -> T {
        self.inner.into_inner()
    }
}

impl<T: ?Sized> RwLock<T> {
    /// The lock's name, or `"unnamed"`.
    ///
    /// ```
    /// assert_eq!(selvedge_locks::RwLock::new(()).name(), "unnamed");
    /// ```
    #[must_use]
    pub fn name(&self) -> &'static str {
        self.meta.name()
    }

    acquisitions!(
        Mode::Shared, RwLockReadGuard,
        /// Blocks until shared access is held.
        ///
        /// ```
        /// let lock = selvedge_locks::RwLock::new(1);
        /// assert_eq!(*lock.read(), 1);
        /// ```
        read => read,
        /// Takes shared access if no writer holds or waits for the lock.
        ///
        /// ```
        /// let lock = selvedge_locks::RwLock::new(1);
        /// let _w = lock.write();
        /// assert!(lock.try_read().is_none());
        /// ```
        try_read => try_read,
        /// Waits at most `timeout` for shared access.
        ///
        /// ```
        /// let lock = selvedge_locks::RwLock::new(1);
        /// assert!(lock.try_read_for(std::time::Duration::from_millis(1)).is_ok());
        /// ```
        try_read_for,
        /// Waits until `deadline` at most for shared access.
        ///
        /// ```
        /// let lock = selvedge_locks::RwLock::new(1);
        /// assert!(lock.try_read_until(std::time::Instant::now()).is_ok());
        /// ```
        try_read_until => try_read_until,
        read_until
    );

    acquisitions!(
        Mode::Exclusive, RwLockWriteGuard,
        /// Blocks until exclusive access is held.
        ///
        /// ```
        /// let lock = selvedge_locks::RwLock::new(1);
        /// *lock.write() = 2;
        /// assert_eq!(*lock.read(), 2);
        /// ```
        write => write,
        /// Takes exclusive access if the lock is free.
        ///
        /// ```
        /// let lock = selvedge_locks::RwLock::new(1);
        /// let _r = lock.read();
        /// assert!(lock.try_write().is_none());
        /// ```
        try_write => try_write,
        /// Waits at most `timeout` for exclusive access.
        ///
        /// ```
        /// let lock = selvedge_locks::RwLock::new(1);
        /// assert!(lock.try_write_for(std::time::Duration::from_millis(1)).is_ok());
        /// ```
        try_write_for,
        /// Waits until `deadline` at most for exclusive access.
        ///
        /// ```
        /// let lock = selvedge_locks::RwLock::new(1);
        /// assert!(lock.try_write_until(std::time::Instant::now()).is_ok());
        /// ```
        try_write_until => try_write_until,
        write_until
    );

    acquisitions!(
        Mode::Upgradable, RwLockUpgradableReadGuard,
        /// Blocks until upgradable read access is held (readers may share it; writers and
        /// other upgradable readers wait).
        ///
        /// ```
        /// let lock = selvedge_locks::RwLock::new(1);
        /// let up = lock.upgradable_read();
        /// assert_eq!(*up, 1);
        /// ```
        upgradable_read => upgradable_read,
        /// Takes upgradable read access if no writer or upgradable reader holds the lock.
        ///
        /// ```
        /// let lock = selvedge_locks::RwLock::new(1);
        /// let _up = lock.upgradable_read();
        /// assert!(lock.try_upgradable_read().is_none());
        /// ```
        try_upgradable_read => try_upgradable_read,
        /// Waits at most `timeout` for upgradable read access.
        ///
        /// ```
        /// let lock = selvedge_locks::RwLock::new(1);
        /// assert!(lock.try_upgradable_read_for(std::time::Duration::ZERO).is_ok());
        /// ```
        try_upgradable_read_for,
        /// Waits until `deadline` at most for upgradable read access.
        ///
        /// ```
        /// let lock = selvedge_locks::RwLock::new(1);
        /// assert!(lock.try_upgradable_read_until(std::time::Instant::now()).is_ok());
        /// ```
        try_upgradable_read_until => try_upgradable_read_until,
        upgradable_read_until
    );

    /// Shared access that gets in even when a writer is queued, as long as some thread reads
    /// (parking_lot's `RwLock::read_recursive`), so a thread that already reads can read again
    /// without deadlocking behind that writer.
    ///
    /// The price is fairness: a steady stream of recursive readers can starve writers, which
    /// [`read`](Self::read) never does. With feature `lock-order`, a recursive read on a lock
    /// this thread holds *shared* is allowed (it cannot block); on a lock this thread writes
    /// or holds upgradable, it panics as a self-deadlock. Contention events and order edges
    /// are recorded as for `read`.
    ///
    /// ```
    /// let lock = selvedge_locks::RwLock::new(1);
    /// let outer = lock.read();
    /// let inner = lock.read_recursive(); // `lock.read()` here is a lock-order error
    /// assert_eq!(*outer + *inner, 2);
    /// ```
    #[inline]
    #[track_caller]
    pub fn read_recursive(&self) -> RwLockReadGuard<'_, T> {
        let (inner, held) = acquire::lock(
            &self.meta,
            Mode::SharedRecursive,
            || self.inner.try_read_recursive(),
            || self.inner.read_recursive(),
        );
        RwLockReadGuard { inner, _held: held }
    }

    /// [`read_recursive`](Self::read_recursive) if it can be had without blocking.
    ///
    /// ```
    /// let lock = selvedge_locks::RwLock::new(1);
    /// let outer = lock.read();
    /// assert!(lock.try_read_recursive().is_some());
    /// drop(outer);
    /// let _writer = lock.write();
    /// assert!(lock.try_read_recursive().is_none());
    /// ```
    #[inline]
    #[track_caller]
    pub fn try_read_recursive(&self) -> Option<RwLockReadGuard<'_, T>> {
        acquire::try_lock(&self.meta, Mode::SharedRecursive, || {
            self.inner.try_read_recursive()
        })
        .map(|(inner, held)| RwLockReadGuard { inner, _held: held })
    }

    /// A pointer to the data, for a guard that holds the lock without borrowing it.
    #[cfg(feature = "arc_lock")]
    pub(crate) fn data_ptr(&self) -> *mut T {
        self.inner.data_ptr()
    }

    /// Releases a shared hold kept by a leaked read guard.
    ///
    /// # Safety
    ///
    /// The caller holds a shared lock through `leak` of an [`RwLockReadGuard`] of this lock,
    /// and releases it once.
    #[cfg(feature = "arc_lock")]
    #[allow(unsafe_code)]
    pub(crate) unsafe fn unlock_leaked_shared(&self) {
        // SAFETY: this function's contract; the backend guard was forgotten.
        unsafe { self.inner.force_unlock_read() }
    }

    /// Releases the exclusive hold kept by a leaked write guard.
    ///
    /// # Safety
    ///
    /// As [`unlock_leaked_shared`](Self::unlock_leaked_shared), for an [`RwLockWriteGuard`].
    #[cfg(feature = "arc_lock")]
    #[allow(unsafe_code)]
    pub(crate) unsafe fn unlock_leaked_exclusive(&self) {
        // SAFETY: this function's contract; the backend guard was forgotten.
        unsafe { self.inner.force_unlock_write() }
    }

    /// Releases the upgradable hold kept by a leaked upgradable guard.
    ///
    /// # Safety
    ///
    /// As [`unlock_leaked_shared`](Self::unlock_leaked_shared), for an
    /// [`RwLockUpgradableReadGuard`].
    #[cfg(feature = "arc_lock")]
    #[allow(unsafe_code)]
    pub(crate) unsafe fn unlock_leaked_upgradable(&self) {
        // SAFETY: this function's contract (the upgradable lock is held, its backend guard
        // forgotten); `raw` is only used to release that one hold.
        unsafe { lock_api::RawRwLockUpgrade::unlock_upgradable(self.inner.raw()) }
    }

    /// Whether any thread holds the lock in any mode.
    ///
    /// ```
    /// let lock = selvedge_locks::RwLock::new(());
    /// let _r = lock.read();
    /// assert!(lock.is_locked());
    /// ```
    #[must_use]
    pub fn is_locked(&self) -> bool {
        self.inner.is_locked()
    }

    /// Whether a writer holds the lock.
    ///
    /// ```
    /// let lock = selvedge_locks::RwLock::new(());
    /// let _r = lock.read();
    /// assert!(!lock.is_locked_exclusive());
    /// ```
    #[must_use]
    pub fn is_locked_exclusive(&self) -> bool {
        self.inner.is_locked_exclusive()
    }

    /// Mutable access without locking.
    ///
    /// ```
    /// let mut lock = selvedge_locks::RwLock::new(1);
    /// *lock.get_mut() = 3;
    /// assert_eq!(*lock.read(), 3);
    /// ```
    pub fn get_mut(&mut self) -> &mut T {
        self.inner.get_mut()
    }
}

impl<T: Default> Default for RwLock<T> {
    fn default() -> Self {
        Self::new(T::default())
    }
}

impl<T> From<T> for RwLock<T> {
    fn from(value: T) -> Self {
        Self::new(value)
    }
}

impl<T: ?Sized + fmt::Debug> fmt::Debug for RwLock<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut d = f.debug_struct("RwLock");
        d.field("name", &self.name());
        match self.inner.try_read() {
            Some(guard) => d.field("data", &&*guard),
            None => d.field("data", &format_args!("<locked>")),
        };
        d.finish()
    }
}

/// `unlock_fair` and `bump` for one guard type.
macro_rules! fair {
    ($guard:ident, $mode:expr, $example:literal) => {
        impl<T: ?Sized> $guard<'_, T> {
            /// Unlocks fairly: if threads are waiting, the lock goes straight to them, and
            /// this thread cannot take it back first (parking_lot's `unlock_fair`).
            ///
            /// ```
            #[doc = $example]
            /// selvedge_locks::RwLock::new(1);
            /// let guard = make(&lock);
            /// Guard::unlock_fair(guard);
            /// assert!(!lock.is_locked());
            /// ```
            // `Held` has no `Drop` without feature `lock-order`; the drop says the order.
            #[allow(clippy::drop_non_drop)]
            pub fn unlock_fair(s: Self) {
                let Self { inner, _held } = s;
                drop(_held);
                lock_api::$guard::unlock_fair(inner);
            }

            /// Hands the lock to waiting threads, if there are any, and takes it back in the
            /// same mode when they are done (parking_lot's `bump`); with no waiter it returns
            /// at once. The data may have changed when it returns.
            ///
            /// Taking the lock back is checked by feature `lock-order` as a blocking
            /// acquisition under the locks this thread took after this one, as
            /// [`MutexGuard::bump`](crate::MutexGuard::bump) documents; it emits no
            /// contention event (the wait is a voluntary hand-over).
            ///
            /// ```
            #[doc = $example]
            /// selvedge_locks::RwLock::new(1);
            /// let mut guard = make(&lock);
            /// Guard::bump(&mut guard);
            /// assert_eq!(*guard, 1);
            /// ```
            #[track_caller]
            pub fn bump(s: &mut Self) {
                s._held.before_reacquire($mode, Location::caller());
                lock_api::$guard::bump(&mut s.inner);
            }

            /// Ends the guard but not the hold (for the `Arc` guards): the lock stays held
            /// and the lock-order entry is handed back.
            #[cfg(feature = "arc_lock")]
            pub(crate) fn leak(s: Self) -> Held {
                let Self { inner, _held } = s;
                std::mem::forget(inner);
                _held
            }
        }
    };
}

fair!(
    RwLockReadGuard,
    Mode::Shared,
    "use selvedge_locks::RwLockReadGuard as Guard;\n\
     fn make<T>(l: &selvedge_locks::RwLock<T>) -> Guard<'_, T> { l.read() }\n\
     let lock ="
);
fair!(
    RwLockWriteGuard,
    Mode::Exclusive,
    "use selvedge_locks::RwLockWriteGuard as Guard;\n\
     fn make<T>(l: &selvedge_locks::RwLock<T>) -> Guard<'_, T> { l.write() }\n\
     let lock ="
);
fair!(
    RwLockUpgradableReadGuard,
    Mode::Upgradable,
    "use selvedge_locks::RwLockUpgradableReadGuard as Guard;\n\
     fn make<T>(l: &selvedge_locks::RwLock<T>) -> Guard<'_, T> { l.upgradable_read() }\n\
     let lock ="
);

impl<'a, T: ?Sized> RwLockReadGuard<'a, T> {
    /// Narrows the guard to part of the data.
    ///
    /// ```
    /// use selvedge_locks::{RwLock, RwLockReadGuard};
    /// let lock = RwLock::new(vec![1, 2]);
    /// assert_eq!(*RwLockReadGuard::map(lock.read(), |v| &v[0]), 1);
    /// ```
    pub fn map<U: ?Sized>(s: Self, f: impl FnOnce(&T) -> &U) -> MappedRwLockReadGuard<'a, U> {
        MappedRwLockReadGuard {
            inner: lock_api::RwLockReadGuard::map(s.inner, f),
            _held: s._held,
        }
    }
}

impl<'a, T: ?Sized> RwLockWriteGuard<'a, T> {
    /// Narrows the guard to part of the data.
    ///
    /// ```
    /// use selvedge_locks::{RwLock, RwLockWriteGuard};
    /// let lock = RwLock::new(vec![1, 2]);
    /// *RwLockWriteGuard::map(lock.write(), |v| &mut v[0]) = 7;
    /// assert_eq!(lock.read()[0], 7);
    /// ```
    pub fn map<U: ?Sized>(
        s: Self,
        f: impl FnOnce(&mut T) -> &mut U,
    ) -> MappedRwLockWriteGuard<'a, U> {
        MappedRwLockWriteGuard {
            inner: lock_api::RwLockWriteGuard::map(s.inner, f),
            _held: s._held,
        }
    }

    /// Turns exclusive access into shared access, atomically: no writer can get in between.
    ///
    /// ```
    /// use selvedge_locks::{RwLock, RwLockWriteGuard};
    /// let lock = RwLock::new(1);
    /// let mut w = lock.write();
    /// *w = 2;
    /// let r = RwLockWriteGuard::downgrade(w);
    /// assert_eq!(*r, 2);
    /// assert!(lock.try_read().is_some());
    /// ```
    pub fn downgrade(s: Self) -> RwLockReadGuard<'a, T> {
        RwLockReadGuard {
            inner: lock_api::RwLockWriteGuard::downgrade(s.inner),
            _held: s._held,
        }
    }

    /// Turns exclusive access into upgradable read access, atomically.
    ///
    /// ```
    /// use selvedge_locks::{RwLock, RwLockWriteGuard};
    /// let lock = RwLock::new(1);
    /// let up = RwLockWriteGuard::downgrade_to_upgradable(lock.write());
    /// assert!(lock.try_read().is_some());
    /// assert!(lock.try_write().is_none());
    /// drop(up);
    /// ```
    pub fn downgrade_to_upgradable(s: Self) -> RwLockUpgradableReadGuard<'a, T> {
        RwLockUpgradableReadGuard {
            inner: lock_api::RwLockWriteGuard::downgrade_to_upgradable(s.inner),
            _held: s._held,
        }
    }
}

impl<'a, T: ?Sized> RwLockUpgradableReadGuard<'a, T> {
    /// Waits for the other readers to leave, then turns this guard into the write guard. No
    /// other writer can get in between: what was read stays true.
    ///
    /// ```
    /// use selvedge_locks::{RwLock, RwLockUpgradableReadGuard};
    /// let lock = RwLock::new(0);
    /// let up = lock.upgradable_read();
    /// let mut w = RwLockUpgradableReadGuard::upgrade(up);
    /// *w += 1;
    /// ```
    pub fn upgrade(s: Self) -> RwLockWriteGuard<'a, T> {
        RwLockWriteGuard {
            inner: lock_api::RwLockUpgradableReadGuard::upgrade(s.inner),
            _held: s._held,
        }
    }

    /// Upgrades if no other reader holds the lock; otherwise gives the guard back.
    ///
    /// # Errors
    ///
    /// The guard itself, unchanged, when readers are present.
    ///
    /// ```
    /// use selvedge_locks::{RwLock, RwLockUpgradableReadGuard};
    /// let lock = RwLock::new(0);
    /// let up = lock.upgradable_read();
    /// assert!(RwLockUpgradableReadGuard::try_upgrade(up).is_ok()); // no other reader
    /// ```
    pub fn try_upgrade(s: Self) -> Result<RwLockWriteGuard<'a, T>, Self> {
        let Self { inner, _held } = s;
        match lock_api::RwLockUpgradableReadGuard::try_upgrade(inner) {
            Ok(inner) => Ok(RwLockWriteGuard { inner, _held }),
            Err(inner) => Err(Self { inner, _held }),
        }
    }

    /// Upgrades, waiting at most `timeout` for the other readers to leave.
    ///
    /// # Errors
    ///
    /// The guard itself, unchanged, if readers remained for the whole `timeout`.
    ///
    /// ```
    /// use std::time::Duration;
    /// use selvedge_locks::{RwLock, RwLockUpgradableReadGuard};
    /// let lock = RwLock::new(0);
    /// let up = lock.upgradable_read();
    /// assert!(RwLockUpgradableReadGuard::try_upgrade_for(up, Duration::from_millis(1)).is_ok());
    /// ```
    pub fn try_upgrade_for(s: Self, timeout: Duration) -> Result<RwLockWriteGuard<'a, T>, Self> {
        let Self { inner, _held } = s;
        match lock_api::RwLockUpgradableReadGuard::try_upgrade_for(inner, timeout) {
            Ok(inner) => Ok(RwLockWriteGuard { inner, _held }),
            Err(inner) => Err(Self { inner, _held }),
        }
    }

    /// Upgrades to exclusive access for the length of `f`, then back to upgradable: what was
    /// read before `f` stays true, no other writer gets in, and the guard is kept (lock_api's
    /// `with_upgraded`). If `f` panics, the lock is downgraded back all the same.
    ///
    /// Like [`upgrade`](Self::upgrade), it waits for the other readers to leave.
    ///
    /// ```
    /// use selvedge_locks::{RwLock, RwLockUpgradableReadGuard};
    /// let cache = RwLock::new(Vec::<u32>::new());
    /// let mut guard = cache.upgradable_read();
    /// if guard.is_empty() {
    ///     guard.with_upgraded(|entries| entries.push(7));
    /// }
    /// assert_eq!(*guard, [7]);
    /// ```
    pub fn with_upgraded<R>(&mut self, f: impl FnOnce(&mut T) -> R) -> R {
        self.inner.with_upgraded(f)
    }

    /// [`with_upgraded`](Self::with_upgraded) if no other reader holds the lock now;
    /// otherwise `None`, without running `f`.
    ///
    /// ```
    /// use selvedge_locks::RwLock;
    /// let lock = RwLock::new(0);
    /// let mut guard = lock.upgradable_read();
    /// assert_eq!(guard.try_with_upgraded(|n| { *n += 1; *n }), Some(1));
    /// ```
    pub fn try_with_upgraded<R>(&mut self, f: impl FnOnce(&mut T) -> R) -> Option<R> {
        self.inner.try_with_upgraded(f)
    }

    /// Turns this guard into a plain read guard, letting another upgradable reader in.
    ///
    /// ```
    /// use selvedge_locks::{RwLock, RwLockUpgradableReadGuard};
    /// let lock = RwLock::new(0);
    /// let r = RwLockUpgradableReadGuard::downgrade(lock.upgradable_read());
    /// assert!(lock.try_upgradable_read().is_some());
    /// drop(r);
    /// ```
    pub fn downgrade(s: Self) -> RwLockReadGuard<'a, T> {
        RwLockReadGuard {
            inner: lock_api::RwLockUpgradableReadGuard::downgrade(s.inner),
            _held: s._held,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::{RwLock, RwLockUpgradableReadGuard, RwLockWriteGuard};

    #[test]
    fn upgrade_and_downgrade_round_trip() {
        let lock = RwLock::new(1);
        let up = lock.upgradable_read();
        let mut w = RwLockUpgradableReadGuard::upgrade(up);
        *w += 1;
        let up = RwLockWriteGuard::downgrade_to_upgradable(w);
        let r = RwLockUpgradableReadGuard::downgrade(up);
        assert_eq!(*r, 2);
        drop(r);
        assert_eq!(lock.into_inner(), 2);
    }
}
