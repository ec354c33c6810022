//! The bustle mixes (read-heavy, exchange, rapid-grow) on `ConcurrentMap`, dashmap and papaya,
//! at 1 and 2 threads, in one criterion run.
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

use common::{Dash, Foldhash, Locked, MIXES, Ours, Papaya, run, total_ops, workload};
use criterion::{BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};

fn bustle_mixes(c: &mut Criterion) {
    let ops = total_ops() as u64;
    for (name, mix) in MIXES {
        let mut group = c.benchmark_group(name);
        group
            .throughput(Throughput::Elements(ops))
            .warm_up_time(Duration::from_millis(500))
            .measurement_time(Duration::from_secs(2))
            .sample_size(10);
        for threads in [1, 2] {
            let workload = workload(threads, mix);
            group.bench_function(BenchmarkId::new("selvedge", threads), |b| {
                b.iter_custom(|iters| run::<Ours>(&workload, threads, iters));
            });
            group.bench_function(BenchmarkId::new("dashmap", threads), |b| {
                b.iter_custom(|iters| run::<Dash<RandomState>>(&workload, threads, iters));
            });
            group.bench_function(BenchmarkId::new("papaya", threads), |b| {
                b.iter_custom(|iters| run::<Papaya<RandomState>>(&workload, threads, iters));
            });
            group.bench_function(BenchmarkId::new("dashmap_foldhash", threads), |b| {
                b.iter_custom(|iters| run::<Dash<Foldhash>>(&workload, threads, iters));
            });
            group.bench_function(BenchmarkId::new("papaya_foldhash", threads), |b| {
                b.iter_custom(|iters| run::<Papaya<Foldhash>>(&workload, threads, iters));
            });
            group.bench_function(
                BenchmarkId::new("parking_lot_rwlock_foldhash", threads),
                |b| {
                    b.iter_custom(|iters| run::<Locked<Foldhash>>(&workload, threads, iters));
                },
            );
        }
        group.finish();
    }
}

criterion_group!(benches, bustle_mixes);
criterion_main!(benches);
