//! One concurrency test body, checked exhaustively under loom and on many real threads.
//!
//! - [`model`]: runs a closure under `loom::model` when built with `--cfg selvedge_loom`, and
//!   otherwise many times on real threads.
//! - [`thread`]: `spawn`/`join` that map to loom's or std's, so one test file serves both.
#![deny(missing_docs)]
#![forbid(unsafe_code)]

mod model;
pub mod thread;

pub use model::{model, model_iterations};
