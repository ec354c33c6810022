//! The black-box tests of selvedge-bus, one module per topic, in one binary (once_cell's
//! `tests/it/` layout): one link instead of one per file.

mod bus;
mod publish_cache;
mod stress_bus;
