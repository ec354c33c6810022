//! The pool's scaling benchmark: throughput at 1, 2, 4, 8 and 16 workers (those the machine
//! has, or `SELVEDGE_BENCH_THREADS=1,2,4`) beside rayon and the threadpool crate, in one run.
//!
//! Rows, each at every worker count:
//! - `empty_1_submitter`: one thread submits 10,000 empty tasks (each bumps a counter) and
//!   waits for them: `execute`, rayon's `spawn`, threadpool's `execute`.
//! - `empty_4_submitters`: the same 10,000 tasks from 4 submitting threads at once.
//! - `1us_tasks`: 2,000 tasks of about 1 us of work each, from one submitter.
//! - `scope`: 10,000 empty closures spawned into a scope, beside rayon's scope.
//!
//! `1us_tasks/one_thread` runs the same 2,000 tasks inline on one thread: the bar a pool must
//! clear to be worth using for such tasks.
//!
//! `cargo bench -p selvedge-pool --bench scaling`; `cargo xtask bench -p selvedge-pool` adds the
//! ratio tables (each selvedge row against the fastest peer at the same worker count).

use std::hint::black_box;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use selvedge_pool::ThreadPool;

/// Empty tasks per measured batch.
const EMPTY: usize = 10_000;
/// ~1 us tasks per measured batch.
const BUSY: usize = 2_000;
/// Submitting threads in the `empty_4_submitters` row.
const SUBMITTERS: usize = 4;

/// The worker counts to measure (`SELVEDGE_BENCH_THREADS`, else the powers of two up to 16
/// that the machine has cores for; see `selvedge_testkit::scaling_threads`).
fn worker_counts() -> Vec<usize> {
    selvedge_testkit::scaling_threads().unwrap_or_else(|err| panic!("{err}"))
}

/// About 1 us of work that the optimiser cannot remove.
fn one_microsecond() {
    let start = Instant::now();
    let mut x = 0u64;
    while start.elapsed() < Duration::from_micros(1) {
        x = black_box(x.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1));
    }
    black_box(x);
}

/// Waits (yielding) until `done` reaches `n`.
fn wait_for(done: &AtomicUsize, n: usize) {
    while done.load(Ordering::Acquire) < n {
        std::thread::yield_now();
    }
}

/// The three pools at `workers` threads, queues large enough never to refuse a batch.
struct Pools {
    ours: ThreadPool,
    rayon: rayon::ThreadPool,
    threadpool: threadpool::ThreadPool,
}

impl Pools {
    fn new(workers: usize) -> Self {
        Self {
            ours: ThreadPool::builder()
                .max_threads(workers)
                .queue_capacity(EMPTY * 2)
                .build()
                .unwrap(),
            rayon: rayon::ThreadPoolBuilder::new()
                .num_threads(workers)
                .build()
                .unwrap(),
            threadpool: threadpool::ThreadPool::new(workers),
        }
    }
}

/// A pool that takes closures by value (no extra box where the pool itself avoids one).
trait Submit: Sync {
    fn submit<F: FnOnce() + Send + 'static>(&self, task: F);
}

impl Submit for ThreadPool {
    fn submit<F: FnOnce() + Send + 'static>(&self, task: F) {
        self.execute(task).unwrap();
    }
}

impl Submit for rayon::ThreadPool {
    fn submit<F: FnOnce() + Send + 'static>(&self, task: F) {
        self.spawn(task);
    }
}

impl Submit for threadpool::ThreadPool {
    fn submit<F: FnOnce() + Send + 'static>(&self, task: F) {
        self.execute(task);
    }
}

/// Runs `n` tasks of `work` on `pool`, from `submitters` threads, and waits for all. `work` is
/// a function item (zero-sized), so each task captures one `Arc`, as a typical task does.
fn batch<W: Fn() + Copy + Send + Sync + 'static>(
    pool: &impl Submit,
    n: usize,
    submitters: usize,
    work: W,
) {
    let done = Arc::new(AtomicUsize::new(0));
    let submit_share = |share: usize| {
        for _ in 0..share {
            let done = done.clone();
            pool.submit(move || {
                work();
                done.fetch_add(1, Ordering::Release);
            });
        }
    };
    if submitters == 1 {
        submit_share(n);
    } else {
        std::thread::scope(|s| {
            for _ in 0..submitters {
                s.spawn(|| submit_share(n / submitters));
            }
        });
    }
    wait_for(&done, n / submitters * submitters);
}

fn empty() {}

/// One row: `n` tasks of `work` from `submitters` threads, in each pool.
fn row<W: Fn() + Copy + Send + Sync + 'static>(
    c: &mut Criterion,
    name: &str,
    n: usize,
    submitters: usize,
    work: W,
) {
    for workers in worker_counts() {
        let pools = Pools::new(workers);
        let mut g = c.benchmark_group(format!("pool_scaling/{name}/{workers}w"));
        g.throughput(Throughput::Elements(n as u64));
        g.bench_function("selvedge", |b| {
            b.iter(|| batch(&pools.ours, n, submitters, work));
        });
        g.bench_function("rayon", |b| {
            b.iter(|| batch(&pools.rayon, n, submitters, work));
        });
        g.bench_function("threadpool", |b| {
            b.iter(|| batch(&pools.threadpool, n, submitters, work));
        });
        g.finish();
    }
}

fn empty_tasks(c: &mut Criterion) {
    row(c, "empty_1_submitter", EMPTY, 1, empty);
    row(c, "empty_4_submitters", EMPTY, SUBMITTERS, empty);
}

fn busy_tasks(c: &mut Criterion) {
    row(c, "1us_tasks", BUSY, 1, one_microsecond);
    let mut g = c.benchmark_group("pool_scaling/1us_tasks/one_thread");
    g.throughput(Throughput::Elements(BUSY as u64));
    g.bench_function("inline", |b| {
        b.iter(|| (0..BUSY).for_each(|_| one_microsecond()));
    });
    g.finish();
}

fn scopes(c: &mut Criterion) {
    for workers in worker_counts() {
        let pools = Pools::new(workers);
        let mut g = c.benchmark_group(format!("pool_scaling/scope/{workers}w"));
        g.throughput(Throughput::Elements(EMPTY as u64));
        g.bench_function("selvedge_scope", |b| {
            b.iter(|| {
                pools.ours.scope(|s| {
                    for _ in 0..EMPTY {
                        s.spawn(|| black_box(()));
                    }
                });
            });
        });
        g.bench_function("rayon_scope", |b| {
            b.iter(|| {
                pools.rayon.scope(|s| {
                    for _ in 0..EMPTY {
                        s.spawn(|_| black_box(()));
                    }
                });
            });
        });
        g.finish();
    }
}

fn config() -> Criterion {
    Criterion::default()
        .warm_up_time(Duration::from_millis(300))
        .measurement_time(Duration::from_secs(1))
        .sample_size(10)
}

criterion_group! {
    name = benches;
    config = config();
    targets = empty_tasks, busy_tasks, scopes
}
criterion_main!(benches);
