//! The backend: the raw locks every public lock wraps, chosen by benchmark and by cfg.
//!
//! In a normal build the raw locks are parking_lot's (`parking_lot::RawMutex`,
//! `parking_lot::RawRwLock`, `parking_lot::RawThreadId`, `parking_lot::Condvar`); the
//! benchmarks in `docs/notes/locks-benchmarks.md` show why parking_lot rather than std. The
//! generic guard, mapping and timeout machinery is `lock_api`'s (parking_lot's own), written
//! once and instantiated with these raw types.
//!
//! Under `--cfg selvedge_loom` the same `lock_api` traits are implemented over loom's
//! `Mutex` and `Condvar` ([`loom`](self::loom) module), so every public lock keeps its API and
//! loom explores its interleavings. Timed acquisitions degrade exactly as the facade documents:
//! loom has no clock, so a timed acquisition waits like an untimed one and never times out.

#[cfg(selvedge_loom)]
mod loom;

#[cfg(not(selvedge_loom))]
pub(crate) use parking_lot::{Condvar, RawMutex, RawRwLock, RawThreadId};

#[cfg(selvedge_loom)]
pub(crate) use self::loom::{Condvar, RawMutex, RawRwLock, RawThreadId};
