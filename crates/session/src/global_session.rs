//! [`GlobalSession`]: the process-wide managed session, declared in one `static`.

use std::fmt;

use selvedge_locks::sync::Arc;
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
    manager: Global<SessionManager<A>>,
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
        self.manager.get_or_try_init(self.make)
    }

    /// The live session, building the manager and logging in first if needed: the seed's
    /// `ensure_admin_pnet_session()`.
    ///
    /// Once the manager exists this borrows it (no `Arc` clone of the manager) and runs
    /// [`SessionManager::ensure`].
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
        if let Some(result) = self.manager.with(SessionManager::ensure) {
            return result;
        }
        self.manager()?.ensure()
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
        let mut f = Some(f);
        let borrowed = self
            .manager
            .with(|manager| manager.ensure_with(f.take().expect("`with` calls this once")));
        if let Some(result) = borrowed {
            return result;
        }
        let f = f.expect("`with` found no manager, so it did not take `f`");
        self.manager()?.ensure_with(f)
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
        self.manager
            .with(SessionManager::session)
            .unwrap_or(Err(SessionError::NotLoggedIn))
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
        self.manager
            .with(SessionManager::is_authenticated)
            .unwrap_or(false)
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
        self.manager
            .with(|manager| manager.invalidate_if_current(session))
            .unwrap_or(false)
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
        self.manager.with(SessionManager::logout).unwrap_or(Ok(()))
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
        self.manager.with(SessionManager::stats).unwrap_or_default()
    }
}

impl<A: Authenticator> fmt::Debug for GlobalSession<A> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("GlobalSession")
            .field("name", &self.name())
            .field("manager", &self.manager.get())
            .finish()
    }
}
