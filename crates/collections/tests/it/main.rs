//! The black-box tests of selvedge-collections, one module per topic, in one binary (once_cell's
//! `tests/it/` layout): one link instead of one per file.

mod all_shards;
mod capacity;
mod hostile;
mod model_std;
mod panicking_hash;
mod parity;
mod reentrance;
mod stress_counter;
mod stress_map;
