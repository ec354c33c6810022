//! placeholder
#![deny(missing_docs)]
#![forbid(unsafe_code)]

mod counter;
mod hasher;
mod map;
mod reentrancy;
mod set;
mod striped;

pub use counter::Counter;
pub use hasher::{DefaultHashBuilder, DefaultHasher};
pub use map::{ConcurrentMap, Op};
pub use set::ConcurrentSet;
pub use striped::StripedCounter;
