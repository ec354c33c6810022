//! [`SessionStore`]: where a [`SessionManager`](crate::SessionManager) keeps the session beyond
//! its own process, with [`Shared`], [`Lease`] and [`StoreError`], what a store hands back.
//!
//! A store is a few raw operations (read, take the login lease, publish, release, drop by
//! generation); the cross-process single flight is written once, in the manager, over them.
//! The manager only calls a store on its slow path (a login, a refresh, an invalidation, a
//! logout), never from `ensure` on a live session: the manager's own published session is the
//! process-local cache of the shared one.

use std::error::Error;
use std::fmt;
use std::time::SystemTime;

/// A session as the store keeps it for every process: decoded, with the generation it was
/// published under and its expiry (on the wall clock, which processes share).
///
/// # Examples
///
/// ```
/// use selvedge_session::Shared;
/// let shared = Shared { session: "cookie".to_string(), generation: 3, expires_at: None };
/// assert_eq!(shared.generation, 3);
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Shared<S> {
    /// The session.
    pub session: S,
    /// The generation it was published under: every publication gets a greater one.
    pub generation: u64,
    /// When it expires, if it does.
    pub expires_at: Option<SystemTime>,
}

/// The right to log in for every process sharing a store, held by one process at a time
/// until it publishes and releases it, or until it expires in the store.
///
/// The token tells holders apart, so that only the holder releases it.
///
/// # Examples
///
/// ```
/// let lease = selvedge_session::Lease::new(7);
/// assert_eq!(lease.token(), 7);
/// ```
#[derive(Debug, PartialEq, Eq)]
pub struct Lease {
    token: u128,
}

impl Lease {
    /// A lease identified by `token` (random, so that two holders never share one).
    ///
    /// ```
    /// assert_eq!(selvedge_session::Lease::new(1).token(), 1);
    /// ```
    #[must_use]
    pub fn new(token: u128) -> Self {
        Self { token }
    }

    /// The token that identifies this holder.
    ///
    /// ```
    /// assert_eq!(selvedge_session::Lease::new(9).token(), 9);
    /// ```
    #[must_use]
    pub fn token(&self) -> u128 {
        self.token
    }
}

/// Why a store could not answer.
///
/// # Examples
///
/// ```
/// use selvedge_session::StoreError;
/// let error = StoreError::Unavailable("connection refused".into());
/// assert!(error.is_unavailable());
/// assert_eq!(error.to_string(), "the session store is unavailable");
/// ```
#[derive(Debug)]
#[non_exhaustive]
pub enum StoreError {
    /// The store cannot be reached, or did not answer in time.
    Unavailable(Box<dyn Error + Send + Sync>),
    /// The store answered something this crate cannot use (a value the codec cannot decode,
    /// a reply of the wrong type).
    Corrupt(Box<dyn Error + Send + Sync>),
    /// The store's settings are unusable (a bad URL, a zero timeout).
    Config(Box<dyn Error + Send + Sync>),
}

impl StoreError {
    /// Whether this is [`StoreError::Unavailable`].
    ///
    /// ```
    /// use selvedge_session::StoreError;
    /// assert!(!StoreError::Corrupt("bad bytes".into()).is_unavailable());
    /// ```
    #[must_use]
    pub fn is_unavailable(&self) -> bool {
        matches!(self, Self::Unavailable(_))
    }
}

impl fmt::Display for StoreError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::Unavailable(_) => "the session store is unavailable",
            Self::Corrupt(_) => "the session store returned an unusable value",
            Self::Config(_) => "the session store is misconfigured",
        })
    }
}

impl Error for StoreError {
    fn source(&self) -> Option<&(dyn Error + 'static)> {
        match self {
            Self::Unavailable(error) | Self::Corrupt(error) | Self::Config(error) => Some(&**error),
        }
    }
}

/// Where the session lives beyond one process, and how processes take turns logging in.
///
/// The manager runs one flight per process at a time; in it, it calls:
///
/// 1. [`load`](Self::load): a live session newer than the one it has? Adopt it, no login.
/// 2. [`try_lease`](Self::try_lease): the right to log in. Taken by another process: wait,
///    polling `load` and `try_lease` with backoff (5 ms doubling to 100 ms) until the new
///    session appears, the lease frees (or expires: its holder crashed), or `login_timeout`.
/// 3. With the lease: `load` once more (someone may just have published), else log in,
///    [`publish`](Self::publish) under the lease, and [`release`](Self::release) it.
///
/// [`invalidate_if_current`](Self::invalidate_if_current) drops the stored session only if
/// it is still the generation a caller saw rejected.
///
/// The default store is [`InProcess`]: nothing is shared, `load` finds nothing and the lease
/// is always free, so the manager behaves exactly as a single-process one.
/// `RedisStore` (feature `redis`) shares the session through Redis.
///
/// # Examples
///
/// A store shared by the managers of one test, in memory (a real one talks to a server):
///
/// ```
/// use std::sync::{Arc, Mutex};
/// use std::time::SystemTime;
/// use selvedge_session::{
///     Authenticator, Lease, Login, SessionManager, SessionStore, Shared, StoreError,
/// };
///
/// #[derive(Default)]
/// struct Memory {
///     session: Mutex<Option<Shared<String>>>,
///     generations: Mutex<u64>,
/// }
///
/// #[derive(Clone, Default)]
/// struct MemoryStore(Arc<Memory>);
///
/// impl SessionStore<String> for MemoryStore {
///     fn load(&self, newer_than: u64) -> Result<Option<Shared<String>>, StoreError> {
///         let session = self.0.session.lock().unwrap();
///         Ok(session.clone().filter(|s| s.generation > newer_than))
///     }
///     fn try_lease(&self) -> Result<Option<Lease>, StoreError> {
///         Ok(Some(Lease::new(0))) // one process: the lease is always free
///     }
///     fn publish(
///         &self,
///         _lease: &Lease,
///         session: &String,
///         expires_at: Option<SystemTime>,
///     ) -> Result<Option<u64>, StoreError> {
///         let mut generations = self.0.generations.lock().unwrap();
///         *generations += 1;
///         let generation = *generations;
///         *self.0.session.lock().unwrap() =
///             Some(Shared { session: session.clone(), generation, expires_at });
///         Ok(Some(generation))
///     }
///     fn release(&self, _lease: Lease) -> Result<(), StoreError> {
///         Ok(())
///     }
///     fn invalidate_if_current(&self, generation: u64) -> Result<bool, StoreError> {
///         let mut session = self.0.session.lock().unwrap();
///         let current = session.as_ref().is_some_and(|s| s.generation == generation);
///         if current {
///             *session = None;
///         }
///         Ok(current)
///     }
/// }
///
/// struct Pnet;
/// impl Authenticator for Pnet {
///     type Session = String;
///     type Error = std::io::Error;
///     fn login(&self) -> std::io::Result<Login<String>> {
///         Ok(Login::new("cookie-1".into()))
///     }
/// }
///
/// let store = MemoryStore::default();
/// let first = SessionManager::builder(Pnet).store(store.clone()).build()?;
/// let second = SessionManager::builder(Pnet).store(store).build()?;
/// assert_eq!(*first.ensure()?, "cookie-1");
/// assert_eq!(*second.ensure()?, "cookie-1");
/// assert_eq!((first.stats().logins, second.stats().logins), (1, 0)); // one login for both
/// assert_eq!(second.stats().adoptions, 1);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub trait SessionStore<S>: Send + Sync + 'static {
    /// The stored session if it is live and its generation is greater than `newer_than`.
    ///
    /// # Errors
    ///
    /// [`StoreError`] if the store cannot be read or its value decoded.
    fn load(&self, newer_than: u64) -> Result<Option<Shared<S>>, StoreError>;

    /// Takes the login lease if no other process holds it; `None` if one does. A lease must
    /// expire by itself in the store, so that a crashed holder does not block the others.
    ///
    /// # Errors
    ///
    /// [`StoreError`] if the store cannot be reached.
    fn try_lease(&self) -> Result<Option<Lease>, StoreError>;

    /// Publishes `session` (it expires at `expires_at`) under a new generation, if `lease`
    /// is still held; `Ok(None)` if it expired and maybe another process took it over (then
    /// nothing is written).
    ///
    /// # Errors
    ///
    /// [`StoreError`] if the store cannot be written.
    fn publish(
        &self,
        lease: &Lease,
        session: &S,
        expires_at: Option<SystemTime>,
    ) -> Result<Option<u64>, StoreError>;

    /// Releases `lease` if it is still held by this holder (never another's).
    ///
    /// # Errors
    ///
    /// [`StoreError`] if the store cannot be reached; the lease then expires by itself.
    fn release(&self, lease: Lease) -> Result<(), StoreError>;

    /// Drops the stored session if its generation is still `generation`; returns whether it
    /// did. A stale rejection never drops a session another process has just published.
    ///
    /// # Errors
    ///
    /// [`StoreError`] if the store cannot be reached.
    fn invalidate_if_current(&self, generation: u64) -> Result<bool, StoreError>;
}

/// The default store: nothing is shared beyond this process, so the manager's published
/// session is the only copy. `load` finds nothing, the lease is always free, and `publish`
/// numbers the sessions.
///
/// # Examples
///
/// ```
/// use selvedge_session::{InProcess, Lease, SessionStore};
/// let store = InProcess::default();
/// let lease = SessionStore::<String>::try_lease(&store)?.expect("always free");
/// assert_eq!(store.publish(&lease, &"cookie".to_string(), None)?, Some(1));
/// assert_eq!(SessionStore::<String>::load(&store, 0)?, None);
/// # Ok::<(), selvedge_session::StoreError>(())
/// ```
#[derive(Debug, Default)]
pub struct InProcess {
    generations: selvedge_locks::sync::atomic::AtomicU64,
}

impl<S> SessionStore<S> for InProcess {
    fn load(&self, _newer_than: u64) -> Result<Option<Shared<S>>, StoreError> {
        Ok(None)
    }

    fn try_lease(&self) -> Result<Option<Lease>, StoreError> {
        Ok(Some(Lease::new(0)))
    }

    fn publish(
        &self,
        _lease: &Lease,
        _session: &S,
        _expires_at: Option<SystemTime>,
    ) -> Result<Option<u64>, StoreError> {
        let previous = self
            .generations
            .fetch_add(1, selvedge_locks::sync::atomic::Ordering::Relaxed);
        Ok(Some(previous + 1))
    }

    fn release(&self, _lease: Lease) -> Result<(), StoreError> {
        Ok(())
    }

    fn invalidate_if_current(&self, _generation: u64) -> Result<bool, StoreError> {
        Ok(false)
    }
}

/// What a manager does when its store cannot be reached on a login.
///
/// # Examples
///
/// ```
/// use selvedge_session::StoreFallback;
/// assert_eq!(StoreFallback::default(), StoreFallback::Fail);
/// ```
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum StoreFallback {
    /// The call fails with [`SessionError::Store`](crate::SessionError::Store).
    #[default]
    Fail,
    /// The process logs in on its own and keeps that session to itself (until it expires, is
    /// invalidated or refreshed; the next flight tries the store again). Other processes may
    /// then log in too: availability over one login for the fleet.
    LoginLocally,
}
