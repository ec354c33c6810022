//! `broadcast` and `spawn_broadcast`: rayon-core's own broadcast tests (`broadcast/test.rs`)
//! ported where they apply, then what this pool adds: workers that come and go, shutdown,
//! `wait_idle`, and broadcasting from inside the pool.
//!
//! Not ported: `broadcast_global` and `spawn_broadcast_global` (there is no global pool), and
//! `broadcast_after_spawn` (rayon runs a worker's local tasks before a broadcast; here a
//! broadcast goes ahead of queued tasks, see `broadcast_runs_ahead_of_queued_tasks`).
//! rayon's `*_mutual` tests run inside `install`, where a rayon worker blocked on another pool
//! keeps running its own pool's work; a selvedge worker blocked on another pool just blocks,
//! so those ports start from a plain thread. The `*_sleepy` ports sleep a tenth as long.

use crate::common;

use std::collections::HashSet;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::mpsc::channel;
use std::sync::{Arc, Barrier, Mutex};
use std::thread;
use std::time::{Duration, Instant};

use common::{eventually, occupy};
use selvedge_pool::{Priority, SubmitError, TaskError, ThreadPool};

fn pool(threads: usize) -> ThreadPool {
    ThreadPool::builder().max_threads(threads).build().unwrap()
}

/// The values of a broadcast that had no failure.
fn values<R: std::fmt::Debug>(results: Vec<Result<R, TaskError>>) -> Vec<R> {
    results.into_iter().map(Result::unwrap).collect()
}

#[test]
fn rayon_broadcast_pool() {
    let pool = pool(7);
    let v = values(pool.broadcast(|ctx| ctx.index()).unwrap());
    assert!(v.into_iter().eq(0..7));
}

#[test]
fn rayon_spawn_broadcast_pool() {
    let (tx, rx) = channel();
    let pool = pool(7);
    pool.spawn_broadcast(move |ctx| tx.send(ctx.index()).unwrap())
        .unwrap();
    // The closure (and its sender) is dropped once every worker has run it.
    let mut v: Vec<_> = rx.into_iter().collect();
    v.sort_unstable();
    assert!(v.into_iter().eq(0..7));
}

#[test]
fn rayon_broadcast_self() {
    let pool = pool(7);
    let v = pool.run(|| pool.broadcast(|ctx| ctx.index())).unwrap();
    assert!(values(v.unwrap()).into_iter().eq(0..7));
}

#[test]
fn rayon_spawn_broadcast_self() {
    let (tx, rx) = channel();
    let pool = pool(7);
    let inner = pool.clone();
    pool.execute(move || {
        inner
            .spawn_broadcast(move |ctx| tx.send(ctx.index()).unwrap())
            .unwrap();
    })
    .unwrap();
    let mut v: Vec<_> = rx.into_iter().collect();
    v.sort_unstable();
    assert!(v.into_iter().eq(0..7));
}

#[test]
fn rayon_broadcast_mutual() {
    let count = AtomicUsize::new(0);
    let pool1 = pool(3);
    let pool2 = pool(7);
    let outer = pool2
        .broadcast(|_| {
            pool1
                .broadcast(|_| {
                    count.fetch_add(1, Ordering::Relaxed);
                })
                .unwrap()
                .len()
        })
        .unwrap();
    assert_eq!(values(outer), [3; 7]);
    assert_eq!(count.into_inner(), 3 * 7);
}

#[test]
fn rayon_spawn_broadcast_mutual() {
    let (tx, rx) = channel();
    let pool1 = Arc::new(pool(3));
    let pool2 = pool(7);
    pool1
        .execute({
            let pool1 = Arc::clone(&pool1);
            move || {
                pool2
                    .spawn_broadcast(move |_| {
                        let tx = tx.clone();
                        pool1
                            .spawn_broadcast(move |_| tx.send(()).unwrap())
                            .unwrap();
                    })
                    .unwrap();
            }
        })
        .unwrap();
    assert_eq!(rx.into_iter().count(), 3 * 7);
}

#[test]
fn rayon_broadcast_mutual_sleepy() {
    let count = AtomicUsize::new(0);
    let pool1 = pool(3);
    let pool2 = pool(7);
    thread::sleep(Duration::from_millis(100));
    pool2
        .broadcast(|_| {
            thread::sleep(Duration::from_millis(100));
            pool1
                .broadcast(|_| {
                    thread::sleep(Duration::from_millis(10));
                    count.fetch_add(1, Ordering::Relaxed);
                })
                .unwrap();
        })
        .unwrap();
    assert_eq!(count.into_inner(), 3 * 7);
}

#[test]
fn rayon_spawn_broadcast_mutual_sleepy() {
    let (tx, rx) = channel();
    let pool1 = Arc::new(pool(3));
    let pool2 = pool(7);
    pool1
        .execute({
            let pool1 = Arc::clone(&pool1);
            move || {
                thread::sleep(Duration::from_millis(100));
                pool2
                    .spawn_broadcast(move |_| {
                        let tx = tx.clone();
                        thread::sleep(Duration::from_millis(100));
                        pool1
                            .spawn_broadcast(move |_| {
                                thread::sleep(Duration::from_millis(10));
                                tx.send(()).unwrap();
                            })
                            .unwrap();
                    })
                    .unwrap();
            }
        })
        .unwrap();
    assert_eq!(rx.into_iter().count(), 3 * 7);
}

/// rayon re-raises the panic; here it stays in its worker's entry and counts as failed.
#[test]
fn rayon_broadcast_panic_one() {
    let count = AtomicUsize::new(0);
    let pool = pool(7);
    let results = pool
        .broadcast(|ctx| {
            count.fetch_add(1, Ordering::Relaxed);
            if ctx.index() == 3 {
                panic!("Hello, world!");
            }
        })
        .unwrap();
    assert_eq!(count.into_inner(), 7);
    for (index, result) in results.into_iter().enumerate() {
        if index == 3 {
            assert_eq!(result, Err(TaskError::Panicked("Hello, world!".into())));
        } else {
            assert_eq!(result, Ok(()));
        }
    }
    pool.wait_idle(Duration::from_secs(10)).unwrap();
    assert_eq!(pool.stats().failed, 1);
}

/// rayon counts the panics with a panic handler; here `stats().failed` counts them.
#[test]
fn rayon_spawn_broadcast_panic_one() {
    let (tx, rx) = channel();
    let pool = pool(7);
    pool.spawn_broadcast(move |ctx| {
        tx.send(()).unwrap();
        if ctx.index() == 3 {
            panic!("Hello, world!");
        }
    })
    .unwrap();
    assert_eq!(rx.into_iter().count(), 7);
    pool.wait_idle(Duration::from_secs(10)).unwrap();
    assert_eq!(pool.stats().failed, 1);
    assert_eq!(pool.stats().threads, 7); // no worker died
}

#[test]
fn rayon_broadcast_panic_many() {
    let count = AtomicUsize::new(0);
    let pool = pool(7);
    let results = pool
        .broadcast(|ctx| {
            count.fetch_add(1, Ordering::Relaxed);
            if ctx.index() % 2 == 0 {
                panic!("Hello, world!");
            }
        })
        .unwrap();
    assert_eq!(count.into_inner(), 7);
    assert_eq!(results.iter().filter(|r| r.is_err()).count(), 4);
    pool.wait_idle(Duration::from_secs(10)).unwrap();
    assert_eq!(pool.stats().failed, 4);
}

#[test]
fn rayon_spawn_broadcast_panic_many() {
    let (tx, rx) = channel();
    let pool = pool(7);
    pool.spawn_broadcast(move |ctx| {
        tx.send(()).unwrap();
        if ctx.index() % 2 == 0 {
            panic!("Hello, world!");
        }
    })
    .unwrap();
    assert_eq!(rx.into_iter().count(), 7);
    pool.wait_idle(Duration::from_secs(10)).unwrap();
    assert_eq!(pool.stats().failed, 4);
}

#[test]
fn rayon_broadcast_sleep_race() {
    let test_duration = Duration::from_millis(500);
    let pool = pool(7);
    let start = Instant::now();
    while start.elapsed() < test_duration {
        let results = pool
            .broadcast(|ctx| {
                // A slight spread of sleep duration increases the chance that one of the
                // threads will race in the pool's idle sleep afterward.
                thread::sleep(Duration::from_micros(ctx.index() as u64));
            })
            .unwrap();
        assert_eq!(results.len(), 7);
    }
}

#[test]
fn rayon_broadcast_after_spawn_broadcast() {
    let (tx, rx) = channel();
    let pool = pool(4);
    pool.spawn_broadcast(move |ctx| tx.send(ctx.index()).unwrap())
        .unwrap();
    // This blocking broadcast runs after all prior broadcasts, on every worker.
    pool.broadcast(|_| {}).unwrap();
    let mut v: Vec<_> = rx.try_iter().collect();
    v.sort_unstable();
    assert!(v.into_iter().eq(0..4));
}

/// Where rayon's `broadcast_after_spawn` has the opposite order: a worker runs a broadcast
/// before the tasks already queued, whatever their priority.
#[test]
fn broadcast_runs_ahead_of_queued_tasks() {
    let pool = pool(1);
    let order = Arc::new(Mutex::new(Vec::new()));
    let blocker = occupy(&pool);
    let queued = {
        let order = Arc::clone(&order);
        pool.task(move || order.lock().unwrap().push("urgent task"))
            .priority(Priority::Urgent)
            .submit()
            .unwrap()
    };
    {
        let order = Arc::clone(&order);
        pool.spawn_broadcast(move |_| order.lock().unwrap().push("broadcast"))
            .unwrap();
    }
    blocker.release();
    queued.join().unwrap();
    assert_eq!(*order.lock().unwrap(), ["broadcast", "urgent task"]);
}

#[test]
fn only_the_workers_alive_at_the_call_run_it() {
    let pool = ThreadPool::builder()
        .core_threads(1)
        .max_threads(3)
        .keep_alive(Duration::from_secs(60))
        .build()
        .unwrap();
    let ran = Arc::new(AtomicUsize::new(0));
    let blocker = occupy(&pool); // the only worker is busy: the broadcast waits for it
    {
        let ran = Arc::clone(&ran);
        pool.spawn_broadcast(move |ctx| {
            assert_eq!(ctx.num_threads(), 1);
            ran.fetch_add(1, Ordering::SeqCst);
        })
        .unwrap();
    }
    // Two more workers start for these; they were not alive at the broadcast.
    let more = [occupy(&pool), occupy(&pool)];
    assert_eq!(pool.stats().threads, 3);
    assert_eq!(ran.load(Ordering::SeqCst), 0);
    blocker.release();
    eventually("the first worker ran its share", || {
        ran.load(Ordering::SeqCst) == 1
    });
    for blocker in more {
        blocker.release();
    }
    pool.wait_idle(Duration::from_secs(10)).unwrap();
    assert_eq!(ran.load(Ordering::SeqCst), 1);
    assert_eq!(
        pool.broadcast(|ctx| ctx.num_threads()).unwrap(),
        vec![Ok(3); 3]
    );
}

#[test]
fn a_pool_with_no_live_worker_broadcasts_to_nobody() {
    let pool = ThreadPool::builder()
        .core_threads(0)
        .max_threads(2)
        .build()
        .unwrap();
    assert_eq!(pool.stats().threads, 0);
    assert!(pool.broadcast(|ctx| ctx.index()).unwrap().is_empty());
    pool.spawn_broadcast(|_| unreachable!("no worker to run it"))
        .unwrap();
    assert!(pool.shutdown(Duration::from_secs(10)).is_complete());
    assert_eq!(pool.stats().unaccounted(), 0);
}

#[test]
fn a_shut_down_pool_refuses_and_counts_one_rejection() {
    let pool = pool(2);
    pool.shutdown(Duration::from_secs(10));
    assert_eq!(pool.broadcast(|_| ()), Err(SubmitError::Shutdown));
    assert_eq!(
        pool.spawn_broadcast(|_| unreachable!("refused")),
        Err(SubmitError::Shutdown)
    );
    let stats = pool.stats();
    assert_eq!(stats.rejected, 2);
    assert_eq!(stats.unaccounted(), 0);
}

#[test]
fn graceful_shutdown_lets_every_worker_run_its_share() {
    let pool = pool(2);
    let ran = Arc::new(AtomicUsize::new(0));
    let blockers = [occupy(&pool), occupy(&pool)];
    {
        let ran = Arc::clone(&ran);
        pool.spawn_broadcast(move |_| {
            ran.fetch_add(1, Ordering::SeqCst);
        })
        .unwrap();
    }
    let releaser = thread::spawn(move || {
        thread::sleep(Duration::from_millis(20));
        for blocker in blockers {
            blocker.release();
        }
    });
    assert!(pool.shutdown(Duration::from_secs(10)).is_complete());
    releaser.join().unwrap();
    assert_eq!(ran.load(Ordering::SeqCst), 2);
    let stats = pool.stats();
    assert_eq!(stats.completed, 4); // two blockers, two shares
    assert_eq!(stats.unaccounted(), 0);
}

#[test]
fn shutdown_now_hands_back_every_untaken_share_first() {
    let pool = pool(2);
    let blockers = [occupy(&pool), occupy(&pool)];
    let task = pool.submit(|| "queued").unwrap();
    let (tx, rx) = channel();
    pool.spawn_broadcast(move |ctx| tx.send(ctx.index()).unwrap())
        .unwrap();
    let pending = pool.shutdown_now();
    assert_eq!(pending.len(), 3);
    assert_eq!(pending[0].priority(), Priority::Urgent);
    assert_eq!(pending[1].priority(), Priority::Urgent);
    assert_eq!(pending[2].id(), task.id());
    for pending in pending {
        pending.run();
    }
    let mut indices: Vec<_> = rx.into_iter().collect();
    indices.sort_unstable();
    assert_eq!(indices, [0, 1]);
    assert_eq!(task.join(), Ok("queued"));
    for blocker in blockers {
        blocker.release();
    }
    assert!(pool.shutdown(Duration::from_secs(10)).is_complete());
    let stats = pool.stats();
    assert_eq!(stats.handed_back, 3);
    assert_eq!(stats.unaccounted(), 0);
}

#[test]
fn wait_idle_waits_for_untaken_shares() {
    let pool = pool(1);
    let blocker = occupy(&pool);
    let ran = Arc::new(AtomicUsize::new(0));
    {
        let ran = Arc::clone(&ran);
        pool.spawn_broadcast(move |_| {
            ran.fetch_add(1, Ordering::SeqCst);
        })
        .unwrap();
    }
    assert!(pool.wait_idle(Duration::from_millis(20)).is_err());
    blocker.release();
    pool.wait_idle(Duration::from_secs(10)).unwrap();
    assert_eq!(ran.load(Ordering::SeqCst), 1);
}

/// A task that spawns a broadcast and then waits for the pool to be idle runs its own worker's
/// share while it waits (the pool cannot be idle without it).
#[test]
fn wait_idle_from_a_task_runs_its_own_share() {
    let pool = Arc::new(pool(1));
    let inner = Arc::clone(&pool);
    let outcome = pool
        .submit(move || {
            inner.spawn_broadcast(|_| ()).unwrap();
            inner.wait_idle(Duration::from_secs(10))
        })
        .unwrap()
        .join()
        .unwrap();
    assert_eq!(outcome, Ok(()));
}

/// Every worker broadcasting at once: each runs its own share inline and, while waiting,
/// the others' shares for it, so nobody waits for a worker that waits for it.
#[test]
fn workers_broadcasting_at_once_do_not_wait_for_each_other() {
    let pool = Arc::new(pool(3));
    let barrier = Arc::new(Barrier::new(3));
    let handles: Vec<_> = (0..3)
        .map(|_| {
            let (pool2, barrier) = (Arc::clone(&pool), Arc::clone(&barrier));
            pool.submit(move || {
                barrier.wait(); // all three workers are in a task
                pool2.broadcast(|ctx| ctx.num_threads()).unwrap()
            })
            .unwrap()
        })
        .collect();
    for handle in handles {
        assert_eq!(handle.join().unwrap(), vec![Ok(3); 3]);
    }
}

/// A broadcast from inside a broadcast, on every worker at once.
#[test]
fn nested_broadcasts_finish() {
    let pool = pool(3);
    let outer = pool
        .broadcast(|_| values(pool.broadcast(|ctx| ctx.index()).unwrap()))
        .unwrap();
    for inner in values(outer) {
        assert_eq!(inner, [0, 1, 2]);
    }
}

#[test]
fn each_worker_runs_each_broadcast_once_and_in_order() {
    let pool = pool(4);
    let log = Arc::new(Mutex::new(Vec::new()));
    for b in 0..20 {
        let log = Arc::clone(&log);
        pool.spawn_broadcast(move |_| log.lock().unwrap().push((thread::current().id(), b)))
            .unwrap();
    }
    pool.wait_idle(Duration::from_secs(10)).unwrap();
    let log = log.lock().unwrap();
    assert_eq!(log.len(), 4 * 20);
    let threads: HashSet<_> = log.iter().map(|(t, _)| *t).collect();
    assert_eq!(threads.len(), 4);
    for t in threads {
        let mine: Vec<_> = log
            .iter()
            .filter(|(u, _)| *u == t)
            .map(|(_, b)| *b)
            .collect();
        assert_eq!(mine, (0..20).collect::<Vec<_>>());
    }
    let stats = pool.stats();
    assert_eq!((stats.submitted, stats.completed), (80, 80));
}

#[test]
fn a_borrowing_broadcast_sees_the_callers_data() {
    let pool = pool(2);
    let table = [1u64, 2, 3];
    let local = Mutex::new(0);
    let sums = pool
        .broadcast(|_| {
            *local.lock().unwrap() += 1;
            table.iter().sum::<u64>()
        })
        .unwrap();
    assert_eq!(values(sums), [6, 6]);
    assert_eq!(local.into_inner().unwrap(), 2);
}

/// The captures of a `spawn_broadcast` closure are dropped on the worker that runs its last
/// share; a panicking `Drop` there is contained, and that worker lives on.
#[test]
fn a_panicking_drop_of_the_closures_captures_does_not_kill_a_worker() {
    struct Bomb;
    impl Drop for Bomb {
        fn drop(&mut self) {
            panic!("bomb");
        }
    }
    let pool = ThreadPool::builder()
        .max_threads(2)
        .thread_name("b")
        .build()
        .unwrap();
    let bomb = Bomb;
    pool.spawn_broadcast(move |_| {
        let _ = &bomb;
    })
    .unwrap();
    pool.wait_idle(Duration::from_secs(10)).unwrap();
    let mut names = values(
        pool.broadcast(|_| thread::current().name().unwrap().to_owned())
            .unwrap(),
    );
    names.sort();
    // An unwound worker would have been replaced by a "b-2".
    assert_eq!(names, ["b-0", "b-1"]);
    assert_eq!(pool.stats().completed, 4);
}
