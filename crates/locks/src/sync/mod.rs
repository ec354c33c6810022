//! The loom facade: the one place every selvedge crate takes its synchronization from.
//!
//! Production code never names `std::sync`, `std::thread`, `parking_lot` or `arc_swap`
//! directly, nor the `selvedge_loom` cfg; it imports from here (the repository's tidy test
//! `synchronization_comes_from_the_facade` enforces it for every crate built on the facade,
//! naming the few files that choose a model backend). A normal build gets the real primitives. A build with
//! `RUSTFLAGS="--cfg selvedge_loom"` gets [loom]'s, so a `loom::model` explores every
//! interleaving of the code above them, ours and the user's alike. The paths mirror std's
//! (`sync::atomic::AtomicUsize`, `sync::Arc`, `thread::spawn`), as in tokio's `src/loom/`.
//!
//! | item | normal build | under `selvedge_loom` |
//! | --- | --- | --- |
//! | [`atomic`] | `std::sync::atomic` | `loom::sync::atomic` |
//! | [`Arc`] | `std::sync::Arc` | `loom::sync::Arc` |
//! | [`PlainMutex`], [`PlainRwLock`], [`PlainCondvar`] | `parking_lot` | `loom::sync` behind the same API |
//! | [`BiasedRwLock`] | [`crate::BiasedRwLock`] over the crate's raw `RwLock` (futex on Linux, parking_lot elsewhere) | the same protocol over loom's atomics and a loom-backed raw lock |
//! | [`ArcCell`], [`OptionArcCell`] | `arc_swap` | a loom `Mutex` around the `Arc` |
//! | [`thread`], [`hint`] | `std` | `loom` |
//! | [`loom_thread_local!`](crate::loom_thread_local) | `std::thread_local!` | `loom::thread_local!` |
//! | [`static_atomic`] | `std::sync::atomic` | `std::sync::atomic` (loom atomics cannot be `static`) |
//! | [`MODEL`] | `false` | `true` |
//! | [`cell::UnsafeCell`] | `core::cell::UnsafeCell` with `with`/`with_mut` | `loom::cell::UnsafeCell` |
//! | [`loom_const_fn!`](crate::loom_const_fn) | a `const fn` | the same `fn`, not `const` |
//!
//! The plain lock types (named so, because they have no name, events or lock-order checks,
//! unlike the crate's [`Mutex`](crate::Mutex)) expose the subset of parking_lot's API both backends support: `lock()`
//! returns the guard (no poisoning), `try_lock()` an `Option`, and [`PlainCondvar::wait`] takes
//! `&mut guard`.
//!
//! # What loom cannot model, and how that gap is covered
//!
//! - **Time.** Loom has no clock. Under loom, [`PlainCondvar::wait_for`] waits exactly like
//!   [`PlainCondvar::wait`] and never reports a timeout, so a model must make every timed wait end
//!   by a notification (or loom reports the deadlock). Timeout paths are covered by tests on
//!   real threads (each crate's black-box tests of its timed methods, such as the locks'
//!   `tests/it/hostile.rs` or the session's `tests/it/timeout.rs`, and its stress tests), and by
//!   ThreadSanitizer (`cargo xtask tsan`).
//! - **arc-swap's internals.** arc-swap's lock-free debt lists are not rewritten over loom;
//!   under loom [`ArcCell`] is a mutex around an `Arc`, which has the same linearizable
//!   load/store/swap semantics, so the code *around* the cell is model-checked. arc-swap itself
//!   is tested upstream (including under miri), and our normal-build tests and miri run use it.
//! - **parking_lot's internals** likewise: loom checks our protocols over loom's locks; the
//!   real parking_lot is exercised by stress tests, miri and ThreadSanitizer.
//! - **Thread-locals.** Loom runs every model thread on one OS thread, so a `std`
//!   thread-local is shared by all of a model's threads. Per-thread state that matters to a
//!   protocol is declared with [`loom_thread_local!`](crate::loom_thread_local), which is
//!   loom's under the cfg (selvedge-collections' re-entrance record and striped-counter slots,
//!   the pool's task-id blocks).
//! - **`Instant`** is the real clock; code that depends on timing is never asserted on under
//!   loom.
//!
//! [loom]: https://docs.rs/loom
//!
//! # Examples
//!
//! ```
//! use selvedge_locks::sync::atomic::{AtomicUsize, Ordering};
//! use selvedge_locks::sync::{Arc, PlainMutex, thread};
//!
//! let hits = Arc::new(AtomicUsize::new(0));
//! let log = Arc::new(PlainMutex::new(Vec::new()));
//! let worker = {
//!     let (hits, log) = (hits.clone(), log.clone());
//!     thread::spawn(move || {
//!         hits.fetch_add(1, Ordering::Relaxed);
//!         log.lock().push("worker");
//!     })
//! };
//! worker.join().unwrap();
//! assert_eq!(hits.load(Ordering::Relaxed), 1);
//! assert_eq!(*log.lock(), ["worker"]);
//! ```

mod arc_cell;
pub mod cell;
mod locks;
mod loom_const_fn;
mod loom_thread_local;

pub use arc_cell::{ArcCell, ArcCellGuard, OptionArcCell, OptionArcCellGuard};
pub use locks::{
    PlainCondvar, PlainMutex, PlainMutexGuard, PlainRwLock, PlainRwLockReadGuard,
    PlainRwLockWriteGuard,
};

/// [`crate::BiasedRwLock`] and its guards, also under this path so crates that take everything
/// from the facade find them here; it is one type in both builds, since its parts are the
/// facade's.
///
/// ```
/// let lock = selvedge_locks::sync::BiasedRwLock::new(1);
/// let guard: selvedge_locks::sync::BiasedRwLockReadGuard<'_, i32> = lock.read();
/// assert_eq!(*guard, 1);
/// drop(guard);
/// let mut w: selvedge_locks::sync::BiasedRwLockWriteGuard<'_, i32> = lock.write();
/// *w = 2;
/// ```
pub use crate::biased::{BiasedRwLock, BiasedRwLockReadGuard, BiasedRwLockWriteGuard};

/// Atomic types and orderings: `std::sync::atomic`, or loom's under `selvedge_loom`.
///
/// ```
/// use selvedge_locks::sync::atomic::{AtomicU64, Ordering};
/// let n = AtomicU64::new(1);
/// assert_eq!(n.fetch_add(1, Ordering::Relaxed), 1);
/// ```
pub mod atomic {
    #[cfg(selvedge_loom)]
    pub use loom::sync::atomic::{
        AtomicBool, AtomicI64, AtomicIsize, AtomicPtr, AtomicU8, AtomicU32, AtomicU64, AtomicUsize,
        Ordering, fence,
    };
    #[cfg(not(selvedge_loom))]
    #[doc(no_inline)]
    pub use std::sync::atomic::{
        AtomicBool, AtomicI64, AtomicIsize, AtomicPtr, AtomicU8, AtomicU32, AtomicU64, AtomicUsize,
        Ordering, fence,
    };
}

/// Threads: `std::thread`, or loom's under `selvedge_loom`.
///
/// ```
/// let handle = selvedge_locks::sync::thread::spawn(|| 6 * 7);
/// assert_eq!(handle.join().unwrap(), 42);
///
/// // Named threads with a stack size: loom's `Builder` takes the same calls.
/// let named = selvedge_locks::sync::thread::Builder::new()
///     .name("worker-1".into())
///     .stack_size(256 * 1024)
///     .spawn(|| selvedge_locks::sync::thread::current().name().map(str::to_owned))?;
/// assert_eq!(named.join().unwrap().as_deref(), Some("worker-1"));
/// # Ok::<(), std::io::Error>(())
/// ```
pub mod thread {
    #[cfg(selvedge_loom)]
    pub use loom::thread::{
        Builder, JoinHandle, Thread, ThreadId, current, park, spawn, yield_now,
    };
    #[cfg(not(selvedge_loom))]
    #[doc(no_inline)]
    pub use std::thread::{Builder, JoinHandle, Thread, ThreadId, current, park, spawn, yield_now};

    /// The hardware's parallelism, std's in both builds (a sizing hint, never part of a
    /// protocol; loom has no such call).
    ///
    /// ```
    /// let n = selvedge_locks::sync::thread::available_parallelism().map_or(1, usize::from);
    /// assert!(n >= 1);
    /// ```
    #[doc(no_inline)]
    pub use std::thread::available_parallelism;
}

/// Atomics for `static` items: std's in both builds, because a loom atomic registers with the
/// running model and cannot be built in a `static`.
///
/// Only for values no protocol depends on: id counters, placement hints, creation numbers
/// (any distinct values would do, and the code stays correct whatever loom would interleave).
/// Anything a model must see goes through [`atomic`].
///
/// ```
/// use selvedge_locks::sync::static_atomic::{AtomicU64, Ordering};
///
/// static NEXT_ID: AtomicU64 = AtomicU64::new(1);
/// let first = NEXT_ID.fetch_add(1, Ordering::Relaxed);
/// assert!(NEXT_ID.load(Ordering::Relaxed) > first);
/// ```
pub mod static_atomic {
    #[doc(no_inline)]
    pub use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
}

/// `true` in a build under `--cfg selvedge_loom`, for sizes and budgets a model shrinks (a
/// ring of two slots instead of a thousand, no spinning) without a `cfg` at the use site.
///
/// ```
/// use selvedge_locks::sync::MODEL;
///
/// /// Slots in a ring: two under loom, so a model reaches a full ring and a wrap.
/// const RING: usize = if MODEL { 2 } else { 1024 };
/// assert_eq!(RING, 1024);
/// ```
pub const MODEL: bool = cfg!(selvedge_loom);

/// Spin-wait hints: `std::hint`, or loom's (which yields to the model) under `selvedge_loom`.
///
/// ```
/// selvedge_locks::sync::hint::spin_loop();
/// ```
pub mod hint {
    #[cfg(selvedge_loom)]
    pub use loom::hint::spin_loop;
    #[cfg(not(selvedge_loom))]
    #[doc(no_inline)]
    pub use std::hint::spin_loop;
}

#[cfg(selvedge_loom)]
pub use loom::sync::Arc;
#[cfg(not(selvedge_loom))]
#[doc(no_inline)]
pub use std::sync::Arc;
