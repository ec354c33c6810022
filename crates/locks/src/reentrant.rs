//! [`ReentrantMutex`]: a lock its owner may take again (Python's `threading.RLock`).

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
use crate::raw::{RawMutex, RawThreadId};

/// A mutex that the thread holding it may lock again; it is released when the last guard
/// drops. Use it where a locked method calls another locked method of the same object
/// (the seed's `RLock`).
///
/// Guards give `&T` only: two guards of one thread coexist, so `&mut T` would alias. Put a
/// `Cell` or `RefCell` inside for mutation.
///
/// `ReentrantMutex<T>` is `Sync` when `T: Send`; its guard is never `Send`.
///
/// # Examples
///
/// ```
/// use std::cell::Cell;
/// use selvedge_locks::ReentrantMutex;
///
/// struct Account { balance: ReentrantMutex<Cell<i64>> }
/// impl Account {
///     fn deposit(&self, n: i64) {
///         let b = self.balance.lock();
///         b.set(b.get() + n);
///     }
///     fn deposit_twice(&self, n: i64) {
///         let _outer = self.balance.lock(); // held across both calls
///         self.deposit(n);
///         self.deposit(n);
///     }
/// }
/// let account = Account { balance: ReentrantMutex::new(Cell::new(0)) };
/// account.deposit_twice(5);
/// assert_eq!(account.balance.lock().get(), 10);
/// ```
///
/// A guard cannot move to another thread:
///
/// ```compile_fail
/// let m = selvedge_locks::ReentrantMutex::new(0);
/// let guard = m.lock();
/// std::thread::scope(|s| { s.spawn(move || drop(guard)); });
/// ```
///
/// while the lock itself can be shared:
///
/// ```
/// let m = selvedge_locks::ReentrantMutex::new(0);
/// std::thread::scope(|s| { s.spawn(|| assert_eq!(*m.lock(), 0)); });
/// ```
pub struct ReentrantMutex<T: ?Sized> {
    meta: LockMeta,
    inner: lock_api::ReentrantMutex<RawMutex, RawThreadId, T>,
}

/// RAII guard of a [`ReentrantMutex`]: derefs to `&T`.
///
/// ```
/// let m = selvedge_locks::ReentrantMutex::new(1);
/// let (a, b) = (m.lock(), m.lock());
/// assert_eq!(*a + *b, 2);
/// ```
#[must_use = "the lock is released as soon as the guard is dropped"]
pub struct ReentrantMutexGuard<'a, T: ?Sized> {
    remutex: &'a ReentrantMutex<T>,
    inner: lock_api::ReentrantMutexGuard<'a, RawMutex, RawThreadId, T>,
    held: Held,
}

/// A [`ReentrantMutexGuard`] narrowed by [`ReentrantMutexGuard::map`]; it can be narrowed
/// again.
///
/// ```
/// use selvedge_locks::{MappedReentrantMutexGuard, ReentrantMutex, ReentrantMutexGuard};
/// let m = ReentrantMutex::new((1, (2, 3)));
/// let inner = ReentrantMutexGuard::map(m.lock(), |p| &p.1);
/// assert_eq!(*MappedReentrantMutexGuard::map(inner, |p| &p.1), 3);
/// ```
#[must_use = "the lock is released as soon as the guard is dropped"]
pub struct MappedReentrantMutexGuard<'a, T: ?Sized> {
    inner: lock_api::MappedReentrantMutexGuard<'a, RawMutex, RawThreadId, T>,
    held: Held,
}

impl<T> ReentrantMutex<T> {
    /// A new unlocked reentrant mutex; `const`, so it can be a `static`.
    ///
    /// ```
    /// static LOG: selvedge_locks::ReentrantMutex<()> = selvedge_locks::ReentrantMutex::new(());
    /// let _outer = LOG.lock();
    /// let _inner = LOG.lock();
    /// ```
    #[must_use]
    pub const fn new(value: T) -> Self {
        Self::named(UNNAMED, value)
    }

    /// A new reentrant mutex with a name for reports.
    ///
    /// ```
    /// assert_eq!(selvedge_locks::ReentrantMutex::named("log", ()).name(), "log");
    /// ```
    #[must_use]
    pub const fn named(name: &'static str, value: T) -> Self {
        Self {
            meta: LockMeta::new(name),
            inner: lock_api::ReentrantMutex::const_new(
                <RawMutex as lock_api::RawMutex>::INIT,
                <RawThreadId as lock_api::GetThreadId>::INIT,
                value,
            ),
        }
    }

    /// Consumes the lock and returns the data.
    ///
    /// ```
    /// assert_eq!(selvedge_locks::ReentrantMutex::new(4).into_inner(), 4);
    /// ```
    pub fn into_inner(self) -> T {
        self.inner.into_inner()
    }
}

impl<T: ?Sized> ReentrantMutex<T> {
    /// The lock's name, or `"unnamed"`.
    ///
    /// ```
    /// assert_eq!(selvedge_locks::ReentrantMutex::new(()).name(), "unnamed");
    /// ```
    #[must_use]
    pub fn name(&self) -> &'static str {
        self.meta.name()
    }

    /// Blocks until this thread holds the lock; returns at once if it already does.
    ///
    /// ```
    /// let m = selvedge_locks::ReentrantMutex::new(());
    /// let _a = m.lock();
    /// let _b = m.lock(); // same thread: no deadlock
    /// ```
    #[inline]
    #[track_caller]
    pub fn lock(&self) -> ReentrantMutexGuard<'_, T> {
        let (inner, held) = acquire::lock(
            &self.meta,
            Mode::Reentrant,
            || self.inner.try_lock(),
            || self.inner.lock(),
        );
        ReentrantMutexGuard {
            remutex: self,
            inner,
            held,
        }
    }

    /// Takes the lock if it is free or already held by this thread.
    ///
    /// ```
    /// let m = selvedge_locks::ReentrantMutex::new(());
    /// let _a = m.lock();
    /// assert!(m.try_lock().is_some());
    /// ```
    #[inline]
    #[track_caller]
    pub fn try_lock(&self) -> Option<ReentrantMutexGuard<'_, T>> {
        acquire::try_lock(&self.meta, Mode::Reentrant, || self.inner.try_lock()).map(
            |(inner, held)| ReentrantMutexGuard {
                remutex: self,
                inner,
                held,
            },
        )
    }

    /// Waits at most `timeout` for the lock.
    ///
    /// # Errors
    ///
    /// [`LockTimeout`] if another thread held it throughout.
    ///
    /// ```
    /// let m = selvedge_locks::ReentrantMutex::new(());
    /// assert!(m.try_lock_for(std::time::Duration::from_millis(1)).is_ok());
    /// ```
    #[inline]
    #[track_caller]
    pub fn try_lock_for(
        &self,
        timeout: Duration,
    ) -> Result<ReentrantMutexGuard<'_, T>, LockTimeout> {
        self.lock_until(move || Instant::now().checked_add(timeout))
    }

    /// Waits until `deadline` at most for the lock.
    ///
    /// # Errors
    ///
    /// [`LockTimeout`] if another thread held it until `deadline`.
    ///
    /// ```
    /// let m = selvedge_locks::ReentrantMutex::new(());
    /// assert!(m.try_lock_until(std::time::Instant::now()).is_ok());
    /// ```
    #[inline]
    #[track_caller]
    pub fn try_lock_until(
        &self,
        deadline: Instant,
    ) -> Result<ReentrantMutexGuard<'_, T>, LockTimeout> {
        self.lock_until(move || Some(deadline))
    }

    #[inline]
    #[track_caller]
    fn lock_until(
        &self,
        deadline: impl FnOnce() -> Option<Instant>,
    ) -> Result<ReentrantMutexGuard<'_, T>, LockTimeout> {
        acquire::lock_until(
            &self.meta,
            Mode::Reentrant,
            deadline,
            || self.inner.try_lock(),
            |deadline| self.inner.try_lock_until(deadline),
            || self.inner.lock(),
        )
        .map(|(inner, held)| ReentrantMutexGuard {
            remutex: self,
            inner,
            held,
        })
    }

    /// Whether some thread holds the lock.
    ///
    /// ```
    /// let m = selvedge_locks::ReentrantMutex::new(());
    /// assert!(!m.is_locked());
    /// ```
    #[must_use]
    pub fn is_locked(&self) -> bool {
        self.inner.is_locked()
    }

    /// Whether the calling thread holds the lock.
    ///
    /// ```
    /// let m = selvedge_locks::ReentrantMutex::new(());
    /// let _g = m.lock();
    /// assert!(m.is_owned_by_current_thread());
    /// ```
    #[must_use]
    pub fn is_owned_by_current_thread(&self) -> bool {
        self.inner.is_owned_by_current_thread()
    }

    /// A raw pointer to the data (lock_api's `data_ptr`). Getting it is safe; using it is
    /// `unsafe` and sound only while this thread holds the lock (and then only for shared
    /// access, as a guard gives), or has `&mut` to the mutex.
    ///
    /// ```
    /// let m = selvedge_locks::ReentrantMutex::new(5);
    /// let guard = m.lock();
    /// assert_eq!(m.data_ptr().cast_const(), &*guard as *const i32);
    /// ```
    #[must_use]
    pub fn data_ptr(&self) -> *mut T {
        self.inner.data_ptr()
    }

    /// Mutable access without locking.
    ///
    /// ```
    /// let mut m = selvedge_locks::ReentrantMutex::new(1);
    /// *m.get_mut() += 1;
    /// assert_eq!(*m.lock(), 2);
    /// ```
    pub fn get_mut(&mut self) -> &mut T {
        self.inner.get_mut()
    }
}

impl<T: Default> Default for ReentrantMutex<T> {
    fn default() -> Self {
        Self::new(T::default())
    }
}

impl<T> From<T> for ReentrantMutex<T> {
    fn from(value: T) -> Self {
        Self::new(value)
    }
}

impl<T: ?Sized + fmt::Debug> fmt::Debug for ReentrantMutex<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut d = f.debug_struct("ReentrantMutex");
        d.field("name", &self.name());
        match self.inner.try_lock() {
            Some(guard) => d.field("data", &&*guard),
            None => d.field("data", &format_args!("<locked>")),
        };
        d.finish()
    }
}

guard_deref!(ReentrantMutexGuard);
guard_deref!(MappedReentrantMutexGuard);
guard_map!(
    ReentrantMutexGuard => MappedReentrantMutexGuard,
    ReentrantMutexGuard::try_map_or_err, (&),
    hooks { held }, keep { remutex },
    "use selvedge_locks::ReentrantMutexGuard as Guard;\n\
     let lock = selvedge_locks::ReentrantMutex::new(vec![1, 2]);\n\
     let guard = lock.lock();",
    "&v[1]"
);
guard_map!(
    MappedReentrantMutexGuard => MappedReentrantMutexGuard,
    MappedReentrantMutexGuard::try_map_or_err, (&),
    hooks { held }, keep {},
    "use selvedge_locks::{MappedReentrantMutexGuard as Guard, ReentrantMutexGuard};\n\
     let lock = selvedge_locks::ReentrantMutex::new(vec![1, 2]);\n\
     let guard = ReentrantMutexGuard::map(lock.lock(), |v| v);",
    "&v[1]"
);

impl<'a, T: ?Sized> ReentrantMutexGuard<'a, T> {
    /// The mutex this guard holds (lock_api's `remutex`).
    ///
    /// ```
    /// use selvedge_locks::{ReentrantMutex, ReentrantMutexGuard};
    /// let m = ReentrantMutex::named("log", ());
    /// let guard = m.lock();
    /// assert_eq!(ReentrantMutexGuard::remutex(&guard).name(), "log");
    /// ```
    #[must_use]
    pub fn remutex(s: &Self) -> &'a ReentrantMutex<T> {
        s.remutex
    }

    /// Lets go of this guard's hold, runs `f`, and takes it back (lock_api's `unlocked`). The
    /// lock is free meanwhile only if this is the thread's one hold. Checked by feature
    /// `lock-order` as [`MutexGuard::unlocked`](crate::MutexGuard::unlocked) is.
    ///
    /// ```
    /// use selvedge_locks::{ReentrantMutex, ReentrantMutexGuard};
    /// let m = ReentrantMutex::new(1);
    /// let mut guard = m.lock();
    /// let free = ReentrantMutexGuard::unlocked(&mut guard, || {
    ///     std::thread::scope(|s| s.spawn(|| m.try_lock().is_some()).join().unwrap())
    /// });
    /// assert!(free);
    /// ```
    #[track_caller]
    pub fn unlocked<U>(s: &mut Self, f: impl FnOnce() -> U) -> U {
        let site = Location::caller();
        s.held.released();
        let held = &mut s.held;
        lock_api::ReentrantMutexGuard::unlocked(&mut s.inner, || {
            let result = f();
            held.before_reacquire(Mode::Reentrant, site);
            result
        })
    }

    /// [`unlocked`](Self::unlocked) with a fair unlock (lock_api's `unlocked_fair`).
    ///
    /// ```
    /// use selvedge_locks::{ReentrantMutex, ReentrantMutexGuard};
    /// let m = ReentrantMutex::new(1);
    /// let mut guard = m.lock();
    /// let free = ReentrantMutexGuard::unlocked_fair(&mut guard, || {
    ///     std::thread::scope(|s| s.spawn(|| m.try_lock().is_some()).join().unwrap())
    /// });
    /// assert!(free);
    /// ```
    #[track_caller]
    pub fn unlocked_fair<U>(s: &mut Self, f: impl FnOnce() -> U) -> U {
        let site = Location::caller();
        s.held.released();
        let held = &mut s.held;
        lock_api::ReentrantMutexGuard::unlocked_fair(&mut s.inner, || {
            let result = f();
            held.before_reacquire(Mode::Reentrant, site);
            result
        })
    }

    /// Unlocks fairly (parking_lot's `ReentrantMutexGuard::unlock_fair`): when this is the
    /// outermost guard and a thread waits, the lock goes straight to it.
    ///
    /// ```
    /// use selvedge_locks::{ReentrantMutex, ReentrantMutexGuard};
    /// let m = ReentrantMutex::new(1);
    /// ReentrantMutexGuard::unlock_fair(m.lock());
    /// assert!(m.try_lock().is_some());
    /// ```
    // `Held` has no `Drop` without feature `lock-order`; the drop says the order.
    #[allow(clippy::drop_non_drop)]
    pub fn unlock_fair(s: Self) {
        let Self { inner, held, .. } = s;
        drop(held);
        lock_api::ReentrantMutexGuard::unlock_fair(inner);
    }

    /// Hands the lock to a waiting thread and takes it back (parking_lot's `bump`), when this
    /// thread holds it once; with nested guards, or no waiter, it returns at once. Checked by
    /// feature `lock-order` as [`MutexGuard::bump`](crate::MutexGuard::bump) is.
    ///
    /// ```
    /// use selvedge_locks::{ReentrantMutex, ReentrantMutexGuard};
    /// let m = ReentrantMutex::new(1);
    /// let mut guard = m.lock();
    /// ReentrantMutexGuard::bump(&mut guard);
    /// assert_eq!(*guard, 1);
    /// ```
    #[track_caller]
    pub fn bump(s: &mut Self) {
        s.held.before_reacquire(Mode::Reentrant, Location::caller());
        lock_api::ReentrantMutexGuard::bump(&mut s.inner);
    }

    /// Ends the guard but not the hold (for [`ArcReentrantMutexGuard`](crate::ArcReentrantMutexGuard)).
    #[cfg(feature = "arc_lock")]
    pub(crate) fn into_held(s: Self) -> Held {
        let Self { inner, held, .. } = s;
        std::mem::forget(inner);
        held
    }
}

impl<T: ?Sized> MappedReentrantMutexGuard<'_, T> {
    /// Unlocks fairly, as [`ReentrantMutexGuard::unlock_fair`].
    ///
    /// ```
    /// use selvedge_locks::{MappedReentrantMutexGuard, ReentrantMutex, ReentrantMutexGuard};
    /// let m = ReentrantMutex::new((1, 2));
    /// MappedReentrantMutexGuard::unlock_fair(ReentrantMutexGuard::map(m.lock(), |p| &p.0));
    /// assert!(!m.is_locked());
    /// ```
    // `Held` has no `Drop` without feature `lock-order`; the drop says the order.
    #[allow(clippy::drop_non_drop)]
    pub fn unlock_fair(s: Self) {
        let Self { inner, held } = s;
        drop(held);
        lock_api::MappedReentrantMutexGuard::unlock_fair(inner);
    }
}

#[cfg(feature = "arc_lock")]
impl<T: ?Sized> ReentrantMutex<T> {
    /// Releases one hold kept by [`ReentrantMutexGuard::into_held`].
    ///
    /// # Safety
    ///
    /// The calling guard holds the lock through an `into_held` on this mutex, on this
    /// thread, and releases it once.
    #[allow(unsafe_code)]
    pub(crate) unsafe fn unlock_leaked(&self) {
        // SAFETY: this function's contract; the backend guard was forgotten, so this is the
        // one release of its hold (the lock count goes down by one).
        unsafe { self.inner.force_unlock() }
    }

    /// lock_api's guard for one hold kept by [`ReentrantMutexGuard::into_held`], so an `Arc`
    /// guard can use lock_api's guard operations; in a `ManuallyDrop`, as
    /// [`Mutex::kept_guard`](crate::Mutex::kept_guard) explains.
    ///
    /// # Safety
    ///
    /// This thread holds the lock through an `into_held` on this mutex, and the returned
    /// guard stands for that one hold.
    #[allow(unsafe_code)]
    pub(crate) unsafe fn kept_guard(
        &self,
    ) -> ManuallyDrop<lock_api::ReentrantMutexGuard<'_, RawMutex, RawThreadId, T>> {
        // SAFETY: this thread holds the lock (this function's contract).
        ManuallyDrop::new(unsafe { self.inner.make_guard_unchecked() })
    }
}
