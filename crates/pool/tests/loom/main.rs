//! The loom models of selvedge-pool, one module per topic, in one binary (once_cell's
//! `tests/it/` layout): one link instead of one per file.
//! Run with `cargo xtask loom` (`--cfg selvedge_loom`); a normal `cargo test` runs the
//! same bodies on real threads.

#[path = "../common/mod.rs"]
mod common;

mod as_completed;
mod broadcast;
mod pool;
mod resize;
mod scope;
mod strand;
mod tiny;
mod wait_idle;
mod worker_unwind;
