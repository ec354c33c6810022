//! Feature `arc_lock`: guards that own an `Arc` of their lock instead of borrowing it
//! ([`ArcMutexGuard`], [`ArcRwLockReadGuard`], [`ArcRwLockWriteGuard`],
//! [`ArcRwLockUpgradableReadGuard`], [`ArcReentrantMutexGuard`]), lock_api's feature of the
//! same name.
//!
//! Each `*_arc` acquisition is the borrowed one (`lock`, `read`, ...: the same acquisition
//! protocol, contention events and lock-order hooks), whose guard is then *leaked*: the
//! backend guard is forgotten, the lock-order entry moves into the `Arc` guard, and the `Arc`
//! guard's `Drop` releases the hold with the backend's `force_unlock`. That release is the
//! one `unsafe` step, and its contract is exactly "this guard holds the lock": each `Arc`
//! guard is built only from a guard that held it, and releases it once.

use std::fmt;
use std::marker::PhantomData;
use std::ops::{Deref, DerefMut};
use std::sync::Arc;
use std::time::{Duration, Instant};

use crate::error::LockTimeout;
use crate::lock_order::Held;
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

#[cfg(test)]
mod tests {
    //! The `unsafe` steps under miri: `cargo +nightly miri test -p selvedge-locks --lib
    //! --features arc_lock arc_guard`.
    use std::sync::Arc;

    use crate::{Mutex, RwLock};

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
