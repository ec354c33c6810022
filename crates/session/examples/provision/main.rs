//! Seed 000's provisioning run: create many users and their labs on a PNet platform from a
//! thread pool, every worker through one global admin session ("one login instead of N"), then
//! the way it was before (a login per user), side by side.
//!
//! ```text
//! cargo run --release -p selvedge-session --example provision
//! cargo run --release -p selvedge-session --example provision -- --users 1000 --token-ttl 1s --api-latency 20ms --check
//! cargo run --release -p selvedge-session --example provision -- --server http://pnet.lab.local --token-ttl 4m
//! cargo run --release -p selvedge-session --features redis --example provision -- --processes 4 --redis redis://127.0.0.1:6379/ --check
//! ```
//!
//! Without `--server` it starts a PNet-like platform on a free loopback port ([`platform`]);
//! the tasks call `ADMIN.ensure()` ([`admin`]) before each API call, and a call refused with
//! 401 drops that session with `invalidate_if_current` and is retried once on a fresh one
//! ([`provision`]). `--check` makes the exit code say whether every user exists exactly once
//! and the shared session logged in exactly once per token lifetime ([`check`]).
//! `--processes N --redis URL` runs N processes sharing one session through Redis instead
//! ([`fleet`]).

mod admin;
mod args;
mod auth;
mod check;
mod client;
mod fleet;
mod platform;
mod progress;
mod provision;
mod report;
mod run;
mod signal;

use std::process::ExitCode;

use admin::{ADMIN, AdminConfig};
use platform::{Platform, PlatformConfig};
use progress::Display;

fn main() -> ExitCode {
    let options = match args::parse(std::env::args().skip(1)) {
        Ok(options) => options,
        Err(error) => {
            eprintln!("error: {error}\n\n{}", args::USAGE);
            return ExitCode::from(2);
        }
    };
    if options.help {
        print!("{}", args::USAGE);
        return ExitCode::SUCCESS;
    }
    let mut config = AdminConfig::from_env();
    let platform = match &options.server {
        Some(url) => {
            config.url = url.clone();
            None
        }
        None => {
            let platform_config = PlatformConfig {
                login_latency: options.login_latency,
                api_latency: options.api_latency,
                session_lifetime: options.token_ttl,
                // Enough handlers that the login-per-user run waits on logins, not on the server.
                handler_threads: (options.workers * 2).max(8),
                ..PlatformConfig::default()
            };
            config.username = platform_config.admin_username.clone();
            config.password = platform_config.admin_password.clone();
            match Platform::start(platform_config) {
                Ok(platform) => {
                    config.url = platform.url().to_owned();
                    Some(platform)
                }
                Err(error) => {
                    eprintln!("error: {error}");
                    return ExitCode::FAILURE;
                }
            }
        }
    };
    config.token_ttl = options.token_ttl;
    config.connections = options.workers;
    if options.fleet_member.is_some() {
        return fleet::run_member(&options, &config);
    }
    if options.redis.is_some() {
        return fleet::run_fleet(&options, &config, platform.as_ref());
    }
    // Nothing has touched ADMIN yet, so this is its configuration.
    if admin::configure(config.clone()).is_err() {
        eprintln!("error: the admin session was configured twice");
        return ExitCode::FAILURE;
    }

    let ttl = options
        .token_ttl
        .map_or("until logout".to_owned(), report::human);
    match &platform {
        Some(_) => println!(
            "built-in platform at {}: login latency {}, api latency {}, token lifetime {ttl}",
            config.url,
            report::human(options.login_latency),
            report::human(options.api_latency),
        ),
        None => println!("platform at {}, token lifetime {ttl}", config.url),
    }
    println!(
        "{} users each way, {} workers",
        options.users, options.workers
    );

    let display = Display::detect();
    let outcome = match run::run(
        options.users,
        options.workers,
        &ADMIN,
        &config,
        platform.as_ref(),
        display,
    ) {
        Ok(outcome) => outcome,
        Err(error) => {
            eprintln!("error: {error}");
            return ExitCode::FAILURE;
        }
    };
    println!();
    print!(
        "{}",
        report::side_by_side(&outcome.shared, &outcome.per_login)
    );
    println!();
    println!("admin session: {}", outcome.session_stats);
    if let Some(platform) = &platform {
        println!("platform: {}", platform.stats());
    }
    println!();
    for check in &outcome.checks {
        println!(
            "[{}] {}",
            if check.passed { " ok " } else { "FAIL" },
            check.what
        );
    }
    if options.check && !outcome.passed() {
        return ExitCode::FAILURE;
    }
    ExitCode::SUCCESS
}
