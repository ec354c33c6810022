//! One login shared by every thread: single-flight, bounded-wait, refresh-ahead sessions and a
//! global admin session.
//!
//! - [`Authenticator`]: how to log in and out of a platform, and which errors are worth
//!   retrying ([`ErrorClass`]); a login returns a [`Login`] (the session and its expiry).
//! - [`SessionManager`]: the shared session; [`ensure`](SessionManager::ensure) hands it out,
//!   logging in once however many threads ask. Built by [`SessionManagerBuilder`] (refused
//!   settings: [`BuildError`]), with a [`RetryPolicy`]; failures are [`SessionError`]s, counts
//!   are [`SessionStats`].
//! - [`GlobalSession`]: a process-wide manager in one `static` (the seed's
//!   `ensure_admin_pnet_session()` is `ADMIN.ensure()`).
//! - [`SessionMap`]: one manager per platform or tenant.
#![deny(missing_docs)]
#![forbid(unsafe_code)]

mod authenticator;
mod builder;
mod clock;
mod current;
mod error;
mod global_session;
mod manager;
mod refresh_timer;
mod report;
mod retry;
mod session_map;
mod stats;

pub use authenticator::{Authenticator, ErrorClass, Login};
pub use builder::SessionManagerBuilder;
pub use error::{BuildError, SessionError};
pub use global_session::GlobalSession;
pub use manager::SessionManager;
pub use retry::RetryPolicy;
pub use session_map::SessionMap;
pub use stats::SessionStats;

/// The model's clock, for loom models only (`--cfg selvedge_loom`); not public API.
#[cfg(selvedge_loom)]
#[doc(hidden)]
pub mod __loom_clock {
    /// Moves the clock every expiry and refresh point is checked against forward by `by`.
    pub fn advance(by: std::time::Duration) {
        crate::clock::model::advance(by);
    }

    /// Puts the clock back to its start (call it first in every model).
    pub fn reset() {
        crate::clock::model::reset();
    }
}
