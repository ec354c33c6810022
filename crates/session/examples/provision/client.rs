//! The platform's JSON API over HTTP: one `ureq::Agent` whose keep-alive connections every
//! worker reuses, and the session cookie sent by hand (no cookie jar: the cookie belongs to
//! whichever session the caller holds, not to the agent).

use std::fmt;
use std::time::Duration;

use serde_json::{Value, json};
use ureq::Agent;

use crate::platform::SESSION_COOKIE;

/// A session the platform issued: the value of its session cookie.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Cookie(String);

impl Cookie {
    /// A cookie another process received (read back from a shared store).
    #[cfg(feature = "redis")]
    pub(crate) fn from_value(value: String) -> Self {
        Self(value)
    }

    /// The cookie's value, as a shared store keeps it.
    #[cfg(feature = "redis")]
    pub(crate) fn value(&self) -> &str {
        &self.0
    }

    fn header(&self) -> String {
        format!("{SESSION_COOKIE}={}", self.0)
    }
}

/// A user to create.
#[derive(Debug, Clone)]
pub(crate) struct NewUser {
    /// Login name, unique on the platform.
    pub(crate) username: String,
    /// Display name.
    pub(crate) name: String,
    /// Initial password.
    pub(crate) password: String,
}

impl NewUser {
    /// A student account as the seed's competition creates them.
    pub(crate) fn student(username: String) -> Self {
        Self {
            name: format!("Student {username}"),
            password: format!("{username}-pw"),
            username,
        }
    }
}

/// Why a call failed.
#[derive(Debug)]
pub(crate) enum ApiError {
    /// 401: no live session (expired, logged out or never valid).
    Unauthorized,
    /// 409: the user or lab already exists.
    Conflict(String),
    /// Any other status that is not a success.
    Status {
        /// The HTTP status.
        code: u16,
        /// The platform's message.
        message: String,
    },
    /// The request did not get an answer (connection refused, reset, timed out).
    Transport(ureq::Error),
    /// A success without what it promises (no session cookie, a body that is not the envelope).
    BadResponse(&'static str),
}

impl ApiError {
    /// Whether asking again could succeed: transport trouble and server errors may pass, a
    /// refusal (bad password, conflict, bad request) will not.
    pub(crate) fn is_transient(&self) -> bool {
        match self {
            Self::Transport(_) => true,
            Self::Status { code, .. } => *code >= 500 || *code == 429,
            Self::Unauthorized | Self::Conflict(_) | Self::BadResponse(_) => false,
        }
    }
}

impl fmt::Display for ApiError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Unauthorized => f.write_str("401: not authenticated or session timed out"),
            Self::Conflict(message) => write!(f, "409: {message}"),
            Self::Status { code, message } => write!(f, "{code}: {message}"),
            Self::Transport(error) => write!(f, "no answer: {error}"),
            Self::BadResponse(what) => write!(f, "unexpected answer: {what}"),
        }
    }
}

impl std::error::Error for ApiError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            Self::Transport(error) => Some(error),
            _ => None,
        }
    }
}

/// The platform's API. Cloning shares the agent and its connection pool.
#[derive(Debug, Clone)]
pub(crate) struct PnetClient {
    agent: Agent,
    base: String,
}

impl PnetClient {
    /// A client for the platform at `base_url`, keeping up to `connections` idle keep-alive
    /// connections (one per concurrent worker: ureq keeps 3 per host by default, and every
    /// worker beyond that would open a fresh TCP connection per request).
    pub(crate) fn new(base_url: &str, connections: usize) -> Self {
        let connections = connections.max(1);
        let agent = Agent::config_builder()
            .http_status_as_error(false)
            .max_idle_connections(connections)
            .max_idle_connections_per_host(connections)
            .timeout_global(Some(Duration::from_secs(30)))
            .build()
            .into();
        Self {
            agent,
            base: base_url.trim_end_matches('/').to_owned(),
        }
    }

    /// Opens `n` keep-alive connections one after another, each answered before the next
    /// opens, and leaves them idle in the agent's pool, so that `n` workers start on open
    /// connections instead of opening theirs all at once.
    ///
    /// All at once is what tiny_http 0.12 (the built-in platform's server) mishandles: it
    /// hands a new connection to an idle reader thread whenever it counts one, without checking
    /// that the idle threads outnumber the connections already handed over, so in a burst the
    /// surplus waits until some reader thread's connection closes, which for keep-alive
    /// clients is when they give up (ureq's 30 s timeout here). One at a time, each connection
    /// is read before the next arrives, and none is left waiting.
    pub(crate) fn open_connections(&self, n: usize) -> Result<(), ApiError> {
        // A response whose body is not read yet holds its connection, so the next request opens
        // another one; reading the bodies afterwards returns all of them to the pool.
        let held = (0..n)
            .map(|_| {
                self.agent
                    .get(format!("{}/api/status", self.base))
                    .call()
                    .map_err(ApiError::Transport)
            })
            .collect::<Result<Vec<_>, _>>()?;
        for response in held {
            response
                .into_body()
                .read_to_string()
                .map_err(ApiError::Transport)?;
        }
        Ok(())
    }

    /// `POST /api/auth/login`: a new session.
    pub(crate) fn login(&self, username: &str, password: &str) -> Result<Cookie, ApiError> {
        let body = json!({ "username": username, "password": password, "html5": "-1" });
        let response = self
            .agent
            .post(format!("{}/api/auth/login", self.base))
            .send_json(&body)
            .map_err(ApiError::Transport)?;
        let cookie = response
            .headers()
            .get_all("set-cookie")
            .iter()
            .filter_map(|value| value.to_str().ok())
            .filter_map(|value| value.split(';').next()?.trim().split_once('='))
            .find(|(name, _)| *name == SESSION_COOKIE)
            .map(|(_, value)| Cookie(value.to_owned()));
        answer(response)?;
        cookie.ok_or(ApiError::BadResponse(
            "login succeeded without a session cookie",
        ))
    }

    /// `GET /api/auth`: the session's details (the seed's `session_data`).
    pub(crate) fn session_info(&self, cookie: &Cookie) -> Result<Value, ApiError> {
        let mut envelope = self.get("/api/auth", cookie)?;
        Ok(envelope["data"].take())
    }

    /// `GET /api/auth/logout`.
    pub(crate) fn logout(&self, cookie: &Cookie) -> Result<(), ApiError> {
        self.get("/api/auth/logout", cookie).map(drop)
    }

    /// `POST /api/users`.
    pub(crate) fn create_user(&self, cookie: &Cookie, user: &NewUser) -> Result<(), ApiError> {
        let body = json!({
            "username": user.username,
            "name": user.name,
            "email": format!("{}@example.org", user.username),
            "password": user.password,
            "role": "user",
        });
        self.post("/api/users", cookie, &body).map(drop)
    }

    /// `POST /api/labs`: a lab in the user's folder.
    pub(crate) fn create_lab(
        &self,
        cookie: &Cookie,
        owner: &str,
        lab: &str,
    ) -> Result<(), ApiError> {
        let body = json!({
            "path": format!("/{owner}"),
            "name": lab,
            "version": "1",
            "author": owner,
            "description": format!("{lab} for {owner}"),
        });
        self.post("/api/labs", cookie, &body).map(drop)
    }

    /// `GET /api/users`: every username, as often as the platform lists it (EVE answers a map
    /// keyed by username; a list of records is read too).
    pub(crate) fn list_users(&self, cookie: &Cookie) -> Result<Vec<String>, ApiError> {
        let envelope = self.get("/api/users", cookie)?;
        match &envelope["data"] {
            Value::Object(users) => Ok(users.keys().cloned().collect()),
            Value::Array(users) => users
                .iter()
                .map(|u| u["username"].as_str().map(str::to_owned))
                .collect::<Option<_>>()
                .ok_or(ApiError::BadResponse("a listed user without a username")),
            _ => Err(ApiError::BadResponse("users listed without data")),
        }
    }

    fn get(&self, path: &str, cookie: &Cookie) -> Result<Value, ApiError> {
        let response = self
            .agent
            .get(format!("{}{path}", self.base))
            .header("Cookie", cookie.header())
            .call()
            .map_err(ApiError::Transport)?;
        answer(response)
    }

    fn post(&self, path: &str, cookie: &Cookie, body: &Value) -> Result<Value, ApiError> {
        let response = self
            .agent
            .post(format!("{}{path}", self.base))
            .header("Cookie", cookie.header())
            .send_json(body)
            .map_err(ApiError::Transport)?;
        answer(response)
    }
}

/// The envelope of a success, or the error its status means.
fn answer(response: ureq::http::Response<ureq::Body>) -> Result<Value, ApiError> {
    let code = response.status().as_u16();
    // Read the body even on errors: it carries the message, and an unread body would keep the
    // connection from going back to the pool.
    let envelope: Value = response.into_body().read_json().unwrap_or(Value::Null);
    let message = envelope["message"].as_str().unwrap_or("").to_owned();
    match code {
        200..=299 if envelope.is_object() => Ok(envelope),
        200..=299 => Err(ApiError::BadResponse(
            "a success whose body is not a JSON object",
        )),
        401 => Err(ApiError::Unauthorized),
        409 => Err(ApiError::Conflict(message)),
        _ => Err(ApiError::Status { code, message }),
    }
}
