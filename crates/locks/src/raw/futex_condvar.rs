//! [`FutexCondvar`]: the Linux `Condvar` backend, in std's futex design: a sequence number
//! bumped by every notification, which a waiter reads before it unlocks and sleeps on after.
//!
//! parking_lot's `Condvar` only works with parking_lot's own raw mutex (it parks on the mutex's
//! address), so the futex `Mutex` needs this one. A notification made after the waiter read
//! the sequence changes the word, so the waiter's sleep either sees the change or is woken: no
//! notification is lost between unlocking and sleeping. Waking re-takes the mutex (no requeue:
//! `notify_all` wakes every waiter, and they queue on the mutex word).

use std::time::Instant;

use super::futex;
#[cfg(not(selvedge_loom))]
use super::futex_mutex::FutexMutex;
use crate::sync::atomic::AtomicU32;
use crate::sync::atomic::Ordering::Relaxed;

/// A condition variable over one futex word; see the module docs.
#[derive(Debug)]
pub(crate) struct FutexCondvar {
    /// Bumped (wrapping) by every notification.
    seq: AtomicU32,
}

impl FutexCondvar {
    crate::loom_const_fn! {
        /// A condition variable with no waiters.
        pub(crate) const fn new() -> Self {
            Self {
                seq: AtomicU32::new(0),
            }
        }
    }

    /// Step 1 of a wait, under the mutex: the sequence to sleep on.
    ///
    /// Relaxed is enough, as in std: a notifier that changed the condition did so under the
    /// mutex, after this read in the mutex's order, so its bump comes later in the word's
    /// modification order than the value read here.
    pub(crate) fn prepare(&self) -> u32 {
        self.seq.load(Relaxed)
    }

    /// Step 2, with the mutex released: sleeps unless notified since `prepare` returned `seq`.
    /// Returns `false` only if `deadline` passed; may return early (the caller re-checks its
    /// condition).
    pub(crate) fn sleep(&self, seq: u32, deadline: Option<Instant>) -> bool {
        futex::wait_until(&self.seq, seq, deadline)
    }

    /// Wakes one waiter; returns whether one was asleep.
    pub(crate) fn notify_one(&self) -> bool {
        self.seq.fetch_add(1, Relaxed);
        futex::wake_one(&self.seq)
    }

    /// Wakes every waiter; returns how many were asleep.
    pub(crate) fn notify_all(&self) -> usize {
        self.seq.fetch_add(1, Relaxed);
        futex::wake_all(&self.seq)
    }
}

#[cfg(not(selvedge_loom))]
pub(crate) use self::parking_lot_shape::Condvar;

/// parking_lot's `Condvar` API over [`FutexCondvar`], for the crate's `Condvar`. Not under
/// loom, where the crate's locks are loom's and the protocol above is modelled directly.
#[cfg(not(selvedge_loom))]
mod parking_lot_shape {
    use std::time::{Duration, Instant};

    use parking_lot::lock_api;

    use super::{FutexCondvar, FutexMutex};

    /// The backend guard a wait releases and re-takes.
    type Guard<'a, T> = lock_api::MutexGuard<'a, FutexMutex, T>;

    /// A condition variable for [`FutexMutex`] guards, with parking_lot's `Condvar` API.
    #[derive(Debug)]
    pub(crate) struct Condvar(FutexCondvar);

    /// The result of a timed wait, as parking_lot reports it.
    #[derive(Debug, Clone, Copy, PartialEq, Eq)]
    pub(crate) struct WaitTimeoutResult(bool);

    impl WaitTimeoutResult {
        /// Whether the wait ended because the deadline passed.
        pub(crate) fn timed_out(self) -> bool {
            self.0
        }
    }

    impl Condvar {
        pub(crate) const fn new() -> Self {
            Self(FutexCondvar::new())
        }

        pub(crate) fn wait<T: ?Sized>(&self, guard: &mut Guard<'_, T>) {
            self.wait_deadline(guard, None);
        }

        pub(crate) fn wait_until<T: ?Sized>(
            &self,
            guard: &mut Guard<'_, T>,
            deadline: Instant,
        ) -> WaitTimeoutResult {
            WaitTimeoutResult(!self.wait_deadline(guard, Some(deadline)))
        }

        pub(crate) fn wait_for<T: ?Sized>(
            &self,
            guard: &mut Guard<'_, T>,
            timeout: Duration,
        ) -> WaitTimeoutResult {
            // A timeout too long for an `Instant` waits without limit, like the crate's other
            // timed waits.
            WaitTimeoutResult(!self.wait_deadline(guard, Instant::now().checked_add(timeout)))
        }

        pub(crate) fn notify_one(&self) -> bool {
            self.0.notify_one()
        }

        pub(crate) fn notify_all(&self) -> usize {
            self.0.notify_all()
        }

        /// Reads the sequence under the lock, sleeps with the lock released, re-takes it;
        /// returns `false` if the deadline passed.
        fn wait_deadline<T: ?Sized>(
            &self,
            guard: &mut Guard<'_, T>,
            deadline: Option<Instant>,
        ) -> bool {
            let seq = self.0.prepare();
            lock_api::MutexGuard::unlocked(guard, || self.0.sleep(seq, deadline))
        }
    }
}
