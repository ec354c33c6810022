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
//! - [`SessionStore`]: where the session is shared beyond one process; [`InProcess`] (the
//!   default) shares nothing, [`RedisStore`] (feature `redis`, built by
//!   [`RedisStoreBuilder`]) shares one login between every process through Redis, with the
//!   session turned to bytes by a [`SessionCodec`] ([`StringCodec`] for text). A store hands
//!   back [`Shared`] sessions and [`Lease`]s, fails with [`StoreError`], and
//!   [`StoreFallback`] says what a login does then.
//!
//! # Motivation
//!
//! Seed 000 is a Django service that provisions users on a PNETLab platform from a
//! `ThreadPoolExecutor`, all workers sharing one admin login ("one login instead of N"). Its
//! Python, and what the same thing is with this crate:
//!
//! ```text
//! class PNetSessionManager:
//!     def __init__(self):
//!         self._is_authenticated = False
//!         self._lock = threading.Lock()
//!
//!     def login(self):
//!         with self._lock:                  # held for the whole HTTP login
//!             if self._is_authenticated:
//!                 return
//!             # ... POST /api/auth/login ...
//!             self._is_authenticated = True # never goes back when the server expires it
//!
//!     @property
//!     def session_data(self):
//!         with self._lock:
//!             if not self._is_authenticated:
//!                 raise RuntimeError("not logged in")
//!             return self._session
//!
//! ADMIN_PNET_SESSION = None
//! ADMIN_SESSION_LOCK = threading.Lock()
//!
//! def get_admin_pnet_session():
//!     global ADMIN_PNET_SESSION
//!     with ADMIN_SESSION_LOCK:              # taken by every worker on every call
//!         if ADMIN_PNET_SESSION is None:
//!             ADMIN_PNET_SESSION = PNetSessionManager()
//!         return ADMIN_PNET_SESSION
//!
//! def ensure_admin_pnet_session():
//!     session = get_admin_pnet_session()
//!     try:
//!         session.session_data
//!         return session
//!     except RuntimeError:
//!         session.login()
//!         return session
//! ```
//!
//! ```
//! use std::time::Duration;
//! use selvedge_session::{
//!     Authenticator, BuildError, ErrorClass, GlobalSession, Login, SessionManager,
//! };
//!
//! #[derive(Debug)]
//! enum PnetError {
//!     Status(u16),
//! }
//! # impl std::fmt::Display for PnetError {
//! #     fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result { write!(f, "{self:?}") }
//! # }
//! # impl std::error::Error for PnetError {}
//!
//! /// The part of `PNetSessionManager` that talks to the server.
//! struct PnetAuth;
//!
//! impl Authenticator for PnetAuth {
//!     type Session = String; // the `unetlab_session` cookie
//!     type Error = PnetError;
//!
//!     fn login(&self) -> Result<Login<String>, PnetError> {
//!         // POST /api/auth/login; the platform keeps a session for 15 minutes.
//!         Ok(Login::new("unetlab_session=4f2a".into()).expires_in(Duration::from_secs(900)))
//!     }
//!
//!     fn classify(&self, error: &PnetError) -> ErrorClass {
//!         match error {
//!             PnetError::Status(500..=599) => ErrorClass::Transient, // retried with backoff
//!             PnetError::Status(_) => ErrorClass::Permanent,         // a wrong password
//!         }
//!     }
//! }
//!
//! fn admin() -> Result<SessionManager<PnetAuth>, BuildError> {
//!     SessionManager::builder(PnetAuth)
//!         .name("pnet admin")
//!         .login_timeout(Duration::from_secs(10)) // nobody waits longer behind a login
//!         .refresh_buffer(Duration::from_secs(60)) // log in again a minute before expiry
//!         .build()
//! }
//!
//! /// ADMIN_PNET_SESSION, get_admin_pnet_session and ensure_admin_pnet_session in one line.
//! static ADMIN: GlobalSession<PnetAuth> = GlobalSession::new("pnet admin", admin);
//!
//! fn create_user(name: &str) -> Result<(), Box<dyn std::error::Error + Send + Sync>> {
//!     let cookie = ADMIN.ensure()?; // lock-free once logged in
//!     let status = 200; // POST /api/users with `cookie`
//!     if status == 401 {
//!         // The platform dropped the session: drop it here too, unless another worker has
//!         // already logged in again, and retry once.
//!         ADMIN.invalidate_if_current(&cookie);
//!         let _cookie = ADMIN.ensure()?;
//!     }
//!     # let _ = name;
//!     Ok(())
//! }
//!
//! std::thread::scope(|s| {
//!     for user in ["ann", "bob", "eve", "max"] {
//!         s.spawn(move || create_user(user).unwrap());
//!     }
//! });
//! assert_eq!(ADMIN.stats().logins, 1); // one login instead of four
//! ```
//!
//! What changed, point by point:
//!
//! | the seed | selvedge |
//! | --- | --- |
//! | every call takes `ADMIN_SESSION_LOCK`, so the workers take turns | a fresh session is one arc-swap load and a coarse-clock check, no lock, no shared write but the `Arc` count ([`ensure_with`](SessionManager::ensure_with): not even that) |
//! | the lock is held for the whole HTTP login; a hung server hangs every worker | one worker logs in, the others wait at most `login_timeout` and get [`SessionError::Timeout`]; a later call starts a fresh login |
//! | a failed login raises in one worker; each waiting worker then tries again, one after another | transient errors are retried with backoff inside one flight; the final error reaches every waiter of that flight once (one `Arc`) and is not cached |
//! | `_is_authenticated` stays `True` after the server expired the session: 401s until restart | the session carries its expiry; one worker logs in again ahead of it while the others keep using the old one |
//! | a 401 handled with `logout()` drops whatever session is current, even one a colleague just made | [`invalidate_if_current`](SessionManager::invalidate_if_current) drops it only if it is still the one that was rejected |
//! | `logout` flips a flag other workers may be using | workers that hold the old `Arc` keep it; new callers log in again |
//! | "every session operation is logged" by hand | `selvedge::session` events for every login, refresh, retry, failure, timeout, invalidation and logout, and [`SessionStats`] |
//!
//! # Recipes
//!
//! **One session per platform or tenant** (the seed's `get_platform() == "PN"`), each logged in
//! on its own: [`SessionMap`].
//!
//! ```
//! use selvedge_session::{Authenticator, Login, SessionManager, SessionMap};
//! # struct Platform(String);
//! # impl Authenticator for Platform {
//! #     type Session = String;
//! #     type Error = std::io::Error;
//! #     fn login(&self) -> std::io::Result<Login<String>> { Ok(Login::new(format!("admin@{}", self.0))) }
//! # }
//! static PLATFORMS: SessionMap<String, Platform> =
//!     SessionMap::new("platforms", |name| SessionManager::builder(Platform(name.clone())).build());
//! assert_eq!(*PLATFORMS.ensure(&"PN".into())?, "admin@PN");
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! **Borrow the session for one request** instead of cloning its `Arc`:
//!
//! ```
//! # use selvedge_session::{Authenticator, Login, SessionManager};
//! # struct Fixed;
//! # impl Authenticator for Fixed {
//! #     type Session = String;
//! #     type Error = std::io::Error;
//! #     fn login(&self) -> std::io::Result<Login<String>> { Ok(Login::new("abc".into())) }
//! # }
//! let manager = SessionManager::builder(Fixed).build()?;
//! let length = manager.ensure_with(|cookie| cookie.len())?;
//! assert_eq!(length, 3);
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! **Watch what it does**: `RUST_LOG=selvedge::session=info` shows every login and refresh
//! (event names in `selvedge_trace::events`, `SESSION_*`), and [`SessionManager::stats`]
//! counts them.
//!
//! # One login for several processes
//!
//! A deployment runs several processes (web workers, task workers), each with its own global
//! session: N processes still mean N logins, and a token refreshed in one is unknown to the
//! others. Give every process's manager the same [`RedisStore`] key and they log in once
//! between them:
//!
//! ```no_run
//! # #[cfg(feature = "redis")]
//! # fn main() -> Result<(), Box<dyn std::error::Error>> {
//! use std::time::Duration;
//! use selvedge_session::{Authenticator, Login, RedisStore, SessionManager, StringCodec};
//! # struct PnetAuth;
//! # impl Authenticator for PnetAuth {
//! #     type Session = String;
//! #     type Error = std::io::Error;
//! #     fn login(&self) -> std::io::Result<Login<String>> { Ok(Login::new("c".into())) }
//! # }
//! let store = RedisStore::builder("redis://127.0.0.1:6379/", StringCodec)
//!     .prefix("pnet:admin")
//!     .lease_ttl(Duration::from_secs(5))
//!     .timeout(Duration::from_millis(500))
//!     .build()?;
//! let admin = SessionManager::builder(PnetAuth)
//!     .login_timeout(Duration::from_secs(10))
//!     .store(store)
//!     .build()?;
//! let cookie = admin.ensure()?; // the session another process logged in, or a new login
//! # let _ = cookie;
//! # Ok(())
//! # }
//! # #[cfg(not(feature = "redis"))]
//! # fn main() {}
//! ```
//!
//! **How it works.** The manager's published session stays this process's cache of the shared
//! one: `ensure` on a live session reads it as before and never talks to Redis. Only a flight
//! (one per process at a time) does: it reads the stored session and adopts it if it is live
//! and newer than the one this process has; otherwise it takes the login lease (`SET NX PX`
//! with a random token), looks once more, logs in, publishes the session with its expiry
//! under a new generation (a Lua script that writes only while the lease is held; the key
//! expires with the session) and releases the lease (compare-and-delete). A process that finds
//! the lease taken polls the key and the lease, 5 ms doubling to 100 ms, until the session
//! appears, the lease frees or expires (its holder crashed: this process takes over), or
//! `login_timeout` passes ([`SessionError::Timeout`]).
//!
//! **What it guarantees.** While a lease is held and unexpired, no other process logs in; a
//! session is published only under its lease, so a login that outlived its lease goes to its
//! own caller only and never overwrites a newer one. [`invalidate_if_current`] drops the stored
//! session only if its generation is still the one this process saw rejected: a stale 401 in
//! one process never drops a session another process just fetched. Consistency is eventual,
//! not immediate: a process keeps using its cached copy until it expires, is due for refresh,
//! or is rejected; then its next flight finds the newer one. Refresh ahead works across
//! processes: the first process past its (jittered) refresh point logs in, the others adopt
//! that session when they reach theirs. Generations are at least the Redis server's clock in
//! microseconds, so they keep growing across a restart that lost the data.
//!
//! **When Redis fails.** Every call has the store's timeout (connect, read and write), so an
//! unreachable or stalled server costs a flight at most a few timeouts, never a hang. By
//! default the flight fails with [`SessionError::Store`] (its waiters get the same error) and
//! the next call tries again; with [`StoreFallback::LoginLocally`] the process logs in on its
//! own and keeps that session to itself until it expires or is rejected. A failed release
//! leaves the lease to its own expiry; a failed invalidation leaves the stored session, which
//! this process then never adopts again. Sessions already published keep being handed out
//! while Redis is down. The cross-process lease assumes one Redis server (not Redlock across
//! several), and expiries on the wall clock assume the processes' clocks agree to well within
//! the refresh buffer.
//!
//! [`invalidate_if_current`]: SessionManager::invalidate_if_current
//!
//! # Comparison
//!
//! | | AWS SDK identity cache | google-cloud-auth | botocore | [`selvedge_singleton::Global`] | [`SessionManager`] |
//! | --- | --- | --- | --- | --- | --- |
//! | concurrent callers, one login | yes | yes (tested with 1,000) | yes | yes | yes (tested with 1,000) |
//! | refresh ahead of expiry, others not blocked | buffer + jitter | yes | advisory/mandatory windows | no expiry | buffer + jitter |
//! | drop a rejected credential only if still current | no | no | yes | [`reset_if_current`](selvedge_singleton::Global::reset_if_current) | [`invalidate_if_current`](SessionManager::invalidate_if_current) |
//! | bounded wait behind a hung login | no | no | no | [`get_or_try_init_timeout`](selvedge_singleton::Global::get_or_try_init_timeout) | `login_timeout`, and a fresh login after it |
//!
//! Beyond the table, the manager retries transient errors with backoff inside one flight
//! (within `login_timeout`), gives a failed flight's error to each of its waiters once (one
//! `Arc<E>`, where a `Global`'s waiters each retry in turn), and its state machine is checked
//! with loom (`tests/loom/session.rs`).
//!
//! # Performance
//!
//! On a live session, [`ensure`](SessionManager::ensure) is an arc-swap load, one read of the
//! coarse monotonic clock (a fraction of `Instant::now()`'s cost; none at all for a session
//! that never expires) and an `Arc` clone.
//! [`ensure_with`](SessionManager::ensure_with) skips the clone. Figures, with the command that
//! reproduces them and an arc-swap `load` measured in the same run, are in the workspace's
//! `docs/benchmarks.md` (bench `ensure` of this crate).
//!
//! # Limitations
//!
//! - The caller that runs a login is not bounded by `login_timeout`: the authenticator runs on
//!   its thread and Rust cannot interrupt a blocking call. Bound it with the HTTP client's own
//!   timeouts. Its waiters are bounded, and a login that lands after it was given up on is
//!   handed to its own caller only, never published over a newer session.
//! - Neither [`logout`](SessionManager::logout) nor
//!   [`invalidate_if_current`](SessionManager::invalidate_if_current) cancels a login already
//!   under way: it publishes its session when it lands.
//! - The hot path checks the refresh point with a coarse clock (one kernel tick of
//!   resolution), so from 20 ms before the refresh point callers read the precise clock too;
//!   sessions whose refresh point is less than 20 ms after their login always take that path.
//!   The coarse clock is used on Linux, Android, macOS and the BSDs; elsewhere (Windows
//!   included) the hot path reads `Instant::now()`.
//! - Waiting blocks the thread; in async code call from a blocking context.
//! - A shared store shares only what its [`SessionCodec`] can write: a session holding a live
//!   connection shares its token, and `decode` rebuilds the rest in each process.
//! - Under `--cfg selvedge_loom` the crate reads a model clock that only the model moves, and
//!   [`GlobalSession::new`] and [`SessionMap::new`] are not `const`.
//!
//! # Minimum supported Rust version
//!
//! The workspace's `rust-version` (the toolchain pinned in `rust-toolchain.toml`).
// Without the `redis` feature the crate doc's links to the Redis store point at its section.
#![cfg_attr(
    not(feature = "redis"),
    doc = "",
    doc = "[`RedisStore`]: #one-login-for-several-processes",
    doc = "[`RedisStoreBuilder`]: #one-login-for-several-processes"
)]
#![deny(missing_docs)]
#![forbid(unsafe_code)]
#![cfg_attr(docsrs, feature(doc_cfg))]

mod authenticator;
mod builder;
mod clock;
mod codec;
mod current;
mod error;
mod global_session;
mod manager;
#[cfg(feature = "redis")]
mod redis_store;
mod report;
mod retry;
mod session_map;
mod stats;
mod store;

pub use authenticator::{Authenticator, ErrorClass, Login};
pub use builder::SessionManagerBuilder;
pub use codec::{SessionCodec, StringCodec};
pub use error::{BuildError, SessionError};
pub use global_session::GlobalSession;
pub use manager::SessionManager;
#[cfg(feature = "redis")]
#[cfg_attr(docsrs, doc(cfg(feature = "redis")))]
pub use redis_store::{RedisStore, RedisStoreBuilder};
pub use retry::RetryPolicy;
pub use session_map::SessionMap;
pub use stats::SessionStats;
pub use store::{InProcess, Lease, SessionStore, Shared, StoreError, StoreFallback};

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
