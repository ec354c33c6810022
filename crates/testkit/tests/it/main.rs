//! The black-box tests of selvedge-testkit, one module per topic, in one binary (once_cell's
//! `tests/it/` layout): one link instead of one per file.

mod single_instance;
mod stress_racy_counter;
