//! [`SessionStats`]: what a manager has done so far, and the counters behind it.
//!
//! The counters are bumped only on slow paths (a login, a wait, an invalidation); the hot path
//! of [`ensure`](crate::SessionManager::ensure) on a live session touches none of them, so
//! reading the session never writes a cache line other threads read.

use std::fmt;
use std::time::Duration;

use selvedge_locks::sync::atomic::{AtomicU64, Ordering};

/// A snapshot of a manager's counters, from
/// [`SessionManager::stats`](crate::SessionManager::stats).
///
/// Each field is read on its own (not one atomic snapshot), so while other threads work the
/// fields may be a few events apart.
///
/// # Examples
///
/// ```
/// use selvedge_session::{Authenticator, Login, SessionManager};
///
/// struct Fixed;
/// impl Authenticator for Fixed {
///     type Session = &'static str;
///     type Error = std::io::Error;
///     fn login(&self) -> std::io::Result<Login<&'static str>> {
///         Ok(Login::new("token"))
///     }
/// }
///
/// let manager = SessionManager::builder(Fixed).name("admin").build()?;
/// manager.ensure()?;
/// manager.ensure()?;
/// let stats = manager.stats();
/// assert_eq!(stats.logins, 1); // one login instead of N
/// assert_eq!(stats.failures, 0);
/// assert!(stats.to_string().starts_with("logins 1"));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[non_exhaustive]
pub struct SessionStats {
    /// Successful logins, refreshes included.
    pub logins: u64,
    /// Sessions taken from a shared store (another process's login) instead of logging in:
    /// see [`SessionStore`](crate::SessionStore). Always 0 with the default in-process store.
    pub adoptions: u64,
    /// Of `logins`, those made ahead of expiry while the old session was still live.
    pub refreshes: u64,
    /// Login flights that ended with an error (after their retries).
    pub failures: u64,
    /// Retries of transient errors, over all flights.
    pub retries: u64,
    /// Sessions dropped by [`invalidate_if_current`](crate::SessionManager::invalidate_if_current).
    pub invalidations: u64,
    /// Sessions dropped by [`logout`](crate::SessionManager::logout).
    pub logouts: u64,
    /// Calls that waited for another caller's login.
    pub waits: u64,
    /// Of `waits`, those that gave up after `login_timeout`.
    pub timeouts: u64,
    /// Time spent in those waits, summed over callers.
    pub waited: Duration,
}

impl fmt::Display for SessionStats {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "logins {} (refreshes {}), adoptions {}, failures {} (retries {}), invalidations {}, logouts {}, \
             waits {} (timeouts {}, waited {:?})",
            self.logins,
            self.refreshes,
            self.adoptions,
            self.failures,
            self.retries,
            self.invalidations,
            self.logouts,
            self.waits,
            self.timeouts,
            self.waited
        )
    }
}

/// The live counters of one manager.
#[derive(Debug, Default)]
pub(crate) struct Counters {
    pub(crate) logins: AtomicU64,
    pub(crate) refreshes: AtomicU64,
    pub(crate) adoptions: AtomicU64,
    pub(crate) failures: AtomicU64,
    pub(crate) retries: AtomicU64,
    pub(crate) invalidations: AtomicU64,
    pub(crate) logouts: AtomicU64,
    pub(crate) waits: AtomicU64,
    pub(crate) timeouts: AtomicU64,
    pub(crate) waited_ns: AtomicU64,
}

impl Counters {
    /// Adds one to `counter`. Relaxed: the counters order nothing, they only count.
    pub(crate) fn bump(counter: &AtomicU64) {
        counter.fetch_add(1, Ordering::Relaxed);
    }

    /// Records one wait of `waited`, and whether it timed out.
    pub(crate) fn record_wait(&self, waited: Duration, timed_out: bool) {
        Self::bump(&self.waits);
        if timed_out {
            Self::bump(&self.timeouts);
        }
        let nanos = u64::try_from(waited.as_nanos()).unwrap_or(u64::MAX);
        self.waited_ns.fetch_add(nanos, Ordering::Relaxed);
    }

    pub(crate) fn snapshot(&self) -> SessionStats {
        let read = |counter: &AtomicU64| counter.load(Ordering::Relaxed);
        SessionStats {
            logins: read(&self.logins),
            refreshes: read(&self.refreshes),
            adoptions: read(&self.adoptions),
            failures: read(&self.failures),
            retries: read(&self.retries),
            invalidations: read(&self.invalidations),
            logouts: read(&self.logouts),
            waits: read(&self.waits),
            timeouts: read(&self.timeouts),
            waited: Duration::from_nanos(read(&self.waited_ns)),
        }
    }
}
