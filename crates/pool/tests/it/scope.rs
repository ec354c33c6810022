//! `ThreadPool::scope` (issue 12, items 3 and 5): scoped closures that wait for a sibling
//! finish whenever a runner is free, and the panic re-raised is the first one in time.

use crate::common;

use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::mpsc::{self, Receiver, Sender};
use std::time::Duration;

use common::occupy;
use selvedge_pool::ThreadPool;

/// Runs `f` on a thread of its own and fails if it has not returned within 10 s (a
/// deadlock), instead of hanging the test binary.
fn finishes(what: &str, f: impl FnOnce() + Send + 'static) {
    let (done, finished) = mpsc::channel();
    std::thread::spawn(move || {
        f();
        done.send(()).unwrap();
    });
    finished
        .recv_timeout(Duration::from_secs(10))
        .unwrap_or_else(|_| panic!("deadlocked: {what}"));
}

#[test]
fn issue_12_reproduction_receiver_spawned_before_its_sender() {
    finishes("a receiver spawned before its sender", || {
        let pool = ThreadPool::builder().max_threads(4).build().unwrap();
        for _ in 0..200 {
            pool.scope(|s| {
                let (tx, rx) = mpsc::channel();
                s.spawn(move || {
                    rx.recv().unwrap();
                });
                s.spawn(move || tx.send(7).unwrap());
                s.spawn(|| ());
                s.spawn(|| ());
            });
        }
    });
}

/// `waiters` closures, each waiting for the one spawned after it, then one that waits for
/// nothing: a runner is free for every closure not yet started as long as the waiters do not
/// occupy all of them.
fn chain(pool: &ThreadPool, waiters: usize) {
    pool.scope(|s| {
        let (txs, rxs): (Vec<Sender<()>>, Vec<Receiver<()>>) =
            (0..waiters).map(|_| mpsc::channel()).unzip();
        for (i, rx) in rxs.into_iter().enumerate() {
            let previous = (i > 0).then(|| txs[i - 1].clone());
            s.spawn(move || {
                rx.recv().unwrap();
                if let Some(tx) = previous {
                    tx.send(()).unwrap();
                }
            });
        }
        let last = txs[waiters - 1].clone();
        s.spawn(move || last.send(()).unwrap());
    });
}

#[test]
fn a_chain_of_waiting_closures_as_long_as_the_workers_finishes() {
    finishes(
        "max_threads closures each waiting for a later sibling",
        || {
            let pool = ThreadPool::builder().max_threads(4).build().unwrap();
            for _ in 0..50 {
                chain(&pool, 4);
            }
        },
    );
}

#[test]
fn a_chain_of_waiting_closures_finishes_on_a_shut_down_pool_if_spawned_in_waiting_order() {
    // No worker: the owner runs every closure after the body, oldest first. A closure that
    // waits only for closures spawned before it therefore never blocks.
    finishes(
        "closures waiting for earlier siblings on the owner alone",
        || {
            let pool = ThreadPool::builder().max_threads(1).build().unwrap();
            pool.shutdown(Duration::from_secs(5));
            let (tx, rx) = mpsc::channel();
            pool.scope(|s| {
                s.spawn(move || tx.send(1).unwrap());
                s.spawn(move || assert_eq!(rx.recv().unwrap(), 1));
            });
        },
    );
}

/// Sends on drop, so a closure can signal "I have panicked" while it unwinds.
struct SendOnDrop(Sender<()>);

impl Drop for SendOnDrop {
    fn drop(&mut self) {
        let _ = self.0.send(());
    }
}

#[test]
fn the_first_panic_in_time_wins() {
    finishes("the panic-order scenario", || {
        let pool = ThreadPool::builder()
            .max_threads(1)
            .drop_timeout(Duration::from_secs(2))
            .build()
            .unwrap();
        // The one worker is busy, so the owner starts running closures first; `first`
        // frees the worker, panics, and only then lets `second` panic, on the worker.
        let blocker = occupy(&pool);
        let (first_done_tx, first_done) = mpsc::channel();
        let (second_done_tx, second_done) = mpsc::channel();
        let blocker = std::sync::Mutex::new(Some(blocker));
        let outcome = catch_unwind(AssertUnwindSafe(|| {
            pool.scope(|s| {
                s.spawn(|| {
                    let _signal = SendOnDrop(first_done_tx);
                    blocker.lock().unwrap().take().unwrap().release();
                    panic!("first");
                });
                s.spawn(move || {
                    // Keeps the owner busy until `second` has panicked.
                    second_done.recv().unwrap();
                    std::thread::sleep(Duration::from_millis(100));
                });
                s.spawn(move || {
                    let _signal = SendOnDrop(second_done_tx);
                    first_done.recv().unwrap();
                    panic!("second");
                });
                s.spawn(|| ());
            });
        }));
        let payload = outcome.expect_err("a scoped panic is re-raised");
        assert_eq!(payload.downcast_ref::<&str>(), Some(&"first"));
    });
}
