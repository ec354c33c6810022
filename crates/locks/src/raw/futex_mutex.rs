//! [`FutexMutex`]: the Linux `Mutex` backend. One `u32` lock word in std's futex design (spin
//! briefly, then sleep on the word; wake one on unlock when someone may sleep), plus a hand-off
//! that bounds how long a waiter can be passed over.
//!
//! # The word
//!
//! Bits 0-1 say who may take the lock; bits 2-31 count *starving* waiters (units of
//! [`STARVING`]): waiters that have slept at least once and waited [`STARVING_AFTER`] or more.
//!
//! | bits 0-1 | meaning | who may take it |
//! | --- | --- | --- |
//! | [`UNLOCKED`], starving count 0 | free | anyone |
//! | [`UNLOCKED`], starving count above 0 | released to the waiters: held by no one, reserved | a thread that has slept in this `lock` call |
//! | [`LOCKED`] | held, nobody sleeps; the starving count is 0 | nobody |
//! | [`CONTENDED`] | held, and some thread may sleep on the word | nobody |
//! | [`HANDED`] | released to the waiters by a fair unlock: reserved | a thread that has slept in this `lock` call |
//!
//! Invariant: a starving count above 0 never comes with `LOCKED` (a waiter registers as
//! starving in the same step that marks the word `CONTENDED`, and the holder's unlock subtracts
//! `CONTENDED`, which keeps the count and so reserves the lock). So the fast paths, which
//! compare with the whole word being 0 or 1, fail while anyone starves; the uncontended lock and
//! unlock are one compare-exchange each, and a contended unlock one more atomic add, as in
//! std (which swaps).
//!
//! # Fairness: the bound on being passed over
//!
//! Without the hand-off this is std's mutex: an unlocking thread that locks again at once
//! usually wins against the waiter it just woke, and can do so indefinitely. Here a waiter that
//! has waited [`STARVING_AFTER`] registers; from then on every unlock reserves the lock for the
//! threads that have slept in their current `lock` call (the one the kernel wakes, which queues
//! sleepers on a word in FIFO order for normal-priority threads, or one already awake), and a
//! thread that just unlocked must queue behind them. Each waiting thread takes at most one
//! reservation per `lock` call and newcomers take none, so once starving, a waiter gets the
//! lock within one hand-off per other waiting thread. Hand-offs
//! cost a wake-up each, so they happen only while someone starves; the threshold (parking_lot
//! forces a fair unlock every 0.5 ms on average, Go's mutex turns fair after 1 ms) keeps them
//! rare under ordinary contention.
//!
//! Under loom (`tests/loom/futex_backend.rs` compiles this file against a futex model) the threshold is
//! zero, so every waiter that slept starves and the models explore the hand-off on every
//! contended unlock.

use std::time::{Duration, Instant};

use super::futex;
use super::spin_wait::spin_while;
use crate::sync::atomic::AtomicU32;
use crate::sync::atomic::Ordering::{Acquire, Relaxed, Release};

/// Free; with a starving count above 0, reserved for the threads that have slept.
const UNLOCKED: u32 = 0;
/// Held; nobody sleeps on the word (so unlocking wakes nobody).
const LOCKED: u32 = 1;
/// Held; a waiter may sleep on the word, so the unlock must wake one.
const CONTENDED: u32 = 2;
/// Released to the threads that have slept: newcomers treat it as held.
const HANDED: u32 = 3;
/// Bits 0-1: the lock states above.
const LOCK_BITS: u32 = 3;
/// One starving waiter, in bits 2-31.
const STARVING: u32 = 4;

/// How long a waiter waits before it asks for a hand-off.
#[cfg(not(selvedge_loom))]
const STARVING_AFTER: Duration = Duration::from_millis(1);
/// Under loom every waiter that slept starves, so the models cover the hand-off.
#[cfg(selvedge_loom)]
const STARVING_AFTER: Duration = Duration::ZERO;

/// A mutex in one futex word; see the module docs for the states and the fairness bound.
///
/// The methods are safe: they only touch the atomic word. What the lock protects is
/// `lock_api`'s business, through the `unsafe impl`s below.
#[derive(Debug)]
pub(crate) struct FutexMutex {
    word: AtomicU32,
}

/// What one blocked `lock` call knows about itself.
#[derive(Debug, Default)]
struct Waiter {
    /// When it first went to sleep: the start of its wait, for the starvation threshold.
    since: Option<Instant>,
    /// Whether it has slept (and so may take a handed-over lock).
    slept: bool,
    /// Whether it is counted in the word's starving count.
    starving: bool,
}

impl Waiter {
    /// Whether it should register as starving before sleeping again.
    fn due(&self) -> bool {
        !self.starving
            && self.slept
            && self
                .since
                .is_some_and(|since| since.elapsed() >= STARVING_AFTER)
    }

    /// Whether the lock in `state` is free for this waiter: threads that have slept may take
    /// a reserved lock, newcomers may not.
    fn can_take(&self, state: u32) -> bool {
        match state & LOCK_BITS {
            UNLOCKED => state == UNLOCKED || self.slept,
            HANDED => self.slept,
            _ => false,
        }
    }

    /// The word after this waiter takes the lock from `state` (one [`can_take`](Self::can_take)).
    fn taken(&self, state: u32) -> u32 {
        // A thread that slept cannot know whether others still sleep, so it keeps the word
        // CONTENDED (std's rule); its own starving registration ends here.
        let lock = if self.slept { CONTENDED } else { LOCKED };
        let count = (state & !LOCK_BITS) - if self.starving { STARVING } else { 0 };
        count | lock
    }
}

impl FutexMutex {
    crate::loom_const_fn! {
        /// An unlocked mutex.
        pub(crate) const fn new() -> Self {
            Self {
                word: AtomicU32::new(UNLOCKED),
            }
        }
    }

    /// Takes the lock if the word is 0 (free, nobody starving).
    #[inline]
    pub(crate) fn try_lock(&self) -> bool {
        self.word
            .compare_exchange(UNLOCKED, LOCKED, Acquire, Relaxed)
            .is_ok()
    }

    /// Blocks until the lock is held.
    #[inline]
    pub(crate) fn lock(&self) {
        if !self.try_lock() {
            self.lock_contended(None);
        }
    }

    /// Blocks until the lock is held or `deadline` passes; returns whether it is held.
    #[inline]
    pub(crate) fn try_lock_until(&self, deadline: Instant) -> bool {
        self.try_lock() || self.lock_contended(Some(deadline))
    }

    /// Releases the lock; only its holder calls this.
    #[inline]
    pub(crate) fn unlock(&self) {
        if self
            .word
            .compare_exchange(LOCKED, UNLOCKED, Release, Relaxed)
            .is_err()
        {
            self.unlock_contended();
        }
    }

    /// Releases the lock, handing it to a sleeping waiter if there is one, so this thread
    /// cannot take it back first; only its holder calls this.
    #[inline]
    pub(crate) fn unlock_fair(&self) {
        if self
            .word
            .compare_exchange(LOCKED, UNLOCKED, Release, Relaxed)
            .is_err()
        {
            self.unlock_fair_contended();
        }
    }

    /// Whether anyone holds the lock, or it is reserved for the waiters.
    pub(crate) fn is_locked(&self) -> bool {
        self.word.load(Relaxed) != UNLOCKED
    }

    /// The slow path of `lock` (`deadline` `None`) and `try_lock_until`: returns whether the
    /// lock was taken before the deadline.
    #[cold]
    fn lock_contended(&self, deadline: Option<Instant>) -> bool {
        let mut waiter = Waiter::default();
        let mut state = spin_while(&self.word, |state| state == LOCKED);
        loop {
            if waiter.can_take(state) {
                match self
                    .word
                    .compare_exchange(state, waiter.taken(state), Acquire, Relaxed)
                {
                    Ok(_) => return true,
                    Err(now) => {
                        state = now;
                        continue;
                    }
                }
            }
            // Held (or handed to others): make sure the unlock will wake a sleeper, registering
            // as starving in the same step if this waiter is due. (A due waiter has slept, so
            // it would have taken a reserved lock above: the lock bits here are LOCKED or
            // CONTENDED, and both become CONTENDED, as the invariant wants.)
            let registering = waiter.due();
            let mut sleep_on = state;
            if registering || state & LOCK_BITS == LOCKED {
                sleep_on = (state & !LOCK_BITS) | CONTENDED;
            }
            if registering {
                sleep_on += STARVING;
            }
            if sleep_on != state {
                if let Err(now) = self
                    .word
                    .compare_exchange(state, sleep_on, Relaxed, Relaxed)
                {
                    state = now;
                    continue;
                }
                waiter.starving |= registering;
            }
            waiter.since.get_or_insert_with(Instant::now);
            let in_time = futex::wait_until(&self.word, sleep_on, deadline);
            waiter.slept = true;
            // Spin again after waking, as std does: a holder that nobody else waits for may
            // be about to leave, and catching it saves another sleep and wake.
            state = spin_while(&self.word, |state| state == LOCKED);
            if !in_time {
                return self.give_up(&waiter, state);
            }
        }
    }

    /// The deadline passed: take the lock if it is free for this waiter after all, otherwise
    /// withdraw its starving registration and report the timeout.
    ///
    /// Withdrawing is one compare-exchange on a word not reserved for it, so a hand-off made
    /// for this waiter is never left behind with nobody entitled to take it.
    fn give_up(&self, waiter: &Waiter, mut state: u32) -> bool {
        loop {
            let (next, taken) = if waiter.can_take(state) {
                (waiter.taken(state), true)
            } else if waiter.starving {
                (state - STARVING, false)
            } else {
                return false;
            };
            match self.word.compare_exchange(state, next, Acquire, Relaxed) {
                Ok(_) => return taken,
                Err(now) => state = now,
            }
        }
    }

    /// The slow path of `unlock`. The word is `CONTENDED`, perhaps with starving waiters:
    /// while the lock is held its bits only ever go from `LOCKED` to `CONTENDED`, and the fast
    /// path failed. Subtracting `CONTENDED` frees it, or, with starving waiters counted,
    /// reserves it for the threads that slept.
    #[cold]
    fn unlock_contended(&self) {
        let before = self.word.fetch_sub(CONTENDED, Release);
        // If nobody was asleep to be woken and the lock is reserved, the starving waiters are
        // all awake, and will see the change and take it.
        let _woken = futex::wake_one(&self.word);
        debug_assert_eq!(
            before & LOCK_BITS,
            CONTENDED,
            "unlocked by a thread not holding it"
        );
    }

    /// The slow path of `unlock_fair`, from `CONTENDED` as for [`unlock_contended`](Self::unlock_contended):
    /// the lock goes to a thread that slept, never to a newcomer.
    #[cold]
    fn unlock_fair_contended(&self) {
        let mut state = self.word.load(Relaxed);
        // Waiters may register as starving meanwhile, hence the loop.
        while let Err(now) =
            self.word
                .compare_exchange(state, (state & !LOCK_BITS) | HANDED, Release, Relaxed)
        {
            state = now;
        }
        if futex::wake_one(&self.word) || state >= STARVING {
            // Someone woke to take it, or a starving waiter, awake since it was not asleep to be
            // woken, will see the hand-off and take it.
            return;
        }
        // Nobody asleep and nobody starving: no thread is owed the lock, so free it rather than
        // leave it reserved. A newcomer may have gone to sleep on HANDED after the wake above:
        // wake one more, which finds the lock free.
        if self
            .word
            .compare_exchange(HANDED, UNLOCKED, Release, Relaxed)
            .is_ok()
        {
            futex::wake_one(&self.word);
        }
    }
}

#[cfg(not(selvedge_loom))]
mod lock_api_impls {
    //! `lock_api`'s raw traits for [`FutexMutex`]: the one `unsafe` of the backend.
    #![allow(unsafe_code)] // lock_api's raw traits are unsafe to implement; each says why it holds

    use std::time::{Duration, Instant};

    use parking_lot::lock_api;

    use super::super::timeout::within;
    use super::FutexMutex;

    // SAFETY: `lock`, `try_lock` and `try_lock_until` return holding the lock only after an
    // Acquire compare-exchange moved the word from a state in which this thread may take it
    // (`UNLOCKED`, or reserved or `HANDED` after it slept) to `LOCKED` or `CONTENDED`, and no
    // other thread can make that move until the holder's Release in `unlock`/`unlock_fair`
    // leaves those states: so at most one thread holds it, and each holder sees the previous one's writes.
    // `unlock` is called only by the holder (lock_api's contract).
    unsafe impl lock_api::RawMutex for FutexMutex {
        #[allow(clippy::declare_interior_mutable_const)] // required by lock_api: one fresh lock per use
        const INIT: Self = Self::new();
        type GuardMarker = lock_api::GuardNoSend;

        #[inline]
        fn lock(&self) {
            FutexMutex::lock(self);
        }

        #[inline]
        fn try_lock(&self) -> bool {
            FutexMutex::try_lock(self)
        }

        #[inline]
        unsafe fn unlock(&self) {
            FutexMutex::unlock(self);
        }

        #[inline]
        fn is_locked(&self) -> bool {
            FutexMutex::is_locked(self)
        }
    }

    // SAFETY: a fair unlock is an unlock that leaves the word `HANDED` or reserved, which only a thread
    // that slept can take, so the exclusion argument of `RawMutex` holds unchanged; the default
    // `bump` is `unlock_fair` followed by `lock`.
    unsafe impl lock_api::RawMutexFair for FutexMutex {
        #[inline]
        unsafe fn unlock_fair(&self) {
            FutexMutex::unlock_fair(self);
        }
    }

    // SAFETY: the timed acquisitions are `lock`'s protocol with a deadline; they return `true`
    // only after the same Acquire compare-exchange, and `false` holding nothing.
    unsafe impl lock_api::RawMutexTimed for FutexMutex {
        type Duration = Duration;
        type Instant = Instant;

        fn try_lock_for(&self, timeout: Duration) -> bool {
            within(
                timeout,
                || FutexMutex::lock(self),
                |deadline| FutexMutex::try_lock_until(self, deadline),
            )
        }

        fn try_lock_until(&self, deadline: Instant) -> bool {
            FutexMutex::try_lock_until(self, deadline)
        }
    }
}

#[cfg(all(test, not(selvedge_loom)))]
mod tests {
    //! The backend through `lock_api`, small enough for miri (`cargo +nightly miri test -p
    //! selvedge-locks --lib raw::`), which runs the `unsafe impl`s and the real futex calls.

    use std::time::{Duration, Instant};

    use parking_lot::lock_api;

    use crate::sync::atomic::AtomicBool;

    use super::super::futex_condvar::Condvar;
    use super::{FutexMutex, STARVING};

    type Mutex<T> = lock_api::Mutex<FutexMutex, T>;

    #[test]
    fn threads_reach_the_exact_total_through_lock_try_lock_and_fair_unlock() {
        let (threads, rounds) = if cfg!(miri) { (3, 20) } else { (4, 2_000) };
        let counter = Mutex::new(0_u32);
        std::thread::scope(|s| {
            for t in 0..threads {
                let counter = &counter;
                s.spawn(move || {
                    for i in 0..rounds {
                        let mut guard = if (t + i) % 2 == 0 {
                            counter.lock()
                        } else {
                            counter
                                .try_lock_for(Duration::from_secs(60))
                                .expect("a minute is enough")
                        };
                        *guard += 1;
                        if i % 2 == 0 {
                            lock_api::MutexGuard::unlock_fair(guard);
                        }
                    }
                });
            }
        });
        assert_eq!(*counter.lock(), threads * rounds);
        // The fast path succeeds only on a word of 0: nothing left held, handed or counted.
        assert!(counter.try_lock().is_some());
    }

    #[test]
    fn a_timed_lock_gives_up_holding_nothing() {
        let m = Mutex::new(());
        let held = m.lock();
        std::thread::scope(|s| {
            s.spawn(|| {
                let start = Instant::now();
                assert!(m.try_lock_for(Duration::from_millis(10)).is_none());
                assert!(start.elapsed() >= Duration::from_millis(10));
            });
        });
        drop(held);
        assert!(m.try_lock().is_some());
    }

    #[test]
    #[cfg_attr(
        miri,
        ignore = "set up by timing, which miri's virtual clock does not follow"
    )]
    fn a_starving_waiter_gets_the_lock_before_the_unlocker_can_take_it_back() {
        // Set up the pass-over: the waiter sleeps past the threshold, is woken by an unlock,
        // and the unlocker takes the lock back before the waiter runs. The waiter must then
        // register as starving, and the next unlock must hand over: the unlocker's immediate
        // re-take fails. The first race is the scheduler's, so the setup is retried until the
        // unlocker wins it (on a loaded machine the woken waiter often wins instead).
        // With the hand-off disabled this fails within a few tries.
        for _ in 0..500 {
            let m = FutexMutex::new();
            let waiter_had_it = AtomicBool::new(false);
            m.lock();
            let passed_over = std::thread::scope(|s| {
                s.spawn(|| {
                    m.lock();
                    waiter_had_it.store(true, super::Relaxed);
                    m.unlock();
                });
                while m.word.load(super::Relaxed) != super::CONTENDED {
                    std::thread::yield_now();
                }
                std::thread::sleep(super::STARVING_AFTER * 2);
                m.unlock();
                if !m.try_lock() {
                    return false; // the waiter won the race: nothing to hand over
                }
                if waiter_had_it.load(super::Relaxed) {
                    m.unlock();
                    return false; // it won, and was done before this thread's try_lock
                }
                // The waiter, woken and passed over, registers before it sleeps again.
                let start = Instant::now();
                while m.word.load(super::Relaxed) < STARVING {
                    assert!(
                        start.elapsed() < Duration::from_secs(10),
                        "never registered: {}",
                        m.word.load(super::Relaxed)
                    );
                    std::thread::yield_now();
                }
                m.unlock();
                // The waiter may have taken and released it already (during this thread's wake
                // call); what must not happen is this thread getting it first.
                if m.try_lock() {
                    assert!(
                        waiter_had_it.load(super::Relaxed),
                        "the unlocker took back a lock owed to a starving waiter"
                    );
                    m.unlock();
                }
                true
            });
            if passed_over {
                assert_eq!(
                    m.word.load(super::Relaxed),
                    0,
                    "the hand-off left the word dirty"
                );
                return;
            }
        }
        panic!("the unlocker never won the first race: the scenario was never set up");
    }

    #[test]
    fn condvar_wakes_a_waiter_and_times_out_without_one() {
        let (m, cv) = (Mutex::new(false), Condvar::new());
        std::thread::scope(|s| {
            s.spawn(|| {
                *m.lock() = true;
                cv.notify_one();
            });
            let mut ready = m.lock();
            while !*ready {
                cv.wait(&mut ready);
            }
        });
        let mut guard = m.lock();
        assert!(
            cv.wait_for(&mut guard, Duration::from_millis(5))
                .timed_out()
        );
        assert_eq!(cv.notify_all(), 0);
    }
}
