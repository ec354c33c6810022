//! Empty-task throughput and submit-to-start latency of `selvedge-pool` beside rayon (scope
//! and spawn), the threadpool crate and a thread per task, at 1 and 2 workers, with
//! priorities off (everything Normal) and on (four levels in rotation); and a blocking
//! `broadcast` of an empty closure beside rayon's.
//!
//! `cargo bench -p selvedge-pool --bench pool`

use std::hint::black_box;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use criterion::{BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};
use selvedge_pool::{Priority, ThreadPool};

/// Tasks per measured batch.
const N: usize = 10_000;
/// Threads per batch for the thread-per-task baseline (thread creation is ~1000x a task).
const N_THREADS: usize = 100;

fn ours(workers: usize) -> ThreadPool {
    ThreadPool::builder()
        .max_threads(workers)
        .queue_capacity(N * 2)
        .build()
        .unwrap()
}

fn rayon_pool(workers: usize) -> rayon::ThreadPool {
    rayon::ThreadPoolBuilder::new()
        .num_threads(workers)
        .build()
        .unwrap()
}

/// Waits (yielding) until `done` reaches `n`.
fn wait_for(done: &AtomicUsize, n: usize) {
    while done.load(Ordering::Acquire) < n {
        std::thread::yield_now();
    }
}

fn throughput(c: &mut Criterion) {
    for workers in [1, 2] {
        let mut g = c.benchmark_group(format!("throughput/{workers}w"));
        g.throughput(Throughput::Elements(N as u64));
        let pool = ours(workers);
        let rayon = rayon_pool(workers);
        let tp = threadpool::ThreadPool::new(workers);

        g.bench_function("selvedge_scope", |b| {
            b.iter(|| {
                pool.scope(|s| {
                    for _ in 0..N {
                        s.spawn(|| {
                            black_box(());
                        });
                    }
                });
            });
        });
        g.bench_function("selvedge_execute", |b| {
            let done = Arc::new(AtomicUsize::new(0));
            b.iter(|| {
                done.store(0, Ordering::Relaxed);
                for _ in 0..N {
                    let done = done.clone();
                    pool.execute(move || {
                        done.fetch_add(1, Ordering::Release);
                    })
                    .unwrap();
                }
                wait_for(&done, N);
            });
        });
        g.bench_function("selvedge_execute_priorities", |b| {
            let done = Arc::new(AtomicUsize::new(0));
            b.iter(|| {
                done.store(0, Ordering::Relaxed);
                for i in 0..N {
                    let done = done.clone();
                    pool.task(move || {
                        done.fetch_add(1, Ordering::Release);
                    })
                    .priority(Priority::ALL[i % 4])
                    .execute()
                    .unwrap();
                }
                wait_for(&done, N);
            });
        });
        g.bench_function("selvedge_submit_join", |b| {
            let mut handles = Vec::with_capacity(N);
            b.iter(|| {
                handles.extend((0..N).map(|_| pool.submit(|| black_box(1u8)).unwrap()));
                for h in handles.drain(..) {
                    h.join().unwrap();
                }
            });
        });
        g.bench_function("rayon_scope", |b| {
            b.iter(|| {
                rayon.scope(|s| {
                    for _ in 0..N {
                        s.spawn(|_| {
                            black_box(());
                        });
                    }
                });
            });
        });
        g.bench_function("rayon_spawn", |b| {
            let done = Arc::new(AtomicUsize::new(0));
            b.iter(|| {
                done.store(0, Ordering::Relaxed);
                for _ in 0..N {
                    let done = done.clone();
                    rayon.spawn(move || {
                        done.fetch_add(1, Ordering::Release);
                    });
                }
                wait_for(&done, N);
            });
        });
        g.bench_function("threadpool", |b| {
            let done = Arc::new(AtomicUsize::new(0));
            b.iter(|| {
                done.store(0, Ordering::Relaxed);
                for _ in 0..N {
                    let done = done.clone();
                    tp.execute(move || {
                        done.fetch_add(1, Ordering::Release);
                    });
                }
                wait_for(&done, N);
            });
        });
        g.finish();
    }

    let mut g = c.benchmark_group("throughput/thread_per_task");
    g.throughput(Throughput::Elements(N_THREADS as u64));
    g.bench_function("std_thread_spawn", |b| {
        b.iter(|| {
            let handles: Vec<_> = (0..N_THREADS)
                .map(|_| std::thread::spawn(|| black_box(())))
                .collect();
            for h in handles {
                h.join().unwrap();
            }
        });
    });
    g.finish();
}

/// Nanoseconds since `base`, never 0 (0 means "not started yet").
fn stamp(base: Instant) -> u64 {
    (base.elapsed().as_nanos() as u64).max(1)
}

/// Measures submit-to-start: `submit` is called with a closure that stores its start time.
fn latency_of(iters: u64, mut submit: impl FnMut(Box<dyn FnOnce() + Send>)) -> Duration {
    let base = Instant::now();
    let started = Arc::new(AtomicU64::new(0));
    let mut total = Duration::ZERO;
    for _ in 0..iters {
        started.store(0, Ordering::Relaxed);
        let flag = started.clone();
        let t0 = stamp(base);
        submit(Box::new(move || flag.store(stamp(base), Ordering::Release)));
        let t1 = loop {
            let t = started.load(Ordering::Acquire);
            if t != 0 {
                break t;
            }
            // Yield, not spin: on a shared, small machine a spinning waiter can keep the
            // very thread it waits for off the CPU.
            std::thread::yield_now();
        };
        total += Duration::from_nanos(t1.saturating_sub(t0));
    }
    total
}

fn latency(c: &mut Criterion) {
    for workers in [1, 2] {
        let mut g = c.benchmark_group(format!("latency/{workers}w"));
        let pool = ours(workers);
        let rayon = rayon_pool(workers);
        let tp = threadpool::ThreadPool::new(workers);
        g.bench_function(BenchmarkId::new("selvedge", "normal"), |b| {
            b.iter_custom(|iters| latency_of(iters, |f| pool.execute(f).unwrap()));
        });
        g.bench_function(BenchmarkId::new("selvedge", "urgent"), |b| {
            b.iter_custom(|iters| {
                latency_of(iters, |f| {
                    pool.task(f).priority(Priority::Urgent).execute().unwrap();
                })
            });
        });
        g.bench_function("rayon_spawn", |b| {
            b.iter_custom(|iters| latency_of(iters, |f| rayon.spawn(f)));
        });
        g.bench_function("threadpool", |b| {
            b.iter_custom(|iters| latency_of(iters, |f| tp.execute(f)));
        });
        g.bench_function("std_thread_spawn", |b| {
            b.iter_custom(|iters| {
                latency_of(iters, |f| {
                    drop(std::thread::spawn(f));
                })
            });
        });
        g.finish();
    }
}

/// One blocking broadcast of an empty closure to every worker, from outside the pool: the
/// round trip a per-worker setup or flush costs.
fn broadcast(c: &mut Criterion) {
    for workers in [1, 2] {
        let mut g = c.benchmark_group(format!("broadcast/{workers}w"));
        let pool = ours(workers);
        let rayon = rayon_pool(workers);
        g.bench_function("selvedge", |b| {
            b.iter(|| black_box(pool.broadcast(|ctx| black_box(ctx.index())).unwrap()));
        });
        g.bench_function("rayon", |b| {
            b.iter(|| black_box(rayon.broadcast(|ctx| black_box(ctx.index()))));
        });
        g.finish();
    }
}

fn config() -> Criterion {
    Criterion::default()
        .warm_up_time(Duration::from_millis(500))
        .measurement_time(Duration::from_secs(2))
        .sample_size(10)
}

criterion_group! {
    name = benches;
    config = config();
    targets = throughput, latency, broadcast
}
criterion_main!(benches);
