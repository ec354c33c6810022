//! [`GlobalSession`]: the process-wide managed session, declared in one `static`.

use std::fmt;
use std::sync::OnceLock;

use selvedge_locks::sync::{Arc, MODEL};
use selvedge_singleton::Global;

use crate::{Authenticator, BuildError, SessionError, SessionManager, SessionStats};

/// The session of authenticator `A`, as handed out.
type SessionOf<A> = Arc<<A as Authenticator>::Session>;

/// A process-wide [`SessionManager`], built on first use and then shared by every thread: the
/// seed's `ADMIN_PNET_SESSION` with `get_admin_pnet_session()` and
/// `ensure_admin_pnet_session()` in one declaration.
///
/// The manager is built by `make` the first time it is needed (a [`Global`] does the single
/// flight), so settings can come from the environment at run time. `ADMIN.ensure()` is the
/// seed's `ensure_admin_pnet_session()`: the live session, logged in first if needed.
///
/// # Examples
///
/// ```
/// use std::time::Duration;
/// use selvedge_session::{Authenticator, BuildError, GlobalSession, Login, SessionManager};
///
/// struct PnetAuth {
///     user: String,
/// }
///
/// impl PnetAuth {
///     fn from_env() -> Self {
///         Self { user: std::env::var("PNET_USER").unwrap_or_else(|_| "admin".into()) }
///     }
/// }
///
/// impl Authenticator for PnetAuth {
///     type Session = String;
///     type Error = std::io::Error;
///     fn login(&self) -> std::io::Result<Login<String>> {
///         Ok(Login::new(format!("session of {}", self.user)).expires_in(Duration::from_secs(900)))
///     }
/// }
///
/// fn admin() -> Result<SessionManager<PnetAuth>, BuildError> {
///     SessionManager::builder(PnetAuth::from_env()).name("admin").build()
/// }
///
/// static ADMIN: GlobalSession<PnetAuth> = GlobalSession::new("admin", admin);
///
/// let workers: Vec<_> = (0..4).map(|_| std::thread::spawn(|| ADMIN.ensure())).collect();
/// for worker in workers {
///     assert_eq!(*worker.join().unwrap()?, "session of admin");
/// }
/// assert_eq!(ADMIN.stats().logins, 1);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub struct GlobalSession<A: Authenticator> {
    /// Builds the manager once (single flight, errors not cached, panics poison nothing).
    manager: Global<SessionManager<A>>,
    /// The manager the `Global` built, cached for a one-load read: the `Global` is never reset,
    /// so once built its instance is final. A std `OnceLock` rather than a facade primitive
    /// because it decides nothing: every racer stores the same `Arc` the `Global` (loom-checked)
    /// agreed on, as `selvedge_singleton::Lazy` does under loom.
    built: OnceLock<Arc<SessionManager<A>>>,
    make: fn() -> Result<SessionManager<A>, BuildError>,
}

impl<A: Authenticator> GlobalSession<A> {
    selvedge_locks::loom_const_fn! {
        /// A global session named `name` whose manager `make` builds on first use; usable in a
        /// `static` (loom build: not `const`).
        ///
        /// ```
        /// # use selvedge_session::{Authenticator, Login, GlobalSession, SessionManager};
        /// # struct Fixed;
        /// # impl Authenticator for Fixed {
        /// #     type Session = ();
        /// #     type Error = std::io::Error;
        /// #     fn login(&self) -> std::io::Result<Login<()>> { Ok(Login::new(())) }
        /// # }
        /// static SESSION: GlobalSession<Fixed> =
        ///     GlobalSession::new("fixed", || SessionManager::builder(Fixed).build());
        /// assert_eq!(SESSION.name(), "fixed");
        /// ```
        #[must_use]
        pub const fn new(
            name: &'static str,
            make: fn() -> Result<SessionManager<A>, BuildError>,
        ) -> Self {
            Self {
                manager: Global::named(name),
                built: OnceLock::new(),
                make,
            }
        }
    }

    /// The name given to [`new`](Self::new).
    ///
    /// ```
    /// # use selvedge_session::{Authenticator, Login, GlobalSession, SessionManager};
    /// # struct Fixed;
    /// # impl Authenticator for Fixed {
    /// #     type Session = ();
    /// #     type Error = std::io::Error;
    /// #     fn login(&self) -> std::io::Result<Login<()>> { Ok(Login::new(())) }
    /// # }
    /// let session = GlobalSession::new("admin", || SessionManager::builder(Fixed).build());
    /// assert_eq!(session.name(), "admin");
    /// ```
    #[must_use]
    pub fn name(&self) -> &'static str {
        self.manager.name()
    }

    /// The manager, built on first use.
    ///
    /// # Errors
    ///
    /// `make`'s [`BuildError`]; it is not cached, the next call builds again.
    ///
    /// ```
    /// # use selvedge_session::{Authenticator, Login, GlobalSession, SessionManager};
    /// # struct Fixed;
    /// # impl Authenticator for Fixed {
    /// #     type Session = ();
    /// #     type Error = std::io::Error;
    /// #     fn login(&self) -> std::io::Result<Login<()>> { Ok(Login::new(())) }
    /// # }
    /// static SESSION: GlobalSession<Fixed> =
    ///     GlobalSession::new("fixed", || SessionManager::builder(Fixed).name("fixed").build());
    /// assert_eq!(SESSION.manager()?.name(), "fixed");
    /// # Ok::<(), selvedge_session::BuildError>(())
    /// ```
    pub fn manager(&self) -> Result<Arc<SessionManager<A>>, BuildError> {
        // Under loom only through the `Global` (see `built`).
        if !MODEL && let Some(built) = self.built.get() {
            return Ok(built.clone());
        }
        let manager = self.manager.get_or_try_init(self.make)?;
        // Cached here too, so the borrowing calls (`stats`, `invalidate_if_current`, ...) find
        // a manager that only `manager` has built so far.
        self.built.get_or_init(|| manager.clone());
        Ok(manager)
    }

    /// The manager, if it has been built, borrowed: one load of the cache.
    ///
    /// Under loom every access goes through the loom-visible `Global` first and only then to
    /// the cache (as `selvedge_singleton::Lazy` does), because the `OnceLock`'s own
    /// synchronisation is invisible to the model.
    #[inline]
    fn built(&self) -> Option<&SessionManager<A>> {
        let built = if MODEL {
            self.manager
                .get()
                .map(|manager| self.built.get_or_init(|| manager))
        } else {
            self.built.get()
        };
        built.map(|built| &**built)
    }

    /// Builds the manager (once, however many threads race) and caches it for [`built`].
    ///
    /// [`built`]: Self::built
    #[cold]
    fn build(&self) -> Result<&SessionManager<A>, BuildError> {
        let manager = self.manager.get_or_try_init(self.make)?;
        Ok(self.built.get_or_init(|| manager))
    }

    /// The live session, building the manager and logging in first if needed: the seed's
    /// `ensure_admin_pnet_session()`.
    ///
    /// Once the manager exists this borrows it (one load, no `Arc` clone of the manager) and
    /// runs [`SessionManager::ensure`].
    ///
    /// # Errors
    ///
    /// As [`SessionManager::ensure`], and [`SessionError::Build`] if the manager cannot be
    /// built.
    ///
    /// ```
    /// # use selvedge_session::{Authenticator, Login, GlobalSession, SessionManager};
    /// # struct Fixed;
    /// # impl Authenticator for Fixed {
    /// #     type Session = &'static str;
    /// #     type Error = std::io::Error;
    /// #     fn login(&self) -> std::io::Result<Login<&'static str>> { Ok(Login::new("token")) }
    /// # }
    /// static ADMIN: GlobalSession<Fixed> =
    ///     GlobalSession::new("admin", || SessionManager::builder(Fixed).build());
    /// assert_eq!(*ADMIN.ensure()?, "token");
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    #[inline]
    pub fn ensure(&self) -> Result<SessionOf<A>, SessionError<A::Error>> {
        match self.built() {
            Some(manager) => manager.ensure(),
            None => self.build()?.ensure(),
        }
    }

    /// [`SessionManager::ensure_with`] on the global manager: calls `f` with the live session
    /// (logging in first if needed) without cloning its `Arc` on the hot path.
    ///
    /// # Errors
    ///
    /// As [`ensure`](Self::ensure); `f` is not called then.
    ///
    /// ```
    /// # use selvedge_session::{Authenticator, Login, GlobalSession, SessionManager};
    /// # struct Fixed;
    /// # impl Authenticator for Fixed {
    /// #     type Session = String;
    /// #     type Error = std::io::Error;
    /// #     fn login(&self) -> std::io::Result<Login<String>> { Ok(Login::new("abc".into())) }
    /// # }
    /// static ADMIN: GlobalSession<Fixed> =
    ///     GlobalSession::new("admin", || SessionManager::builder(Fixed).build());
    /// assert_eq!(ADMIN.ensure_with(|cookie| cookie.len())?, 3);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    #[inline]
    pub fn ensure_with<R>(
        &self,
        f: impl FnOnce(&SessionOf<A>) -> R,
    ) -> Result<R, SessionError<A::Error>> {
        match self.built() {
            Some(manager) => manager.ensure_with(f),
            None => self.build()?.ensure_with(f),
        }
    }

    /// The live session, or [`SessionError::NotLoggedIn`]; never logs in.
    ///
    /// # Errors
    ///
    /// [`SessionError::NotLoggedIn`], also when the manager was never built.
    ///
    /// ```
    /// # use selvedge_session::{Authenticator, Login, GlobalSession, SessionError, SessionManager};
    /// # struct Fixed;
    /// # impl Authenticator for Fixed {
    /// #     type Session = ();
    /// #     type Error = std::io::Error;
    /// #     fn login(&self) -> std::io::Result<Login<()>> { Ok(Login::new(())) }
    /// # }
    /// static ADMIN: GlobalSession<Fixed> =
    ///     GlobalSession::new("admin", || SessionManager::builder(Fixed).build());
    /// assert!(matches!(ADMIN.session(), Err(SessionError::NotLoggedIn)));
    /// ```
    pub fn session(&self) -> Result<SessionOf<A>, SessionError<A::Error>> {
        self.built()
            .map_or(Err(SessionError::NotLoggedIn), SessionManager::session)
    }

    /// Whether a live session is published now.
    ///
    /// ```
    /// # use selvedge_session::{Authenticator, Login, GlobalSession, SessionManager};
    /// # struct Fixed;
    /// # impl Authenticator for Fixed {
    /// #     type Session = ();
    /// #     type Error = std::io::Error;
    /// #     fn login(&self) -> std::io::Result<Login<()>> { Ok(Login::new(())) }
    /// # }
    /// static ADMIN: GlobalSession<Fixed> =
    ///     GlobalSession::new("admin", || SessionManager::builder(Fixed).build());
    /// assert!(!ADMIN.is_authenticated());
    /// ADMIN.ensure()?;
    /// assert!(ADMIN.is_authenticated());
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    #[must_use]
    pub fn is_authenticated(&self) -> bool {
        self.built().is_some_and(SessionManager::is_authenticated)
    }

    /// [`SessionManager::invalidate_if_current`] on the global manager; `false` if it was
    /// never built.
    ///
    /// ```
    /// # use selvedge_session::{Authenticator, Login, GlobalSession, SessionManager};
    /// # struct Fixed;
    /// # impl Authenticator for Fixed {
    /// #     type Session = ();
    /// #     type Error = std::io::Error;
    /// #     fn login(&self) -> std::io::Result<Login<()>> { Ok(Login::new(())) }
    /// # }
    /// static ADMIN: GlobalSession<Fixed> =
    ///     GlobalSession::new("admin", || SessionManager::builder(Fixed).build());
    /// let session = ADMIN.ensure()?;
    /// assert!(ADMIN.invalidate_if_current(&session)); // the server said 401
    /// assert!(!ADMIN.invalidate_if_current(&session)); // already dropped
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn invalidate_if_current(&self, session: &SessionOf<A>) -> bool {
        self.built()
            .is_some_and(|manager| manager.invalidate_if_current(session))
    }

    /// [`SessionManager::logout`] on the global manager; nothing if it was never built.
    ///
    /// # Errors
    ///
    /// As [`SessionManager::logout`].
    ///
    /// ```
    /// # use selvedge_session::{Authenticator, Login, GlobalSession, SessionManager};
    /// # struct Fixed;
    /// # impl Authenticator for Fixed {
    /// #     type Session = ();
    /// #     type Error = std::io::Error;
    /// #     fn login(&self) -> std::io::Result<Login<()>> { Ok(Login::new(())) }
    /// # }
    /// static ADMIN: GlobalSession<Fixed> =
    ///     GlobalSession::new("admin", || SessionManager::builder(Fixed).build());
    /// ADMIN.ensure()?;
    /// ADMIN.logout()?;
    /// assert!(!ADMIN.is_authenticated());
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn logout(&self) -> Result<(), SessionError<A::Error>> {
        self.built().map_or(Ok(()), SessionManager::logout)
    }

    /// The manager's [`SessionStats`]; all zero if it was never built.
    ///
    /// ```
    /// # use selvedge_session::{Authenticator, Login, GlobalSession, SessionManager};
    /// # struct Fixed;
    /// # impl Authenticator for Fixed {
    /// #     type Session = ();
    /// #     type Error = std::io::Error;
    /// #     fn login(&self) -> std::io::Result<Login<()>> { Ok(Login::new(())) }
    /// # }
    /// static ADMIN: GlobalSession<Fixed> =
    ///     GlobalSession::new("admin", || SessionManager::builder(Fixed).build());
    /// assert_eq!(ADMIN.stats().logins, 0);
    /// ```
    #[must_use]
    pub fn stats(&self) -> SessionStats {
        self.built().map(SessionManager::stats).unwrap_or_default()
    }
}

impl<A: Authenticator> fmt::Debug for GlobalSession<A> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("GlobalSession")
            .field("name", &self.name())
            .field("manager", &self.built())
            .finish()
    }
}
