//! Stress: several threads broadcast (blocking and fire-and-forget) while others submit
//! ordinary tasks, on a fixed pool and on an elastic one whose workers come and go; and
//! broadcasts racing `shutdown_now`. Checks that each broadcast runs exactly once on each of
//! its workers (indices `0..num_threads`, each once, on distinct threads), that every worker
//! runs one submitter's broadcasts in call order, and that nothing is lost or doubled.

use std::collections::HashSet;
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::thread::{self, ThreadId};
use std::time::Duration;

use selvedge_pool::{TaskError, ThreadPool};
use selvedge_testkit::stress;

/// One run of one broadcast: (index, num_threads, thread).
type Run = (usize, usize, ThreadId);

/// Checks one broadcast's runs: `num_threads` of them, indices `0..n` once each, each on a
/// different thread. Returns `n`.
fn check_runs(runs: &[Run]) -> usize {
    let n = runs.first().map_or(0, |run| run.1);
    assert!(n > 0, "a broadcast ran nowhere");
    assert_eq!(runs.len(), n, "{runs:?}");
    assert!(runs.iter().all(|run| run.1 == n), "{runs:?}");
    let indices: HashSet<_> = runs.iter().map(|run| run.0).collect();
    assert_eq!(indices, (0..n).collect(), "{runs:?}");
    let threads: HashSet<_> = runs.iter().map(|run| run.2).collect();
    assert_eq!(threads.len(), n, "a worker ran it twice: {runs:?}");
    n
}

/// Broadcasters (threads `0..3`) and task submitters (threads `3..5`) on `pool`; returns
/// every worker thread any broadcast ran on.
fn broadcasts_beside_tasks(pool: &ThreadPool, iterations: u64) -> HashSet<ThreadId> {
    // (broadcaster, call number, worker) in the order workers ran them.
    let order: Mutex<Vec<(usize, u64, ThreadId)>> = Mutex::new(Vec::new());
    let spawned: Mutex<Vec<Arc<Mutex<Vec<Run>>>>> = Mutex::new(Vec::new());
    let order = Arc::new(order);
    let tasks_ran = Arc::new(AtomicU64::new(0));
    let shares = AtomicU64::new(0);
    stress(5, iterations, |thread, i| {
        if thread >= 3 {
            let ran = Arc::clone(&tasks_ran);
            pool.execute(move || {
                ran.fetch_add(1, Ordering::Relaxed);
            })
            .unwrap();
            return;
        }
        if i % 2 == 0 {
            let runs = Mutex::new(Vec::new());
            let results = pool
                .broadcast(|ctx| {
                    let me = thread::current().id();
                    order.lock().unwrap().push((thread, i, me));
                    runs.lock()
                        .unwrap()
                        .push((ctx.index(), ctx.num_threads(), me));
                    ctx.index()
                })
                .unwrap();
            let runs = runs.into_inner().unwrap();
            let n = check_runs(&runs);
            assert_eq!(
                results,
                (0..n).map(Ok).collect::<Vec<Result<usize, TaskError>>>()
            );
            shares.fetch_add(n as u64, Ordering::Relaxed);
        } else {
            let runs = Arc::new(Mutex::new(Vec::new()));
            spawned.lock().unwrap().push(Arc::clone(&runs));
            let order = Arc::clone(&order);
            pool.spawn_broadcast(move |ctx| {
                let me = thread::current().id();
                order.lock().unwrap().push((thread, i, me));
                runs.lock()
                    .unwrap()
                    .push((ctx.index(), ctx.num_threads(), me));
            })
            .unwrap();
        }
    })
    .assert_ok();
    assert!(pool.shutdown(Duration::from_secs(30)).is_complete());
    for runs in spawned.into_inner().unwrap() {
        let n = check_runs(&runs.lock().unwrap());
        shares.fetch_add(n as u64, Ordering::Relaxed);
    }
    // Every worker ran each broadcaster's broadcasts in call order.
    let order = order.lock().unwrap();
    let workers: HashSet<ThreadId> = order.iter().map(|run| run.2).collect();
    for &worker in &workers {
        for broadcaster in 0..3 {
            let calls: Vec<u64> = order
                .iter()
                .filter(|run| run.2 == worker && run.0 == broadcaster)
                .map(|run| run.1)
                .collect();
            assert!(calls.is_sorted(), "out of order on one worker: {calls:?}");
        }
    }
    let stats = pool.stats();
    let tasks = 2 * iterations;
    assert_eq!(tasks_ran.load(Ordering::Relaxed), tasks);
    assert_eq!(stats.submitted, tasks + shares.load(Ordering::Relaxed));
    assert_eq!(stats.completed, stats.submitted, "{stats:?}");
    assert_eq!(stats.unaccounted(), 0, "{stats:?}");
    workers
}

#[test]
fn fixed_pool_every_worker_runs_every_broadcast_once() {
    let pool = ThreadPool::builder().max_threads(4).build().unwrap();
    let workers = broadcasts_beside_tasks(&pool, 2_000);
    assert_eq!(
        workers.len(),
        4,
        "every broadcast ran on the same four workers"
    );
}

#[test]
fn elastic_pool_each_broadcast_runs_once_on_each_of_its_workers() {
    // Workers above core retire as soon as the queue is empty, so they come and go between
    // and during broadcasts.
    let pool = ThreadPool::builder()
        .core_threads(1)
        .max_threads(4)
        .keep_alive(Duration::ZERO)
        .build()
        .unwrap();
    broadcasts_beside_tasks(&pool, 2_000);
}

/// Broadcasters race `shutdown_now`, which hands back the shares not yet taken; every other
/// one is run by the test, the rest dropped. Each broadcast's entries are then exactly: `Ok`
/// for each run (by a worker or here), `Shutdown` for each dropped share.
#[test]
fn broadcasts_racing_shutdown_now_lose_nothing() {
    for _ in 0..20 {
        let pool = Arc::new(ThreadPool::builder().max_threads(3).build().unwrap());
        let stop = Arc::new(AtomicBool::new(false));
        let broadcasters: Vec<_> = (0..3)
            .map(|_| {
                let (pool, stop) = (Arc::clone(&pool), Arc::clone(&stop));
                thread::spawn(move || {
                    let mut accepted = 0u64;
                    while !stop.load(Ordering::Relaxed) {
                        let ran = AtomicUsize::new(0);
                        let Ok(results) = pool.broadcast(|_| {
                            ran.fetch_add(1, Ordering::Relaxed);
                        }) else {
                            break;
                        };
                        let ok = results.iter().filter(|r| r.is_ok()).count();
                        let dropped = results
                            .iter()
                            .filter(|r| **r == Err(TaskError::Shutdown))
                            .count();
                        assert_eq!(ok + dropped, results.len(), "{results:?}");
                        assert_eq!(ran.into_inner(), ok, "each run once, none lost");
                        accepted += results.len() as u64;
                    }
                    accepted
                })
            })
            .collect();
        thread::sleep(Duration::from_millis(2));
        let pending = pool.shutdown_now();
        stop.store(true, Ordering::Relaxed);
        let handed_back = pending.len() as u64;
        for (i, task) in pending.into_iter().enumerate() {
            if i % 2 == 0 {
                task.run();
            } else {
                drop(task);
            }
        }
        let shares: u64 = broadcasters.into_iter().map(|b| b.join().unwrap()).sum();
        assert!(pool.shutdown(Duration::from_secs(30)).is_complete());
        let stats = pool.stats();
        assert_eq!(stats.handed_back, handed_back);
        assert_eq!(stats.submitted, shares + stats.rejected);
        assert_eq!(stats.unaccounted(), 0, "{stats:?}");
    }
}
