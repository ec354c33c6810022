//! The loom models of selvedge-testkit, one module per topic, in one binary (once_cell's
//! `tests/it/` layout): one link instead of one per file.
//! Run with `cargo xtask loom` (`--cfg selvedge_loom`); a normal `cargo test` runs the
//! same bodies on real threads.

mod racy_counter;
