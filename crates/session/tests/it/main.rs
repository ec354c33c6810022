//! The black-box tests of selvedge-session, one module per topic, in one binary (once_cell's
//! `tests/it/` layout): one link instead of one per file.

#[path = "../common/mod.rs"]
mod common;

mod builder;
mod events;
mod global_session;
mod invalidate;
mod logout;
mod redis_store;
mod refresh;
mod retry;
mod session_map;
mod single_flight;
mod stress_session;
mod timeout;
