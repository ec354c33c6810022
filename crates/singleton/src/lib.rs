//! Lazy and resettable globals with single-flight, fallible, panic-safe initialisation.
#![deny(missing_docs)]
#![forbid(unsafe_code)]

mod global;
mod global_map;
mod lazy;
mod lazy_global;

pub use global::Global;
pub use global_map::GlobalMap;
pub use lazy::Lazy;
pub use lazy_global::LazyGlobal;

/// Re-exports for the macros of this crate; not public API.
#[doc(hidden)]
pub mod __private {
    #[cfg(selvedge_loom)]
    pub use loom;
}
