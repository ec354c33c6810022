//! The cost of lock-order checking (feature `lock-order` on): uncontended and nested
//! acquisitions beside parking_lot. Compare with the same groups of the `locks` bench, which
//! is built with the feature off.
//!
//! Run: `cargo bench -p selvedge-locks --features lock-order --bench lock_order`.

use std::hint::black_box;
use std::time::Duration;

use criterion::{Criterion, criterion_group, criterion_main};

fn lock_order_on(c: &mut Criterion) {
    let mut g = c.benchmark_group("lock_order_on");
    let m = selvedge_locks::Mutex::new(0_u64);
    g.bench_function("selvedge_uncontended", |b| {
        b.iter(|| *black_box(&mut *m.lock()) += 1)
    });
    let p = parking_lot::Mutex::new(0_u64);
    g.bench_function("parking_lot_uncontended", |b| {
        b.iter(|| *black_box(&mut *p.lock()) += 1);
    });
    let (x, y) = (
        selvedge_locks::Mutex::new(0_u64),
        selvedge_locks::Mutex::new(0_u64),
    );
    g.bench_function("selvedge_nested_pair", |b| {
        b.iter(|| {
            let mut gx = x.lock();
            let mut gy = y.lock();
            *black_box(&mut *gx) += 1;
            *black_box(&mut *gy) += 1;
        });
    });
    g.finish();
}

fn config() -> Criterion {
    Criterion::default()
        .warm_up_time(Duration::from_millis(500))
        .measurement_time(Duration::from_secs(2))
        .sample_size(30)
}

criterion_group! {
    name = benches;
    config = config();
    targets = lock_order_on
}
criterion_main!(benches);
