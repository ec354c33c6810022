//! The provisioning example in CI: its own modules (platform, client, admin session, both
//! provisioning ways, checks) driven at a small scale against the loopback platform, asserting
//! the login count and that every user exists exactly once on the platform.

#[path = "../examples/provision/admin.rs"]
mod admin;
#[path = "../examples/provision/args.rs"]
mod args;
#[path = "../examples/provision/auth.rs"]
mod auth;
#[path = "../examples/provision/check.rs"]
mod check;
#[path = "../examples/provision/client.rs"]
mod client;
#[path = "../examples/provision/platform.rs"]
mod platform;
#[allow(
    dead_code,
    reason = "the example's main picks the display; tests always use plain lines"
)]
#[path = "../examples/provision/progress.rs"]
mod progress;
#[path = "../examples/provision/provision.rs"]
mod provision;
#[path = "../examples/provision/report.rs"]
mod report;
#[path = "../examples/provision/run.rs"]
mod run;
#[path = "../examples/provision/signal.rs"]
mod signal;

use std::collections::HashMap;
use std::sync::{Arc, Barrier};
use std::time::Duration;

use admin::AdminConfig;
use client::{ApiError, NewUser, PnetClient};
use platform::{Platform, PlatformConfig};
use progress::Display;

fn platform(login: Duration, api: Duration, lifetime: Option<Duration>) -> Platform {
    Platform::start(PlatformConfig {
        login_latency: login,
        api_latency: api,
        session_lifetime: lifetime,
        handler_threads: 8,
        ..PlatformConfig::default()
    })
    .expect("the platform starts on loopback")
}

fn admin_config(platform: &Platform, token_ttl: Option<Duration>, workers: usize) -> AdminConfig {
    AdminConfig {
        url: platform.url().to_owned(),
        username: "admin".to_owned(),
        password: "pnet".to_owned(),
        token_ttl,
        connections: workers,
        login_timeout: Duration::from_secs(10),
    }
}

/// Every created username exactly once in the platform's own creation log.
fn assert_each_user_once(platform: &Platform, expected: usize) {
    let mut counts: HashMap<String, usize> = HashMap::new();
    for name in platform.usernames() {
        *counts.entry(name).or_default() += 1;
    }
    assert_eq!(counts.len(), expected, "distinct users on the platform");
    assert!(
        counts.values().all(|&n| n == 1),
        "a user created twice: {counts:?}"
    );
    assert_eq!(
        platform.stats().conflicts,
        0,
        "no duplicate was even attempted"
    );
}

fn print_outcome(outcome: &run::Outcome) {
    print!(
        "{}",
        report::side_by_side(&outcome.shared, &outcome.per_login)
    );
    for check in &outcome.checks {
        println!(
            "[{}] {}",
            if check.passed { "ok" } else { "FAIL" },
            check.what
        );
    }
}

#[test]
fn the_global_admin_session_provisions_every_user_once_with_one_login() {
    let (users, workers) = (40, 4);
    let platform = platform(Duration::from_millis(10), Duration::ZERO, None);
    let config = admin_config(&platform, None, workers);
    admin::configure(config.clone()).expect("only this test configures ADMIN");

    let outcome = run::run(
        users,
        workers,
        &admin::ADMIN,
        &config,
        Some(&platform),
        Display::Plain,
    )
    .expect("the run starts");
    print_outcome(&outcome);

    assert!(outcome.passed(), "{:#?}", outcome.checks);
    assert_eq!(outcome.shared.created, users);
    assert_eq!(outcome.shared.logins, 1, "one login for every worker");
    assert_eq!(outcome.session_stats.logins, 1);
    assert_eq!(outcome.per_login.created, users);
    assert_eq!(
        outcome.per_login.logins, users as u64,
        "the seed's old way: a login per user"
    );
    assert_eq!(
        platform.stats().logins,
        1 + users as u64,
        "the platform agrees on both ways"
    );
    assert_each_user_once(&platform, 2 * users);
    assert_eq!(platform.labs().len(), 2 * users);
}

#[test]
fn a_short_token_lifetime_costs_one_login_per_lifetime_and_loses_no_user() {
    // Each worker spends at least 10 users x 2 calls x 30 ms = 600 ms of platform time, and a
    // session lives 250 ms, so the run needs at least three sessions. (Much shorter lifetimes
    // make a loaded machine's scheduling delays outlast a fresh session.)
    let (users, workers, ttl) = (40, 4, Duration::from_millis(250));
    let platform = platform(
        Duration::from_millis(10),
        Duration::from_millis(30),
        Some(ttl),
    );
    let config = admin_config(&platform, Some(ttl), workers);
    let manager = Arc::new(config.build_manager().expect("valid settings"));

    let outcome = run::run(
        users,
        workers,
        Arc::clone(&manager),
        &config,
        Some(&platform),
        Display::Plain,
    )
    .expect("the run starts");
    print_outcome(&outcome);

    assert!(outcome.passed(), "{:#?}", outcome.checks);
    assert_eq!(outcome.shared.created, users);
    assert!(
        outcome.shared.logins >= 3,
        "crossed several expiries: {} logins",
        outcome.shared.logins
    );
    let lifetimes = check::lifetimes(&manager.authenticator().logins(), config.refresh_buffer());
    assert_eq!(
        lifetimes.first_wasted, None,
        "no login while the session had life left"
    );
    assert_each_user_once(&platform, 2 * users);
}

#[test]
fn an_expiry_found_by_a_401_is_recovered_with_one_login_for_all_workers() {
    // The client is not told the lifetime: only the platform's 401s reveal each expiry, and
    // `invalidate_if_current` keeps the workers that saw the same 401 from logging in again.
    let (users, workers, ttl) = (40, 4, Duration::from_millis(250));
    let platform = platform(
        Duration::from_millis(10),
        Duration::from_millis(30),
        Some(ttl),
    );
    let config = admin_config(&platform, None, workers);
    let manager = Arc::new(config.build_manager().expect("valid settings"));

    let outcome = run::run(
        users,
        workers,
        Arc::clone(&manager),
        &config,
        Some(&platform),
        Display::Plain,
    )
    .expect("the run starts");
    print_outcome(&outcome);

    assert!(outcome.passed(), "{:#?}", outcome.checks);
    assert_eq!(outcome.shared.created, users);
    assert!(
        outcome.shared.retried >= 1,
        "some call met an expired session"
    );
    assert!(
        outcome.shared.logins >= 3,
        "{} logins",
        outcome.shared.logins
    );
    let records = manager.authenticator().logins();
    assert!(
        records.iter().rev().skip(1).all(|r| r.rejected.is_some()),
        "every session but the last was replaced because the platform refused it"
    );
    assert_eq!(
        outcome.session_stats.invalidations,
        outcome.shared.logins - 1,
        "one invalidation per expiry: the other workers' 401s on the same session dropped nothing"
    );
    assert_each_user_once(&platform, 2 * users);
}

#[test]
fn an_external_server_is_provisioned_and_checked_over_http_alone() {
    // `--server`: the run cannot look inside the platform, so usernames get a run tag and the
    // checks ask the API; this test can still look inside.
    let (users, workers) = (20, 4);
    let platform = platform(Duration::from_millis(5), Duration::ZERO, None);
    let config = admin_config(&platform, None, workers);
    let manager = Arc::new(config.build_manager().expect("valid settings"));

    let outcome =
        run::run(users, workers, manager, &config, None, Display::Plain).expect("the run starts");
    print_outcome(&outcome);

    assert!(outcome.passed(), "{:#?}", outcome.checks);
    assert!(
        outcome.checks.iter().all(|c| !c.what.contains("labs")),
        "no look inside"
    );
    assert_eq!(outcome.shared.logins, 1);
    assert_each_user_once(&platform, 2 * users);
    assert!(
        platform
            .usernames()
            .iter()
            .all(|u| u.len() > "student0001".len()),
        "tagged names"
    );
}

#[test]
fn workers_starting_on_connections_opened_one_at_a_time_are_never_left_unread() {
    // tiny_http 0.12 left one of eight connections opened at once to a fresh server unread
    // (until the client's timeout) in most tries; opened one at a time, none is.
    for _ in 0..10 {
        let platform = platform(Duration::ZERO, Duration::ZERO, None);
        let client = PnetClient::new(platform.url(), 8);
        client.open_connections(8).expect("the platform answers");
        let start = Arc::new(Barrier::new(8));
        let workers: Vec<_> = (0..8)
            .map(|_| {
                let (client, start) = (client.clone(), Arc::clone(&start));
                std::thread::spawn(move || {
                    start.wait();
                    (0..3).try_for_each(|_| client.login("admin", "pnet").map(drop))
                })
            })
            .collect();
        for worker in workers {
            worker
                .join()
                .expect("no panic")
                .expect("every login answered");
        }
        assert_eq!(platform.stats().logins, 24);
    }
}

#[test]
fn the_platform_refuses_duplicates_and_dead_sessions() {
    let platform = platform(Duration::ZERO, Duration::ZERO, None);
    let client = PnetClient::new(platform.url(), 1);
    assert!(matches!(
        client.login("admin", "wrong"),
        Err(ApiError::Status { code: 400, .. })
    ));

    let cookie = client.login("admin", "pnet").expect("good credentials");
    let info = client.session_info(&cookie).expect("a live session");
    assert_eq!(info["username"], "admin");
    let user = NewUser::student("student0001".to_owned());
    client.create_user(&cookie, &user).expect("a new user");
    assert!(matches!(
        client.create_user(&cookie, &user),
        Err(ApiError::Conflict(_))
    ));
    client
        .create_lab(&cookie, &user.username, provision::LAB_NAME)
        .expect("a lab in the user's folder");
    assert!(matches!(
        client.create_lab(&cookie, &user.username, provision::LAB_NAME),
        Err(ApiError::Conflict(_))
    ));
    assert!(matches!(
        client.create_lab(&cookie, "nobody", provision::LAB_NAME),
        Err(ApiError::Status { code: 404, .. })
    ));
    assert_eq!(
        client.list_users(&cookie).expect("listed"),
        vec!["student0001".to_owned()]
    );

    client.logout(&cookie).expect("logged out");
    assert!(matches!(
        client.session_info(&cookie),
        Err(ApiError::Unauthorized)
    ));

    let stats = platform.stats();
    assert_eq!(
        (stats.logins, stats.logouts, stats.users, stats.labs),
        (1, 1, 1, 1)
    );
    assert_eq!((stats.unauthorized, stats.conflicts), (1, 2));
    assert!(stats.to_string().contains("1 logins, 1 logouts"));

    let short = self::platform(
        Duration::ZERO,
        Duration::ZERO,
        Some(Duration::from_millis(50)),
    );
    let client = PnetClient::new(short.url(), 1);
    let cookie = client.login("admin", "pnet").expect("good credentials");
    std::thread::sleep(Duration::from_millis(100));
    assert!(
        matches!(client.session_info(&cookie), Err(ApiError::Unauthorized)),
        "expired"
    );
    assert_eq!(short.stats().unauthorized, 1);
}

#[test]
fn flags_parse_and_nonsense_is_a_typed_error() {
    let options = args::parse([
        "--users",
        "40",
        "--workers=4",
        "--token-ttl",
        "1.5s",
        "--check",
    ])
    .expect("valid flags");
    assert_eq!((options.users, options.workers), (40, 4));
    assert_eq!(options.token_ttl, Some(Duration::from_millis(1500)));
    assert!(options.check && !options.help);
    let options = args::parse([
        "--login-latency",
        "250ms",
        "--api-latency",
        "0ms",
        "--server",
        "http://pnet.lab",
    ])
    .expect("valid flags");
    assert_eq!(options.login_latency, Duration::from_millis(250));
    assert_eq!(options.api_latency, Duration::ZERO);
    assert_eq!(options.server.as_deref(), Some("http://pnet.lab"));
    assert!(args::parse(["-h"]).expect("help").help);
    assert!(args::USAGE.contains("--token-ttl"));

    use args::ArgsError::*;
    let error = |argv: &[&str]| args::parse(argv.iter().copied()).unwrap_err();
    assert!(matches!(
        error(&["--users", "0"]),
        BadCount {
            flag: "--users",
            ..
        }
    ));
    assert!(matches!(
        error(&["--workers", "many"]),
        BadCount {
            flag: "--workers",
            ..
        }
    ));
    assert!(matches!(error(&["--token-ttl", "5"]), BadDuration { .. }));
    assert!(matches!(error(&["--token-ttl", "2h"]), BadDuration { .. }));
    assert!(matches!(error(&["--token-ttl", "0s"]), ZeroTokenTtl));
    assert!(matches!(
        error(&["--login-latency", "-1s"]),
        BadDuration { .. }
    ));
    assert!(matches!(
        error(&["--server", "https://pnet.lab"]),
        BadServer(_)
    ));
    assert!(matches!(error(&["--users"]), MissingValue("--users")));
    assert!(matches!(error(&["--check=yes"]), Unknown(_)));
    assert!(matches!(error(&["--frobnicate"]), Unknown(_)));
}

#[test]
fn a_login_while_the_session_had_life_left_fails_the_login_check() {
    let (ttl, buffer) = (Duration::from_secs(1), Duration::from_millis(100));
    let t0 = std::time::Instant::now();
    let at = |ms: u64| t0 + Duration::from_millis(ms);
    let login = |serial: usize, sent: u64, rejected: Option<u64>| auth::LoginRecord {
        serial,
        sent: at(sent),
        expires: Some(at(sent) + ttl),
        rejected: rejected.map(at),
    };

    // Refreshed inside the buffer, then replaced after a 401: one login per lifetime.
    let due = [
        login(0, 0, None),
        login(1, 950, Some(1500)),
        login(2, 1500, None),
    ];
    let check = check::one_login_per_lifetime(&due, buffer);
    assert!(check.passed, "{}", check.what);
    assert_eq!(check::lifetimes(&due, buffer).lifetimes, 3);

    // A second login 10 ms after the first (two callers racing past a single flight).
    let wasted = [login(0, 0, None), login(1, 10, None), login(2, 960, None)];
    let check = check::one_login_per_lifetime(&wasted, buffer);
    assert!(!check.passed, "{}", check.what);
    assert!(
        check.what.contains("login #1 was sent with 990.0 ms left"),
        "{}",
        check.what
    );
    assert_eq!(check::lifetimes(&wasted, buffer).lifetimes, 2);
}

#[test]
fn processes_need_a_redis_url_to_share_the_session_through() {
    let options = args::parse(["--processes", "4", "--redis", "redis://127.0.0.1:6379/"])
        .expect("valid flags");
    assert_eq!(options.processes, 4);
    assert_eq!(options.redis.as_deref(), Some("redis://127.0.0.1:6379/"));
    let member = args::parse([
        "--fleet-member",
        "2",
        "--fleet-tag",
        "run7",
        "--redis",
        "redis://pnet-cache/",
    ])
    .expect("valid flags");
    assert_eq!(member.fleet_member, Some(2));
    assert_eq!(member.fleet_tag.as_deref(), Some("run7"));
    assert!(args::USAGE.contains("--processes"));
    assert!(matches!(
        args::parse(["--processes", "2"]),
        Err(args::ArgsError::ProcessesWithoutRedis)
    ));
    assert!(matches!(
        args::parse(["--redis", "http://pnet-cache"]),
        Err(args::ArgsError::BadRedis(_))
    ));
}

#[cfg(feature = "redis")]
#[test]
fn the_session_codec_carries_the_cookie_between_processes() {
    use selvedge_session::SessionCodec;
    let session = auth::PnetCodec.decode(b"4f2a").expect("a cookie is UTF-8");
    assert_eq!(session.cookie().value(), "4f2a");
    assert_eq!(auth::PnetCodec.encode(&session), b"4f2a");
    assert!(auth::PnetCodec.decode(&[0xff]).is_err());
}
