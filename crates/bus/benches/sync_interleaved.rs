//! One synchronous publish to 1 and 8 counting handlers, through a `Topic`, through
//! `Bus::publish` and from a `Vec` of the same closures: the contenders of `benches/bus.rs`'s
//! `sync/*`, run interleaved (each once per round, 15 rounds of 3 million publishes) and
//! reported as the median of each, and the median of each round's own ratio to the `Vec`. On a
//! shared, noisy machine this is steadier than criterion timing each contender for seconds on
//! its own: load that comes and goes hits all three in the same round.
//!
//! `cargo bench -p selvedge-bus --bench sync_interleaved`

use std::hint::black_box;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Instant;

use selvedge_bus::Bus;

const ROUNDS: usize = 15;
const PUBLISHES: u32 = 3_000_000;

/// A handler as the `Vec` holds it.
type Callback = dyn Fn(&u64) + Send + Sync;

/// The same counting handler as `benches/bus.rs`.
fn handler(count: &Arc<AtomicU64>) -> impl Fn(&u64) + Send + Sync + 'static {
    let count = Arc::clone(count);
    move |e: &u64| {
        count.fetch_add(black_box(*e), Ordering::Relaxed);
    }
}

/// Nanoseconds per call of `publish`, over `PUBLISHES` calls.
fn time(mut publish: impl FnMut()) -> f64 {
    let start = Instant::now();
    for _ in 0..PUBLISHES {
        publish();
    }
    start.elapsed().as_secs_f64() * 1e9 / f64::from(PUBLISHES)
}

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(f64::total_cmp);
    v[v.len() / 2]
}

fn main() {
    println!("handlers | topic ns | bus ns | vec ns | topic/vec | bus/vec");
    for handlers in [1, 8] {
        let count = Arc::new(AtomicU64::new(0));
        let bus = Bus::new().unwrap();
        let topic = bus.topic::<u64>();
        let _subs: Vec<_> = (0..handlers)
            .map(|_| topic.subscribe(handler(&count)))
            .collect();
        let vec: Vec<Box<Callback>> = (0..handlers)
            .map(|_| Box::new(handler(&count)) as Box<_>)
            .collect();
        let (mut topic_ns, mut bus_ns, mut vec_ns) = (Vec::new(), Vec::new(), Vec::new());
        let (mut topic_ratio, mut bus_ratio) = (Vec::new(), Vec::new());
        for _ in 0..ROUNDS {
            let t = time(|| {
                black_box(topic.publish(black_box(&1)).unwrap());
            });
            let b = time(|| {
                black_box(bus.publish(black_box(&1_u64)).unwrap());
            });
            let v = time(|| {
                for f in &vec {
                    f(black_box(&1));
                }
            });
            topic_ns.push(t);
            bus_ns.push(b);
            vec_ns.push(v);
            topic_ratio.push(t / v);
            bus_ratio.push(b / v);
        }
        println!(
            "{handlers} | {:.2} | {:.2} | {:.2} | {:.2}x | {:.2}x",
            median(topic_ns),
            median(bus_ns),
            median(vec_ns),
            median(topic_ratio),
            median(bus_ratio)
        );
    }
}
