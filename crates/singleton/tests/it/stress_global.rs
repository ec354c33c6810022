//! Stress tests on real threads: one initialisation per generation across 64 threads and 1,000
//! resets, the seed's `ThreadSafetyTester` scenario, a free-for-all of resets and gets, and
//! `wait`/`wait_timeout` waiters woken by every round's store.
// Real statics and real threads: these tests are not models (the loom_* files are).
#![cfg(not(selvedge_loom))]

use std::sync::Barrier;
use std::sync::atomic::{AtomicUsize, Ordering};

use selvedge_locks::sync::Arc;
use selvedge_singleton::{Global, GlobalMap};
use selvedge_testkit::{CallCounter, assert_single_instance, stress};

/// An instance that remembers which initialisation built it.
#[derive(Debug)]
struct Instance {
    serial: usize,
}

#[test]
fn one_initialisation_per_generation_across_64_threads_and_1000_resets() {
    const THREADS: usize = 64;
    const ROUNDS: u64 = 1_000;
    let global: Global<Instance> = Global::named("stress");
    let inits = AtomicUsize::new(0);
    // One slot per thread: the serial each thread saw in the current round.
    let seen: Vec<AtomicUsize> = (0..THREADS).map(|_| AtomicUsize::new(0)).collect();
    let mismatches = AtomicUsize::new(0);
    let wrong_resets = AtomicUsize::new(0);
    let barrier = Barrier::new(THREADS);

    // The body never panics between the barriers (a panic there would strand the other
    // threads); it counts what is wrong, and the test asserts after the run.
    stress(THREADS, ROUNDS, |thread, round| {
        // Phase 1: every thread races on the empty global.
        let instance = global.get_or_init(|| Instance {
            serial: inits.fetch_add(1, Ordering::SeqCst) + 1,
        });
        seen[thread].store(instance.serial, Ordering::SeqCst);
        barrier.wait();
        // Phase 2: one thread checks that all saw one instance, then resets.
        #[allow(clippy::cast_possible_truncation, reason = "round < 1,000")]
        if thread == round as usize % THREADS {
            if seen
                .iter()
                .any(|s| s.load(Ordering::SeqCst) != instance.serial)
            {
                mismatches.fetch_add(1, Ordering::SeqCst);
            }
            match global.reset() {
                Some(taken) if Arc::ptr_eq(&taken, &instance) => {}
                _ => {
                    wrong_resets.fetch_add(1, Ordering::SeqCst);
                }
            }
        }
        barrier.wait();
    })
    .assert_ok();

    assert_eq!(
        mismatches.load(Ordering::SeqCst),
        0,
        "threads saw different instances"
    );
    assert_eq!(
        wrong_resets.load(Ordering::SeqCst),
        0,
        "reset took another instance"
    );
    #[allow(clippy::cast_possible_truncation, reason = "1,000 fits")]
    let expected = ROUNDS as usize;
    assert_eq!(
        inits.load(Ordering::SeqCst),
        expected,
        "one init per generation"
    );
}

#[test]
fn resets_and_gets_in_a_free_for_all_never_build_more_than_they_may() {
    let global: Global<Instance> = Global::new();
    let inits = AtomicUsize::new(0);
    let resets = AtomicUsize::new(0);
    stress(8, 2_000, |thread, iteration| {
        if (iteration + thread as u64).is_multiple_of(16) {
            global.reset();
            resets.fetch_add(1, Ordering::SeqCst);
        } else {
            let instance = global.get_or_init(|| Instance {
                serial: inits.fetch_add(1, Ordering::SeqCst) + 1,
            });
            assert!(instance.serial >= 1);
        }
    })
    .assert_ok();
    // Each generation publishes at most one instance, and each reset can make at most one
    // running initialiser stale: inits <= published + stale <= (resets + 1) + resets.
    let (inits, resets) = (inits.load(Ordering::SeqCst), resets.load(Ordering::SeqCst));
    assert!(inits <= 2 * resets + 1, "{inits} inits for {resets} resets");
}

selvedge_singleton::global! {
    /// The seed's admin session: "1 login instead of N".
    static ADMIN: Instance = Instance { serial: LOGINS.hit() };
}

static LOGINS: CallCounter = CallCounter::new();

#[test]
fn thread_safety_tester_scenario_sees_one_unique_instance() {
    // Seed 004's ThreadSafetyTester: many threads, count the unique instances: exactly one.
    let instance = assert_single_instance(100, || ADMIN.get());
    LOGINS.assert_once();
    assert_eq!(instance.serial, 0); // `hit` counts the calls before it
}

#[test]
fn thread_safety_tester_scenario_per_key() {
    let sessions: GlobalMap<&str, Instance> = GlobalMap::new();
    let logins = CallCounter::new();
    for platform in ["pnet", "eve-ng"] {
        assert_single_instance(32, || {
            sessions.get_or_init(platform, || Instance {
                serial: logins.hit(),
            })
        });
    }
    logins.assert_count(2);
    assert_eq!(sessions.len(), 2);
}

#[test]
fn global_map_per_key_single_flight_under_contention() {
    let map: GlobalMap<u64, Instance> = GlobalMap::new();
    let inits = AtomicUsize::new(0);
    stress(16, 500, |_, iteration| {
        let key = iteration % 8;
        let instance = map.get_or_init(key, || Instance {
            serial: inits.fetch_add(1, Ordering::SeqCst),
        });
        assert!(Arc::ptr_eq(
            &instance,
            &map.get(&key).expect("never removed")
        ));
    })
    .assert_ok();
    assert_eq!(inits.load(Ordering::SeqCst), 8, "one init per key");
}

/// Eight threads, each round taking the instance and reporting it bad with `reset_if_current`:
/// every instance is reset at most once, so the initialisations never outrun the resets by
/// more than the one live instance.
#[test]
fn reset_if_current_resets_each_instance_at_most_once() {
    let global: Global<usize> = Global::named("reset_if_current stress");
    let inits = AtomicUsize::new(0);
    let resets = AtomicUsize::new(0);
    stress(8, 2_000, |_, round| {
        let instance = global.get_or_init(|| inits.fetch_add(1, Ordering::SeqCst));
        // Report only some rounds, so instances are also shared for a while.
        if round % 3 == 0 && global.reset_if_current(&instance) {
            resets.fetch_add(1, Ordering::SeqCst);
        }
    })
    .assert_ok();
    let (inits, resets) = (inits.load(Ordering::SeqCst), resets.load(Ordering::SeqCst));
    assert!(resets > 0);
    assert!(
        inits == resets || inits == resets + 1,
        "{inits} inits, {resets} resets"
    );
    assert_eq!(global.is_initialized(), inits == resets + 1);
}

#[test]
fn waiters_always_get_the_instance_stored_in_their_round() {
    const THREADS: usize = 8;
    const ROUNDS: u64 = 500;
    let global: Global<u64> = Global::named("stress wait");
    let wrong = AtomicUsize::new(0);
    let barrier = Barrier::new(THREADS);
    // Round by round: thread 0 stores the round number, the others wait for it (some bounded,
    // some not); then thread 0 resets between the barriers for the next round.
    stress(THREADS, ROUNDS, |thread, round| {
        if thread == 0 {
            if round % 2 == 0 {
                let _ = global.set(round);
            } else {
                let _ = global.get_or_init(|| round);
            }
        } else {
            let got = if thread % 2 == 0 {
                global.wait()
            } else {
                match global.wait_timeout(std::time::Duration::from_secs(30)) {
                    Ok(got) => got,
                    Err(_) => Arc::new(u64::MAX),
                }
            };
            if *got != round {
                wrong.fetch_add(1, Ordering::SeqCst);
            }
        }
        barrier.wait();
        if thread == 0 {
            global.reset();
        }
        barrier.wait();
    })
    .assert_ok();
    assert_eq!(wrong.load(Ordering::SeqCst), 0);
}
