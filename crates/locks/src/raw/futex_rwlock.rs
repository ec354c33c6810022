//! [`FutexRwLock`]: the Linux `RwLock` backend. A reader-writer lock in std's futex design (a
//! state word that readers sleep on, a second word that writers sleep on; spin briefly, then
//! sleep; wake only when someone may sleep), with upgradable reads, timeouts, and the
//! [`futex_mutex`](super::futex_mutex) hand-off that bounds how long a waiter can be passed over.
//!
//! # The words
//!
//! `state` holds the holders and who waits; `writer_notify` is a counter that writers (and an
//! upgrading reader) sleep on, bumped before each wake, so a waker never has to know whether
//! its sleeper is already asleep (std's design: a sleeper reads the counter before its last
//! look at `state`, and the kernel refuses to sleep on a counter that moved).
//!
//! | bits of `state` | name | meaning |
//! | --- | --- | --- |
//! | 0-22 | count | 0: free; 1 to [`MAX_READERS`]: that many readers (an upgradable holder is one of them); [`WRITE_LOCKED`]: one writer |
//! | 23 | [`HANDED`] | released by a fair unlock to the threads that slept: newcomers treat it as held |
//! | 24 | [`UPGRADABLE`] | one of the readers is the upgradable holder |
//! | 25 | [`UPGRADING`] | the upgradable holder waits for the other readers to leave; no reader enters |
//! | 26 | [`READERS_WAITING`] | a reader or would-be upgradable holder may sleep on `state` |
//! | 27 | [`WRITERS_WAITING`] | a writer may sleep on `writer_notify` |
//! | 28-31 | starving count | waiters that slept and waited [`STARVING_AFTER`] (units of [`STARVING`], at most 15) |
//!
//! Who may take the lock, for a thread that has not slept in this call (a *newcomer*) and one
//! that has:
//!
//! | mode | newcomer | after sleeping |
//! | --- | --- | --- |
//! | read | no writer, no `UPGRADING`, no `WRITERS_WAITING`, no hand-off or starving waiter | no writer, no `UPGRADING` |
//! | upgradable | as read, and no `UPGRADABLE` | as read, and no `UPGRADABLE` |
//! | write | count 0, no hand-off or starving waiter | count 0 |
//! | recursive read | count 1 to [`MAX_READERS`] - 1 (a read is held), whatever waits; else as read | the same |
//!
//! The uncontended paths are one compare-exchange to lock (the read's after one load) and one
//! atomic subtraction to unlock, as in std; the slow paths run only when a bit above the count
//! says someone waits.
//!
//! # Who is woken
//!
//! The lock alternates between phases: the end of a write wakes every sleeping reader
//! (readers that slept may enter although writers wait), and the end of a read phase (the
//! count reaching 0) wakes one writer, falling back to the readers when no writer slept.
//! std wakes a writer first in both cases, which lets two writers taking turns starve the
//! readers; here a writer waits at most for the readers that were asleep when it queued, since
//! readers arriving after it (newcomers) wait behind `WRITERS_WAITING`. A downgrade wakes the
//! readers, and so does the end of an upgradable hold that leaves readers in (a would-be
//! upgradable holder may enter); one that frees the lock ends a read phase. The last reader
//! leaving an `UPGRADING` holder wakes it (through `writer_notify`, waking every sleeper there:
//! a single wake might pick a writer). A timed waiter that gives up wakes on behalf of any wake
//! it may have taken: a writer wakes every writer (the one wake a release sends them may have
//! been its), a reader that leaves the lock free wakes as a read phase's end would.
//!
//! # Fairness: the bound on being passed over
//!
//! Between phases a newcomer can still barge in, as in std: a writer that arrives just as the
//! lock frees takes it before the waiter that was woken for it, and can do so again next time.
//! As in [`futex_mutex`](super::futex_mutex), a waiter that has slept and waited
//! [`STARVING_AFTER`] registers in the starving count; while it is above 0, newcomers in every
//! mode queue instead of taking the lock, so the lock moves only among threads that have slept,
//! each of which takes it at most once per call. A starving waiter therefore gets the lock
//! after at most one acquisition per other waiting thread (or per reader phase, for a writer).
//! Recursive reads are the exception lock_api asks for: they enter under any reader, so a
//! steady stream of them can hold a writer off.
//!
//! The fair unlocks (`unlock_*_fair`, and so `bump_*`) set [`HANDED`] when they release the lock
//! with sleepers waiting: newcomers, the unlocking thread included, queue until a thread that
//! slept has taken the lock (which clears it), and if no sleeper was there to wake the unlocker
//! clears it itself, as the mutex's fair unlock does. The normal unlocks are not fair in
//! lock_api's sense (the unlocking thread can take the lock back first) until a waiter starves.
//!
//! Under loom (`tests/loom/futex_backend.rs` compiles this file against a futex model) the
//! threshold is zero and nothing spins, so every waiter that slept starves and the models
//! explore the hand-offs on every contended release.

use std::time::{Duration, Instant};

use super::futex;
use super::spin_wait::spin_while;
use crate::sync::atomic::AtomicU32;
use crate::sync::atomic::Ordering::{Acquire, Relaxed, Release};

/// Bits 0-22: the count of readers, or [`WRITE_LOCKED`].
const MASK: u32 = (1 << 23) - 1;
/// The count of a write-locked lock.
const WRITE_LOCKED: u32 = MASK;
/// One reader in the count.
const READER: u32 = 1;
/// The most readers at once (a read past it panics, as std's does).
const MAX_READERS: u32 = MASK - 1;
/// Released by a fair unlock: only a thread that slept may take it.
const HANDED: u32 = 1 << 23;
/// One of the readers is the upgradable holder.
const UPGRADABLE: u32 = 1 << 24;
/// The upgradable holder waits for the other readers to leave.
const UPGRADING: u32 = 1 << 25;
/// A reader (or would-be upgradable holder) may sleep on `state`.
const READERS_WAITING: u32 = 1 << 26;
/// A writer may sleep on `writer_notify`.
const WRITERS_WAITING: u32 = 1 << 27;
/// One starving waiter, in bits 28-31.
const STARVING: u32 = 1 << 28;
/// The starving count's bits.
const STARVING_MASK: u32 = 0xf << 28;
/// What keeps a newcomer out: a hand-off or a starving waiter.
const RESERVED: u32 = HANDED | STARVING_MASK;

/// A write becoming a read: the count goes from [`WRITE_LOCKED`] to one reader.
const WRITE_TO_READ: u32 = READER.wrapping_sub(WRITE_LOCKED);

/// How long a waiter waits before it asks for the newcomers to queue behind it.
#[cfg(not(selvedge_loom))]
const STARVING_AFTER: Duration = Duration::from_millis(1);
/// Under loom every waiter that slept starves, so the models cover the hand-off.
#[cfg(selvedge_loom)]
const STARVING_AFTER: Duration = Duration::ZERO;

/// The lock modes a thread can wait for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Mode {
    Read,
    Upgradable,
    Write,
}

/// The count bits of `state`.
const fn count(state: u32) -> u32 {
    state & MASK
}

/// Whether a thread asking for `mode` may take the lock in `state`; `slept`: it has slept in
/// this call (the table in the module docs).
const fn admits(mode: Mode, state: u32, slept: bool) -> bool {
    let n = count(state);
    match mode {
        Mode::Read => {
            n < MAX_READERS
                && state & UPGRADING == 0
                && (slept || state & (WRITERS_WAITING | RESERVED) == 0)
        }
        Mode::Upgradable => {
            n < MAX_READERS
                && state & (UPGRADABLE | UPGRADING) == 0
                && (slept || state & (WRITERS_WAITING | RESERVED) == 0)
        }
        Mode::Write => n == 0 && (slept || state & RESERVED == 0),
    }
}

/// What one blocked acquisition knows about itself.
#[derive(Debug)]
struct Waiter {
    mode: Mode,
    /// When it first went to sleep: the start of its wait, for the starvation threshold.
    since: Option<Instant>,
    /// Whether it has slept (and so may pass `WRITERS_WAITING` and a reservation).
    slept: bool,
    /// Whether it is counted in the starving count.
    starving: bool,
}

impl Waiter {
    const fn new(mode: Mode) -> Self {
        Self {
            mode,
            since: None,
            slept: false,
            starving: false,
        }
    }

    /// Whether it should register as starving before sleeping again (if the count has room).
    fn due(&self, state: u32) -> bool {
        !self.starving
            && self.slept
            && state & STARVING_MASK != STARVING_MASK
            && self
                .since
                .is_some_and(|since| since.elapsed() >= STARVING_AFTER)
    }

    /// The word after this waiter takes the lock from `state` (one [`admits`]).
    const fn taken(&self, state: u32) -> u32 {
        // Taking after sleeping clears a hand-off: the lock went to a waiter.
        let mut next = if self.slept { state & !HANDED } else { state };
        if self.starving {
            next -= STARVING;
        }
        match self.mode {
            Mode::Read => next + READER,
            Mode::Upgradable => next + READER + UPGRADABLE,
            // A writer that slept cannot know whether others still sleep on `writer_notify`
            // (the wake that woke it cleared the bit), so it keeps the bit (std's rule).
            Mode::Write if self.slept => (next + WRITE_LOCKED) | WRITERS_WAITING,
            Mode::Write => next + WRITE_LOCKED,
        }
    }
}

/// A reader-writer lock in two futex words; see the module docs for the states, who is woken,
/// and the fairness bound.
///
/// The methods are safe: they only touch the atomic words. What the lock protects is
/// `lock_api`'s business, through the `unsafe impl`s below; the `unlock_*`, `upgrade*` and
/// `downgrade*` methods are called only by a holder of the mode they name.
#[derive(Debug)]
pub(crate) struct FutexRwLock {
    state: AtomicU32,
    writer_notify: AtomicU32,
}

impl FutexRwLock {
    crate::loom_const_fn! {
        /// An unlocked lock.
        pub(crate) const fn new() -> Self {
            Self {
                state: AtomicU32::new(0),
                writer_notify: AtomicU32::new(0),
            }
        }
    }

    // Acquisition.

    /// Takes a read lock if one is free to a newcomer now.
    #[inline]
    pub(crate) fn try_read(&self) -> bool {
        // The fast path inline (the map tries before it blocks, on every operation); the
        // general attempt out of line.
        self.read_fast() || self.try_take(Mode::Read)
    }

    /// Blocks until a read lock is held.
    #[inline]
    pub(crate) fn read(&self) {
        if !self.read_fast() {
            self.acquire_contended(Mode::Read, None);
        }
    }

    /// The uncontended read: one load and one compare-exchange, which may fail spuriously.
    #[inline]
    fn read_fast(&self) -> bool {
        let state = self.state.load(Relaxed);
        admits(Mode::Read, state, false)
            && self
                .state
                .compare_exchange_weak(state, state + READER, Acquire, Relaxed)
                .is_ok()
    }

    /// Blocks until a read lock is held or `deadline` passes; returns whether it is held.
    #[inline]
    pub(crate) fn try_read_until(&self, deadline: Instant) -> bool {
        self.try_read() || self.acquire_contended(Mode::Read, Some(deadline))
    }

    /// A read lock that enters under any reader, whatever waits: a thread that already reads
    /// cannot deadlock on it. Returns `false` only when it would block a newcomer's read.
    #[inline]
    pub(crate) fn try_read_recursive(&self) -> bool {
        let mut state = self.state.load(Relaxed);
        loop {
            let reader_in = (1..MAX_READERS).contains(&count(state));
            if !reader_in && !admits(Mode::Read, state, false) {
                return false;
            }
            match self
                .state
                .compare_exchange_weak(state, state + READER, Acquire, Relaxed)
            {
                Ok(_) => return true,
                Err(now) => state = now,
            }
        }
    }

    /// Blocks until a recursive read lock is held (see [`try_read_recursive`](Self::try_read_recursive)).
    #[inline]
    pub(crate) fn read_recursive(&self) {
        if !self.try_read_recursive() {
            // No reader is in, so the caller holds no read: a plain read, which may sleep.
            self.acquire_contended(Mode::Read, None);
        }
    }

    /// Takes the write lock if it is free to a newcomer now.
    #[inline]
    pub(crate) fn try_write(&self) -> bool {
        // As in `try_read`.
        self.write_fast() || self.try_take(Mode::Write)
    }

    /// Blocks until the write lock is held.
    #[inline]
    pub(crate) fn write(&self) {
        if !self.write_fast() {
            self.acquire_contended(Mode::Write, None);
        }
    }

    /// The uncontended write: one compare-exchange from a free word with nobody waiting,
    /// which may fail spuriously.
    #[inline]
    fn write_fast(&self) -> bool {
        self.state
            .compare_exchange_weak(0, WRITE_LOCKED, Acquire, Relaxed)
            .is_ok()
    }

    /// Blocks until the write lock is held or `deadline` passes; returns whether it is held.
    #[inline]
    pub(crate) fn try_write_until(&self, deadline: Instant) -> bool {
        self.try_write() || self.acquire_contended(Mode::Write, Some(deadline))
    }

    /// Takes the upgradable read lock if it is free to a newcomer now.
    #[inline]
    pub(crate) fn try_upgradable(&self) -> bool {
        self.try_take(Mode::Upgradable)
    }

    /// Blocks until the upgradable read lock is held.
    #[inline]
    pub(crate) fn upgradable(&self) {
        if !self.try_upgradable() {
            self.acquire_contended(Mode::Upgradable, None);
        }
    }

    /// Blocks until the upgradable read lock is held or `deadline` passes; returns whether it
    /// is held.
    #[inline]
    pub(crate) fn try_upgradable_until(&self, deadline: Instant) -> bool {
        self.try_upgradable() || self.acquire_contended(Mode::Upgradable, Some(deadline))
    }

    /// Whether anyone holds the lock in any mode.
    pub(crate) fn is_locked(&self) -> bool {
        count(self.state.load(Relaxed)) != 0
    }

    /// Whether a writer holds the lock.
    pub(crate) fn is_locked_exclusive(&self) -> bool {
        count(self.state.load(Relaxed)) == WRITE_LOCKED
    }

    /// One attempt in `mode` as a newcomer, retried only while the word changes under a
    /// compare-exchange that would still succeed.
    #[inline(never)]
    fn try_take(&self, mode: Mode) -> bool {
        let waiter = Waiter::new(mode);
        let mut state = self.state.load(Relaxed);
        while admits(mode, state, false) {
            match self
                .state
                .compare_exchange_weak(state, waiter.taken(state), Acquire, Relaxed)
            {
                Ok(_) => return true,
                Err(now) => state = now,
            }
        }
        false
    }

    // Release.

    /// Releases a read lock.
    #[inline]
    pub(crate) fn unlock_read(&self) {
        let state = self.state.fetch_sub(READER, Release) - READER;
        debug_assert!(
            count(state) < MAX_READERS,
            "read-unlocked by a thread not reading"
        );
        // One test on the hot path; the count decides in the cold one.
        if state & (READERS_WAITING | WRITERS_WAITING | UPGRADING) != 0 {
            let _woken = self.after_read_released(state);
        }
    }

    /// Releases the write lock.
    #[inline]
    pub(crate) fn unlock_write(&self) {
        let state = self.state.fetch_sub(WRITE_LOCKED, Release) - WRITE_LOCKED;
        debug_assert_eq!(count(state), 0, "write-unlocked by a thread not writing");
        if state & (READERS_WAITING | WRITERS_WAITING) != 0 {
            let _woken = self.wake_readers_or_writer(state);
        }
    }

    /// Releases the upgradable read lock.
    #[inline]
    pub(crate) fn unlock_upgradable(&self) {
        let state = self.state.fetch_sub(READER + UPGRADABLE, Release) - READER - UPGRADABLE;
        debug_assert!(count(state) < MAX_READERS && state & UPGRADING == 0);
        if state & (READERS_WAITING | WRITERS_WAITING) != 0 {
            let _woken = self.after_upgradable_released(state);
        }
    }

    /// Releases a read lock; if that frees the lock with sleepers waiting, hands it to them
    /// (see the module docs).
    pub(crate) fn unlock_read_fair(&self) {
        self.release_fair(READER, |state| self.after_read_released(state));
    }

    /// Releases the write lock, handing it to the sleepers if there are any.
    pub(crate) fn unlock_write_fair(&self) {
        self.release_fair(WRITE_LOCKED, |state| self.wake_readers_or_writer(state));
    }

    /// Releases the upgradable read lock, handing it to the sleepers if that frees it.
    pub(crate) fn unlock_upgradable_fair(&self) {
        self.release_fair(READER + UPGRADABLE, |state| {
            self.after_upgradable_released(state)
        });
    }

    /// Subtracts `held` from the word, setting [`HANDED`] if that frees the lock while someone
    /// waits, then runs `wake` (which says whether it woke anyone) as the normal unlock would.
    /// If nobody was asleep and nobody starves, no thread is owed the lock: the hand-off is
    /// withdrawn and the sleepers woken once more, in case a newcomer went to sleep on it
    /// meanwhile.
    fn release_fair(&self, held: u32, wake: impl Fn(u32) -> bool) {
        let mut state = self.state.load(Relaxed);
        let released = loop {
            let mut next = state - held;
            if count(next) == 0 && next & (READERS_WAITING | WRITERS_WAITING) != 0 {
                next |= HANDED;
            }
            match self.state.compare_exchange(state, next, Release, Relaxed) {
                Ok(_) => break next,
                Err(now) => state = now,
            }
        };
        if released & HANDED == 0 {
            if released & (READERS_WAITING | WRITERS_WAITING | UPGRADING) != 0 {
                let _woken = wake(released);
            }
            return;
        }
        if wake(released) || released & STARVING_MASK != 0 {
            // Someone woke to take it, or a starving waiter, awake since it was not asleep to
            // be woken, will see the hand-off and take it.
            return;
        }
        // Nobody asleep and nobody starving: withdraw the hand-off (unless a thread that slept
        // took it meanwhile) and wake once more, for a newcomer that went to sleep on it.
        let mut state = self.state.load(Relaxed);
        while state & HANDED != 0 && state & STARVING_MASK == 0 && count(state) == 0 {
            match self
                .state
                .compare_exchange(state, state & !HANDED, Relaxed, Relaxed)
            {
                Ok(_) => {
                    let freed = state & !HANDED;
                    if freed & (READERS_WAITING | WRITERS_WAITING) != 0 {
                        let _woken = self.wake_readers_or_writer(freed);
                    }
                    return;
                }
                Err(now) => state = now,
            }
        }
    }

    /// After a read release left `state`: wake a writer when the readers are gone, or the
    /// upgrading holder when it is the last reader. Returns whether it woke anyone.
    #[cold]
    #[inline(never)]
    fn after_read_released(&self, state: u32) -> bool {
        match count(state) {
            0 => self.wake_writer_or_readers(state),
            1 if state & UPGRADING != 0 => self.wake_writers(),
            _ => false,
        }
    }

    /// After an upgradable release left `state`: a would-be upgradable holder may now take it,
    /// and if the lock is free the read phase has ended. Returns whether it woke anyone.
    #[cold]
    #[inline(never)]
    fn after_upgradable_released(&self, state: u32) -> bool {
        if count(state) == 0 {
            self.wake_writer_or_readers(state)
        } else {
            state & READERS_WAITING != 0 && self.wake_readers()
        }
    }

    // Upgrade and downgrade.

    /// Turns the caller's upgradable read into the write lock if it is the only reader.
    #[inline]
    pub(crate) fn try_upgrade(&self) -> bool {
        let mut state = self.state.load(Relaxed);
        while count(state) == 1 {
            match self
                .state
                .compare_exchange_weak(state, upgraded(state), Acquire, Relaxed)
            {
                Ok(_) => return true,
                Err(now) => state = now,
            }
        }
        false
    }

    /// Turns the caller's upgradable read into the write lock, waiting for the other readers to
    /// leave; no writer and no new reader enters meanwhile.
    #[inline]
    pub(crate) fn upgrade(&self) {
        if !self.try_upgrade() {
            self.upgrade_contended(None);
        }
    }

    /// [`upgrade`](Self::upgrade) until `deadline`; returns whether the caller now writes
    /// (otherwise it still holds its upgradable read).
    #[inline]
    pub(crate) fn try_upgrade_until(&self, deadline: Instant) -> bool {
        self.try_upgrade() || self.upgrade_contended(Some(deadline))
    }

    /// Turns the caller's write lock into a read lock; the sleeping readers may join it.
    pub(crate) fn downgrade(&self) {
        let state = self
            .state
            .fetch_add(WRITE_TO_READ, Release)
            .wrapping_add(WRITE_TO_READ);
        debug_assert_eq!(count(state), 1, "downgraded by a thread not writing");
        if state & READERS_WAITING != 0 {
            let _woken = self.wake_readers();
        }
    }

    /// Turns the caller's write lock into the upgradable read lock; the sleeping readers may
    /// join it.
    pub(crate) fn downgrade_to_upgradable(&self) {
        let step = WRITE_TO_READ.wrapping_add(UPGRADABLE);
        let state = self.state.fetch_add(step, Release).wrapping_add(step);
        debug_assert_eq!(count(state), 1, "downgraded by a thread not writing");
        if state & READERS_WAITING != 0 {
            let _woken = self.wake_readers();
        }
    }

    /// Turns the caller's upgradable read into a plain read; a would-be upgradable holder may
    /// take its place.
    pub(crate) fn downgrade_upgradable(&self) {
        let state = self.state.fetch_sub(UPGRADABLE, Release) - UPGRADABLE;
        if state & READERS_WAITING != 0 {
            let _woken = self.wake_readers();
        }
    }

    /// The slow path of `upgrade` (`deadline` `None`) and `try_upgrade_until`. `UPGRADING`
    /// keeps new readers out; the last other reader to leave wakes this thread through
    /// `writer_notify`, read before the last look at the word so that wake cannot be missed.
    #[cold]
    #[inline(never)]
    fn upgrade_contended(&self, deadline: Option<Instant>) -> bool {
        let mut state = spin_while(&self.state, |state| count(state) > 1);
        loop {
            if count(state) == 1 {
                match self
                    .state
                    .compare_exchange(state, upgraded(state), Acquire, Relaxed)
                {
                    Ok(_) => return true,
                    Err(now) => {
                        state = now;
                        continue;
                    }
                }
            }
            if state & UPGRADING == 0
                && let Err(now) =
                    self.state
                        .compare_exchange(state, state | UPGRADING, Relaxed, Relaxed)
            {
                state = now;
                continue;
            }
            let seq = self.writer_notify.load(Acquire);
            state = self.state.load(Relaxed);
            if count(state) == 1 {
                continue;
            }
            let in_time = futex::wait_until(&self.writer_notify, seq, deadline);
            state = spin_while(&self.state, |state| count(state) > 1);
            if !in_time {
                return self.cancel_upgrade(state);
            }
        }
    }

    /// The deadline of an upgrade passed: upgrade after all if the other readers are gone,
    /// otherwise stop holding new readers back and wake those that slept on it.
    fn cancel_upgrade(&self, mut state: u32) -> bool {
        loop {
            let (next, upgrading) = if count(state) == 1 {
                (upgraded(state), true)
            } else {
                (state & !UPGRADING, false)
            };
            match self.state.compare_exchange(state, next, Acquire, Relaxed) {
                Ok(_) if upgrading => return true,
                Ok(_) => {
                    if next & READERS_WAITING != 0 {
                        let _woken = self.wake_readers();
                    }
                    return false;
                }
                Err(now) => state = now,
            }
        }
    }

    // Waiting.

    /// The slow path of every blocking and timed acquisition: returns whether the lock was
    /// taken in `mode` before the deadline.
    #[cold]
    #[inline(never)]
    fn acquire_contended(&self, mode: Mode, deadline: Option<Instant>) -> bool {
        let mut waiter = Waiter::new(mode);
        // Spin only while a holder that nobody waits for is in the way.
        let mut state = spin_while(&self.state, |state| {
            state & !MASK == 0 && !admits(mode, state, false)
        });
        loop {
            if admits(mode, state, waiter.slept) {
                match self
                    .state
                    .compare_exchange(state, waiter.taken(state), Acquire, Relaxed)
                {
                    Ok(_) => {
                        self.after_taken(&waiter, state);
                        return true;
                    }
                    Err(now) => {
                        state = now;
                        continue;
                    }
                }
            }
            // A reader that cannot enter only because the count is full would wait forever.
            assert!(
                mode == Mode::Write || count(state) != MAX_READERS,
                "too many active read locks on RwLock"
            );
            // Make sure the release that lets this thread in will wake it, registering as
            // starving in the same step if it is due.
            let registering = waiter.due(state);
            let waiting_bit = match mode {
                Mode::Read | Mode::Upgradable => READERS_WAITING,
                Mode::Write => WRITERS_WAITING,
            };
            let mut sleep_on = state | waiting_bit;
            if registering {
                sleep_on += STARVING;
            }
            if sleep_on != state {
                if let Err(now) = self
                    .state
                    .compare_exchange(state, sleep_on, Relaxed, Relaxed)
                {
                    state = now;
                    continue;
                }
                waiter.starving |= registering;
            }
            waiter.since.get_or_insert_with(Instant::now);
            let in_time = if mode == Mode::Write {
                // Read the counter before the last look at the word: a release after that look
                // bumps it, and the kernel then refuses to sleep.
                let seq = self.writer_notify.load(Acquire);
                state = self.state.load(Relaxed);
                if admits(mode, state, waiter.slept) || state & WRITERS_WAITING == 0 {
                    continue;
                }
                futex::wait_until(&self.writer_notify, seq, deadline)
            } else {
                futex::wait_until(&self.state, sleep_on, deadline)
            };
            waiter.slept = true;
            // Spin again after waking, as std does: a holder may be about to leave.
            state = spin_while(&self.state, |state| {
                state & !MASK == 0 && !admits(mode, state, true)
            });
            if !in_time {
                return self.give_up(&waiter, state);
            }
        }
    }

    /// After `waiter` took the lock from `state`: if its take ended the starving waiters'
    /// reservation while readers sleep, and readers may now join, wake them.
    fn after_taken(&self, waiter: &Waiter, state: u32) {
        let ended_reservation = (waiter.starving && state & STARVING_MASK == STARVING)
            || (waiter.slept && state & HANDED != 0 && state & STARVING_MASK == 0);
        if ended_reservation && waiter.mode != Mode::Write && state & READERS_WAITING != 0 {
            let _woken = self.wake_readers();
        }
    }

    /// The deadline passed: take the lock if it is free for this waiter after all, otherwise
    /// withdraw the waiter's starving registration (and, for a writer, its waiting bit) and
    /// pass on any wake it may have taken.
    fn give_up(&self, waiter: &Waiter, mut state: u32) -> bool {
        loop {
            if admits(waiter.mode, state, waiter.slept) {
                match self
                    .state
                    .compare_exchange(state, waiter.taken(state), Acquire, Relaxed)
                {
                    Ok(_) => {
                        self.after_taken(waiter, state);
                        return true;
                    }
                    Err(now) => {
                        state = now;
                        continue;
                    }
                }
            }
            let mut next = state;
            if waiter.starving {
                next -= STARVING;
            }
            if waiter.mode == Mode::Write {
                next &= !WRITERS_WAITING;
            }
            if next == state {
                break;
            }
            match self.state.compare_exchange(state, next, Relaxed, Relaxed) {
                Ok(_) => {
                    state = next;
                    break;
                }
                Err(now) => state = now,
            }
        }
        if waiter.mode == Mode::Write {
            // A writer's wake is a single one, and this thread may have taken it: wake every
            // other writer (each sets the bit again if it still has to wait), and the readers
            // the cleared bit held back.
            let _woken = self.wake_writers();
            if state & READERS_WAITING != 0 && admits(Mode::Read, state, true) {
                let _woken = self.wake_readers();
            }
        } else if count(state) == 0 && state & (READERS_WAITING | WRITERS_WAITING) != 0 {
            // A write's release may have woken the readers instead of a writer: if they all
            // give up, the writer must still be woken.
            let _woken = self.wake_writer_or_readers(state);
        } else if waiter.starving && state & STARVING_MASK == 0 && state & READERS_WAITING != 0 {
            // The reservation ended with this waiter: the newcomers it held back may enter.
            let _woken = self.wake_readers();
        }
        false
    }

    // Waking.

    /// The end of a write (count 0 in `state`): wake the sleeping readers, or one writer if no
    /// reader slept. Returns whether it woke anyone.
    #[cold]
    #[inline(never)]
    fn wake_readers_or_writer(&self, state: u32) -> bool {
        if state & READERS_WAITING != 0 && self.wake_readers() {
            return true;
        }
        self.wake_writer_or_readers(self.state.load(Relaxed))
    }

    /// The end of a read phase (count 0 in `state`): wake one writer, or the readers if no
    /// writer slept. Returns whether it woke anyone.
    #[cold]
    #[inline(never)]
    fn wake_writer_or_readers(&self, mut state: u32) -> bool {
        // Clear the writers' bit only while the lock is still free: a thread that took it
        // meanwhile wakes them at its own release.
        while count(state) == 0 && state & WRITERS_WAITING != 0 {
            match self
                .state
                .compare_exchange(state, state & !WRITERS_WAITING, Relaxed, Relaxed)
            {
                Ok(_) => {
                    if self.wake_writer() {
                        return true;
                    }
                    // No writer was asleep (one may be about to sleep, and will see the
                    // counter moved): the readers may go instead.
                    state &= !WRITERS_WAITING;
                    break;
                }
                Err(now) => state = now,
            }
        }
        state & READERS_WAITING != 0 && self.wake_readers()
    }

    /// Clears the readers' bit and wakes every thread sleeping on `state`; returns whether
    /// there were any. Clearing is always safe: each woken thread sets it again before it
    /// sleeps again.
    fn wake_readers(&self) -> bool {
        let _before = self.state.fetch_and(!READERS_WAITING, Relaxed);
        futex::wake_all(&self.state) > 0
    }

    /// Wakes one writer; returns whether one was asleep.
    fn wake_writer(&self) -> bool {
        self.writer_notify.fetch_add(1, Release);
        futex::wake_one(&self.writer_notify)
    }

    /// Wakes every thread sleeping on `writer_notify`: the upgrading holder, which a single
    /// wake might miss for a writer, or every writer when one gives up.
    fn wake_writers(&self) -> bool {
        self.writer_notify.fetch_add(1, Release);
        futex::wake_all(&self.writer_notify) > 0
    }
}

/// The word after the upgradable holder, alone in the count, becomes the writer.
const fn upgraded(state: u32) -> u32 {
    (state & !(MASK | UPGRADABLE | UPGRADING)) | WRITE_LOCKED
}

#[cfg(not(selvedge_loom))]
mod lock_api_impls {
    //! `lock_api`'s raw traits for [`FutexRwLock`]: the one `unsafe` of this backend.
    #![allow(unsafe_code)] // lock_api's raw traits are unsafe to implement; each says why it holds

    use std::time::{Duration, Instant};

    use parking_lot::lock_api;

    use super::super::timeout::within;
    use super::FutexRwLock;

    // SAFETY: every acquisition returns holding the lock only after an Acquire read-modify-write
    // moved the count from a state its mode admits (the module's table: 0 for a writer; below
    // `MAX_READERS` and not `WRITE_LOCKED` for a reader) to `WRITE_LOCKED` or one reader more,
    // and only the holders' Release subtractions take the count back: so a writer is alone,
    // readers never meet a writer, and each holder sees what the previous writer wrote. The
    // `unlock_*` calls come only from holders of that mode (lock_api's contract).
    unsafe impl lock_api::RawRwLock for FutexRwLock {
        #[allow(clippy::declare_interior_mutable_const)] // required by lock_api: one fresh lock per use
        const INIT: Self = Self::new();
        type GuardMarker = lock_api::GuardNoSend;

        #[inline]
        fn lock_shared(&self) {
            self.read();
        }

        #[inline]
        fn try_lock_shared(&self) -> bool {
            self.try_read()
        }

        #[inline]
        unsafe fn unlock_shared(&self) {
            self.unlock_read();
        }

        #[inline]
        fn lock_exclusive(&self) {
            self.write();
        }

        #[inline]
        fn try_lock_exclusive(&self) -> bool {
            self.try_write()
        }

        #[inline]
        unsafe fn unlock_exclusive(&self) {
            self.unlock_write();
        }

        #[inline]
        fn is_locked(&self) -> bool {
            FutexRwLock::is_locked(self)
        }

        #[inline]
        fn is_locked_exclusive(&self) -> bool {
            FutexRwLock::is_locked_exclusive(self)
        }
    }

    // SAFETY: the fair unlocks are the unlocks' subtractions with, at most, `HANDED` set beside
    // them, which only keeps newcomers out; the exclusion argument of `RawRwLock` is unchanged.
    // The default bumps unlock fairly and lock again.
    unsafe impl lock_api::RawRwLockFair for FutexRwLock {
        #[inline]
        unsafe fn unlock_shared_fair(&self) {
            self.unlock_read_fair();
        }

        #[inline]
        unsafe fn unlock_exclusive_fair(&self) {
            self.unlock_write_fair();
        }
    }

    // SAFETY: the timed acquisitions are the blocking ones' protocol with a deadline; they
    // return `true` only after the same Acquire step, and `false` holding nothing.
    unsafe impl lock_api::RawRwLockTimed for FutexRwLock {
        type Duration = Duration;
        type Instant = Instant;

        fn try_lock_shared_for(&self, timeout: Duration) -> bool {
            within(
                timeout,
                || self.read(),
                |deadline| self.try_read_until(deadline),
            )
        }

        fn try_lock_shared_until(&self, deadline: Instant) -> bool {
            self.try_read_until(deadline)
        }

        fn try_lock_exclusive_for(&self, timeout: Duration) -> bool {
            within(
                timeout,
                || self.write(),
                |deadline| self.try_write_until(deadline),
            )
        }

        fn try_lock_exclusive_until(&self, deadline: Instant) -> bool {
            self.try_write_until(deadline)
        }
    }

    // SAFETY: a recursive read is a read (one reader more, Acquire) that may also enter while
    // `WRITERS_WAITING`, `UPGRADING` or a reservation holds newcomers back, but never past a
    // writer: the count must be a reader count. A thread holding a read keeps that count above
    // 0, so its recursive read never waits.
    unsafe impl lock_api::RawRwLockRecursive for FutexRwLock {
        #[inline]
        fn lock_shared_recursive(&self) {
            self.read_recursive();
        }

        #[inline]
        fn try_lock_shared_recursive(&self) -> bool {
            self.try_read_recursive()
        }
    }

    // SAFETY: the upgradable read is a read that also sets `UPGRADABLE`, which at most one
    // holder sets (it is admitted only while clear); the upgrade takes the count from 1 (the
    // caller alone) to `WRITE_LOCKED` in one Acquire step, and `UPGRADING` keeps new readers
    // out meanwhile, while the caller's own read keeps every writer out.
    unsafe impl lock_api::RawRwLockUpgrade for FutexRwLock {
        #[inline]
        fn lock_upgradable(&self) {
            self.upgradable();
        }

        #[inline]
        fn try_lock_upgradable(&self) -> bool {
            self.try_upgradable()
        }

        #[inline]
        unsafe fn unlock_upgradable(&self) {
            FutexRwLock::unlock_upgradable(self);
        }

        #[inline]
        unsafe fn upgrade(&self) {
            FutexRwLock::upgrade(self);
        }

        #[inline]
        unsafe fn try_upgrade(&self) -> bool {
            FutexRwLock::try_upgrade(self)
        }
    }

    // SAFETY: as for `RawRwLockFair`.
    unsafe impl lock_api::RawRwLockUpgradeFair for FutexRwLock {
        #[inline]
        unsafe fn unlock_upgradable_fair(&self) {
            self.unlock_upgradable_fair();
        }
    }

    // SAFETY: as for `RawRwLockUpgrade`; a timed upgrade that gives up leaves the caller's
    // upgradable read as it was.
    unsafe impl lock_api::RawRwLockUpgradeTimed for FutexRwLock {
        fn try_lock_upgradable_for(&self, timeout: Duration) -> bool {
            within(
                timeout,
                || self.upgradable(),
                |deadline| self.try_upgradable_until(deadline),
            )
        }

        fn try_lock_upgradable_until(&self, deadline: Instant) -> bool {
            self.try_upgradable_until(deadline)
        }

        unsafe fn try_upgrade_for(&self, timeout: Duration) -> bool {
            within(
                timeout,
                || FutexRwLock::upgrade(self),
                |deadline| self.try_upgrade_until(deadline),
            )
        }

        unsafe fn try_upgrade_until(&self, deadline: Instant) -> bool {
            FutexRwLock::try_upgrade_until(self, deadline)
        }
    }

    // SAFETY: the writer becomes one reader in one Release step: no other thread held the
    // lock, and from that step on only readers are admitted beside it.
    unsafe impl lock_api::RawRwLockDowngrade for FutexRwLock {
        #[inline]
        unsafe fn downgrade(&self) {
            FutexRwLock::downgrade(self);
        }
    }

    // SAFETY: as for `downgrade`: each step is one Release read-modify-write that keeps the
    // caller's hold (one reader, with or without `UPGRADABLE`).
    unsafe impl lock_api::RawRwLockUpgradeDowngrade for FutexRwLock {
        #[inline]
        unsafe fn downgrade_upgradable(&self) {
            FutexRwLock::downgrade_upgradable(self);
        }

        #[inline]
        unsafe fn downgrade_to_upgradable(&self) {
            FutexRwLock::downgrade_to_upgradable(self);
        }
    }
}

#[cfg(all(test, not(selvedge_loom)))]
mod tests {
    //! The backend through `lock_api`, every raw trait method, small enough for miri (`cargo
    //! +nightly miri test -p selvedge-locks --lib raw::`), which runs the `unsafe impl`s.

    use std::time::{Duration, Instant};

    use parking_lot::lock_api;

    use super::{FutexRwLock, READERS_WAITING, UPGRADING, WRITERS_WAITING};
    use crate::sync::atomic::Ordering::Relaxed;

    type RwLock<T> = lock_api::RwLock<FutexRwLock, T>;
    type Upgradable<'a, T> = lock_api::RwLockUpgradableReadGuard<'a, FutexRwLock, T>;
    type Write<'a, T> = lock_api::RwLockWriteGuard<'a, FutexRwLock, T>;
    type Read<'a, T> = lock_api::RwLockReadGuard<'a, FutexRwLock, T>;

    const SHORT: Duration = Duration::from_millis(10);
    const LONG: Duration = Duration::from_secs(60);

    /// The raw word, which must be back to 0 whenever nothing holds or waits.
    #[allow(unsafe_code)] // `raw()` is unsafe because it allows unlocking; this only reads
    fn word<T>(lock: &RwLock<T>) -> u32 {
        // SAFETY: reading the raw lock's atomic word is not a lock operation.
        unsafe { lock.raw() }.state.load(Relaxed)
    }

    /// Waits (a few seconds at most) until `bit` is set in the word: another thread is waiting.
    fn until_set<T>(lock: &RwLock<T>, bit: u32) {
        let start = Instant::now();
        while word(lock) & bit == 0 {
            assert!(start.elapsed() < Duration::from_secs(10), "never waited");
            std::thread::yield_now();
        }
    }

    #[test]
    fn every_mode_from_many_threads_keeps_the_pair_equal_and_counts_every_write() {
        let (threads, rounds) = if cfg!(miri) { (3, 20) } else { (4, 2_000) };
        let pair = RwLock::new((0_u32, 0_u32));
        std::thread::scope(|s| {
            for t in 0..threads {
                let pair = &pair;
                s.spawn(move || {
                    for i in 0..rounds {
                        match (t + i) % 6 {
                            0 => {
                                let mut w = pair.write();
                                w.0 += 1;
                                w.1 += 1;
                                if i % 4 == 0 {
                                    Write::unlock_fair(w);
                                }
                            }
                            1 => {
                                let mut w = pair.try_write_for(LONG).expect("a minute is enough");
                                w.0 += 1;
                                w.1 += 1;
                                let r = Write::downgrade(w);
                                assert_eq!(r.0, r.1);
                            }
                            2 => {
                                let u = pair.upgradable_read();
                                assert_eq!(u.0, u.1);
                                let mut w = if i % 2 == 0 {
                                    Upgradable::upgrade(u)
                                } else {
                                    Upgradable::try_upgrade_for(u, LONG)
                                        .unwrap_or_else(|_| panic!("a minute is enough"))
                                };
                                w.0 += 1;
                                w.1 += 1;
                                let u = Write::downgrade_to_upgradable(w);
                                Upgradable::unlock_fair(u);
                            }
                            3 => {
                                let u = pair.try_upgradable_read_for(LONG).expect("in time");
                                let r = Upgradable::downgrade(u);
                                assert_eq!(r.0, r.1);
                            }
                            4 => {
                                let r = pair.try_read_for(LONG).expect("a minute is enough");
                                assert_eq!(r.0, r.1);
                                Read::unlock_fair(r);
                            }
                            _ => {
                                let r = pair.read_recursive();
                                assert_eq!(r.0, r.1);
                            }
                        }
                    }
                });
            }
        });
        let writes = (0..threads)
            .map(|t| (0..rounds).filter(|i| matches!((t + i) % 6, 0..=2)).count())
            .sum::<usize>();
        assert_eq!(*pair.read(), (writes as u32, writes as u32));
        assert_eq!(word(&pair), 0, "a bit left behind");
    }

    #[test]
    fn readers_share_and_writers_exclude() {
        let lock = RwLock::new(());
        let (a, b) = (lock.read(), lock.read());
        assert!(lock.is_locked() && !lock.is_locked_exclusive());
        assert!(lock.try_write().is_none());
        assert!(lock.try_upgradable_read().is_some());
        drop((a, b));
        let w = lock.write();
        assert!(lock.is_locked_exclusive());
        assert!(lock.try_read().is_none() && lock.try_read_recursive().is_none());
        assert!(lock.try_upgradable_read().is_none() && lock.try_write().is_none());
        drop(w);
        assert!(!lock.is_locked());
        assert_eq!(word(&lock), 0);
    }

    #[test]
    fn timed_acquisitions_give_up_holding_nothing() {
        let lock = RwLock::new(());
        let w = lock.write();
        std::thread::scope(|s| {
            s.spawn(|| {
                let start = Instant::now();
                assert!(lock.try_read_for(SHORT).is_none());
                assert!(
                    lock.try_read_until(Instant::now() + SHORT).is_none(),
                    "read"
                );
                assert!(lock.try_upgradable_read_for(SHORT).is_none());
                assert!(
                    lock.try_upgradable_read_until(Instant::now() + SHORT)
                        .is_none()
                );
                assert!(lock.try_write_for(SHORT).is_none());
                assert!(lock.try_write_until(Instant::now() + SHORT).is_none());
                assert!(start.elapsed() >= SHORT * 6);
            });
        });
        drop(w);
        assert_eq!(word(&lock), 0, "a waiting bit left behind");
        let r = lock.read();
        std::thread::scope(|s| {
            s.spawn(|| assert!(lock.try_write_for(SHORT).is_none()));
        });
        // The writer gave up: readers are not held back by a writer that left.
        assert!(lock.try_read().is_some());
        drop(r);
        assert_eq!(word(&lock), 0);
    }

    #[test]
    fn an_upgrade_waits_for_the_readers_and_lets_no_reader_in_meanwhile() {
        let lock = RwLock::new(0);
        let reader = lock.read();
        std::thread::scope(|s| {
            let upgrader = s.spawn(|| {
                let u = lock.upgradable_read();
                let mut w = Upgradable::upgrade(u);
                *w += 1;
            });
            until_set(&lock, UPGRADING);
            // A newcomer cannot read past the upgrade; a recursive read can.
            assert!(lock.try_read().is_none());
            drop(lock.try_read_recursive().expect("a reader is in"));
            drop(reader);
            upgrader.join().unwrap();
        });
        assert_eq!(*lock.read(), 1);
        assert_eq!(word(&lock), 0);
    }

    #[test]
    fn a_timed_upgrade_gives_up_keeping_the_upgradable_read() {
        let lock = RwLock::new(0);
        let reader = lock.read();
        let u = lock.upgradable_read();
        let start = Instant::now();
        let u = Upgradable::try_upgrade_for(u, SHORT).expect_err("a reader is in");
        assert!(start.elapsed() >= SHORT);
        let u = Upgradable::try_upgrade_until(u, Instant::now() + SHORT).expect_err("still in");
        // Readers may enter again, and the upgrade still works once they leave.
        drop(lock.try_read().expect("the upgrade withdrew"));
        let u = Upgradable::try_upgrade(u).expect_err("a reader is in");
        drop(reader);
        let mut w = Upgradable::try_upgrade(u).expect("alone now");
        *w += 1;
        drop(w);
        assert_eq!(word(&lock), 0);
    }

    #[test]
    fn one_upgradable_holder_at_a_time_beside_readers() {
        let lock = RwLock::new(());
        let u = lock.upgradable_read();
        assert!(lock.try_read().is_some());
        assert!(lock.try_upgradable_read().is_none());
        assert!(lock.try_write().is_none());
        std::thread::scope(|s| {
            let second = s.spawn(|| drop(lock.upgradable_read()));
            until_set(&lock, READERS_WAITING);
            // Downgrading frees the upgradable slot and wakes the waiter.
            let r = Upgradable::downgrade(u);
            second.join().unwrap();
            drop(r);
        });
        assert_eq!(word(&lock), 0);
    }

    #[test]
    fn a_recursive_read_enters_while_a_writer_waits() {
        let lock = RwLock::new(());
        let held = lock.read();
        std::thread::scope(|s| {
            let writer = s.spawn(|| drop(lock.write()));
            until_set(&lock, WRITERS_WAITING);
            assert!(
                lock.try_read().is_none(),
                "a newcomer queues behind the writer"
            );
            drop(lock.read_recursive());
            drop(held);
            writer.join().unwrap();
        });
        assert_eq!(word(&lock), 0);
    }

    #[test]
    fn downgrades_let_the_sleeping_readers_in() {
        let lock = RwLock::new(0);
        let mut w = lock.write();
        std::thread::scope(|s| {
            let reader = s.spawn(|| *lock.read());
            until_set(&lock, READERS_WAITING);
            *w = 1;
            let r = Write::downgrade(w);
            assert_eq!(reader.join().unwrap(), 1);
            drop(r);
        });
        let w = lock.write();
        std::thread::scope(|s| {
            let reader = s.spawn(|| *lock.read());
            until_set(&lock, READERS_WAITING);
            let u = Write::downgrade_to_upgradable(w);
            assert_eq!(reader.join().unwrap(), 1);
            assert!(lock.try_upgradable_read().is_none());
            drop(u);
        });
        assert_eq!(word(&lock), 0);
    }

    #[test]
    #[cfg_attr(
        miri,
        ignore = "set up by timing, which miri's virtual clock does not follow"
    )]
    fn a_fair_unlock_hands_the_lock_to_the_sleeper() {
        // The sleeper must be asleep when the fair unlock runs (one that is not is owed
        // nothing, and the hand-off is withdrawn): a pause after it queues sees to that, and a
        // run where the scheduler kept it awake anyway is retried.
        let handed_over = |unlock: u32| {
            let lock = RwLock::new(0);
            let w = lock.write();
            let handed = std::thread::scope(|s| {
                let writer = s.spawn(|| *lock.write() += 1);
                until_set(&lock, WRITERS_WAITING);
                std::thread::sleep(SHORT);
                match unlock {
                    0 => Write::unlock_fair(w),
                    1 => Read::unlock_fair(Write::downgrade(w)),
                    _ => Upgradable::unlock_fair(Write::downgrade_to_upgradable(w)),
                }
                // Until the woken writer has taken the lock, newcomers queue, this thread
                // included; once it has, the value shows it.
                let handed = lock.try_write().is_none_or(|mine| *mine == 1);
                writer.join().unwrap();
                handed
            });
            assert_eq!(word(&lock), 0);
            handed
        };
        for unlock in 0..3 {
            assert!(
                (0..5).any(|_| handed_over(unlock)),
                "unlock {unlock}: the unlocker took back a lock owed to a sleeper"
            );
        }
        // With no sleeper, a fair unlock is a plain one.
        let lock = RwLock::new(());
        Write::bump(&mut lock.write());
        Read::bump(&mut lock.read());
        Upgradable::bump(&mut lock.upgradable_read());
        assert_eq!(word(&lock), 0);
    }
}
