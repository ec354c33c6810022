//! Threads for [`model`](fn@crate::model) bodies: loom's under `selvedge_loom`, std's otherwise.
//!
//! ```
//! let handle = selvedge_testkit::thread::spawn(|| 1 + 1);
//! assert_eq!(handle.join().unwrap(), 2);
//! ```

#[cfg(selvedge_loom)]
pub use loom::thread::{JoinHandle, spawn, yield_now};
#[cfg(not(selvedge_loom))]
#[doc(no_inline)]
pub use std::thread::{JoinHandle, spawn, yield_now};
