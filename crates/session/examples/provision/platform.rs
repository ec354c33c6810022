//! A PNet-like lab platform on loopback: the part of PNETLab/EVE-NG's JSON API that seed 000's
//! provisioning touches (log in, session info, log out, create a user, create a lab), with a
//! slow login, sessions that expire, and everything it was asked to create kept in memory.
//!
//! | request | answer |
//! | --- | --- |
//! | `GET /api/status` | 200 with the platform's version; needs no session |
//! | `POST /api/auth/login` `{"username","password"}` | 200 and `Set-Cookie: unetlab_session=...` after the login latency; 400 on bad credentials |
//! | `GET /api/auth` | 200 with the session's user and remaining lifetime; 401 once the session expired or was logged out |
//! | `GET /api/auth/logout` | 200; the cookie's session is gone |
//! | `GET /api/users` | 200, `data` maps each username to its record (EVE's shape) |
//! | `POST /api/users` `{"username","name","email","password","role"}` | 201; 409 if the username exists |
//! | `POST /api/labs` `{"path":"/<user>","name",...}` | 201; 404 if the folder's user does not exist; 409 if the lab exists |
//!
//! Every answer is EVE's envelope `{"code","status","message","data"?}`; every call but status
//! and login answers 401 without a live session cookie. Several handler threads serve requests
//! concurrently, so one slow login does not hold up the others.
//!
//! tiny_http 0.12 reads each connection on a thread of its own, and may leave a connection
//! unread when several arrive at once (see [`PnetClient::open_connections`]); clients that
//! keep connections alive should open them one after another.
//!
//! [`PnetClient::open_connections`]: crate::client::PnetClient::open_connections

use std::collections::hash_map::RandomState;
use std::collections::{HashMap, HashSet};
use std::hash::BuildHasher;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use serde_json::{Value, json};
use tiny_http::{Header, Method, Request, Response, Server};

/// The cookie PNETLab and EVE-NG keep their session in.
pub(crate) const SESSION_COOKIE: &str = "unetlab_session";

/// How the platform behaves.
#[derive(Debug, Clone)]
pub(crate) struct PlatformConfig {
    /// How long a login takes (real platforms hash a password and write a session row).
    pub(crate) login_latency: Duration,
    /// How long creating a user or a lab takes.
    pub(crate) api_latency: Duration,
    /// How long a session lives after its login; `None`: until logout.
    pub(crate) session_lifetime: Option<Duration>,
    /// Threads answering requests.
    pub(crate) handler_threads: usize,
    /// The administrator's credentials.
    pub(crate) admin_username: String,
    /// The administrator's password.
    pub(crate) admin_password: String,
}

impl Default for PlatformConfig {
    fn default() -> Self {
        Self {
            login_latency: Duration::from_millis(50),
            api_latency: Duration::ZERO,
            session_lifetime: None,
            handler_threads: 16,
            admin_username: "admin".to_owned(),
            admin_password: "pnet".to_owned(),
        }
    }
}

/// What the platform counted.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(crate) struct PlatformStats {
    /// Successful logins.
    pub(crate) logins: u64,
    /// Logouts of a live session.
    pub(crate) logouts: u64,
    /// Requests refused with 401 (no cookie, unknown, expired or logged-out session).
    pub(crate) unauthorized: u64,
    /// Creations refused with 409 (the user or lab already existed).
    pub(crate) conflicts: u64,
    /// Users created.
    pub(crate) users: u64,
    /// Labs created.
    pub(crate) labs: u64,
}

impl std::fmt::Display for PlatformStats {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{} logins, {} logouts, {} users, {} labs, {} refused with 401, {} with 409",
            self.logins, self.logouts, self.users, self.labs, self.unauthorized, self.conflicts
        )
    }
}

/// One lab the platform created.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Lab {
    /// The folder, `/<owner>`.
    pub(crate) path: String,
    /// The lab's name.
    pub(crate) name: String,
}

/// A running platform; dropping it stops the server and joins its threads.
pub(crate) struct Platform {
    server: Arc<Server>,
    state: Arc<State>,
    handlers: Vec<JoinHandle<()>>,
    url: String,
}

impl Platform {
    /// Starts the platform on a free loopback port.
    pub(crate) fn start(config: PlatformConfig) -> Result<Self, PlatformError> {
        if config.handler_threads == 0 {
            return Err(PlatformError::NoHandlerThreads);
        }
        let server = Server::http("127.0.0.1:0").map_err(PlatformError::Bind)?;
        let url = match server.server_addr().to_ip() {
            Some(addr) => format!("http://{addr}"),
            None => return Err(PlatformError::NotIp),
        };
        let server = Arc::new(server);
        let threads = config.handler_threads;
        let state = Arc::new(State::new(config));
        let mut handlers = Vec::with_capacity(threads);
        for i in 0..threads {
            let (their_server, their_state) = (Arc::clone(&server), Arc::clone(&state));
            let spawned = std::thread::Builder::new()
                .name(format!("platform-{i}"))
                .spawn(move || {
                    for request in their_server.incoming_requests() {
                        their_state.serve(request);
                    }
                });
            match spawned {
                Ok(handle) => handlers.push(handle),
                Err(error) => {
                    // The handlers already started stop when the platform drops.
                    drop(Self {
                        server,
                        state,
                        handlers,
                        url,
                    });
                    return Err(PlatformError::Spawn(error));
                }
            }
        }
        Ok(Self {
            server,
            state,
            handlers,
            url,
        })
    }

    /// The base URL, `http://127.0.0.1:<port>`.
    pub(crate) fn url(&self) -> &str {
        &self.url
    }

    /// What the platform counted so far.
    pub(crate) fn stats(&self) -> PlatformStats {
        let c = &self.state.counters;
        PlatformStats {
            logins: c.logins.load(Ordering::Relaxed),
            logouts: c.logouts.load(Ordering::Relaxed),
            unauthorized: c.unauthorized.load(Ordering::Relaxed),
            conflicts: c.conflicts.load(Ordering::Relaxed),
            users: c.users.load(Ordering::Relaxed),
            labs: c.labs.load(Ordering::Relaxed),
        }
    }

    /// Every username created, in creation order (a refused duplicate is not here).
    pub(crate) fn usernames(&self) -> Vec<String> {
        self.state
            .store()
            .users
            .iter()
            .map(|u| u.username.clone())
            .collect()
    }

    /// Every lab created, in creation order.
    pub(crate) fn labs(&self) -> Vec<Lab> {
        self.state.store().labs.clone()
    }
}

impl std::fmt::Debug for Platform {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Platform")
            .field("url", &self.url)
            .field("handlers", &self.handlers.len())
            .field("stats", &self.stats())
            .finish_non_exhaustive()
    }
}

impl Drop for Platform {
    fn drop(&mut self) {
        // One unblock per handler: each wakes exactly one thread blocked in `recv`.
        for _ in &self.handlers {
            self.server.unblock();
        }
        for handle in self.handlers.drain(..) {
            // A handler never panics (every path answers with a status); nothing to report.
            let _ = handle.join();
        }
    }
}

/// Why the platform did not start.
#[derive(Debug)]
pub(crate) enum PlatformError {
    /// `handler_threads` was 0.
    NoHandlerThreads,
    /// The listening socket could not be opened.
    Bind(Box<dyn std::error::Error + Send + Sync>),
    /// The server listens on something other than an IP address.
    NotIp,
    /// A handler thread could not be started.
    Spawn(std::io::Error),
}

impl std::fmt::Display for PlatformError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::NoHandlerThreads => f.write_str("the platform needs at least one handler thread"),
            Self::Bind(error) => write!(f, "cannot listen on loopback: {error}"),
            Self::NotIp => f.write_str("the platform does not listen on an IP address"),
            Self::Spawn(error) => write!(f, "cannot start a handler thread: {error}"),
        }
    }
}

impl std::error::Error for PlatformError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            Self::Bind(error) => Some(error.as_ref()),
            Self::Spawn(error) => Some(error),
            Self::NoHandlerThreads | Self::NotIp => None,
        }
    }
}

#[derive(Debug, Default)]
struct Counters {
    logins: AtomicU64,
    logouts: AtomicU64,
    unauthorized: AtomicU64,
    conflicts: AtomicU64,
    users: AtomicU64,
    labs: AtomicU64,
}

#[derive(Debug)]
struct SessionRow {
    username: String,
    expires: Option<Instant>,
}

#[derive(Debug)]
struct UserRow {
    username: String,
    record: Value,
}

#[derive(Debug, Default)]
struct Store {
    sessions: HashMap<String, SessionRow>,
    users: Vec<UserRow>,
    usernames: HashSet<String>,
    labs: Vec<Lab>,
}

#[derive(Debug)]
struct State {
    config: PlatformConfig,
    store: Mutex<Store>,
    counters: Counters,
    /// Makes session tokens unguessable enough for a loopback demo: a fresh random hasher key.
    token_key: RandomState,
    next_token: AtomicU64,
}

/// An answer: status code and JSON body.
type Answer = (u16, Value);

impl State {
    fn new(config: PlatformConfig) -> Self {
        Self {
            config,
            store: Mutex::new(Store::default()),
            counters: Counters::default(),
            token_key: RandomState::new(),
            next_token: AtomicU64::new(1),
        }
    }

    fn store(&self) -> MutexGuard<'_, Store> {
        // Nothing panics while holding the store lock, but a poisoned store is still consistent
        // (every update is one insert or push), so keep serving.
        self.store.lock().unwrap_or_else(|e| e.into_inner())
    }

    fn serve(&self, mut request: Request) {
        let path = request
            .url()
            .split('?')
            .next()
            .unwrap_or("")
            .trim_end_matches('/')
            .to_owned();
        let cookie = session_cookie(&request);
        let mut body = String::new();
        let (code, value, set_cookie) = match request.as_reader().read_to_string(&mut body) {
            Err(_) => (400, envelope(400, "fail", "Unreadable request body."), None),
            Ok(_) => self.route(request.method(), &path, cookie.as_deref(), &body),
        };
        let mut response = Response::from_string(value.to_string())
            .with_status_code(code)
            .with_header(header("Content-Type", "application/json"));
        if let Some(token) = set_cookie {
            response.add_header(header(
                "Set-Cookie",
                &format!("{SESSION_COOKIE}={token}; Path=/; HttpOnly"),
            ));
        }
        // The client may have gone away; there is nobody left to tell.
        let _ = request.respond(response);
    }

    /// Answers one request; the third element is a new session token to set as the cookie.
    fn route(
        &self,
        method: &Method,
        path: &str,
        cookie: Option<&str>,
        body: &str,
    ) -> (u16, Value, Option<String>) {
        if let (Method::Get, "/api/status") = (method, path) {
            let mut answer = envelope(200, "success", "Fetched system status.");
            answer["data"] = json!({ "version": "selvedge-pnet-0.1" });
            return (200, answer, None);
        }
        if let (Method::Post, "/api/auth/login") = (method, path) {
            return match self.login(body) {
                Ok(token) => (
                    200,
                    envelope(200, "success", "User logged in."),
                    Some(token),
                ),
                Err((code, value)) => (code, value, None),
            };
        }
        let username = match self.authenticate(cookie) {
            Some(username) => username,
            None => {
                self.counters.unauthorized.fetch_add(1, Ordering::Relaxed);
                let message = "User is not authenticated or session timed out.";
                return (401, envelope(401, "unauthorized", message), None);
            }
        };
        let (code, value) = match (method, path) {
            (Method::Get, "/api/auth") => self.session_info(cookie, &username),
            (Method::Get, "/api/auth/logout") => self.logout(cookie),
            (Method::Get, "/api/users") => self.list_users(),
            (Method::Post, "/api/users") => self.create_user(body),
            (Method::Post, "/api/labs") => self.create_lab(body, &username),
            _ => (404, envelope(404, "fail", "No such endpoint.")),
        };
        (code, value, None)
    }

    fn login(&self, body: &str) -> Result<String, Answer> {
        let request: Value = serde_json::from_str(body).map_err(|_| bad_json())?;
        let (Some(username), Some(password)) = (
            request.get("username").and_then(Value::as_str),
            request.get("password").and_then(Value::as_str),
        ) else {
            return Err(missing("username and password"));
        };
        // The slow part of a real login (password hashing, session row), before the check so
        // that a wrong password costs the same as a right one.
        std::thread::sleep(self.config.login_latency);
        if username != self.config.admin_username || password != self.config.admin_password {
            return Err((400, envelope(400, "fail", "Invalid username or password.")));
        }
        let serial = self.next_token.fetch_add(1, Ordering::Relaxed);
        let token = format!("{serial:08x}{:016x}", self.token_key.hash_one(serial));
        let expires = self.config.session_lifetime.map(|ttl| Instant::now() + ttl);
        let row = SessionRow {
            username: username.to_owned(),
            expires,
        };
        self.store().sessions.insert(token.clone(), row);
        self.counters.logins.fetch_add(1, Ordering::Relaxed);
        Ok(token)
    }

    /// The username of the cookie's live session; drops the session if it expired.
    fn authenticate(&self, cookie: Option<&str>) -> Option<String> {
        let token = cookie?;
        let mut store = self.store();
        let row = store.sessions.get(token)?;
        if row.expires.is_some_and(|at| at <= Instant::now()) {
            store.sessions.remove(token);
            return None;
        }
        Some(row.username.clone())
    }

    fn session_info(&self, cookie: Option<&str>, username: &str) -> Answer {
        let expires = cookie.and_then(|t| self.store().sessions.get(t).and_then(|row| row.expires));
        let remaining_ms =
            expires.map(|at| at.saturating_duration_since(Instant::now()).as_millis());
        let mut answer = envelope(200, "success", "User has been loaded.");
        answer["data"] = json!({
            "username": username,
            "role": "admin",
            "folder": "/",
            "session_remaining_ms": remaining_ms,
        });
        (200, answer)
    }

    fn logout(&self, cookie: Option<&str>) -> Answer {
        if let Some(token) = cookie
            && self.store().sessions.remove(token).is_some()
        {
            self.counters.logouts.fetch_add(1, Ordering::Relaxed);
        }
        (200, envelope(200, "success", "User logged out."))
    }

    fn list_users(&self) -> Answer {
        let store = self.store();
        let users: serde_json::Map<String, Value> = store
            .users
            .iter()
            .map(|u| (u.username.clone(), u.record.clone()))
            .collect();
        let mut answer = envelope(200, "success", "Successfully listed users.");
        answer["data"] = Value::Object(users);
        (200, answer)
    }

    fn create_user(&self, body: &str) -> Answer {
        let Ok(request) = serde_json::from_str::<Value>(body) else {
            return bad_json();
        };
        let Some(username) = request.get("username").and_then(Value::as_str) else {
            return missing("username");
        };
        let valid = !username.is_empty()
            && username
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_');
        if !valid {
            return (400, envelope(400, "fail", "Invalid username."));
        }
        std::thread::sleep(self.config.api_latency);
        let text = |key: &str| {
            request
                .get(key)
                .and_then(Value::as_str)
                .unwrap_or("")
                .to_owned()
        };
        let record = json!({
            "username": username,
            "name": text("name"),
            "email": text("email"),
            "role": request.get("role").and_then(Value::as_str).unwrap_or("user"),
        });
        let mut store = self.store();
        if !store.usernames.insert(username.to_owned()) {
            drop(store);
            self.counters.conflicts.fetch_add(1, Ordering::Relaxed);
            return (409, envelope(409, "fail", "User already exists."));
        }
        store.users.push(UserRow {
            username: username.to_owned(),
            record,
        });
        drop(store);
        self.counters.users.fetch_add(1, Ordering::Relaxed);
        (201, envelope(201, "success", "User saved."))
    }

    fn create_lab(&self, body: &str, author: &str) -> Answer {
        let Ok(request) = serde_json::from_str::<Value>(body) else {
            return bad_json();
        };
        let (Some(path), Some(name)) = (
            request.get("path").and_then(Value::as_str),
            request.get("name").and_then(Value::as_str),
        ) else {
            return missing("path and name");
        };
        let owner = path.trim_start_matches('/');
        std::thread::sleep(self.config.api_latency);
        let mut store = self.store();
        if !store.usernames.contains(owner) {
            return (404, envelope(404, "fail", "Folder does not exist."));
        }
        if store
            .labs
            .iter()
            .any(|lab| lab.path == path && lab.name == name)
        {
            drop(store);
            self.counters.conflicts.fetch_add(1, Ordering::Relaxed);
            return (409, envelope(409, "fail", "Lab already exists."));
        }
        store.labs.push(Lab {
            path: path.to_owned(),
            name: name.to_owned(),
        });
        drop(store);
        self.counters.labs.fetch_add(1, Ordering::Relaxed);
        let mut answer = envelope(201, "success", "Lab has been created.");
        answer["data"] = json!({ "path": path, "name": name, "author": author });
        (201, answer)
    }
}

fn envelope(code: u16, status: &str, message: &str) -> Value {
    json!({ "code": code, "status": status, "message": message })
}

fn bad_json() -> Answer {
    (400, envelope(400, "fail", "The request body is not JSON."))
}

fn missing(what: &str) -> Answer {
    (400, envelope(400, "fail", &format!("Missing {what}.")))
}

fn header(name: &str, value: &str) -> Header {
    // Both are ASCII literals or ASCII we formatted, so `from_bytes` cannot fail; a header that
    // somehow did would be a bug in this file, not a condition a caller could handle.
    Header::from_bytes(name, value).expect("ASCII header")
}

/// The value of the session cookie, if the request carries one.
fn session_cookie(request: &Request) -> Option<String> {
    request
        .headers()
        .iter()
        .filter(|h| h.field.equiv("Cookie"))
        .flat_map(|h| h.value.as_str().split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(name, _)| *name == SESSION_COOKIE)
        .map(|(_, value)| value.to_owned())
}
