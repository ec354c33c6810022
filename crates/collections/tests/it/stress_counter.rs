//! Stress tests of `Counter` and `StripedCounter` on real threads: no increment is lost, and
//! compare-and-swap loops are linearizable.

use selvedge_collections::{Counter, StripedCounter};
use selvedge_testkit::{IncrementLedger, stress};

const THREADS: usize = 4;
const PER_THREAD: u64 = 20_000;

#[test]
fn counter_increments_and_decrements_balance() {
    let counter = Counter::new(0);
    stress(THREADS, PER_THREAD, |thread, _| {
        if thread % 2 == 0 {
            counter.increment();
        } else {
            counter.decrement();
        }
    })
    .assert_ok();
    assert_eq!(counter.get(), 0);
}

#[test]
fn compare_and_swap_loops_lose_no_update() {
    let counter = Counter::new(0);
    let ledger = IncrementLedger::new();
    stress(THREADS, PER_THREAD, |_, _| {
        let mut seen = counter.get();
        loop {
            match counter.compare_and_swap(seen, seen + 2) {
                Ok(_) => break,
                Err(actual) => seen = actual,
            }
        }
        ledger.record(2);
    })
    .assert_ok();
    ledger.assert_final(counter.get());
}

#[test]
fn striped_counter_sums_every_add_and_reset_drains_each_once() {
    let counter = StripedCounter::new();
    let drained = Counter::new(0);
    stress(THREADS, PER_THREAD, |thread, i| {
        counter.add(3);
        // One thread also drains now and then, while the others keep adding.
        if thread == 0 && i % 1_000 == 0 {
            drained.add(counter.reset());
        }
    })
    .assert_ok();
    assert_eq!(
        drained.get() + counter.sum(),
        3 * THREADS as i64 * PER_THREAD as i64
    );
}
