//! [`SessionMap`]: one managed session per platform or tenant, over singleton's
//! [`GlobalMap`].

use std::borrow::Borrow;
use std::fmt;
use std::hash::Hash;

use selvedge_locks::sync::Arc;
use selvedge_singleton::GlobalMap;

use crate::{Authenticator, BuildError, SessionError, SessionManager};

/// The session of authenticator `A`, as handed out.
type SessionOf<A> = Arc<<A as Authenticator>::Session>;

/// One [`SessionManager`] per key (a platform, a tenant), each built by `make` on first use
/// and logging in on its own: a slow or failing login for one key never blocks another.
///
/// The seed picks its platform with `instance.lab.get_platform() == "PN"` and keeps one admin
/// session for it; with several platforms or tenants that becomes one session each.
///
/// # Performance
///
/// Finding a key's manager takes the map's mutex for one hash lookup ([`GlobalMap`]); a hot
/// loop should keep the manager from [`manager`](Self::manager) and call its
/// [`ensure`](SessionManager::ensure), which takes no lock.
///
/// # Examples
///
/// ```
/// use selvedge_session::{Authenticator, BuildError, Login, SessionManager, SessionMap};
///
/// struct PlatformAuth {
///     platform: String,
/// }
///
/// impl Authenticator for PlatformAuth {
///     type Session = String;
///     type Error = std::io::Error;
///     fn login(&self) -> std::io::Result<Login<String>> {
///         Ok(Login::new(format!("admin@{}", self.platform)))
///     }
/// }
///
/// fn manager_for(platform: &String) -> Result<SessionManager<PlatformAuth>, BuildError> {
///     SessionManager::builder(PlatformAuth { platform: platform.clone() }).build()
/// }
///
/// static SESSIONS: SessionMap<String, PlatformAuth> = SessionMap::new("platforms", manager_for);
///
/// assert_eq!(*SESSIONS.ensure(&"PN".to_string())?, "admin@PN");
/// assert_eq!(*SESSIONS.ensure(&"EVE".to_string())?, "admin@EVE");
/// assert_eq!(SESSIONS.manager(&"PN".to_string())?.stats().logins, 1);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub struct SessionMap<K, A: Authenticator> {
    managers: GlobalMap<K, SessionManager<A>>,
    make: fn(&K) -> Result<SessionManager<A>, BuildError>,
}

impl<K, A: Authenticator> SessionMap<K, A> {
    selvedge_locks::loom_const_fn! {
        /// An empty map named `name`; `make` builds the manager of a key on first use. Usable
        /// in a `static` (loom build: not `const`).
        ///
        /// ```
        /// # use selvedge_session::{Authenticator, Login, SessionManager, SessionMap};
        /// # struct Fixed;
        /// # impl Authenticator for Fixed {
        /// #     type Session = ();
        /// #     type Error = std::io::Error;
        /// #     fn login(&self) -> std::io::Result<Login<()>> { Ok(Login::new(())) }
        /// # }
        /// static TENANTS: SessionMap<u32, Fixed> =
        ///     SessionMap::new("tenants", |_| SessionManager::builder(Fixed).build());
        /// assert_eq!(TENANTS.name(), "tenants");
        /// ```
        #[must_use]
        pub const fn new(
            name: &'static str,
            make: fn(&K) -> Result<SessionManager<A>, BuildError>,
        ) -> Self {
            Self {
                managers: GlobalMap::named(name),
                make,
            }
        }
    }

    /// The name given to [`new`](Self::new).
    ///
    /// ```
    /// # use selvedge_session::{Authenticator, Login, SessionManager, SessionMap};
    /// # struct Fixed;
    /// # impl Authenticator for Fixed {
    /// #     type Session = ();
    /// #     type Error = std::io::Error;
    /// #     fn login(&self) -> std::io::Result<Login<()>> { Ok(Login::new(())) }
    /// # }
    /// let map: SessionMap<u8, Fixed> = SessionMap::new("m", |_| SessionManager::builder(Fixed).build());
    /// assert_eq!(map.name(), "m");
    /// ```
    #[must_use]
    pub fn name(&self) -> &'static str {
        self.managers.name()
    }
}

impl<K: Eq + Hash + Clone, A: Authenticator> SessionMap<K, A> {
    /// The manager of `key`, built on first use.
    ///
    /// # Errors
    ///
    /// `make`'s [`BuildError`]; nothing is cached for the key.
    ///
    /// ```
    /// # use selvedge_session::{Authenticator, Login, SessionManager, SessionMap};
    /// # struct Fixed;
    /// # impl Authenticator for Fixed {
    /// #     type Session = ();
    /// #     type Error = std::io::Error;
    /// #     fn login(&self) -> std::io::Result<Login<()>> { Ok(Login::new(())) }
    /// # }
    /// let map: SessionMap<&str, Fixed> =
    ///     SessionMap::new("m", |_| SessionManager::builder(Fixed).build());
    /// let a = map.manager(&"PN")?;
    /// let b = map.manager(&"PN")?;
    /// assert!(std::sync::Arc::ptr_eq(&a, &b));
    /// # Ok::<(), selvedge_session::BuildError>(())
    /// ```
    pub fn manager(&self, key: &K) -> Result<Arc<SessionManager<A>>, BuildError> {
        self.managers
            .get_or_try_init(key.clone(), || (self.make)(key))
    }

    /// The live session of `key`, building its manager and logging in first if needed.
    ///
    /// # Errors
    ///
    /// As [`SessionManager::ensure`], and [`SessionError::Build`] if the key's manager cannot
    /// be built.
    ///
    /// ```
    /// # use selvedge_session::{Authenticator, Login, SessionManager, SessionMap};
    /// # struct Fixed;
    /// # impl Authenticator for Fixed {
    /// #     type Session = &'static str;
    /// #     type Error = std::io::Error;
    /// #     fn login(&self) -> std::io::Result<Login<&'static str>> { Ok(Login::new("token")) }
    /// # }
    /// let map: SessionMap<&str, Fixed> =
    ///     SessionMap::new("m", |_| SessionManager::builder(Fixed).build());
    /// assert_eq!(*map.ensure(&"PN")?, "token");
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn ensure(&self, key: &K) -> Result<SessionOf<A>, SessionError<A::Error>> {
        self.manager(key)?.ensure()
    }

    /// [`SessionManager::invalidate_if_current`] for `key`; `false` if the key has no manager.
    ///
    /// ```
    /// # use selvedge_session::{Authenticator, Login, SessionManager, SessionMap};
    /// # struct Fixed;
    /// # impl Authenticator for Fixed {
    /// #     type Session = ();
    /// #     type Error = std::io::Error;
    /// #     fn login(&self) -> std::io::Result<Login<()>> { Ok(Login::new(())) }
    /// # }
    /// let map: SessionMap<&str, Fixed> =
    ///     SessionMap::new("m", |_| SessionManager::builder(Fixed).build());
    /// let session = map.ensure(&"PN")?;
    /// assert!(!map.invalidate_if_current(&"EVE", &session)); // another key's session
    /// assert!(map.invalidate_if_current(&"PN", &session));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn invalidate_if_current<Q>(&self, key: &Q, session: &SessionOf<A>) -> bool
    where
        K: Borrow<Q>,
        Q: Eq + Hash + ?Sized,
    {
        self.managers
            .get(key)
            .is_some_and(|manager| manager.invalidate_if_current(session))
    }

    /// Logs `key`'s session out and removes its manager; the next use of `key` builds a new
    /// one. Nothing happens for a key without a manager.
    ///
    /// # Errors
    ///
    /// As [`SessionManager::logout`]; the manager is removed anyway.
    ///
    /// ```
    /// # use selvedge_session::{Authenticator, Login, SessionManager, SessionMap};
    /// # struct Fixed;
    /// # impl Authenticator for Fixed {
    /// #     type Session = ();
    /// #     type Error = std::io::Error;
    /// #     fn login(&self) -> std::io::Result<Login<()>> { Ok(Login::new(())) }
    /// # }
    /// let map: SessionMap<&str, Fixed> =
    ///     SessionMap::new("m", |_| SessionManager::builder(Fixed).build());
    /// map.ensure(&"PN")?;
    /// map.remove(&"PN")?;
    /// assert!(map.keys().is_empty());
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn remove<Q>(&self, key: &Q) -> Result<(), SessionError<A::Error>>
    where
        K: Borrow<Q>,
        Q: Eq + Hash + ?Sized,
    {
        match self.managers.remove(key) {
            Some(manager) => manager.logout(),
            None => Ok(()),
        }
    }

    /// The keys that have a manager now.
    ///
    /// ```
    /// # use selvedge_session::{Authenticator, Login, SessionManager, SessionMap};
    /// # struct Fixed;
    /// # impl Authenticator for Fixed {
    /// #     type Session = ();
    /// #     type Error = std::io::Error;
    /// #     fn login(&self) -> std::io::Result<Login<()>> { Ok(Login::new(())) }
    /// # }
    /// let map: SessionMap<&str, Fixed> =
    ///     SessionMap::new("m", |_| SessionManager::builder(Fixed).build());
    /// map.ensure(&"PN")?;
    /// assert_eq!(map.keys(), ["PN"]);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    #[must_use]
    pub fn keys(&self) -> Vec<K> {
        self.managers.keys()
    }
}

impl<K, A: Authenticator> fmt::Debug for SessionMap<K, A> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SessionMap")
            .field("name", &self.name())
            .finish_non_exhaustive()
    }
}
