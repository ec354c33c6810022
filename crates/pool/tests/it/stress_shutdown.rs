//! Stress: 10,000 tiny pools, each shut down (gracefully or immediately) at a random point
//! while tasks are being submitted, cancelled, expiring and panicking. Checks the nothing-lost
//! invariant: every submitted task ends in exactly one of completed, failed, cancelled,
//! expired, rejected or handed back, it ran at most once, and its handle agrees. A second
//! test does the same for 5,000 pools fed fire-and-forget tasks (`execute`, and the task
//! builder's `execute` at random priorities), which have no handle: each ran at most once,
//! its capture was dropped exactly once, and the counters add up.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use selvedge_pool::{PendingTask, Priority, RejectionPolicy, TaskError, ThreadPool};

const RUNS: u64 = 10_000;
const LONG: Duration = Duration::from_secs(60);

/// xorshift64*: deterministic per run, so a failure names a reproducible seed.
struct Rng(u64);

impl Rng {
    fn below(&mut self, n: u64) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d) % n
    }
}

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Kind {
    Plain,
    Panics,
    Expires,
    Cancelled,
}

fn one_run(seed: u64) {
    let mut rng = Rng(seed.wrapping_mul(0x9e37_79b9_7f4a_7c15) | 1);
    let max = 1 + rng.below(2) as usize;
    let core = rng.below(max as u64 + 1) as usize;
    let policy = match rng.below(3) {
        0 => RejectionPolicy::Reject,
        1 => RejectionPolicy::CallerRuns,
        _ => RejectionPolicy::Block(Duration::from_micros(200)),
    };
    let pool = ThreadPool::builder()
        .core_threads(core)
        .max_threads(max)
        .keep_alive(if rng.below(2) == 0 {
            Duration::ZERO
        } else {
            Duration::from_millis(1)
        })
        .queue_capacity(1 + rng.below(3) as usize)
        .rejection_policy(policy)
        .drop_timeout(LONG)
        .build()
        .unwrap();
    let n = 1 + rng.below(6) as usize;
    let runs: Arc<Vec<AtomicUsize>> = Arc::new((0..n).map(|_| AtomicUsize::new(0)).collect());
    let immediate = rng.below(2) == 0;
    let shutdown_delay = rng.below(4);
    let run_handed_back = rng.below(2) == 0;

    let (outcomes, pending) = std::thread::scope(|s| {
        let pool = &pool;
        let stopper = spawn_stopper(s, pool, shutdown_delay, immediate);
        let mut outcomes = Vec::with_capacity(n);
        for i in 0..n {
            let kind = match rng.below(6) {
                0 => Kind::Panics,
                1 => Kind::Expires,
                2 => Kind::Cancelled,
                _ => Kind::Plain,
            };
            let priority = Priority::ALL[rng.below(4) as usize];
            let runs = Arc::clone(&runs);
            let mut task = pool
                .task(move || {
                    runs[i].fetch_add(1, Ordering::SeqCst);
                    assert!(kind != Kind::Panics, "task {i} panics on purpose");
                    i
                })
                .priority(priority);
            if kind == Kind::Expires {
                task = task.timeout(Duration::ZERO);
            }
            let submitted = task.submit();
            let cancelled =
                kind == Kind::Cancelled && submitted.as_ref().is_ok_and(|handle| handle.cancel());
            outcomes.push((kind, submitted, cancelled));
        }
        (outcomes, stopper.join().unwrap())
    });
    settle(pending, run_handed_back);
    assert!(pool.shutdown(LONG).is_complete());

    let stats = pool.stats();
    assert_eq!(stats.submitted, n as u64, "seed {seed}");
    assert_eq!(stats.unaccounted(), 0, "seed {seed}: {stats:?}");
    assert_eq!((stats.threads, stats.idle, stats.active), (0, 0, 0));
    let mut rejected = 0;
    for (i, (kind, submitted, cancelled)) in outcomes.into_iter().enumerate() {
        let ran = runs[i].load(Ordering::SeqCst);
        assert!(ran <= 1, "seed {seed}: task {i} ran {ran} times");
        let Ok(handle) = submitted else {
            rejected += 1;
            assert_eq!(ran, 0, "seed {seed}: a rejected task ran");
            continue;
        };
        match handle.join() {
            Ok(v) => {
                assert_eq!((v, ran), (i, 1), "seed {seed}");
                assert!(kind != Kind::Panics && !cancelled);
            }
            Err(TaskError::Panicked(_)) => assert_eq!((kind, ran), (Kind::Panics, 1)),
            Err(TaskError::Cancelled) => assert!(cancelled && ran == 0, "seed {seed}"),
            Err(TaskError::Expired) => assert_eq!((kind, ran), (Kind::Expires, 0)),
            Err(TaskError::Shutdown) => assert!(!run_handed_back && ran == 0, "seed {seed}"),
            Err(other) => panic!("seed {seed}: unexpected {other:?}"),
        }
    }
    assert_eq!(stats.rejected, rejected, "seed {seed}");
}

/// Runs or drops what `shutdown_now` handed back, as the caller may.
fn settle(pending: Vec<PendingTask>, run: bool) {
    for task in pending {
        if run {
            task.run();
        } else {
            drop(task);
        }
    }
}

#[test]
fn nothing_is_lost_at_random_shutdown_points() {
    // Thousands of intentional task panics: keep the output readable (this binary has no
    // other test whose panic message matters).
    std::panic::set_hook(Box::new(|_| {}));
    for seed in 0..RUNS {
        one_run(seed);
    }
}

/// Shuts `pool` down from another thread after `delay` yields: at once (handing back what
/// never started) when `immediate`, gracefully otherwise.
fn spawn_stopper<'s>(
    s: &'s std::thread::Scope<'s, '_>,
    pool: &'s ThreadPool,
    delay: u64,
    immediate: bool,
) -> std::thread::ScopedJoinHandle<'s, Vec<PendingTask>> {
    s.spawn(move || {
        for _ in 0..delay {
            std::thread::yield_now();
        }
        if immediate {
            pool.shutdown_now()
        } else {
            pool.shutdown(LONG);
            Vec::new()
        }
    })
}

/// One fire-and-forget task's probe (the task captures only its `Arc`): the strong count
/// shows the capture was dropped exactly once whatever happened to the task.
struct Probe {
    runs: AtomicUsize,
    panics: bool,
}

fn one_fire_and_forget_run(seed: u64) {
    let mut rng = Rng(seed.wrapping_mul(0x9e37_79b9_7f4a_7c15) | 1);
    let workers = 1 + rng.below(2) as usize;
    let pool = ThreadPool::builder()
        .max_threads(workers)
        .queue_capacity(1 + rng.below(4) as usize)
        .rejection_policy(if rng.below(2) == 0 {
            RejectionPolicy::Reject
        } else {
            RejectionPolicy::CallerRuns
        })
        .drop_timeout(LONG)
        .build()
        .unwrap();
    let n = 1 + rng.below(8) as usize;
    let probes: Vec<_> = (0..n)
        .map(|_| {
            Arc::new(Probe {
                runs: AtomicUsize::new(0),
                panics: rng.below(4) == 0,
            })
        })
        .collect();
    let immediate = rng.below(2) == 0;
    let shutdown_delay = rng.below(4);
    let run_handed_back = rng.below(2) == 0;

    let (accepted, pending) = std::thread::scope(|s| {
        let pool = &pool;
        let stopper = spawn_stopper(s, pool, shutdown_delay, immediate);
        let accepted: Vec<bool> = probes
            .iter()
            .map(|probe| {
                let probe = Arc::clone(probe);
                let task = move || {
                    probe.runs.fetch_add(1, Ordering::SeqCst);
                    assert!(!probe.panics, "fire-and-forget task panics on purpose");
                };
                match rng.below(2) {
                    0 => pool.execute(task).is_ok(),
                    _ => pool
                        .task(task)
                        .priority(Priority::ALL[rng.below(4) as usize])
                        .execute()
                        .is_ok(),
                }
            })
            .collect();
        (accepted, stopper.join().unwrap())
    });
    let handed_back = pending.len() as u64;
    settle(pending, run_handed_back);
    assert!(pool.shutdown(LONG).is_complete());

    let stats = pool.stats();
    assert_eq!(stats.submitted, n as u64, "seed {seed}");
    assert_eq!(stats.unaccounted(), 0, "seed {seed}: {stats:?}");
    assert_eq!(stats.handed_back, handed_back, "seed {seed}");
    let mut ran_total = 0;
    for (probe, accepted) in probes.iter().zip(accepted) {
        let ran = probe.runs.load(Ordering::SeqCst);
        assert!(ran <= 1, "seed {seed}: a task ran {ran} times");
        assert!(accepted || ran == 0, "seed {seed}: a rejected task ran");
        assert_eq!(
            Arc::strong_count(probe),
            1,
            "seed {seed}: capture not dropped once"
        );
        ran_total += ran as u64;
    }
    let ran_here = if run_handed_back { handed_back } else { 0 };
    assert_eq!(
        ran_total,
        stats.completed + stats.failed + ran_here,
        "seed {seed}"
    );
}

#[test]
fn fire_and_forget_tasks_are_never_lost_nor_leaked() {
    std::panic::set_hook(Box::new(|_| {}));
    for seed in 0..RUNS / 2 {
        one_fire_and_forget_run(seed);
    }
}
