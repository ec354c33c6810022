//! One login shared by every thread (work in progress: the session helper fills this crate).
#![deny(missing_docs)]
#![forbid(unsafe_code)]
