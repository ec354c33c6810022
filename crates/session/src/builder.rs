//! [`SessionManagerBuilder`]: the settings of a [`SessionManager`], checked once at `build`.

use std::time::Duration;

use crate::{
    Authenticator, BuildError, InProcess, RetryPolicy, SessionManager, SessionStore, StoreFallback,
};

/// The name a manager's errors and events carry when it was given none.
pub(crate) const UNNAMED: &str = "unnamed";

/// A manager's settings, fixed at `build`.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Settings {
    pub(crate) name: &'static str,
    pub(crate) login_timeout: Duration,
    pub(crate) refresh_buffer: Duration,
    pub(crate) refresh_jitter: Duration,
    pub(crate) retry: RetryPolicy,
    pub(crate) fallback: StoreFallback,
}

/// The builder's settings before `build`: the retry policy stays unset until the login
/// timeout is known, so the default one can be fitted to it.
#[derive(Debug, Clone, Copy)]
struct Draft {
    name: &'static str,
    login_timeout: Duration,
    refresh_buffer: Duration,
    refresh_jitter: Duration,
    retry: Option<RetryPolicy>,
    fallback: StoreFallback,
}

/// Builds a [`SessionManager`]; from [`SessionManager::builder`].
///
/// | setting | default | meaning |
/// | --- | --- | --- |
/// | [`name`](Self::name) | `"unnamed"` | carried by errors and events |
/// | [`login_timeout`](Self::login_timeout) | 30 s | how long a caller waits behind another's login |
/// | [`refresh_buffer`](Self::refresh_buffer) | 10 s | how long before expiry a refresh may start |
/// | [`refresh_jitter`](Self::refresh_jitter) | 5 s | how much later than that, at random |
/// | [`retry`](Self::retry) | [`RetryPolicy::default`], its pauses capped at a quarter of `login_timeout` | retries of transient errors |
/// | [`store`](Self::store) | [`InProcess`] | where the session is shared beyond this process |
/// | [`store_fallback`](Self::store_fallback) | [`StoreFallback::Fail`] | what a login does when the store cannot be used |
///
/// # Errors
///
/// [`build`](Self::build) refuses settings that would make the manager hang or spin; see
/// [`BuildError`].
///
/// # Examples
///
/// ```
/// use std::time::Duration;
/// use selvedge_session::{Authenticator, Login, RetryPolicy, SessionManager};
///
/// struct Fixed;
/// impl Authenticator for Fixed {
///     type Session = String;
///     type Error = std::io::Error;
///     fn login(&self) -> std::io::Result<Login<String>> {
///         Ok(Login::new("token".into()).expires_in(Duration::from_secs(900)))
///     }
/// }
///
/// let manager = SessionManager::builder(Fixed)
///     .name("pnet admin")
///     .login_timeout(Duration::from_secs(5))
///     .refresh_buffer(Duration::from_secs(60))
///     .refresh_jitter(Duration::from_secs(30))
///     .retry(RetryPolicy::default().max_attempts(4))
///     .build()?;
/// assert_eq!(manager.name(), "pnet admin");
/// # Ok::<(), selvedge_session::BuildError>(())
/// ```
#[must_use = "a builder does nothing until `build` is called"]
pub struct SessionManagerBuilder<A: Authenticator> {
    auth: A,
    settings: Draft,
    store: Box<dyn SessionStore<A::Session>>,
}

impl<A: Authenticator + std::fmt::Debug> std::fmt::Debug for SessionManagerBuilder<A> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SessionManagerBuilder")
            .field("auth", &self.auth)
            .field("settings", &self.settings)
            .finish_non_exhaustive()
    }
}

impl<A: Authenticator> SessionManagerBuilder<A> {
    pub(crate) fn new(auth: A) -> Self {
        Self {
            store: Box::new(InProcess::default()),
            auth,
            settings: Draft {
                name: UNNAMED,
                login_timeout: Duration::from_secs(30),
                refresh_buffer: Duration::from_secs(10),
                refresh_jitter: Duration::from_secs(5),
                retry: None,
                fallback: StoreFallback::Fail,
            },
        }
    }

    /// The name errors and events carry (`"admin"`, `"pnet:tenant-7"`).
    ///
    /// ```
    /// # use selvedge_session::{Authenticator, Login, SessionManager};
    /// # struct Fixed;
    /// # impl Authenticator for Fixed {
    /// #     type Session = ();
    /// #     type Error = std::io::Error;
    /// #     fn login(&self) -> std::io::Result<Login<()>> { Ok(Login::new(())) }
    /// # }
    /// let manager = SessionManager::builder(Fixed).name("admin").build().unwrap();
    /// assert_eq!(manager.name(), "admin");
    /// ```
    pub fn name(mut self, name: &'static str) -> Self {
        self.settings.name = name;
        self
    }

    /// How long a caller waits for a login another caller is running before it gets
    /// [`SessionError::Timeout`](crate::SessionError::Timeout); also the most a login flight
    /// spends on retries, and the age after which a flight that has not finished is treated as
    /// hung, so that the next caller starts a fresh one. Must be greater than zero.
    ///
    /// The caller that runs a login (the flight's leader) is not interrupted: the
    /// authenticator runs on its thread, and Rust cannot cancel a blocking call. Give the
    /// authenticator's HTTP client its own timeouts to bound that caller too. Whatever a hung
    /// login returns late is handed to its own caller only, never published over a newer
    /// session.
    ///
    /// ```
    /// # use std::time::Duration;
    /// # use selvedge_session::{Authenticator, Login, SessionManager};
    /// # struct Fixed;
    /// # impl Authenticator for Fixed {
    /// #     type Session = ();
    /// #     type Error = std::io::Error;
    /// #     fn login(&self) -> std::io::Result<Login<()>> { Ok(Login::new(())) }
    /// # }
    /// let manager = SessionManager::builder(Fixed)
    ///     .login_timeout(Duration::from_secs(2))
    ///     .build()
    ///     .unwrap();
    /// assert_eq!(manager.login_timeout(), Duration::from_secs(2));
    /// ```
    pub fn login_timeout(mut self, timeout: Duration) -> Self {
        self.settings.login_timeout = timeout;
        self
    }

    /// How long before a session expires a caller may start refreshing it, while the other
    /// callers go on using the old one. Zero: no refresh ahead, callers log in again at expiry.
    /// A refresh never starts before half of the session's lifetime has passed.
    ///
    /// ```
    /// # use std::time::Duration;
    /// # use selvedge_session::{Authenticator, Login, SessionManager};
    /// # struct Fixed;
    /// # impl Authenticator for Fixed {
    /// #     type Session = ();
    /// #     type Error = std::io::Error;
    /// #     fn login(&self) -> std::io::Result<Login<()>> { Ok(Login::new(())) }
    /// # }
    /// let manager = SessionManager::builder(Fixed)
    ///     .refresh_buffer(Duration::ZERO)
    ///     .refresh_jitter(Duration::ZERO)
    ///     .build();
    /// assert!(manager.is_ok());
    /// ```
    pub fn refresh_buffer(mut self, buffer: Duration) -> Self {
        self.settings.refresh_buffer = buffer;
        self
    }

    /// How much later than `expiry - refresh_buffer` a refresh may start, drawn at random per
    /// login, so that many processes do not refresh in step. At most `refresh_buffer`.
    ///
    /// ```
    /// # use std::time::Duration;
    /// # use selvedge_session::{Authenticator, BuildError, Login, SessionManager};
    /// # struct Fixed;
    /// # impl Authenticator for Fixed {
    /// #     type Session = ();
    /// #     type Error = std::io::Error;
    /// #     fn login(&self) -> std::io::Result<Login<()>> { Ok(Login::new(())) }
    /// # }
    /// let error = SessionManager::builder(Fixed)
    ///     .refresh_buffer(Duration::from_secs(1))
    ///     .refresh_jitter(Duration::from_secs(2))
    ///     .build()
    ///     .unwrap_err();
    /// assert!(matches!(error, BuildError::JitterExceedsBuffer { .. }));
    /// ```
    pub fn refresh_jitter(mut self, jitter: Duration) -> Self {
        self.settings.refresh_jitter = jitter;
        self
    }

    /// How transient login errors are retried.
    ///
    /// ```
    /// # use std::time::Duration;
    /// # use selvedge_session::{Authenticator, BuildError, Login, RetryPolicy, SessionManager};
    /// # struct Fixed;
    /// # impl Authenticator for Fixed {
    /// #     type Session = ();
    /// #     type Error = std::io::Error;
    /// #     fn login(&self) -> std::io::Result<Login<()>> { Ok(Login::new(())) }
    /// # }
    /// let error = SessionManager::builder(Fixed)
    ///     .retry(RetryPolicy::none().max_attempts(0))
    ///     .build()
    ///     .unwrap_err();
    /// assert_eq!(error, BuildError::ZeroAttempts);
    /// ```
    pub fn retry(mut self, policy: RetryPolicy) -> Self {
        self.settings.retry = Some(policy);
        self
    }

    /// Where the session is kept beyond this process: [`InProcess`] (the default) shares
    /// nothing; `RedisStore` (feature `redis`) shares one login between
    /// every process using the same Redis key. The store is touched only on the slow path (a
    /// login, a refresh, an invalidation, a logout): `ensure` on a live session reads the
    /// manager's own copy, as fast as without a store. See [`SessionStore`] for the protocol.
    ///
    /// ```
    /// # use selvedge_session::{Authenticator, InProcess, Login, SessionManager};
    /// # struct Fixed;
    /// # impl Authenticator for Fixed {
    /// #     type Session = ();
    /// #     type Error = std::io::Error;
    /// #     fn login(&self) -> std::io::Result<Login<()>> { Ok(Login::new(())) }
    /// # }
    /// let manager = SessionManager::builder(Fixed).store(InProcess::default()).build()?;
    /// manager.ensure()?;
    /// assert_eq!(manager.stats().logins, 1);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn store(mut self, store: impl SessionStore<A::Session>) -> Self {
        self.store = Box::new(store);
        self
    }

    /// What a login does when the store cannot be used (unreachable, too slow, a value it
    /// cannot decode): fail with [`SessionError::Store`](crate::SessionError::Store) (the
    /// default), or log in on its own and keep that session to this process
    /// ([`StoreFallback::LoginLocally`]).
    ///
    /// ```
    /// # use selvedge_session::{Authenticator, Login, SessionManager, StoreFallback};
    /// # struct Fixed;
    /// # impl Authenticator for Fixed {
    /// #     type Session = ();
    /// #     type Error = std::io::Error;
    /// #     fn login(&self) -> std::io::Result<Login<()>> { Ok(Login::new(())) }
    /// # }
    /// let manager = SessionManager::builder(Fixed)
    ///     .store_fallback(StoreFallback::LoginLocally)
    ///     .build();
    /// assert!(manager.is_ok());
    /// ```
    pub fn store_fallback(mut self, fallback: StoreFallback) -> Self {
        self.settings.fallback = fallback;
        self
    }

    /// The manager, if the settings make sense.
    ///
    /// # Errors
    ///
    /// [`BuildError`] names the first setting that does not.
    ///
    /// ```
    /// # use selvedge_session::{Authenticator, Login, SessionManager};
    /// # struct Fixed;
    /// # impl Authenticator for Fixed {
    /// #     type Session = ();
    /// #     type Error = std::io::Error;
    /// #     fn login(&self) -> std::io::Result<Login<()>> { Ok(Login::new(())) }
    /// # }
    /// assert!(SessionManager::builder(Fixed).build().is_ok());
    /// ```
    pub fn build(self) -> Result<SessionManager<A>, BuildError> {
        let draft = self.settings;
        if draft.login_timeout.is_zero() {
            return Err(BuildError::ZeroLoginTimeout);
        }
        if draft.refresh_jitter > draft.refresh_buffer {
            return Err(BuildError::JitterExceedsBuffer {
                jitter: draft.refresh_jitter,
                buffer: draft.refresh_buffer,
            });
        }
        let retry = draft
            .retry
            .unwrap_or_else(|| RetryPolicy::default().fitted_to(draft.login_timeout));
        retry.validate(draft.login_timeout)?;
        let settings = Settings {
            name: draft.name,
            login_timeout: draft.login_timeout,
            refresh_buffer: draft.refresh_buffer,
            refresh_jitter: draft.refresh_jitter,
            retry,
            fallback: draft.fallback,
        };
        Ok(SessionManager::from_parts(self.auth, settings, self.store))
    }
}
