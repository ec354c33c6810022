//! placeholder
#![deny(missing_docs)]
#![forbid(unsafe_code)]

mod hasher;
mod map;
mod reentrancy;

pub use hasher::{DefaultHashBuilder, DefaultHasher};
pub use map::{ConcurrentMap, Op};
