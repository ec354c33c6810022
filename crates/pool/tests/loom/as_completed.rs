//! Loom model of `as_completed`: setting a handle's watch races its task finishing, so each
//! handle must be yielded exactly once, with its result, whichever comes first.
//!
//! One worker, two tasks, so the model finishes at `LOOM_MAX_PREEMPTIONS=2`. Timed waits
//! never time out under loom, so the timeout path is covered by `tests/it/as_completed.rs`.
//! Without `--cfg selvedge_loom` the same bodies run many times on real threads.

use std::time::Duration;

use selvedge_pool::{ThreadPool, as_completed};
use selvedge_testkit::model;

#[test]
fn as_completed_racing_completion() {
    model(|| {
        let pool = ThreadPool::builder()
            .max_threads(1)
            .queue_capacity(2)
            .drop_timeout(Duration::from_secs(3600))
            .build()
            .unwrap();
        let handles = vec![pool.submit(|| 10).unwrap(), pool.submit(|| 11).unwrap()];
        let mut seen = [false; 2];
        for done in as_completed(handles, None) {
            let done = done.unwrap();
            assert!(!seen[done.index], "yielded twice");
            seen[done.index] = true;
            assert_eq!(done.result, Ok(10 + done.index));
        }
        assert_eq!(seen, [true, true]);
    });
}
