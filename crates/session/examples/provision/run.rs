//! One whole run: provision through the shared session, then with a login per user, print the
//! comparison and verify the platform's state.

use std::fmt;
use std::sync::Arc;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use selvedge_pool::{RejectionPolicy, ThreadPool};
use selvedge_session::SessionStats;

use crate::admin::{AdminConfig, AdminSession};
use crate::check::{self, Check};
use crate::client::{ApiError, NewUser, PnetClient};
use crate::platform::Platform;
use crate::progress::{Display, Progress};
use crate::provision::{self, RunReport, Tally};

/// What a run did and found.
#[derive(Debug)]
pub(crate) struct Outcome {
    /// Through the shared administrator session.
    pub(crate) shared: RunReport,
    /// With a login per user.
    pub(crate) per_login: RunReport,
    /// The shared session's statistics after its run.
    pub(crate) session_stats: SessionStats,
    /// What was verified.
    pub(crate) checks: Vec<Check>,
}

impl Outcome {
    /// Every check holds.
    pub(crate) fn passed(&self) -> bool {
        self.checks.iter().all(|c| c.passed)
    }
}

/// Why a run could not start or finish.
#[derive(Debug)]
pub(crate) enum RunError {
    /// The pool could not be built.
    Pool(selvedge_pool::BuildError),
    /// The administrator session manager could not be made.
    Admin(selvedge_session::BuildError),
    /// The platform did not answer.
    Connect(ApiError),
}

impl fmt::Display for RunError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Pool(error) => write!(f, "cannot build the pool: {error}"),
            Self::Admin(error) => write!(f, "cannot make the admin session: {error}"),
            Self::Connect(error) => write!(f, "cannot reach the platform: {error}"),
        }
    }
}

impl std::error::Error for RunError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            Self::Pool(error) => Some(error),
            Self::Admin(error) => Some(error),
            Self::Connect(error) => Some(error),
        }
    }
}

/// Runs both ways against `config.url` (the built-in `platform`, if given, is inspected by the
/// checks too) with `users` users and `workers` workers.
pub(crate) fn run<S: AdminSession>(
    users: usize,
    workers: usize,
    admin: S,
    config: &AdminConfig,
    platform: Option<&Platform>,
    display: Display,
) -> Result<Outcome, RunError> {
    let manager = admin.manager().map_err(RunError::Admin)?;
    let pool = Arc::new(
        ThreadPool::builder()
            .max_threads(workers)
            .thread_name("provision")
            .rejection_policy(RejectionPolicy::Block(Duration::from_secs(60)))
            .build()
            .map_err(RunError::Pool)?,
    );
    // A platform that outlives this run (`--server`) must not see the same usernames twice.
    let tag = match platform {
        Some(_) => String::new(),
        None => SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map_or(0, |d| d.as_secs() % 1_000_000)
            .to_string(),
    };
    let shared_users: Vec<NewUser> = (1..=users)
        .map(|i| NewUser::student(format!("student{tag}{i:04}")))
        .collect();
    let solo_users: Vec<NewUser> = (1..=users)
        .map(|i| NewUser::student(format!("solo{tag}{i:04}")))
        .collect();

    // Both ways start with one open connection per worker (a long-running service has them
    // open already), opened before the clock starts; see `PnetClient::open_connections`.
    let client = manager.authenticator().client().clone();
    client
        .open_connections(workers)
        .map_err(RunError::Connect)?;
    let solo_client = PnetClient::new(&config.url, workers);
    solo_client
        .open_connections(workers)
        .map_err(RunError::Connect)?;

    let platform_before = platform.map(Platform::stats);
    let progress = Progress::new(display, "shared admin session", users);
    let shared =
        provision::through_shared_session(&admin, &client, &pool, &shared_users, &progress);
    let login_records = manager.authenticator().logins();
    let platform_logins = platform
        .zip(platform_before)
        .map(|(p, before)| p.stats().logins - before.logins);
    let session_stats = manager.stats();

    let progress = Progress::new(display, "login per user", users);
    let credentials = (config.username.as_str(), config.password.as_str());
    let per_login =
        provision::with_login_per_user(&solo_client, credentials, &pool, &solo_users, &progress);

    let mut checks = vec![
        check::all_created("shared admin session", shared.created, &shared.failures),
        check::all_created("login per user", per_login.created, &per_login.failures),
    ];
    // The seed's `session_data`: the shared session is still good on the platform, and lists
    // what the runs created.
    let tally = Tally::default();
    let listed = provision::with_admin(&admin, &tally, |cookie| client.session_info(cookie))
        .and_then(|info| {
            let users = provision::with_admin(&admin, &tally, |cookie| client.list_users(cookie))?;
            Ok((info, users))
        });
    match listed {
        Ok((info, listed)) => {
            let user = info["username"].as_str().unwrap_or("?").to_owned();
            checks.push(Check {
                passed: true,
                what: format!("the admin session is live on the platform (user {user})"),
            });
            checks.push(check::users_exactly_once(&listed, &shared_users));
            checks.push(check::users_exactly_once(&listed, &solo_users));
        }
        Err(error) => checks.push(Check {
            passed: false,
            what: format!("cannot ask the platform: {error}"),
        }),
    }
    if let Some(platform) = platform {
        // The platform's own creation log, where a duplicate could not hide in a JSON map.
        let all_users: Vec<NewUser> = shared_users.iter().chain(&solo_users).cloned().collect();
        checks.push(check::users_exactly_once(&platform.usernames(), &all_users));
        checks.push(check::labs_exactly_once(&platform.labs(), &all_users));
    }
    checks.push(check::one_login_per_lifetime(
        &login_records,
        config.refresh_buffer(),
    ));
    if let Some(counted) = platform_logins {
        checks.push(check::platform_counted(counted, shared.logins));
    }
    pool.shutdown(Duration::from_secs(10));
    Ok(Outcome {
        shared,
        per_login,
        session_stats,
        checks,
    })
}
