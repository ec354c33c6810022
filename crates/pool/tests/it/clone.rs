//! Clones of a `ThreadPool`: handles to one pool (threadpool's `clone`), which shuts down
//! when its last handle is dropped.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, mpsc};
use std::thread;
use std::time::Duration;

use selvedge_pool::{SubmitError, ThreadPool};

/// Port of threadpool's `test_clone`: two threads submit through their own clones while a
/// first batch still occupies the pool; each sees all its results.
#[test]
fn threadpool_test_clone() {
    let pool = ThreadPool::builder()
        .thread_name("clone example")
        .max_threads(2)
        .build()
        .unwrap();
    for _ in 0..6 {
        pool.execute(|| thread::sleep(Duration::from_millis(20)))
            .unwrap();
    }
    let t0 = {
        let pool = pool.clone();
        thread::spawn(move || {
            pool.wait_idle(Duration::from_secs(30)).unwrap();
            let (tx, rx) = mpsc::channel();
            for i in 0..42 {
                let tx = tx.clone();
                pool.execute(move || tx.send(i).unwrap()).unwrap();
            }
            drop(tx);
            rx.iter().sum::<i32>()
        })
    };
    let t1 = {
        let pool = pool.clone();
        thread::spawn(move || {
            pool.wait_idle(Duration::from_secs(30)).unwrap();
            let (tx, rx) = mpsc::channel();
            for i in 1..12 {
                let tx = tx.clone();
                pool.execute(move || tx.send(i).unwrap()).unwrap();
            }
            drop(tx);
            rx.iter().product::<i64>()
        })
    };
    assert_eq!(t0.join().unwrap(), 861);
    assert_eq!(t1.join().unwrap(), 39_916_800);
    // Both clones are gone; the original still runs tasks.
    assert_eq!(pool.submit(|| 1).unwrap().join(), Ok(1));
}

#[test]
fn dropping_a_clone_leaves_the_pool_running() {
    let pool = ThreadPool::builder().max_threads(1).build().unwrap();
    let other = pool.clone();
    drop(other);
    assert!(!pool.is_shutdown());
    assert_eq!(pool.submit(|| "still up").unwrap().join(), Ok("still up"));
}

/// The last handle's drop is the shutdown of the type's "Drop" section: every queued task
/// runs, whichever clone queued it.
#[test]
fn dropping_the_last_clone_shuts_down_and_runs_the_queue() {
    let pool = ThreadPool::builder().max_threads(1).build().unwrap();
    let ran = Arc::new(AtomicUsize::new(0));
    let clones: Vec<ThreadPool> = (0..4).map(|_| pool.clone()).collect();
    drop(pool);
    for clone in &clones {
        let ran = Arc::clone(&ran);
        clone
            .execute(move || {
                thread::sleep(Duration::from_millis(1));
                ran.fetch_add(1, Ordering::Relaxed);
            })
            .unwrap();
    }
    let survivor = clones[0].clone();
    drop(clones);
    assert!(!survivor.is_shutdown());
    drop(survivor);
    assert_eq!(ran.load(Ordering::Relaxed), 4);
}

/// `shutdown` acts on the pool: a clone sees it.
#[test]
fn shutdown_through_one_clone_closes_every_clone() {
    let pool = ThreadPool::builder().max_threads(2).build().unwrap();
    let other = pool.clone();
    assert!(other.shutdown(Duration::from_secs(10)).is_complete());
    assert!(pool.is_shutdown());
    assert!(matches!(pool.execute(|| ()), Err(SubmitError::Shutdown)));
}

/// The last handle dropped inside one of the pool's own tasks: the shutdown does not wait
/// for the worker it runs on, and nothing hangs.
#[test]
fn last_clone_dropped_on_a_worker_does_not_deadlock() {
    let pool = ThreadPool::builder().max_threads(2).build().unwrap();
    let inner = pool.clone();
    let (tx, rx) = mpsc::channel();
    pool.execute(move || {
        thread::sleep(Duration::from_millis(10));
        drop(inner);
        tx.send(()).unwrap();
    })
    .unwrap();
    drop(pool); // not the last: the task still holds `inner`, or drops it while we wait
    rx.recv_timeout(Duration::from_secs(10)).unwrap();
}

/// Stress: threads clone, submit and drop clones concurrently; every accepted task runs and
/// the pool shuts down exactly when the last clone goes.
#[test]
fn concurrent_clones_lose_no_task() {
    for _ in 0..20 {
        let pool = ThreadPool::builder().max_threads(2).build().unwrap();
        let ran = Arc::new(AtomicUsize::new(0));
        let submitters: Vec<_> = (0..4)
            .map(|_| {
                let (pool, ran) = (pool.clone(), Arc::clone(&ran));
                thread::spawn(move || {
                    for _ in 0..50 {
                        let twin = pool.clone();
                        let ran = Arc::clone(&ran);
                        twin.execute(move || {
                            ran.fetch_add(1, Ordering::Relaxed);
                        })
                        .unwrap();
                    }
                })
            })
            .collect();
        drop(pool); // the submitters' clones keep it up
        for s in submitters {
            s.join().unwrap();
        }
        // The last clone dropped in a submitter ran the shutdown: every task ran.
        assert_eq!(ran.load(Ordering::Relaxed), 200);
    }
}
