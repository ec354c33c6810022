//! Black-box tests of `Lazy`: one initialisation under contention, and poisoning after a panic
//! (once_cell's semantics, kept deliberately).
// Real statics and real threads: these tests are not models (the loom_* files are).
#![cfg(not(selvedge_loom))]

use std::panic;

use selvedge_singleton::Lazy;
use selvedge_testkit::{CallCounter, assert_single_instance};

#[test]
fn racing_threads_initialise_a_lazy_once() {
    static CALLS: CallCounter = CallCounter::new();
    static TABLE: Lazy<Vec<u64>> = Lazy::new(|| {
        CALLS.hit();
        (0..1_000).collect()
    });
    let table = assert_single_instance(32, || &*TABLE);
    assert_eq!(table.len(), 1_000);
    CALLS.assert_once();
}

#[test]
fn a_panicking_initialiser_poisons_the_lazy() {
    static BROKEN: Lazy<u8> = Lazy::new(|| panic!("deliberate: no configuration"));
    assert!(panic::catch_unwind(|| *BROKEN).is_err());
    assert!(panic::catch_unwind(|| *BROKEN).is_err());
    assert_eq!(Lazy::get(&BROKEN), None);
}
