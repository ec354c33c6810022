//! [`SessionManager`]: one login shared by every thread.
//!
//! # How it works
//!
//! Two pieces of state, as in [`selvedge_singleton::Global`]:
//!
//! - `current`, an [`OptionArcCell`] (arc-swap in a normal build) holding the published
//!   [`Current`]: the session, its refresh point and expiry, and the flight that produced it.
//!   The hot path of [`ensure`](SessionManager::ensure) is one load of it, one read of the
//!   coarse clock compared with its `fresh_until` (see `clock.rs`: a deadline a little before
//!   the refresh point; no clock at all for a session that never expires), and the clone of the
//!   session's `Arc`. It writes nothing else: no counter, no flag, no lock.
//! - `control`, a facade `Mutex<Control>` with a `Condvar` (`landed`), for everything slow:
//!   which login flight runs (if any), since when, and how the last failed one failed. The
//!   mutex is never held while user code runs (the authenticator, or a session's `Drop`).
//!
//! A *flight* is one login: one leader calls the authenticator (retrying transient errors),
//! every other caller that needs a session waits on `landed` for it, bounded by
//! `login_timeout`. Flights are numbered; a flight publishes into `current` only if it is
//! still the running flight when it lands, so a flight that hung past `login_timeout` (and
//! was replaced by a fresh one) can never overwrite a newer session.
//!
//! Why not a [`selvedge_singleton::Global`] holding the session: a `Global` initialises only
//! an empty cell (a refresh must run while the old session is still handed out), hands an
//! initialiser's error to its own caller only (here every waiter of a flight gets it), and has
//! no notion of a flight that hung and was replaced. `Global` gained the two pieces this crate
//! needed that every user can use ([`Global::reset_if_current`] and
//! [`Global::get_or_try_init_timeout`]); the session's state machine is its own.
//!
//! [`Global::reset_if_current`]: selvedge_singleton::Global::reset_if_current
//! [`Global::get_or_try_init_timeout`]: selvedge_singleton::Global::get_or_try_init_timeout
//!
//! # State machine
//!
//! What a caller of `ensure` does, by the published session and the running flight:
//!
//! | published session | running flight | the caller |
//! | --- | --- | --- |
//! | fresh (before its refresh point) | any | returns it (hot path, no lock; in the last 20 ms before the refresh point, after a precise clock read) |
//! | due (refresh point passed, not expired) | none, or one older than `login_timeout` | leads a refresh flight; others keep using the old session |
//! | due | one younger than `login_timeout`, or the control lock is busy | returns the old session, never blocks |
//! | none, or expired | none, or one older than `login_timeout` | leads a login flight |
//! | none, or expired | one younger than `login_timeout` | waits (at most `login_timeout`) |
//!
//! A waiter wakes when a flight lands and then returns the new session, or the error of a
//! flight that failed while it waited (the same `Arc<E>` for every waiter), or, if the flight
//! panicked or its session was already dropped again, goes round once more. A waiter never
//! leads a flight while another one (even a hung one) is running, so a hung authenticator costs
//! each waiter exactly one `login_timeout`.
//!
//! `invalidate_if_current` and `logout` take the control lock only to order themselves with a
//! landing flight; they never wait for one. Neither cancels a running flight: a login that was
//! already under way when the session was invalidated or logged out publishes when it lands.
//!
//! # Across processes: the store
//!
//! A flight's leader does its work through the manager's [`SessionStore`] (`fly`), without the
//! control lock: it adopts the store's session if that is live and newer than generation
//! `stale` (the refreshed session's generation, or the greatest one this process saw rejected,
//! `Control::rejected`), else takes the store's lease, looks again, logs in and publishes under
//! it; if another process holds the lease it polls the store (`POLL_FIRST` doubling to
//! `POLL_MAX`) until a session appears, the lease frees, or the flight is `login_timeout` old.
//! So the table above holds per process, with "the running flight" now possibly waiting on
//! another process; a flight's local waiters cannot tell the difference. A store failure
//! lands as a failed flight ([`SessionError::Store`], or a local login with
//! [`StoreFallback::LoginLocally`]); a wait that ran out lands as [`SessionError::Timeout`]. A
//! login whose lease expired before it landed is handed to its leader's caller only, as a
//! replaced flight's is. With the default [`InProcess`](crate::InProcess) store, `load` finds
//! nothing and the lease is always free: a flight is exactly one login, as before.
//!
//! # What loom cannot check here
//!
//! Loom has no clock: timed waits never time out under it, so `tests/loom/session.rs` models
//! the protocol with a `login_timeout` no model reaches, and the timeout paths (a waiter giving
//! up, a hung flight or refresh replaced, a late result not published) are covered on real
//! threads by `tests/it/timeout.rs`. Expiry and refresh are modelled: under loom the crate reads
//! a model clock that the models step past the refresh point or the expiry (`clock.rs`).

use std::fmt;
use std::panic::{self, AssertUnwindSafe};
use std::time::{Duration, Instant, SystemTime};

use selvedge_locks::sync::{Arc, OptionArcCell, PlainCondvar, PlainMutex, PlainMutexGuard};

use crate::builder::Settings;
use crate::clock;
use crate::current::Current;
use crate::stats::Counters;
use crate::{
    Authenticator, ErrorClass, Lease, Login, SessionError, SessionManagerBuilder, SessionStats,
    SessionStore, Shared, StoreError, StoreFallback, report,
};

/// The first pause of a flight waiting for another process's login (polling the store).
const POLL_FIRST: Duration = Duration::from_millis(5);
/// The longest pause between two polls: the most a waiter lags behind the other process's
/// publication.
const POLL_MAX: Duration = Duration::from_millis(100);

/// The session of authenticator `A`, as handed out.
type SessionOf<A> = Arc<<A as Authenticator>::Session>;
/// What the session calls return.
type Result<A, T = SessionOf<A>> =
    std::result::Result<T, SessionError<<A as Authenticator>::Error>>;

/// The slow-path state, guarded by the manager's mutex.
struct Control<E> {
    /// The number of the last flight started (0: none yet).
    flights: u64,
    /// The flight that runs now, if any.
    running: Option<Running>,
    /// How many flights have failed; a waiter that sees this change returns `last_failure`.
    failures: u64,
    /// The error of the last failed flight.
    last_failure: Option<Failure<E>>,
    /// After a failed refresh, the next refresh waits until then (a quarter of the remaining
    /// life later), so a failing server is not asked again on every call.
    refresh_not_before: Option<Instant>,
    /// The greatest store generation this process saw rejected (invalidated or logged out):
    /// a flight never adopts it, or an older one, from the store.
    rejected: u64,
}

#[derive(Debug, Clone, Copy)]
struct Running {
    flight: u64,
    started: Instant,
}

/// How the last failed flight failed, as its waiters are told.
enum Failure<E> {
    Login {
        error: std::sync::Arc<E>,
        attempts: u32,
    },
    Store(std::sync::Arc<StoreError>),
    /// Another process's login did not land within `login_timeout`.
    Timeout,
}

impl<E> Failure<E> {
    /// The error a waiter of this flight returns, after waiting `waited`.
    fn to_error(&self, name: &'static str, waited: Duration) -> SessionError<E> {
        match self {
            Self::Login { error, attempts } => SessionError::Login {
                error: error.clone(),
                attempts: *attempts,
            },
            Self::Store(error) => SessionError::Store(error.clone()),
            Self::Timeout => SessionError::Timeout { name, waited },
        }
    }
}

/// What a flight brought back: a session, logged in by this process or adopted from the store.
struct Landing<S> {
    session: S,
    expires_at: Option<Instant>,
    /// The store's generation (0: kept to this process).
    generation: u64,
    /// How many authenticator calls it took; `None`: adopted from the store, no login.
    attempts: Option<u32>,
    /// `false`: the lease expired before the login landed and another process may have
    /// published since, so the session goes to the leader's caller only.
    publish: bool,
}

/// Why a flight brought back no session.
enum Grounded<E> {
    Login(E, u32),
    Store(StoreError),
    Timeout,
}

/// A store lease held by a flight's leader, released when dropped (a panicking authenticator
/// included). A release that fails is left to the lease's own expiry in the store.
struct Held<'a, S: 'static> {
    store: &'a dyn SessionStore<S>,
    lease: Option<Lease>,
}

impl<S: 'static> Drop for Held<'_, S> {
    fn drop(&mut self) {
        if let Some(lease) = self.lease.take() {
            let _expires_by_itself = self.store.release(lease);
        }
    }
}

/// A caller that waits for another caller's flight.
struct Wait {
    since: Instant,
    /// `Control::failures` when the wait began.
    failures_seen: u64,
}

/// What one flight's leader got from the authenticator.
type Attempts<A> = std::result::Result<
    (Login<<A as Authenticator>::Session>, u32),
    (<A as Authenticator>::Error, u32),
>;
/// What one flight brought back.
type Flown<A> = std::result::Result<
    Landing<<A as Authenticator>::Session>,
    Grounded<<A as Authenticator>::Error>,
>;

/// One session shared by every thread: logged in once however many threads ask at once
/// (single flight), refreshed ahead of expiry without stalling anyone, dropped only when it is
/// still the one that was rejected, with a bounded wait behind a hung login.
///
/// This is the seed's `PNetSessionManager` (a flag and a lock around `login`, `logout` and
/// `session_data`) with the rest of what a shared login needs written once: see the
/// [crate documentation](crate) for the side-by-side port.
///
/// Share a manager by `Arc` or in a [`GlobalSession`](crate::GlobalSession).
///
/// # Guarantees
///
/// - **Single flight**: however many threads call [`ensure`](Self::ensure) without a live
///   session, one of them (the leader) calls the authenticator; the others wait for it and
///   all get the same `Arc`.
/// - **Lock-free hot path**: `ensure` on a fresh session is an arc-swap load, a read of the
///   coarse monotonic clock (none for a session that never expires) and an `Arc` clone; it
///   writes no other shared memory, and [`ensure_with`](Self::ensure_with) does not even clone
///   the `Arc`.
/// - **Refresh ahead**: once a session nears its expiry (see
///   [`refresh_buffer`](SessionManagerBuilder::refresh_buffer)), one caller logs in again
///   while the others keep the old session; nobody waits until it has expired.
/// - **Bounded waits**: a caller waits at most `login_timeout` for another's login, then gets
///   [`SessionError::Timeout`]; a later call starts a fresh login.
/// - **Failures are not cached**; transient errors are retried within the flight
///   ([`RetryPolicy`](crate::RetryPolicy)); every waiter of a failed flight gets the same
///   `Arc` of the error.
/// - **Pointer-identity invalidation**: [`invalidate_if_current`](Self::invalidate_if_current)
///   drops the session only if it is still the one the caller used.
///
/// # Thread safety
///
/// `SessionManager<A>` is `Send + Sync` (the [`Authenticator`] bounds require it):
///
/// ```
/// fn shareable<T: Send + Sync>() {}
/// # use selvedge_session::{Authenticator, Login};
/// # struct Fixed;
/// # impl Authenticator for Fixed {
/// #     type Session = ();
/// #     type Error = std::io::Error;
/// #     fn login(&self) -> std::io::Result<Login<()>> { Ok(Login::new(())) }
/// # }
/// shareable::<selvedge_session::SessionManager<Fixed>>();
/// ```
///
/// A session type that cannot cross threads is refused:
///
/// ```compile_fail
/// use std::rc::Rc;
/// use selvedge_session::{Authenticator, Login};
/// struct Local;
/// impl Authenticator for Local {
///     type Session = Rc<String>;
///     type Error = std::io::Error;
///     fn login(&self) -> std::io::Result<Login<Rc<String>>> {
///         Ok(Login::new(Rc::new("token".into())))
///     }
/// }
/// ```
///
/// # Examples
///
/// ```
/// use std::sync::Arc;
/// use std::sync::atomic::{AtomicU32, Ordering};
/// use selvedge_session::{Authenticator, Login, SessionManager};
///
/// struct Pnet {
///     logins: AtomicU32,
/// }
///
/// impl Authenticator for Pnet {
///     type Session = String;
///     type Error = std::io::Error;
///     fn login(&self) -> std::io::Result<Login<String>> {
///         let n = self.logins.fetch_add(1, Ordering::SeqCst) + 1;
///         Ok(Login::new(format!("cookie-{n}")))
///     }
/// }
///
/// let manager = Arc::new(SessionManager::builder(Pnet { logins: AtomicU32::new(0) }).build()?);
/// let workers: Vec<_> = (0..8)
///     .map(|_| {
///         let manager = manager.clone();
///         std::thread::spawn(move || manager.ensure().map(|s| s.to_string()))
///     })
///     .collect();
/// for worker in workers {
///     assert_eq!(worker.join().unwrap()?, "cookie-1");
/// }
/// assert_eq!(manager.stats().logins, 1); // one login instead of eight
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub struct SessionManager<A: Authenticator> {
    current: OptionArcCell<Current<A::Session>>,
    control: PlainMutex<Control<A::Error>>,
    /// Notified whenever a flight lands (success, failure or panic).
    landed: PlainCondvar,
    counters: Counters,
    settings: Settings,
    auth: A,
    /// Touched only by flights, invalidations and logouts, never by the hot path.
    store: Box<dyn SessionStore<A::Session>>,
}

impl<A: Authenticator> SessionManager<A> {
    /// A builder for a manager that logs in with `auth`.
    ///
    /// ```
    /// # use selvedge_session::{Authenticator, Login, SessionManager};
    /// # struct Fixed;
    /// # impl Authenticator for Fixed {
    /// #     type Session = ();
    /// #     type Error = std::io::Error;
    /// #     fn login(&self) -> std::io::Result<Login<()>> { Ok(Login::new(())) }
    /// # }
    /// let manager = SessionManager::builder(Fixed).name("admin").build()?;
    /// assert!(!manager.is_authenticated());
    /// # Ok::<(), selvedge_session::BuildError>(())
    /// ```
    pub fn builder(auth: A) -> SessionManagerBuilder<A> {
        SessionManagerBuilder::new(auth)
    }

    pub(crate) fn from_parts(
        auth: A,
        settings: Settings,
        store: Box<dyn SessionStore<A::Session>>,
    ) -> Self {
        Self {
            current: OptionArcCell::new(None),
            control: PlainMutex::new(Control {
                flights: 0,
                running: None,
                failures: 0,
                last_failure: None,
                refresh_not_before: None,
                rejected: 0,
            }),
            landed: PlainCondvar::new(),
            counters: Counters::default(),
            settings,
            auth,
            store,
        }
    }

    /// The live session, logging in first if there is none (the seed's
    /// `ensure_admin_pnet_session`).
    ///
    /// On a fresh session this is the hot path: no lock, no shared write besides the `Arc`'s
    /// count. Otherwise see the [type docs](Self): one caller logs in, the others wait for it
    /// (or, while the old session is still live, keep using it).
    ///
    /// # Errors
    ///
    /// - [`SessionError::Login`]: the login this call led or waited for failed (after its
    ///   retries).
    /// - [`SessionError::Timeout`]: another caller's login did not land within
    ///   `login_timeout`.
    ///
    /// # Panics
    ///
    /// If the authenticator panics in a login this call leads, the panic propagates here; the
    /// callers waiting for that login wake up and one of them logs in afresh.
    ///
    /// ```
    /// # use selvedge_session::{Authenticator, Login, SessionManager};
    /// # struct Fixed;
    /// # impl Authenticator for Fixed {
    /// #     type Session = &'static str;
    /// #     type Error = std::io::Error;
    /// #     fn login(&self) -> std::io::Result<Login<&'static str>> { Ok(Login::new("token")) }
    /// # }
    /// let manager = SessionManager::builder(Fixed).build()?;
    /// let first = manager.ensure()?;
    /// let again = manager.ensure()?;
    /// assert!(std::sync::Arc::ptr_eq(&first, &again));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    #[inline]
    pub fn ensure(&self) -> Result<A> {
        if let Some(current) = &*self.current.load()
            && current.is_fresh()
        {
            return Ok(current.session.clone());
        }
        self.ensure_slow()
    }

    /// Calls `f` with the live session, logging in first if needed, and returns what `f`
    /// returns: [`ensure`](Self::ensure) without the `Arc` clone on the hot path.
    ///
    /// `ensure` hands out an `Arc`, and cloning it writes the reference count, a cache line
    /// every caller shares. When the caller only needs the session for one call (to put its
    /// cookie on a request), `ensure_with` lends it instead: on a fresh session the whole call
    /// is one arc-swap load and one coarse-clock check before `f` runs. `f` gets `&Arc<Session>`, so it
    /// can still pass the session to [`invalidate_if_current`](Self::invalidate_if_current)
    /// or clone it to keep it.
    ///
    /// Keep `f` short: it holds an arc-swap guard (a per-thread slot) while it runs.
    ///
    /// # Errors
    ///
    /// As [`ensure`](Self::ensure); `f` is not called then.
    ///
    /// ```
    /// # use selvedge_session::{Authenticator, Login, SessionManager};
    /// # struct Fixed;
    /// # impl Authenticator for Fixed {
    /// #     type Session = String;
    /// #     type Error = std::io::Error;
    /// #     fn login(&self) -> std::io::Result<Login<String>> { Ok(Login::new("abc".into())) }
    /// # }
    /// let manager = SessionManager::builder(Fixed).build()?;
    /// let header = manager.ensure_with(|cookie| format!("Cookie: unetlab_session={cookie}"))?;
    /// assert_eq!(header, "Cookie: unetlab_session=abc");
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    #[inline]
    pub fn ensure_with<R>(&self, f: impl FnOnce(&SessionOf<A>) -> R) -> Result<A, R> {
        if let Some(current) = &*self.current.load()
            && current.is_fresh()
        {
            return Ok(f(&current.session));
        }
        let session = self.ensure_slow()?;
        Ok(f(&session))
    }

    /// The live session, or [`SessionError::NotLoggedIn`]; never logs in (the seed's
    /// `session_data`).
    ///
    /// # Errors
    ///
    /// [`SessionError::NotLoggedIn`] if there is no session or it has expired.
    ///
    /// ```
    /// # use selvedge_session::{Authenticator, Login, SessionError, SessionManager};
    /// # struct Fixed;
    /// # impl Authenticator for Fixed {
    /// #     type Session = &'static str;
    /// #     type Error = std::io::Error;
    /// #     fn login(&self) -> std::io::Result<Login<&'static str>> { Ok(Login::new("token")) }
    /// # }
    /// let manager = SessionManager::builder(Fixed).build()?;
    /// assert!(matches!(manager.session(), Err(SessionError::NotLoggedIn)));
    /// manager.login()?;
    /// assert_eq!(*manager.session()?, "token");
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn session(&self) -> Result<A> {
        match &*self.current.load() {
            Some(current) if current.is_live_at(clock::now()) => Ok(current.session.clone()),
            _ => Err(SessionError::NotLoggedIn),
        }
    }

    /// Whether a live session is published now.
    ///
    /// ```
    /// # use selvedge_session::{Authenticator, Login, SessionManager};
    /// # struct Fixed;
    /// # impl Authenticator for Fixed {
    /// #     type Session = ();
    /// #     type Error = std::io::Error;
    /// #     fn login(&self) -> std::io::Result<Login<()>> { Ok(Login::new(())) }
    /// # }
    /// let manager = SessionManager::builder(Fixed).build()?;
    /// assert!(!manager.is_authenticated());
    /// manager.ensure()?;
    /// assert!(manager.is_authenticated());
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    #[must_use]
    pub fn is_authenticated(&self) -> bool {
        self.current
            .load()
            .as_ref()
            .is_some_and(|current| current.is_live_at(clock::now()))
    }

    /// Logs in unless a live session exists, and returns the session: idempotent, like the
    /// seed's `login` (`if self._is_authenticated: return`). The same as
    /// [`ensure`](Self::ensure), under the seed's name.
    ///
    /// # Errors
    ///
    /// As [`ensure`](Self::ensure).
    ///
    /// ```
    /// # use selvedge_session::{Authenticator, Login, SessionManager};
    /// # struct Fixed;
    /// # impl Authenticator for Fixed {
    /// #     type Session = ();
    /// #     type Error = std::io::Error;
    /// #     fn login(&self) -> std::io::Result<Login<()>> { Ok(Login::new(())) }
    /// # }
    /// let manager = SessionManager::builder(Fixed).build()?;
    /// manager.login()?;
    /// manager.login()?;
    /// assert_eq!(manager.stats().logins, 1);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn login(&self) -> Result<A> {
        self.ensure()
    }

    /// Drops the current session and logs it out on the server. Threads that hold the old
    /// `Arc` keep a valid value; the next [`ensure`](Self::ensure) logs in again. Without a
    /// session this does nothing. A login already under way is not cancelled: it publishes
    /// its session when it lands.
    ///
    /// # Errors
    ///
    /// [`SessionError::Logout`] with the authenticator's error; the session is dropped from
    /// the manager anyway.
    ///
    /// ```
    /// # use selvedge_session::{Authenticator, Login, SessionManager};
    /// # struct Fixed;
    /// # impl Authenticator for Fixed {
    /// #     type Session = &'static str;
    /// #     type Error = std::io::Error;
    /// #     fn login(&self) -> std::io::Result<Login<&'static str>> { Ok(Login::new("token")) }
    /// # }
    /// let manager = SessionManager::builder(Fixed).build()?;
    /// let held = manager.ensure()?;
    /// manager.logout()?;
    /// assert!(!manager.is_authenticated());
    /// assert_eq!(*held, "token"); // holders keep theirs
    /// manager.logout()?; // nothing to do
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn logout(&self) -> Result<A, ()> {
        let mut control = self.control.lock();
        let taken = self.current.take();
        if let Some(taken) = &taken {
            control.rejected = control.rejected.max(taken.generation);
        }
        drop(control);
        let Some(taken) = taken else {
            return Ok(());
        };
        self.forget_shared(taken.generation);
        Counters::bump(&self.counters.logouts);
        report::logout(self.settings.name, taken.flight);
        self.auth
            .logout(&taken.session)
            .map_err(SessionError::Logout)
    }

    /// Drops `session` if it is still the current one (compared by pointer, `Arc::ptr_eq`),
    /// after a caller saw the server reject it (a 401). Returns whether it did; `false` means a
    /// newer session is current (someone already logged in again) or none is, and the caller
    /// should simply [`ensure`](Self::ensure) again.
    ///
    /// So a 401 seen on an old session never drops a newer one, and N workers that all see
    /// the same 401 cause one new login, not N.
    ///
    /// ```
    /// # use std::sync::atomic::{AtomicU32, Ordering};
    /// # use selvedge_session::{Authenticator, Login, SessionManager};
    /// # struct Counting(AtomicU32);
    /// # impl Authenticator for Counting {
    /// #     type Session = u32;
    /// #     type Error = std::io::Error;
    /// #     fn login(&self) -> std::io::Result<Login<u32>> {
    /// #         Ok(Login::new(self.0.fetch_add(1, Ordering::SeqCst) + 1))
    /// #     }
    /// # }
    /// let manager = SessionManager::builder(Counting(AtomicU32::new(0))).build()?;
    /// let old = manager.ensure()?;
    /// assert!(manager.invalidate_if_current(&old)); // the server said 401
    /// let new = manager.ensure()?;
    /// assert_eq!((*old, *new), (1, 2));
    /// assert!(!manager.invalidate_if_current(&old)); // a late 401 on the old one: no effect
    /// assert!(manager.is_authenticated());
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn invalidate_if_current(&self, session: &SessionOf<A>) -> bool {
        let mut control = self.control.lock();
        let current = self.current.load_full();
        let taken = match current {
            Some(current) if Arc::ptr_eq(&current.session, session) => {
                self.current.store(None);
                current
            }
            _ => return false,
        };
        control.rejected = control.rejected.max(taken.generation);
        drop(control);
        self.forget_shared(taken.generation);
        Counters::bump(&self.counters.invalidations);
        report::invalidated(self.settings.name, taken.flight);
        true
    }

    /// What the manager has done so far.
    ///
    /// ```
    /// # use selvedge_session::{Authenticator, Login, SessionManager};
    /// # struct Fixed;
    /// # impl Authenticator for Fixed {
    /// #     type Session = ();
    /// #     type Error = std::io::Error;
    /// #     fn login(&self) -> std::io::Result<Login<()>> { Ok(Login::new(())) }
    /// # }
    /// let manager = SessionManager::builder(Fixed).build()?;
    /// manager.ensure()?;
    /// assert_eq!(manager.stats().logins, 1);
    /// assert_eq!(manager.stats().waits, 0);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    #[must_use]
    pub fn stats(&self) -> SessionStats {
        self.counters.snapshot()
    }

    /// The authenticator this manager logs in with.
    ///
    /// ```
    /// # use selvedge_session::{Authenticator, Login, SessionManager};
    /// struct Pnet {
    ///     url: &'static str,
    /// }
    /// # impl Authenticator for Pnet {
    /// #     type Session = ();
    /// #     type Error = std::io::Error;
    /// #     fn login(&self) -> std::io::Result<Login<()>> { Ok(Login::new(())) }
    /// # }
    /// let manager = SessionManager::builder(Pnet { url: "http://pnet" }).build()?;
    /// assert_eq!(manager.authenticator().url, "http://pnet");
    /// # Ok::<(), selvedge_session::BuildError>(())
    /// ```
    pub fn authenticator(&self) -> &A {
        &self.auth
    }

    /// The name given to [`SessionManagerBuilder::name`], or `"unnamed"`.
    ///
    /// ```
    /// # use selvedge_session::{Authenticator, Login, SessionManager};
    /// # struct Fixed;
    /// # impl Authenticator for Fixed {
    /// #     type Session = ();
    /// #     type Error = std::io::Error;
    /// #     fn login(&self) -> std::io::Result<Login<()>> { Ok(Login::new(())) }
    /// # }
    /// assert_eq!(SessionManager::builder(Fixed).build()?.name(), "unnamed");
    /// # Ok::<(), selvedge_session::BuildError>(())
    /// ```
    #[must_use]
    pub fn name(&self) -> &'static str {
        self.settings.name
    }

    /// The longest a caller waits for another caller's login.
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
    /// let manager = SessionManager::builder(Fixed).build()?;
    /// assert_eq!(manager.login_timeout(), Duration::from_secs(30));
    /// # Ok::<(), selvedge_session::BuildError>(())
    /// ```
    #[must_use]
    pub fn login_timeout(&self) -> Duration {
        self.settings.login_timeout
    }

    /// `ensure` without a fresh session: refresh, wait or lead.
    #[cold]
    #[inline(never)]
    fn ensure_slow(&self) -> Result<A> {
        let now = clock::now();
        if let Some(current) = self.current.load_full()
            && current.is_live_at(now)
        {
            if !current.is_due_at(now) {
                // Within the coarse clock's lag of the refresh point, not yet past it.
                return Ok(current.session.clone());
            }
            // Due for a refresh but still live: nobody may block here. If the control lock is
            // busy, someone is starting or landing a flight; keep the old session.
            let Some(control) = self.control.try_lock() else {
                return Ok(current.session.clone());
            };
            return self.refresh_or_reuse(control, now);
        }
        self.wait_or_lead(self.control.lock())
    }

    /// With the control lock and a live session: lead a refresh if one is due and none is
    /// running, else return the live session.
    fn refresh_or_reuse(
        &self,
        control: PlainMutexGuard<'_, Control<A::Error>>,
        now: Instant,
    ) -> Result<A> {
        match self.current.load_full() {
            Some(current) if current.is_live_at(now) => {
                if current.is_due_at(now) && self.may_refresh(&control, now) {
                    self.lead(control, now, true)
                } else {
                    Ok(current.session.clone())
                }
            }
            // Invalidated, logged out or expired since the caller looked.
            _ => self.wait_or_lead(control),
        }
    }

    /// Whether a refresh flight may start now: none runs (or the one that runs hung past
    /// `login_timeout`), and no failed refresh asked to wait.
    fn may_refresh(&self, control: &Control<A::Error>, now: Instant) -> bool {
        control
            .running
            .is_none_or(|running| self.is_abandoned(running, now))
            && control.refresh_not_before.is_none_or(|at| now >= at)
    }

    /// Whether `running` has run longer than `login_timeout`: its leader is presumed hung, and
    /// a new caller may start a fresh flight.
    fn is_abandoned(&self, running: Running, now: Instant) -> bool {
        now.saturating_duration_since(running.started) >= self.settings.login_timeout
    }

    /// Without a live session: wait for the running flight, or lead one.
    fn wait_or_lead(&self, mut control: PlainMutexGuard<'_, Control<A::Error>>) -> Result<A> {
        let mut wait: Option<Wait> = None;
        loop {
            let now = clock::now();
            if let Some(current) = self.current.load_full()
                && current.is_live_at(now)
            {
                self.end_wait(wait.as_ref(), now, false);
                if current.is_due_at(now) && self.may_refresh(&control, now) {
                    return self.lead(control, now, true);
                }
                return Ok(current.session.clone());
            }
            if let Some(waiting) = &wait {
                if control.failures != waiting.failures_seen {
                    let failure = control
                        .last_failure
                        .as_ref()
                        .expect("a failed flight records its error");
                    let waited = now.saturating_duration_since(waiting.since);
                    let error = failure.to_error(self.settings.name, waited);
                    drop(control);
                    self.end_wait(wait.as_ref(), now, false);
                    return Err(error);
                }
                let waited = now.saturating_duration_since(waiting.since);
                if waited >= self.settings.login_timeout {
                    let flight = control.running.map_or(control.flights, |r| r.flight);
                    drop(control);
                    self.end_wait(wait.as_ref(), now, true);
                    report::wait_timeout(self.settings.name, flight, waited);
                    return Err(SessionError::Timeout {
                        name: self.settings.name,
                        waited,
                    });
                }
            }
            match control.running {
                // A waiter keeps waiting behind a flight, even one presumed hung, until its own
                // deadline: it never leads a second flight that could hang it again.
                Some(running) if wait.is_some() || !self.is_abandoned(running, now) => {
                    let waiting = wait.get_or_insert(Wait {
                        since: now,
                        failures_seen: control.failures,
                    });
                    let waited = now.saturating_duration_since(waiting.since);
                    // A timeout too large for an `Instant` is a wait without a deadline: the
                    // condition variable treats an unrepresentable deadline so.
                    self.landed.wait_for(
                        &mut control,
                        self.settings.login_timeout.saturating_sub(waited),
                    );
                }
                _ => {
                    self.end_wait(wait.as_ref(), now, false);
                    return self.lead(control, now, false);
                }
            }
        }
    }

    /// Counts a finished wait, if this caller waited.
    fn end_wait(&self, wait: Option<&Wait>, now: Instant, timed_out: bool) {
        if let Some(wait) = wait {
            let waited = now.saturating_duration_since(wait.since);
            self.counters.record_wait(waited, timed_out);
        }
    }

    /// Runs one flight on this thread: registers it, adopts the store's session or logs in
    /// (with retries) without the lock, then lands it.
    fn lead(
        &self,
        mut control: PlainMutexGuard<'_, Control<A::Error>>,
        started: Instant,
        refresh: bool,
    ) -> Result<A> {
        control.flights += 1;
        let flight = control.flights;
        control.running = Some(Running { flight, started });
        let mut stale = control.rejected;
        drop(control);
        if refresh && let Some(current) = self.current.load_full() {
            // A refresh needs a session newer than the one that is due.
            stale = stale.max(current.generation);
        }

        // AssertUnwindSafe: the panic is re-raised below, after the flight is cleaned up, so
        // nobody observes state broken by it.
        let flown = panic::catch_unwind(AssertUnwindSafe(|| self.fly(flight, started, stale)));
        let took = clock::now().saturating_duration_since(started);

        let mut control = self.control.lock();
        // A flight that ran past `login_timeout` may have been replaced; then it publishes
        // nothing and records nothing, and only its own caller sees what it got.
        let still_running = control.running.is_some_and(|r| r.flight == flight);
        if still_running {
            control.running = None;
        }
        match flown {
            Ok(Ok(landing)) => {
                let Landing {
                    session,
                    expires_at,
                    generation,
                    attempts,
                    publish,
                } = landing;
                let current = Arc::new(Current::new(
                    session,
                    expires_at,
                    flight,
                    generation,
                    self.settings.refresh_buffer,
                    self.settings.refresh_jitter,
                ));
                let session = current.session.clone();
                let replaced = if still_running && publish {
                    control.refresh_not_before = None;
                    self.current.swap(Some(current))
                } else {
                    None
                };
                drop(control);
                self.landed.notify_all();
                // Dropped after the lock: a session's `Drop` is user code.
                drop(replaced);
                match attempts {
                    Some(attempts) => {
                        Counters::bump(&self.counters.logins);
                        if refresh {
                            Counters::bump(&self.counters.refreshes);
                        }
                        report::login(self.settings.name, flight, attempts, took, refresh);
                    }
                    None => Counters::bump(&self.counters.adoptions),
                }
                Ok(session)
            }
            Ok(Err(grounded)) => {
                let (failure, attempts) = match grounded {
                    Grounded::Login(error, attempts) => (
                        Failure::Login {
                            error: std::sync::Arc::new(error),
                            attempts,
                        },
                        attempts,
                    ),
                    Grounded::Store(error) => (Failure::Store(std::sync::Arc::new(error)), 0),
                    Grounded::Timeout => (Failure::Timeout, 0),
                };
                let now = clock::now();
                let error = failure.to_error(self.settings.name, took);
                let fallback = if refresh {
                    self.current.load_full().filter(|c| c.is_live_at(now))
                } else {
                    None
                };
                if still_running {
                    control.failures += 1;
                    control.last_failure = Some(failure);
                    if let Some(life) = fallback.as_ref().and_then(|c| c.life_left_at(now)) {
                        control.refresh_not_before = Some(now + life / 4);
                    }
                }
                drop(control);
                self.landed.notify_all();
                Counters::bump(&self.counters.failures);
                let message = match &error {
                    SessionError::Login { error, .. } => error.to_string(),
                    other => other.to_string(),
                };
                report::login_failed(self.settings.name, flight, attempts, took, &message);
                // A failed refresh leaves a live session: this caller uses it, as the others do.
                match fallback {
                    Some(current) => Ok(current.session.clone()),
                    None => Err(error),
                }
            }
            Err(payload) => {
                drop(control);
                self.landed.notify_all();
                Counters::bump(&self.counters.failures);
                let message = format!(
                    "the authenticator panicked: {}",
                    selvedge_trace::panic_text(&*payload)
                );
                report::login_failed(self.settings.name, flight, 0, took, &message);
                panic::resume_unwind(payload)
            }
        }
    }

    /// The flight's work, without the control lock: adopt a session another process
    /// published (newer than generation `stale`), or take the store's lease and log in, or
    /// wait for the process that holds it, polling with backoff (`POLL_FIRST` doubling to
    /// `POLL_MAX`) until its session appears, the lease frees (or expires: its holder
    /// crashed), or `login_timeout` has passed since `started`. With the default
    /// [`InProcess`](crate::InProcess) store this is a plain login: nothing to adopt, the
    /// lease always free.
    fn fly(&self, flight: u64, started: Instant, stale: u64) -> Flown<A> {
        let deadline = started.checked_add(self.settings.login_timeout);
        let mut pause = POLL_FIRST;
        loop {
            let step = self.store.load(stale).and_then(|shared| match shared {
                Some(shared) => Ok(Err(shared)),
                None => self.store.try_lease().map(Ok),
            });
            match step {
                Err(error) => return self.without_store(flight, started, error),
                Ok(Err(shared)) => return Ok(adopted(shared)),
                Ok(Ok(Some(lease))) => return self.login_under(lease, flight, started, stale),
                Ok(Ok(None)) => {}
            }
            let now = clock::now();
            let left = deadline.map(|deadline| deadline.saturating_duration_since(now));
            if left.is_some_and(|left| left.is_zero()) {
                return Err(Grounded::Timeout);
            }
            clock::pause(left.map_or(pause, |left| left.min(pause)));
            pause = (pause * 2).min(POLL_MAX);
        }
    }

    /// With the store's lease: adopt what was published since the last look, or log in and
    /// publish; the lease is released either way (`Held`).
    fn login_under(&self, lease: Lease, flight: u64, started: Instant, stale: u64) -> Flown<A> {
        let held = Held {
            store: &*self.store,
            lease: Some(lease),
        };
        match self.store.load(stale) {
            Ok(Some(shared)) => return Ok(adopted(shared)),
            Ok(None) => {}
            Err(error) => return self.without_store(flight, started, error),
        }
        let (login, attempts) = self
            .attempt(flight, started)
            .map_err(|(error, attempts)| Grounded::Login(error, attempts))?;
        let (session, expires_at) = login.into_parts();
        let lease = held.lease.as_ref().expect("held until dropped");
        let published = self
            .store
            .publish(lease, &session, expires_at.map(wall_clock))
            .map(|generation| (generation.unwrap_or(0), generation.is_some()));
        drop(held);
        let (generation, publish) = match published {
            Ok(published) => published,
            Err(_) if self.settings.fallback == StoreFallback::LoginLocally => (0, true),
            Err(error) => return Err(Grounded::Store(error)),
        };
        Ok(Landing {
            session,
            expires_at,
            generation,
            attempts: Some(attempts),
            publish,
        })
    }

    /// The store failed: log in for this process alone, or fail, as the builder chose.
    fn without_store(&self, flight: u64, started: Instant, error: StoreError) -> Flown<A> {
        if self.settings.fallback == StoreFallback::Fail {
            return Err(Grounded::Store(error));
        }
        let (login, attempts) = self
            .attempt(flight, started)
            .map_err(|(error, attempts)| Grounded::Login(error, attempts))?;
        let (session, expires_at) = login.into_parts();
        Ok(Landing {
            session,
            expires_at,
            generation: 0,
            attempts: Some(attempts),
            publish: true,
        })
    }

    /// Drops the shared copy of a session this process saw rejected or logged out, if it is
    /// still generation `generation`. A store that cannot be reached keeps it, but this
    /// process never adopts it again (`Control::rejected`); the next flight replaces it.
    fn forget_shared(&self, generation: u64) {
        if generation != 0 {
            let _kept_but_never_adopted = self.store.invalidate_if_current(generation);
        }
    }

    /// Calls the authenticator until it succeeds, fails permanently, runs out of attempts, or
    /// the next pause would end past the flight's `login_timeout`.
    fn attempt(&self, flight: u64, started: Instant) -> Attempts<A> {
        // `None`: a login timeout too large for an `Instant`, so no deadline.
        let deadline = started.checked_add(self.settings.login_timeout);
        let mut attempts = 0;
        loop {
            attempts += 1;
            let error = match self.auth.login() {
                Ok(login) => return Ok((login, attempts)),
                Err(error) => error,
            };
            if attempts >= self.settings.retry.attempts()
                || self.auth.classify(&error) == ErrorClass::Permanent
            {
                return Err((error, attempts));
            }
            let pause = self.settings.retry.pause_before(attempts + 1);
            let pause_ends = clock::now().checked_add(pause);
            if deadline.is_some_and(|deadline| pause_ends.is_none_or(|end| end >= deadline)) {
                return Err((error, attempts));
            }
            Counters::bump(&self.counters.retries);
            report::retry(self.settings.name, flight, attempts, pause, &error);
            if !pause.is_zero() {
                clock::pause(pause);
            }
        }
    }
}

/// A session another process published, as this process's clock sees it.
fn adopted<S>(shared: Shared<S>) -> Landing<S> {
    Landing {
        session: shared.session,
        expires_at: shared.expires_at.and_then(monotonic),
        generation: shared.generation,
        attempts: None,
        publish: true,
    }
}

/// A monotonic deadline on the wall clock, which processes share.
fn wall_clock(at: Instant) -> SystemTime {
    let left = at.saturating_duration_since(clock::now());
    SystemTime::now()
        .checked_add(left)
        .unwrap_or(SystemTime::UNIX_EPOCH + Duration::from_secs(u64::from(u32::MAX)))
}

/// A wall-clock deadline on this process's monotonic clock; `None` if too far to represent
/// (never, in practice). A deadline already past is now.
fn monotonic(at: SystemTime) -> Option<Instant> {
    let left = at
        .duration_since(SystemTime::now())
        .unwrap_or(Duration::ZERO);
    clock::now().checked_add(left)
}

impl<A: Authenticator> fmt::Debug for SessionManager<A> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SessionManager")
            .field("name", &self.settings.name)
            .field("authenticated", &self.is_authenticated())
            .field("stats", &self.stats())
            .finish_non_exhaustive()
    }
}
