//! The loom models of selvedge-testkit, one module per topic, in one binary (once_cell's
//! `tests/it/` layout): one link instead of one per file.
//! Run with `RUSTFLAGS="--cfg selvedge_loom"` (`cargo xtask loom`).

mod racy_counter;
