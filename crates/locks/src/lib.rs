//! Fast, observable, deadlock-aware locks, and the loom facade every selvedge crate builds on.
//!
//! - [`sync`]: the loom facade. Every selvedge crate takes atomics, `Arc`, locks, threads and
//!   cells from here, so `--cfg selvedge_loom` model-checks all of them at once.
#![deny(missing_docs)]
#![forbid(unsafe_code)]

pub mod sync;
