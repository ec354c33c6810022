//! Stress: many threads open scopes on one small pool at once (nested spawns, a panicking
//! task now and then, `run` calls in between). The scope's lock-free list and counts have loom
//! models (`tests/loom/scope.rs`), over a modelled list; this checks their invariants on real
//! threads and crossbeam's real list: when `scope` returns, every task spawned in it has run
//! exactly once, a task panic is re-raised only after the others finished, and a closure
//! spawned while the last ticket leaves is still run by a worker. The
//! queue is tiny and blocks producers, which once stalled nested spawns: a scoped task on a
//! worker waited for queue space only workers could free (tickets now never wait).

use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use selvedge_pool::{RejectionPolicy, ThreadPool};
use selvedge_testkit::stress;

#[test]
fn every_scoped_task_runs_exactly_once_before_scope_returns() {
    let pool = ThreadPool::builder()
        .core_threads(1)
        .max_threads(2)
        .queue_capacity(4)
        .rejection_policy(RejectionPolicy::Block(Duration::from_secs(60)))
        .build()
        .unwrap();
    std::panic::set_hook(Box::new(|_| {}));
    let report = stress(4, 300, |thread, iteration| {
        let n = 1 + (thread + iteration as usize) % 12;
        let hits: Vec<AtomicUsize> = (0..n).map(|_| AtomicUsize::new(0)).collect();
        let nested = AtomicUsize::new(0);
        let panics = iteration % 17 == 0;
        let outcome = catch_unwind(AssertUnwindSafe(|| {
            pool.scope(|s| {
                for hit in &hits {
                    let nested = &nested;
                    s.spawn(move || {
                        hit.fetch_add(1, Ordering::Relaxed);
                        s.spawn(move || {
                            nested.fetch_add(1, Ordering::Relaxed);
                        });
                    });
                }
                if panics {
                    s.spawn(|| panic!("scoped task panics on purpose"));
                }
            });
        }));
        assert_eq!(outcome.is_err(), panics);
        for hit in &hits {
            assert_eq!(hit.load(Ordering::Relaxed), 1);
        }
        assert_eq!(nested.load(Ordering::Relaxed), n);
        let borrowed = n * 2;
        assert_eq!(pool.run(|| borrowed + 1), Ok(n * 2 + 1));
    });
    let _ = std::panic::take_hook();
    assert!(report.failures.is_empty(), "{:?}", report.failures);
}

/// Stress for issue 12's scope deadlock: every scope's first closure waits for the second,
/// with fillers after them (the layout), four scopes at once on two workers. Each
/// scope has one waiter and its owner as a runner, so the sender always finds a free runner;
/// a sender held behind its waiter (runners once took private batches) makes the waiter give
/// up after 10 s and the run fail instead of hanging.
#[test]
fn a_closure_waiting_for_the_next_sibling_always_finishes() {
    let pool = ThreadPool::builder().max_threads(2).build().unwrap();
    let report = stress(4, 200, |thread, iteration| {
        let fillers = (thread + iteration as usize) % 6;
        let (tx, rx) = std::sync::mpsc::channel::<()>();
        let received = AtomicUsize::new(0);
        pool.scope(|s| {
            let received = &received;
            s.spawn(move || {
                if rx.recv_timeout(Duration::from_secs(10)).is_ok() {
                    received.fetch_add(1, Ordering::Relaxed);
                }
            });
            s.spawn(move || tx.send(()).unwrap());
            for _ in 0..fillers {
                s.spawn(|| ());
            }
        });
        assert_eq!(
            received.load(Ordering::Relaxed),
            1,
            "the sender was held hostage"
        );
    });
    assert!(report.failures.is_empty(), "{:?}", report.failures);
}

/// Stress for the race between a spawn and the last ticket leaving: the scope's body spawns a
/// few fillers, waits until the workers have run them (so their tickets are about to find the
/// list empty and leave), then spawns a closure it waits for itself, so only a worker can run
/// that closure (the owner helps only once the body returns). A spawn that saw a ticket still
/// there while that ticket missed the closure would leave it unrun: the body gives up after
/// 10 s and the run fails instead of hanging. (The window is a few nanoseconds wide: the loom
/// model `body_waiting_for_a_closure_spawned_as_the_ticket_leaves` is what finds a ticket
/// leaving without looking again.)
#[test]
fn a_body_waiting_for_its_own_closure_always_sees_it_run() {
    let pool = ThreadPool::builder().max_threads(2).build().unwrap();
    let report = stress(4, 300, |thread, iteration| {
        let fillers = 1 + (thread + iteration as usize) % 3;
        let done = AtomicUsize::new(0);
        let (tx, rx) = std::sync::mpsc::channel::<()>();
        let ran = pool.scope(|s| {
            for _ in 0..fillers {
                s.spawn(|| {
                    done.fetch_add(1, Ordering::Release);
                });
            }
            while done.load(Ordering::Acquire) < fillers {
                std::thread::yield_now();
            }
            s.spawn(move || tx.send(()).unwrap());
            rx.recv_timeout(Duration::from_secs(10)).is_ok()
        });
        assert!(ran, "the closure the body waited for was left unrun");
    });
    assert!(report.failures.is_empty(), "{:?}", report.failures);
}
