//! [`RedisStore`]: the session shared by every process of a deployment through Redis (feature
//! `redis`), and [`RedisStoreBuilder`], its settings.
//!
//! # Keys
//!
//! Under a prefix `P` (`selvedge:session` unless set):
//!
//! | key | type | holds | expires |
//! | --- | --- | --- | --- |
//! | `P` | hash | `generation`, `expires` (Unix ms, 0: never), `session` (the codec's bytes) | with the session (`PEXPIRE`) |
//! | `P:lease` | string | the holder's random token | `lease_ttl` after it was taken (`SET NX PX`) |
//! | `P:generation` | string | the last generation handed out (at least the server's clock in µs) | never |
//!
//! Publishing and releasing are Lua scripts, so each is one atomic step in Redis: a publish
//! writes only while its lease is held, a release deletes the lease only if it still holds
//! the releaser's token, and an invalidation deletes the session only if its generation is
//! still the rejected one.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use redis::{Client, Connection, RedisError, Script};
use selvedge_locks::sync::PlainMutex;

use crate::{Lease, SessionCodec, SessionStore, Shared, StoreError};

/// Publishes the session if the caller still holds the lease: KEYS session, lease,
/// generation; ARGV token, expires (Unix ms), time to live (ms, 0: none), session bytes.
/// Returns the new generation, or -1 if the lease is held by no one or someone else.
///
/// A generation is the counter plus one, or the server's clock in microseconds if that is
/// greater: so generations keep growing across a restart that lost the counter (a server
/// without persistence), and a process never mistakes a new session for one it rejected.
/// Written with `%.0f`: Lua numbers are doubles, and `tostring` would give `1.7e+15`.
const PUBLISH: &str = r"
if redis.call('GET', KEYS[2]) ~= ARGV[1] then return -1 end
local time = redis.call('TIME')
local now = tonumber(time[1]) * 1000000 + tonumber(time[2])
local generation = (tonumber(redis.call('GET', KEYS[3])) or 0) + 1
if generation < now then generation = now end
generation = string.format('%.0f', generation)
redis.call('SET', KEYS[3], generation)
redis.call('DEL', KEYS[1])
redis.call('HSET', KEYS[1], 'generation', generation, 'expires', ARGV[2], 'session', ARGV[4])
if tonumber(ARGV[3]) > 0 then redis.call('PEXPIRE', KEYS[1], ARGV[3]) end
return tonumber(generation)
";

/// Compare-and-delete: releases the lease only for its holder. KEYS lease; ARGV token.
const RELEASE: &str = r"
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0
";

/// Drops the session only if it is still the rejected generation. KEYS session; ARGV
/// generation.
const INVALIDATE: &str = r"
if redis.call('HGET', KEYS[1], 'generation') == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0
";

/// The session shared by every process through one Redis server: the login lease
/// (`SET NX PX` with a random token), the session with its expiry and generation under one
/// key that expires with it, and conditional publish, release and invalidation scripts.
///
/// Give it to [`SessionManagerBuilder::store`](crate::SessionManagerBuilder::store). Every
/// call has the builder's connection and response timeout, so an unreachable or stalled
/// server is a [`StoreError::Unavailable`] after at most that long, never a hang; the
/// connection is reopened on the next call after an error.
///
/// # Examples
///
/// ```no_run
/// use std::time::Duration;
/// use selvedge_session::{Authenticator, Login, RedisStore, SessionManager, StringCodec};
///
/// struct Pnet;
/// impl Authenticator for Pnet {
///     type Session = String;
///     type Error = std::io::Error;
///     fn login(&self) -> std::io::Result<Login<String>> {
///         Ok(Login::new("unetlab_session=4f2a".into()).expires_in(Duration::from_secs(900)))
///     }
/// }
///
/// let store = RedisStore::builder("redis://127.0.0.1:6379/", StringCodec)
///     .prefix("pnet:admin")
///     .lease_ttl(Duration::from_secs(5)) // a crashed login frees the lease after 5 s
///     .timeout(Duration::from_millis(500)) // connect, read and write
///     .build()?;
/// let admin = SessionManager::builder(Pnet)
///     .login_timeout(Duration::from_secs(10))
///     .store(store)
///     .build()?;
/// // Every process running this logs in once between them.
/// let cookie = admin.ensure()?;
/// # let _ = cookie;
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub struct RedisStore<C> {
    client: Client,
    /// One connection, reopened after an error. Only a manager's flight leader and its
    /// invalidations use it, so it is rarely contended.
    connection: PlainMutex<Option<Connection>>,
    session_key: String,
    lease_key: String,
    generation_key: String,
    lease_ttl: Duration,
    timeout: Duration,
    codec: C,
    publish: Script,
    release: Script,
    invalidate: Script,
}

impl<C> std::fmt::Debug for RedisStore<C> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RedisStore")
            .field("session_key", &self.session_key)
            .field("lease_ttl", &self.lease_ttl)
            .field("timeout", &self.timeout)
            .finish_non_exhaustive()
    }
}

/// Builds a [`RedisStore`]; from [`RedisStore::builder`].
///
/// | setting | default | meaning |
/// | --- | --- | --- |
/// | [`prefix`](Self::prefix) | `"selvedge:session"` | the keys' prefix: one per shared session |
/// | [`lease_ttl`](Self::lease_ttl) | 10 s | how long a crashed login blocks the others; keep it below the manager's `login_timeout` |
/// | [`timeout`](Self::timeout) | 1 s | connect, read and write timeout of every Redis call |
///
/// # Examples
///
/// ```
/// use std::time::Duration;
/// use selvedge_session::{RedisStore, StoreError, StringCodec};
/// // Building connects to nothing: the URL is only parsed.
/// let store = RedisStore::builder("redis://127.0.0.1:1/", StringCodec).build();
/// assert!(store.is_ok());
/// let error = RedisStore::builder("redis://127.0.0.1:1/", StringCodec)
///     .timeout(Duration::ZERO)
///     .build()
///     .unwrap_err();
/// assert!(matches!(error, StoreError::Config(_)));
/// ```
#[derive(Debug)]
#[must_use = "a builder does nothing until `build` is called"]
pub struct RedisStoreBuilder<C> {
    url: String,
    codec: C,
    prefix: String,
    lease_ttl: Duration,
    timeout: Duration,
}

impl<C> RedisStore<C> {
    /// A builder for a store on the server at `url` (`redis://host:port/db`), keeping
    /// sessions encoded by `codec`.
    ///
    /// ```
    /// use selvedge_session::{RedisStore, StringCodec};
    /// let store = RedisStore::builder("redis://127.0.0.1:6379/", StringCodec).build()?;
    /// assert_eq!(store.key(), "selvedge:session");
    /// # Ok::<(), selvedge_session::StoreError>(())
    /// ```
    pub fn builder(url: impl Into<String>, codec: C) -> RedisStoreBuilder<C> {
        RedisStoreBuilder {
            url: url.into(),
            codec,
            prefix: "selvedge:session".into(),
            lease_ttl: Duration::from_secs(10),
            timeout: Duration::from_secs(1),
        }
    }

    /// The key the session is kept under.
    ///
    /// ```
    /// use selvedge_session::{RedisStore, StringCodec};
    /// let store = RedisStore::builder("redis://127.0.0.1/", StringCodec).prefix("admin").build()?;
    /// assert_eq!(store.key(), "admin");
    /// # Ok::<(), selvedge_session::StoreError>(())
    /// ```
    #[must_use]
    pub fn key(&self) -> &str {
        &self.session_key
    }

    /// Runs `f` on the connection, opening it first if needed; drops it after an error so
    /// that the next call reconnects.
    fn with_connection<T>(
        &self,
        f: impl FnOnce(&mut Connection) -> redis::RedisResult<T>,
    ) -> Result<T, StoreError> {
        let mut slot = self.connection.lock();
        if slot.is_none() {
            let connection = self
                .client
                .get_connection_with_timeout(self.timeout)
                .and_then(|connection| {
                    connection.set_read_timeout(Some(self.timeout))?;
                    connection.set_write_timeout(Some(self.timeout))?;
                    Ok(connection)
                })
                .map_err(unavailable)?;
            *slot = Some(connection);
        }
        let connection = slot.as_mut().expect("opened above");
        f(connection).map_err(|error| {
            *slot = None;
            classify(error)
        })
    }
}

impl<C> RedisStoreBuilder<C> {
    /// The prefix of the keys: one per shared session (`"pnet:admin"`).
    ///
    /// ```
    /// use selvedge_session::{RedisStore, StringCodec};
    /// let store = RedisStore::builder("redis://127.0.0.1/", StringCodec).prefix("pnet").build()?;
    /// assert_eq!(store.key(), "pnet");
    /// # Ok::<(), selvedge_session::StoreError>(())
    /// ```
    pub fn prefix(mut self, prefix: impl Into<String>) -> Self {
        self.prefix = prefix.into();
        self
    }

    /// How long the login lease lasts: the longest a crashed (or hung) holder keeps the other
    /// processes from logging in, and the longest one login may take before its result is no
    /// longer published. Keep it below the managers' `login_timeout`, so that their waiters
    /// take over from a crashed holder instead of timing out. Must be at least 1 ms.
    ///
    /// ```
    /// use std::time::Duration;
    /// use selvedge_session::{RedisStore, StringCodec};
    /// let built = RedisStore::builder("redis://127.0.0.1/", StringCodec)
    ///     .lease_ttl(Duration::from_secs(3))
    ///     .build();
    /// assert!(built.is_ok());
    /// ```
    pub fn lease_ttl(mut self, ttl: Duration) -> Self {
        self.lease_ttl = ttl;
        self
    }

    /// The connect, read and write timeout of every Redis call. Must be greater than zero.
    ///
    /// ```
    /// use std::time::Duration;
    /// use selvedge_session::{RedisStore, StringCodec};
    /// let built = RedisStore::builder("redis://127.0.0.1/", StringCodec)
    ///     .timeout(Duration::from_millis(200))
    ///     .build();
    /// assert!(built.is_ok());
    /// ```
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.timeout = timeout;
        self
    }

    /// The store, if the URL parses and the durations make sense.
    ///
    /// # Errors
    ///
    /// [`StoreError::Config`]: an unparsable URL, a zero timeout, a lease shorter than 1 ms.
    ///
    /// ```
    /// use selvedge_session::{RedisStore, StoreError, StringCodec};
    /// let error = RedisStore::builder("not a url", StringCodec).build().unwrap_err();
    /// assert!(matches!(error, StoreError::Config(_)));
    /// ```
    pub fn build(self) -> Result<RedisStore<C>, StoreError> {
        if self.timeout.is_zero() {
            return Err(StoreError::Config(
                "the Redis timeout must be greater than zero".into(),
            ));
        }
        if self.lease_ttl < Duration::from_millis(1) {
            return Err(StoreError::Config(
                "the lease must last at least 1 ms".into(),
            ));
        }
        let client =
            Client::open(self.url.as_str()).map_err(|error| StoreError::Config(Box::new(error)))?;
        Ok(RedisStore {
            client,
            connection: PlainMutex::new(None),
            lease_key: format!("{}:lease", self.prefix),
            generation_key: format!("{}:generation", self.prefix),
            session_key: self.prefix,
            lease_ttl: self.lease_ttl,
            timeout: self.timeout,
            codec: self.codec,
            publish: Script::new(PUBLISH),
            release: Script::new(RELEASE),
            invalidate: Script::new(INVALIDATE),
        })
    }
}

impl<S, C: SessionCodec<S>> SessionStore<S> for RedisStore<C> {
    fn load(&self, newer_than: u64) -> Result<Option<Shared<S>>, StoreError> {
        let (generation, expires, bytes): (Option<u64>, Option<u64>, Option<Vec<u8>>) = self
            .with_connection(|connection| {
                redis::cmd("HMGET")
                    .arg(&self.session_key)
                    .arg("generation")
                    .arg("expires")
                    .arg("session")
                    .query(connection)
            })?;
        let (Some(generation), Some(expires), Some(bytes)) = (generation, expires, bytes) else {
            return Ok(None);
        };
        let expires_at = (expires != 0).then(|| UNIX_EPOCH + Duration::from_millis(expires));
        if generation <= newer_than || expires_at.is_some_and(|at| at <= SystemTime::now()) {
            return Ok(None);
        }
        let session = self.codec.decode(&bytes).map_err(StoreError::Corrupt)?;
        Ok(Some(Shared {
            session,
            generation,
            expires_at,
        }))
    }

    fn try_lease(&self) -> Result<Option<Lease>, StoreError> {
        let lease = Lease::new(fastrand::u128(..));
        let ttl_ms = u64::try_from(self.lease_ttl.as_millis()).unwrap_or(u64::MAX);
        let taken: Option<String> = self.with_connection(|connection| {
            redis::cmd("SET")
                .arg(&self.lease_key)
                .arg(token(&lease))
                .arg("NX")
                .arg("PX")
                .arg(ttl_ms)
                .query(connection)
        })?;
        Ok(taken.map(|_| lease))
    }

    fn publish(
        &self,
        lease: &Lease,
        session: &S,
        expires_at: Option<SystemTime>,
    ) -> Result<Option<u64>, StoreError> {
        let (expires_ms, ttl_ms) = match expires_at {
            None => (0, 0),
            Some(at) => {
                let left = at
                    .duration_since(SystemTime::now())
                    .unwrap_or(Duration::ZERO);
                let expires = at.duration_since(UNIX_EPOCH).unwrap_or(Duration::ZERO);
                // At least 1 ms: 0 means "never" to the script.
                (millis(expires).max(1), millis(left).max(1))
            }
        };
        let bytes = self.codec.encode(session);
        let generation: i64 = self.with_connection(|connection| {
            self.publish
                .key(&self.session_key)
                .key(&self.lease_key)
                .key(&self.generation_key)
                .arg(token(lease))
                .arg(expires_ms)
                .arg(ttl_ms)
                .arg(bytes.as_slice())
                .invoke(connection)
        })?;
        Ok(u64::try_from(generation).ok())
    }

    fn release(&self, lease: Lease) -> Result<(), StoreError> {
        let _released: i64 = self.with_connection(|connection| {
            self.release
                .key(&self.lease_key)
                .arg(token(&lease))
                .invoke(connection)
        })?;
        Ok(())
    }

    fn invalidate_if_current(&self, generation: u64) -> Result<bool, StoreError> {
        let deleted: i64 = self.with_connection(|connection| {
            self.invalidate
                .key(&self.session_key)
                .arg(generation)
                .invoke(connection)
        })?;
        Ok(deleted > 0)
    }
}

/// The lease's token as stored in Redis.
fn token(lease: &Lease) -> String {
    format!("{:032x}", lease.token())
}

fn millis(duration: Duration) -> u64 {
    u64::try_from(duration.as_millis()).unwrap_or(u64::MAX)
}

fn unavailable(error: RedisError) -> StoreError {
    StoreError::Unavailable(Box::new(error))
}

/// A failed call: the network or the server's state (unavailable), or a reply this crate
/// cannot use (corrupt).
fn classify(error: RedisError) -> StoreError {
    if error.is_io_error()
        || error.is_timeout()
        || error.is_connection_refusal()
        || error.is_connection_dropped()
        || error.is_unrecoverable_error()
    {
        StoreError::Unavailable(Box::new(error))
    } else {
        StoreError::Corrupt(Box::new(error))
    }
}
