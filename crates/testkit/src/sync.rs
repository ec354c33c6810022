//! Synchronization types for test bodies: loom's under `selvedge_loom`, std's otherwise, so one
//! test file serves both modes. (Crates built on selvedge take theirs from
//! `selvedge_locks::sync`; this module is for tests that do not depend on selvedge-locks.)
//!
//! ```
//! use selvedge_testkit::sync::Arc;
//! use selvedge_testkit::sync::atomic::{AtomicUsize, Ordering};
//!
//! selvedge_testkit::model(|| {
//!     let n = Arc::new(AtomicUsize::new(0));
//!     let n2 = n.clone();
//!     selvedge_testkit::thread::spawn(move || n2.fetch_add(1, Ordering::SeqCst)).join().unwrap();
//!     assert_eq!(n.load(Ordering::SeqCst), 1);
//! });
//! ```

#[cfg(selvedge_loom)]
pub use loom::sync::{Arc, Condvar, Mutex, MutexGuard, RwLock, atomic};
#[cfg(not(selvedge_loom))]
#[doc(no_inline)]
pub use std::sync::{Arc, Condvar, Mutex, MutexGuard, RwLock, atomic};
