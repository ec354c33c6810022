//! One concurrency test body, checked exhaustively under loom and on many real threads; stress
//! runs; and the invariant checks of the seeds' `ThreadSafetyTester`.
//!
//! Every selvedge crate writes its concurrency tests with this crate, and so can you.
//!
//! - [`model`]: a test body under `loom::model` with `--cfg selvedge_loom`, otherwise run
//!   [`model_iterations`] times on real threads. With [`thread`] and [`sync`] (or
//!   `selvedge_locks::sync`), one test file serves both modes.
//! - [`stress`] and [`Stress`]: N threads released together from a start barrier, for a number
//!   of iterations or a duration; panics caught per thread; a [`StressReport`] with ops, time,
//!   ops/s, per-thread counts and every failure, and [`StressReport::assert_ok`].
//! - [`assert_single_instance`] / [`check_single_instance`]: every thread got the same instance;
//!   a panic (or, with [`check_single_instance_fallible`], an `Err`) is collected into
//!   [`SingleInstanceFailure::errors`] as the seed's `errors` list, not the end of the check.
//! - [`CallCounter`]: a function ran exactly once (or `n` times).
//! - [`IncrementLedger`]: concurrent increments are linearizable (final = sum of successes).
//! - [`throughput`]: ops/s for examples and reports (never to assert speed in a test).
//! - [`timed_beside`]: one thread's time for a run of calls while others make the same call,
//!   for criterion's `iter_custom` in scaling benchmarks.
//! - [`scaling_threads`]: the thread counts every scaling benchmark measures, chosen for a
//!   whole run by `SELVEDGE_BENCH_THREADS` (else the powers of two the machine has cores for).
//!
//! # Motivation
//!
//! Seed 004's Python `ThreadSafetyTester` starts many threads, collects `id(instance)` into a
//! set and prints operations per second:
//!
//! ```text
//! instances = set()
//! def worker():
//!     instances.add(id(get_instance()))
//! threads = [Thread(target=worker) for _ in range(100)]
//! ...
//! assert len(instances) == 1
//! ```
//!
//! In Rust that is [`assert_single_instance`]`(100, get_instance)`, with the threads released
//! together so the race window is as wide as it gets. And where the Python tester can only
//! hope to hit a bad interleaving, [`model`] under loom tries every one.
//!
//! # Modes
//!
//! | | normal build | `RUSTFLAGS="--cfg selvedge_loom"` |
//! | --- | --- | --- |
//! | [`model`] | body run [`model_iterations`] times (1,000; 10 under miri) | `loom::model(body)` |
//! | [`thread`], [`sync`] | std | loom |
//! | [`stress`] | real threads | real threads: do not call it from loom test files |
//!
//! # Examples
//!
//! A racy counter (load, then store) next to a correct one:
//!
//! ```
//! use std::sync::atomic::{AtomicU64, Ordering};
//! use selvedge_testkit::IncrementLedger;
//!
//! let counter = AtomicU64::new(0);
//! let ledger = IncrementLedger::new();
//! selvedge_testkit::stress(4, 1_000, |_, _| {
//!     counter.fetch_add(1, Ordering::Relaxed); // `let v = load(); store(v + 1)` would lose updates
//!     ledger.record(1);
//! })
//! .assert_ok();
//! ledger.assert_final(counter.load(Ordering::Relaxed) as i64);
//! ```
//!
//! # Limitations
//!
//! - This crate is a dev-dependency: no selvedge crate depends on it normally (a tidy test in
//!   `xtask` enforces that).
//! - On real threads, [`model`] and [`stress`] find races by chance; only loom proves their
//!   absence, within its preemption bound (`LOOM_MAX_PREEMPTIONS`).
//!
//! [`model`]: fn@model
//! [`stress`]: fn@stress
//! [`throughput`]: fn@throughput
//! [`timed_beside`]: fn@timed_beside
//! [`scaling_threads`]: fn@scaling_threads
#![cfg_attr(docsrs, feature(doc_cfg))]
#![deny(missing_docs)]
#![forbid(unsafe_code)]

mod call_counter;
mod increment_ledger;
mod model;
mod scaling_threads;
mod single_instance;
mod stress;
pub mod sync;
pub mod thread;
mod throughput;
mod timed_beside;

pub use call_counter::CallCounter;
pub use increment_ledger::{IncrementLedger, LedgerMismatch};
pub use model::{model, model_iterations};
pub use scaling_threads::{
    InvalidThreadList, SCALING_THREADS_VAR, parse_thread_list, scaling_threads,
};
pub use single_instance::{
    SingleInstanceFailure, assert_single_instance, check_single_instance,
    check_single_instance_fallible,
};
pub use stress::{Stress, StressError, StressFailure, StressReport, stress};
pub use throughput::throughput;
pub use timed_beside::timed_beside;
