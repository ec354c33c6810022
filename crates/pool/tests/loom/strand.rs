//! Loom models of the strand's drain protocol: two submitters racing the drain's hand-over
//! (order per submitter, never two tasks at once, nothing lost), and a submission racing the
//! drain going idle.
//!
//! One worker, batches of one (so every task is a hand-over), at most three tasks, so each
//! model finishes at `LOOM_MAX_PREEMPTIONS=2`. Without `--cfg selvedge_loom` the same bodies
//! run many times on real threads.

use std::num::NonZeroUsize;

use selvedge_locks::sync::atomic::{AtomicBool, Ordering};
use selvedge_locks::sync::{Arc, PlainMutex};
use selvedge_pool::{Strand, ThreadPool};
use selvedge_testkit::{model, thread};

use crate::tiny::LONG;

fn one_worker() -> Arc<ThreadPool> {
    Arc::new(
        ThreadPool::builder()
            .max_threads(1)
            .queue_capacity(4)
            .drop_timeout(LONG)
            .build()
            .unwrap(),
    )
}

/// A task that checks exclusion with the strand's in-flight flag and logs `tag`.
fn task(
    in_flight: &Arc<AtomicBool>,
    log: &Arc<PlainMutex<Vec<u8>>>,
    tag: u8,
) -> impl FnOnce() + Send + 'static {
    let (in_flight, log) = (Arc::clone(in_flight), Arc::clone(log));
    move || {
        assert!(
            !in_flight.swap(true, Ordering::SeqCst),
            "two strand tasks at once"
        );
        log.lock().push(tag);
        in_flight.store(false, Ordering::SeqCst);
    }
}

/// Submitter A queues 1 then 2, submitter B queues 3: all three run, one at a time, 1 before
/// 2, whichever of them starts the drain and however the hand-overs interleave.
#[test]
fn two_submitters_order_and_exclusion() {
    model(|| {
        let pool = one_worker();
        let strand = Strand::with_batch(&pool, NonZeroUsize::MIN);
        let in_flight = Arc::new(AtomicBool::new(false));
        let log = Arc::new(PlainMutex::new(Vec::new()));
        let b = {
            let (strand, in_flight, log) =
                (strand.clone(), Arc::clone(&in_flight), Arc::clone(&log));
            thread::spawn(move || strand.execute(task(&in_flight, &log, 3)).unwrap())
        };
        strand.execute(task(&in_flight, &log, 1)).unwrap();
        strand.execute(task(&in_flight, &log, 2)).unwrap();
        b.join().unwrap();
        strand.wait_idle();
        let log = log.lock().clone();
        assert_eq!(log.len(), 3, "every task ran once: {log:?}");
        let mine: Vec<u8> = log.iter().copied().filter(|t| *t != 3).collect();
        assert_eq!(mine, [1, 2]);
        assert!(pool.shutdown(LONG).is_complete());
    });
}

/// A submission racing the drain's last pop either joins the running drain or starts a new
/// one: never queued with no drain (the strand goes idle only with the queue empty).
#[test]
fn submit_racing_drain_going_idle() {
    model(|| {
        let pool = one_worker();
        let strand = Strand::with_batch(&pool, NonZeroUsize::MIN);
        let in_flight = Arc::new(AtomicBool::new(false));
        let log = Arc::new(PlainMutex::new(Vec::new()));
        strand.execute(task(&in_flight, &log, 1)).unwrap();
        let late = {
            let (strand, in_flight, log) =
                (strand.clone(), Arc::clone(&in_flight), Arc::clone(&log));
            thread::spawn(move || strand.execute(task(&in_flight, &log, 2)).unwrap())
        };
        late.join().unwrap();
        strand.wait_idle();
        assert_eq!(strand.queued(), 0);
        assert_eq!(*log.lock(), [1, 2]);
        assert!(pool.shutdown(LONG).is_complete());
    });
}
