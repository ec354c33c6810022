//! What the backends' pass-over tests share: two hot threads hammering a lock while the test
//! thread times its own acquisitions, and the spinning hold they use.

use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

/// Spins (without yielding the CPU) for `d`.
pub(crate) fn busy(d: Duration) {
    let start = Instant::now();
    while start.elapsed() < d {
        std::hint::spin_loop();
    }
}

/// Two hot threads run `hot` in a loop (each taking and holding `lock` briefly, polling so
/// they never sleep) while this thread, once `started` says they run, takes the lock
/// `acquisitions` times through `take` (given `limit`, so a regression fails instead of
/// hanging the suite; it says whether it got the lock), 1 ms apart. Returns the waits, up to
/// and including the first that gave up.
pub(crate) fn waits_beside<L: Sync>(
    lock: &L,
    acquisitions: usize,
    limit: Duration,
    hot: impl Fn(&L) + Sync,
    started: impl Fn(&L) -> bool,
    take: impl Fn(&L, Duration) -> bool,
) -> Vec<Duration> {
    let stop = AtomicBool::new(false);
    let mut waits = Vec::with_capacity(acquisitions);
    std::thread::scope(|s| {
        for _ in 0..2 {
            s.spawn(|| {
                while !stop.load(Ordering::Relaxed) {
                    hot(lock);
                }
            });
        }
        while !started(lock) {
            std::thread::yield_now();
        }
        for _ in 0..acquisitions {
            let start = Instant::now();
            let got = take(lock, limit);
            waits.push(start.elapsed());
            if !got {
                break;
            }
            std::thread::sleep(Duration::from_millis(1));
        }
        stop.store(true, Ordering::Relaxed);
    });
    waits
}
