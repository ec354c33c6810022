//! The bustle mixes (read-heavy, exchange, rapid-grow) on `ConcurrentMap`, dashmap, papaya and
//! one `parking_lot::RwLock<HashMap>`, over 2^14 keys, plus read-heavy over 2^20 keys
//! (`read_heavy_large`), at each thread count (`SELVEDGE_BENCH_THREADS`, else the powers of
//! two the machine has cores for), in one criterion run.
//!
//! Each criterion iteration is one bustle workload run: bustle pre-generates the keys,
//! prefills the table, then runs the operation mix (and checks every answer), timed from the
//! first to the last mix operation inside the workers (see `common::run`). The peers
//! run twice: with their default hasher (std's SipHash), as their users get them, and with
//! foldhash, the hasher `ConcurrentMap` uses by default, to compare the structures alone.
//!
//! `cargo bench -p selvedge-collections --bench maps`

mod common;

use std::hash::RandomState;
use std::time::Duration;

use common::{
    Dash, Foldhash, LARGE, Locked, MIXES, Ours, Papaya, SMALL, Size, run, thread_counts, total_ops,
    workload,
};
use criterion::{BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};

fn bustle_mixes(c: &mut Criterion) {
    let read_heavy = MIXES[0];
    let runs = MIXES
        .into_iter()
        .map(|(name, mix)| (name.to_owned(), mix, SMALL))
        .chain([(format!("{}_large", read_heavy.0), read_heavy.1, LARGE)]);
    for (name, mix, size) in runs {
        mix_group(c, &name, mix, size);
    }
}

/// One mix over one table size: every map at every thread count.
fn mix_group(c: &mut Criterion, name: &str, mix: [u8; 4], size: Size) {
    let mut group = c.benchmark_group(name);
    group
        .throughput(Throughput::Elements(total_ops(size) as u64))
        .warm_up_time(Duration::from_millis(500))
        .measurement_time(Duration::from_secs(2))
        .sample_size(10);
    {
        for threads in thread_counts() {
            let workload = workload(threads, mix, size);
            group.bench_function(BenchmarkId::new("selvedge", threads), |b| {
                b.iter_custom(|iters| run::<Ours>(&workload, threads, size, iters));
            });
            group.bench_function(BenchmarkId::new("dashmap", threads), |b| {
                b.iter_custom(|iters| run::<Dash<RandomState>>(&workload, threads, size, iters));
            });
            group.bench_function(BenchmarkId::new("papaya", threads), |b| {
                b.iter_custom(|iters| run::<Papaya<RandomState>>(&workload, threads, size, iters));
            });
            group.bench_function(BenchmarkId::new("dashmap_foldhash", threads), |b| {
                b.iter_custom(|iters| run::<Dash<Foldhash>>(&workload, threads, size, iters));
            });
            group.bench_function(BenchmarkId::new("papaya_foldhash", threads), |b| {
                b.iter_custom(|iters| run::<Papaya<Foldhash>>(&workload, threads, size, iters));
            });
            group.bench_function(
                BenchmarkId::new("parking_lot_rwlock_foldhash", threads),
                |b| {
                    b.iter_custom(|iters| run::<Locked<Foldhash>>(&workload, threads, size, iters));
                },
            );
        }
    }
    group.finish();
}

criterion_group!(benches, bustle_mixes);
criterion_main!(benches);
