//! The tally: the one atomic word submitters reserve in, as a type. [`Tally`] is a snapshot
//! with named accessors, [`AtomicTally`] the word itself, whose methods are the protocols'
//! read-modify-writes (rayon-core's `AtomicCounters`, in its sleep module, is the model).
//! Who changes each field when is told once, in the module doc of `shared.rs` (and the fast
//! path in `submit.rs`); this file is only the layout:
//!
//! | bits | field | meaning |
//! | --- | --- | --- |
//! | 0..40 | `pushed` | jobs ever reserved a place, modulo 2^40 (`reserved = pushed - consumed`) |
//! | 40..62 | `idle` | parked workers nobody has claimed (mirror of `State::idle`) |
//! | 62 | `LOCKED_ONLY` | the pool is elastic right now: every submission takes the locked path |
//! | 63 | `CLOSED` | shutdown began: no new reservation |
//!
//! Every accessor is a shift or a mask of the word, and every method one atomic operation
//! with the ordering the protocol gives it, so the type costs nothing over the bare `u64`.

use selvedge_locks::sync::atomic::{AtomicU64, Ordering};

use super::config::MAX_THREADS;

/// One `idle` in the word.
const ONE_IDLE: u64 = 1 << 40;
/// Shutdown began: no new reservations.
const CLOSED: u64 = 1 << 63;
/// The pool is elastic right now: submissions take the locked path (which can grow it).
const LOCKED_ONLY: u64 = 1 << 62;
/// The `pushed` bits. `pushed`, `State::popped` and the consumer's position all count modulo 2^40,
/// so their differences survive the wrap.
pub(crate) const COUNT_MASK: u64 = ONE_IDLE - 1;
/// The `idle` bits.
const IDLE_MASK: u64 = !COUNT_MASK & !CLOSED & !LOCKED_ONLY;
// `idle <= threads <= max_threads`, so no count of parked workers can carry into
// `LOCKED_ONLY` or `CLOSED`.
const _: () = assert!((MAX_THREADS as u64) <= IDLE_MASK >> 40);

/// A snapshot of the tally word.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub(crate) struct Tally(u64);

impl Tally {
    /// Nothing pushed, nobody idle, open, fixed-size.
    pub(crate) const ZERO: Self = Self(0);

    /// Tasks ever accepted, modulo 2^40: the ring index the next reservation gets.
    #[inline]
    pub(crate) fn pushed(self) -> u64 {
        self.0 & COUNT_MASK
    }

    /// Parked workers nobody has claimed.
    #[inline]
    pub(crate) fn idle(self) -> u64 {
        (self.0 & IDLE_MASK) >> 40
    }

    /// Whether shutdown began (the protocol reads it only with `LOCKED_ONLY`:
    /// [`refuses_fast_path`](Self::refuses_fast_path)).
    #[cfg(test)]
    pub(crate) fn is_closed(self) -> bool {
        self.0 & CLOSED != 0
    }

    /// Whether the pool is elastic right now (submissions take the locked path).
    #[cfg(test)]
    pub(crate) fn is_locked_only(self) -> bool {
        self.0 & LOCKED_ONLY != 0
    }

    /// Whether a fast-path reservation is refused whatever the counts: closed or elastic.
    /// One test of both bits, as the protocol reads them together.
    #[inline]
    pub(crate) fn refuses_fast_path(self) -> bool {
        self.0 & (CLOSED | LOCKED_ONLY) != 0
    }

    /// `pushed - consumed` modulo 2^40, for a count `consumed` of the same modulus: with
    /// `State::popped`, tasks accepted and not yet taken by a worker; with the consumer's
    /// position, ring indices reserved and not yet moved into the queue. Exact when
    /// `consumed` was read under the pool lock; an overestimate with a published hint.
    #[inline]
    pub(crate) fn reserved(self, consumed: u64) -> u64 {
        self.pushed().wrapping_sub(consumed) & COUNT_MASK
    }

    /// This word with `pushed` one higher (wrapping inside its bits, never carrying into
    /// `idle`).
    #[inline]
    pub(crate) fn with_pushed_bumped(self) -> Self {
        Self((self.0 & !COUNT_MASK) | ((self.0 + 1) & COUNT_MASK))
    }

    /// This word with `pushed` set to `pushed` (modulo 2^40).
    #[cfg(test)]
    pub(crate) fn with_pushed(self, pushed: u64) -> Self {
        Self((self.0 & !COUNT_MASK) | (pushed & COUNT_MASK))
    }

    /// This word with `idle` set to `idle`.
    #[cfg(test)]
    pub(crate) fn with_idle(self, idle: u64) -> Self {
        assert!(idle <= IDLE_MASK >> 40);
        Self((self.0 & !IDLE_MASK) | (idle << 40))
    }

    /// This word with `CLOSED` set.
    #[cfg(test)]
    pub(crate) fn with_closed(self) -> Self {
        Self(self.0 | CLOSED)
    }

    /// This word with `LOCKED_ONLY` set or cleared.
    pub(crate) fn with_locked_only(self, on: bool) -> Self {
        if on {
            Self(self.0 | LOCKED_ONLY)
        } else {
            Self(self.0 & !LOCKED_ONLY)
        }
    }
}

/// The tally word. Only submitters and parking workers change it, always by
/// read-modify-writes (so every change sees the latest one); see `shared.rs`.
#[derive(Debug)]
pub(crate) struct AtomicTally(AtomicU64);

impl AtomicTally {
    pub(crate) fn new(tally: Tally) -> Self {
        Self(AtomicU64::new(tally.0))
    }

    /// The word, with `order`.
    #[inline]
    pub(crate) fn load(&self, order: Ordering) -> Tally {
        Tally(self.0.load(order))
    }

    /// Bumps `pushed` by compare-and-swap if `admit` accepts the current word (first guessed
    /// as `cur`, a load of this word): the word before, or `None` once `admit` refuses.
    #[inline]
    pub(crate) fn bump_pushed_if(
        &self,
        mut cur: Tally,
        admit: impl Fn(Tally) -> bool,
    ) -> Option<Tally> {
        loop {
            if !admit(cur) {
                return None;
            }
            match self.0.compare_exchange_weak(
                cur.0,
                cur.with_pushed_bumped().0,
                Ordering::AcqRel,
                Ordering::Relaxed,
            ) {
                Ok(_) => return Some(cur),
                Err(actual) => cur = Tally(actual),
            }
        }
    }

    /// A worker about to park announces itself: `idle += 1`; returns the word before (whose
    /// `pushed` tells whether a submission is in flight).
    /// Bumps `pushed` on the locked path (no condition: the caller checked under the lock).
    pub(crate) fn bump_pushed(&self) {
        let _ = self.bump_pushed_if(self.load(Ordering::Relaxed), |_| true);
    }

    #[inline]
    pub(crate) fn add_idle(&self) -> Tally {
        Tally(self.0.fetch_add(ONE_IDLE, Ordering::AcqRel))
    }

    /// `idle -= 1`: a parked worker was claimed, or uncounted itself.
    #[inline]
    pub(crate) fn sub_idle(&self) {
        self.0.fetch_sub(ONE_IDLE, Ordering::AcqRel);
    }

    /// Sets `CLOSED`: no reservation from now on.
    pub(crate) fn close(&self) {
        self.0.fetch_or(CLOSED, Ordering::AcqRel);
    }

    /// Sets or clears `LOCKED_ONLY`.
    pub(crate) fn set_locked_only(&self, on: bool) {
        if on {
            self.0.fetch_or(LOCKED_ONLY, Ordering::AcqRel);
        } else {
            self.0.fetch_and(!LOCKED_ONLY, Ordering::AcqRel);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fields_do_not_overlap() {
        let word = Tally::ZERO
            .with_closed()
            .with_locked_only(true)
            .with_idle(3)
            .with_pushed(5);
        assert_eq!(word.reserved(2), 3);
        assert_eq!(word.idle(), 3);
        assert_eq!(word.pushed(), 5);
        assert!(word.is_closed() && word.is_locked_only() && word.refuses_fast_path());
        let most_idle = Tally::ZERO
            .with_locked_only(true)
            .with_idle(MAX_THREADS as u64);
        assert_eq!(most_idle.idle(), MAX_THREADS as u64);
        assert!(!most_idle.is_closed());
        assert_eq!(most_idle.pushed(), 0);
        // `pushed` wraps inside its bits; the difference survives the wrap.
        let wrapped = Tally::ZERO
            .with_closed()
            .with_idle(1)
            .with_pushed(COUNT_MASK)
            .with_pushed_bumped();
        assert_eq!(wrapped, Tally::ZERO.with_closed().with_idle(1));
        assert_eq!(wrapped.reserved(COUNT_MASK), 1);
    }

    #[test]
    fn flags_and_idle_changes_keep_the_count() {
        let tally = AtomicTally::new(Tally::ZERO.with_pushed(7));
        assert_eq!(tally.add_idle(), Tally::ZERO.with_pushed(7));
        tally.set_locked_only(true);
        tally.close();
        let now = tally.load(Ordering::Relaxed);
        assert_eq!((now.pushed(), now.idle()), (7, 1));
        assert!(now.is_closed() && now.is_locked_only());
        tally.sub_idle();
        tally.set_locked_only(false);
        let now = tally.load(Ordering::Relaxed);
        assert_eq!(
            (now.pushed(), now.idle(), now.is_locked_only()),
            (7, 0, false)
        );
    }
}
