//! `PlainMutex`, `PlainRwLock` and `PlainCondvar` for the facade: parking_lot's in a normal
//! build, loom's under `selvedge_loom`, with one API (parking_lot's shape, the subset loom
//! supports). "Plain": no name, no contention events, no lock-order checks, so they cannot be
//! mistaken for the crate's observed `Mutex`, `RwLock` and `Condvar`.

#[cfg(not(selvedge_loom))]
pub use parking_lot::{
    Condvar as PlainCondvar, Mutex as PlainMutex, MutexGuard as PlainMutexGuard,
    RwLock as PlainRwLock, RwLockReadGuard as PlainRwLockReadGuard,
    RwLockWriteGuard as PlainRwLockWriteGuard,
};

#[cfg(selvedge_loom)]
pub use self::loom_backed::{
    Condvar as PlainCondvar, Mutex as PlainMutex, MutexGuard as PlainMutexGuard,
    RwLock as PlainRwLock, RwLockReadGuard as PlainRwLockReadGuard,
    RwLockWriteGuard as PlainRwLockWriteGuard,
};

/// loom's primitives behind parking_lot's API: no poisoning (a panic inside a model fails
/// the model anyway), `Option` from `try_*`, and a `Condvar` that waits on `&mut guard`.
#[cfg(selvedge_loom)]
mod loom_backed {
    use std::ops::{Deref, DerefMut};
    use std::time::Duration;

    use loom::sync as l;

    fn unpoison<G>(result: std::sync::LockResult<G>) -> G {
        result.unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// A loom mutex with parking_lot's API.
    #[derive(Debug, Default)]
    pub struct Mutex<T>(l::Mutex<T>);

    /// Guard of [`Mutex`]; holds an `Option` so [`Condvar::wait`] can hand it to loom and back.
    #[derive(Debug)]
    pub struct MutexGuard<'a, T>(Option<l::MutexGuard<'a, T>>);

    impl<T> Mutex<T> {
        /// Wraps `value`.
        pub fn new(value: T) -> Self {
            Self(l::Mutex::new(value))
        }

        /// Blocks until the lock is held.
        pub fn lock(&self) -> MutexGuard<'_, T> {
            MutexGuard(Some(unpoison(self.0.lock())))
        }

        /// Takes the lock if it is free.
        pub fn try_lock(&self) -> Option<MutexGuard<'_, T>> {
            match self.0.try_lock() {
                Ok(guard) => Some(MutexGuard(Some(guard))),
                Err(std::sync::TryLockError::Poisoned(p)) => Some(MutexGuard(Some(p.into_inner()))),
                Err(std::sync::TryLockError::WouldBlock) => None,
            }
        }

        /// Unwraps the value.
        pub fn into_inner(self) -> T {
            unpoison(self.0.into_inner())
        }
    }

    impl<T> Deref for MutexGuard<'_, T> {
        type Target = T;
        fn deref(&self) -> &T {
            self.0
                .as_ref()
                .expect("guard is present outside Condvar::wait")
        }
    }

    impl<T> DerefMut for MutexGuard<'_, T> {
        fn deref_mut(&mut self) -> &mut T {
            self.0
                .as_mut()
                .expect("guard is present outside Condvar::wait")
        }
    }

    /// A loom read-write lock with parking_lot's API.
    #[derive(Debug, Default)]
    pub struct RwLock<T>(l::RwLock<T>);

    /// Shared guard of [`RwLock`].
    pub type RwLockReadGuard<'a, T> = l::RwLockReadGuard<'a, T>;
    /// Exclusive guard of [`RwLock`].
    pub type RwLockWriteGuard<'a, T> = l::RwLockWriteGuard<'a, T>;

    impl<T> RwLock<T> {
        /// Wraps `value`.
        pub fn new(value: T) -> Self {
            Self(l::RwLock::new(value))
        }

        /// Blocks until shared access is held.
        pub fn read(&self) -> RwLockReadGuard<'_, T> {
            unpoison(self.0.read())
        }

        /// Blocks until exclusive access is held.
        pub fn write(&self) -> RwLockWriteGuard<'_, T> {
            unpoison(self.0.write())
        }

        /// Takes shared access if no writer holds the lock.
        pub fn try_read(&self) -> Option<RwLockReadGuard<'_, T>> {
            self.0.try_read().ok()
        }

        /// Takes exclusive access if the lock is free.
        pub fn try_write(&self) -> Option<RwLockWriteGuard<'_, T>> {
            self.0.try_write().ok()
        }

        /// Unwraps the value.
        pub fn into_inner(self) -> T {
            unpoison(self.0.into_inner())
        }
    }

    /// Result of a timed wait; under loom a timed wait never times out (see the module docs).
    #[derive(Debug, Clone, Copy, PartialEq, Eq)]
    pub struct WaitTimeoutResult(bool);

    impl WaitTimeoutResult {
        /// Whether the wait ended by timeout.
        pub fn timed_out(self) -> bool {
            self.0
        }
    }

    /// A loom condition variable with parking_lot's API.
    #[derive(Debug, Default)]
    pub struct Condvar(l::Condvar);

    impl Condvar {
        /// A condition variable with no waiters.
        pub fn new() -> Self {
            Self(l::Condvar::new())
        }

        /// Releases the guard's lock, waits for a notification, and re-acquires it.
        pub fn wait<T>(&self, guard: &mut MutexGuard<'_, T>) {
            let inner = guard
                .0
                .take()
                .expect("guard is present outside Condvar::wait");
            guard.0 = Some(unpoison(self.0.wait(inner)));
        }

        /// Like [`wait`](Self::wait); loom has no clock, so this never times out.
        pub fn wait_for<T>(
            &self,
            guard: &mut MutexGuard<'_, T>,
            _timeout: Duration,
        ) -> WaitTimeoutResult {
            self.wait(guard);
            WaitTimeoutResult(false)
        }

        /// Like [`wait`](Self::wait); loom has no clock, so this never times out.
        pub fn wait_until<T>(
            &self,
            guard: &mut MutexGuard<'_, T>,
            _deadline: std::time::Instant,
        ) -> WaitTimeoutResult {
            self.wait(guard);
            WaitTimeoutResult(false)
        }

        /// Wakes one waiter. Returns `true` (loom does not report whether one was woken).
        pub fn notify_one(&self) -> bool {
            self.0.notify_one();
            true
        }

        /// Wakes every waiter. Returns 0 (loom does not report how many were woken).
        pub fn notify_all(&self) -> usize {
            self.0.notify_all();
            0
        }
    }
}
