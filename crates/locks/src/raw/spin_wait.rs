//! The wait before sleeping that both futex locks share ([`futex_mutex`](super::futex_mutex),
//! [`futex_rwlock`](super::futex_rwlock)).
//!
//! parking_lot's schedule rather than std's flat 100 spins: three rounds of 2, 4 and 8 spins,
//! then up to seven `yield_now`s. Yielding lets a preempted holder run, which on a machine with
//! fewer cores than contending threads avoids a futex sleep and the wake that must follow it:
//! two threads on two cores measured about 1.25x faster with it (`docs/benchmarks.md`).

use crate::sync::atomic::AtomicU32;
use crate::sync::atomic::Ordering::Relaxed;
use crate::sync::hint::spin_loop;
use crate::sync::thread::yield_now;

/// Rounds of waiting for a holder to leave before sleeping.
#[cfg(not(selvedge_loom))]
const SPIN_ROUNDS: u32 = 10;
/// No spinning under loom: spinning only loads the word, and loom's `spin_loop` yields until
/// the holder has left, which would keep the models from ever reaching the sleeping paths.
#[cfg(selvedge_loom)]
const SPIN_ROUNDS: u32 = 0;

/// Waits while `busy` says of `word` that a holder may leave soon (nobody sleeps yet, so
/// sleeping would be premature); returns the last value seen.
pub(crate) fn spin_while(word: &AtomicU32, busy: impl Fn(u32) -> bool) -> u32 {
    for round in 0..SPIN_ROUNDS {
        // Loads only, so waiting does not pull the line away from the holder.
        let state = word.load(Relaxed);
        if !busy(state) {
            return state;
        }
        if round < 3 {
            for _ in 0..(2 << round) {
                spin_loop();
            }
        } else {
            yield_now();
        }
    }
    word.load(Relaxed)
}
