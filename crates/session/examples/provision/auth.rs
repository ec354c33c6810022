//! The seed's `PNetSessionManager.login`/`logout` as an [`Authenticator`]: a login posts the
//! administrator's credentials and keeps the session cookie; every login is written down
//! (when it was sent, when its session was first refused with a 401) so the
//! `--check` can tell a login that was due from one that was wasted.

use std::sync::{Arc, Mutex, OnceLock};
use std::time::{Duration, Instant};

#[cfg(feature = "redis")]
use selvedge_session::SessionCodec;
use selvedge_session::{Authenticator, ErrorClass, Login};

use crate::client::{ApiError, Cookie, PnetClient};

/// One administrator session: its cookie and its place in the login log.
#[derive(Debug)]
pub(crate) struct PnetSession {
    cookie: Cookie,
    rejected: Arc<OnceLock<Instant>>,
}

impl PnetSession {
    /// The cookie to send with each call.
    pub(crate) fn cookie(&self) -> &Cookie {
        &self.cookie
    }

    /// Notes that the platform refused this session (a 401): it expired or was logged out
    /// behind our back. Only the first refusal is kept.
    pub(crate) fn mark_rejected(&self) {
        let _ = self.rejected.set(Instant::now());
    }
}

/// How a [`PnetSession`] travels between processes (`--processes`): its cookie's value. The
/// login log stays with the process that logged in. Only the `redis` feature shares sessions.
#[cfg(feature = "redis")]
#[derive(Debug, Clone, Copy)]
pub(crate) struct PnetCodec;

#[cfg(feature = "redis")]
impl SessionCodec<PnetSession> for PnetCodec {
    fn encode(&self, session: &PnetSession) -> Vec<u8> {
        session.cookie.value().as_bytes().to_vec()
    }

    fn decode(
        &self,
        bytes: &[u8],
    ) -> Result<PnetSession, Box<dyn std::error::Error + Send + Sync>> {
        Ok(PnetSession {
            cookie: Cookie::from_value(String::from_utf8(bytes.to_vec())?),
            rejected: Arc::new(OnceLock::new()),
        })
    }
}

/// One successful login, as the client saw it.
#[derive(Debug, Clone)]
pub(crate) struct LoginRecord {
    /// Its place in the log, 0 for the first.
    pub(crate) serial: usize,
    /// When the request was sent.
    pub(crate) sent: Instant,
    /// When the client considers the session expired: `sent + token_ttl`, never later than the
    /// platform does (the platform starts its clock after it received the request).
    pub(crate) expires: Option<Instant>,
    /// When a call on this session was first refused with a 401.
    pub(crate) rejected: Option<Instant>,
}

#[derive(Debug)]
struct Entry {
    sent: Instant,
    expires: Option<Instant>,
    rejected: Arc<OnceLock<Instant>>,
}

/// Logs the platform's administrator in and out.
#[derive(Debug)]
pub(crate) struct PnetAuth {
    client: PnetClient,
    username: String,
    password: String,
    token_ttl: Option<Duration>,
    log: Mutex<Vec<Entry>>,
}

impl PnetAuth {
    /// Credentials for the platform `client` talks to; `token_ttl` is how long the platform
    /// keeps a session (`None`: unknown or unlimited, so only a 401 reveals an expiry).
    pub(crate) fn new(
        client: PnetClient,
        username: String,
        password: String,
        token_ttl: Option<Duration>,
    ) -> Self {
        Self {
            client,
            username,
            password,
            token_ttl,
            log: Mutex::new(Vec::new()),
        }
    }

    /// The client this authenticator logs in with.
    pub(crate) fn client(&self) -> &PnetClient {
        &self.client
    }

    /// Every successful login so far, in the order they were sent.
    pub(crate) fn logins(&self) -> Vec<LoginRecord> {
        let log = self.log.lock().unwrap_or_else(|e| e.into_inner());
        let mut records: Vec<LoginRecord> = log
            .iter()
            .enumerate()
            .map(|(serial, e)| LoginRecord {
                serial,
                sent: e.sent,
                expires: e.expires,
                rejected: e.rejected.get().copied(),
            })
            .collect();
        records.sort_by_key(|r| r.sent);
        records
    }
}

impl Authenticator for PnetAuth {
    type Session = PnetSession;
    type Error = ApiError;

    fn login(&self) -> Result<Login<PnetSession>, ApiError> {
        let sent = Instant::now();
        let cookie = self.client.login(&self.username, &self.password)?;
        let expires = self.token_ttl.map(|ttl| sent + ttl);
        let rejected = Arc::new(OnceLock::new());
        let entry = Entry {
            sent,
            expires,
            rejected: Arc::clone(&rejected),
        };
        self.log
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .push(entry);
        let login = Login::new(PnetSession { cookie, rejected });
        Ok(match expires {
            Some(at) => login.expires_at(at),
            None => login,
        })
    }

    fn logout(&self, session: &PnetSession) -> Result<(), ApiError> {
        self.client.logout(&session.cookie)
    }

    fn classify(&self, error: &ApiError) -> ErrorClass {
        if error.is_transient() {
            ErrorClass::Transient
        } else {
            ErrorClass::Permanent
        }
    }
}
