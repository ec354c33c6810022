//! The bus beside its peers, in one run.
//!
//! - `sync/{1,8}`: one synchronous publish to 1 and 8 counting handlers, through a `Topic`
//!   handle and through `Bus::publish` (type lookup), against calling the same closures from a
//!   `Vec` (the floor: no snapshot, no panic containment, no counters).
//! - `async/8`: 10,000 events fanned out asynchronously to 8 subscribers until all 80,000
//!   deliveries ran: the bus on a 2-worker pool (one strand per subscriber), a crossbeam-channel
//!   fan-out (one bounded channel and one thread per subscriber), and the seed's thread per
//!   callback per publish (100 events, as thread creation costs ~1000x a delivery).
//!
//! `cargo bench -p selvedge-bus --bench bus`

use std::hint::black_box;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use selvedge_bus::{Bus, Overflow};
use selvedge_pool::ThreadPool;

/// Events per asynchronous batch.
const N: u64 = 10_000;
/// Events per batch for the thread-per-callback baseline.
const N_THREADS: u64 = 100;
/// Subscribers in the asynchronous fan-out.
const FAN: usize = 8;

/// A handler as the baselines hold it.
type Callback = dyn Fn(&u64) + Send + Sync;

/// A counting handler: the cheapest realistic handler, the same closure for every contender.
fn handler(count: &Arc<AtomicU64>) -> impl Fn(&u64) + Send + Sync + 'static {
    let count = Arc::clone(count);
    move |e: &u64| {
        count.fetch_add(black_box(*e), Ordering::Relaxed);
    }
}

fn wait_for(count: &AtomicU64, n: u64) {
    while count.load(Ordering::Acquire) < n {
        std::thread::yield_now();
    }
}

fn sync_publish(c: &mut Criterion) {
    for handlers in [1, 8] {
        let mut g = c.benchmark_group(format!("sync/{handlers}"));
        let count = Arc::new(AtomicU64::new(0));
        let bus = Bus::new().unwrap();
        let topic = bus.topic::<u64>();
        let _subs: Vec<_> = (0..handlers)
            .map(|_| topic.subscribe(handler(&count)))
            .collect();
        let vec: Vec<Box<Callback>> = (0..handlers)
            .map(|_| Box::new(handler(&count)) as Box<_>)
            .collect();

        g.bench_function("selvedge_topic", |b| {
            b.iter(|| topic.publish(black_box(&1)).unwrap());
        });
        g.bench_function("selvedge_bus", |b| {
            b.iter(|| bus.publish(black_box(&1_u64)).unwrap());
        });
        g.bench_function("vec_of_closures", |b| {
            b.iter(|| {
                for f in &vec {
                    f(black_box(&1));
                }
            });
        });
        g.finish();
    }
}

fn async_fan_out(c: &mut Criterion) {
    let mut g = c.benchmark_group(format!("async/{FAN}"));
    g.throughput(Throughput::Elements(N * FAN as u64));
    {
        let pool = Arc::new(ThreadPool::builder().max_threads(2).build().unwrap());
        let bus = Bus::builder()
            .pool(&pool)
            .capacity(N as usize)
            .overflow(Overflow::Block(Duration::from_secs(60)))
            .build()
            .unwrap();
        let count = Arc::new(AtomicU64::new(0));
        let _subs: Vec<_> = (0..FAN).map(|_| bus.subscribe(handler(&count))).collect();
        let topic = bus.topic::<u64>();
        g.bench_function("selvedge_bus", |b| {
            b.iter(|| {
                count.store(0, Ordering::Relaxed);
                for _ in 0..N {
                    topic.publish_async(1).unwrap();
                }
                wait_for(&count, N * FAN as u64);
            });
        });
    }
    {
        let count = Arc::new(AtomicU64::new(0));
        let mut senders = Vec::new();
        let mut threads = Vec::new();
        for _ in 0..FAN {
            let (tx, rx) = crossbeam_channel::bounded::<Arc<u64>>(1024);
            let f = handler(&count);
            threads.push(std::thread::spawn(move || {
                for e in rx {
                    f(&e);
                }
            }));
            senders.push(tx);
        }
        g.bench_function("crossbeam_channel", |b| {
            b.iter(|| {
                count.store(0, Ordering::Relaxed);
                for _ in 0..N {
                    let e = Arc::new(1_u64);
                    for tx in &senders {
                        tx.send(Arc::clone(&e)).unwrap();
                    }
                }
                wait_for(&count, N * FAN as u64);
            });
        });
        drop(senders);
        for t in threads {
            t.join().unwrap();
        }
    }
    g.throughput(Throughput::Elements(N_THREADS * FAN as u64));
    {
        let count = Arc::new(AtomicU64::new(0));
        let handlers: Vec<Arc<Callback>> = (0..FAN)
            .map(|_| Arc::new(handler(&count)) as Arc<_>)
            .collect();
        g.bench_function("thread_per_callback", |b| {
            b.iter(|| {
                count.store(0, Ordering::Relaxed);
                for _ in 0..N_THREADS {
                    let e = Arc::new(1_u64);
                    for h in &handlers {
                        let (h, e) = (Arc::clone(h), Arc::clone(&e));
                        // Detached, as the seed's daemon threads.
                        drop(std::thread::spawn(move || h(&e)));
                    }
                }
                wait_for(&count, N_THREADS * FAN as u64);
            });
        });
    }
    g.finish();
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
    targets = sync_publish, async_fan_out
}
criterion_main!(benches);
