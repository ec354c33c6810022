//! [`timed_beside`]: one thread's time for a run of calls while other threads make the same
//! call, for criterion's `iter_custom` in read-scaling benchmarks.

use std::hint::black_box;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

/// Times `iters` calls of `op` on this thread while `others` more threads call it in a loop,
/// and returns that time (what criterion's `iter_custom` wants). Every result goes through
/// `black_box`, so no call is optimised away.
///
/// ```
/// let counter = std::sync::atomic::AtomicU64::new(0);
/// let took = selvedge_testkit::timed_beside(1_000, 1, || {
///     counter.fetch_add(1, std::sync::atomic::Ordering::Relaxed)
/// });
/// assert!(counter.into_inner() >= 1_000);
/// assert!(took > std::time::Duration::ZERO);
/// ```
pub fn timed_beside<R>(iters: u64, others: usize, op: impl Fn() -> R + Sync) -> Duration {
    let stop = AtomicBool::new(false);
    std::thread::scope(|s| {
        for _ in 0..others {
            s.spawn(|| {
                while !stop.load(Ordering::Relaxed) {
                    black_box(op());
                }
            });
        }
        let start = Instant::now();
        for _ in 0..iters {
            black_box(op());
        }
        let elapsed = start.elapsed();
        stop.store(true, Ordering::Relaxed);
        elapsed
    })
}
