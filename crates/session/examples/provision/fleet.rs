//! `--processes N --redis URL`: the deployment the Redis store is for. N processes (this
//! program again, one per `--fleet-member`) each provision `--users` users from their own pool,
//! all through one admin session shared in Redis; the first run prints the logins each process
//! made and the total, beside the platform's own count.

use std::io::{BufRead, BufReader};
use std::process::{Command, ExitCode, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use selvedge_pool::{RejectionPolicy, ThreadPool};
use selvedge_session::SessionManager;

use crate::admin::AdminConfig;
use crate::args::Options;
use crate::auth::PnetAuth;
use crate::client::NewUser;
use crate::platform::Platform;
use crate::progress::{Display, Progress};
use crate::provision;

/// What one process of the fleet reports on its last line.
#[derive(Debug, Default)]
struct Member {
    logins: u64,
    adoptions: u64,
    created: usize,
    failed: usize,
    wall_ms: u64,
}

/// Starts `options.processes` copies of this program against `config.url`, waits for them
/// and prints what each did. The exit code says whether every process succeeded and (with
/// `--check`) whether the fleet logged in once, as the platform counted too.
pub(crate) fn run_fleet(
    options: &Options,
    config: &AdminConfig,
    platform: Option<&Platform>,
) -> ExitCode {
    let Some(redis) = &options.redis else {
        eprintln!("error: `--processes` needs `--redis URL`");
        return ExitCode::from(2);
    };
    let exe = match std::env::current_exe() {
        Ok(exe) => exe,
        Err(error) => {
            eprintln!("error: cannot find this program to start it again: {error}");
            return ExitCode::FAILURE;
        }
    };
    let tag = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_millis() % 1_000_000_000)
        .to_string();
    println!(
        "{} processes x {} workers, {} users each, one admin session through {redis}",
        options.processes, options.workers, options.users
    );
    let platform_before = platform.map(Platform::stats);
    let started = Instant::now();
    let mut children = Vec::new();
    for member in 1..=options.processes {
        let mut command = Command::new(&exe);
        command
            .args(["--fleet-member", &member.to_string(), "--fleet-tag", &tag])
            .args(["--server", &config.url, "--redis", redis])
            .args(["--users", &options.users.to_string()])
            .args(["--workers", &options.workers.to_string()])
            .env("PNET_USERNAME", &config.username)
            .env("PNET_PASSWORD", &config.password)
            .stdout(Stdio::piped());
        if let Some(ttl) = options.token_ttl {
            command.args(["--token-ttl", &format!("{}ms", ttl.as_millis().max(1))]);
        }
        match command.spawn() {
            Ok(child) => children.push((member, child)),
            Err(error) => {
                eprintln!("error: cannot start process {member}: {error}");
                return ExitCode::FAILURE;
            }
        }
    }
    let mut members = Vec::new();
    let mut all_ok = true;
    for (member, mut child) in children {
        let result = child.stdout.take().and_then(|stdout| {
            BufReader::new(stdout)
                .lines()
                .map_while(Result::ok)
                .fold(None, |found, line| found.or_else(|| parse_result(&line)))
        });
        let status = child.wait();
        match (result, status) {
            (Some(result), Ok(status)) if status.success() => members.push((member, result)),
            (_, status) => {
                eprintln!("process {member} failed: {status:?}");
                all_ok = false;
            }
        }
    }

    println!();
    println!("process | logins | adopted | users created | failed | wall");
    println!("---: | ---: | ---: | ---: | ---: | ---:");
    let mut total = Member::default();
    for (member, m) in &members {
        println!(
            "{member} | {} | {} | {} | {} | {} ms",
            m.logins, m.adoptions, m.created, m.failed, m.wall_ms
        );
        total.logins += m.logins;
        total.adoptions += m.adoptions;
        total.created += m.created;
        total.failed += m.failed;
    }
    println!(
        "total | **{}** | {} | {} | {} |",
        total.logins, total.adoptions, total.created, total.failed
    );
    let counted = platform
        .zip(platform_before)
        .map(|(p, before)| p.stats().logins - before.logins);
    if let Some(counted) = counted {
        println!("the platform counted {counted} admin login(s)");
    }

    let every_user =
        all_ok && total.failed == 0 && total.created == options.users * options.processes;
    // A session is refreshed from `ttl - buffer` on (admin.rs: the buffer is a tenth of the
    // lifetime), so a run of `wall` (first process started to last one done) needs at most
    // `wall / (ttl - buffer) + 1` logins.
    let wall = u64::try_from(started.elapsed().as_millis()).unwrap_or(u64::MAX);
    let (allowed, once) = match options.token_ttl {
        None => (1, "the fleet logged in once".to_owned()),
        Some(ttl) => {
            let period = u64::try_from((ttl - config.refresh_buffer()).as_millis())
                .unwrap_or(u64::MAX)
                .max(1);
            let allowed = wall / period + 1;
            (
                allowed,
                format!(
                    "the fleet logged in at most once per token lifetime ({allowed} in {wall} ms)"
                ),
            )
        }
    };
    let agrees = counted.is_none_or(|counted| counted == total.logins);
    let once_ok = total.logins >= 1 && total.logins <= allowed;
    println!();
    for (passed, what) in [
        (every_user, "every process created all its users"),
        (once_ok, once.as_str()),
        (agrees, "the platform counted the logins the processes made"),
    ] {
        println!("[{}] {what}", if passed { " ok " } else { "FAIL" });
    }
    if !all_ok || (options.check && !(every_user && once_ok && agrees)) {
        return ExitCode::FAILURE;
    }
    ExitCode::SUCCESS
}

/// `RESULT logins=1 adoptions=0 created=200 failed=0 wall_ms=85`.
fn parse_result(line: &str) -> Option<Member> {
    let fields = line.strip_prefix("RESULT ")?;
    let mut member = Member::default();
    for field in fields.split(' ') {
        let (name, value) = field.split_once('=')?;
        let value: u64 = value.parse().ok()?;
        match name {
            "logins" => member.logins = value,
            "adoptions" => member.adoptions = value,
            "created" => member.created = usize::try_from(value).ok()?,
            "failed" => member.failed = usize::try_from(value).ok()?,
            "wall_ms" => member.wall_ms = value,
            _ => return None,
        }
    }
    Some(member)
}

/// One process of the fleet: provisions its users through the session shared in Redis and
/// prints its `RESULT` line.
pub(crate) fn run_member(options: &Options, config: &AdminConfig) -> ExitCode {
    let (Some(member), Some(tag), Some(redis)) =
        (options.fleet_member, &options.fleet_tag, &options.redis)
    else {
        eprintln!("error: `--fleet-member` needs `--fleet-tag` and `--redis`");
        return ExitCode::from(2);
    };
    let manager = match shared_manager(config, redis, tag) {
        Ok(manager) => Arc::new(manager),
        Err(error) => {
            eprintln!("error: process {member}: {error}");
            return ExitCode::FAILURE;
        }
    };
    let client = manager.authenticator().client().clone();
    if let Err(error) = client.open_connections(options.workers) {
        eprintln!("error: process {member} cannot reach the platform: {error}");
        return ExitCode::FAILURE;
    }
    let pool = match ThreadPool::builder()
        .max_threads(options.workers)
        .thread_name("provision")
        .rejection_policy(RejectionPolicy::Block(Duration::from_secs(60)))
        .build()
    {
        Ok(pool) => Arc::new(pool),
        Err(error) => {
            eprintln!("error: process {member} cannot build its pool: {error}");
            return ExitCode::FAILURE;
        }
    };
    let users: Vec<NewUser> = (1..=options.users)
        .map(|i| NewUser::student(format!("fleet{tag}p{member}u{i:04}")))
        .collect();
    // Plain lines on stdout, which the first process reads past to the RESULT line.
    let progress = Progress::new(Display::Plain, "fleet member", users.len());
    let report = provision::through_shared_session(&manager, &client, &pool, &users, &progress);
    pool.shutdown(Duration::from_secs(10));
    if let Some((user, why)) = report.failures.first() {
        eprintln!("process {member}: {user}: {why}");
    }
    let stats = manager.stats();
    println!(
        "RESULT logins={} adoptions={} created={} failed={} wall_ms={}",
        stats.logins,
        stats.adoptions,
        report.created,
        report.failures.len(),
        report.wall.as_millis()
    );
    ExitCode::SUCCESS
}

/// The admin session, shared with the other processes under the run's Redis key.
#[cfg(feature = "redis")]
fn shared_manager(
    config: &AdminConfig,
    redis: &str,
    tag: &str,
) -> Result<SessionManager<PnetAuth>, String> {
    let store = selvedge_session::RedisStore::builder(redis, crate::auth::PnetCodec)
        .prefix(format!("selvedge:provision:{tag}"))
        .lease_ttl(Duration::from_secs(5))
        .timeout(Duration::from_secs(1))
        .build()
        .map_err(|error| format!("{error}: {:?}", std::error::Error::source(&error)))?;
    config
        .builder()
        .store(store)
        .build()
        .map_err(|error| error.to_string())
}

/// Without the `redis` feature there is no store to share the session through.
#[cfg(not(feature = "redis"))]
fn shared_manager(
    _config: &AdminConfig,
    _redis: &str,
    _tag: &str,
) -> Result<SessionManager<PnetAuth>, String> {
    Err("built without the `redis` feature: run with `--features redis`".to_owned())
}
