//! selvedge-locks beside parking_lot and std, in the same run: uncontended lock/unlock,
//! one lock contended by 1 to 16 threads (back to back, and with ~100 ns of work between
//! acquisitions), read-heavy, read-mostly and write-only RwLocks (plain and biased) at the
//! same thread counts, and Semaphore acquire/release. The thread counts: `SELVEDGE_BENCH_THREADS`
//! (e.g. `1,2,4,8,16`), else the powers of two up to 16 that the machine has cores for.
//!
//! Run: `cargo bench -p selvedge-locks --bench locks`. Figures and ratios:
//! `docs/benchmarks.md` (history in `docs/notes/locks-benchmarks.md`).

use std::hint::black_box;
use std::sync::Barrier;
use std::time::{Duration, Instant};

use criterion::{BenchmarkId, Criterion, criterion_group, criterion_main};

/// The operations each benchmark needs from a mutex, so one body measures all three.
trait BenchMutex: Sync + Default {
    fn with(&self, f: impl FnOnce(&mut u64));
}

#[derive(Default)]
struct Selvedge(selvedge_locks::Mutex<u64>);
#[derive(Default)]
struct ParkingLot(parking_lot::Mutex<u64>);
#[derive(Default)]
struct Std(std::sync::Mutex<u64>);

impl BenchMutex for Selvedge {
    #[inline]
    fn with(&self, f: impl FnOnce(&mut u64)) {
        f(&mut self.0.lock());
    }
}
impl BenchMutex for ParkingLot {
    #[inline]
    fn with(&self, f: impl FnOnce(&mut u64)) {
        f(&mut self.0.lock());
    }
}
impl BenchMutex for Std {
    #[inline]
    fn with(&self, f: impl FnOnce(&mut u64)) {
        f(&mut self
            .0
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner));
    }
}

fn uncontended<M: BenchMutex>(
    c: &mut criterion::BenchmarkGroup<'_, criterion::measurement::WallTime>,
    name: &str,
) {
    let m = M::default();
    c.bench_function(name, |b| b.iter(|| m.with(|v| *black_box(v) += 1)));
}

/// `threads` threads share `iters` lock/increment/unlock operations; the time of the whole run,
/// so the per-iteration figure is the time per operation of the lock as a whole.
fn contended_run<M: BenchMutex>(threads: u64, iters: u64, outside: u32) -> Duration {
    let m = M::default();
    let go = Barrier::new(usize::try_from(threads).expect("a few threads"));
    let body = || {
        go.wait();
        for _ in 0..iters.div_ceil(threads) {
            m.with(|v| *black_box(v) += 1);
            work_outside(outside);
        }
    };
    let t = Instant::now();
    std::thread::scope(|s| {
        for _ in 1..threads {
            s.spawn(body);
        }
        body();
    });
    t.elapsed()
}

/// `rounds` dependent multiply-adds that touch no shared memory: the time a thread spends
/// between two acquisitions in the `mutex_contended_work` group (130 rounds measured about
/// 100 ns on the benchmark machine).
fn work_outside(rounds: u32) {
    let mut x = 1_u64;
    for _ in 0..rounds {
        x = black_box(x.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1));
    }
    black_box(x);
}

/// Two locks taken nested (outer, then inner): the workload lock-order checking looks at.
fn nested(c: &mut Criterion) {
    let mut g = c.benchmark_group("mutex_nested_pair");
    let (a, b) = (
        selvedge_locks::Mutex::new(0_u64),
        selvedge_locks::Mutex::new(0_u64),
    );
    g.bench_function("selvedge", |bench| {
        bench.iter(|| {
            let mut x = a.lock();
            let mut y = b.lock();
            *black_box(&mut *x) += 1;
            *black_box(&mut *y) += 1;
        });
    });
    let (pa, pb) = (
        parking_lot::Mutex::new(0_u64),
        parking_lot::Mutex::new(0_u64),
    );
    g.bench_function("parking_lot", |bench| {
        bench.iter(|| {
            let mut x = pa.lock();
            let mut y = pb.lock();
            *black_box(&mut *x) += 1;
            *black_box(&mut *y) += 1;
        });
    });
    g.finish();
}

fn mutexes(c: &mut Criterion) {
    let mut g = c.benchmark_group("mutex_uncontended");
    uncontended::<Selvedge>(&mut g, "selvedge");
    uncontended::<ParkingLot>(&mut g, "parking_lot");
    uncontended::<Std>(&mut g, "std");
    g.finish();

    // 1 to 16 threads on one lock, with nothing (`mutex_contended`) or about 100 ns of work
    // (`mutex_contended_work`) between acquisitions. Past the machine's core count (with
    // `SELVEDGE_BENCH_THREADS` set beyond it) the threads are oversubscribed, which is a
    // measurement too (a lock whose holder is descheduled), but not the many-core one.
    for (group, outside) in [("mutex_contended", 0), ("mutex_contended_work", 130)] {
        let mut g = c.benchmark_group(group);
        for threads in thread_counts() {
            g.bench_with_input(BenchmarkId::new("selvedge", threads), &threads, |b, &t| {
                b.iter_custom(|iters| contended_run::<Selvedge>(t, iters, outside));
            });
            g.bench_with_input(
                BenchmarkId::new("parking_lot", threads),
                &threads,
                |b, &t| {
                    b.iter_custom(|iters| contended_run::<ParkingLot>(t, iters, outside));
                },
            );
            g.bench_with_input(BenchmarkId::new("std", threads), &threads, |b, &t| {
                b.iter_custom(|iters| contended_run::<Std>(t, iters, outside));
            });
        }
        g.finish();
    }
}

/// `threads` threads share `iters` operations on one lock, each thread writing once every
/// `write_every` of its operations and reading otherwise; the time of the whole run, so the
/// per-iteration figure is the time per operation of the lock as a whole.
fn rw_run(
    threads: u64,
    iters: u64,
    write_every: u64,
    read: impl Fn() -> u64 + Sync,
    write: impl Fn() + Sync,
) -> Duration {
    let go = Barrier::new(usize::try_from(threads).expect("a few threads"));
    let body = || {
        go.wait();
        for i in 0..iters.div_ceil(threads) {
            if i % write_every == 0 {
                write();
            } else {
                black_box(read());
            }
        }
    };
    let t = Instant::now();
    std::thread::scope(|s| {
        for _ in 1..threads {
            s.spawn(body);
        }
        body();
    });
    t.elapsed()
}

/// Reader-writer locks at each thread count, every thread writing once every 10 operations
/// (`rwlock_read_heavy`, a plain `RwLock`'s use) or every 100 (`rwlock_read_mostly`, what
/// `BiasedRwLock` is for).
fn rwlock_read_heavy(c: &mut Criterion) {
    for (group, every) in [("rwlock_read_heavy", 10), ("rwlock_read_mostly", 100)] {
        let mut g = c.benchmark_group(group);
        for threads in thread_counts() {
            let id = |name| BenchmarkId::new(name, threads);
            g.bench_with_input(id("selvedge"), &threads, |b, &t| {
                let l = selvedge_locks::RwLock::new(0_u64);
                b.iter_custom(|n| rw_run(t, n, every, || *l.read(), || *l.write() += 1));
            });
            g.bench_with_input(id("selvedge_biased"), &threads, |b, &t| {
                let l = selvedge_locks::BiasedRwLock::new(0_u64);
                b.iter_custom(|n| rw_run(t, n, every, || *l.read(), || *l.write() += 1));
            });
            g.bench_with_input(id("parking_lot"), &threads, |b, &t| {
                let l = parking_lot::RwLock::new(0_u64);
                b.iter_custom(|n| rw_run(t, n, every, || *l.read(), || *l.write() += 1));
            });
            g.bench_with_input(id("std"), &threads, |b, &t| {
                let l = std::sync::RwLock::new(0_u64);
                b.iter_custom(|n| {
                    rw_run(
                        t,
                        n,
                        every,
                        || *l.read().unwrap(),
                        || *l.write().unwrap() += 1,
                    )
                });
            });
        }
        g.finish();
    }
}

/// Every thread writing, at each thread count: one `RwLock` used as a mutex, the contended
/// write path and the hand-over between writers. `selvedge_biased` is the map shards' lock
/// under inserts.
fn rwlock_write_contended(c: &mut Criterion) {
    let mut g = c.benchmark_group("rwlock_write_contended");
    for threads in thread_counts() {
        let id = |name| BenchmarkId::new(name, threads);
        g.bench_with_input(id("selvedge"), &threads, |b, &t| {
            let l = selvedge_locks::RwLock::new(0_u64);
            b.iter_custom(|n| rw_run(t, n, 1, || *l.read(), || *l.write() += 1));
        });
        g.bench_with_input(id("selvedge_biased"), &threads, |b, &t| {
            let l = selvedge_locks::BiasedRwLock::new(0_u64);
            b.iter_custom(|n| rw_run(t, n, 1, || *l.read(), || *l.write() += 1));
        });
        g.bench_with_input(id("parking_lot"), &threads, |b, &t| {
            let l = parking_lot::RwLock::new(0_u64);
            b.iter_custom(|n| rw_run(t, n, 1, || *l.read(), || *l.write() += 1));
        });
        g.bench_with_input(id("std"), &threads, |b, &t| {
            let l = std::sync::RwLock::new(0_u64);
            b.iter_custom(|n| rw_run(t, n, 1, || *l.read().unwrap(), || *l.write().unwrap() += 1));
        });
    }
    g.finish();
}

/// The thread counts of the scaling groups (`SELVEDGE_BENCH_THREADS`, else the powers of two
/// the machine has cores for), as the harness's `u64`.
fn thread_counts() -> Vec<u64> {
    selvedge_testkit::scaling_threads()
        .unwrap_or_else(|err| panic!("{err}"))
        .into_iter()
        .map(|n| n as u64)
        .collect()
}

/// A std `Mutex` + `Condvar` semaphore, the usual hand-rolled peer (std has none).
struct StdSemaphore {
    permits: std::sync::Mutex<usize>,
    freed: std::sync::Condvar,
}

impl StdSemaphore {
    fn acquire(&self) {
        let mut p = self.permits.lock().unwrap();
        while *p == 0 {
            p = self.freed.wait(p).unwrap();
        }
        *p -= 1;
    }
    fn release(&self) {
        *self.permits.lock().unwrap() += 1;
        self.freed.notify_one();
    }
}

/// One thread, two writes then a read, over and over: a write-heavy lock (a map shard under
/// inserts and removes), where `BiasedRwLock` stays unbiased and every read is a slow one that
/// pays a unit of the re-bias debt. Each iteration is the three operations.
fn rwlock_write_heavy(c: &mut Criterion) {
    let mut g = c.benchmark_group("rwlock_write_heavy_1_thread");
    g.bench_function("selvedge_biased", |b| {
        let l = selvedge_locks::BiasedRwLock::new(0_u64);
        b.iter(|| {
            *l.write() += 1;
            *l.write() += 1;
            black_box(*l.read())
        });
    });
    g.bench_function("selvedge", |b| {
        let l = selvedge_locks::RwLock::new(0_u64);
        b.iter(|| {
            *l.write() += 1;
            *l.write() += 1;
            black_box(*l.read())
        });
    });
    g.bench_function("parking_lot", |b| {
        let l = parking_lot::RwLock::new(0_u64);
        b.iter(|| {
            *l.write() += 1;
            *l.write() += 1;
            black_box(*l.read())
        });
    });
    g.bench_function("std", |b| {
        let l = std::sync::RwLock::new(0_u64);
        b.iter(|| {
            *l.write().unwrap() += 1;
            *l.write().unwrap() += 1;
            black_box(*l.read().unwrap())
        });
    });
    g.finish();
}

fn semaphore(c: &mut Criterion) {
    let mut g = c.benchmark_group("semaphore_acquire_release");
    let sem = selvedge_locks::Semaphore::new(4);
    g.bench_function(BenchmarkId::new("selvedge", "uncontended"), |b| {
        b.iter(|| drop(black_box(sem.acquire())));
    });
    let std_sem = StdSemaphore {
        permits: std::sync::Mutex::new(4),
        freed: std::sync::Condvar::new(),
    };
    g.bench_function(BenchmarkId::new("std_mutex_condvar", "uncontended"), |b| {
        b.iter(|| {
            std_sem.acquire();
            std_sem.release();
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
    targets = mutexes, nested, rwlock_read_heavy, rwlock_write_contended, rwlock_write_heavy, semaphore
}
criterion_main!(benches);
