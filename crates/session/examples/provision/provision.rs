//! The two ways to provision: every task through the one administrator session (the seed after
//! its fix), and every task with a login of its own (the seed before it, "each `post_create`
//! signal created a new PNet session").

use std::fmt;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use selvedge_pool::ThreadPool;
use selvedge_session::SessionError;

use crate::admin::AdminSession;
use crate::client::{ApiError, Cookie, NewUser, PnetClient};
use crate::progress::Progress;
use crate::signal::Signals;

/// The lab each user gets.
pub(crate) const LAB_NAME: &str = "competition-lab";

/// What one way of provisioning did.
#[derive(Debug, Clone)]
pub(crate) struct RunReport {
    /// Users asked for.
    pub(crate) users: usize,
    /// Users created with their lab.
    pub(crate) created: usize,
    /// The users that failed, and why.
    pub(crate) failures: Vec<(String, String)>,
    /// Logins made.
    pub(crate) logins: u64,
    /// Calls refused with 401 and retried on a fresh session.
    pub(crate) retried: u64,
    /// From the first submission to the last user done.
    pub(crate) wall: Duration,
    /// Each user's time on its worker (login if any, create user, create lab), sorted.
    pub(crate) per_user: Vec<Duration>,
}

impl RunReport {
    /// Every user failed with `error`, before any task ran.
    fn failed(users: &[NewUser], error: &ProvisionError) -> Self {
        Self {
            users: users.len(),
            created: 0,
            failures: users
                .iter()
                .map(|user| (user.username.clone(), error.to_string()))
                .collect(),
            logins: 0,
            retried: 0,
            wall: Duration::ZERO,
            per_user: Vec::new(),
        }
    }
}

/// Why one user was not provisioned.
#[derive(Debug)]
pub(crate) enum ProvisionError {
    /// No administrator session.
    Session(SessionError<ApiError>),
    /// A call failed (after the one retry a 401 earns).
    Api(ApiError),
    /// The pool refused or lost the task.
    Pool(String),
    /// The `UserCreated` signal was not delivered, or its lab subscriber failed.
    Signal(String),
}

impl fmt::Display for ProvisionError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Session(error) => write!(f, "no admin session: {error}"),
            Self::Api(error) => error.fmt(f),
            Self::Pool(error) => write!(f, "pool: {error}"),
            Self::Signal(error) => write!(f, "user created signal: {error}"),
        }
    }
}

impl std::error::Error for ProvisionError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            Self::Session(error) => Some(error),
            Self::Api(error) => Some(error),
            Self::Pool(_) | Self::Signal(_) => None,
        }
    }
}

impl From<ApiError> for ProvisionError {
    fn from(error: ApiError) -> Self {
        Self::Api(error)
    }
}

/// Creates `users` on `pool`, every task through `admin` (the seed's
/// `ensure_admin_pnet_session()`); each user's lab is made by the subscriber of its
/// `UserCreated` signal (the seed's `post_create`), through the same session.
pub(crate) fn through_shared_session<S: AdminSession>(
    admin: &S,
    client: &PnetClient,
    pool: &Arc<ThreadPool>,
    users: &[NewUser],
    progress: &Progress,
) -> RunReport {
    let logins_before = admin.manager().map_or(0, |m| m.stats().logins);
    let tally = Arc::new(Tally::default());
    let signals = match Signals::new(pool, admin, client, &tally) {
        Ok(signals) => Arc::new(signals),
        Err(error) => return RunReport::failed(users, &error),
    };
    let mut report = run(pool, users, progress, |user| {
        let (admin, client, tally) = (admin.clone(), client.clone(), Arc::clone(&tally));
        let signals = Arc::clone(&signals);
        move || {
            with_admin(&admin, &tally, |cookie| client.create_user(cookie, &user))?;
            signals.user_created(&user.username)
        }
    });
    // The manager counts the shared way's logins; the tally only its retries.
    report.logins = admin.manager().map_or(0, |m| m.stats().logins) - logins_before;
    report.retried = tally.retried.load(Ordering::Relaxed);
    report
}

/// Creates `users` and their labs on `pool`, each task logging in and out on its own.
pub(crate) fn with_login_per_user(
    client: &PnetClient,
    credentials: (&str, &str),
    pool: &ThreadPool,
    users: &[NewUser],
    progress: &Progress,
) -> RunReport {
    let tally = Arc::new(Tally::default());
    let credentials = Arc::new((credentials.0.to_owned(), credentials.1.to_owned()));
    let mut report = run(pool, users, progress, |user| {
        let (client, tally, credentials) =
            (client.clone(), Arc::clone(&tally), Arc::clone(&credentials));
        move || {
            let mut own = OwnSession {
                client: &client,
                username: &credentials.0,
                password: &credentials.1,
                tally: &tally,
                cookie: None,
            };
            own.call(|cookie| client.create_user(cookie, &user))?;
            own.call(|cookie| client.create_lab(cookie, &user.username, LAB_NAME))?;
            match own.cookie.take().map(|cookie| client.logout(&cookie)) {
                // A session that expired under the task is gone already.
                None | Some(Ok(()) | Err(ApiError::Unauthorized)) => Ok(()),
                Some(Err(error)) => Err(error.into()),
            }
        }
    });
    report.logins = tally.logins.load(Ordering::Relaxed);
    report.retried = tally.retried.load(Ordering::Relaxed);
    report
}

/// Logins made and calls retried after a 401, over all tasks of one way.
#[derive(Debug, Default)]
pub(crate) struct Tally {
    logins: AtomicU64,
    retried: AtomicU64,
}

/// A task's own session in the login-per-user way, under the same rule as the shared one: a
/// 401 earns one retry on a fresh login.
struct OwnSession<'a> {
    client: &'a PnetClient,
    username: &'a str,
    password: &'a str,
    tally: &'a Tally,
    cookie: Option<Cookie>,
}

impl OwnSession<'_> {
    fn login(&mut self) -> Result<Cookie, ApiError> {
        let cookie = self.client.login(self.username, self.password)?;
        self.tally.logins.fetch_add(1, Ordering::Relaxed);
        self.cookie = Some(cookie.clone());
        Ok(cookie)
    }

    fn call<T>(
        &mut self,
        call: impl Fn(&Cookie) -> Result<T, ApiError>,
    ) -> Result<T, ProvisionError> {
        let cookie = match &self.cookie {
            Some(cookie) => cookie.clone(),
            None => self.login()?,
        };
        match call(&cookie) {
            Err(ApiError::Unauthorized) => {
                self.tally.retried.fetch_add(1, Ordering::Relaxed);
                let cookie = self.login()?;
                Ok(call(&cookie)?)
            }
            other => Ok(other?),
        }
    }
}

/// One call with the administrator session; a 401 drops that session (unless a newer one has
/// replaced it already) and earns one retry on a fresh session.
pub(crate) fn with_admin<S: AdminSession, T>(
    admin: &S,
    tally: &Tally,
    call: impl Fn(&Cookie) -> Result<T, ApiError>,
) -> Result<T, ProvisionError> {
    let session = admin.ensure().map_err(ProvisionError::Session)?;
    match call(session.cookie()) {
        Err(ApiError::Unauthorized) => {
            session.mark_rejected();
            admin.invalidate_if_current(&session);
            tally.retried.fetch_add(1, Ordering::Relaxed);
            let session = admin.ensure().map_err(ProvisionError::Session)?;
            Ok(call(session.cookie())?)
        }
        other => Ok(other?),
    }
}

/// Runs one task per user on `pool`, timing each on its worker and the whole from the first
/// submission to the last join.
fn run<F, T>(pool: &ThreadPool, users: &[NewUser], progress: &Progress, mut task: F) -> RunReport
where
    F: FnMut(NewUser) -> T,
    T: FnOnce() -> Result<(), ProvisionError> + Send + 'static,
{
    let started = Instant::now();
    let submitted: Vec<_> = users
        .iter()
        .map(|user| {
            let (work, progress) = (task(user.clone()), progress.clone());
            let handle = pool.submit(move || {
                let start = Instant::now();
                let result = work();
                progress.inc();
                (start.elapsed(), result)
            });
            (user.username.clone(), handle)
        })
        .collect();
    let mut report = RunReport {
        users: users.len(),
        created: 0,
        failures: Vec::new(),
        logins: 0,
        retried: 0,
        wall: Duration::ZERO,
        per_user: Vec::with_capacity(users.len()),
    };
    for (username, handle) in submitted {
        let outcome = match handle {
            Ok(handle) => handle
                .join()
                .map_err(|e| ProvisionError::Pool(e.to_string())),
            Err(refused) => Err(ProvisionError::Pool(refused.to_string())),
        };
        match outcome {
            Ok((took, Ok(()))) => {
                report.created += 1;
                report.per_user.push(took);
            }
            Ok((took, Err(error))) => {
                report.per_user.push(took);
                report.failures.push((username, error.to_string()));
            }
            Err(error) => report.failures.push((username, error.to_string())),
        }
    }
    report.wall = started.elapsed();
    progress.finish();
    report.per_user.sort_unstable();
    report
}
