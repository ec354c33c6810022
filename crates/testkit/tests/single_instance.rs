//! `assert_single_instance` catches a check-then-act singleton (seed 004's race) and passes a
//! correct one.

use std::sync::{Arc, Mutex, OnceLock};
use std::time::Duration;

use selvedge_testkit::{CallCounter, assert_single_instance, check_single_instance};

/// Seed 004's broken singleton: check, (get preempted), then create.
struct CheckThenAct {
    slot: Mutex<Option<Arc<String>>>,
}

impl CheckThenAct {
    fn get(&self) -> Arc<String> {
        let missing = self.slot.lock().unwrap().is_none();
        if missing {
            // The injected delay: every thread passes the check before any creates.
            std::thread::sleep(Duration::from_millis(20));
            let fresh = Arc::new(String::from("instance"));
            *self.slot.lock().unwrap() = Some(fresh.clone());
            return fresh;
        }
        self.slot.lock().unwrap().clone().unwrap()
    }
}

#[test]
fn check_then_act_singleton_is_caught() {
    let racy = CheckThenAct {
        slot: Mutex::new(None),
    };
    let error = check_single_instance(8, || racy.get()).unwrap_err();
    assert!(error.distinct > 1, "{error}");
    assert_eq!(error.threads, 8);
}

#[test]
#[should_panic(expected = "distinct instances; expected exactly one")]
fn assert_single_instance_fails_the_test_on_a_racy_singleton() {
    let racy = CheckThenAct {
        slot: Mutex::new(None),
    };
    assert_single_instance(8, || racy.get());
}

#[test]
fn a_correct_singleton_passes_and_initialises_once() {
    static INITS: CallCounter = CallCounter::new();
    static INSTANCE: OnceLock<Arc<String>> = OnceLock::new();
    let instance = assert_single_instance(64, || {
        INSTANCE
            .get_or_init(|| {
                INITS.hit();
                std::thread::sleep(Duration::from_millis(20));
                Arc::new(String::from("instance"))
            })
            .clone()
    });
    assert_eq!(*instance, "instance");
    INITS.assert_once();
}
