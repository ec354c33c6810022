//! Feature `arc_lock`: guards that own an `Arc` of their lock instead of borrowing it
//! ([`ArcMutexGuard`], [`ArcRwLockReadGuard`], [`ArcRwLockWriteGuard`],
//! [`ArcRwLockUpgradableReadGuard`], [`ArcReentrantMutexGuard`]), lock_api's feature of the
//! same name.
//!
//! Each `*_arc` acquisition is the borrowed one (`lock`, `read`, ...: the same acquisition
//! protocol, contention events and lock-order hooks), whose guard is then *leaked*: the
//! backend guard is forgotten, the lock-order entry moves into the `Arc` guard, and the `Arc`
//! guard's `Drop` releases the hold with the backend's `force_unlock`. lock_api's guard
//! operations (`unlock_fair`, `bump`, `unlocked`, upgrades and downgrades) run on lock_api's
//! own guard for the kept hold, re-made with its `make_*_guard_unchecked` and kept in a
//! `ManuallyDrop`; an operation that ends or converts the hold first takes the `Arc` guard
//! apart, so its `Drop` does not run. Those are the `unsafe` steps, and each contract is
//! exactly "this guard holds the lock, in this mode": each `Arc` guard is built only from a
//! guard that held it, and exactly one guard, or one consuming operation, releases it.

use std::fmt;
use std::marker::PhantomData;
use std::mem::ManuallyDrop;
use std::ops::{Deref, DerefMut};
use std::panic::Location;
use std::sync::Arc;
use std::time::{Duration, Instant};

use parking_lot::lock_api;

use crate::error::LockTimeout;
use crate::lock_order::{Held, Mode};
use crate::{
    Mutex, MutexGuard, ReentrantMutex, ReentrantMutexGuard, RwLock, RwLockReadGuard,
    RwLockUpgradableReadGuard, RwLockWriteGuard,
};

/// Not `Send` (the lock must be released on the thread that took it, as with the borrowed
/// guards) and not `Sync` (lock_api's are `Sync` for `T: Sync`; this stays conservative).
type NotSendSync = PhantomData<*const ()>;

macro_rules! arc_guard {
    (
        $(#[$doc:meta])* $name:ident, $lock:ident, $acquire:ident, $accessor:ident, $release:ident
        $(, $mut:ident)?
    ) => {
        $(#[$doc])*
        #[must_use = "the lock is released as soon as the guard is dropped"]
        pub struct $name<T: ?Sized> {
            lock: Arc<$lock<T>>,
            _held: Held,
            _not_send: NotSendSync,
        }

        impl<T: ?Sized> $name<T> {
            /// The lock this guard holds.
            ///
            /// ```
            /// use std::sync::Arc;
            /// let lock = Arc::new(selvedge_locks::Mutex::new(1));
            /// let guard = lock.lock_arc();
            /// assert!(Arc::ptr_eq(selvedge_locks::ArcMutexGuard::lock(&guard), &lock));
            /// ```
            #[must_use]
            pub fn lock(s: &Self) -> &Arc<$lock<T>> {
                &s.lock
            }

            /// The lock this guard holds, by lock_api's name for this accessor; the same as
            /// [`lock`](Self::lock).
            ///
            /// ```
            #[doc = concat!("let lock = std::sync::Arc::new(selvedge_locks::", stringify!($lock), "::new(1));")]
            #[doc = concat!("let guard = lock.", stringify!($acquire), "();")]
            #[doc = concat!("let same = selvedge_locks::", stringify!($name), "::", stringify!($accessor), "(&guard);")]
            /// assert!(std::sync::Arc::ptr_eq(same, &lock));
            /// ```
            #[must_use]
            pub fn $accessor(s: &Self) -> &Arc<$lock<T>> {
                &s.lock
            }

            /// Releases the lock and returns the `Arc` this guard kept (lock_api's
            /// `into_arc`).
            ///
            /// ```
            #[doc = concat!("let lock = std::sync::Arc::new(selvedge_locks::", stringify!($lock), "::new(1));")]
            #[doc = concat!("let guard = lock.", stringify!($acquire), "();")]
            #[doc = concat!("let back = selvedge_locks::", stringify!($name), "::into_arc(guard);")]
            /// assert!(std::sync::Arc::ptr_eq(&back, &lock));
            /// assert!(!lock.is_locked());
            /// ```
            #[must_use = "dropping the returned `Arc` at once is a plain drop of the guard"]
            pub fn into_arc(s: Self) -> Arc<$lock<T>> {
                let lock = Arc::clone(&s.lock);
                drop(s);
                lock
            }

            /// Takes the guard apart without releasing its hold, for an operation that
            /// releases or converts the hold itself.
            #[allow(unsafe_code)]
            fn into_parts(s: Self) -> (Arc<$lock<T>>, Held) {
                let s = ManuallyDrop::new(s);
                // SAFETY: `s` is never dropped or used after these two reads, so the
                // returned values are the only owners of the fields they were read from.
                unsafe { (std::ptr::read(&s.lock), std::ptr::read(&s._held)) }
            }
        }

        impl<T: ?Sized> Deref for $name<T> {
            type Target = T;

            #[inline]
            #[allow(unsafe_code)]
            fn deref(&self) -> &T {
                // SAFETY: this guard holds the lock (see the module doc) for as long as the
                // reference lives, since the reference borrows the guard.
                unsafe { &*self.lock.data_ptr() }
            }
        }

        $(
            impl<T: ?Sized> $mut for $name<T> {
                #[inline]
                #[allow(unsafe_code)]
                fn deref_mut(&mut self) -> &mut T {
                    // SAFETY: only the exclusive guards implement `DerefMut`, so this guard
                    // holds the lock alone, and `&mut self` makes the reference unique among
                    // this guard's borrows.
                    unsafe { &mut *self.lock.data_ptr() }
                }
            }
        )?

        impl<T: ?Sized> Drop for $name<T> {
            #[allow(unsafe_code)]
            fn drop(&mut self) {
                // SAFETY: built only from a leaked guard of `self.lock` in this mode (see the
                // constructors below), released here once.
                unsafe { self.lock.$release() }
            }
        }

        impl<T: ?Sized + fmt::Debug> fmt::Debug for $name<T> {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                fmt::Debug::fmt(&**self, f)
            }
        }

        impl<T: ?Sized + fmt::Display> fmt::Display for $name<T> {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                fmt::Display::fmt(&**self, f)
            }
        }
    };
}

arc_guard!(
    /// A [`MutexGuard`] that owns an `Arc` of its mutex, so it has no lifetime (it can be
    /// stored in a struct or kept across an API boundary); from [`Mutex::lock_arc`].
    ///
    /// ```
    /// use std::sync::Arc;
    /// use selvedge_locks::{ArcMutexGuard, Mutex};
    ///
    /// struct Session {
    ///     held: ArcMutexGuard<Vec<u32>>,
    /// }
    ///
    /// let shared = Arc::new(Mutex::new(vec![1]));
    /// let mut session = Session { held: shared.lock_arc() };
    /// session.held.push(2);
    /// drop(session);
    /// assert_eq!(*shared.lock(), [1, 2]);
    /// ```
    ArcMutexGuard, Mutex, lock_arc, mutex, unlock_leaked, DerefMut
);
arc_guard!(
    /// An [`RwLockReadGuard`] that owns an `Arc` of its lock; from [`RwLock::read_arc`].
    ///
    /// ```
    /// let lock = std::sync::Arc::new(selvedge_locks::RwLock::new(3));
    /// let guard = lock.read_arc();
    /// assert_eq!(*guard, 3);
    /// ```
    ArcRwLockReadGuard, RwLock, read_arc, rwlock, unlock_leaked_shared
);
arc_guard!(
    /// An [`RwLockWriteGuard`] that owns an `Arc` of its lock; from [`RwLock::write_arc`].
    ///
    /// ```
    /// let lock = std::sync::Arc::new(selvedge_locks::RwLock::new(3));
    /// *lock.write_arc() += 1;
    /// assert_eq!(*lock.read(), 4);
    /// ```
    ArcRwLockWriteGuard, RwLock, write_arc, rwlock, unlock_leaked_exclusive, DerefMut
);
arc_guard!(
    /// An [`RwLockUpgradableReadGuard`] that owns an `Arc` of its lock; from
    /// [`RwLock::upgradable_read_arc`].
    ///
    /// ```
    /// let lock = std::sync::Arc::new(selvedge_locks::RwLock::new(3));
    /// let guard = lock.upgradable_read_arc();
    /// assert!(lock.try_read().is_some()); // readers share it
    /// assert!(lock.try_write().is_none());
    /// # drop(guard);
    /// ```
    ArcRwLockUpgradableReadGuard, RwLock, upgradable_read_arc, rwlock, unlock_leaked_upgradable
);

arc_guard!(
    /// A [`ReentrantMutexGuard`] that owns an `Arc` of its mutex; from
    /// [`ReentrantMutex::lock_arc`].
    ///
    /// ```
    /// let m = std::sync::Arc::new(selvedge_locks::ReentrantMutex::new(3));
    /// let outer = m.lock_arc();
    /// let inner = m.lock_arc(); // same thread: re-entrant
    /// assert_eq!(*outer + *inner, 6);
    /// ```
    ArcReentrantMutexGuard, ReentrantMutex, lock_arc, remutex, unlock_leaked
);

impl<T: ?Sized> ReentrantMutex<T> {
    /// [`lock`](Self::lock) with a guard that owns an `Arc` of the mutex (lock_api's
    /// `lock_arc`); [`try_lock_arc`](Self::try_lock_arc) does not block.
    ///
    /// ```
    /// use std::sync::Arc;
    /// let m = Arc::new(selvedge_locks::ReentrantMutex::new(1));
    /// let a = m.lock_arc();
    /// let b = m.try_lock_arc().unwrap();
    /// assert_eq!(*a + *b, 2);
    /// ```
    #[inline]
    #[track_caller]
    pub fn lock_arc(self: &Arc<Self>) -> ArcReentrantMutexGuard<T> {
        self.arc_guard(ReentrantMutexGuard::into_held(self.lock()))
    }

    /// The non-blocking form of [`lock_arc`](Self::lock_arc).
    #[inline]
    #[track_caller]
    pub fn try_lock_arc(self: &Arc<Self>) -> Option<ArcReentrantMutexGuard<T>> {
        self.try_lock()
            .map(|guard| self.arc_guard(ReentrantMutexGuard::into_held(guard)))
    }

    /// [`try_lock_for`](Self::try_lock_for) with an `Arc` guard.
    ///
    /// # Errors
    ///
    /// [`LockTimeout`], as `try_lock_for`.
    ///
    /// ```
    /// use std::{sync::Arc, time::Duration};
    /// let m = Arc::new(selvedge_locks::ReentrantMutex::new(()));
    /// let outer = m.lock_arc();
    /// assert!(m.try_lock_arc_for(Duration::from_millis(1)).is_ok()); // re-entrant
    /// # drop(outer);
    /// ```
    #[inline]
    #[track_caller]
    pub fn try_lock_arc_for(
        self: &Arc<Self>,
        timeout: Duration,
    ) -> Result<ArcReentrantMutexGuard<T>, LockTimeout> {
        self.try_lock_for(timeout)
            .map(|guard| self.arc_guard(ReentrantMutexGuard::into_held(guard)))
    }

    /// [`try_lock_until`](Self::try_lock_until) with an `Arc` guard.
    ///
    /// # Errors
    ///
    /// [`LockTimeout`], as `try_lock_until`.
    ///
    /// ```
    /// use std::{sync::Arc, time::Instant};
    /// let m = Arc::new(selvedge_locks::ReentrantMutex::new(()));
    /// assert!(m.try_lock_arc_until(Instant::now()).is_ok());
    /// ```
    #[inline]
    #[track_caller]
    pub fn try_lock_arc_until(
        self: &Arc<Self>,
        deadline: Instant,
    ) -> Result<ArcReentrantMutexGuard<T>, LockTimeout> {
        self.try_lock_until(deadline)
            .map(|guard| self.arc_guard(ReentrantMutexGuard::into_held(guard)))
    }

    fn arc_guard(self: &Arc<Self>, held: Held) -> ArcReentrantMutexGuard<T> {
        ArcReentrantMutexGuard {
            lock: Arc::clone(self),
            _held: held,
            _not_send: PhantomData,
        }
    }
}

impl<T: ?Sized> Mutex<T> {
    /// [`lock`](Self::lock), with a guard that owns an `Arc` of the mutex instead of borrowing
    /// it (lock_api's `lock_arc`). Same panics as `lock`.
    ///
    /// ```
    /// use std::sync::Arc;
    /// let m = Arc::new(selvedge_locks::Mutex::new(0));
    /// let mut guard = m.lock_arc();
    /// *guard += 1;
    /// drop(guard);
    /// assert_eq!(*m.lock(), 1);
    /// ```
    #[inline]
    #[track_caller]
    pub fn lock_arc(self: &Arc<Self>) -> ArcMutexGuard<T> {
        self.arc_guard(MutexGuard::into_held(self.lock()))
    }

    /// [`try_lock`](Self::try_lock) with an `Arc` guard.
    ///
    /// ```
    /// use std::sync::Arc;
    /// let m = Arc::new(selvedge_locks::Mutex::new(()));
    /// let held = m.try_lock_arc().unwrap();
    /// assert!(m.try_lock_arc().is_none());
    /// # drop(held);
    /// ```
    #[inline]
    #[track_caller]
    pub fn try_lock_arc(self: &Arc<Self>) -> Option<ArcMutexGuard<T>> {
        self.try_lock()
            .map(|guard| self.arc_guard(MutexGuard::into_held(guard)))
    }

    /// [`try_lock_for`](Self::try_lock_for) with an `Arc` guard.
    ///
    /// # Errors
    ///
    /// [`LockTimeout`], as `try_lock_for`.
    ///
    /// ```
    /// use std::{sync::Arc, time::Duration};
    /// let m = Arc::new(selvedge_locks::Mutex::new(()));
    /// assert!(m.try_lock_arc_for(Duration::from_millis(1)).is_ok());
    /// ```
    #[inline]
    #[track_caller]
    pub fn try_lock_arc_for(
        self: &Arc<Self>,
        timeout: Duration,
    ) -> Result<ArcMutexGuard<T>, LockTimeout> {
        self.try_lock_for(timeout)
            .map(|guard| self.arc_guard(MutexGuard::into_held(guard)))
    }

    /// [`try_lock_until`](Self::try_lock_until) with an `Arc` guard.
    ///
    /// # Errors
    ///
    /// [`LockTimeout`], as `try_lock_until`.
    ///
    /// ```
    /// use std::{sync::Arc, time::Instant};
    /// let m = Arc::new(selvedge_locks::Mutex::new(()));
    /// let held = m.lock_arc();
    /// let late = std::thread::scope(|s| {
    ///     s.spawn(|| m.try_lock_arc_until(Instant::now()).is_err()).join().unwrap()
    /// });
    /// assert!(late);
    /// # drop(held);
    /// ```
    #[inline]
    #[track_caller]
    pub fn try_lock_arc_until(
        self: &Arc<Self>,
        deadline: Instant,
    ) -> Result<ArcMutexGuard<T>, LockTimeout> {
        self.try_lock_until(deadline)
            .map(|guard| self.arc_guard(MutexGuard::into_held(guard)))
    }

    fn arc_guard(self: &Arc<Self>, held: Held) -> ArcMutexGuard<T> {
        ArcMutexGuard {
            lock: Arc::clone(self),
            _held: held,
            _not_send: PhantomData,
        }
    }
}

impl<T: ?Sized> RwLock<T> {
    /// [`read`](Self::read) with a guard that owns an `Arc` of the lock (lock_api's
    /// `read_arc`); [`try_read_arc`](Self::try_read_arc) does not block.
    ///
    /// ```
    /// use std::sync::Arc;
    /// let lock = Arc::new(selvedge_locks::RwLock::new(1));
    /// let a = lock.read_arc();
    /// let b = lock.try_read_arc().unwrap();
    /// assert_eq!(*a + *b, 2);
    /// ```
    #[inline]
    #[track_caller]
    pub fn read_arc(self: &Arc<Self>) -> ArcRwLockReadGuard<T> {
        self.arc_read(RwLockReadGuard::into_held(self.read()))
    }

    /// The non-blocking form of [`read_arc`](Self::read_arc): `None` if the lock is not
    /// available now.
    #[inline]
    #[track_caller]
    pub fn try_read_arc(self: &Arc<Self>) -> Option<ArcRwLockReadGuard<T>> {
        self.try_read()
            .map(|guard| self.arc_read(RwLockReadGuard::into_held(guard)))
    }

    /// [`try_read_for`](Self::try_read_for) with an `Arc` guard.
    ///
    /// # Errors
    ///
    /// [`LockTimeout`], as `try_read_for`.
    ///
    /// ```
    /// use std::{sync::Arc, time::Duration};
    /// let lock = Arc::new(selvedge_locks::RwLock::new(1));
    /// assert_eq!(*lock.try_read_arc_for(Duration::from_millis(1)).unwrap(), 1);
    /// ```
    #[inline]
    #[track_caller]
    pub fn try_read_arc_for(
        self: &Arc<Self>,
        timeout: Duration,
    ) -> Result<ArcRwLockReadGuard<T>, LockTimeout> {
        self.try_read_for(timeout)
            .map(|guard| self.arc_read(RwLockReadGuard::into_held(guard)))
    }

    /// [`try_read_until`](Self::try_read_until) with an `Arc` guard.
    ///
    /// # Errors
    ///
    /// [`LockTimeout`], as `try_read_until`.
    ///
    /// ```
    /// use std::{sync::Arc, time::Instant};
    /// let lock = Arc::new(selvedge_locks::RwLock::new(1));
    /// assert_eq!(*lock.try_read_arc_until(Instant::now()).unwrap(), 1);
    /// ```
    #[inline]
    #[track_caller]
    pub fn try_read_arc_until(
        self: &Arc<Self>,
        deadline: Instant,
    ) -> Result<ArcRwLockReadGuard<T>, LockTimeout> {
        self.try_read_until(deadline)
            .map(|guard| self.arc_read(RwLockReadGuard::into_held(guard)))
    }

    /// [`read_recursive`](Self::read_recursive) with an `Arc` guard (lock_api's
    /// `read_arc_recursive`); [`try_read_recursive_arc`](Self::try_read_recursive_arc) does
    /// not block.
    ///
    /// ```
    /// use std::sync::Arc;
    /// let lock = Arc::new(selvedge_locks::RwLock::new(1));
    /// let outer = lock.read_arc();
    /// let inner = lock.read_arc_recursive();
    /// let again = lock.try_read_recursive_arc().unwrap();
    /// assert_eq!(*outer + *inner + *again, 3);
    /// ```
    #[inline]
    #[track_caller]
    pub fn read_arc_recursive(self: &Arc<Self>) -> ArcRwLockReadGuard<T> {
        self.arc_read(RwLockReadGuard::into_held(self.read_recursive()))
    }

    /// The non-blocking form of [`read_arc_recursive`](Self::read_arc_recursive).
    #[inline]
    #[track_caller]
    pub fn try_read_recursive_arc(self: &Arc<Self>) -> Option<ArcRwLockReadGuard<T>> {
        self.try_read_recursive()
            .map(|guard| self.arc_read(RwLockReadGuard::into_held(guard)))
    }

    /// [`write`](Self::write) with a guard that owns an `Arc` of the lock (lock_api's
    /// `write_arc`); [`try_write_arc`](Self::try_write_arc) does not block.
    ///
    /// ```
    /// use std::sync::Arc;
    /// let lock = Arc::new(selvedge_locks::RwLock::new(1));
    /// let mut w = lock.write_arc();
    /// assert!(lock.try_write_arc().is_none());
    /// *w = 2;
    /// drop(w);
    /// assert_eq!(*lock.read(), 2);
    /// ```
    #[inline]
    #[track_caller]
    pub fn write_arc(self: &Arc<Self>) -> ArcRwLockWriteGuard<T> {
        self.arc_write(RwLockWriteGuard::into_held(self.write()))
    }

    /// The non-blocking form of [`write_arc`](Self::write_arc): `None` if the lock is not
    /// available now.
    #[inline]
    #[track_caller]
    pub fn try_write_arc(self: &Arc<Self>) -> Option<ArcRwLockWriteGuard<T>> {
        self.try_write()
            .map(|guard| self.arc_write(RwLockWriteGuard::into_held(guard)))
    }

    /// [`try_write_for`](Self::try_write_for) with an `Arc` guard.
    ///
    /// # Errors
    ///
    /// [`LockTimeout`], as `try_write_for`.
    ///
    /// ```
    /// use std::{sync::Arc, time::Duration};
    /// let lock = Arc::new(selvedge_locks::RwLock::new(1));
    /// *lock.try_write_arc_for(Duration::from_millis(1)).unwrap() += 1;
    /// assert_eq!(*lock.read(), 2);
    /// ```
    #[inline]
    #[track_caller]
    pub fn try_write_arc_for(
        self: &Arc<Self>,
        timeout: Duration,
    ) -> Result<ArcRwLockWriteGuard<T>, LockTimeout> {
        self.try_write_for(timeout)
            .map(|guard| self.arc_write(RwLockWriteGuard::into_held(guard)))
    }

    /// [`try_write_until`](Self::try_write_until) with an `Arc` guard.
    ///
    /// # Errors
    ///
    /// [`LockTimeout`], as `try_write_until`.
    ///
    /// ```
    /// use std::{sync::Arc, time::Instant};
    /// let lock = Arc::new(selvedge_locks::RwLock::new(1));
    /// let reader = lock.read_arc();
    /// let late = std::thread::scope(|s| {
    ///     s.spawn(|| lock.try_write_arc_until(Instant::now()).is_err()).join().unwrap()
    /// });
    /// assert!(late);
    /// # drop(reader);
    /// ```
    #[inline]
    #[track_caller]
    pub fn try_write_arc_until(
        self: &Arc<Self>,
        deadline: Instant,
    ) -> Result<ArcRwLockWriteGuard<T>, LockTimeout> {
        self.try_write_until(deadline)
            .map(|guard| self.arc_write(RwLockWriteGuard::into_held(guard)))
    }

    /// [`upgradable_read`](Self::upgradable_read) with a guard that owns an `Arc` of the
    /// lock (lock_api's `upgradable_read_arc`);
    /// [`try_upgradable_read_arc`](Self::try_upgradable_read_arc) does not block.
    ///
    /// ```
    /// use std::sync::Arc;
    /// let lock = Arc::new(selvedge_locks::RwLock::new(1));
    /// let up = lock.upgradable_read_arc();
    /// assert!(lock.try_upgradable_read_arc().is_none());
    /// assert_eq!(*up, 1);
    /// ```
    #[inline]
    #[track_caller]
    pub fn upgradable_read_arc(self: &Arc<Self>) -> ArcRwLockUpgradableReadGuard<T> {
        self.arc_upgradable(RwLockUpgradableReadGuard::into_held(self.upgradable_read()))
    }

    /// The non-blocking form of [`upgradable_read_arc`](Self::upgradable_read_arc): `None`
    /// if the lock is not available now.
    #[inline]
    #[track_caller]
    pub fn try_upgradable_read_arc(self: &Arc<Self>) -> Option<ArcRwLockUpgradableReadGuard<T>> {
        self.try_upgradable_read()
            .map(|guard| self.arc_upgradable(RwLockUpgradableReadGuard::into_held(guard)))
    }

    /// [`try_upgradable_read_for`](Self::try_upgradable_read_for) with an `Arc` guard.
    ///
    /// # Errors
    ///
    /// [`LockTimeout`], as `try_upgradable_read_for`.
    ///
    /// ```
    /// use std::{sync::Arc, time::Duration};
    /// let lock = Arc::new(selvedge_locks::RwLock::new(1));
    /// assert!(lock.try_upgradable_read_arc_for(Duration::from_millis(1)).is_ok());
    /// ```
    #[inline]
    #[track_caller]
    pub fn try_upgradable_read_arc_for(
        self: &Arc<Self>,
        timeout: Duration,
    ) -> Result<ArcRwLockUpgradableReadGuard<T>, LockTimeout> {
        self.try_upgradable_read_for(timeout)
            .map(|guard| self.arc_upgradable(RwLockUpgradableReadGuard::into_held(guard)))
    }

    /// [`try_upgradable_read_until`](Self::try_upgradable_read_until) with an `Arc` guard.
    ///
    /// # Errors
    ///
    /// [`LockTimeout`], as `try_upgradable_read_until`.
    ///
    /// ```
    /// use std::{sync::Arc, time::Instant};
    /// let lock = Arc::new(selvedge_locks::RwLock::new(1));
    /// assert!(lock.try_upgradable_read_arc_until(Instant::now()).is_ok());
    /// ```
    #[inline]
    #[track_caller]
    pub fn try_upgradable_read_arc_until(
        self: &Arc<Self>,
        deadline: Instant,
    ) -> Result<ArcRwLockUpgradableReadGuard<T>, LockTimeout> {
        self.try_upgradable_read_until(deadline)
            .map(|guard| self.arc_upgradable(RwLockUpgradableReadGuard::into_held(guard)))
    }

    fn arc_read(self: &Arc<Self>, held: Held) -> ArcRwLockReadGuard<T> {
        ArcRwLockReadGuard {
            lock: Arc::clone(self),
            _held: held,
            _not_send: PhantomData,
        }
    }

    fn arc_write(self: &Arc<Self>, held: Held) -> ArcRwLockWriteGuard<T> {
        ArcRwLockWriteGuard {
            lock: Arc::clone(self),
            _held: held,
            _not_send: PhantomData,
        }
    }

    fn arc_upgradable(self: &Arc<Self>, held: Held) -> ArcRwLockUpgradableReadGuard<T> {
        ArcRwLockUpgradableReadGuard {
            lock: Arc::clone(self),
            _held: held,
            _not_send: PhantomData,
        }
    }
}

// lock_api's operations on the `Arc` guards. Each works on lock_api's own guard for the hold
// the `Arc` guard keeps (`kept_*guard`), in a `ManuallyDrop`, so that only the operation, or
// the `Arc` guard's `Drop`, ever releases that hold; an operation that ends or converts the
// hold first takes the `Arc` guard apart (`into_parts`), so its `Drop` does not run. The
// lock-order and holder hooks are those of the borrowed guards' operations.

/// lock_api's fair unlock, `unlocked` and `bump` on one `Arc` guard: `$kept` re-makes
/// lock_api's `$api` for the kept hold, `$mode` is the hold's mode for lock-order checks,
/// `$probe` what another thread can take while the hold is released (for the examples), and
/// `hooks` the holder-mark calls of a lock that tracks its holder (the `Mutex`).
macro_rules! arc_guard_release_ops {
    (
        $name:ident, $lock:ident, $acquire:ident, $probe:ident, $kept:ident, $api:ident,
        $mode:ident $(, hooks($released:ident, $retaken:ident))?
    ) => {
        impl<T: ?Sized> $name<T> {
            #[doc = concat!("Unlocks fairly, as [`", stringify!($api), "::unlock_fair`].")]
            ///
            /// ```
            /// use std::sync::Arc;
            #[doc = concat!("use selvedge_locks::{", stringify!($name), ", ", stringify!($lock), "};")]
            #[doc = concat!("let lock = Arc::new(", stringify!($lock), "::new(1));")]
            #[doc = concat!(stringify!($name), "::unlock_fair(lock.", stringify!($acquire), "());")]
            /// assert!(!lock.is_locked());
            /// ```
            pub fn unlock_fair(s: Self) {
                drop(Self::into_arc_fair(s));
            }

            /// Unlocks fairly and returns the `Arc` this guard kept (lock_api's
            /// `into_arc_fair`).
            ///
            /// ```
            /// use std::sync::Arc;
            #[doc = concat!("use selvedge_locks::{", stringify!($name), ", ", stringify!($lock), "};")]
            #[doc = concat!("let lock = Arc::new(", stringify!($lock), "::new(1));")]
            #[doc = concat!("let back = ", stringify!($name), "::into_arc_fair(lock.", stringify!($acquire), "());")]
            /// assert!(Arc::ptr_eq(&back, &lock) && !lock.is_locked());
            /// ```
            #[allow(unsafe_code)]
            #[must_use = "dropping the returned `Arc` at once is `unlock_fair`"]
            pub fn into_arc_fair(s: Self) -> Arc<$lock<T>> {
                let (lock, held) = Self::into_parts(s);
                drop(held);
                $(lock.$released();)?
                // SAFETY: the hold that `into_parts` handed over is this thread's;
                // `unlock_fair` ends it, once, and nothing else will.
                let kept = ManuallyDrop::into_inner(unsafe { lock.$kept() });
                lock_api::$api::unlock_fair(kept);
                lock
            }

            /// Unlocks, runs `f`, and takes the lock back in the same mode, as
            #[doc = concat!("[`", stringify!($api), "::unlocked`].")]
            ///
            /// ```
            /// use std::sync::Arc;
            #[doc = concat!("use selvedge_locks::{", stringify!($name), ", ", stringify!($lock), "};")]
            #[doc = concat!("let lock = Arc::new(", stringify!($lock), "::new(1));")]
            #[doc = concat!("let mut guard = lock.", stringify!($acquire), "();")]
            #[doc = concat!("let free = ", stringify!($name), "::unlocked(&mut guard, || {")]
            #[doc = concat!("    std::thread::scope(|s| s.spawn(|| lock.", stringify!($probe), "().is_some()).join().unwrap())")]
            /// });
            /// assert!(free);
            /// ```
            #[track_caller]
            pub fn unlocked<U>(s: &mut Self, f: impl FnOnce() -> U) -> U {
                Self::unlocked_with(s, f, false)
            }

            /// [`unlocked`](Self::unlocked) with a fair unlock, as
            #[doc = concat!("[`", stringify!($api), "::unlocked_fair`].")]
            ///
            /// ```
            /// use std::sync::Arc;
            #[doc = concat!("use selvedge_locks::{", stringify!($name), ", ", stringify!($lock), "};")]
            #[doc = concat!("let lock = Arc::new(", stringify!($lock), "::new(1));")]
            #[doc = concat!("let mut guard = lock.", stringify!($acquire), "();")]
            #[doc = concat!("let free = ", stringify!($name), "::unlocked_fair(&mut guard, || {")]
            #[doc = concat!("    std::thread::scope(|s| s.spawn(|| lock.", stringify!($probe), "().is_some()).join().unwrap())")]
            /// });
            /// assert!(free);
            /// ```
            #[track_caller]
            pub fn unlocked_fair<U>(s: &mut Self, f: impl FnOnce() -> U) -> U {
                Self::unlocked_with(s, f, true)
            }

            #[track_caller]
            #[allow(unsafe_code)]
            fn unlocked_with<U>(s: &mut Self, f: impl FnOnce() -> U, fair: bool) -> U {
                let site = Location::caller();
                $(s.lock.$released();)?
                s._held.released();
                let held = &mut s._held;
                let body = move || {
                    let result = f();
                    held.before_reacquire(Mode::$mode, site);
                    result
                };
                // SAFETY: this guard holds the lock (it was built from a guard that held it),
                // and the `ManuallyDrop` never releases it: only this guard's `Drop` does.
                let mut kept = unsafe { s.lock.$kept() };
                let result = if fair {
                    lock_api::$api::unlocked_fair(&mut kept, body)
                } else {
                    lock_api::$api::unlocked(&mut kept, body)
                };
                $(s.lock.$retaken();)?
                result
            }

            #[doc = concat!("Hands the lock to waiting threads and takes it back, as [`", stringify!($api), "::bump`].")]
            ///
            /// ```
            /// use std::sync::Arc;
            #[doc = concat!("use selvedge_locks::{", stringify!($name), ", ", stringify!($lock), "};")]
            #[doc = concat!("let lock = Arc::new(", stringify!($lock), "::new(1));")]
            #[doc = concat!("let mut guard = lock.", stringify!($acquire), "();")]
            #[doc = concat!(stringify!($name), "::bump(&mut guard);")]
            /// assert_eq!(*guard, 1);
            /// ```
            #[track_caller]
            #[allow(unsafe_code)]
            pub fn bump(s: &mut Self) {
                s._held.before_reacquire(Mode::$mode, Location::caller());
                // SAFETY: as in `unlocked_with`: held by this guard, never released by `kept`.
                let mut kept = unsafe { s.lock.$kept() };
                lock_api::$api::bump(&mut kept);
                $(s.lock.$retaken();)?
            }
        }
    };
}

arc_guard_release_ops!(
    ArcMutexGuard,
    Mutex,
    lock_arc,
    try_lock,
    kept_guard,
    MutexGuard,
    Exclusive,
    hooks(kept_released, kept_retaken)
);
arc_guard_release_ops!(
    ArcRwLockReadGuard,
    RwLock,
    read_arc,
    try_write,
    kept_read_guard,
    RwLockReadGuard,
    Shared
);
arc_guard_release_ops!(
    ArcRwLockWriteGuard,
    RwLock,
    write_arc,
    try_write,
    kept_write_guard,
    RwLockWriteGuard,
    Exclusive
);
arc_guard_release_ops!(
    ArcRwLockUpgradableReadGuard,
    RwLock,
    upgradable_read_arc,
    try_write,
    kept_upgradable_guard,
    RwLockUpgradableReadGuard,
    Upgradable
);
arc_guard_release_ops!(
    ArcReentrantMutexGuard,
    ReentrantMutex,
    lock_arc,
    try_lock,
    kept_guard,
    ReentrantMutexGuard,
    Reentrant
);

impl<T: ?Sized> ArcRwLockWriteGuard<T> {
    /// Turns exclusive access into shared access, atomically, as
    /// [`RwLockWriteGuard::downgrade`].
    ///
    /// ```
    /// use std::sync::Arc;
    /// use selvedge_locks::{ArcRwLockWriteGuard, RwLock};
    /// let lock = Arc::new(RwLock::new(1));
    /// let mut w = lock.write_arc();
    /// *w = 2;
    /// let r = ArcRwLockWriteGuard::downgrade(w);
    /// assert_eq!(*r, 2);
    /// assert!(lock.try_read().is_some());
    /// ```
    #[allow(unsafe_code)]
    pub fn downgrade(s: Self) -> ArcRwLockReadGuard<T> {
        let (lock, held) = Self::into_parts(s);
        // SAFETY: the exclusive hold `into_parts` handed over; `downgrade` turns it into the
        // shared hold that the returned guard keeps and releases once.
        let kept = ManuallyDrop::into_inner(unsafe { lock.kept_write_guard() });
        std::mem::forget(lock_api::RwLockWriteGuard::downgrade(kept));
        ArcRwLockReadGuard {
            lock,
            _held: held,
            _not_send: PhantomData,
        }
    }

    /// Turns exclusive access into upgradable access, atomically, as
    /// [`RwLockWriteGuard::downgrade_to_upgradable`].
    ///
    /// ```
    /// use std::sync::Arc;
    /// use selvedge_locks::{ArcRwLockWriteGuard, RwLock};
    /// let lock = Arc::new(RwLock::new(1));
    /// let up = ArcRwLockWriteGuard::downgrade_to_upgradable(lock.write_arc());
    /// assert!(lock.try_read().is_some());
    /// assert!(lock.try_upgradable_read().is_none());
    /// # drop(up);
    /// ```
    #[allow(unsafe_code)]
    pub fn downgrade_to_upgradable(s: Self) -> ArcRwLockUpgradableReadGuard<T> {
        let (lock, held) = Self::into_parts(s);
        // SAFETY: as in `downgrade`, into an upgradable hold.
        let kept = ManuallyDrop::into_inner(unsafe { lock.kept_write_guard() });
        std::mem::forget(lock_api::RwLockWriteGuard::downgrade_to_upgradable(kept));
        ArcRwLockUpgradableReadGuard {
            lock,
            _held: held,
            _not_send: PhantomData,
        }
    }
}

/// How long a fallible upgrade of an [`ArcRwLockUpgradableReadGuard`] waits for readers.
enum UpgradeWait {
    Not,
    For(Duration),
    Until(Instant),
}

impl<T: ?Sized> ArcRwLockUpgradableReadGuard<T> {
    /// Waits for the other readers to leave and becomes the write guard, as
    /// [`RwLockUpgradableReadGuard::upgrade`].
    ///
    /// ```
    /// use std::sync::Arc;
    /// use selvedge_locks::{ArcRwLockUpgradableReadGuard, RwLock};
    /// let lock = Arc::new(RwLock::new(1));
    /// *ArcRwLockUpgradableReadGuard::upgrade(lock.upgradable_read_arc()) += 1;
    /// assert_eq!(*lock.read(), 2);
    /// ```
    #[allow(unsafe_code)]
    pub fn upgrade(s: Self) -> ArcRwLockWriteGuard<T> {
        let (lock, held) = Self::into_parts(s);
        // SAFETY: the upgradable hold `into_parts` handed over; `upgrade` turns it into the
        // exclusive hold that the returned guard keeps and releases once.
        let kept = ManuallyDrop::into_inner(unsafe { lock.kept_upgradable_guard() });
        std::mem::forget(lock_api::RwLockUpgradableReadGuard::upgrade(kept));
        ArcRwLockWriteGuard {
            lock,
            _held: held,
            _not_send: PhantomData,
        }
    }

    /// Upgrades if no other reader holds the lock, as
    /// [`RwLockUpgradableReadGuard::try_upgrade`].
    ///
    /// # Errors
    ///
    /// The guard itself, unchanged, when readers are present.
    ///
    /// ```
    /// use std::sync::Arc;
    /// use selvedge_locks::{ArcRwLockUpgradableReadGuard, RwLock};
    /// let lock = Arc::new(RwLock::new(1));
    /// let up = lock.upgradable_read_arc();
    /// let reader = lock.try_read().unwrap();
    /// let up = ArcRwLockUpgradableReadGuard::try_upgrade(up).unwrap_err();
    /// drop(reader);
    /// assert!(ArcRwLockUpgradableReadGuard::try_upgrade(up).is_ok());
    /// ```
    pub fn try_upgrade(s: Self) -> Result<ArcRwLockWriteGuard<T>, Self> {
        Self::upgrade_with(s, UpgradeWait::Not)
    }

    /// Upgrades, waiting at most `timeout` for the other readers to leave.
    ///
    /// # Errors
    ///
    /// The guard itself, unchanged, if readers remained for the whole `timeout`.
    ///
    /// ```
    /// use std::{sync::Arc, time::Duration};
    /// use selvedge_locks::{ArcRwLockUpgradableReadGuard, RwLock};
    /// let lock = Arc::new(RwLock::new(1));
    /// let up = lock.upgradable_read_arc();
    /// assert!(ArcRwLockUpgradableReadGuard::try_upgrade_for(up, Duration::from_millis(1)).is_ok());
    /// ```
    pub fn try_upgrade_for(s: Self, timeout: Duration) -> Result<ArcRwLockWriteGuard<T>, Self> {
        Self::upgrade_with(s, UpgradeWait::For(timeout))
    }

    /// Upgrades, waiting until `deadline` at most for the other readers to leave.
    ///
    /// # Errors
    ///
    /// The guard itself, unchanged, if readers remained until `deadline`.
    ///
    /// ```
    /// use std::{sync::Arc, time::Instant};
    /// use selvedge_locks::{ArcRwLockUpgradableReadGuard, RwLock};
    /// let lock = Arc::new(RwLock::new(1));
    /// let up = lock.upgradable_read_arc();
    /// assert!(ArcRwLockUpgradableReadGuard::try_upgrade_until(up, Instant::now()).is_ok());
    /// ```
    pub fn try_upgrade_until(s: Self, deadline: Instant) -> Result<ArcRwLockWriteGuard<T>, Self> {
        Self::upgrade_with(s, UpgradeWait::Until(deadline))
    }

    /// Runs one of lock_api's fallible upgrades on the kept hold: an upgraded hold goes to a
    /// new write guard, a refused one back to a guard like `s`.
    #[allow(unsafe_code)]
    fn upgrade_with(s: Self, wait: UpgradeWait) -> Result<ArcRwLockWriteGuard<T>, Self> {
        use lock_api::RwLockUpgradableReadGuard as Upgradable;

        let (lock, held) = Self::into_parts(s);
        let upgraded = {
            // SAFETY: the upgradable hold `into_parts` handed over. The upgrade either turns
            // it into the exclusive hold that the write guard keeps, or leaves it as it was
            // for the guard given back: either way exactly one guard keeps it, and releases
            // it once.
            let kept = ManuallyDrop::into_inner(unsafe { lock.kept_upgradable_guard() });
            match wait {
                UpgradeWait::Not => Upgradable::try_upgrade(kept),
                UpgradeWait::For(timeout) => Upgradable::try_upgrade_for(kept, timeout),
                UpgradeWait::Until(deadline) => Upgradable::try_upgrade_until(kept, deadline),
            }
            .map(std::mem::forget)
            .map_err(std::mem::forget)
            .is_ok()
        };
        if upgraded {
            Ok(ArcRwLockWriteGuard {
                lock,
                _held: held,
                _not_send: PhantomData,
            })
        } else {
            Err(Self {
                lock,
                _held: held,
                _not_send: PhantomData,
            })
        }
    }

    /// Turns this guard into a read guard, letting another upgradable reader in, as
    /// [`RwLockUpgradableReadGuard::downgrade`].
    ///
    /// ```
    /// use std::sync::Arc;
    /// use selvedge_locks::{ArcRwLockUpgradableReadGuard, RwLock};
    /// let lock = Arc::new(RwLock::new(1));
    /// let r = ArcRwLockUpgradableReadGuard::downgrade(lock.upgradable_read_arc());
    /// assert!(lock.try_upgradable_read().is_some());
    /// # drop(r);
    /// ```
    #[allow(unsafe_code)]
    pub fn downgrade(s: Self) -> ArcRwLockReadGuard<T> {
        let (lock, held) = Self::into_parts(s);
        // SAFETY: the upgradable hold `into_parts` handed over; `downgrade` turns it into the
        // shared hold that the returned guard keeps and releases once.
        let kept = ManuallyDrop::into_inner(unsafe { lock.kept_upgradable_guard() });
        std::mem::forget(lock_api::RwLockUpgradableReadGuard::downgrade(kept));
        ArcRwLockReadGuard {
            lock,
            _held: held,
            _not_send: PhantomData,
        }
    }

    /// Upgrades for the length of `f`, then back, as
    /// [`RwLockUpgradableReadGuard::with_upgraded`].
    ///
    /// ```
    /// use std::sync::Arc;
    /// let lock = Arc::new(selvedge_locks::RwLock::new(Vec::<u32>::new()));
    /// let mut guard = lock.upgradable_read_arc();
    /// guard.with_upgraded(|entries| entries.push(7));
    /// assert_eq!(*guard, [7]);
    /// ```
    #[allow(unsafe_code)]
    pub fn with_upgraded<R>(&mut self, f: impl FnOnce(&mut T) -> R) -> R {
        // SAFETY: this guard holds the lock upgradable; lock_api's `with_upgraded` gives it
        // back upgradable (also if `f` panics), and the `ManuallyDrop` never releases it.
        let mut kept = unsafe { self.lock.kept_upgradable_guard() };
        kept.with_upgraded(f)
    }

    /// [`with_upgraded`](Self::with_upgraded) if no other reader holds the lock now.
    ///
    /// ```
    /// use std::sync::Arc;
    /// let lock = Arc::new(selvedge_locks::RwLock::new(0));
    /// let mut guard = lock.upgradable_read_arc();
    /// assert_eq!(guard.try_with_upgraded(|n| { *n += 1; *n }), Some(1));
    /// ```
    #[allow(unsafe_code)]
    pub fn try_with_upgraded<R>(&mut self, f: impl FnOnce(&mut T) -> R) -> Option<R> {
        // SAFETY: as in `with_upgraded`.
        let mut kept = unsafe { self.lock.kept_upgradable_guard() };
        kept.try_with_upgraded(f)
    }

    /// [`with_upgraded`](Self::with_upgraded), waiting at most `timeout` for the other
    /// readers to leave.
    ///
    /// ```
    /// use std::{sync::Arc, time::Duration};
    /// let lock = Arc::new(selvedge_locks::RwLock::new(0));
    /// let mut guard = lock.upgradable_read_arc();
    /// assert_eq!(guard.try_with_upgraded_for(Duration::from_millis(1), |n| { *n += 1; *n }), Some(1));
    /// ```
    #[allow(unsafe_code)]
    pub fn try_with_upgraded_for<R>(
        &mut self,
        timeout: Duration,
        f: impl FnOnce(&mut T) -> R,
    ) -> Option<R> {
        // SAFETY: as in `with_upgraded`.
        let mut kept = unsafe { self.lock.kept_upgradable_guard() };
        kept.try_with_upgraded_for(timeout, f)
    }

    /// [`with_upgraded`](Self::with_upgraded), waiting until `deadline` at most for the other
    /// readers to leave.
    ///
    /// ```
    /// use std::{sync::Arc, time::Instant};
    /// let lock = Arc::new(selvedge_locks::RwLock::new(0));
    /// let mut guard = lock.upgradable_read_arc();
    /// let reader = lock.try_read().unwrap();
    /// assert_eq!(guard.try_with_upgraded_until(Instant::now(), |n| *n += 1), None);
    /// # drop(reader);
    /// ```
    #[allow(unsafe_code)]
    pub fn try_with_upgraded_until<R>(
        &mut self,
        deadline: Instant,
        f: impl FnOnce(&mut T) -> R,
    ) -> Option<R> {
        // SAFETY: as in `with_upgraded`.
        let mut kept = unsafe { self.lock.kept_upgradable_guard() };
        kept.try_with_upgraded_until(deadline, f)
    }
}

#[cfg(test)]
mod tests {
    //! The `unsafe` steps under miri: `cargo +nightly miri test -p selvedge-locks --lib
    //! --features arc_lock arc_guard`.
    use std::panic::{AssertUnwindSafe, catch_unwind};
    use std::sync::Arc;

    use crate::{
        ArcMutexGuard, ArcReentrantMutexGuard, ArcRwLockReadGuard, ArcRwLockUpgradableReadGuard,
        ArcRwLockWriteGuard, Mutex, ReentrantMutex, RwLock,
    };

    /// Each operation on a kept hold ends with the lock held exactly as the guard it returns
    /// says: the next guard's release (or none) leaves the lock free.
    #[test]
    fn lock_api_operations_on_kept_holds_release_each_hold_once() {
        let m = Arc::new(Mutex::new(0));
        let mut guard = m.lock_arc();
        ArcMutexGuard::unlocked(&mut guard, || *m.lock() += 1);
        ArcMutexGuard::unlocked_fair(&mut guard, || *m.lock() += 1);
        ArcMutexGuard::bump(&mut guard);
        *guard += 1;
        ArcMutexGuard::unlock_fair(guard);
        assert_eq!(*m.lock(), 3);

        let lock = Arc::new(RwLock::new(0));
        let mut read = lock.read_arc();
        ArcRwLockReadGuard::bump(&mut read);
        ArcRwLockReadGuard::unlocked(&mut read, || *lock.write() += 1);
        drop(read);
        let read = ArcRwLockWriteGuard::downgrade(lock.write_arc());
        assert!(lock.try_write().is_none());
        drop(read);
        let up = ArcRwLockWriteGuard::downgrade_to_upgradable(lock.write_arc());
        let up = ArcRwLockUpgradableReadGuard::try_upgrade(up)
            .map(ArcRwLockWriteGuard::downgrade_to_upgradable)
            .unwrap_or_else(|_| unreachable!("no other reader"));
        let mut up = ArcRwLockUpgradableReadGuard::downgrade(
            ArcRwLockWriteGuard::downgrade_to_upgradable(ArcRwLockUpgradableReadGuard::upgrade(up)),
        );
        ArcRwLockReadGuard::unlocked_fair(&mut up, || ());
        drop(up);
        let mut up = lock.upgradable_read_arc();
        up.with_upgraded(|n| *n += 1);
        ArcRwLockUpgradableReadGuard::unlock_fair(up);
        assert!(!lock.is_locked());
        assert_eq!(*lock.read(), 2);

        let re = Arc::new(ReentrantMutex::new(()));
        let outer = re.lock_arc();
        let mut inner = re.lock_arc();
        ArcReentrantMutexGuard::unlocked(&mut inner, || ());
        ArcReentrantMutexGuard::bump(&mut inner);
        ArcReentrantMutexGuard::unlock_fair(inner);
        drop(ArcReentrantMutexGuard::into_arc_fair(outer));
        std::thread::scope(|s| {
            s.spawn(|| assert!(re.try_lock().is_some(), "both holds released once"));
        });
    }

    /// A panic in an `unlocked` body: lock_api takes the lock back before unwinding goes on,
    /// and the `Arc` guard's drop then releases it, once.
    #[test]
    fn a_panicking_unlocked_body_leaves_one_release_to_the_guard() {
        let m = Arc::new(Mutex::new(0));
        let outcome = catch_unwind(AssertUnwindSafe(|| {
            let mut guard = m.lock_arc();
            ArcMutexGuard::unlocked(&mut guard, || panic!("body"));
        }));
        assert!(outcome.is_err());
        assert!(!m.is_locked());
        *m.lock() += 1;

        let lock = Arc::new(RwLock::new(0));
        let outcome = catch_unwind(AssertUnwindSafe(|| {
            let mut up = lock.upgradable_read_arc();
            up.with_upgraded(|_| panic!("body"));
        }));
        assert!(outcome.is_err());
        assert!(!lock.is_locked());
        *lock.write() += 1;
    }

    #[test]
    fn arc_guards_read_write_and_release_every_mode() {
        let m = Arc::new(Mutex::new(vec![1]));
        let mut guard = m.lock_arc();
        guard.push(2);
        assert!(m.try_lock().is_none());
        drop(guard);
        assert_eq!(*m.lock(), [1, 2]);

        let lock = Arc::new(RwLock::new(String::from("a")));
        let read = lock.read_arc();
        // `try_`: a second blocking acquisition on one thread is a lock-order error.
        let up = lock.try_upgradable_read_arc().unwrap();
        assert_eq!(format!("{}{}", *read, *up), "aa");
        assert!(lock.try_write_arc().is_none());
        drop((read, up));
        lock.write_arc().push('b');
        assert_eq!(*lock.read(), "ab");
        assert!(!lock.is_locked());

        let re = Arc::new(crate::ReentrantMutex::new(1));
        let outer = re.lock_arc();
        let inner = re.lock_arc();
        assert_eq!(*outer + *inner, 2);
        drop(outer);
        drop(inner);
        std::thread::scope(|s| {
            s.spawn(|| assert!(re.try_lock().is_some(), "both holds released"));
        });
    }

    #[test]
    fn arc_guard_keeps_the_lock_alive_past_the_last_other_arc() {
        let m = Arc::new(Mutex::new(5));
        let guard = m.lock_arc();
        drop(m);
        assert_eq!(*guard, 5);
    }

    #[test]
    fn arc_guards_exclude_each_other_across_threads() {
        let m = Arc::new(Mutex::new(0_u32));
        let n = if cfg!(miri) { 10 } else { 1_000 };
        std::thread::scope(|s| {
            for _ in 0..2 {
                let m = Arc::clone(&m);
                s.spawn(move || (0..n).for_each(|_| *m.lock_arc() += 1));
            }
        });
        assert_eq!(*m.lock(), 2 * n);
    }
}
