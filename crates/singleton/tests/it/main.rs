//! The black-box tests of selvedge-singleton, one module per topic, in one binary (once_cell's
//! `tests/it/` layout): one link instead of one per file.

mod global;
mod hostile;
mod lazy;
mod lazy_global;
mod once_cell_parity;
mod stress_global;
