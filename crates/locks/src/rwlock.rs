//! [`RwLock`]: many readers or one writer, with upgradable reads.

use std::fmt;
#[cfg(feature = "arc_lock")]
use std::mem::ManuallyDrop;
use std::panic::Location;
use std::time::{Duration, Instant};

use parking_lot::lock_api;

use crate::acquire;
use crate::error::LockTimeout;
use crate::guard_macros::{guard_deref, guard_map};
use crate::lock_order::{Held, Mode};
use crate::meta::{LockMeta, UNNAMED};
use crate::raw::RawRwLock;

/// A reader-writer lock: any number of readers, or one writer, or readers plus one
/// *upgradable* reader that can later become the writer without letting another writer in.
///
/// This is the `RWLock` of seed 002 done right: a writer excludes everyone while it holds the
/// lock, and neither side starves the other: readers arriving after a waiting writer queue
/// behind it, the end of each write lets the waiting readers in, and a waiter passed over for
/// about a millisecond makes newcomers queue behind it (on Linux a futex lock in std's design,
/// elsewhere parking_lot's task-fair one). Only [`read_recursive`](Self::read_recursive) enters
/// past a waiting writer.
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
#[must_use = "the lock is released as soon as the guard is dropped"]
pub struct RwLockReadGuard<'a, T: ?Sized> {
    rwlock: &'a RwLock<T>,
    inner: lock_api::RwLockReadGuard<'a, RawRwLock, T>,
    held: Held,
}

/// Exclusive guard of an [`RwLock`].
///
/// ```
/// let lock = selvedge_locks::RwLock::new(2);
/// *lock.write() += 1;
/// assert_eq!(*lock.read(), 3);
/// ```
#[must_use = "the lock is released as soon as the guard is dropped"]
pub struct RwLockWriteGuard<'a, T: ?Sized> {
    rwlock: &'a RwLock<T>,
    inner: lock_api::RwLockWriteGuard<'a, RawRwLock, T>,
    held: Held,
}

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
#[must_use = "the lock is released as soon as the guard is dropped"]
pub struct RwLockUpgradableReadGuard<'a, T: ?Sized> {
    rwlock: &'a RwLock<T>,
    inner: lock_api::RwLockUpgradableReadGuard<'a, RawRwLock, T>,
    held: Held,
}

/// A read guard narrowed by [`RwLockReadGuard::map`]; it can be narrowed again.
///
/// ```
/// use selvedge_locks::{MappedRwLockReadGuard, RwLock, RwLockReadGuard};
/// let lock = RwLock::new((1, (2, 3)));
/// let inner = RwLockReadGuard::map(lock.read(), |p| &p.1);
/// assert_eq!(*MappedRwLockReadGuard::map(inner, |p| &p.0), 2);
/// ```
#[must_use = "the lock is released as soon as the guard is dropped"]
pub struct MappedRwLockReadGuard<'a, T: ?Sized> {
    inner: lock_api::MappedRwLockReadGuard<'a, RawRwLock, T>,
    held: Held,
}

/// A write guard narrowed by [`RwLockWriteGuard::map`]; it can be narrowed again.
///
/// ```
/// use selvedge_locks::{MappedRwLockWriteGuard, RwLock, RwLockWriteGuard};
/// let lock = RwLock::new((1, (2, 3)));
/// let inner = RwLockWriteGuard::map(lock.write(), |p| &mut p.1);
/// *MappedRwLockWriteGuard::map(inner, |p| &mut p.1) = 5;
/// assert_eq!(lock.read().1.1, 5);
/// ```
#[must_use = "the lock is released as soon as the guard is dropped"]
pub struct MappedRwLockWriteGuard<'a, T: ?Sized> {
    inner: lock_api::MappedRwLockWriteGuard<'a, RawRwLock, T>,
    held: Held,
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

    /// Blocks until shared access is held.
    ///
    /// ```
    /// let lock = selvedge_locks::RwLock::new(1);
    /// assert_eq!(*lock.read(), 1);
    /// ```
    #[inline]
    #[track_caller]
    pub fn read(&self) -> RwLockReadGuard<'_, T> {
        let (inner, held) = acquire::lock(
            &self.meta,
            Mode::Shared,
            || self.inner.try_read(),
            || self.inner.read(),
        );
        RwLockReadGuard {
            rwlock: self,
            inner,
            held,
        }
    }

    /// Takes shared access if no writer holds or waits for the lock.
    ///
    /// ```
    /// let lock = selvedge_locks::RwLock::new(1);
    /// let _w = lock.write();
    /// assert!(lock.try_read().is_none());
    /// ```
    #[inline]
    #[track_caller]
    pub fn try_read(&self) -> Option<RwLockReadGuard<'_, T>> {
        acquire::try_lock(&self.meta, Mode::Shared, || self.inner.try_read()).map(
            |(inner, held)| RwLockReadGuard {
                rwlock: self,
                inner,
                held,
            },
        )
    }

    /// Waits at most `timeout` for shared access. A `timeout` too long to represent as an
    /// `Instant` waits without limit.
    ///
    /// # Errors
    ///
    /// [`LockTimeout`], naming the lock and the wait, if it was not available in time,
    /// including when this thread holds the lock in a conflicting mode.
    ///
    /// # Panics
    ///
    /// Never for a `timeout` that can end. With feature `lock-order`, one that cannot (such
    /// as `Duration::MAX`) on a lock this thread holds panics, as the blocking acquisition
    /// does, since it would wait forever. The same holds for every `try_*_for` of this lock.
    ///
    /// ```
    /// let lock = selvedge_locks::RwLock::new(1);
    /// assert!(lock.try_read_for(std::time::Duration::from_millis(1)).is_ok());
    /// ```
    #[inline]
    #[track_caller]
    pub fn try_read_for(&self, timeout: Duration) -> Result<RwLockReadGuard<'_, T>, LockTimeout> {
        self.read_until(move || Instant::now().checked_add(timeout))
    }

    /// Waits until `deadline` at most for shared access. Never panics, even with feature
    /// `lock-order` on a lock this thread holds: the wait ends at `deadline`. The same holds
    /// for every `try_*_until` of this lock.
    ///
    /// # Errors
    ///
    /// [`LockTimeout`] if it was not available by `deadline`.
    ///
    /// ```
    /// let lock = selvedge_locks::RwLock::new(1);
    /// assert!(lock.try_read_until(std::time::Instant::now()).is_ok());
    /// ```
    #[inline]
    #[track_caller]
    pub fn try_read_until(&self, deadline: Instant) -> Result<RwLockReadGuard<'_, T>, LockTimeout> {
        self.read_until(move || Some(deadline))
    }

    #[inline]
    #[track_caller]
    fn read_until(
        &self,
        deadline: impl FnOnce() -> Option<Instant>,
    ) -> Result<RwLockReadGuard<'_, T>, LockTimeout> {
        acquire::lock_until(
            &self.meta,
            Mode::Shared,
            deadline,
            || self.inner.try_read(),
            |deadline| self.inner.try_read_until(deadline),
            || self.inner.read(),
        )
        .map(|(inner, held)| RwLockReadGuard {
            rwlock: self,
            inner,
            held,
        })
    }

    /// Blocks until exclusive access is held.
    ///
    /// ```
    /// let lock = selvedge_locks::RwLock::new(1);
    /// *lock.write() = 2;
    /// assert_eq!(*lock.read(), 2);
    /// ```
    #[inline]
    #[track_caller]
    pub fn write(&self) -> RwLockWriteGuard<'_, T> {
        let (inner, held) = acquire::lock(
            &self.meta,
            Mode::Exclusive,
            || self.inner.try_write(),
            || self.inner.write(),
        );
        RwLockWriteGuard {
            rwlock: self,
            inner,
            held,
        }
    }

    /// Takes exclusive access if the lock is free.
    ///
    /// ```
    /// let lock = selvedge_locks::RwLock::new(1);
    /// let _r = lock.read();
    /// assert!(lock.try_write().is_none());
    /// ```
    #[inline]
    #[track_caller]
    pub fn try_write(&self) -> Option<RwLockWriteGuard<'_, T>> {
        acquire::try_lock(&self.meta, Mode::Exclusive, || self.inner.try_write()).map(
            |(inner, held)| RwLockWriteGuard {
                rwlock: self,
                inner,
                held,
            },
        )
    }

    /// Waits at most `timeout` for exclusive access; as [`try_read_for`](Self::try_read_for).
    ///
    /// # Errors
    ///
    /// [`LockTimeout`], naming the lock and the wait, if it was not available in time.
    ///
    /// ```
    /// let lock = selvedge_locks::RwLock::new(1);
    /// assert!(lock.try_write_for(std::time::Duration::from_millis(1)).is_ok());
    /// ```
    #[inline]
    #[track_caller]
    pub fn try_write_for(&self, timeout: Duration) -> Result<RwLockWriteGuard<'_, T>, LockTimeout> {
        self.write_until(move || Instant::now().checked_add(timeout))
    }

    /// Waits until `deadline` at most for exclusive access; as
    /// [`try_read_until`](Self::try_read_until).
    ///
    /// # Errors
    ///
    /// [`LockTimeout`] if it was not available by `deadline`.
    ///
    /// ```
    /// let lock = selvedge_locks::RwLock::new(1);
    /// assert!(lock.try_write_until(std::time::Instant::now()).is_ok());
    /// ```
    #[inline]
    #[track_caller]
    pub fn try_write_until(
        &self,
        deadline: Instant,
    ) -> Result<RwLockWriteGuard<'_, T>, LockTimeout> {
        self.write_until(move || Some(deadline))
    }

    #[inline]
    #[track_caller]
    fn write_until(
        &self,
        deadline: impl FnOnce() -> Option<Instant>,
    ) -> Result<RwLockWriteGuard<'_, T>, LockTimeout> {
        acquire::lock_until(
            &self.meta,
            Mode::Exclusive,
            deadline,
            || self.inner.try_write(),
            |deadline| self.inner.try_write_until(deadline),
            || self.inner.write(),
        )
        .map(|(inner, held)| RwLockWriteGuard {
            rwlock: self,
            inner,
            held,
        })
    }

    /// Blocks until upgradable read access is held (readers may share it; writers and
    /// other upgradable readers wait).
    ///
    /// ```
    /// let lock = selvedge_locks::RwLock::new(1);
    /// let up = lock.upgradable_read();
    /// assert_eq!(*up, 1);
    /// ```
    #[inline]
    #[track_caller]
    pub fn upgradable_read(&self) -> RwLockUpgradableReadGuard<'_, T> {
        let (inner, held) = acquire::lock(
            &self.meta,
            Mode::Upgradable,
            || self.inner.try_upgradable_read(),
            || self.inner.upgradable_read(),
        );
        RwLockUpgradableReadGuard {
            rwlock: self,
            inner,
            held,
        }
    }

    /// Takes upgradable read access if no writer or upgradable reader holds the lock.
    ///
    /// ```
    /// let lock = selvedge_locks::RwLock::new(1);
    /// let _up = lock.upgradable_read();
    /// assert!(lock.try_upgradable_read().is_none());
    /// ```
    #[inline]
    #[track_caller]
    pub fn try_upgradable_read(&self) -> Option<RwLockUpgradableReadGuard<'_, T>> {
        acquire::try_lock(&self.meta, Mode::Upgradable, || {
            self.inner.try_upgradable_read()
        })
        .map(|(inner, held)| RwLockUpgradableReadGuard {
            rwlock: self,
            inner,
            held,
        })
    }

    /// Waits at most `timeout` for upgradable read access; as
    /// [`try_read_for`](Self::try_read_for).
    ///
    /// # Errors
    ///
    /// [`LockTimeout`], naming the lock and the wait, if it was not available in time.
    ///
    /// ```
    /// let lock = selvedge_locks::RwLock::new(1);
    /// assert!(lock.try_upgradable_read_for(std::time::Duration::ZERO).is_ok());
    /// ```
    #[inline]
    #[track_caller]
    pub fn try_upgradable_read_for(
        &self,
        timeout: Duration,
    ) -> Result<RwLockUpgradableReadGuard<'_, T>, LockTimeout> {
        self.upgradable_read_until(move || Instant::now().checked_add(timeout))
    }

    /// Waits until `deadline` at most for upgradable read access; as
    /// [`try_read_until`](Self::try_read_until).
    ///
    /// # Errors
    ///
    /// [`LockTimeout`] if it was not available by `deadline`.
    ///
    /// ```
    /// let lock = selvedge_locks::RwLock::new(1);
    /// assert!(lock.try_upgradable_read_until(std::time::Instant::now()).is_ok());
    /// ```
    #[inline]
    #[track_caller]
    pub fn try_upgradable_read_until(
        &self,
        deadline: Instant,
    ) -> Result<RwLockUpgradableReadGuard<'_, T>, LockTimeout> {
        self.upgradable_read_until(move || Some(deadline))
    }

    #[inline]
    #[track_caller]
    fn upgradable_read_until(
        &self,
        deadline: impl FnOnce() -> Option<Instant>,
    ) -> Result<RwLockUpgradableReadGuard<'_, T>, LockTimeout> {
        acquire::lock_until(
            &self.meta,
            Mode::Upgradable,
            deadline,
            || self.inner.try_upgradable_read(),
            |deadline| self.inner.try_upgradable_read_until(deadline),
            || self.inner.upgradable_read(),
        )
        .map(|(inner, held)| RwLockUpgradableReadGuard {
            rwlock: self,
            inner,
            held,
        })
    }

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
        RwLockReadGuard {
            rwlock: self,
            inner,
            held,
        }
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
        .map(|(inner, held)| RwLockReadGuard {
            rwlock: self,
            inner,
            held,
        })
    }

    /// A raw pointer to the data (lock_api's `data_ptr`). Getting it is safe; using it is
    /// `unsafe` and sound only while this thread holds the lock in a mode that allows the
    /// access, or has `&mut` to the lock.
    ///
    /// ```
    /// let lock = selvedge_locks::RwLock::new(5);
    /// let guard = lock.read();
    /// assert_eq!(lock.data_ptr().cast_const(), &*guard as *const i32);
    /// ```
    #[must_use]
    pub fn data_ptr(&self) -> *mut T {
        self.inner.data_ptr()
    }

    /// Releases a shared hold kept by a leaked read guard.
    ///
    /// # Safety
    ///
    /// The caller holds a shared lock through `into_held` of an [`RwLockReadGuard`] of this
    /// lock, and releases it once.
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

    /// lock_api's read guard for a shared hold kept by [`RwLockReadGuard::into_held`], so an
    /// `Arc` guard can use lock_api's guard operations; in a `ManuallyDrop`, as
    /// [`Mutex::kept_guard`](crate::Mutex::kept_guard) explains.
    ///
    /// # Safety
    ///
    /// This thread holds the lock shared through an `into_held` on this lock, and the
    /// returned guard stands for that one hold.
    #[cfg(feature = "arc_lock")]
    #[allow(unsafe_code)]
    pub(crate) unsafe fn kept_read_guard(
        &self,
    ) -> ManuallyDrop<lock_api::RwLockReadGuard<'_, RawRwLock, T>> {
        // SAFETY: this thread holds the lock shared (this function's contract).
        ManuallyDrop::new(unsafe { self.inner.make_read_guard_unchecked() })
    }

    /// [`kept_read_guard`](Self::kept_read_guard) for the exclusive hold of a leaked write
    /// guard.
    ///
    /// # Safety
    ///
    /// This thread holds the lock exclusively through an `into_held` on this lock.
    #[cfg(feature = "arc_lock")]
    #[allow(unsafe_code)]
    pub(crate) unsafe fn kept_write_guard(
        &self,
    ) -> ManuallyDrop<lock_api::RwLockWriteGuard<'_, RawRwLock, T>> {
        // SAFETY: this thread holds the lock exclusively (this function's contract).
        ManuallyDrop::new(unsafe { self.inner.make_write_guard_unchecked() })
    }

    /// [`kept_read_guard`](Self::kept_read_guard) for the upgradable hold of a leaked
    /// upgradable guard.
    ///
    /// # Safety
    ///
    /// This thread holds the lock upgradable through an `into_held` on this lock.
    #[cfg(feature = "arc_lock")]
    #[allow(unsafe_code)]
    pub(crate) unsafe fn kept_upgradable_guard(
        &self,
    ) -> ManuallyDrop<lock_api::RwLockUpgradableReadGuard<'_, RawRwLock, T>> {
        // SAFETY: this thread holds the lock upgradable (this function's contract).
        ManuallyDrop::new(unsafe { self.inner.make_upgradable_guard_unchecked() })
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

guard_deref!(RwLockReadGuard);
guard_deref!(RwLockWriteGuard, mut);
guard_deref!(RwLockUpgradableReadGuard);
guard_deref!(MappedRwLockReadGuard);
guard_deref!(MappedRwLockWriteGuard, mut);
guard_map!(
    RwLockReadGuard => MappedRwLockReadGuard, RwLockReadGuard::try_map_or_err, (&),
    hooks { held }, keep { rwlock },
    "use selvedge_locks::RwLockReadGuard as Guard;\n\
     let lock = selvedge_locks::RwLock::new(vec![1, 2]);\n\
     let guard = lock.read();",
    "&v[1]"
);
guard_map!(
    MappedRwLockReadGuard => MappedRwLockReadGuard,
    // lock_api spells this one `try_map_or_else`; ours is `try_map_or_err` on every guard.
    MappedRwLockReadGuard::try_map_or_else, (&),
    hooks { held }, keep {},
    "use selvedge_locks::{MappedRwLockReadGuard as Guard, RwLockReadGuard};\n\
     let lock = selvedge_locks::RwLock::new(vec![1, 2]);\n\
     let guard = RwLockReadGuard::map(lock.read(), |v| v);",
    "&v[1]"
);
guard_map!(
    RwLockWriteGuard => MappedRwLockWriteGuard, RwLockWriteGuard::try_map_or_err, (&mut),
    hooks { held }, keep { rwlock },
    "use selvedge_locks::RwLockWriteGuard as Guard;\n\
     let lock = selvedge_locks::RwLock::new(vec![1, 2]);\n\
     let guard = lock.write();",
    "&mut v[1]"
);
guard_map!(
    MappedRwLockWriteGuard => MappedRwLockWriteGuard,
    MappedRwLockWriteGuard::try_map_or_err, (&mut),
    hooks { held }, keep {},
    "use selvedge_locks::{MappedRwLockWriteGuard as Guard, RwLockWriteGuard};\n\
     let lock = selvedge_locks::RwLock::new(vec![1, 2]);\n\
     let guard = RwLockWriteGuard::map(lock.write(), |v| v);",
    "&mut v[1]"
);

impl<'a, T: ?Sized> RwLockReadGuard<'a, T> {
    /// The lock this guard holds (lock_api's `rwlock`).
    ///
    /// ```
    /// use selvedge_locks::{RwLock, RwLockReadGuard};
    /// let lock = RwLock::named("routes", ());
    /// let guard = lock.read();
    /// assert_eq!(RwLockReadGuard::rwlock(&guard).name(), "routes");
    /// ```
    #[must_use]
    pub fn rwlock(s: &Self) -> &'a RwLock<T> {
        s.rwlock
    }

    /// Unlocks, runs `f`, and takes shared access again (lock_api's `unlocked`); checked by
    /// feature `lock-order` as [`MutexGuard::unlocked`](crate::MutexGuard::unlocked) is.
    ///
    /// ```
    /// use selvedge_locks::{RwLock, RwLockReadGuard};
    /// let lock = RwLock::new(1);
    /// let mut guard = lock.read();
    /// RwLockReadGuard::unlocked(&mut guard, || *lock.write() += 1);
    /// assert_eq!(*guard, 2);
    /// ```
    #[track_caller]
    pub fn unlocked<U>(s: &mut Self, f: impl FnOnce() -> U) -> U {
        let site = Location::caller();
        s.held.released();
        let held = &mut s.held;
        lock_api::RwLockReadGuard::unlocked(&mut s.inner, || {
            let result = f();
            held.before_reacquire(Mode::Shared, site);
            result
        })
    }

    /// [`unlocked`](Self::unlocked) with a fair unlock (lock_api's `unlocked_fair`).
    ///
    /// ```
    /// use selvedge_locks::{RwLock, RwLockReadGuard};
    /// let lock = RwLock::new(1);
    /// let mut guard = lock.read();
    /// RwLockReadGuard::unlocked_fair(&mut guard, || *lock.write() += 1);
    /// assert_eq!(*guard, 2);
    /// ```
    #[track_caller]
    pub fn unlocked_fair<U>(s: &mut Self, f: impl FnOnce() -> U) -> U {
        let site = Location::caller();
        s.held.released();
        let held = &mut s.held;
        lock_api::RwLockReadGuard::unlocked_fair(&mut s.inner, || {
            let result = f();
            held.before_reacquire(Mode::Shared, site);
            result
        })
    }

    /// Unlocks fairly: if threads are waiting, the lock goes straight to them, and this
    /// thread cannot take it back first (parking_lot's `unlock_fair`).
    ///
    /// ```
    /// use selvedge_locks::{RwLock, RwLockReadGuard};
    /// let lock = RwLock::new(1);
    /// RwLockReadGuard::unlock_fair(lock.read());
    /// assert!(!lock.is_locked());
    /// ```
    // `Held` has no `Drop` without feature `lock-order`; the drop says the order.
    #[allow(clippy::drop_non_drop)]
    pub fn unlock_fair(s: Self) {
        let Self { inner, held, .. } = s;
        drop(held);
        lock_api::RwLockReadGuard::unlock_fair(inner);
    }

    /// Hands the lock to waiting threads, if there are any, and takes shared access back
    /// when they are done (parking_lot's `bump`); with no waiter it returns at once. The
    /// data may have changed when it returns.
    ///
    /// Taking the lock back is checked by feature `lock-order` as a blocking acquisition
    /// under the locks this thread took after this one, as
    /// [`MutexGuard::bump`](crate::MutexGuard::bump) documents; it emits no contention event
    /// (the wait is a voluntary hand-over).
    ///
    /// ```
    /// use selvedge_locks::{RwLock, RwLockReadGuard};
    /// let lock = RwLock::new(1);
    /// let mut guard = lock.read();
    /// RwLockReadGuard::bump(&mut guard);
    /// assert_eq!(*guard, 1);
    /// ```
    #[track_caller]
    pub fn bump(s: &mut Self) {
        s.held.before_reacquire(Mode::Shared, Location::caller());
        lock_api::RwLockReadGuard::bump(&mut s.inner);
    }

    /// Ends the guard but not the hold (for the `Arc` guards): the lock stays held and the
    /// lock-order entry is handed back.
    #[cfg(feature = "arc_lock")]
    pub(crate) fn into_held(s: Self) -> Held {
        let Self { inner, held, .. } = s;
        std::mem::forget(inner);
        held
    }
}

impl<'a, T: ?Sized> RwLockWriteGuard<'a, T> {
    /// The lock this guard holds (lock_api's `rwlock`).
    ///
    /// ```
    /// use selvedge_locks::{RwLock, RwLockWriteGuard};
    /// let lock = RwLock::named("routes", ());
    /// let guard = lock.write();
    /// assert_eq!(RwLockWriteGuard::rwlock(&guard).name(), "routes");
    /// ```
    #[must_use]
    pub fn rwlock(s: &Self) -> &'a RwLock<T> {
        s.rwlock
    }

    /// Unlocks, runs `f`, and takes exclusive access again (lock_api's `unlocked`); checked
    /// by feature `lock-order` as [`MutexGuard::unlocked`](crate::MutexGuard::unlocked) is.
    ///
    /// ```
    /// use selvedge_locks::{RwLock, RwLockWriteGuard};
    /// let lock = RwLock::new(1);
    /// let mut guard = lock.write();
    /// RwLockWriteGuard::unlocked(&mut guard, || *lock.write() += 1);
    /// *guard += 1;
    /// assert_eq!(*guard, 3);
    /// ```
    #[track_caller]
    pub fn unlocked<U>(s: &mut Self, f: impl FnOnce() -> U) -> U {
        let site = Location::caller();
        s.held.released();
        let held = &mut s.held;
        lock_api::RwLockWriteGuard::unlocked(&mut s.inner, || {
            let result = f();
            held.before_reacquire(Mode::Exclusive, site);
            result
        })
    }

    /// [`unlocked`](Self::unlocked) with a fair unlock (lock_api's `unlocked_fair`).
    ///
    /// ```
    /// use selvedge_locks::{RwLock, RwLockWriteGuard};
    /// let lock = RwLock::new(1);
    /// let mut guard = lock.write();
    /// RwLockWriteGuard::unlocked_fair(&mut guard, || *lock.write() += 1);
    /// assert_eq!(*guard, 2);
    /// ```
    #[track_caller]
    pub fn unlocked_fair<U>(s: &mut Self, f: impl FnOnce() -> U) -> U {
        let site = Location::caller();
        s.held.released();
        let held = &mut s.held;
        lock_api::RwLockWriteGuard::unlocked_fair(&mut s.inner, || {
            let result = f();
            held.before_reacquire(Mode::Exclusive, site);
            result
        })
    }

    /// Unlocks fairly, as [`RwLockReadGuard::unlock_fair`].
    ///
    /// ```
    /// use selvedge_locks::{RwLock, RwLockWriteGuard};
    /// let lock = RwLock::new(1);
    /// RwLockWriteGuard::unlock_fair(lock.write());
    /// assert!(!lock.is_locked());
    /// ```
    // `Held` has no `Drop` without feature `lock-order`; the drop says the order.
    #[allow(clippy::drop_non_drop)]
    pub fn unlock_fair(s: Self) {
        let Self { inner, held, .. } = s;
        drop(held);
        lock_api::RwLockWriteGuard::unlock_fair(inner);
    }

    /// Hands the lock to waiting threads and takes exclusive access back, as
    /// [`RwLockReadGuard::bump`].
    ///
    /// ```
    /// use selvedge_locks::{RwLock, RwLockWriteGuard};
    /// let lock = RwLock::new(1);
    /// let mut guard = lock.write();
    /// RwLockWriteGuard::bump(&mut guard);
    /// assert_eq!(*guard, 1);
    /// ```
    #[track_caller]
    pub fn bump(s: &mut Self) {
        s.held.before_reacquire(Mode::Exclusive, Location::caller());
        lock_api::RwLockWriteGuard::bump(&mut s.inner);
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
        let Self {
            rwlock,
            inner,
            held,
        } = s;
        RwLockReadGuard {
            rwlock,
            inner: lock_api::RwLockWriteGuard::downgrade(inner),
            held,
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
        let Self {
            rwlock,
            inner,
            held,
        } = s;
        RwLockUpgradableReadGuard {
            rwlock,
            inner: lock_api::RwLockWriteGuard::downgrade_to_upgradable(inner),
            held,
        }
    }

    /// Ends the guard but not the hold (for the `Arc` guards): the lock stays held and the
    /// lock-order entry is handed back.
    #[cfg(feature = "arc_lock")]
    pub(crate) fn into_held(s: Self) -> Held {
        let Self { inner, held, .. } = s;
        std::mem::forget(inner);
        held
    }
}

impl<'a, T: ?Sized> RwLockUpgradableReadGuard<'a, T> {
    /// The lock this guard holds (lock_api's `rwlock`).
    ///
    /// ```
    /// use selvedge_locks::{RwLock, RwLockUpgradableReadGuard};
    /// let lock = RwLock::named("routes", ());
    /// let guard = lock.upgradable_read();
    /// assert_eq!(RwLockUpgradableReadGuard::rwlock(&guard).name(), "routes");
    /// ```
    #[must_use]
    pub fn rwlock(s: &Self) -> &'a RwLock<T> {
        s.rwlock
    }

    /// Unlocks, runs `f`, and takes upgradable access again (lock_api's `unlocked`); checked
    /// by feature `lock-order` as [`MutexGuard::unlocked`](crate::MutexGuard::unlocked) is.
    ///
    /// ```
    /// use selvedge_locks::{RwLock, RwLockUpgradableReadGuard};
    /// let lock = RwLock::new(1);
    /// let mut guard = lock.upgradable_read();
    /// RwLockUpgradableReadGuard::unlocked(&mut guard, || *lock.write() += 1);
    /// assert_eq!(*guard, 2);
    /// ```
    #[track_caller]
    pub fn unlocked<U>(s: &mut Self, f: impl FnOnce() -> U) -> U {
        let site = Location::caller();
        s.held.released();
        let held = &mut s.held;
        lock_api::RwLockUpgradableReadGuard::unlocked(&mut s.inner, || {
            let result = f();
            held.before_reacquire(Mode::Upgradable, site);
            result
        })
    }

    /// [`unlocked`](Self::unlocked) with a fair unlock (lock_api's `unlocked_fair`).
    ///
    /// ```
    /// use selvedge_locks::{RwLock, RwLockUpgradableReadGuard};
    /// let lock = RwLock::new(1);
    /// let mut guard = lock.upgradable_read();
    /// RwLockUpgradableReadGuard::unlocked_fair(&mut guard, || *lock.write() += 1);
    /// assert_eq!(*guard, 2);
    /// ```
    #[track_caller]
    pub fn unlocked_fair<U>(s: &mut Self, f: impl FnOnce() -> U) -> U {
        let site = Location::caller();
        s.held.released();
        let held = &mut s.held;
        lock_api::RwLockUpgradableReadGuard::unlocked_fair(&mut s.inner, || {
            let result = f();
            held.before_reacquire(Mode::Upgradable, site);
            result
        })
    }

    /// Unlocks fairly, as [`RwLockReadGuard::unlock_fair`].
    ///
    /// ```
    /// use selvedge_locks::{RwLock, RwLockUpgradableReadGuard};
    /// let lock = RwLock::new(1);
    /// RwLockUpgradableReadGuard::unlock_fair(lock.upgradable_read());
    /// assert!(!lock.is_locked());
    /// ```
    // `Held` has no `Drop` without feature `lock-order`; the drop says the order.
    #[allow(clippy::drop_non_drop)]
    pub fn unlock_fair(s: Self) {
        let Self { inner, held, .. } = s;
        drop(held);
        lock_api::RwLockUpgradableReadGuard::unlock_fair(inner);
    }

    /// Hands the lock to waiting threads and takes upgradable access back, as
    /// [`RwLockReadGuard::bump`].
    ///
    /// ```
    /// use selvedge_locks::{RwLock, RwLockUpgradableReadGuard};
    /// let lock = RwLock::new(1);
    /// let mut guard = lock.upgradable_read();
    /// RwLockUpgradableReadGuard::bump(&mut guard);
    /// assert_eq!(*guard, 1);
    /// ```
    #[track_caller]
    pub fn bump(s: &mut Self) {
        s.held
            .before_reacquire(Mode::Upgradable, Location::caller());
        lock_api::RwLockUpgradableReadGuard::bump(&mut s.inner);
    }

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
        let Self {
            rwlock,
            inner,
            held,
        } = s;
        RwLockWriteGuard {
            rwlock,
            inner: lock_api::RwLockUpgradableReadGuard::upgrade(inner),
            held,
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
        let Self {
            rwlock,
            inner,
            held,
        } = s;
        match lock_api::RwLockUpgradableReadGuard::try_upgrade(inner) {
            Ok(inner) => Ok(RwLockWriteGuard {
                rwlock,
                inner,
                held,
            }),
            Err(inner) => Err(Self {
                rwlock,
                inner,
                held,
            }),
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
        let Self {
            rwlock,
            inner,
            held,
        } = s;
        match lock_api::RwLockUpgradableReadGuard::try_upgrade_for(inner, timeout) {
            Ok(inner) => Ok(RwLockWriteGuard {
                rwlock,
                inner,
                held,
            }),
            Err(inner) => Err(Self {
                rwlock,
                inner,
                held,
            }),
        }
    }

    /// Upgrades, waiting until `deadline` at most for the other readers to leave.
    ///
    /// # Errors
    ///
    /// The guard itself, unchanged, if readers remained until `deadline`.
    ///
    /// ```
    /// use std::time::{Duration, Instant};
    /// use selvedge_locks::{RwLock, RwLockUpgradableReadGuard};
    /// let lock = RwLock::new(0);
    /// let up = lock.upgradable_read();
    /// let reader = lock.try_read().unwrap(); // another reader: the upgrade cannot happen
    /// let up = RwLockUpgradableReadGuard::try_upgrade_until(up, Instant::now()).unwrap_err();
    /// drop(reader);
    /// let soon = Instant::now() + Duration::from_millis(1);
    /// assert!(RwLockUpgradableReadGuard::try_upgrade_until(up, soon).is_ok());
    /// ```
    pub fn try_upgrade_until(s: Self, deadline: Instant) -> Result<RwLockWriteGuard<'a, T>, Self> {
        let Self {
            rwlock,
            inner,
            held,
        } = s;
        match lock_api::RwLockUpgradableReadGuard::try_upgrade_until(inner, deadline) {
            Ok(inner) => Ok(RwLockWriteGuard {
                rwlock,
                inner,
                held,
            }),
            Err(inner) => Err(Self {
                rwlock,
                inner,
                held,
            }),
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

    /// [`with_upgraded`](Self::with_upgraded), waiting at most `timeout` for the other
    /// readers to leave; `None`, without running `f`, if they stayed.
    ///
    /// ```
    /// use std::time::Duration;
    /// use selvedge_locks::RwLock;
    /// let lock = RwLock::new(0);
    /// let mut guard = lock.upgradable_read();
    /// let doubled = guard.try_with_upgraded_for(Duration::from_millis(1), |n| { *n += 2; *n });
    /// assert_eq!(doubled, Some(2));
    /// ```
    pub fn try_with_upgraded_for<R>(
        &mut self,
        timeout: Duration,
        f: impl FnOnce(&mut T) -> R,
    ) -> Option<R> {
        self.inner.try_with_upgraded_for(timeout, f)
    }

    /// [`with_upgraded`](Self::with_upgraded), waiting until `deadline` at most for the other
    /// readers to leave; `None`, without running `f`, if they stayed.
    ///
    /// ```
    /// use std::time::Instant;
    /// use selvedge_locks::RwLock;
    /// let lock = RwLock::new(0);
    /// let mut guard = lock.upgradable_read();
    /// let reader = lock.try_read().unwrap();
    /// assert_eq!(guard.try_with_upgraded_until(Instant::now(), |n| *n += 1), None);
    /// drop(reader);
    /// assert_eq!(*guard, 0);
    /// ```
    pub fn try_with_upgraded_until<R>(
        &mut self,
        deadline: Instant,
        f: impl FnOnce(&mut T) -> R,
    ) -> Option<R> {
        self.inner.try_with_upgraded_until(deadline, f)
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
        let Self {
            rwlock,
            inner,
            held,
        } = s;
        RwLockReadGuard {
            rwlock,
            inner: lock_api::RwLockUpgradableReadGuard::downgrade(inner),
            held,
        }
    }

    /// Ends the guard but not the hold (for the `Arc` guards): the lock stays held and the
    /// lock-order entry is handed back.
    #[cfg(feature = "arc_lock")]
    pub(crate) fn into_held(s: Self) -> Held {
        let Self { inner, held, .. } = s;
        std::mem::forget(inner);
        held
    }
}

impl<T: ?Sized> MappedRwLockReadGuard<'_, T> {
    /// Unlocks fairly, as [`RwLockReadGuard::unlock_fair`].
    ///
    /// ```
    /// use selvedge_locks::{MappedRwLockReadGuard, RwLock, RwLockReadGuard};
    /// let lock = RwLock::new((1, 2));
    /// MappedRwLockReadGuard::unlock_fair(RwLockReadGuard::map(lock.read(), |p| &p.0));
    /// assert!(!lock.is_locked());
    /// ```
    // `Held` has no `Drop` without feature `lock-order`; the drop says the order.
    #[allow(clippy::drop_non_drop)]
    pub fn unlock_fair(s: Self) {
        let Self { inner, held } = s;
        drop(held);
        lock_api::MappedRwLockReadGuard::unlock_fair(inner);
    }
}

impl<T: ?Sized> MappedRwLockWriteGuard<'_, T> {
    /// Unlocks fairly, as [`RwLockWriteGuard::unlock_fair`].
    ///
    /// ```
    /// use selvedge_locks::{MappedRwLockWriteGuard, RwLock, RwLockWriteGuard};
    /// let lock = RwLock::new((1, 2));
    /// MappedRwLockWriteGuard::unlock_fair(RwLockWriteGuard::map(lock.write(), |p| &mut p.0));
    /// assert!(!lock.is_locked());
    /// ```
    // `Held` has no `Drop` without feature `lock-order`; the drop says the order.
    #[allow(clippy::drop_non_drop)]
    pub fn unlock_fair(s: Self) {
        let Self { inner, held } = s;
        drop(held);
        lock_api::MappedRwLockWriteGuard::unlock_fair(inner);
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
