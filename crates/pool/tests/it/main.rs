//! The black-box tests of selvedge-pool, one module per topic, in one binary (once_cell's
//! `tests/it/` layout): one link instead of one per file.

#[path = "../common/mod.rs"]
mod common;

mod as_completed;
mod broadcast;
mod builder;
mod clone;
mod drop_panics;
mod elastic;
mod events;
mod fallible;
mod handle;
mod hostile;
mod lifecycle;
mod map;
mod priority;
mod scope;
mod scope_order;
mod set_max_threads;
mod shutdown;
mod strand;
mod stress_broadcast;
mod stress_scope;
mod stress_shutdown;
mod stress_submit;
mod submit;
mod unsafe_boundary;
