//! The intake ring and the tally: how a submission reaches a fixed-size pool without taking
//! the pool lock.
//!
//! # Why
//!
//! With one lock around the priority queue, every submission and every pop moved the lock's
//! cache line between the submitting core and the worker's core (75-80% of both sides' time,
//! see `docs/notes/pool-benchmarks.md`). Now a submitter to a fixed-size pool (core ==
//! max threads, the default) writes its job into a ring, the intake, and touches the pool
//! lock only to wake a parked worker. Workers move the ring into the priority queue under
//! the lock they already hold to pop, so priorities, the Low guard and the statistics still
//! live in one place.
//!
//! # The tally
//!
//! One atomic word ([`AtomicTally`], its layout in `tally.rs`) that only submitters and
//! parking workers change, always by read-modify-writes (so every change sees the latest
//! one):
//!
//! - bits 0..40, `pushed`: tasks ever accepted, modulo 2^40; the value a submitter's
//!   reservation bumps is also its job's ring index, so the reservation is the submitter's
//!   only read-modify-write on the pool (task ids come from `task_id.rs`);
//! - bits 40..62, `idle`: mirror of `State::idle` (parked workers nobody has claimed);
//! - bit 62, `LOCKED_ONLY`: the pool is elastic (core < max threads) right now, so every
//!   submission takes the locked path, which can start workers (see
//!   [`ThreadPool::set_max_threads`](crate::ThreadPool::set_max_threads));
//! - bit 63, `CLOSED`: shutdown began; no new reservation.
//!
//! Workers count the tasks they take out of the queue in `State::popped` and the ring
//! indices they move into it in `State::taken` (under the pool lock, modulo 2^40), so
//! `reserved = pushed - popped` is every task accepted and not yet taken: in the priority
//! queue, in the ring, or reserved by a submitter that has not written yet, and `pushed -
//! taken` is what the ring holds or has promised. Under the lock both are exact, and the
//! bounded capacity is checked there. Workers publish both counts in `Shared::hints` (every
//! few pops, every quarter ring, before parking); hints only lag, so a fast-path check
//! against them can only overestimate (then the locked path decides exactly). Keeping the
//! workers' counts off the tally keeps the worker's pops off the line every submission
//! writes.
//!
//! # Protocol
//!
//! - Submit (fast path): compare-and-swap `pushed + 1` if neither `CLOSED` nor
//!   `LOCKED_ONLY` is set, `pushed - popped < capacity` and `pushed - taken < ring length` (hints; else the locked path decides:
//!   full, shut down, ring full); write the job at ring index `pushed` and publish it with a
//!   release store of the slot's sequence word; if the swapped word showed `idle > 0`, lock
//!   and wake one parked worker.
//! - Park: under the lock, with the queue and ring empty, add one to `idle` and look at the
//!   `pushed` this returns: if it differs from `popped`, a task is in flight, so do not
//!   sleep. Both are read-modify-writes of one word, so either the submitter's reservation
//!   came first (the worker sees it and stays up) or the parking came first (the submitter
//!   sees `idle > 0` and wakes it): no lost wake-up, and no fence argument needed.
//! - Pop: under the lock, move the ring into the queue (in index order, up to the first
//!   slot not yet written), pop, count it in `popped`.
//! - Locked push (elastic pools, full queue, scope tickets, full ring): under the lock, move
//!   the ring into the queue first (FIFO), check `reserved` exactly, reserve a ring index
//!   against the exact `taken` (if the ring is full of reservations still being written,
//!   yield with the lock released and look again), write the job there and move it into the
//!   queue at once.
//! - Close (both shutdowns): under the lock, set `CLOSED` and stop accepting, then move the
//!   ring into the queue until the queue holds all `reserved` tasks, yielding with the lock
//!   released between looks. After `CLOSED` nobody can reserve, so the wait ends once the
//!   submitters that reserved before have written (a write never waits for anything; pops
//!   lower both sides alike). Because the lock is released while waiting, a worker that
//!   finds intake closed and the queue empty exits only once nothing is reserved.
//!
//! The fast path runs only where the pool is fixed-size (core == max), so it never has to
//! start a worker, and at least `core >= 1` workers never retire: a worker retires only
//! while more than `core` are alive, so a reserved task can never be left in the ring with
//! the pool's last worker gone. Surplus workers of a pool whose maximum was lowered by
//! `set_max_threads` may retire while a reservation is in flight; the `core` that stay
//! follow the protocol above, so one of them takes it. A submitter that passed the
//! `LOCKED_ONLY` check just before `set_max_threads` set it queues without starting a
//! worker; the core workers run its task (growth waits for the next locked submission).
//!
//! Models: `tests/loom/pool.rs` runs the pool over this ring (two slots under loom, so full
//! rings and wraps are reached); the ring's `unsafe` is checked under miri by the tests at
//! the end of this file.

use std::mem::MaybeUninit;

use selvedge_locks::sync::MODEL;
use selvedge_locks::sync::atomic::{AtomicU64, Ordering};
use selvedge_locks::sync::cell::UnsafeCell;

use super::job::Job;
use super::tally::{AtomicTally, COUNT_MASK, Tally};

/// Largest capacity the fast path serves (larger queues use the locked path).
pub(crate) const FAST_CAPACITY_MAX: usize = 1 << 38;

/// What the consumer last told submitters, on one cache line. Both only lag the counts
/// under the lock, so checks against them can only refuse too early (then the locked path
/// decides exactly), never admit too much.
#[derive(Default)]
pub(crate) struct Hints {
    /// `State::popped`, published every `POPPED_HINT_EVERY` pops and before a worker parks.
    pub(crate) popped: AtomicU64,
    /// `State::taken` (the ring's consumer position), published with release every quarter
    /// ring and at every close and park: a submitter that reads it with acquire may
    /// overwrite every slot below it.
    pub(crate) taken: AtomicU64,
}

/// Reserves one place for a fast-path push: `Some(word before)` on success, whose `pushed`
/// is the job's ring index; `None` when closed, elastic, possibly at `capacity`, or possibly out of
/// ring slots (the caller takes the locked path, which checks exactly).
#[inline]
pub(crate) fn reserve(
    tally: &AtomicTally,
    hints: &Hints,
    capacity: u64,
    ring: u64,
) -> Option<Tally> {
    // The flags first, so an elastic pool's submission reads no hint line (workers write
    // them) before it takes the locked path anyway. Hints read after the tally can only be
    // newer than it, which makes the checks below refuse sooner, never admit more: the
    // swap succeeds only while `pushed` is still the one checked.
    let cur = tally.load(Ordering::Relaxed);
    if cur.refuses_fast_path() {
        return None;
    }
    let popped = hints.popped.load(Ordering::Relaxed);
    let taken = hints.taken.load(Ordering::Acquire);
    tally.bump_pushed_if(cur, |cur| {
        !cur.refuses_fast_path() && cur.reserved(popped) < capacity && cur.reserved(taken) < ring
    })
}

/// Reserves a ring index on the locked path, where `taken` is exact: `None` while the ring
/// is full of reservations not yet written (their submitters never wait for anything, so
/// the caller yields and tries again). No capacity check: the caller made it.
pub(crate) fn reserve_locked(tally: &AtomicTally, taken: u64, ring: u64) -> Option<u64> {
    tally
        .bump_pushed_if(tally.load(Ordering::Relaxed), |cur| {
            cur.reserved(taken) < ring
        })
        .map(Tally::pushed)
}

/// Most slots a ring gets (32 bytes each, so at most 32 KiB per pool). A ring smaller than
/// the queue's capacity is fine: when it fills, the next submitter takes the pool lock,
/// moves the ring into the priority queue and goes on (see `ThreadPool::enqueue`). Under loom
/// two slots, so the models reach a full ring and a wrap.
const RING_MAX: usize = if MODEL { 2 } else { 1024 };

/// One place in the ring: a job and the sequence word that says whose it is.
///
/// `repr(align(32))`: two slots per cache line, never one across two lines.
#[repr(align(32))]
struct RingSlot {
    /// `i + 1` (modulo 2^40) once the job with ring index `i` is written. The consumer,
    /// which knows the index it expects next, tells a new job from the previous lap's by
    /// this alone, so it never writes the slot (a write there per task would pull the line
    /// back from the submitter). Starts at "lap -1": `k + 1 - len` for slot `k`.
    seq: AtomicU64,
    job: UnsafeCell<MaybeUninit<Job>>,
}

/// The ring of jobs submitted and not yet moved into the priority queue: many submitters,
/// one consumer at a time (whoever holds the pool lock).
///
/// A job's ring index is its tally reservation: the `pushed` count the submitter's
/// compare-and-swap bumped (see the module docs), so placing a job costs no atomic beyond
/// the reservation. The submitter then writes the job and publishes it with one release store
/// of the slot's sequence word; the consumer reads sequence words in index order and stops at
/// the first slot not yet written. Neither side writes a line the other uses per task except
/// the slot itself, and the ring is allocated once, so a submission allocates nothing here.
///
/// Why not crossbeam's `SegQueue` (used before): it allocates a block per 31 jobs on the
/// submitter and frees it on the worker (glibc's arena lock showed up on both sides), and a
/// pop there is a compare-and-swap plus a read-modify-write on the slot, where ours, with a
/// single consumer, needs neither (`docs/notes/pool-benchmarks.md`).
pub(crate) struct Intake {
    slots: Box<[RingSlot]>,
    /// The ring's length minus one (a power of two minus one).
    mask: u64,
}

// SAFETY: a slot's job is written only by the submitter that reserved its index, while the
// slot is free (no one else writes it, the consumer does not read it), and read only by the
// single consumer after the acquire load of the sequence word that the writer's release
// store set; `Job` is `Send`. So sharing the ring moves jobs between threads, nothing more.
#[allow(unsafe_code)]
unsafe impl Sync for Intake {}

impl Intake {
    /// A ring for a queue of `capacity`: the next power of two, at least 2, at most
    /// [`RING_MAX`].
    pub(crate) fn new(capacity: usize) -> Self {
        let len = capacity.clamp(2, RING_MAX).next_power_of_two();
        let slots = (0..len as u64)
            .map(|k| RingSlot {
                seq: AtomicU64::new((k + 1).wrapping_sub(len as u64) & COUNT_MASK),
                job: UnsafeCell::new(MaybeUninit::uninit()),
            })
            .collect();
        Self {
            slots,
            mask: len as u64 - 1,
        }
    }

    /// The number of slots.
    pub(crate) fn len(&self) -> u64 {
        self.mask + 1
    }

    fn slot(&self, index: u64) -> &RingSlot {
        &self.slots[(index & self.mask) as usize]
    }

    /// Places `job` at ring index `index` and publishes it to the consumer.
    ///
    /// # Safety
    ///
    /// `index` is the caller's own reservation (no one else writes it), and the ring had room
    /// for it: the consumer has taken index `index - len()`, as the caller saw in a `taken`
    /// count read under the pool lock or with acquire from `Shared::hints`.
    #[allow(unsafe_code)]
    pub(crate) unsafe fn write(&self, index: u64, job: Job) {
        let slot = self.slot(index);
        // A locked push may skip a slot (see `ThreadPool::enqueue`), so an earlier lap's
        // sequence word can be any older one; it can never be this index's already.
        debug_assert_ne!(
            slot.seq.load(Ordering::Relaxed),
            (index + 1) & COUNT_MASK,
            "ring index {index} written twice"
        );
        // SAFETY: the slot is free for `index` (caller's contract), and only the holder of a
        // reservation writes a free slot; the consumer reads it only after the store below.
        slot.job
            .with_mut(|p| unsafe { p.write(MaybeUninit::new(job)) });
        slot.seq.store((index + 1) & COUNT_MASK, Ordering::Release);
    }

    /// Takes the job at `*head` if it has been written, and advances `*head`.
    ///
    /// # Safety
    ///
    /// The caller is the ring's only consumer (it holds the pool lock) and `head` is the
    /// consumer's position, `State::taken`.
    #[allow(unsafe_code)]
    pub(crate) unsafe fn pop(&self, head: &mut u64) -> Option<Job> {
        let index = *head;
        let slot = self.slot(index);
        if slot.seq.load(Ordering::Acquire) != (index + 1) & COUNT_MASK {
            return None;
        }
        // SAFETY: the acquire load saw the writer's release store, so the job is written and
        // visible; we are the only consumer, so no one else reads it, and no writer touches
        // the slot again until `taken` passes this index (the caller publishes it afterwards).
        // The slot keeps the bytes, now moved out: the sequence word, not the bytes, says
        // whether it holds a job.
        let job = slot.job.with(|p| unsafe { p.read().assume_init() });
        *head = (index + 1) & COUNT_MASK;
        Some(job)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn locked_only_refuses_fast_reservations() {
        let tally = AtomicTally::new(Tally::ZERO.with_locked_only(true));
        let hints = Hints::default();
        assert_eq!(reserve(&tally, &hints, 8, 8), None);
        tally.set_locked_only(false);
        assert_eq!(reserve(&tally, &hints, 8, 8), Some(Tally::ZERO));
        // The locked path ignores the bit and keeps it.
        tally.set_locked_only(true);
        assert_eq!(reserve_locked(&tally, 0, 8), Some(1));
        assert_eq!(
            tally.load(Ordering::Relaxed),
            Tally::ZERO.with_locked_only(true).with_pushed(2)
        );
    }

    /// A job is three words, so a ring slot (job + sequence word) is 32 bytes: two per cache
    /// line, and every slot inside one line.
    #[test]
    #[cfg(target_pointer_width = "64")]
    fn job_is_three_words_and_a_slot_half_a_line() {
        assert_eq!(std::mem::size_of::<Job>(), 24);
        assert_eq!(std::mem::size_of::<RingSlot>(), 32);
    }

    /// A work that does nothing: the jobs these tests move around.
    struct Nothing;

    impl crate::engine::job::Work for Nothing {
        fn claim(&self) -> bool {
            true
        }
        fn run(self, _ctx: crate::engine::job::RunCtx<'_>) {}
        fn expire(self, _ctx: crate::engine::job::RunCtx<'_>) {}
        fn deadline(&self) -> Option<std::time::Instant> {
            None
        }
    }

    #[test]
    fn job_tag_round_trips() {
        use crate::Priority;
        for (i, priority) in Priority::ALL.into_iter().enumerate() {
            let counted = i % 2 == 0;
            let job = Job::new(u64::MAX - i as u64, priority, counted, Nothing);
            assert_eq!(job.id(), (u64::MAX - i as u64) & ((1 << 61) - 1));
            assert_eq!(job.priority(), priority);
            assert_eq!(job.counted(), counted);
        }
    }

    fn hints(popped: u64, taken: u64) -> Hints {
        Hints {
            popped: AtomicU64::new(popped),
            taken: AtomicU64::new(taken),
        }
    }

    #[test]
    fn reserve_stops_at_capacity_ring_and_when_closed() {
        let one_idle = Tally::ZERO.with_idle(1);
        let tally = AtomicTally::new(one_idle);
        let at = |pushed| Some(one_idle.with_pushed(pushed));
        assert_eq!(reserve(&tally, &hints(0, 0), 2, 8), at(0));
        assert_eq!(reserve(&tally, &hints(0, 0), 2, 8), at(1));
        assert_eq!(reserve(&tally, &hints(0, 0), 2, 8), None);
        // One popped: room again.
        assert_eq!(reserve(&tally, &hints(1, 1), 2, 8), at(2));
        // Capacity left, but the ring (2 slots) holds two jobs not yet taken.
        assert_eq!(reserve(&tally, &hints(1, 1), 8, 2), None);
        assert_eq!(reserve(&tally, &hints(1, 2), 8, 2), at(3));
        tally.close();
        assert_eq!(reserve(&tally, &hints(4, 4), 2, 8), None);
    }

    #[test]
    fn reserve_locked_checks_the_ring_only() {
        let tally = AtomicTally::new(Tally::ZERO);
        assert_eq!(reserve_locked(&tally, 0, 2), Some(0));
        assert_eq!(reserve_locked(&tally, 0, 2), Some(1));
        assert_eq!(reserve_locked(&tally, 0, 2), None);
        assert_eq!(reserve_locked(&tally, 1, 2), Some(2));
    }

    fn job(id: u64) -> Job {
        Job::new(id, crate::Priority::Normal, true, Nothing)
    }

    /// Writes and pops through several laps of a two-slot ring, out of order writes
    /// included: the consumer stops at the first index not yet written.
    #[test]
    #[allow(unsafe_code)]
    fn ring_keeps_index_order_and_stops_at_a_gap() {
        let ring = Intake::new(1);
        assert_eq!(ring.len(), 2);
        let mut head = 0;
        // SAFETY: single-threaded; every index is written once, with the ring's room.
        unsafe {
            assert!(ring.pop(&mut head).is_none());
            for lap in 0..3 {
                let base = lap * 2;
                ring.write(base + 1, job(base + 1));
                assert!(
                    ring.pop(&mut head).is_none(),
                    "index {base} not written yet"
                );
                ring.write(base, job(base));
                assert_eq!(ring.pop(&mut head).map(|j| j.id()), Some(base));
                assert_eq!(ring.pop(&mut head).map(|j| j.id()), Some(base + 1));
                assert!(ring.pop(&mut head).is_none());
            }
        }
        assert_eq!(head, 6);
    }

    /// Ring indices wrap with the tally's `pushed` count at 2^40.
    #[test]
    #[allow(unsafe_code)]
    fn ring_wraps_with_the_count() {
        let ring = Intake::new(4);
        let mut head = COUNT_MASK - 1;
        // Pretend the ring already went round up to `head`: fast-forward each slot's lap.
        for k in 0..4u64 {
            let index = (COUNT_MASK - 1 + k) & COUNT_MASK;
            let slot = ring.slot(index);
            slot.seq
                .store((index + 1).wrapping_sub(4) & COUNT_MASK, Ordering::Relaxed);
        }
        // SAFETY: single-threaded; each index written once, within the ring's room.
        unsafe {
            for k in 0..4u64 {
                ring.write((COUNT_MASK - 1 + k) & COUNT_MASK, job(k));
            }
            let ids: Vec<u64> =
                std::iter::from_fn(|| ring.pop(&mut head).map(|j| j.id())).collect();
            assert_eq!(ids, [0, 1, 2, 3]);
        }
        assert_eq!(head, 2);
    }

    /// Two submitters race through a four-slot ring against a consumer that, like a worker,
    /// takes under a lock and publishes `taken` every quarter ring: every job arrives once,
    /// each submitter's in its order, and (under miri, with its weak-memory emulation) no
    /// slot is read before its write or written before its previous read.
    #[test]
    #[allow(unsafe_code)]
    fn racing_submitters_and_a_consumer_lose_nothing() {
        use std::sync::Mutex;
        const PER: u64 = if cfg!(miri) { 12 } else { 2_000 };
        let ring = Intake::new(4);
        let tally = AtomicTally::new(Tally::ZERO);
        let hints = Hints::default();
        let consumer = Mutex::new((0u64, Vec::new()));
        // Drains what is written; `true` once every job has arrived.
        let take = || {
            let mut guard = consumer.lock().unwrap();
            let (head, got) = &mut *guard;
            // SAFETY: the mutex makes us the only consumer; `head` is its position.
            while let Some(job) = unsafe { ring.pop(head) } {
                got.push(job.id());
            }
            hints.taken.store(*head, Ordering::Release);
            hints.popped.store(*head, Ordering::Relaxed);
            *head == 2 * PER
        };
        std::thread::scope(|s| {
            for who in 0..2u64 {
                let (ring, tally, hints, take) = (&ring, &tally, &hints, &take);
                s.spawn(move || {
                    for n in 0..PER {
                        let before = loop {
                            match reserve(tally, hints, u64::MAX, ring.len()) {
                                Some(before) => break before,
                                None => {
                                    take();
                                }
                            }
                        };
                        // SAFETY: `reserve` gave us the index and checked the ring's room
                        // against `taken`, read with acquire.
                        unsafe { ring.write(before.pushed(), job(who << 32 | n)) };
                    }
                });
            }
            s.spawn(|| {
                while !take() {
                    std::thread::yield_now();
                }
            });
        });
        let (head, got) = consumer.into_inner().unwrap();
        assert_eq!(head, 2 * PER);
        for who in 0..2u64 {
            let mine: Vec<u64> = got.iter().copied().filter(|id| id >> 32 == who).collect();
            assert_eq!(mine, (0..PER).map(|n| who << 32 | n).collect::<Vec<_>>());
        }
    }
}
