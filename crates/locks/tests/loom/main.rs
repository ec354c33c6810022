//! The loom models of selvedge-locks, one module per topic, in one binary (once_cell's
//! `tests/it/` layout): one link instead of one per file.
//! Run with `cargo xtask loom` (`--cfg selvedge_loom`); a normal `cargo test` runs the
//! same bodies on real threads.

/// What the futex protocol sources compiled into `futex_backend` import as `crate::sync`.
#[cfg(any(selvedge_loom, target_os = "linux"))]
mod sync {
    pub(crate) use selvedge_locks::sync::{atomic, hint, thread};
}

/// What the futex protocol sources call as `crate::loom_const_fn!`.
#[cfg(any(selvedge_loom, target_os = "linux"))]
pub(crate) use selvedge_locks::loom_const_fn;

mod barrier;
mod biased;
mod event;
mod facade;
mod futex_backend;
mod latch;
mod lock_both;
mod mutex;
mod reentrant;
mod rwlock;
mod semaphore;
