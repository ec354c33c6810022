//! Fast, observable, deadlock-aware locks, the blocking primitives std lacks, and the loom
//! facade every selvedge crate builds on.
#![deny(missing_docs)]
#![deny(unsafe_code)]

mod acquire;
mod barrier;
mod condvar;
mod contention;
mod deadline;
mod error;
mod event;
mod latch;
pub mod lock_order;
mod meta;
mod multi;
mod mutex;
mod raw;
mod reentrant;
mod rwlock;
mod semaphore;
pub mod sync;

pub use barrier::{Barrier, BarrierWaitResult};
pub use condvar::{Condvar, WaitTimeoutResult};
pub use contention::{
    DEFAULT_CONTENTION_THRESHOLD, contention_threshold, set_contention_threshold,
};
pub use error::{LockTimeout, SameLockError, WaitTimeout};
pub use event::Event;
pub use latch::Latch;
pub use multi::{lock_all, lock_both};
pub use mutex::{MappedMutexGuard, Mutex, MutexGuard};
pub use reentrant::{MappedReentrantMutexGuard, ReentrantMutex, ReentrantMutexGuard};
pub use rwlock::{
    MappedRwLockReadGuard, MappedRwLockWriteGuard, RwLock, RwLockReadGuard,
    RwLockUpgradableReadGuard, RwLockWriteGuard,
};
pub use semaphore::{Semaphore, SemaphorePermit};
