//! `model` under loom catches a racy counter (load, then store) and passes its fixed version.
//! In a normal build only the fixed version runs: real threads find the race by chance, which
//! is `stress_racy_counter.rs`'s job.

use selvedge_testkit::sync::Arc;
use selvedge_testkit::sync::atomic::{AtomicUsize, Ordering};
use selvedge_testkit::{model, thread};

/// Two threads increment; `racy` loses an update when both load before either stores.
fn two_increments(racy: bool) {
    let counter = Arc::new(AtomicUsize::new(0));
    let increment = move |counter: &AtomicUsize| {
        if racy {
            let seen = counter.load(Ordering::SeqCst);
            counter.store(seen + 1, Ordering::SeqCst);
        } else {
            counter.fetch_add(1, Ordering::SeqCst);
        }
    };
    let other = {
        let counter = counter.clone();
        thread::spawn(move || increment(&counter))
    };
    increment(&counter);
    other.join().unwrap();
    assert_eq!(counter.load(Ordering::SeqCst), 2, "an increment was lost");
}

#[test]
#[cfg(selvedge_loom)]
#[should_panic(expected = "an increment was lost")]
fn loom_model_catches_the_racy_counter() {
    model(|| two_increments(true));
}

#[test]
fn the_fixed_counter_passes_the_model() {
    model(|| two_increments(false));
}
