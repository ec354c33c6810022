//! The issue-21 additions beside parking_lot's own, in the same run, uncontended (their hot
//! path): `read_recursive`, `lock_arc`, a `bump` with no waiter, and `unlock_fair`.
//!
//! Run: `cargo bench -p selvedge-locks --features arc_lock --bench parity`.

use std::hint::black_box;
use std::sync::Arc;
use std::time::Duration;

use criterion::{Criterion, criterion_group, criterion_main};

fn parity(c: &mut Criterion) {
    let mut g = c.benchmark_group("parity_uncontended");

    let (ours, theirs) = (
        selvedge_locks::RwLock::new(1_u64),
        parking_lot::RwLock::new(1_u64),
    );
    g.bench_function("read_recursive/selvedge", |b| {
        b.iter(|| *black_box(&*ours.read_recursive()))
    });
    g.bench_function("read_recursive/parking_lot", |b| {
        b.iter(|| *black_box(&*theirs.read_recursive()))
    });

    let (ours, theirs) = (
        Arc::new(selvedge_locks::Mutex::new(0_u64)),
        Arc::new(parking_lot::Mutex::new(0_u64)),
    );
    g.bench_function("lock_arc/selvedge", |b| {
        b.iter(|| *black_box(&mut *ours.lock_arc()) += 1)
    });
    g.bench_function("lock_arc/parking_lot", |b| {
        b.iter(|| *black_box(&mut *theirs.lock_arc()) += 1)
    });

    g.bench_function("bump/selvedge", |b| {
        let mut guard = ours.lock();
        b.iter(|| {
            selvedge_locks::MutexGuard::bump(&mut guard);
            *black_box(&mut *guard) += 1;
        });
    });
    g.bench_function("bump/parking_lot", |b| {
        let mut guard = theirs.lock();
        b.iter(|| {
            parking_lot::MutexGuard::bump(&mut guard);
            *black_box(&mut *guard) += 1;
        });
    });

    g.bench_function("unlock_fair/selvedge", |b| {
        b.iter(|| selvedge_locks::MutexGuard::unlock_fair(black_box(ours.lock())))
    });
    g.bench_function("unlock_fair/parking_lot", |b| {
        b.iter(|| parking_lot::MutexGuard::unlock_fair(black_box(theirs.lock())))
    });
    g.finish();
}

fn config() -> Criterion {
    Criterion::default()
        .warm_up_time(Duration::from_millis(300))
        .measurement_time(Duration::from_secs(1))
        .sample_size(20)
}

criterion_group! {
    name = benches;
    config = config();
    targets = parity
}
criterion_main!(benches);
