//! `Counter` and `StripedCounter` beside `AtomicU64::fetch_add` and `Mutex<u64>`, at 1 and 2
//! threads, in one criterion run. One iteration is one increment on every thread.
//!
//! `cargo bench -p selvedge-collections --bench counters`

use std::hint::black_box;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Barrier, Mutex};
use std::time::{Duration, Instant};

use criterion::{BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};
use selvedge_collections::{Counter, StripedCounter};

/// Runs `op` `iters` times on each of `threads` threads released together, and returns the
/// time from the release until the last thread finished.
fn timed(threads: usize, iters: u64, op: &(dyn Fn() + Sync)) -> Duration {
    let start = Barrier::new(threads + 1);
    std::thread::scope(|s| {
        let workers: Vec<_> = (0..threads)
            .map(|_| {
                s.spawn(|| {
                    start.wait();
                    for _ in 0..iters {
                        op();
                    }
                })
            })
            .collect();
        start.wait();
        let began = Instant::now();
        for worker in workers {
            worker.join().unwrap();
        }
        began.elapsed()
    })
}

fn counters(c: &mut Criterion) {
    let mut group = c.benchmark_group("counter_increment");
    group
        .warm_up_time(Duration::from_millis(500))
        .measurement_time(Duration::from_secs(2))
        .sample_size(10);
    for threads in [1, 2] {
        group.throughput(Throughput::Elements(threads as u64));
        let atomic = AtomicU64::new(0);
        group.bench_function(BenchmarkId::new("AtomicU64::fetch_add", threads), |b| {
            b.iter_custom(|iters| {
                timed(threads, iters, &|| {
                    black_box(atomic.fetch_add(1, Ordering::Relaxed));
                })
            });
        });
        let mutex = Mutex::new(0_u64);
        group.bench_function(BenchmarkId::new("Mutex<u64>", threads), |b| {
            b.iter_custom(|iters| timed(threads, iters, &|| *mutex.lock().unwrap() += 1));
        });
        let counter = Counter::new(0);
        group.bench_function(BenchmarkId::new("Counter", threads), |b| {
            b.iter_custom(|iters| {
                timed(threads, iters, &|| {
                    black_box(counter.increment());
                })
            });
        });
        let striped = StripedCounter::new();
        group.bench_function(BenchmarkId::new("StripedCounter", threads), |b| {
            b.iter_custom(|iters| timed(threads, iters, &|| striped.increment()));
        });
    }
    group.finish();
}

criterion_group!(benches, counters);
criterion_main!(benches);
