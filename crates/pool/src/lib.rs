//! A thread pool with priorities, elastic workers, backpressure, deadlines, scoped tasks and
//! a shutdown that loses nothing.
//!
//! - [`ThreadPool`]: the pool; [`PoolBuilder`] configures it (validated, typed
//!   [`BuildError`]), [`RejectionPolicy`] says what a saturated pool does.
//! - [`TaskBuilder`]: one task's [`Priority`], timeout or deadline and callbacks;
//!   [`TaskHandle`] joins, polls or cancels it; [`TaskError`] says why it has no value
//!   (for a fallible task, [`ThreadPool::submit_fallible`], its typed `Err` included);
//!   [`Fallible`] marks a builder of a fallible task.
//! - [`as_completed`](fn@as_completed): handles in finishing order ([`AsCompleted`], [`Completed`]);
//!   [`ThreadPool::map`]: a lazy, bounded, ordered map ([`Map`], [`MapError`]);
//!   [`ThreadPool::wait_idle`]: wait for everything submitted so far ([`WaitTimeout`]).
//! - [`Scope`]: tasks that borrow from the caller's stack ([`ThreadPool::scope`]), and
//!   [`ThreadPool::run`] for one borrowing closure.
//! - [`ThreadPool::broadcast`] and [`ThreadPool::spawn_broadcast`]: one closure run once on
//!   every worker alive at the call (rayon's), told its [`BroadcastContext`].
//! - [`Strand`]: a serial executor on a pool (tasks of one strand run one at a time, in
//!   order); [`StrandError`] hands a refused task back.
//! - [`PoolStats`]: counters and worker counts, one line by `Display`, emitted periodically by
//!   an optional monitor ([`PoolBuilder::monitor`]); [`ShutdownReport`] and [`PendingTask`]:
//!   what graceful and immediate shutdown give back.
//!
//! # Motivation
//!
//! Seed 002's "smart" `ThreadPoolExecutor` had the right feature list (min/max threads,
//! keep-alive, a bounded priority queue, per-task timeouts, callbacks, statistics, graceful
//! shutdown) and the usual bugs: its heap was not FIFO within a priority, its idle counter
//! went negative, `submit` printed a message and dropped the task on a full queue, and
//! `shutdown_gracefully` set the flag that stops the workers *before* waiting on
//! `queue.join()`, so a non-empty queue made it wait forever. Here the queue is FIFO within a
//! priority, worker counts live under one lock, a refusal is a typed [`SubmitError`], and
//! shutdown drains the queue with a timeout (or hands the backlog back).
//!
//! ```python
//! pool = ThreadPoolExecutor(min_threads=2, max_threads=5)
//! for i in range(10):
//!     priority = TaskPriority.HIGH if i < 3 else TaskPriority.NORMAL
//!     pool.submit(sample_task, i, 0.5, priority=priority,
//!                 callback=task_callback, error_callback=error_callback)
//! time.sleep(3)
//! print(pool.get_stats())
//! pool.shutdown_gracefully()
//! ```
//!
//! ```
//! use selvedge_pool::{Priority, ThreadPool};
//! use std::time::Duration;
//!
//! let pool = ThreadPool::builder().core_threads(2).max_threads(5).build()?;
//! let handles: Vec<_> = (0..10)
//!     .map(|i| {
//!         let priority = if i < 3 { Priority::High } else { Priority::Normal };
//!         pool.task(move || format!("task {i} result"))
//!             .priority(priority)
//!             .on_success(|r: &String| println!("callback: {r}"))
//!             .on_failure(|e| eprintln!("error callback: {e}"))
//!             .submit()
//!     })
//!     .collect::<Result<_, _>>()?;
//! for handle in handles {
//!     assert!(handle.join()?.ends_with("result"));
//! }
//! let report = pool.shutdown(Duration::from_secs(30));
//! assert!(report.is_complete());
//! assert_eq!(pool.stats().completed, 10);
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! Seed 000 creates many users in parallel through a shared executor; with borrowing tasks
//! that is a [`scope`](ThreadPool::scope):
//!
//! ```
//! use selvedge_pool::ThreadPool;
//! use std::sync::Mutex;
//!
//! let pool = ThreadPool::builder().max_threads(4).build()?;
//! let names: Vec<String> = (0..20).map(|i| format!("student{i}")).collect();
//! let created = Mutex::new(Vec::new());
//! pool.scope(|s| {
//!     for name in &names {
//!         let created = &created;
//!         s.spawn(move || created.lock().unwrap().push(name.as_str()));
//!     }
//! });
//! assert_eq!(created.into_inner().unwrap().len(), 20);
//! # Ok::<(), selvedge_pool::BuildError>(())
//! ```
//!
//! # Recipes
//!
//! - **Backpressure**: `.rejection_policy(RejectionPolicy::Block(timeout))` makes producers
//!   wait for queue space; `RejectionPolicy::CallerRuns` makes them do the work.
//! - **Drop stale work**: `.timeout(d)` on a task; if it has not started in time it resolves
//!   as [`TaskError::Expired`] and never runs.
//! - **Stop now, keep the backlog**: [`ThreadPool::shutdown_now`] returns every task that had
//!   not started as a [`PendingTask`]: persist it, run it, or drop it.
//! - **Monitor** (seed 002's monitor thread): `.monitor(interval)` on the builder emits the
//!   stats' one-line `Display` as a `pool.stats` event at that interval, from a thread that
//!   stops with the pool; `stats()` takes the pool lock once and reads atomics, so calling
//!   it yourself is cheap too.
//! - **Drain without closing** (`queue.join()`): [`ThreadPool::wait_idle`]; then submit more.
//! - **Per-worker setup or flush** (a thread-local cache, a connection per thread):
//!   [`ThreadPool::broadcast`] runs a closure once on every worker alive now, ahead of the
//!   queued tasks, and returns each worker's result; workers started later run only what
//!   they are given.
//! - **An ordered stream on a pool** (what an event bus needs): a [`Strand`] per subscriber or
//!   key runs its tasks one at a time, in submission order, on the pool's workers, and holds no
//!   worker while it has nothing to run.
//!
//! # Porting from Python
//!
//! | Python (seed 002, `concurrent.futures`, `queue`) | `selvedge-pool` |
//! | --- | --- |
//! | `ThreadPoolExecutor(min_threads, max_threads)` | `ThreadPool::builder().core_threads(n).max_threads(m).build()?` |
//! | `executor.submit(fn, *args)`, `future.result()` | [`submit`](ThreadPool::submit), [`TaskHandle::join`] |
//! | `submit(..., priority=, callback=, error_callback=, timeout=)` | [`task`](ThreadPool::task)`(f).priority(p).on_success(..).on_failure(..).timeout(d)` |
//! | a task that `raise`s: counted failed, `error_callback(e)`, `future.result()` re-raises | [`submit_fallible`](ThreadPool::submit_fallible) / [`task_fallible`](ThreadPool::task_fallible): the `Err` counts as `failed`, reaches `on_failure`, `join` gives [`TaskError::Failed`]`(e)` |
//! | `concurrent.futures.as_completed(fs, timeout)` | [`as_completed`](fn@as_completed)`(handles, Some(timeout))`: `Err(`[`WaitTimeout`]`)` for `TimeoutError` |
//! | `executor.map(fn, items)` | [`map`](ThreadPool::map) / [`map_fallible`](ThreadPool::map_fallible): lazy, bounded by [`Map::in_flight`], input order, first failure ends it |
//! | `queue.join()` (wait for the backlog, keep the workers) | [`wait_idle`](ThreadPool::wait_idle)`(timeout)` |
//! | `get_stats()`, `_print_stats()`, the monitor thread | [`stats`](ThreadPool::stats), its `Display`, [`PoolBuilder::monitor`] |
//! | `with executor:` / `shutdown(wait=True)` (no limit) | [`shutdown_and_wait`](ThreadPool::shutdown_and_wait); `Drop` waits at most [`drop_timeout`](PoolBuilder::drop_timeout) (see [`ThreadPool`]'s "Drop") |
//! | `shutdown_gracefully(timeout)` | [`shutdown`](ThreadPool::shutdown)`(timeout)` |
//! | `shutdown(cancel_futures=True)` | [`shutdown_now`](ThreadPool::shutdown_now) (hands the backlog back) |
//!
//! # Comparison
//!
//! | | `selvedge-pool` | `rayon` | `threadpool` | `std::thread::spawn` |
//! | --- | --- | --- | --- | --- |
//! | result handle | [`TaskHandle`] | via scope / channel | channel | `JoinHandle` |
//! | priorities | 4, FIFO within, Low never starves | no | no | no |
//! | bounded queue + policy | yes | no (unbounded) | no (unbounded) | no |
//! | elastic workers | core..max, keep-alive | fixed | fixed | one per task |
//! | deadlines, cancel | yes | no | no | no |
//! | panics | contained, counted, in the handle | re-raised by `scope`; `spawn` aborts without a handler | contained, worker replaced | in `join` |
//! | shutdown | graceful with timeout, or hand back backlog | none | `join` | n/a |
//! | borrowing tasks | `scope`, `run` | `scope`, `install` | no | `thread::scope` |
//! | run on every worker | `broadcast`, `spawn_broadcast` (the workers alive at the call; a panic stays in its worker's entry) | `broadcast`, `spawn_broadcast` (fixed pool; `broadcast` re-raises) | no | n/a |
//! | work stealing | no (one lock-free FIFO per priority, shared) | yes | no | n/a |
//!
//! # Performance
//!
//! In a fixed-size pool (core == max threads, the default) a submission takes no lock and,
//! for a closure of one word (one `Arc`, one reference, or nothing captured), allocates
//! nothing but the queue's own blocks: one compare-and-swap that reserves its place and one
//! push onto its priority's lock-free FIFO (crossbeam-deque's `Injector`). It takes the pool
//! lock only to wake a parked worker. Workers take no lock between tasks either: a steal from
//! the most urgent non-empty level, counted on the worker's own cache line (the protocols
//! are in the module doc of `src/engine/shared.rs`). Larger closures are boxed; `submit`
//! adds the handle's slot. Elastic pools, a full queue and scope tickets take the pool lock.
//! No clock read or tracing unless a deadline or slow-task threshold asks for it. Workers
//! yield briefly before parking so a steadily fed worker rarely needs a futex wake-up.
//! Scoped tasks go to the scope's own list, taken one at a time. Against threadpool and
//! rayon, measured in the same runs, with the commands that reproduce them:
//! `docs/benchmarks.md` and `docs/notes/pool-benchmarks.md`.
//!
//! # Limitations
//!
//! - One FIFO per priority shared by every worker, with no per-worker deques: no lock, but
//!   every take is a compare-and-swap on the level's head, so for fork-join recursion of
//!   nanosecond tasks rayon's per-worker deques scale better.
//! - Priority order is among queued tasks: a worker picks from every task whose submission
//!   returned before it looked; one still being submitted is not yet queued and may start
//!   after a less urgent task picked meanwhile. The Low guard counts per worker. FIFO within a priority holds for
//!   the submissions of each thread, whatever path they take.
//! - A task that has started is never interrupted: timeouts only expire queued tasks.
//! - Cancelled tasks keep their queue slot until a worker or shutdown discards them.
//! - Scoped tasks that wait for each other block when every runner is waiting (see
//!   [`Scope`]'s "Blocking" for the exact condition).
//! - A worker blocked on another pool (in its `broadcast`, `scope` or a `join`) runs none
//!   of its own pool's work meanwhile, unlike a rayon worker inside `install`: two pools
//!   broadcasting into each other from inside their workers block.
//! - Under loom (`--cfg selvedge_loom`) timed waits never time out, so keep-alive expiry,
//!   block timeouts and shutdown timeouts are covered by real-thread tests instead.
//!
//! # MSRV
//!
//! The workspace's `rust-version` (1.95).
#![cfg_attr(docsrs, feature(doc_cfg))]
#![deny(missing_docs)]
#![deny(unsafe_code)]

mod as_completed;
mod broadcast;
mod builder;
mod contain;
mod engine;
mod error;
mod handle;
mod map;
mod policy;
mod pool;
mod priority;
mod scope;
mod shutdown;
mod stats;
mod strand;
mod task_builder;

pub use as_completed::{AsCompleted, Completed, as_completed};
pub use broadcast::BroadcastContext;
pub use builder::PoolBuilder;
pub use engine::levels::LOW_PRIORITY_GUARD;
pub use error::{BuildError, SubmitError, TaskError, WaitTimeout};
pub use handle::TaskHandle;
pub use map::{Map, MapError};
pub use policy::RejectionPolicy;
pub use pool::ThreadPool;
pub use priority::Priority;
pub use scope::Scope;
pub use shutdown::{PendingTask, ShutdownReport};
pub use stats::PoolStats;
pub use strand::{Strand, StrandError, StrandRefusal, StrandTask};
pub use task_builder::{Fallible, TaskBuilder};
