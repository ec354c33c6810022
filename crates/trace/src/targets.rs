//! Event targets: one per selvedge crate, all under `selvedge`.
//!
//! Filter on the prefix `selvedge` to see every crate, or on one target to see one.
//!
//! ```
//! assert!(selvedge_trace::targets::POOL.starts_with("selvedge::"));
//! ```

/// Events of `selvedge-locks`: contention and lock-order reports.
pub const LOCKS: &str = "selvedge::locks";
/// Events of `selvedge-collections`: misuse such as re-entrant map access.
pub const COLLECTIONS: &str = "selvedge::collections";
/// Events of `selvedge-singleton`: failed or panicking initialisers.
pub const SINGLETON: &str = "selvedge::singleton";
/// Events of `selvedge-pool`: worker life cycle, rejections, panics, slow tasks.
pub const POOL: &str = "selvedge::pool";
/// Events of `selvedge-bus`: delivery failures.
pub const BUS: &str = "selvedge::bus";
/// Events of `selvedge-session`: logins, refreshes, retries, failures, wait timeouts,
/// invalidations and logouts.
pub const SESSION: &str = "selvedge::session";
