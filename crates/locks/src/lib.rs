//! Fast, observable, deadlock-aware locks, the blocking primitives std lacks, and the loom
//! facade every selvedge crate builds on.
//!
//! - Locks: [`Mutex`] (+ [`Condvar`]), [`RwLock`] with upgradable reads, [`ReentrantMutex`]
//!   (Python's `RLock`). `const fn new` for statics, `named` for reports, `try_lock_for` /
//!   `try_lock_until` returning [`LockTimeout`], mapped guards (which map again), `unlocked`,
//!   `bump`/`unlock_fair`, `read_recursive`: lock_api's safe surface on every lock and guard. [`Condvar::wait_while_for`] is Python's
//!   `Condition.wait_for(predicate, timeout)`. A debug build reports a `Mutex` re-locked on its own thread instead of hanging.
//!   [`BiasedRwLock`] for read-mostly data: its readers write nothing shared until a writer
//!   comes (BRAVO).
//! - Ordered multi-locking: [`lock_both`] and [`lock_all`] take several mutexes in one global
//!   order; passing one twice is a [`SameLockError`], not a self-deadlock.
//! - Blocking primitives: [`Semaphore`] (RAII [`SemaphorePermit`]), [`Event`] (Python's
//!   `threading.Event`), [`Latch`] (count-down), [`Barrier`] (reusable, timeouts, leader).
//!   Timed waits return [`WaitTimeout`].
//! - Observation: a contended acquisition that waited at least
//!   [`contention_threshold`] emits `lock.contended` (see [`set_contention_threshold`]).
//! - [`lock_order`] (feature `lock-order`): potential deadlocks reported before they block.
//! - Feature `arc_lock`: guards that own an `Arc` of their lock, so they have no lifetime
//!   (`Mutex::lock_arc`, `RwLock::read_arc`, ...; lock_api's feature of the same name).
//! - Feature `serde`: `Serialize`/`Deserialize` for [`Mutex`], [`RwLock`] and
//!   [`ReentrantMutex`] (the data, under the lock; lock_api's feature of the same name).
//! - [`sync`]: the loom facade. Every selvedge crate takes atomics, `Arc`, locks, threads and
//!   cells from here, so `--cfg selvedge_loom` model-checks all of them at once.
//!
//! # Motivation
//!
//! The seeds' Python keeps data and its lock apart and trusts every caller to take the lock,
//! to take several locks in one order, and never to re-enter a plain `Lock`:
//!
//! ```text
//! lock = threading.Lock()            # guards bank_balance, by convention only
//! def withdraw(amount):
//!     global bank_balance
//!     with lock:
//!         bank_balance -= amount
//!
//! def transfer(a, b, amount):        # transfer(x, y) and transfer(y, x) on two threads:
//!     with a.lock:                   # each holds one lock and waits for the other
//!         with b.lock:
//!             a.balance -= amount; b.balance += amount
//! ```
//!
//! Here the data lives inside the lock, the order is the library's job, and a mistake is
//! reported instead of hanging:
//!
//! ```
//! use selvedge_locks::{Mutex, lock_both};
//!
//! static BANK_BALANCE: Mutex<i64> = Mutex::named("bank_balance", 100);
//! fn withdraw(amount: i64) {
//!     *BANK_BALANCE.lock() -= amount; // no way to touch the balance without the lock
//! }
//!
//! struct Account { balance: Mutex<i64> }
//! fn transfer(a: &Account, b: &Account, amount: i64) {
//!     // One global order whatever the argument order: transfer(x, y) and transfer(y, x)
//!     // cannot deadlock. Passing the same account twice is an error, not a hang.
//!     let (mut from, mut to) = lock_both(&a.balance, &b.balance).expect("two accounts");
//!     *from -= amount;
//!     *to += amount;
//! }
//! # withdraw(10);
//! # let (x, y) = (Account { balance: Mutex::new(5) }, Account { balance: Mutex::new(0) });
//! # transfer(&x, &y, 5);
//! # assert_eq!(*y.balance.lock(), 5);
//! ```
//!
//! # Recipes
//!
//! Re-entrant calls (the seed's `process_directory` calling `process_file` under one
//! `RLock`): a [`ReentrantMutex`], whose guards give `&T` (put a `Cell` inside).
//!
//! ```
//! use std::cell::Cell;
//! use selvedge_locks::ReentrantMutex;
//!
//! static PROCESSED: ReentrantMutex<Cell<u32>> = ReentrantMutex::new(Cell::new(0));
//! fn process_file() {
//!     let n = PROCESSED.lock();
//!     n.set(n.get() + 1);
//! }
//! fn process_directory(depth: u32) {
//!     let _held = PROCESSED.lock(); // held across the nested calls
//!     (0..3).for_each(|_| process_file());
//!     if depth < 2 {
//!         process_directory(depth + 1);
//!     }
//! }
//! process_directory(0);
//! assert_eq!(PROCESSED.lock().get(), 9);
//! ```
//!
//! Bounded waiting instead of hanging forever, with an error that says what and how long:
//!
//! ```
//! use std::time::Duration;
//! use selvedge_locks::Mutex;
//!
//! let config = Mutex::named("config", 1);
//! match config.try_lock_for(Duration::from_millis(50)) {
//!     Ok(guard) => assert_eq!(*guard, 1),
//!     Err(timeout) => eprintln!("{timeout}"), // "timed out after 50ms waiting for lock `config` at ..."
//! }
//! ```
//!
//! Limit concurrency, signal readiness, wait for workers, run in rounds:
//!
//! ```
//! use selvedge_locks::{Barrier, Event, Latch, Semaphore};
//!
//! let (slots, go, done, rounds) = (Semaphore::new(2), Event::new(), Latch::new(4), Barrier::new(4));
//! std::thread::scope(|s| {
//!     for _ in 0..4 {
//!         s.spawn(|| {
//!             go.wait();
//!             rounds.wait();
//!             let _slot = slots.acquire(); // at most two at a time
//!             done.count_down();
//!         });
//!     }
//!     go.set();
//!     done.wait();
//! });
//! ```
//!
//! Seeing contention: install any `tracing` subscriber that listens to `selvedge::locks` at
//! DEBUG (`RUST_LOG=selvedge::locks=debug`) and every acquisition that waited at least the
//! threshold (default 100 µs, [`set_contention_threshold`]) emits `lock.contended` with the
//! lock's `name`, the caller's `location` and `wait_ns`. Install the subscriber globally: tracing
//! caches each call site's interest where it is first hit, and while a single *scoped*
//! subscriber exists (`with_default`, as in tests) it asks only the current thread's, so touch
//! the lock once on the subscribing thread first (see `tests/it/mutex.rs`).
//!
//! Runnable demos: `cargo run -p selvedge-locks --example bank` (random transfers from many
//! threads, conserved total, no deadlock) and `--example tickets` (never oversold).
//!
//! # Comparison
//!
//! | | selvedge-locks | parking_lot | std |
//! | --- | --- | --- | --- |
//! | uncontended lock | one compare-exchange (a futex word on Linux, parking_lot's elsewhere) | baseline | futex, similar |
//! | many threads on one `Mutex` | futex word with a bounded hand-off (Linux) | falls behind std (its #338) | futex |
//! | `RwLock` backend | futex words, readers and writers take turns, bounded pass-over (Linux) | task-fair parking lot | futex, writers first (readers can starve) |
//! | poisoning | no | no | yes |
//! | `const fn new` | yes | yes | yes |
//! | timed lock | `Result<_, LockTimeout>` naming lock, site, wait | `Option` | no |
//! | upgradable read | yes, and `with_upgraded` | yes, and `with_upgraded` | no |
//! | fair unlock, `bump` | yes (re-acquisition checked by `lock-order`) | yes | no |
//! | recursive read | `read_recursive` (allowed by `lock-order` under this thread's read) | `read_recursive` | no |
//! | serde | feature `serde` | feature `serde` | no |
//! | reader-biased lock (readers write nothing shared) | [`BiasedRwLock`] | no | no |
//! | reentrant mutex | yes | yes | no (unstable) |
//! | ordered `lock_both` / `lock_all` | yes | no | no |
//! | contention events | `lock.contended` via tracing | no | no |
//! | lock-order checking | feature `lock-order` (no backtraces) | `deadlock_detection` (after the fact, with backtraces) | no |
//! | self-relock of a `Mutex` | panics in debug builds and under `lock-order` | hangs | hangs or panics (unspecified) |
//! | Semaphore, Event, Latch, Barrier with timeout | yes | no | `Barrier` only |
//! | loom model-checking | every type, `--cfg selvedge_loom` | no | no |
//!
//! # Performance
//!
//! On Linux `Mutex`, `ReentrantMutex`, `Condvar` and `RwLock` (and [`BiasedRwLock`]'s slow
//! path) run on futex words (std's design, with a bounded hand-off so no waiter is passed over
//! for long, and parking_lot's spin-then-yield before sleeping), because parking_lot's locks
//! fall far behind std's with many threads on one lock; elsewhere the backend is parking_lot,
//! picked by measurement (`docs/notes/locks-benchmarks.md`): it matches std uncontended and
//! beats it under contention and for read-heavy `RwLock` use. When no subscriber listens to `selvedge::locks`
//! at DEBUG, `lock()` is the backend's own `lock()` after one relaxed load of tracing's level
//! filter: level with the faster of parking_lot and std uncontended, and with parking_lot
//! under contention (figures and the command in the workspace's `docs/benchmarks.md`). When one listens, the backend's
//! `try_lock` runs inline and a failure goes to the `#[cold]` slow path, which times the wait
//! and emits `lock.contended`. Lock-order bookkeeping compiles to nothing with its feature
//! off. (Why not `try_lock` always: on the benchmark machine it costs measurably more than
//! `lock()`; the figures are in the notes.)
//!
//! [`BiasedRwLock`] is for data read far more often than written: it pulls further ahead of
//! parking_lot's `RwLock` the rarer writes are and the more threads read, because its reads
//! write no shared cache line. Its writes cost more (a scan of one
//! slot per reading thread after reads), so write-heavy data belongs in [`RwLock`].
//!
//! # Limitations
//!
//! - Under `--cfg selvedge_loom` every type is backed by loom with the same API, but timed
//!   acquisitions and waits never time out (loom has no clock), a lock can be used only in the
//!   model that first touched it (no statics), and lock-order checking is off.
//! - Lock-order checking sees this crate's locks only (not std's or parking_lot's), treats
//!   every mode of an `RwLock` alike, and keeps its graph (and each thread its cache of known
//!   edges) for the life of the process: it grows with the number of distinct lock pairs.
//! - Lock-order checking skips locks taken in thread-local destructors that run after its own
//!   per-thread state is gone (at thread exit), rather than abort the process.
//! - Without `lock-order`, a self-relock is reported only for a [`Mutex`], and only in debug
//!   builds; re-locking an `RwLock` or a `BiasedRwLock` on the thread that holds it hangs.
//! - Re-reading an `RwLock` on a thread that holds it is reported as a self-deadlock under
//!   `lock-order`: with a writer queued in between it would hang.
//! - [`Semaphore`] is not FIFO: a large `acquire_many` can wait while small requests proceed.
//! - Guards are not `Send`: unlock on the thread that locked.
//! - Of lock_api's surface, [`RwLock`] lacks the timed recursive reads
//!   (`try_read_recursive_for`/`_until`): the loom backend has no timed recursive read.
//! - [`BiasedRwLock`]: at most 128 threads read on its fast path at once (the rest take the
//!   plain path); a revocation scans one slot per thread that has read biased so far; a read
//!   guard passed to `mem::forget` keeps its thread's slot, so that thread reads locks hashed to
//!   the same slot on the plain path from then on.
//!
//! # MSRV
//!
//! The workspace's `rust-version` (1.95); older compilers are untested.
#![cfg_attr(docsrs, feature(doc_cfg))]
#![deny(missing_docs)]
// `deny`, not `forbid`: `biased` and the Linux futex backend (`raw/futex_mutex.rs`,
// `raw/futex_condvar.rs`) implement lock_api's unsafe raw-lock traits, as does the loom-only
// `raw/loom.rs`, and `arc_guard.rs` re-makes lock_api guards for a held lock; each block says
// why it is sound, and their unit tests run under miri.
#![deny(unsafe_code)]

mod acquire;
#[cfg(feature = "arc_lock")]
mod arc_guard;
mod barrier;
mod biased;
mod condvar;
mod contention;
mod deadline;
mod error;
mod event;
mod guard_macros;
mod latch;
pub mod lock_order;
mod meta;
mod multi;
mod mutex;
mod owner;
mod raw;
mod reentrant;
mod rwlock;
mod semaphore;
#[cfg(feature = "serde")]
mod serde_impls;
pub mod sync;

#[cfg(feature = "arc_lock")]
pub use arc_guard::{
    ArcMutexGuard, ArcReentrantMutexGuard, ArcRwLockReadGuard, ArcRwLockUpgradableReadGuard,
    ArcRwLockWriteGuard,
};
pub use barrier::{Barrier, BarrierWaitResult};
pub use biased::{BiasedRwLock, BiasedRwLockReadGuard, BiasedRwLockWriteGuard, RawBiasedRwLock};
pub use condvar::{Condvar, WaitTimeoutResult};
pub use contention::{
    DEFAULT_CONTENTION_THRESHOLD, contention_threshold, set_contention_threshold,
};
pub use error::{LockTimeout, SameLockError, WaitTimeout};
pub use event::Event;
pub use latch::Latch;
pub use multi::{lock_all, lock_both};
pub use mutex::{MappedMutexGuard, Mutex, MutexGuard};
/// The `lock_api` crate this crate's guards and raw-lock traits come from (parking_lot's), for
/// naming its traits, e.g. to call a [`RawBiasedRwLock`] directly.
///
/// ```
/// use selvedge_locks::lock_api::RawRwLock as _;
/// let raw = selvedge_locks::RawBiasedRwLock::INIT;
/// assert!(raw.try_lock_shared());
/// // SAFETY: held since the line above, on this thread.
/// unsafe { raw.unlock_shared() };
/// ```
pub use parking_lot::lock_api;
pub use reentrant::{MappedReentrantMutexGuard, ReentrantMutex, ReentrantMutexGuard};
pub use rwlock::{
    MappedRwLockReadGuard, MappedRwLockWriteGuard, RwLock, RwLockReadGuard,
    RwLockUpgradableReadGuard, RwLockWriteGuard,
};
pub use semaphore::{Semaphore, SemaphorePermit};

/// What the facade's exported macros name from the calling crate ([`loom_thread_local!`]);
/// not public API.
#[doc(hidden)]
pub mod __private {
    #[cfg(selvedge_loom)]
    pub use loom;
}
