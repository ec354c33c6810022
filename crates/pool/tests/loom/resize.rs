//! Loom models of `set_max_threads` and of clones: a submission racing the switch from
//! fixed-size to elastic (the `LOCKED_ONLY` tally bit), and two clones dropped at once
//! (exactly one shuts the pool down, and it runs the queue). A fast-path submission racing a
//! shrink of two parked workers to one passes at one preemption but exceeds loom's branch
//! limit at two (both workers woken, one retiring, one looking again), so it is left to
//! `tests/it/set_max_threads.rs`'s stress test.
//!
//! Pools here are tiny (at most 2 workers, 2 tasks) so every model finishes quickly at
//! `LOOM_MAX_PREEMPTIONS=2`. Without `--cfg selvedge_loom` the same bodies run many times on
//! real threads.

use selvedge_locks::sync::Arc;
use selvedge_locks::sync::atomic::{AtomicUsize, Ordering};
use selvedge_testkit::{model, thread};

use crate::tiny::tiny_fast;

/// Growing a fixed pool of one (busy) to two while a task is submitted: whether the submitter
/// saw the pool fixed (fast path, no growth) or elastic (locked path, may start a worker),
/// the task runs.
#[test]
fn submit_racing_fixed_to_elastic() {
    model(|| {
        let pool = Arc::new(tiny_fast(1));
        let resizer = {
            let pool = Arc::clone(&pool);
            thread::spawn(move || pool.set_max_threads(2).unwrap())
        };
        assert_eq!(pool.submit(|| 2).unwrap().join(), Ok(2));
        resizer.join().unwrap();
        let stats = pool.stats();
        assert!(stats.threads <= 2);
        assert_eq!(stats.completed, 1);
    });
}

/// Two clones dropped at once after each queued a task: the last drop shuts the pool down
/// and runs both tasks; the other drop does nothing.
#[test]
fn two_clones_dropped_at_once() {
    model(|| {
        let ran = Arc::new(AtomicUsize::new(0));
        let pool = tiny_fast(1);
        let twin = pool.clone();
        let other = {
            let ran = Arc::clone(&ran);
            thread::spawn(move || {
                let ran = Arc::clone(&ran);
                twin.execute(move || {
                    ran.fetch_add(1, Ordering::SeqCst);
                })
                .unwrap();
                drop(twin);
            })
        };
        {
            let ran = Arc::clone(&ran);
            pool.execute(move || {
                ran.fetch_add(1, Ordering::SeqCst);
            })
            .unwrap();
        }
        drop(pool);
        other.join().unwrap();
        assert_eq!(ran.load(Ordering::SeqCst), 2);
    });
}
