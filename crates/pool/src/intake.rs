//! The intake list and the tally: how a submission reaches a fixed-size pool without taking
//! the pool lock.
//!
//! # Why
//!
//! With one lock around the priority queue, every submission and every pop moved the lock's
//! cache line between the submitting core and the worker's core (75-80% of both sides' time,
//! see `docs/notes/pool-benchmarks.md`). Now a submitter to a fixed-size pool (core ==
//! max threads, the default) pushes onto a lock-free FIFO, the intake, and touches the pool
//! lock only to wake a parked worker. Workers move the intake into the priority queue under
//! the lock they already hold to pop, so priorities, the Low guard and the statistics still
//! live in one place.
//!
//! # The tally
//!
//! One atomic word that only submitters and parking workers change, always by
//! read-modify-writes (so every change sees the latest one):
//!
//! - bits 0..40, `pushed`: tasks ever accepted, modulo 2^40;
//! - bits 40..63, `idle`: mirror of `State::idle` (parked workers nobody has claimed);
//! - bit 63, `CLOSED`: shutdown began; no new reservation.
//!
//! Workers count the tasks they take out in `State::popped` (under the pool lock, modulo
//! 2^40), so `reserved = pushed - popped` is every task accepted and not yet taken: in the
//! priority queue, in the intake, or reserved by a submitter that has not pushed yet. Under
//! the lock that difference is exact, and the bounded capacity is checked against it there.
//! Workers also publish `popped` in `Shared::popped_hint` every few pops and before parking;
//! the hint only lags, so a fast-path check against it can only overestimate `reserved`
//! (then the locked path decides exactly). Splitting the counts keeps the worker's pops off
//! the line every submission writes: that line moving on every task was the cost this
//! design removes.
//!
//! # Protocol
//!
//! - Submit (fast path): compare-and-swap `pushed + 1` if not `CLOSED` and `pushed -
//!   popped_hint < capacity` (else the locked path decides: full, shut down); push the job;
//!   if the swapped word showed `idle > 0`, lock and wake one parked worker.
//! - Park: under the lock, with the queue and intake empty, add one to `idle` and look at the
//!   `pushed` this returns: if it differs from `popped`, a task is in flight, so do not
//!   sleep. Both are read-modify-writes of one word, so either the submitter's reservation
//!   came first (the worker sees it and stays up) or the parking came first (the submitter
//!   sees `idle > 0` and wakes it): no lost wake-up, and no fence argument needed.
//! - Pop: under the lock, move the intake into the queue, pop, count it in `popped`.
//! - Locked push (elastic pools, full queue, scope tickets): under the lock, move the intake
//!   into the queue first (FIFO), check `reserved` exactly, bump `pushed`, push.
//! - Close (both shutdowns): under the lock, set `CLOSED` and stop accepting, then move the
//!   intake into the queue until the queue holds all `reserved` tasks, yielding with the lock
//!   released between looks. After `CLOSED` nobody can reserve, so the wait ends once the
//!   submitters that reserved before have pushed (a push never waits for anything; pops
//!   lower both sides alike). Because the lock is released while waiting, a worker that
//!   finds intake closed and the queue empty exits only once nothing is reserved.
//!
//! The fast path runs only where no worker can retire (core == max), so a reserved task can
//! never be left in the intake with the pool's last worker gone.

use selvedge_locks::sync::atomic::{AtomicU64, Ordering};

use crate::job::Job;

/// One `idle` in the tally.
pub(crate) const IDLE: u64 = 1 << 40;
/// Shutdown began: no new reservations.
pub(crate) const CLOSED: u64 = 1 << 63;
/// The `pushed` bits; `popped` counts modulo the same 2^40.
pub(crate) const COUNT_MASK: u64 = IDLE - 1;
/// The `idle` bits.
const IDLE_MASK: u64 = !COUNT_MASK & !CLOSED;
/// Largest capacity the fast path serves (larger queues use the locked path).
pub(crate) const FAST_CAPACITY_MAX: usize = 1 << 38;

/// `pushed - popped` modulo 2^40: tasks accepted and not yet taken by a worker (exact when
/// `popped` is `State::popped` read under the lock; an overestimate with the hint).
pub(crate) fn reserved(word: u64, popped: u64) -> u64 {
    (word & COUNT_MASK).wrapping_sub(popped) & COUNT_MASK
}

/// `word` with `pushed` one higher (wrapping inside its bits, never carrying into `idle`).
fn bump_pushed(word: u64) -> u64 {
    (word & !COUNT_MASK) | ((word + 1) & COUNT_MASK)
}

/// Counts one task pushed on the locked path (no capacity check: the caller did it).
pub(crate) fn count_pushed(tally: &AtomicU64) {
    let mut cur = tally.load(Ordering::Relaxed);
    while let Err(actual) =
        tally.compare_exchange_weak(cur, bump_pushed(cur), Ordering::AcqRel, Ordering::Relaxed)
    {
        cur = actual;
    }
}

/// Parked workers nobody has claimed, from a tally word.
pub(crate) fn idle(word: u64) -> u64 {
    (word & IDLE_MASK) >> 40
}

/// Reserves one place for a fast-path push: `Some(word before)` on success, `None` when
/// closed or possibly at `capacity` (the caller takes the locked path, which checks
/// exactly). `popped_hint` lags the true count, so this never over-admits.
pub(crate) fn reserve(tally: &AtomicU64, popped_hint: u64, capacity: u64) -> Option<u64> {
    let mut cur = tally.load(Ordering::Relaxed);
    loop {
        if cur & CLOSED != 0 || reserved(cur, popped_hint) >= capacity {
            return None;
        }
        match tally.compare_exchange_weak(
            cur,
            bump_pushed(cur),
            Ordering::AcqRel,
            Ordering::Relaxed,
        ) {
            Ok(_) => return Some(cur),
            Err(actual) => cur = actual,
        }
    }
}

/// The lock-free FIFO of jobs submitted and not yet moved into the priority queue.
///
/// crossbeam's `SegQueue` normally (unbounded, so a push never fails or waits: the capacity
/// is the tally's to enforce); under `--cfg selvedge_loom` a facade mutex around a
/// `VecDeque`, so loom explores the protocol around it (the queue itself is crossbeam's to
/// prove). A bounded `ArrayQueue` ring was tried and measured slower: the submitter outruns
/// an empty-task worker, so the ring fills and submissions fall back to the lock.
pub(crate) struct Intake {
    #[cfg(not(selvedge_loom))]
    jobs: crossbeam_queue::SegQueue<Job>,
    #[cfg(selvedge_loom)]
    jobs: selvedge_locks::sync::Mutex<std::collections::VecDeque<Job>>,
}

impl Intake {
    pub(crate) fn new() -> Self {
        Self {
            #[cfg(not(selvedge_loom))]
            jobs: crossbeam_queue::SegQueue::new(),
            #[cfg(selvedge_loom)]
            jobs: selvedge_locks::sync::Mutex::new(std::collections::VecDeque::new()),
        }
    }

    pub(crate) fn push(&self, job: Job) {
        #[cfg(not(selvedge_loom))]
        self.jobs.push(job);
        #[cfg(selvedge_loom)]
        self.jobs.lock().push_back(job);
    }

    pub(crate) fn pop(&self) -> Option<Job> {
        #[cfg(not(selvedge_loom))]
        return self.jobs.pop();
        #[cfg(selvedge_loom)]
        return self.jobs.lock().pop_front();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fields_do_not_overlap() {
        let word = CLOSED | (3 * IDLE) | 5;
        assert_eq!(reserved(word, 2), 3);
        assert_eq!(idle(word), 3);
        // `pushed` wraps inside its bits; the difference survives the wrap.
        let wrapped = bump_pushed(CLOSED | IDLE | COUNT_MASK);
        assert_eq!(wrapped, CLOSED | IDLE);
        assert_eq!(reserved(wrapped, COUNT_MASK), 1);
    }

    /// A `SegQueue` block holds 31 slots of a job plus a state word: at 24 bytes a job keeps
    /// the block under 1 KiB, inside glibc's per-thread cache (a 48-byte job made every 31st
    /// submission pay for `malloc_consolidate`; see `docs/notes/pool-benchmarks.md`).
    #[test]
    #[cfg(target_pointer_width = "64")]
    fn job_is_three_words() {
        assert_eq!(std::mem::size_of::<Job>(), 24);
    }

    #[test]
    fn job_tag_round_trips() {
        use crate::Priority;
        struct Nothing;
        impl crate::job::Work for Nothing {
            fn claim(&self) -> bool {
                true
            }
            fn run(self: Box<Self>, _ctx: crate::job::RunCtx<'_>) {}
            fn expire(self: Box<Self>, _ctx: crate::job::RunCtx<'_>) {}
            fn deadline(&self) -> Option<std::time::Instant> {
                None
            }
        }
        for (i, priority) in Priority::ALL.into_iter().enumerate() {
            let counted = i % 2 == 0;
            let job = Job::new(u64::MAX - i as u64, priority, counted, Box::new(Nothing));
            assert_eq!(job.id(), (u64::MAX - i as u64) & ((1 << 61) - 1));
            assert_eq!(job.priority(), priority);
            assert_eq!(job.counted(), counted);
        }
    }

    #[test]
    fn reserve_stops_at_capacity_and_when_closed() {
        let tally = AtomicU64::new(IDLE);
        assert_eq!(reserve(&tally, 0, 2), Some(IDLE));
        assert_eq!(reserve(&tally, 0, 2), Some(IDLE + 1));
        assert_eq!(reserve(&tally, 0, 2), None);
        // One popped: room again.
        assert_eq!(reserve(&tally, 1, 2), Some(IDLE + 2));
        count_pushed(&tally);
        assert_eq!(reserved(tally.load(Ordering::Relaxed), 1), 3);
        tally.fetch_or(CLOSED, Ordering::Relaxed);
        assert_eq!(reserve(&tally, 4, 2), None);
    }
}
