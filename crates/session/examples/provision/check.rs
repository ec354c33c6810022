//! What `--check` verifies: every user exists exactly once on the platform (with its lab, where
//! the platform can be inspected), and the shared session logged in exactly once per token
//! lifetime the run crossed.
//!
//! A login is *due* when it is the first, when the platform had refused the session before it
//! (a 401) by the time it was sent, or when that session was within its refresh buffer of its
//! expiry. The run crossed as many token lifetimes as it made due logins; a login that is not
//! due (sent while the current session still had plenty of life: a duplicate login racing
//! another, or a needless refresh) is wasted and fails the check.

use std::collections::HashMap;
use std::time::Duration;

use crate::auth::LoginRecord;
use crate::client::NewUser;
use crate::platform::Lab;
use crate::provision::LAB_NAME;
use crate::report::human;

/// One verified statement.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Check {
    /// Whether it holds.
    pub(crate) passed: bool,
    /// What was checked and what was found.
    pub(crate) what: String,
}

/// Every one of `expected` appears exactly once in `listed`.
pub(crate) fn users_exactly_once(listed: &[String], expected: &[NewUser]) -> Check {
    let mut counts: HashMap<&str, usize> = HashMap::new();
    for name in listed {
        *counts.entry(name.as_str()).or_default() += 1;
    }
    let times = |user: &NewUser| counts.get(user.username.as_str()).copied().unwrap_or(0);
    let missing: Vec<&str> = expected
        .iter()
        .filter(|u| times(u) == 0)
        .map(|u| u.username.as_str())
        .collect();
    let repeated: Vec<&str> = expected
        .iter()
        .filter(|u| times(u) > 1)
        .map(|u| u.username.as_str())
        .collect();
    let passed = missing.is_empty() && repeated.is_empty();
    let what = if passed {
        format!(
            "{} users on the platform, each exactly once",
            expected.len()
        )
    } else {
        format!(
            "{} of {} users missing {:?}, {} listed more than once {:?}",
            missing.len(),
            expected.len(),
            first(&missing),
            repeated.len(),
            first(&repeated),
        )
    };
    Check { passed, what }
}

/// Every one of `expected` owns exactly one lab, and no other lab exists.
pub(crate) fn labs_exactly_once(labs: &[Lab], expected: &[NewUser]) -> Check {
    let mut counts: HashMap<&str, usize> = HashMap::new();
    for lab in labs.iter().filter(|lab| lab.name == LAB_NAME) {
        *counts.entry(lab.path.trim_start_matches('/')).or_default() += 1;
    }
    let wrong: Vec<&str> = expected
        .iter()
        .filter(|u| counts.get(u.username.as_str()) != Some(&1))
        .map(|u| u.username.as_str())
        .collect();
    let passed = wrong.is_empty() && labs.len() == expected.len();
    let what = if passed {
        format!("{} labs, one per user", labs.len())
    } else {
        format!(
            "{} labs for {} users; users without exactly one lab: {} {:?}",
            labs.len(),
            expected.len(),
            wrong.len(),
            first(&wrong)
        )
    };
    Check { passed, what }
}

/// How the logins of a run relate to the token lifetimes it crossed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Lifetimes {
    /// Logins made.
    pub(crate) logins: usize,
    /// Token lifetimes crossed: the due logins.
    pub(crate) lifetimes: usize,
    /// The first wasted login and the session life left when it was sent.
    pub(crate) first_wasted: Option<(usize, Option<Duration>)>,
}

/// Sorts `records` (sent order) into due and wasted logins; see the module docs.
pub(crate) fn lifetimes(records: &[LoginRecord], refresh_buffer: Duration) -> Lifetimes {
    let mut result = Lifetimes {
        logins: records.len(),
        lifetimes: records.len().min(1),
        first_wasted: None,
    };
    for pair in records.windows(2) {
        let (previous, login) = (&pair[0], &pair[1]);
        let refused = previous.rejected.is_some_and(|at| at <= login.sent);
        let ending = previous
            .expires
            .is_some_and(|at| login.sent + refresh_buffer >= at);
        if refused || ending {
            result.lifetimes += 1;
        } else if result.first_wasted.is_none() {
            let left = previous
                .expires
                .map(|at| at.saturating_duration_since(login.sent));
            result.first_wasted = Some((login.serial, left));
        }
    }
    result
}

/// The shared session logged in once per token lifetime.
pub(crate) fn one_login_per_lifetime(records: &[LoginRecord], refresh_buffer: Duration) -> Check {
    let found = lifetimes(records, refresh_buffer);
    let passed = found.logins >= 1 && found.logins == found.lifetimes;
    let crossed = found.lifetimes.saturating_sub(1);
    let mut what = format!(
        "{} login(s) for {} token lifetime(s) ({crossed} expir{} crossed)",
        found.logins,
        found.lifetimes,
        if crossed == 1 { "y" } else { "ies" }
    );
    match found.first_wasted {
        Some((serial, Some(left))) => {
            what += &format!(
                "; login #{serial} was sent with {} left on the session before it",
                human(left)
            );
        }
        Some((serial, None)) => {
            what += &format!(
                "; login #{serial} was sent while the session before it was neither refused nor expiring"
            );
        }
        None => {}
    }
    Check { passed, what }
}

/// The platform counted the logins the client made, no more (nobody logged in behind its back).
pub(crate) fn platform_counted(platform: u64, client: u64) -> Check {
    Check {
        passed: platform == client,
        what: format!("the platform counted {platform} login(s), the client made {client}"),
    }
}

/// Every user of the run was created.
pub(crate) fn all_created(way: &str, created: usize, failures: &[(String, String)]) -> Check {
    let what = match failures.first() {
        None => format!("{way}: {created} users created, no failures"),
        Some((user, error)) => {
            format!(
                "{way}: {created} created, {} failed (first: {user}: {error})",
                failures.len()
            )
        }
    };
    Check {
        passed: failures.is_empty(),
        what,
    }
}

fn first<'a>(names: &[&'a str]) -> Vec<&'a str> {
    names.iter().take(3).copied().collect()
}
