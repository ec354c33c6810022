//! `stress` on real threads catches a racy counter (load, then store) through the
//! `IncrementLedger` invariant, and passes its fixed version.

use std::sync::atomic::{AtomicU64, Ordering};

use selvedge_testkit::{IncrementLedger, LedgerMismatch, stress};

fn hammer(racy: bool) -> Result<(), LedgerMismatch> {
    let counter = AtomicU64::new(0);
    let ledger = IncrementLedger::new();
    stress(4, 2_000, |_, _| {
        if racy {
            let seen = counter.load(Ordering::SeqCst);
            // Widen the window between the read and the write, as a preemption would.
            std::thread::yield_now();
            counter.store(seen + 1, Ordering::SeqCst);
        } else {
            counter.fetch_add(1, Ordering::SeqCst);
        }
        ledger.record(1);
    })
    .assert_ok();
    ledger.check(i64::try_from(counter.load(Ordering::SeqCst)).unwrap())
}

#[test]
fn stress_catches_the_racy_counter() {
    // Each run almost surely loses updates; a few tries make a miss astronomically unlikely.
    let caught = (0..20).find_map(|_| hammer(true).err());
    let mismatch = caught.expect("20 stress runs of a racy counter never lost an update");
    assert!(mismatch.found < mismatch.expected);
    assert_eq!(mismatch.ops, 8_000);
}

#[test]
fn stress_passes_the_fixed_counter() {
    hammer(false).unwrap();
}
