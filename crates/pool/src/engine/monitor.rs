//! The optional monitor thread (`PoolBuilder::monitor`): seed 002's `_monitor_loop`, which
//! printed the pool's statistics every 30 s, as a `pool.stats` tracing event.
//!
//! It sleeps on `Shared::monitor_wake` with the pool lock released, so it costs the pool
//! nothing between reports; `Shared::close` (every shutdown, and so `Drop`) sets
//! `accepting = false` and notifies it under the lock, so it sees the flag on waking (or
//! before sleeping) and exits; a completed shutdown joins it. It holds an `Arc<Shared>`, so
//! the pool's state outlives it.

use std::time::{Duration, Instant};

use selvedge_locks::sync::{Arc, thread};

use super::Shared;
use super::events;

/// Starts the monitor thread; the caller holds the pool lock (the thread takes it only
/// after `build` has released it).
pub(crate) fn spawn(
    shared: &Arc<Shared>,
    interval: Duration,
) -> Result<thread::JoinHandle<()>, String> {
    let name = format!("{}-monitor", shared.config.name);
    let shared = Arc::clone(shared);
    thread::Builder::new()
        .name(name)
        .spawn(move || run(&shared, interval))
        .map_err(|e| e.to_string())
}

fn run(shared: &Shared, interval: Duration) {
    let mut st = shared.state.lock();
    loop {
        let Some(next) = Instant::now().checked_add(interval) else {
            // An interval past the clock's range: no report will ever be due.
            while st.accepting {
                shared.monitor_wake.wait(&mut st);
            }
            return;
        };
        while st.accepting && Instant::now() < next {
            shared.monitor_wake.wait_until(&mut st, next);
        }
        if !st.accepting {
            return;
        }
        drop(st);
        // Takes the lock itself, briefly; the event may run a subscriber's code, so not
        // under our lock.
        events::stats(&shared.config.name, &shared.stats());
        st = shared.state.lock();
    }
}
