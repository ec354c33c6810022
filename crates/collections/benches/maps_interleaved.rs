//! The bustle mixes on `ConcurrentMap`, dashmap, papaya and one `parking_lot::RwLock<HashMap>`,
//! over 2^14 keys at each thread count (`SELVEDGE_BENCH_THREADS`, else the powers of two the
//! machine has cores for): the same
//! workloads as `benches/maps.rs`, run interleaved (each map once per round, 15 rounds) and
//! reported as the median run of each. On a shared, noisy machine this is steadier than a
//! mean: other processes inflate some runs, and a median ignores them.
//!
//! Each run is one bustle workload: bustle pre-generates the keys, prefills the table and runs
//! the operation mix (checking every answer); the mix is timed inside the worker threads, from
//! the first operation to the last (`common::run` says why not bustle's own clock). The peers
//! run twice: with their default hasher (std's SipHash), as their users get them, and with
//! foldhash, the hasher `ConcurrentMap` uses by default, to compare the structures alone.
//!
//! `cargo bench -p selvedge-collections --bench maps_interleaved`

mod common;

use std::hash::RandomState;
use std::time::Duration;

use bustle::Workload;
use common::{Dash, Foldhash, Locked, MIXES, Ours, Papaya, SMALL, run, thread_counts, workload};

const ROUNDS: usize = 15;

fn main() {
    println!(
        "mix | threads | selvedge | dashmap | papaya | dashmap_foldhash | papaya_foldhash | rwlock_hashmap_foldhash"
    );
    for (name, mix) in MIXES {
        for threads in thread_counts() {
            let workload = workload(threads, mix, SMALL);
            let runners: [fn(&Workload, usize) -> Duration; 6] = [
                |w, t| run::<Ours>(w, t, SMALL, 1),
                |w, t| run::<Dash<RandomState>>(w, t, SMALL, 1),
                |w, t| run::<Papaya<RandomState>>(w, t, SMALL, 1),
                |w, t| run::<Dash<Foldhash>>(w, t, SMALL, 1),
                |w, t| run::<Papaya<Foldhash>>(w, t, SMALL, 1),
                |w, t| run::<Locked<Foldhash>>(w, t, SMALL, 1),
            ];
            let mut runs: [Vec<Duration>; 6] = Default::default();
            for _ in 0..ROUNDS {
                for (runs, runner) in runs.iter_mut().zip(runners) {
                    runs.push(runner(&workload, threads));
                }
            }
            let median = runs.map(|mut runs| {
                runs.sort_unstable();
                runs[runs.len() / 2]
            });
            let ours = median[0].as_secs_f64();
            let ratios: Vec<String> = median[1..]
                .iter()
                .map(|peer| format!("{:.2}x", peer.as_secs_f64() / ours))
                .collect();
            println!(
                "{name} | {threads} | {:.2} ms | {}",
                ours * 1e3,
                ratios.join(" | ")
            );
        }
    }
}
