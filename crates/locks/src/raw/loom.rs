//! `lock_api` raw locks built on the facade's `Mutex` and `Condvar`, which are loom's here (this
//! module exists only under `selvedge_loom`).
//!
//! `lock_api` requires `const INIT`, but loom objects can only be created inside a model, so
//! each raw lock keeps its loom state in a `OnceLock` created on first use. Consequences,
//! documented at the crate root: under loom a lock is usable only inside the model that first
//! touched it (statics are not model-checkable), and timed acquisitions never time out.
//!
//! Each lock is a small state machine behind one loom mutex, woken by one loom condvar:
//!
//! | raw lock | state | may enter when |
//! | --- | --- | --- |
//! | mutex | `locked: bool` | `!locked` |
//! | rwlock, shared | `readers`, `writer`, `upgradable` | `!writer` |
//! | rwlock, upgradable | same | `!writer && !upgradable` |
//! | rwlock, exclusive | same | `!writer && !upgradable && readers == 0` |
//! | rwlock, upgrade | same (caller holds upgradable) | `readers == 0` |
// `lock_api`'s raw traits are `unsafe` to implement: implementing them is the point of this
// module, and it is compiled only for loom models, which check it.
#![allow(unsafe_code)]

use std::num::NonZeroUsize;
use std::sync::OnceLock;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use parking_lot::lock_api;

use crate::sync::{PlainCondvar as FacadeCondvar, PlainMutex as FacadeMutex};

/// A loom mutex and condvar pair, created on first use.
#[derive(Debug)]
struct Cell<S> {
    state: OnceLock<(FacadeMutex<S>, FacadeCondvar)>,
}

impl<S: Default> Cell<S> {
    const fn new() -> Self {
        Self {
            state: OnceLock::new(),
        }
    }

    fn parts(&self) -> &(FacadeMutex<S>, FacadeCondvar) {
        self.state
            .get_or_init(|| (FacadeMutex::new(S::default()), FacadeCondvar::new()))
    }

    /// Waits until `ready(state)`, then applies `enter` to the state.
    fn acquire(&self, ready: impl Fn(&S) -> bool, enter: impl FnOnce(&mut S)) {
        let (mutex, condvar) = self.parts();
        let mut state = mutex.lock();
        while !ready(&state) {
            condvar.wait(&mut state);
        }
        enter(&mut state);
    }

    /// Applies `enter` if `ready(state)`, without waiting.
    fn try_acquire(&self, ready: impl Fn(&S) -> bool, enter: impl FnOnce(&mut S)) -> bool {
        let (mutex, _) = self.parts();
        let mut state = mutex.lock();
        let ok = ready(&state);
        if ok {
            enter(&mut state);
        }
        ok
    }

    /// Applies `leave` and wakes every waiter (each re-checks its own condition).
    fn release(&self, leave: impl FnOnce(&mut S)) {
        let (mutex, condvar) = self.parts();
        leave(&mut mutex.lock());
        condvar.notify_all();
    }

    fn peek<R>(&self, f: impl FnOnce(&S) -> R) -> R {
        let (mutex, _) = self.parts();
        f(&mutex.lock())
    }
}

/// A raw mutex over loom.
#[derive(Debug)]
pub(crate) struct RawMutex(Cell<bool>);

// SAFETY: `lock` returns only once `locked` went from false to true under the loom mutex, so at
// most one holder exists; `unlock` is called only by the holder (lock_api's contract).
unsafe impl lock_api::RawMutex for RawMutex {
    #[allow(clippy::declare_interior_mutable_const)] // required by lock_api: one fresh lock per use
    const INIT: Self = Self(Cell::new());
    type GuardMarker = lock_api::GuardNoSend;

    fn lock(&self) {
        self.0.acquire(|locked| !*locked, |locked| *locked = true);
    }

    fn try_lock(&self) -> bool {
        self.0
            .try_acquire(|locked| !*locked, |locked| *locked = true)
    }

    unsafe fn unlock(&self) {
        self.0.release(|locked| *locked = false);
    }

    fn is_locked(&self) -> bool {
        self.0.peek(|locked| *locked)
    }
}

// SAFETY: the timed variants wait like `lock` (loom has no clock) and so keep its guarantees.
unsafe impl lock_api::RawMutexTimed for RawMutex {
    type Duration = Duration;
    type Instant = Instant;

    fn try_lock_for(&self, _timeout: Duration) -> bool {
        lock_api::RawMutex::lock(self);
        true
    }

    fn try_lock_until(&self, _deadline: Instant) -> bool {
        lock_api::RawMutex::lock(self);
        true
    }
}

// SAFETY: loom's mutex has no queue to be fair to: a fair unlock is an unlock, and the default
// `bump` (unlock, then lock) keeps `lock`'s guarantees; loom explores who gets in between.
unsafe impl lock_api::RawMutexFair for RawMutex {
    unsafe fn unlock_fair(&self) {
        // SAFETY: the caller holds the lock (lock_api's contract for `unlock_fair`).
        unsafe { lock_api::RawMutex::unlock(self) }
    }
}

/// State of [`RawRwLock`]; see the module's table.
#[derive(Debug, Default)]
struct RwState {
    readers: usize,
    writer: bool,
    upgradable: bool,
}

fn shared_ready(s: &RwState) -> bool {
    !s.writer
}
fn upgradable_ready(s: &RwState) -> bool {
    !s.writer && !s.upgradable
}
fn exclusive_ready(s: &RwState) -> bool {
    !s.writer && !s.upgradable && s.readers == 0
}

/// A raw read-write lock over loom, with upgradable reads.
#[derive(Debug)]
pub(crate) struct RawRwLock(Cell<RwState>);

// SAFETY: every transition happens under the loom mutex and follows the module's table, which
// admits one writer alone, or readers plus at most one upgradable reader.
unsafe impl lock_api::RawRwLock for RawRwLock {
    #[allow(clippy::declare_interior_mutable_const)] // required by lock_api: one fresh lock per use
    const INIT: Self = Self(Cell::new());
    type GuardMarker = lock_api::GuardNoSend;

    fn lock_shared(&self) {
        self.0.acquire(shared_ready, |s| s.readers += 1);
    }

    fn try_lock_shared(&self) -> bool {
        self.0.try_acquire(shared_ready, |s| s.readers += 1)
    }

    unsafe fn unlock_shared(&self) {
        self.0.release(|s| s.readers -= 1);
    }

    fn lock_exclusive(&self) {
        self.0.acquire(exclusive_ready, |s| s.writer = true);
    }

    fn try_lock_exclusive(&self) -> bool {
        self.0.try_acquire(exclusive_ready, |s| s.writer = true)
    }

    unsafe fn unlock_exclusive(&self) {
        self.0.release(|s| s.writer = false);
    }

    fn is_locked(&self) -> bool {
        self.0.peek(|s| s.writer || s.upgradable || s.readers > 0)
    }

    fn is_locked_exclusive(&self) -> bool {
        self.0.peek(|s| s.writer)
    }
}

// SAFETY: as for `RawRwLock`; upgrade waits for `readers == 0` while the upgradable flag keeps
// other writers and upgradable readers out.
unsafe impl lock_api::RawRwLockUpgrade for RawRwLock {
    fn lock_upgradable(&self) {
        self.0.acquire(upgradable_ready, |s| s.upgradable = true);
    }

    fn try_lock_upgradable(&self) -> bool {
        self.0
            .try_acquire(upgradable_ready, |s| s.upgradable = true)
    }

    unsafe fn unlock_upgradable(&self) {
        self.0.release(|s| s.upgradable = false);
    }

    unsafe fn upgrade(&self) {
        self.0.acquire(
            |s| s.readers == 0,
            |s| {
                s.upgradable = false;
                s.writer = true;
            },
        );
    }

    unsafe fn try_upgrade(&self) -> bool {
        self.0.try_acquire(
            |s| s.readers == 0,
            |s| {
                s.upgradable = false;
                s.writer = true;
            },
        )
    }
}

// SAFETY: as for `RawMutexFair`: fair unlocks are the plain unlocks, and the default bumps
// unlock and lock again through them.
unsafe impl lock_api::RawRwLockFair for RawRwLock {
    unsafe fn unlock_shared_fair(&self) {
        // SAFETY: the caller holds a shared lock.
        unsafe { lock_api::RawRwLock::unlock_shared(self) }
    }

    unsafe fn unlock_exclusive_fair(&self) {
        // SAFETY: the caller holds the exclusive lock.
        unsafe { lock_api::RawRwLock::unlock_exclusive(self) }
    }
}

// SAFETY: as for `RawRwLockFair`.
unsafe impl lock_api::RawRwLockUpgradeFair for RawRwLock {
    unsafe fn unlock_upgradable_fair(&self) {
        // SAFETY: the caller holds the upgradable lock.
        unsafe { lock_api::RawRwLockUpgrade::unlock_upgradable(self) }
    }
}

// SAFETY: this lock never prefers a queued writer over a new reader (`shared_ready` looks at
// `writer` only), so a recursive read is an ordinary read and cannot deadlock on this
// thread's own read.
unsafe impl lock_api::RawRwLockRecursive for RawRwLock {
    fn lock_shared_recursive(&self) {
        lock_api::RawRwLock::lock_shared(self);
    }

    fn try_lock_shared_recursive(&self) -> bool {
        lock_api::RawRwLock::try_lock_shared(self)
    }
}

// SAFETY: downgrading turns the sole writer into a reader in one step under the loom mutex.
unsafe impl lock_api::RawRwLockDowngrade for RawRwLock {
    unsafe fn downgrade(&self) {
        self.0.release(|s| {
            s.writer = false;
            s.readers += 1;
        });
    }
}

// SAFETY: as for `downgrade`: each step is one transition of the table under the loom mutex.
unsafe impl lock_api::RawRwLockUpgradeDowngrade for RawRwLock {
    unsafe fn downgrade_upgradable(&self) {
        self.0.release(|s| {
            s.upgradable = false;
            s.readers += 1;
        });
    }

    unsafe fn downgrade_to_upgradable(&self) {
        self.0.release(|s| {
            s.writer = false;
            s.upgradable = true;
        });
    }
}

// SAFETY: the timed variants wait like the untimed ones (loom has no clock).
unsafe impl lock_api::RawRwLockTimed for RawRwLock {
    type Duration = Duration;
    type Instant = Instant;

    fn try_lock_shared_for(&self, _timeout: Duration) -> bool {
        lock_api::RawRwLock::lock_shared(self);
        true
    }

    fn try_lock_shared_until(&self, _deadline: Instant) -> bool {
        lock_api::RawRwLock::lock_shared(self);
        true
    }

    fn try_lock_exclusive_for(&self, _timeout: Duration) -> bool {
        lock_api::RawRwLock::lock_exclusive(self);
        true
    }

    fn try_lock_exclusive_until(&self, _deadline: Instant) -> bool {
        lock_api::RawRwLock::lock_exclusive(self);
        true
    }
}

// SAFETY: as for `RawRwLockTimed`.
unsafe impl lock_api::RawRwLockUpgradeTimed for RawRwLock {
    fn try_lock_upgradable_for(&self, _timeout: Duration) -> bool {
        lock_api::RawRwLockUpgrade::lock_upgradable(self);
        true
    }

    fn try_lock_upgradable_until(&self, _deadline: Instant) -> bool {
        lock_api::RawRwLockUpgrade::lock_upgradable(self);
        true
    }

    unsafe fn try_upgrade_for(&self, _timeout: Duration) -> bool {
        // SAFETY: forwarded contract: the caller holds an upgradable lock.
        unsafe { lock_api::RawRwLockUpgrade::upgrade(self) };
        true
    }

    unsafe fn try_upgrade_until(&self, _deadline: Instant) -> bool {
        // SAFETY: forwarded contract: the caller holds an upgradable lock.
        unsafe { lock_api::RawRwLockUpgrade::upgrade(self) };
        true
    }
}

/// Thread ids for `ReentrantMutex` under loom: loom threads share OS threads, so the id lives
/// in a loom thread-local, numbered from a process-wide counter (never 0).
#[derive(Debug)]
pub(crate) struct RawThreadId;

static NEXT_THREAD_ID: AtomicUsize = AtomicUsize::new(1);

loom::thread_local! {
    static THREAD_ID: NonZeroUsize = NonZeroUsize::new(NEXT_THREAD_ID.fetch_add(1, Ordering::Relaxed))
        .unwrap_or(NonZeroUsize::MIN);
}

// SAFETY: each loom thread gets a distinct number from the counter and keeps it while it lives.
unsafe impl lock_api::GetThreadId for RawThreadId {
    const INIT: Self = Self;

    fn nonzero_thread_id(&self) -> NonZeroUsize {
        THREAD_ID.with(|id| *id)
    }
}

/// A condition variable for [`RawMutex`] guards over loom, with `parking_lot::Condvar`'s API.
///
/// A waiter locks the sequence mutex before it releases the user's mutex, and a notifier bumps
/// the sequence under that mutex, so a notification sent after the waiter released the user's
/// mutex always reaches it (no lost wake-up).
#[derive(Debug)]
pub(crate) struct Condvar(Cell<u64>);

/// The result of a timed wait, as parking_lot reports it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct WaitTimeoutResult;

impl WaitTimeoutResult {
    /// Loom never times out.
    pub(crate) fn timed_out(self) -> bool {
        false
    }
}

impl Condvar {
    pub(crate) const fn new() -> Self {
        Self(Cell::new())
    }

    pub(crate) fn wait<T: ?Sized>(&self, guard: &mut lock_api::MutexGuard<'_, RawMutex, T>) {
        let (mutex, condvar) = self.0.parts();
        let mut seq = mutex.lock();
        let start = *seq;
        lock_api::MutexGuard::unlocked(guard, move || {
            while *seq == start {
                condvar.wait(&mut seq);
            }
        });
    }

    pub(crate) fn wait_until<T: ?Sized>(
        &self,
        guard: &mut lock_api::MutexGuard<'_, RawMutex, T>,
        _deadline: Instant,
    ) -> WaitTimeoutResult {
        self.wait(guard);
        WaitTimeoutResult
    }

    pub(crate) fn wait_for<T: ?Sized>(
        &self,
        guard: &mut lock_api::MutexGuard<'_, RawMutex, T>,
        _timeout: Duration,
    ) -> WaitTimeoutResult {
        self.wait(guard);
        WaitTimeoutResult
    }

    pub(crate) fn notify_one(&self) -> bool {
        let (mutex, condvar) = self.0.parts();
        *mutex.lock() += 1;
        condvar.notify_one();
        true
    }

    pub(crate) fn notify_all(&self) -> usize {
        let (mutex, condvar) = self.0.parts();
        *mutex.lock() += 1;
        condvar.notify_all();
        0
    }
}
