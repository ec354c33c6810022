//! [`Barrier`]: a reusable rendezvous of a fixed number of threads, with timeouts.

use std::fmt;
use std::time::{Duration, Instant};

use crate::deadline::wait_timeout_while;
use crate::error::WaitTimeout;
use crate::sync::{PlainCondvar, PlainMutex};

/// State of a [`Barrier`]: how many threads arrived in the current generation, and the
/// generation number, bumped each time the barrier opens. A waiter leaves when the generation
/// it arrived in has passed, which makes the barrier reusable: a fast thread arriving for the
/// next round cannot be confused with the round that just opened.
#[derive(Debug)]
struct Round {
    arrived: usize,
    generation: u64,
}

/// A barrier for `parties` threads: each [`wait`](Self::wait) blocks until `parties` threads
/// are waiting, then all continue and the barrier resets for the next round. Exactly one
/// thread per round gets [`BarrierWaitResult::is_leader`].
///
/// [`wait_timeout`](Self::wait_timeout) gives up after a timeout and withdraws its arrival,
/// so the round still needs `parties` threads (unlike Python's `Barrier`, which breaks).
///
/// Built on the facade's `Mutex` and `Condvar`, so loom checks it.
///
/// # Examples
///
/// ```
/// use std::sync::atomic::{AtomicUsize, Ordering};
/// use selvedge_locks::Barrier;
///
/// let barrier = Barrier::new(3);
/// let leaders = AtomicUsize::new(0);
/// std::thread::scope(|s| {
///     for _ in 0..3 {
///         s.spawn(|| {
///             for _round in 0..2 {
///                 if barrier.wait().is_leader() {
///                     leaders.fetch_add(1, Ordering::Relaxed);
///                 }
///             }
///         });
///     }
/// });
/// assert_eq!(leaders.load(Ordering::Relaxed), 2); // one per round
/// ```
pub struct Barrier {
    parties: usize,
    round: PlainMutex<Round>,
    opened: PlainCondvar,
}

/// What [`Barrier::wait`] returns: whether this thread was the round's leader.
///
/// ```
/// let barrier = selvedge_locks::Barrier::new(1);
/// assert!(barrier.wait().is_leader());
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BarrierWaitResult(bool);

impl BarrierWaitResult {
    /// `true` for exactly one thread per round: the last to arrive.
    ///
    /// ```
    /// assert!(selvedge_locks::Barrier::new(1).wait().is_leader());
    /// ```
    #[must_use]
    pub fn is_leader(self) -> bool {
        self.0
    }
}

impl Barrier {
    /// A barrier for `parties` threads (0 is treated as 1, as in std).
    ///
    /// ```
    /// assert_eq!(selvedge_locks::Barrier::new(4).parties(), 4);
    /// ```
    #[must_use]
    pub fn new(parties: usize) -> Self {
        Self {
            parties: parties.max(1),
            round: PlainMutex::new(Round {
                arrived: 0,
                generation: 0,
            }),
            opened: PlainCondvar::new(),
        }
    }

    /// How many threads each round needs.
    ///
    /// ```
    /// assert_eq!(selvedge_locks::Barrier::new(0).parties(), 1);
    /// ```
    #[must_use]
    pub fn parties(&self) -> usize {
        self.parties
    }

    /// Blocks until `parties` threads wait, then releases them all.
    ///
    /// ```
    /// let barrier = selvedge_locks::Barrier::new(2);
    /// std::thread::scope(|s| {
    ///     s.spawn(|| barrier.wait());
    ///     barrier.wait();
    /// });
    /// ```
    pub fn wait(&self) -> BarrierWaitResult {
        let mut round = self.round.lock();
        if let Some(leader) = self.arrive(&mut round) {
            return leader;
        }
        let generation = round.generation;
        while round.generation == generation {
            self.opened.wait(&mut round);
        }
        BarrierWaitResult(false)
    }

    /// Like [`wait`](Self::wait), but gives up after `timeout` and withdraws.
    ///
    /// # Errors
    ///
    /// [`WaitTimeout`] if the round did not fill in time; the round then still needs
    /// `parties` threads.
    ///
    /// ```
    /// use std::time::Duration;
    /// let barrier = selvedge_locks::Barrier::new(2);
    /// assert!(barrier.wait_timeout(Duration::from_millis(1)).is_err());
    /// ```
    pub fn wait_timeout(&self, timeout: Duration) -> Result<BarrierWaitResult, WaitTimeout> {
        let start = Instant::now();
        let mut round = self.round.lock();
        if let Some(leader) = self.arrive(&mut round) {
            return Ok(leader);
        }
        let generation = round.generation;
        if wait_timeout_while(&self.opened, &mut round, timeout, |r| {
            r.generation != generation
        }) {
            return Ok(BarrierWaitResult(false));
        }
        round.arrived -= 1;
        Err(WaitTimeout {
            what: "barrier to fill",
            waited: start.elapsed(),
        })
    }

    /// Counts one arrival; the last one opens the round and is its leader.
    fn arrive(&self, round: &mut Round) -> Option<BarrierWaitResult> {
        round.arrived += 1;
        if round.arrived < self.parties {
            return None;
        }
        round.arrived = 0;
        round.generation = round.generation.wrapping_add(1);
        self.opened.notify_all();
        Some(BarrierWaitResult(true))
    }
}

impl fmt::Debug for Barrier {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Barrier")
            .field("parties", &self.parties)
            .finish_non_exhaustive()
    }
}

#[cfg(test)]
mod tests {
    use super::Barrier;

    #[test]
    fn two_rounds_two_leaders() {
        let barrier = Barrier::new(2);
        let leaders: usize = std::thread::scope(|s| {
            let other = s.spawn(|| (0..2).filter(|_| barrier.wait().is_leader()).count());
            let mine = (0..2).filter(|_| barrier.wait().is_leader()).count();
            mine + other.join().unwrap()
        });
        assert_eq!(leaders, 2);
    }
}
