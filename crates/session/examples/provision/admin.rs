//! The global administrator session: the seed's `ADMIN_PNET_SESSION` with its lock and
//! `ensure_admin_pnet_session()`, as one `GlobalSession` static.
//!
//! ```python
//! ADMIN_PNET_SESSION = None
//! ADMIN_SESSION_LOCK = threading.Lock()
//!
//! def ensure_admin_pnet_session():
//!     session = get_admin_pnet_session()      # creates the manager once, under the lock
//!     try:
//!         session.session_data                # raises RuntimeError when not logged in
//!         return session
//!     except RuntimeError:
//!         session.login()
//!         return session
//! ```
//!
//! Here `ADMIN.ensure()` is all of that: the manager is made on first use, and one login serves
//! every thread until its token runs out.

use std::sync::{Arc, OnceLock};
use std::time::Duration;

use selvedge_session::{
    BuildError, GlobalSession, SessionError, SessionManager, SessionManagerBuilder,
};

use crate::auth::{PnetAuth, PnetSession};
use crate::client::{ApiError, PnetClient};

/// Where the administrator logs in and how the manager refreshes.
#[derive(Debug, Clone)]
pub(crate) struct AdminConfig {
    /// The platform's base URL.
    pub(crate) url: String,
    /// The administrator's username.
    pub(crate) username: String,
    /// The administrator's password.
    pub(crate) password: String,
    /// How long the platform keeps a session, if known.
    pub(crate) token_ttl: Option<Duration>,
    /// Idle keep-alive connections the HTTP client keeps (one per worker).
    pub(crate) connections: usize,
    /// The longest a caller waits behind a login in flight.
    pub(crate) login_timeout: Duration,
}

impl AdminConfig {
    /// The settings of a deployment: `PNET_URL`, `PNET_USERNAME`, `PNET_PASSWORD` (the seed read
    /// them from Django's settings), defaulting to a local PNETLab's `admin`/`pnet`.
    pub(crate) fn from_env() -> Self {
        let var =
            |name: &str, default: &str| std::env::var(name).unwrap_or_else(|_| default.to_owned());
        Self {
            url: var("PNET_URL", "http://127.0.0.1"),
            username: var("PNET_USERNAME", "admin"),
            password: var("PNET_PASSWORD", "pnet"),
            token_ttl: None,
            connections: 8,
            login_timeout: Duration::from_secs(10),
        }
    }

    /// How long before its expiry a session is refreshed: a tenth of its lifetime, so a run
    /// crossing several lifetimes logs in once per lifetime and nobody waits at the boundary.
    pub(crate) fn refresh_buffer(&self) -> Duration {
        self.token_ttl.map_or(Duration::ZERO, |ttl| ttl / 10)
    }

    /// A manager for this platform.
    pub(crate) fn build_manager(&self) -> Result<SessionManager<PnetAuth>, BuildError> {
        self.builder().build()
    }

    /// The builder of [`build_manager`](Self::build_manager), for a caller that adds a
    /// setting (the shared store of a `--processes` run).
    pub(crate) fn builder(&self) -> SessionManagerBuilder<PnetAuth> {
        let client = PnetClient::new(&self.url, self.connections);
        let auth = PnetAuth::new(
            client,
            self.username.clone(),
            self.password.clone(),
            self.token_ttl,
        );
        let buffer = self.refresh_buffer();
        SessionManager::builder(auth)
            .name("pnet-admin")
            .login_timeout(self.login_timeout)
            .refresh_buffer(buffer)
            .refresh_jitter(buffer / 2)
    }
}

static CONFIG: OnceLock<AdminConfig> = OnceLock::new();

/// The process-wide administrator session (the seed's `ADMIN_PNET_SESSION`).
pub(crate) static ADMIN: GlobalSession<PnetAuth> = GlobalSession::new("pnet-admin", make_admin);

fn make_admin() -> Result<SessionManager<PnetAuth>, BuildError> {
    CONFIG.get_or_init(AdminConfig::from_env).build_manager()
}

/// Sets what [`ADMIN`] is made from; only before its first use, and only once.
pub(crate) fn configure(config: AdminConfig) -> Result<(), AdminConfig> {
    CONFIG.set(config)
}

/// The administrator session as a provisioning task sees it: the global [`ADMIN`], or a manager
/// of its own (tests that need a second configuration in the same process).
pub(crate) trait AdminSession: Clone + Send + Sync + 'static {
    /// The live session, logging in first if needed.
    fn ensure(&self) -> Result<Arc<PnetSession>, SessionError<ApiError>>;
    /// Drops `session` if it is still the current one.
    fn invalidate_if_current(&self, session: &Arc<PnetSession>) -> bool;
    /// The manager behind it (its statistics and its authenticator's login log).
    fn manager(&self) -> Result<Arc<SessionManager<PnetAuth>>, BuildError>;
}

impl AdminSession for &'static GlobalSession<PnetAuth> {
    fn ensure(&self) -> Result<Arc<PnetSession>, SessionError<ApiError>> {
        GlobalSession::ensure(self)
    }

    fn invalidate_if_current(&self, session: &Arc<PnetSession>) -> bool {
        GlobalSession::invalidate_if_current(self, session)
    }

    fn manager(&self) -> Result<Arc<SessionManager<PnetAuth>>, BuildError> {
        GlobalSession::manager(self)
    }
}

impl AdminSession for Arc<SessionManager<PnetAuth>> {
    fn ensure(&self) -> Result<Arc<PnetSession>, SessionError<ApiError>> {
        SessionManager::ensure(self)
    }

    fn invalidate_if_current(&self, session: &Arc<PnetSession>) -> bool {
        SessionManager::invalidate_if_current(self, session)
    }

    fn manager(&self) -> Result<Arc<SessionManager<PnetAuth>>, BuildError> {
        Ok(Arc::clone(self))
    }
}
