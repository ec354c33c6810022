//! The black-box tests of selvedge-locks, one module per topic, in one binary (once_cell's
//! `tests/it/` layout): one link instead of one per file.

mod arc_lock;
mod barrier;
mod condvar;
mod event;
mod hostile;
mod hot_threads;
mod latch;
mod lock_api_surface;
mod lock_both;
mod lock_order;
mod lock_order_teardown;
mod mutex;
mod mutex_backend;
mod mutex_relock;
mod parking_lot_parity;
mod reentrant;
mod rwlock;
mod rwlock_backend;
mod semaphore;
mod serde;
mod stress_locks;
