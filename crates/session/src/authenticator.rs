//! [`Authenticator`]: how a [`SessionManager`](crate::SessionManager) logs in and out, and
//! [`Login`] and [`ErrorClass`], what it reports back.

use std::time::{Duration, Instant};

use crate::clock;

/// Whether a failed login is worth retrying.
///
/// [`Authenticator::classify`] sorts each error into one of these. A transient error (a
/// timeout, a 503, a reset connection) is retried with backoff within the flight's
/// [`RetryPolicy`](crate::RetryPolicy); a permanent one (a wrong password, a disabled account)
/// ends the flight at once, and every caller waiting for it gets that error.
///
/// # Examples
///
/// ```
/// use selvedge_session::ErrorClass;
///
/// fn classify(status: u16) -> ErrorClass {
///     match status {
///         408 | 429 | 500..=599 => ErrorClass::Transient,
///         _ => ErrorClass::Permanent,
///     }
/// }
/// assert_eq!(classify(503), ErrorClass::Transient);
/// assert_eq!(classify(401), ErrorClass::Permanent);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ErrorClass {
    /// Worth retrying: the server or the network may recover.
    Transient,
    /// Retrying cannot help: report it to every waiter now.
    Permanent,
}

/// What a successful login returns: the session and, if it has one, the instant it expires.
///
/// # Examples
///
/// ```
/// use std::time::Duration;
/// use selvedge_session::Login;
///
/// let forever = Login::new("cookie-1");
/// assert_eq!(forever.expiry(), None);
///
/// let hourly = Login::new("cookie-2").expires_in(Duration::from_secs(3600));
/// assert!(hourly.expiry().is_some());
/// assert_eq!(*hourly.session(), "cookie-2");
/// ```
#[derive(Debug, Clone)]
pub struct Login<S> {
    session: S,
    expires_at: Option<Instant>,
}

impl<S> Login<S> {
    /// A session that never expires (until it is invalidated or logged out).
    ///
    /// ```
    /// let login = selvedge_session::Login::new(42_u32);
    /// assert_eq!(login.expiry(), None);
    /// ```
    #[must_use]
    pub fn new(session: S) -> Self {
        Self {
            session,
            expires_at: None,
        }
    }

    /// The session expires at `at`.
    ///
    /// ```
    /// use std::time::{Duration, Instant};
    /// let at = Instant::now() + Duration::from_secs(60);
    /// let login = selvedge_session::Login::new("token").expires_at(at);
    /// assert_eq!(login.expiry(), Some(at));
    /// ```
    #[must_use]
    pub fn expires_at(mut self, at: Instant) -> Self {
        self.expires_at = Some(at);
        self
    }

    /// The session expires `ttl` from now (a token's `expires_in`, a cookie's `Max-Age`).
    /// A `ttl` too large to represent means "never".
    ///
    /// ```
    /// use std::time::{Duration, Instant};
    /// let login = selvedge_session::Login::new("token").expires_in(Duration::from_secs(60));
    /// assert!(login.expiry().unwrap() > Instant::now());
    /// ```
    #[must_use]
    pub fn expires_in(mut self, ttl: Duration) -> Self {
        self.expires_at = clock::now().checked_add(ttl);
        self
    }

    /// The session this login produced.
    ///
    /// ```
    /// assert_eq!(*selvedge_session::Login::new("t").session(), "t");
    /// ```
    #[must_use]
    pub fn session(&self) -> &S {
        &self.session
    }

    /// When the session expires, if it does.
    ///
    /// ```
    /// assert!(selvedge_session::Login::new(()).expiry().is_none());
    /// ```
    #[must_use]
    pub fn expiry(&self) -> Option<Instant> {
        self.expires_at
    }

    /// The session and its expiry.
    pub(crate) fn into_parts(self) -> (S, Option<Instant>) {
        (self.session, self.expires_at)
    }
}

/// How to log in to (and out of) one platform: the part of the seed's `PNetSessionManager`
/// that talks to the server. A [`SessionManager`](crate::SessionManager) adds everything
/// else: sharing, single flight, expiry, refresh, retries, timeouts.
///
/// The methods are called on the thread of the caller that needs them, never while the
/// manager holds a lock, and never two `login`s at once for one manager (except after a login
/// hung past the manager's `login_timeout`; see
/// [`SessionManagerBuilder::login_timeout`](crate::SessionManagerBuilder::login_timeout)).
///
/// # Examples
///
/// ```
/// use std::time::Duration;
/// use selvedge_session::{Authenticator, ErrorClass, Login};
///
/// #[derive(Debug)]
/// enum PnetError {
///     BadPassword,
///     Unavailable,
/// }
/// impl std::fmt::Display for PnetError {
///     fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
///         write!(f, "{self:?}")
///     }
/// }
/// impl std::error::Error for PnetError {}
///
/// struct PnetAuth {
///     password: &'static str,
/// }
///
/// impl Authenticator for PnetAuth {
///     type Session = String; // the session cookie
///     type Error = PnetError;
///
///     fn login(&self) -> Result<Login<String>, PnetError> {
///         // POST /api/auth/login { "username": "admin", "password": ... }
///         match self.password {
///             "" => Err(PnetError::BadPassword),
///             _ => Ok(Login::new("unetlab_session=1".into()).expires_in(Duration::from_secs(900))),
///         }
///     }
///
///     fn classify(&self, error: &PnetError) -> ErrorClass {
///         match error {
///             PnetError::Unavailable => ErrorClass::Transient,
///             PnetError::BadPassword => ErrorClass::Permanent,
///         }
///     }
/// }
///
/// assert!(PnetAuth { password: "pnet" }.login().is_ok());
/// ```
pub trait Authenticator: Send + Sync + 'static {
    /// What a login yields and callers share: a cookie, a token, a client holding either.
    type Session: Send + Sync + 'static;
    /// Why a login or logout failed.
    type Error: std::error::Error + Send + Sync + 'static;

    /// Logs in, returning the session and its expiry, if any.
    ///
    /// # Errors
    ///
    /// Whatever stops the login; [`classify`](Self::classify) decides whether it is retried.
    ///
    /// ```
    /// # use selvedge_session::{Authenticator, Login};
    /// struct Fixed;
    /// impl Authenticator for Fixed {
    ///     type Session = &'static str;
    ///     type Error = std::io::Error;
    ///     fn login(&self) -> std::io::Result<Login<&'static str>> {
    ///         Ok(Login::new("token"))
    ///     }
    /// }
    /// assert_eq!(*Fixed.login().unwrap().session(), "token");
    /// ```
    fn login(&self) -> Result<Login<Self::Session>, Self::Error>;

    /// Logs `session` out on the server. The default does nothing.
    ///
    /// # Errors
    ///
    /// Whatever stops the logout; the manager has already dropped the session by then.
    ///
    /// ```
    /// # use selvedge_session::{Authenticator, Login};
    /// struct Fixed;
    /// impl Authenticator for Fixed {
    ///     type Session = ();
    ///     type Error = std::io::Error;
    ///     fn login(&self) -> std::io::Result<Login<()>> {
    ///         Ok(Login::new(()))
    ///     }
    /// }
    /// assert!(Fixed.logout(&()).is_ok());
    /// ```
    fn logout(&self, _session: &Self::Session) -> Result<(), Self::Error> {
        Ok(())
    }

    /// Whether `error` is worth retrying. The default says [`ErrorClass::Permanent`], so
    /// nothing is retried unless the authenticator says so.
    ///
    /// ```
    /// # use selvedge_session::{Authenticator, ErrorClass, Login};
    /// struct Fixed;
    /// impl Authenticator for Fixed {
    ///     type Session = ();
    ///     type Error = std::io::Error;
    ///     fn login(&self) -> std::io::Result<Login<()>> {
    ///         Ok(Login::new(()))
    ///     }
    /// }
    /// let error = std::io::Error::other("refused");
    /// assert_eq!(Fixed.classify(&error), ErrorClass::Permanent);
    /// ```
    fn classify(&self, _error: &Self::Error) -> ErrorClass {
        ErrorClass::Permanent
    }
}
