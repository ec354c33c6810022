//! `assert_single_instance` catches a check-then-act singleton (seed 004's race) and passes a
//! correct one.

use std::sync::{Arc, Mutex, OnceLock};
use std::time::Duration;

use selvedge_testkit::{
    CallCounter, assert_single_instance, check_single_instance, check_single_instance_fallible,
};

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

/// Seed 004's tester collected every exception into `errors`; a panicking getter on some
/// threads must not end the check or hide what the other threads got.
#[test]
fn panics_in_the_getter_are_collected_not_fatal() {
    static INSTANCE: OnceLock<Arc<String>> = OnceLock::new();
    let calls = std::sync::atomic::AtomicUsize::new(0);
    let failure = check_single_instance(8, || {
        let call = calls.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
        assert!(call % 4 != 1, "backend unavailable (call {})", call / 4);
        INSTANCE.get_or_init(|| Arc::new("ok".into())).clone()
    })
    .unwrap_err();
    assert_eq!(failure.threads, 8);
    assert_eq!(
        failure.distinct, 1,
        "the six threads that got one saw the same"
    );
    assert_eq!(failure.errors.len(), 2, "{failure}");
    let mut errors = failure.errors.clone();
    errors.sort();
    assert_eq!(
        errors,
        [
            "backend unavailable (call 0)",
            "backend unavailable (call 1)"
        ]
    );
    assert!(failure.to_string().contains("2 errors"), "{failure}");
}

#[test]
fn errs_from_a_fallible_getter_are_collected_beside_panics() {
    let calls = std::sync::atomic::AtomicUsize::new(0);
    let shared = Arc::new(5_u32);
    let failure = check_single_instance_fallible(6, || {
        match calls.fetch_add(1, std::sync::atomic::Ordering::SeqCst) {
            0 => Err("refused"),
            1 => panic!("crashed"),
            _ => Ok(shared.clone()),
        }
    })
    .unwrap_err();
    assert_eq!(failure.distinct, 1);
    let mut errors = failure.errors;
    errors.sort();
    assert_eq!(errors, ["crashed", "refused"]);
}

#[test]
fn every_thread_failing_reports_no_instance_and_every_error() {
    let failure = check_single_instance_fallible(3, || Err::<Arc<u8>, _>("down")).unwrap_err();
    assert_eq!((failure.distinct, failure.errors.len()), (0, 3));
}

#[test]
fn a_fallible_getter_that_always_succeeds_passes() {
    let shared = Arc::new(1_u8);
    let one = check_single_instance_fallible(4, || Ok::<_, String>(shared.clone())).unwrap();
    assert!(Arc::ptr_eq(&one, &shared));
}

#[test]
#[should_panic(expected = "1 errors (\"boom\")")]
fn assert_single_instance_names_the_collected_panics() {
    let calls = std::sync::atomic::AtomicUsize::new(0);
    let shared = Arc::new(0_u8);
    assert_single_instance(4, || {
        assert!(
            calls.fetch_add(1, std::sync::atomic::Ordering::SeqCst) != 2,
            "boom"
        );
        shared.clone()
    });
}
