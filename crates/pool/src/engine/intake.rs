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
//! indices they move into it in the ring's `Consumer` (its position `taken`; both under the
//! pool lock, modulo 2^40), so
//! `reserved = pushed - popped` is every task accepted and not yet taken: in the priority
//! queue, in the ring, or reserved by a submitter that has not written yet, and `pushed -
//! taken` is what the ring holds or has promised. Under the lock both are exact, and the
//! bounded capacity is checked there. Workers publish both counts in `Intake::hints` (every
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
//! # Unsafe: the safe boundary
//!
//! The ring's slots are this module's `unsafe` (a job written into a `MaybeUninit` by one
//! thread, read out by another), and nothing outside can touch them: the rest of the engine
//! sees only safe methods, and the protocol's invariants are types. A [`Reservation`] is the
//! only way to write a slot: made by [`Intake::reserve`] or [`Intake::reserve_locked`] after
//! the tally handed out its index once and the room was checked against this ring's own
//! consumer, it borrows the ring and is consumed by the write. A [`Consumer`] is the only
//! way to read one: [`Intake::new`] makes exactly one per ring, it lives under the pool lock
//! (`State`), every method that trusts it checks it belongs to this ring, and only it moves
//! or publishes the position writers check their room against (the hints' `taken` is
//! private here). So safe code elsewhere can stall the ring (reserve and never write) but
//! never read a slot twice, read it unwritten, or overwrite it unread.
//!
//! Models: `tests/loom/pool.rs` runs the pool over this ring (two slots under loom, so full
//! rings and wraps are reached); the ring's `unsafe` is checked under miri by the tests at
//! the end of this file.
#![allow(
    unsafe_code,
    reason = "the ring's slots, behind `Reservation` and `Consumer` (see the module doc)"
)]

use std::mem::MaybeUninit;

use crossbeam_utils::CachePadded;
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
    /// The consumer's position, published with release every quarter ring and at every
    /// close and park: a submitter that reads it with acquire may overwrite every slot below
    /// it. Private: only [`Intake::publish_taken`] stores it, from the ring's [`Consumer`].
    taken: AtomicU64,
}

/// Most slots a ring gets (32 bytes each, so at most 32 KiB per pool). A ring smaller than
/// the queue's capacity is fine: when it fills, the next submitter takes the pool lock,
/// moves the ring into the priority queue and goes on (see `Shared::enqueue`). Under loom
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
/// It also holds the tally and the hints, so a reservation can only be checked against
/// this ring's own consumer. A job's ring index is its tally reservation: the `pushed` count the submitter's
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
    /// Reserved tasks, idle workers and the flags in one word (see the module doc). Its
    /// `pushed` part also tells spinning workers, without the lock, that work arrived.
    pub(crate) tally: CachePadded<AtomicTally>,
    /// `State::popped` and the consumer's position as last published; fast-path submitters
    /// check the capacity and the ring's room against them.
    pub(crate) hints: CachePadded<Hints>,
    slots: Box<[RingSlot]>,
    /// The ring's length minus one (a power of two minus one).
    mask: u64,
}

// SAFETY: a slot's job is written only through the `Reservation` of its index, while the
// slot is free (no one else writes it, the consumer does not read it), and read only by the
// single `Consumer` after the acquire load of the sequence word that the writer's release
// store set; `Job` is `Send`. So sharing the ring moves jobs between threads, nothing more.
unsafe impl Sync for Intake {}

/// The ring's one consumer: its position (ring indices ever moved into the queue, modulo
/// 2^40) and the position it last published. [`Intake::new`] makes exactly one per ring; it
/// lives in `State`, so whoever holds the pool lock is the consumer.
#[derive(Debug)]
pub(crate) struct Consumer {
    taken: u64,
    published: u64,
    /// Which ring this consumer belongs to (its slots' address), checked by every method
    /// that trusts the consumer, so one ring's consumer can never read another ring.
    ring: usize,
}

/// The right to write one ring slot once: an index reserved in the tally, checked against
/// the consumer's position (so the slot has been read since its last lap). Only
/// [`Intake::reserve`] and [`Intake::reserve_locked`] make one.
#[must_use = "a reservation not written stalls the consumer at its index"]
pub(crate) struct Reservation<'a> {
    ring: &'a Intake,
    /// The tally as the reservation's compare-and-swap found it.
    before: Tally,
}

impl Reservation<'_> {
    /// The tally word before the reservation: its `pushed` is the reserved index, its `idle`
    /// the parked workers the submitter may have to wake.
    #[inline]
    pub(crate) fn before(&self) -> Tally {
        self.before
    }

    /// Places `job` at the reserved index and publishes it to the consumer.
    #[inline]
    pub(crate) fn write(self, job: Job) {
        let index = self.before.pushed();
        let slot = self.ring.slot(index);
        // A locked push may skip a slot (see `write_or_take`), so an earlier lap's sequence
        // word can be any older one; it can never be this index's already.
        debug_assert_ne!(
            slot.seq.load(Ordering::Relaxed),
            (index + 1) & COUNT_MASK,
            "ring index {index} written twice"
        );
        // SAFETY: the slot is free for `index`: the reservation is this index's only one (the
        // tally's compare-and-swap handed it out once), and it was made only after the
        // consumer had taken index `index - len` (checked against the consumer's exact
        // position, or its position published with release and read with acquire). The
        // consumer reads it only after the store below.
        slot.job
            .with_mut(|p| unsafe { p.write(MaybeUninit::new(job)) });
        slot.seq.store((index + 1) & COUNT_MASK, Ordering::Release);
    }

    /// Made under the pool lock: if nothing is reserved ahead of this index (the consumer's
    /// next index is this one), the consumer moves past it and `job` comes back for the
    /// caller to queue directly; else it is written to the ring. Scope tickets take the
    /// direct path many times per scope; a trip through the ring cost them ~10%.
    pub(crate) fn write_or_take(self, consumer: &mut Consumer, job: Job) -> Option<Job> {
        self.ring.check(consumer);
        let index = self.before.pushed();
        if index == consumer.taken {
            consumer.taken = (index + 1) & COUNT_MASK;
            Some(job)
        } else {
            self.write(job);
            None
        }
    }
}

impl Intake {
    /// A ring for a queue of `capacity`: the next power of two, at least 2, at most
    /// [`RING_MAX`], with the tally starting at `tally`; and its one consumer.
    pub(crate) fn new(capacity: usize, tally: Tally) -> (Self, Consumer) {
        let len = capacity.clamp(2, RING_MAX).next_power_of_two();
        let slots: Box<[RingSlot]> = (0..len as u64)
            .map(|k| RingSlot {
                seq: AtomicU64::new((k + 1).wrapping_sub(len as u64) & COUNT_MASK),
                job: UnsafeCell::new(MaybeUninit::uninit()),
            })
            .collect();
        let consumer = Consumer {
            taken: tally.pushed(),
            published: tally.pushed(),
            ring: slots.as_ptr() as usize,
        };
        let hints = Hints::default();
        hints.taken.store(tally.pushed(), Ordering::Relaxed);
        hints.popped.store(tally.pushed(), Ordering::Relaxed);
        let intake = Self {
            tally: CachePadded::new(AtomicTally::new(tally)),
            hints: CachePadded::new(hints),
            slots,
            mask: len as u64 - 1,
        };
        (intake, consumer)
    }

    /// The number of slots.
    pub(crate) fn len(&self) -> u64 {
        self.mask + 1
    }

    fn slot(&self, index: u64) -> &RingSlot {
        &self.slots[(index & self.mask) as usize]
    }

    /// Panics unless `consumer` is this ring's: the one check that keeps a mix-up of two
    /// pools' states from reading a slot twice.
    #[inline]
    fn check(&self, consumer: &Consumer) {
        assert_eq!(
            consumer.ring,
            self.slots.as_ptr() as usize,
            "another ring's consumer"
        );
    }

    /// Reserves one place for a fast-path push; `None` when closed, elastic, possibly at
    /// `capacity`, or possibly out of ring slots (the caller takes the locked path, which
    /// checks exactly).
    #[inline]
    pub(crate) fn reserve(&self, capacity: u64) -> Option<Reservation<'_>> {
        // The flags first, so an elastic pool's submission reads no hint line (workers write
        // them) before it takes the locked path anyway. Hints read after the tally can only be
        // newer than it, which makes the checks below refuse sooner, never admit more: the
        // swap succeeds only while `pushed` is still the one checked.
        let cur = self.tally.load(Ordering::Relaxed);
        if cur.refuses_fast_path() {
            return None;
        }
        let popped = self.hints.popped.load(Ordering::Relaxed);
        let taken = self.hints.taken.load(Ordering::Acquire);
        let ring = self.len();
        self.tally
            .bump_pushed_if(cur, |cur| {
                !cur.refuses_fast_path()
                    && cur.reserved(popped) < capacity
                    && cur.reserved(taken) < ring
            })
            .map(|before| Reservation { ring: self, before })
    }

    /// Reserves a ring index on the locked path, where the consumer's position is exact:
    /// `None` while the ring is full of reservations not yet written (their submitters never
    /// wait for anything, so the caller yields and tries again). No capacity check: the
    /// caller made it.
    pub(crate) fn reserve_locked(&self, consumer: &Consumer) -> Option<Reservation<'_>> {
        self.check(consumer);
        let ring = self.len();
        self.tally
            .bump_pushed_if(self.tally.load(Ordering::Relaxed), |cur| {
                cur.reserved(consumer.taken) < ring
            })
            .map(|before| Reservation { ring: self, before })
    }

    /// Takes the job at the consumer's position if it has been written, and advances it.
    #[inline]
    pub(crate) fn pop(&self, consumer: &mut Consumer) -> Option<Job> {
        self.check(consumer);
        let index = consumer.taken;
        let slot = self.slot(index);
        if slot.seq.load(Ordering::Acquire) != (index + 1) & COUNT_MASK {
            return None;
        }
        // SAFETY: the acquire load saw the writer's release store, so the job is written and
        // visible; `consumer` is this ring's only one (`check`, and `&mut`), so no one else
        // reads it, and no writer touches the slot again until the consumer's position passes
        // this index and is published (`publish_taken`, release). The slot keeps the bytes,
        // now moved out: the sequence word, not the bytes, says whether it holds a job.
        let job = slot.job.with(|p| unsafe { p.read().assume_init() });
        consumer.taken = (index + 1) & COUNT_MASK;
        Some(job)
    }

    /// Ring indices the consumer took since it last published its position.
    pub(crate) fn unpublished(&self, consumer: &Consumer) -> u64 {
        consumer.taken.wrapping_sub(consumer.published) & COUNT_MASK
    }

    /// Tells fast-path submitters the consumer's exact position (release: the slots below it
    /// are read).
    pub(crate) fn publish_taken(&self, consumer: &mut Consumer) {
        self.check(consumer);
        if consumer.taken != consumer.published {
            consumer.published = consumer.taken;
            self.hints.taken.store(consumer.taken, Ordering::Release);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

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

    fn job(id: u64) -> Job {
        Job::new(id, crate::Priority::Normal, true, Nothing)
    }

    /// Sets the published hints, as a worker would.
    fn publish(ring: &Intake, popped: u64, taken: u64) {
        ring.hints.popped.store(popped, Ordering::Relaxed);
        ring.hints.taken.store(taken, Ordering::Release);
    }

    /// Drains the ring, as the pool lock's holder does: the ids, in ring order.
    fn drain(ring: &Intake, consumer: &mut Consumer) -> Vec<u64> {
        std::iter::from_fn(|| ring.pop(consumer).map(|j| j.id())).collect()
    }

    #[test]
    fn locked_only_refuses_fast_reservations() {
        let (ring, mut consumer) = Intake::new(8, Tally::ZERO.with_locked_only(true));
        assert!(ring.reserve(8).is_none());
        ring.tally.set_locked_only(false);
        let fast = ring.reserve(8).expect("a fixed-size pool reserves");
        assert_eq!(fast.before(), Tally::ZERO);
        fast.write(job(0));
        // The locked path ignores the bit and keeps it.
        ring.tally.set_locked_only(true);
        let locked = ring.reserve_locked(&consumer).expect("room in the ring");
        assert_eq!(locked.before().pushed(), 1);
        locked.write(job(1));
        assert_eq!(
            ring.tally.load(Ordering::Relaxed),
            Tally::ZERO.with_locked_only(true).with_pushed(2)
        );
        assert_eq!(drain(&ring, &mut consumer), [0, 1]);
    }

    #[test]
    fn reserve_stops_at_capacity_and_when_closed() {
        let one_idle = Tally::ZERO.with_idle(1);
        let (ring, mut consumer) = Intake::new(8, one_idle);
        let reserve = |capacity| ring.reserve(capacity).map(|r| r.before());
        assert_eq!(reserve(2), Some(one_idle.with_pushed(0)));
        assert_eq!(reserve(2), Some(one_idle.with_pushed(1)));
        assert_eq!(reserve(2), None);
        // One popped: room again.
        publish(&ring, 1, 0);
        assert_eq!(reserve(2), Some(one_idle.with_pushed(2)));
        ring.tally.close();
        publish(&ring, 3, 0);
        assert_eq!(reserve(2), None);
        // The reservations above were never written: the consumer stops at the first.
        assert!(ring.pop(&mut consumer).is_none());
    }

    #[test]
    fn reserve_stops_at_the_ring_room_published() {
        let (ring, mut consumer) = Intake::new(2, Tally::ZERO);
        let mut written = 0;
        let mut write = || {
            ring.reserve(u64::MAX).map(|r| {
                r.write(job(written));
                written += 1;
            })
        };
        assert!(write().is_some() && write().is_some());
        // Capacity left, but the ring (2 slots) holds two jobs not yet taken.
        assert!(write().is_none());
        assert_eq!(ring.pop(&mut consumer).map(|j| j.id()), Some(0));
        // Taken, but not yet published: still refused.
        assert!(write().is_none());
        ring.publish_taken(&mut consumer);
        assert!(write().is_some());
        assert_eq!(drain(&ring, &mut consumer), [1, 2]);
    }

    #[test]
    fn reserve_locked_checks_the_ring_only() {
        let (ring, mut consumer) = Intake::new(2, Tally::ZERO);
        for id in 0..2 {
            let reservation = ring.reserve_locked(&consumer).expect("room in the ring");
            assert_eq!(reservation.before().pushed(), id);
            reservation.write(job(id));
        }
        assert!(ring.reserve_locked(&consumer).is_none());
        assert_eq!(ring.pop(&mut consumer).map(|j| j.id()), Some(0));
        // The exact position counts, published or not.
        let third = ring.reserve_locked(&consumer).expect("one slot read");
        assert_eq!(third.before().pushed(), 2);
        third.write(job(2));
        assert_eq!(drain(&ring, &mut consumer), [1, 2]);
    }

    /// A reservation at the consumer's position is taken directly; one behind another
    /// reservation goes through the ring, after it.
    #[test]
    fn write_or_take_skips_the_slot_only_at_the_consumer() {
        let (ring, mut consumer) = Intake::new(4, Tally::ZERO);
        let first = ring.reserve_locked(&consumer).unwrap();
        let direct = first.write_or_take(&mut consumer, job(0));
        assert_eq!(direct.map(|j| j.id()), Some(0));
        let ahead = ring.reserve(u64::MAX).unwrap();
        let behind = ring.reserve_locked(&consumer).unwrap();
        assert!(behind.write_or_take(&mut consumer, job(2)).is_none());
        assert!(ring.pop(&mut consumer).is_none(), "index 1 not written yet");
        ahead.write(job(1));
        assert_eq!(drain(&ring, &mut consumer), [1, 2]);
    }

    #[test]
    #[should_panic(expected = "another ring's consumer")]
    fn a_consumer_reads_only_its_own_ring() {
        let (ring, _mine) = Intake::new(2, Tally::ZERO);
        let (_other, mut theirs) = Intake::new(2, Tally::ZERO);
        let _ = ring.pop(&mut theirs);
    }

    /// Writes and pops through several laps of a two-slot ring, out of order writes
    /// included: the consumer stops at the first index not yet written.
    #[test]
    fn ring_keeps_index_order_and_stops_at_a_gap() {
        let (ring, mut consumer) = Intake::new(1, Tally::ZERO);
        assert_eq!(ring.len(), 2);
        assert!(ring.pop(&mut consumer).is_none());
        for lap in 0..3 {
            let base = lap * 2;
            let first = ring.reserve_locked(&consumer).unwrap();
            let second = ring.reserve_locked(&consumer).unwrap();
            assert_eq!(first.before().pushed(), base);
            second.write(job(base + 1));
            assert!(
                ring.pop(&mut consumer).is_none(),
                "index {base} not written yet"
            );
            first.write(job(base));
            assert_eq!(drain(&ring, &mut consumer), [base, base + 1]);
        }
        assert_eq!(consumer.taken, 6);
    }

    /// Ring indices wrap with the tally's `pushed` count at 2^40.
    #[test]
    fn ring_wraps_with_the_count() {
        let (ring, mut consumer) = Intake::new(4, Tally::ZERO.with_pushed(COUNT_MASK - 1));
        // Pretend the ring already went round up to there: fast-forward each slot's lap.
        for k in 0..4u64 {
            let index = (COUNT_MASK - 1 + k) & COUNT_MASK;
            ring.slot(index)
                .seq
                .store((index + 1).wrapping_sub(4) & COUNT_MASK, Ordering::Relaxed);
        }
        for k in 0..4u64 {
            ring.reserve_locked(&consumer).unwrap().write(job(k));
        }
        assert_eq!(drain(&ring, &mut consumer), [0, 1, 2, 3]);
        assert_eq!(consumer.taken, 2);
    }

    /// Two submitters race through a four-slot ring against a consumer that, like a worker,
    /// takes under a lock and publishes its position: every job arrives once, each
    /// submitter's in its order, and (under miri, with its weak-memory emulation) no slot is
    /// read before its write or written before its previous read.
    #[test]
    fn racing_submitters_and_a_consumer_lose_nothing() {
        use std::sync::Mutex;
        const PER: u64 = if cfg!(miri) { 12 } else { 2_000 };
        let (ring, consumer) = Intake::new(4, Tally::ZERO);
        let consumer = Mutex::new((consumer, Vec::new()));
        // Drains what is written; `true` once every job has arrived.
        let take = || {
            let mut guard = consumer.lock().unwrap();
            let (consumer, got) = &mut *guard;
            while let Some(job) = ring.pop(consumer) {
                got.push(job.id());
            }
            ring.publish_taken(consumer);
            ring.hints.popped.store(consumer.taken, Ordering::Relaxed);
            consumer.taken == 2 * PER
        };
        std::thread::scope(|s| {
            for who in 0..2u64 {
                let (ring, take) = (&ring, &take);
                s.spawn(move || {
                    for n in 0..PER {
                        let reservation = loop {
                            match ring.reserve(u64::MAX) {
                                Some(reservation) => break reservation,
                                None => {
                                    take();
                                }
                            }
                        };
                        reservation.write(job(who << 32 | n));
                    }
                });
            }
            s.spawn(|| {
                while !take() {
                    std::thread::yield_now();
                }
            });
        });
        let (consumer, got) = consumer.into_inner().unwrap();
        assert_eq!(consumer.taken, 2 * PER);
        for who in 0..2u64 {
            let mine: Vec<u64> = got.iter().copied().filter(|id| id >> 32 == who).collect();
            assert_eq!(mine, (0..PER).map(|n| who << 32 | n).collect::<Vec<_>>());
        }
    }
}
