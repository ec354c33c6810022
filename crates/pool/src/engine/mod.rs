//! The engine behind [`ThreadPool`](crate::ThreadPool): shared state, submission, the worker
//! loop, the queue, jobs, broadcasts and shutdown. The facade (`src/pool.rs`) and
//! the user-facing types (`scope.rs`, `shutdown.rs`, ...) call into it; it never names the
//! facade or the builder: it is started with a [`Config`] value and hands back plain data
//! (jobs, counts, [`PoolStats`](crate::PoolStats)), which the facade wraps.
//!
//! | file | what |
//! | --- | --- |
//! | `shared.rs` | [`Shared`] (one per pool, behind an `Arc`) and `State` (under the pool lock); the per-task protocols; start, `stats`, `wait_idle`, `set_max_threads` |
//! | `submit.rs` | `dispatch` (the lock-free fast path), `enqueue` (locked path: growth rule, rejection policy) |
//! | `shutdown.rs` | `close`, the graceful `shutdown`, `shutdown_now` |
//! | `worker.rs` | the worker loop: stealing, spinning, parking, retirement, `execute` |
//! | `levels.rs` | `Levels`, one lock-free FIFO per priority, and the per-worker Low guard |
//! | `injector.rs` | the FIFO itself: crossbeam-deque's `Injector` (a model of it under loom) |
//! | `slot.rs` | `WorkerSlot`, what each worker counts on its own cache line |
//! | `signals.rs` | `Signals`, the read-mostly words workers read between tasks |
//! | `tally.rs` | the packed atomic word submitters reserve in, as a type |
//! | `job.rs` | `Job`, the type-erased unit of work, and the `Work`s tasks become |
//! | `broadcast.rs` | open broadcasts and their shares |
//! | `config.rs`, `counters.rs`, `task_id.rs`, `monitor.rs`, `events.rs` | settings, task counters, task ids, the monitor thread, tracing events |
//!
//! # Unsafe
//!
//! Two modules here hold `unsafe`, each behind a safe boundary told in its module doc:
//! `job.rs` (the job's inline storage and vtable, behind `Job`) and `broadcast.rs` (the
//! lifetime erasure of a blocking broadcast's closure, behind `run_borrowed`). Outside the
//! engine only `scope/runners.rs` has any (the lifetime erasure of scoped closures, behind
//! `Scope`).
//! The crate denies `unsafe_code` everywhere else; `tests/it/unsafe_boundary.rs` keeps it so.
//! The queue's own `unsafe` is crossbeam-deque's.

pub(crate) mod broadcast;
mod config;
pub(crate) mod counters;
pub(crate) mod events;
pub(crate) mod injector;
pub(crate) mod job;
pub(crate) mod levels;
mod monitor;
mod shared;
mod shutdown;
mod signals;
mod slot;
mod submit;
mod tally;
pub(crate) mod task_id;
pub(crate) mod worker;

pub(crate) use config::{Config, Hook, MAX_THREADS};
pub(crate) use shared::Shared;
pub(crate) use submit::NotQueued;
pub(crate) use worker::SPIN_ROUNDS;
