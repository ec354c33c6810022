//! The backend: the raw locks every public lock wraps, chosen by benchmark and by cfg.
//!
//! | target | `Mutex`, `ReentrantMutex`, `Condvar` | `RwLock`, `BiasedRwLock`'s inner lock |
//! | --- | --- | --- |
//! | Linux | [`FutexMutex`](futex_mutex::FutexMutex), [`FutexCondvar`](futex_condvar::FutexCondvar) over rustix's futex | [`FutexRwLock`](futex_rwlock::FutexRwLock) over rustix's futex |
//! | elsewhere | parking_lot's `RawMutex` and `Condvar` | parking_lot's `RawRwLock` |
//! | `--cfg selvedge_loom` | `loom.rs`'s | `loom.rs`'s |
//!
//! On Linux the mutex is a futex word in std's design with a bounded hand-off
//! ([`futex_mutex`] tells the states and the fairness bound): parking_lot's mutex falls to a
//! fraction of std's throughput with many threads on one lock (its issue #338), and
//! `docs/benchmarks.md` has the figures. The reader-writer lock is std's futex design too (a
//! state word and a writers' word), with upgradable reads, timeouts, readers and writers
//! taking turns, and the same bound on being passed over ([`futex_rwlock`] tells its states,
//! who is woken and the bound). parking_lot's `Condvar` parks on its own mutex's
//! address, so the futex mutex brings its own condvar. The generic guard, mapping and timeout
//! machinery is `lock_api`'s (parking_lot's own), written once and instantiated with these
//! raw types; `ReentrantMutex` pairs the mutex with parking_lot's `RawThreadId`.
//!
//! Under `--cfg selvedge_loom` the same `lock_api` traits are implemented over loom's
//! `Mutex` and `Condvar` (the `loom.rs` module, built only under that cfg), so every public
//! lock keeps its API and loom explores its interleavings. Timed acquisitions degrade exactly
//! as the facade documents: loom has no clock, so a timed acquisition waits like an untimed one
//! and never times out.
//! The futex protocols are model-checked separately: `tests/loom/futex_backend.rs` compiles
//! [`futex_mutex`], [`futex_condvar`] and [`futex_rwlock`] against a loom model of [`futex`].

#[cfg(all(target_os = "linux", not(selvedge_loom)))]
mod futex;
#[cfg(all(target_os = "linux", not(selvedge_loom)))]
mod futex_condvar;
#[cfg(all(target_os = "linux", not(selvedge_loom)))]
mod futex_mutex;
#[cfg(all(target_os = "linux", not(selvedge_loom)))]
mod futex_rwlock;
#[cfg(selvedge_loom)]
mod loom;
#[cfg(all(target_os = "linux", not(selvedge_loom)))]
mod spin_wait;
#[cfg(all(target_os = "linux", not(selvedge_loom)))]
mod timeout;

#[cfg(all(target_os = "linux", not(selvedge_loom)))]
pub(crate) use self::{
    futex_condvar::Condvar, futex_mutex::FutexMutex as RawMutex,
    futex_rwlock::FutexRwLock as RawRwLock,
};
#[cfg(not(selvedge_loom))]
pub(crate) use parking_lot::RawThreadId;
#[cfg(all(not(target_os = "linux"), not(selvedge_loom)))]
pub(crate) use parking_lot::{Condvar, RawMutex, RawRwLock};

#[cfg(selvedge_loom)]
pub(crate) use self::loom::{Condvar, RawMutex, RawRwLock, RawThreadId};
