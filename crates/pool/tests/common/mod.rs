//! Helpers shared by the pool's integration tests: occupying a worker until released, and
//! waiting (with a generous limit, never asserting on speed) for a condition.
#![allow(dead_code, reason = "each test file uses a subset of these helpers")]

use std::sync::mpsc::{self, Sender};
use std::time::{Duration, Instant};

use selvedge_pool::{TaskHandle, ThreadPool};

/// A task holding a worker until [`Blocker::release`].
pub(crate) struct Blocker {
    release: Sender<()>,
    pub(crate) handle: TaskHandle<()>,
}

impl Blocker {
    pub(crate) fn release(self) {
        self.release.send(()).unwrap();
        assert_eq!(self.handle.join(), Ok(()));
    }
}

/// Submits a task that occupies one worker, and returns once it has started.
pub(crate) fn occupy(pool: &ThreadPool) -> Blocker {
    let (release, gate) = mpsc::channel::<()>();
    let (started_tx, started) = mpsc::channel::<()>();
    let handle = pool
        .submit(move || {
            started_tx.send(()).unwrap();
            gate.recv().unwrap();
        })
        .unwrap();
    started
        .recv_timeout(Duration::from_secs(10))
        .expect("blocker started");
    Blocker { release, handle }
}

/// Polls `cond` until it holds; panics after 10 s (a hang, not a slow machine).
pub(crate) fn eventually(what: &str, mut cond: impl FnMut() -> bool) {
    let limit = Instant::now() + Duration::from_secs(10);
    while !cond() {
        assert!(Instant::now() < limit, "never happened: {what}");
        std::thread::sleep(Duration::from_millis(1));
    }
}
