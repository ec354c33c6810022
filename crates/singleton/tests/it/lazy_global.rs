//! Black-box tests of `LazyGlobal` and the `global!` macro: every declaration form, the name it
//! gives events and panics, and rebuild after reset.
// Real statics and real threads: these tests are not models (the loom_* files are).
#![cfg(not(selvedge_loom))]

use std::panic;

use selvedge_locks::sync::Arc;
use selvedge_testkit::CallCounter;

static BUILDS: CallCounter = CallCounter::new();

mod declared {
    selvedge_singleton::global! {
        /// Several declarations in one block, with attributes and visibilities.
        pub static FIRST: u32 = 1;
        #[doc(alias = "second")]
        pub(crate) static SECOND: &'static str = "two";
        static THIRD: Vec<u8> = vec![3]
    }

    pub(super) fn third() -> usize {
        THIRD.get().len()
    }
}

selvedge_singleton::global! {
    static COUNTED: usize = build_counted();
}

fn build_counted() -> usize {
    BUILDS.hit()
}

selvedge_singleton::global! {
    static SELF_REFERENTIAL: u32 = *SELF_REFERENTIAL.get() + 1;
}

#[test]
fn every_declaration_form_works() {
    assert_eq!(*declared::FIRST.get(), 1);
    assert_eq!(*declared::SECOND.get(), "two");
    assert_eq!(declared::third(), 1);
}

#[test]
fn get_builds_once_and_again_after_reset() {
    let first = COUNTED.get();
    assert!(Arc::ptr_eq(&first, &COUNTED.get()));
    BUILDS.assert_once();
    let taken = COUNTED.reset().expect("built above");
    assert!(Arc::ptr_eq(&first, &taken));
    let second = COUNTED.get();
    assert!(!Arc::ptr_eq(&first, &second));
    BUILDS.assert_count(2);
    assert_eq!(COUNTED.with(|n| *n), *second);
}

#[test]
fn a_self_referential_declaration_panics_naming_the_static() {
    let payload = panic::catch_unwind(|| SELF_REFERENTIAL.get()).expect_err("must not deadlock");
    let message = payload
        .downcast_ref::<String>()
        .expect("a formatted message");
    assert!(message.contains("`SELF_REFERENTIAL`"), "{message}");
    assert_eq!(SELF_REFERENTIAL.as_global().name(), "SELF_REFERENTIAL");
    assert!(!SELF_REFERENTIAL.is_initialized());
}
