//! Lazy and resettable globals with single-flight, fallible, panic-safe initialisation.
//!
//! - [`Global`]: a global instance shared as `Arc<T>`, created on first use by exactly one
//!   initialiser (fallible or not), and [`set`](Global::set), [`replace`](Global::replace)d or
//!   [`reset`](Global::reset) at any time through `&self`. Reads are lock-free.
//! - [`LazyGlobal`] and [`global!`]: a `Global` that carries its initialiser, declared in one
//!   line; the seed's `@thread_safe_singleton` decorator.
//! - [`GlobalMap`]: one lazily created, removable instance per key, single-flight per key (one
//!   admin session per platform or tenant).
//! - [`TimedInitError`]: why [`Global::get_or_try_init_timeout`], the initialisation with a
//!   bounded wait behind another thread's initialiser, returned no instance.
//! - [`WaitTimeoutError`]: [`Global::wait_timeout`], the bounded form of [`Global::wait`] (block
//!   until another thread stores an instance), ran out of time.
//! - [`InstanceMut`]: exclusive access to an unshared instance, from [`Global::get_mut`].
//! - [`Lazy`]: a value computed once and never reset (once_cell's `Lazy`, model-checkable under
//!   loom).
//!
//! Instances are handed out as `selvedge_locks::sync::Arc<T>`, which is `std::sync::Arc<T>` in
//! a normal build (and loom's `Arc` under `--cfg selvedge_loom`, so models see every clone).
//!
//! # Motivation
//!
//! The seeds (a Python service that shares one admin session between worker threads, and
//! guidelines for a GIL-free Python runtime) show three ways to write a singleton. Two are
//! broken, and the third is slower and weaker than it needs to be.
//!
//! ## 1. Check-then-act
//!
//! ```text
//! _health_monitor: Optional[HealthMonitor] = None
//!
//! def get_health_monitor() -> HealthMonitor:
//!     global _health_monitor
//!     if _health_monitor is None:           # two threads both see None...
//!         _health_monitor = HealthMonitor() # ...and both build one; one is lost
//!     return _health_monitor
//! ```
//!
//! Without a GIL, two threads pass the check together and build two monitors. With selvedge
//! the check and the act are one operation, and exactly one initialiser runs:
//!
//! ```
//! use selvedge_singleton::Global;
//!
//! struct HealthMonitor;
//!
//! static HEALTH_MONITOR: Global<HealthMonitor> = Global::new();
//!
//! let monitor = HEALTH_MONITOR.get_or_init(|| HealthMonitor);
//! # let _ = monitor;
//! ```
//!
//! ## 2. Double-checked locking
//!
//! ```text
//! ADMIN_PNET_SESSION = None
//! ADMIN_SESSION_LOCK = threading.Lock()
//!
//! def get_admin_pnet_session():
//!     global ADMIN_PNET_SESSION
//!     if ADMIN_PNET_SESSION is None:            # unlocked first check
//!         with ADMIN_SESSION_LOCK:
//!             if ADMIN_PNET_SESSION is None:    # second check under the lock
//!                 ADMIN_PNET_SESSION = PNetSessionManager()
//!     return ADMIN_PNET_SESSION
//!
//! def logout():
//!     global ADMIN_PNET_SESSION
//!     with ADMIN_SESSION_LOCK:
//!         ADMIN_PNET_SESSION = None
//! ```
//!
//! This one is correct in Python, but every detail is left to the caller: a failed login
//! (an exception in the constructor) must not leave the lock held, a reader racing `logout` must
//! get a whole session, and a constructor that calls `get_admin_pnet_session` deadlocks. (Seed
//! 000 takes the lock on *every* call, so every worker serialises on it.) [`Global`] is the same
//! algorithm, written once and checked with loom: the first check is a lock-free arc-swap load,
//! the slow path runs under a mutex that is never held while the initialiser runs, errors are
//! returned and not cached, panics poison nothing, re-entrant use panics with a message, and a
//! `reset` racing a login can never be undone by it.
//!
//! ```
//! use selvedge_singleton::Global;
//!
//! struct PNetSession {
//!     token: String,
//! }
//!
//! #[derive(Debug)]
//! struct LoginError;
//!
//! fn login() -> Result<PNetSession, LoginError> {
//!     Ok(PNetSession { token: "t-1".into() })
//! }
//!
//! static ADMIN_PNET_SESSION: Global<PNetSession> = Global::named("admin pnet session");
//!
//! fn ensure_admin_pnet_session() -> Result<std::sync::Arc<PNetSession>, LoginError> {
//!     ADMIN_PNET_SESSION.get_or_try_init(login)
//! }
//!
//! fn logout() {
//!     // Workers that hold the old session keep it until they drop it.
//!     ADMIN_PNET_SESSION.reset();
//! }
//!
//! assert_eq!(ensure_admin_pnet_session().unwrap().token, "t-1");
//! logout();
//! assert!(!ADMIN_PNET_SESSION.is_initialized());
//! ```
//!
//! ## 3. A singleton guarded by `asyncio.Lock`
//!
//! ```text
//! class ThreadSafeSingleton:
//!     _instance = None
//!     _lock = asyncio.Lock()
//!
//!     @classmethod
//!     async def get_instance(cls):
//!         if cls._instance is None:
//!             async with cls._lock:      # excludes coroutines of ONE event loop,
//!                 if cls._instance is None:
//!                     cls._instance = cls()  # not OS threads: two threads, two instances
//!         return cls._instance
//! ```
//!
//! An `asyncio.Lock` only orders coroutines on one event loop; it does nothing against OS
//! threads (each thread runs its own loop, or none), so the seed's "thread-safe" decorator is
//! not. The selvedge version excludes threads, which is what the decorator promised, in one
//! line with [`global!`]:
//!
//! ```
//! struct Registry {
//!     services: Vec<&'static str>,
//! }
//!
//! selvedge_singleton::global! {
//!     /// The process-wide service registry.
//!     static REGISTRY: Registry = Registry { services: vec!["health"] };
//! }
//!
//! let threads: Vec<_> = (0..4).map(|_| std::thread::spawn(|| REGISTRY.get())).collect();
//! let instances: Vec<_> = threads.into_iter().map(|t| t.join().unwrap()).collect();
//! assert!(instances.iter().all(|r| std::sync::Arc::ptr_eq(r, &instances[0])));
//! assert_eq!(instances[0].services, ["health"]);
//! ```
//!
//! # Recipes
//!
//! **Read on a hot path without touching shared memory.** [`Global::get`] clones the `Arc`,
//! which writes its reference count, a cache line every reader shares. When the caller does not
//! keep the instance, [`Global::with`] borrows it instead:
//!
//! ```
//! use selvedge_singleton::Global;
//! static PREFIX: Global<String> = Global::new();
//! PREFIX.set("api/v2".into()).unwrap();
//! let url = PREFIX.with(|prefix| format!("{prefix}/users")).unwrap();
//! assert_eq!(url, "api/v2/users");
//! ```
//!
//! **Reload a configuration.** Readers that hold the old one keep it:
//!
//! ```
//! use selvedge_singleton::Global;
//! static CONFIG: Global<Vec<(&str, u32)>> = Global::new();
//! CONFIG.set(vec![("workers", 4)]).unwrap();
//! let before = CONFIG.get().unwrap();
//! CONFIG.replace(vec![("workers", 8)]);
//! assert_eq!(before[0].1, 4);
//! assert_eq!(CONFIG.get().unwrap()[0].1, 8);
//! ```
//!
//! **One session per tenant**, each logged in once, a slow login blocking only its own tenant:
//!
//! ```
//! use selvedge_singleton::GlobalMap;
//! static SESSIONS: GlobalMap<String, String> = GlobalMap::named("tenant sessions");
//! let session = SESSIONS.get_or_init("acme".into(), || "token-acme".into());
//! assert_eq!(*session, "token-acme");
//! SESSIONS.remove("acme"); // that tenant logged out
//! assert!(SESSIONS.is_empty());
//! ```
//!
//! **Drop a rejected instance, but only that one.** Many workers may see the same 401 on the
//! same session; the first reset wins and the others leave the new session alone:
//!
//! ```
//! use selvedge_singleton::Global;
//! static SESSION: Global<String> = Global::new();
//! let seen = SESSION.get_or_init(|| "token-1".into());
//! assert!(SESSION.reset_if_current(&seen));
//! SESSION.get_or_init(|| "token-2".into());
//! assert!(!SESSION.reset_if_current(&seen)); // a late 401 on token-1
//! assert_eq!(*SESSION.get().unwrap(), "token-2");
//! ```
//!
//! **Wait a bounded time behind a hung initialiser** with
//! [`Global::get_or_try_init_timeout`]: the waiters get [`TimedInitError::TimedOut`] instead of
//! hanging with it.
//!
//! **Retry a failed login.** The error goes to its caller; nothing is cached:
//!
//! ```
//! use selvedge_singleton::Global;
//! static SESSION: Global<u64> = Global::new();
//! assert!(SESSION.get_or_try_init(|| Err::<u64, _>("timeout")).is_err());
//! assert_eq!(*SESSION.get_or_try_init(|| Ok::<_, &str>(42)).unwrap(), 42);
//! ```
//!
//! # Comparison
//!
//! | | `std` `LazyLock` / `OnceLock` | once_cell `Lazy` / `OnceCell` | arc-swap `ArcSwapOption` | selvedge [`Global`] |
//! | --- | --- | --- | --- | --- |
//! | reset or replace through `&self` | no | no (`take` needs `&mut`) | yes | yes ([`reset`](Global::reset), [`replace`](Global::replace)) |
//! | single-flight initialisation | yes | yes | no (`rcu` may run its closure several times) | yes |
//! | fallible initialisation on stable | no (`get_or_try_init` unstable) | `OnceCell::get_or_try_init` | n/a | [`get_or_try_init`](Global::get_or_try_init) |
//! | initialiser panics | `LazyLock` poisoned; `OnceLock` retries | `Lazy` poisoned; `OnceCell` retries | n/a | retries, waiters woken, event emitted |
//! | initialised from its own initialiser | deadlock | deadlock | n/a | panic naming the global |
//! | reset racing an initialisation | n/a | n/a | last store wins | the pre-reset instance is never published |
//! | read | `&T`, one acquire load | `&T`, one acquire load | guard or `Arc` | `Arc` ([`get`](Global::get)) or borrow ([`with`](Global::with)), an arc-swap load |
//! | block until another thread initialises | `OnceLock::wait` (unstable) | `OnceCell::wait` | no | [`wait`](Global::wait), [`wait_timeout`](Global::wait_timeout) |
//! | `const` constructor holding a value | `OnceLock::from` (not `const`) | `OnceCell::with_value` | no | [`with_value`](Global::with_value) (moved into its `Arc` on first use) |
//! | `get_mut` / `into_inner` | yes | yes | `into_inner` | yes (`get_mut` only while no `Arc` is shared) |
//! | usable in `catch_unwind` without `AssertUnwindSafe` | yes | yes | yes | yes |
//! | one instance per key | no | no | no | [`GlobalMap`] |
//! | loom-checkable | no | no | no | yes (`--cfg selvedge_loom`) |
//!
//! For a value that is never reset, [`Lazy`] (once_cell's, re-exported with a loom build) is
//! the fastest choice: a read is one load and hands out `&T`.
//!
//! # Performance
//!
//! [`Global::get`] is an arc-swap `load_full` (a load plus the `Arc` clone) and costs the same;
//! [`Global::with`] is an arc-swap `load` and never writes shared memory; the slow path (first
//! initialisation, `set`, `replace`, `reset`) takes one uncontended mutex. `with` and `get`
//! measure level with arc-swap's `load` and `load_full` (the same code), faster than the
//! seed's `Mutex<Option<Arc<T>>>`, and slower than a once_cell or std `Lazy` read (the price of
//! being resettable). The figures, with the command that reproduces them, are in the
//! workspace's `docs/benchmarks.md` (bench `get` of this crate).
//!
//! # Observability
//!
//! A failed or panicking initialiser emits `singleton.init_failed` (target
//! `selvedge::singleton`, level WARN) with the global's `name` (see [`Global::named`]; `global!`
//! uses the static's name) and a `message` holding the error's `Debug` text or the panic
//! message. Nothing is emitted on any other path.
//!
//! # Limitations
//!
//! - Two initialisers that wait for each other *across threads* deadlock, as with every lazy
//!   cell; only use from the same thread is detected.
//! - Waiting for an initialiser blocks the thread (bound the wait with
//!   [`Global::get_or_try_init_timeout`]; the initialiser itself is never interrupted). In
//!   async code, initialise from a blocking context (or before starting the runtime); the
//!   initialiser itself cannot be `async`.
//! - A `reset` does not cancel an initialiser that is already running: that initialiser's caller
//!   receives its (unpublished) instance, and callers after the reset wait for it to finish before
//!   one of them initialises afresh. See [`Global::reset`].
//! - [`GlobalMap`] reads take its mutex for a hash lookup; keep the returned `Arc` on hot paths.
//! - [`Lazy`] keeps once_cell's semantics: a panicking initialiser poisons it for good. Use a
//!   [`Global`] when a failed initialisation must be retried.
//! - Under `--cfg selvedge_loom` the constructors are not `const` (loom's types cannot be), so
//!   models build their globals inside the model; [`global!`] switches to `loom::lazy_static!`
//!   by itself.
//!
//! # Minimum supported Rust version
//!
//! The workspace's `rust-version` (the toolchain pinned in `rust-toolchain.toml`).
#![cfg_attr(docsrs, feature(doc_cfg))]
#![deny(missing_docs)]
#![forbid(unsafe_code)]

mod global;
mod global_map;
mod instance_mut;
mod lazy;
mod lazy_global;
#[cfg(selvedge_loom)]
mod lazy_model;
mod slot_table;
mod timed_init_error;
mod wait_timeout_error;

pub use global::Global;
pub use global_map::GlobalMap;
pub use instance_mut::InstanceMut;
pub use lazy::Lazy;
pub use lazy_global::LazyGlobal;
pub use timed_init_error::TimedInitError;
pub use wait_timeout_error::WaitTimeoutError;

/// Re-exports for the macros of this crate; not public API.
#[doc(hidden)]
pub mod __private {
    #[cfg(selvedge_loom)]
    pub use loom;
}
