//! [`SessionError`], what a session call can fail with, and [`BuildError`], the settings a
//! [`SessionManagerBuilder`](crate::SessionManagerBuilder) refuses.

use std::error::Error;
use std::fmt;
use std::sync::Arc;
use std::time::Duration;

/// Why a session call failed.
///
/// `E` is the [`Authenticator`](crate::Authenticator)'s error type.
///
/// # Examples
///
/// ```
/// use std::sync::Arc;
/// use selvedge_session::SessionError;
///
/// let error: SessionError<std::io::Error> = SessionError::Login {
///     error: Arc::new(std::io::Error::other("bad password")),
///     attempts: 1,
/// };
/// assert_eq!(error.to_string(), "login failed after 1 attempt(s)");
/// assert!(std::error::Error::source(&error).is_some());
/// ```
#[derive(Debug)]
#[non_exhaustive]
pub enum SessionError<E> {
    /// No live session: never logged in, logged out, invalidated or expired (from
    /// [`SessionManager::session`](crate::SessionManager::session), the seed's
    /// `session_data` raising `RuntimeError`).
    NotLoggedIn,
    /// The login failed. Every caller that waited for the same login (one *flight*) gets a
    /// clone of the same `Arc`, so the error is built and reported once.
    Login {
        /// The authenticator's last error.
        error: Arc<E>,
        /// How many times the authenticator was called in this flight.
        attempts: u32,
    },
    /// Another caller's login did not finish within the manager's `login_timeout`. The login
    /// is not cached as failed: a later call starts a fresh attempt.
    Timeout {
        /// The manager's name.
        name: &'static str,
        /// How long this caller waited.
        waited: Duration,
    },
    /// The server refused the logout. The session was dropped from the manager anyway.
    Logout(E),
    /// The shared [`SessionStore`](crate::SessionStore) could not be used (Redis down or too
    /// slow, a value the codec cannot read), and the manager was built to fail rather than
    /// log in on its own ([`StoreFallback::Fail`](crate::StoreFallback::Fail)). Every caller
    /// that waited for the same flight gets a clone of the same `Arc`.
    Store(Arc<crate::StoreError>),
    /// A [`GlobalSession`](crate::GlobalSession) or [`SessionMap`](crate::SessionMap) could
    /// not build its manager.
    Build(BuildError),
}

impl<E> SessionError<E> {
    /// Whether this is [`SessionError::Timeout`].
    ///
    /// ```
    /// use std::time::Duration;
    /// use selvedge_session::SessionError;
    /// let timeout = SessionError::<std::io::Error>::Timeout { name: "admin", waited: Duration::ZERO };
    /// assert!(timeout.is_timeout());
    /// assert!(!SessionError::<std::io::Error>::NotLoggedIn.is_timeout());
    /// ```
    #[must_use]
    pub fn is_timeout(&self) -> bool {
        matches!(self, Self::Timeout { .. })
    }

    /// The authenticator's error, for [`Login`](Self::Login) and [`Logout`](Self::Logout).
    ///
    /// ```
    /// use std::sync::Arc;
    /// use selvedge_session::SessionError;
    /// let error = SessionError::Login { error: Arc::new(std::fmt::Error), attempts: 2 };
    /// assert!(error.auth_error().is_some());
    /// ```
    #[must_use]
    pub fn auth_error(&self) -> Option<&E> {
        match self {
            Self::Login { error, .. } => Some(error),
            Self::Logout(error) => Some(error),
            _ => None,
        }
    }
}

impl<E> fmt::Display for SessionError<E> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::NotLoggedIn => f.write_str("not logged in"),
            Self::Login { attempts, .. } => write!(f, "login failed after {attempts} attempt(s)"),
            Self::Timeout { name, waited } => write!(
                f,
                "the login of session `{name}` did not finish within {waited:?}"
            ),
            Self::Logout(_) => f.write_str("logout failed"),
            Self::Store(_) => f.write_str("the shared session store could not be used"),
            Self::Build(_) => f.write_str("the session manager could not be built"),
        }
    }
}

impl<E: Error + 'static> Error for SessionError<E> {
    fn source(&self) -> Option<&(dyn Error + 'static)> {
        match self {
            Self::Login { error, .. } => Some(&**error),
            Self::Logout(error) => Some(error),
            Self::Build(error) => Some(error),
            Self::Store(error) => Some(&**error),
            Self::NotLoggedIn | Self::Timeout { .. } => None,
        }
    }
}

impl<E> From<BuildError> for SessionError<E> {
    fn from(error: BuildError) -> Self {
        Self::Build(error)
    }
}

/// Settings a [`SessionManagerBuilder`](crate::SessionManagerBuilder) refuses, because they
/// would make the manager hang, spin or never refresh.
///
/// # Examples
///
/// ```
/// use std::time::Duration;
/// use selvedge_session::{Authenticator, BuildError, Login, SessionManager};
///
/// struct Fixed;
/// impl Authenticator for Fixed {
///     type Session = ();
///     type Error = std::io::Error;
///     fn login(&self) -> std::io::Result<Login<()>> {
///         Ok(Login::new(()))
///     }
/// }
///
/// let error = SessionManager::builder(Fixed).login_timeout(Duration::ZERO).build().unwrap_err();
/// assert_eq!(error, BuildError::ZeroLoginTimeout);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum BuildError {
    /// `login_timeout` is zero: every caller behind a login would time out at once.
    ZeroLoginTimeout,
    /// `refresh_jitter` exceeds `refresh_buffer`: the jittered refresh point could fall after
    /// the expiry, where callers stall instead of refreshing ahead.
    JitterExceedsBuffer {
        /// The jitter asked for.
        jitter: Duration,
        /// The buffer it must fit in.
        buffer: Duration,
    },
    /// `RetryPolicy::max_attempts` is zero: no login would ever be tried.
    ZeroAttempts,
    /// `RetryPolicy::initial_backoff` exceeds `max_backoff`.
    BackoffOutOfOrder {
        /// The first backoff.
        initial: Duration,
        /// The cap it exceeds.
        max: Duration,
    },
    /// `RetryPolicy::max_backoff` is not shorter than `login_timeout`: a retry would wait
    /// longer than any caller is allowed to wait for the login.
    BackoffExceedsTimeout {
        /// The backoff cap.
        max_backoff: Duration,
        /// The login timeout it must fit in.
        login_timeout: Duration,
    },
}

impl fmt::Display for BuildError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::ZeroLoginTimeout => f.write_str("login_timeout must be greater than zero"),
            Self::JitterExceedsBuffer { jitter, buffer } => write!(
                f,
                "refresh_jitter ({jitter:?}) must not exceed refresh_buffer ({buffer:?})"
            ),
            Self::ZeroAttempts => f.write_str("the retry policy must allow at least one attempt"),
            Self::BackoffOutOfOrder { initial, max } => write!(
                f,
                "the initial backoff ({initial:?}) must not exceed the maximum backoff ({max:?})"
            ),
            Self::BackoffExceedsTimeout {
                max_backoff,
                login_timeout,
            } => write!(
                f,
                "the maximum backoff ({max_backoff:?}) must be shorter than login_timeout \
                 ({login_timeout:?})"
            ),
        }
    }
}

impl Error for BuildError {}
