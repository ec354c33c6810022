//! [`Mutex`]: parking_lot's mutex with a name, contention events and lock-order checks.

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
use crate::owner::{self, Owner, OwnerMark};
use crate::raw::RawMutex;

/// A mutual-exclusion lock protecting a `T`: Python's `threading.Lock` with the data inside.
///
/// `lock()` returns a guard that derefs to the data and unlocks when dropped. There is no
/// poisoning: a panic while holding the lock releases it (as in parking_lot).
///
/// `Mutex<T>` is `Send` and `Sync` when `T: Send`. Its guard is `Sync` when `T: Sync` and never
/// `Send`: it must be dropped on the thread that locked.
///
/// # Examples
///
/// ```
/// use selvedge_locks::Mutex;
///
/// static HITS: Mutex<u64> = Mutex::named("hits", 0);
///
/// std::thread::scope(|s| {
///     for _ in 0..4 {
///         s.spawn(|| *HITS.lock() += 1);
///     }
/// });
/// assert_eq!(*HITS.lock(), 4);
/// ```
///
/// A guard cannot be sent to another thread:
///
/// ```compile_fail
/// let m = selvedge_locks::Mutex::new(0);
/// let guard = m.lock();
/// std::thread::scope(|s| {
///     s.spawn(move || drop(guard));
/// });
/// ```
///
/// but it can be shared with one, as `&T`:
///
/// ```
/// let m = selvedge_locks::Mutex::new(5);
/// let guard = m.lock();
/// let shared = &guard;
/// std::thread::scope(|s| {
///     s.spawn(move || assert_eq!(**shared, 5));
/// });
/// ```
///
/// # Differences from parking_lot and std
///
/// - A name (`Mutex::named`), reported in contention events and lock-order reports.
/// - `try_lock_for`/`try_lock_until` return `Result<_, LockTimeout>` naming the lock and the
///   wait, not an `Option`.
/// - No poisoning (std poisons); no `unsafe` raw access (parking_lot has `force_unlock`).
///
/// # Performance
///
/// Unobserved (no subscriber for `selvedge::locks` at DEBUG), `lock()` is parking_lot's own
/// `lock()`. Observed, parking_lot's `try_lock` runs inline and contention is timed and
/// reported out of line.
///
/// # Send and Sync
///
/// A guard of a `T` that is not `Sync` cannot be shared with another thread:
///
/// ```compile_fail
/// let m = selvedge_locks::Mutex::new(std::cell::Cell::new(0));
/// let guard = m.lock();
/// let shared = &guard;
/// std::thread::scope(|s| {
///     s.spawn(move || shared.set(1));
/// });
/// ```
///
/// and a mutex of a `T` that is not `Send` cannot be shared at all:
///
/// ```compile_fail
/// let m = selvedge_locks::Mutex::new(std::rc::Rc::new(0));
/// std::thread::scope(|s| {
///     s.spawn(|| drop(m.lock().clone()));
/// });
/// ```
///
/// while a `Send` but not `Sync` value is fine inside one (the mutex provides the `Sync`):
///
/// ```
/// let m = selvedge_locks::Mutex::new(std::cell::Cell::new(0));
/// std::thread::scope(|s| {
///     s.spawn(|| m.lock().set(1));
/// });
/// assert_eq!(m.lock().get(), 1);
/// ```
///
/// # Panics
///
/// `lock` panics when the calling thread already holds this mutex, instead of blocking forever,
/// in a debug build (`debug_assertions`) or with feature `lock-order`. A release build without
/// the feature pays nothing for this and hangs, as parking_lot does. With feature `lock-order`,
/// it also panics on a lock-order violation when the action is `Panic`.
pub struct Mutex<T: ?Sized> {
    meta: LockMeta,
    /// Zero-sized in release builds; see [`owner`].
    owner: Owner,
    inner: lock_api::Mutex<RawMutex, T>,
}

/// RAII guard of a [`Mutex`]: derefs to the data, unlocks on drop.
///
/// ```
/// let m = selvedge_locks::Mutex::new(vec![1]);
/// m.lock().push(2);
/// assert_eq!(*m.lock(), [1, 2]);
/// ```
#[must_use = "the lock is released as soon as the guard is dropped"]
pub struct MutexGuard<'a, T: ?Sized> {
    mutex: &'a Mutex<T>,
    // Before `inner`: it must drop (clearing the holder) before `inner` unlocks.
    owner: OwnerMark<'a>,
    inner: lock_api::MutexGuard<'a, RawMutex, T>,
    held: Held,
}

/// A [`MutexGuard`] narrowed to part of the data by [`MutexGuard::map`]; it can be narrowed
/// again.
///
/// ```
/// use selvedge_locks::{MappedMutexGuard, Mutex, MutexGuard};
/// let m = Mutex::new((1, String::from("a")));
/// let pair = MutexGuard::map(m.lock(), |pair| pair);
/// let mut name = MappedMutexGuard::map(pair, |pair| &mut pair.1);
/// name.push('b');
/// drop(name);
/// assert_eq!(m.lock().1, "ab");
/// ```
#[must_use = "the lock is released as soon as the guard is dropped"]
pub struct MappedMutexGuard<'a, T: ?Sized> {
    // Before `inner`: it must drop (clearing the holder) before `inner` unlocks.
    owner: OwnerMark<'a>,
    inner: lock_api::MappedMutexGuard<'a, RawMutex, T>,
    held: Held,
}

impl<T> Mutex<T> {
    /// A new unlocked mutex; `const`, so it can be a `static`.
    ///
    /// ```
    /// static COUNT: selvedge_locks::Mutex<u32> = selvedge_locks::Mutex::new(0);
    /// *COUNT.lock() += 1;
    /// assert_eq!(*COUNT.lock(), 1);
    /// ```
    #[must_use]
    pub const fn new(value: T) -> Self {
        Self::named(UNNAMED, value)
    }

    /// A new unlocked mutex whose name appears in contention events, timeouts and lock-order
    /// reports.
    ///
    /// ```
    /// let accounts = selvedge_locks::Mutex::named("accounts", Vec::<u64>::new());
    /// assert_eq!(accounts.name(), "accounts");
    /// ```
    #[must_use]
    pub const fn named(name: &'static str, value: T) -> Self {
        Self {
            meta: LockMeta::new(name),
            owner: Owner::new(),
            inner: lock_api::Mutex::const_new(<RawMutex as lock_api::RawMutex>::INIT, value),
        }
    }

    /// Consumes the mutex and returns the data.
    ///
    /// ```
    /// assert_eq!(selvedge_locks::Mutex::new(3).into_inner(), 3);
    /// ```
    pub fn into_inner(self) -> T {
        self.inner.into_inner()
    }
}

impl<T: ?Sized> Mutex<T> {
    /// The name given to [`named`](Self::named), or `"unnamed"`.
    ///
    /// ```
    /// assert_eq!(selvedge_locks::Mutex::new(()).name(), "unnamed");
    /// ```
    #[must_use]
    pub fn name(&self) -> &'static str {
        self.meta.name()
    }

    pub(crate) fn meta(&self) -> &LockMeta {
        &self.meta
    }

    /// Blocks until the lock is held, and returns the guard.
    ///
    /// ```
    /// let m = selvedge_locks::Mutex::new(1);
    /// *m.lock() += 1;
    /// assert_eq!(*m.lock(), 2);
    /// ```
    ///
    /// # Panics
    ///
    /// If this thread already holds the lock, in a debug build (`debug_assertions`) or with
    /// feature `lock-order`, instead of blocking forever; a release build without the feature
    /// blocks forever, as parking_lot and std do. With feature `lock-order`, also on a
    /// lock-order violation with [`OrderAction::Panic`](crate::lock_order::OrderAction::Panic).
    ///
    /// ```should_panic
    /// # // The panic is a debug-build check: make the example panic in every build.
    /// # if !cfg!(any(debug_assertions, feature = "lock-order")) { panic!("release build"); }
    /// let m = selvedge_locks::Mutex::named("config", 0);
    /// let _guard = m.lock();
    /// let _again = m.lock(); // panics: "self-deadlock: mutex `config` is already held by this thread ..."
    /// ```
    #[inline]
    #[track_caller]
    pub fn lock(&self) -> MutexGuard<'_, T> {
        self.lock_at(Location::caller())
    }

    /// [`lock`](Self::lock) on behalf of a caller's call site (for `lock_all`, whose loop
    /// would otherwise report its own line).
    #[inline]
    pub(crate) fn lock_at(&self, site: &'static Location<'static>) -> MutexGuard<'_, T> {
        let (inner, held) = acquire::lock_from(
            &self.meta,
            Mode::Exclusive,
            site,
            || self.inner.try_lock(),
            || self.lock_blocking(site),
        );
        self.guard(inner, held)
    }

    /// The backend's blocking `lock()`. In a debug build a failed `try_lock` comes first, and
    /// only then is the holder looked up, so the self-relock check costs the uncontended path
    /// nothing more than that `try_lock`; in a release build this is `lock()` alone.
    #[inline]
    fn lock_blocking(
        &self,
        site: &'static Location<'static>,
    ) -> lock_api::MutexGuard<'_, RawMutex, T> {
        if owner::CHECKED {
            if let Some(guard) = self.inner.try_lock() {
                return guard;
            }
            self.owner.check_not_mine(&self.meta, site);
        }
        self.inner.lock()
    }

    /// Wraps a freshly acquired backend guard, recording the holder in debug builds.
    #[inline]
    fn guard<'a>(
        &'a self,
        inner: lock_api::MutexGuard<'a, RawMutex, T>,
        held: Held,
    ) -> MutexGuard<'a, T> {
        MutexGuard {
            mutex: self,
            owner: self.owner.acquired(),
            inner,
            held,
        }
    }

    /// Takes the lock if it is free, without blocking.
    ///
    /// ```
    /// let m = selvedge_locks::Mutex::new(());
    /// let guard = m.try_lock().unwrap();
    /// assert!(m.try_lock().is_none());
    /// drop(guard);
    /// assert!(m.try_lock().is_some());
    /// ```
    #[inline]
    #[track_caller]
    pub fn try_lock(&self) -> Option<MutexGuard<'_, T>> {
        acquire::try_lock(&self.meta, Mode::Exclusive, || self.inner.try_lock())
            .map(|(inner, held)| self.guard(inner, held))
    }

    /// Waits at most `timeout` for the lock; a `timeout` too long to represent as an
    /// `Instant` waits without limit, like [`lock`](Self::lock).
    ///
    /// # Errors
    ///
    /// [`LockTimeout`] (naming the lock and the wait) if the lock was not free in time,
    /// including when this thread holds it.
    ///
    /// # Panics
    ///
    /// Never for a `timeout` that can end. With feature `lock-order`, one that cannot (such as
    /// `Duration::MAX`) on a lock this thread holds panics as [`lock`](Self::lock) does,
    /// since it would wait forever.
    ///
    /// ```
    /// use std::time::Duration;
    /// let m = selvedge_locks::Mutex::named("m", ());
    /// assert!(m.try_lock_for(Duration::from_millis(1)).is_ok());
    /// ```
    #[inline]
    #[track_caller]
    pub fn try_lock_for(&self, timeout: Duration) -> Result<MutexGuard<'_, T>, LockTimeout> {
        self.lock_until(move || Instant::now().checked_add(timeout))
    }

    /// Waits until `deadline` at most for the lock. Never panics, even with feature
    /// `lock-order` on a lock this thread holds: the wait ends at `deadline`.
    ///
    /// # Errors
    ///
    /// [`LockTimeout`] if the lock was not free by `deadline`, including when this thread
    /// holds it.
    ///
    /// ```
    /// use std::time::{Duration, Instant};
    /// let m = selvedge_locks::Mutex::new(());
    /// let _held = m.lock();
    /// let late = std::thread::scope(|s| {
    ///     s.spawn(|| m.try_lock_until(Instant::now() + Duration::from_millis(1)).is_err())
    ///         .join()
    ///         .unwrap()
    /// });
    /// assert!(late);
    /// ```
    #[inline]
    #[track_caller]
    pub fn try_lock_until(&self, deadline: Instant) -> Result<MutexGuard<'_, T>, LockTimeout> {
        self.lock_until(move || Some(deadline))
    }

    #[inline]
    #[track_caller]
    fn lock_until(
        &self,
        deadline: impl FnOnce() -> Option<Instant>,
    ) -> Result<MutexGuard<'_, T>, LockTimeout> {
        let site = Location::caller();
        acquire::lock_until(
            &self.meta,
            Mode::Exclusive,
            deadline,
            || self.inner.try_lock(),
            |deadline| self.inner.try_lock_until(deadline),
            // Only for a deadline too far to represent: it waits without limit, so it is
            // checked as `lock` is.
            || self.lock_blocking(site),
        )
        .map(|(inner, held)| self.guard(inner, held))
    }

    /// Whether some thread holds the lock (a snapshot, for diagnostics).
    ///
    /// ```
    /// let m = selvedge_locks::Mutex::new(());
    /// let _g = m.lock();
    /// assert!(m.is_locked());
    /// ```
    #[must_use]
    pub fn is_locked(&self) -> bool {
        self.inner.is_locked()
    }

    /// A raw pointer to the data (lock_api's `data_ptr`). Getting it is safe; using it is
    /// `unsafe` and sound only while this thread holds the lock, or has `&mut` to the mutex.
    ///
    /// ```
    /// let m = selvedge_locks::Mutex::new(5);
    /// let guard = m.lock();
    /// assert_eq!(m.data_ptr().cast_const(), &*guard as *const i32);
    /// ```
    #[must_use]
    pub fn data_ptr(&self) -> *mut T {
        self.inner.data_ptr()
    }

    /// Releases a hold kept by [`MutexGuard::into_held`].
    ///
    /// # Safety
    ///
    /// The calling guard holds the lock through an `into_held` on this mutex, and releases
    /// it once.
    #[cfg(feature = "arc_lock")]
    #[allow(unsafe_code)]
    pub(crate) unsafe fn unlock_leaked(&self) {
        self.owner.released();
        // SAFETY: the caller holds the lock (this function's contract); its backend guard was
        // forgotten by `into_held`, so nothing else unlocks it.
        unsafe { self.inner.force_unlock() }
    }

    /// lock_api's guard for a hold kept by [`MutexGuard::into_held`], so an `Arc` guard can
    /// use lock_api's guard operations. It comes in a `ManuallyDrop`: the hold ends through
    /// [`unlock_leaked`](Self::unlock_leaked) or a consuming lock_api operation, never by a
    /// drop of this guard.
    ///
    /// # Safety
    ///
    /// This thread holds the lock through an `into_held` on this mutex.
    #[cfg(feature = "arc_lock")]
    #[allow(unsafe_code)]
    pub(crate) unsafe fn kept_guard(&self) -> ManuallyDrop<lock_api::MutexGuard<'_, RawMutex, T>> {
        // SAFETY: this thread holds the lock (this function's contract).
        ManuallyDrop::new(unsafe { self.inner.make_guard_unchecked() })
    }

    /// An `Arc` guard lets go of its kept hold (`unlocked`, `unlock_fair`): the holder
    /// recorded by `into_held` is cleared first.
    #[cfg(feature = "arc_lock")]
    pub(crate) fn kept_released(&self) {
        self.owner.released();
    }

    /// An `Arc` guard took its hold back (`unlocked`, `bump`): this thread is the holder.
    #[cfg(feature = "arc_lock")]
    pub(crate) fn kept_retaken(&self) {
        self.owner.retaken();
    }

    /// Mutable access without locking: `&mut self` proves no guard exists.
    ///
    /// ```
    /// let mut m = selvedge_locks::Mutex::new(1);
    /// *m.get_mut() = 2;
    /// assert_eq!(*m.lock(), 2);
    /// ```
    pub fn get_mut(&mut self) -> &mut T {
        self.inner.get_mut()
    }
}

impl<T: Default> Default for Mutex<T> {
    fn default() -> Self {
        Self::new(T::default())
    }
}

impl<T> From<T> for Mutex<T> {
    fn from(value: T) -> Self {
        Self::new(value)
    }
}

impl<T: ?Sized + fmt::Debug> fmt::Debug for Mutex<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut d = f.debug_struct("Mutex");
        d.field("name", &self.name());
        // The raw `try_lock`: formatting must neither block nor count as an acquisition.
        match self.inner.try_lock() {
            Some(guard) => d.field("data", &&*guard),
            None => d.field("data", &format_args!("<locked>")),
        };
        d.finish()
    }
}

guard_deref!(MutexGuard, mut);
guard_deref!(MappedMutexGuard, mut);
guard_map!(
    MutexGuard => MappedMutexGuard, MutexGuard::try_map_or_err, (&mut),
    hooks { owner, held }, keep { mutex },
    "use selvedge_locks::MutexGuard as Guard;\n\
     let lock = selvedge_locks::Mutex::new(vec![1, 2]);\n\
     let guard = lock.lock();",
    "&mut v[1]"
);
guard_map!(
    MappedMutexGuard => MappedMutexGuard, MappedMutexGuard::try_map_or_err, (&mut),
    hooks { owner, held }, keep {},
    "use selvedge_locks::{MappedMutexGuard as Guard, MutexGuard};\n\
     let lock = selvedge_locks::Mutex::new(vec![1, 2]);\n\
     let guard = MutexGuard::map(lock.lock(), |v| v);",
    "&mut v[1]"
);

impl<'a, T: ?Sized> MutexGuard<'a, T> {
    /// The mutex this guard holds (lock_api's `MutexGuard::mutex`).
    ///
    /// ```
    /// use selvedge_locks::{Mutex, MutexGuard};
    /// let m = Mutex::named("config", ());
    /// let guard = m.lock();
    /// assert_eq!(MutexGuard::mutex(&guard).name(), "config");
    /// ```
    #[must_use]
    pub fn mutex(s: &Self) -> &'a Mutex<T> {
        s.mutex
    }

    /// Unlocks the mutex, runs `f`, and locks it again (lock_api's `unlocked`): other threads
    /// may take the lock meanwhile, and so may `f`. If `f` panics, the lock is taken back
    /// before the guard unwinds.
    ///
    /// Taking the lock back is checked by feature `lock-order` as [`bump`](Self::bump)'s is;
    /// it emits no contention event.
    ///
    /// ```
    /// use selvedge_locks::{Mutex, MutexGuard};
    /// let m = Mutex::new(1);
    /// let mut guard = m.lock();
    /// MutexGuard::unlocked(&mut guard, || *m.lock() += 1);
    /// assert_eq!(*guard, 2);
    /// ```
    #[track_caller]
    pub fn unlocked<U>(s: &mut Self, f: impl FnOnce() -> U) -> U {
        let site = Location::caller();
        s.owner.released();
        s.held.released();
        let held = &mut s.held;
        let result = lock_api::MutexGuard::unlocked(&mut s.inner, || {
            let result = f();
            held.before_reacquire(Mode::Exclusive, site);
            result
        });
        s.owner.reacquired();
        result
    }

    /// [`unlocked`](Self::unlocked) with a fair unlock: a waiting thread gets the lock
    /// first (lock_api's `unlocked_fair`).
    ///
    /// ```
    /// use selvedge_locks::{Mutex, MutexGuard};
    /// let m = Mutex::new(1);
    /// let mut guard = m.lock();
    /// MutexGuard::unlocked_fair(&mut guard, || *m.lock() += 1);
    /// assert_eq!(*guard, 2);
    /// ```
    #[track_caller]
    pub fn unlocked_fair<U>(s: &mut Self, f: impl FnOnce() -> U) -> U {
        let site = Location::caller();
        s.owner.released();
        s.held.released();
        let held = &mut s.held;
        let result = lock_api::MutexGuard::unlocked_fair(&mut s.inner, || {
            let result = f();
            held.before_reacquire(Mode::Exclusive, site);
            result
        });
        s.owner.reacquired();
        result
    }

    /// Ends the guard but keeps the lock locked for good, and returns the data for the rest
    /// of the mutex's borrow (lock_api's `leak`). The lock stays recorded as this thread's, so
    /// a later `lock` on this thread reports a self-deadlock where it is checked.
    ///
    /// ```
    /// use selvedge_locks::{Mutex, MutexGuard};
    /// let m = Mutex::new(1);
    /// let data: &mut i32 = MutexGuard::leak(m.lock());
    /// *data = 2;
    /// assert!(m.is_locked());
    /// ```
    // `OwnerMark` and `Held` have no `Drop` in some builds; forgetting them says what is meant.
    #[allow(clippy::forget_non_drop)]
    pub fn leak(s: Self) -> &'a mut T {
        let Self {
            owner, inner, held, ..
        } = s;
        std::mem::forget(owner);
        std::mem::forget(held);
        lock_api::MutexGuard::leak(inner)
    }

    /// Unlocks fairly: if a thread is waiting, the lock goes straight to it, and this thread
    /// cannot take it back first (parking_lot's `MutexGuard::unlock_fair`).
    ///
    /// A plain drop lets the unlocking thread re-take the lock at once, which is faster but
    /// can starve waiters; parking_lot also unlocks fairly by itself every 0.5 ms on average.
    ///
    /// ```
    /// use selvedge_locks::{Mutex, MutexGuard};
    /// let m = Mutex::new(0);
    /// let mut guard = m.lock();
    /// *guard += 1;
    /// MutexGuard::unlock_fair(guard);
    /// assert_eq!(*m.lock(), 1);
    /// ```
    // `Held` and `OwnerMark` have no `Drop` in some builds; the drops say the order.
    #[allow(clippy::drop_non_drop)]
    pub fn unlock_fair(s: Self) {
        let Self {
            owner, inner, held, ..
        } = s;
        // The holder mark is cleared before the lock is released, as in a plain drop.
        drop(owner);
        drop(held);
        lock_api::MutexGuard::unlock_fair(inner);
    }

    /// Hands the lock to a waiting thread, if there is one, and takes it back when that thread
    /// is done (parking_lot's `MutexGuard::bump`); with no waiter it returns at once. The
    /// data may have changed when it returns.
    ///
    /// # Lock order
    ///
    /// Taking the lock back is a blocking acquisition made under every lock this thread took
    /// after this one, so with feature `lock-order` it is checked as one (a waiter that needs
    /// one of those locks would deadlock with it), and the lock then counts as taken last.
    /// The wait is a voluntary hand-over, not contention: no contention event is emitted.
    ///
    /// ```
    /// use selvedge_locks::{Mutex, MutexGuard};
    /// let queue = Mutex::new(vec![1, 2, 3]);
    /// let mut guard = queue.lock();
    /// while let Some(_item) = guard.pop() {
    ///     // Long batch: let other threads in between items.
    ///     MutexGuard::bump(&mut guard);
    /// }
    /// assert!(guard.is_empty());
    /// ```
    #[track_caller]
    pub fn bump(s: &mut Self) {
        s.held.before_reacquire(Mode::Exclusive, Location::caller());
        lock_api::MutexGuard::bump(&mut s.inner);
        // Another thread may have held (and cleared) the holder mark in between.
        s.owner.reacquired();
    }

    /// Ends the guard but not the hold: the lock stays locked, the holder stays recorded, and
    /// the lock-order entry is handed back (for [`ArcMutexGuard`](crate::ArcMutexGuard)).
    /// Release it with [`Mutex::unlock_leaked`].
    #[cfg(feature = "arc_lock")]
    // `OwnerMark` has no `Drop` in release builds; forgetting it says what is meant.
    #[allow(clippy::forget_non_drop)]
    pub(crate) fn into_held(s: Self) -> Held {
        let Self {
            owner, inner, held, ..
        } = s;
        std::mem::forget(owner);
        std::mem::forget(inner);
        held
    }

    /// Runs `wait` (a condition-variable wait, which releases the lock and takes it again)
    /// on the backend guard, then records this thread as the holder again.
    pub(crate) fn release_during<R>(
        &mut self,
        wait: impl FnOnce(&mut lock_api::MutexGuard<'a, RawMutex, T>) -> R,
    ) -> R {
        let result = wait(&mut self.inner);
        self.owner.reacquired();
        result
    }
}

impl<T: ?Sized> MappedMutexGuard<'_, T> {
    /// Unlocks fairly, as [`MutexGuard::unlock_fair`] (lock_api's
    /// `MappedMutexGuard::unlock_fair`).
    ///
    /// ```
    /// use selvedge_locks::{MappedMutexGuard, Mutex, MutexGuard};
    /// let m = Mutex::new((1, 2));
    /// MappedMutexGuard::unlock_fair(MutexGuard::map(m.lock(), |p| &mut p.0));
    /// assert!(!m.is_locked());
    /// ```
    // `Held` and `OwnerMark` have no `Drop` in some builds; the drops say the order.
    #[allow(clippy::drop_non_drop)]
    pub fn unlock_fair(s: Self) {
        let Self { owner, inner, held } = s;
        drop(owner);
        drop(held);
        lock_api::MappedMutexGuard::unlock_fair(inner);
    }
}

#[cfg(test)]
mod tests {
    use super::{Mutex, MutexGuard};

    #[test]
    fn lock_try_lock_and_map_on_one_thread() {
        let m = Mutex::named("unit", vec![1, 2]);
        {
            let mut second = MutexGuard::map(m.lock(), |v| &mut v[1]);
            *second += 1;
            assert!(m.try_lock().is_none());
        }
        assert_eq!(*m.lock(), [1, 3]);
        assert_eq!(m.into_inner(), [1, 3]);
    }

    #[test]
    fn two_threads_never_lose_an_increment() {
        let m = Mutex::new(0);
        let n = if cfg!(miri) { 20 } else { 1_000 };
        std::thread::scope(|s| {
            for _ in 0..2 {
                s.spawn(|| (0..n).for_each(|_| *m.lock() += 1));
            }
        });
        assert_eq!(*m.lock(), 2 * n);
    }
}
