//! Lazy and resettable globals with single-flight, fallible, panic-safe initialisation.
#![deny(missing_docs)]
#![forbid(unsafe_code)]

mod global;

pub use global::Global;
