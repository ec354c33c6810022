//! `RedisStore` against a real `redis-server` on loopback, started by the tests themselves
//! (a free port, no persistence, killed on drop): one login for 4 processes of 50 threads,
//! refresh and expiry across managers, invalidation by generation, a lease holder killed
//! mid-login, a login that outlived its lease, a panicking login, Redis stopped mid-run and a
//! server that never answers.
//!
//! The multi-process tests run this test binary again as child processes
//! (`child_process`, steered by `SELVEDGE_REDIS_CHILD`); logins are counted in Redis, where
//! every process sees the same counter. The other tests give each simulated process its own
//! manager and store (its own connection): they share nothing but Redis, as processes do.
//!
//! Without `redis-server` on `PATH` every test prints a loud message and passes; CI installs
//! it (`cargo xtask setup`).
#![cfg(feature = "redis")]

use std::io::{BufRead, BufReader};
use std::net::TcpListener;
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::{Arc, Barrier};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use redis::Commands;
use selvedge_session::{
    Authenticator, Login, RedisStore, SessionError, SessionManager, StoreFallback, StringCodec,
};

/// The scenario a child process runs (`crowd` or `hang`).
const CHILD: &str = "SELVEDGE_REDIS_CHILD";
/// The Redis URL a child uses.
const CHILD_URL: &str = "SELVEDGE_REDIS_URL";
/// When a child's threads start, in Unix ms, so that the processes start together.
const CHILD_START: &str = "SELVEDGE_REDIS_START";
/// The key prefix every process of one test shares.
const PREFIX: &str = "test:admin";
/// Where the logins are counted.
const LOGINS: &str = "test:logins";

/// A `redis-server` on a free loopback port, without persistence; killed on drop.
struct RedisServer {
    child: Option<Child>,
    port: u16,
}

impl RedisServer {
    /// A fresh server, or `None` (after a loud message) where `redis-server` is not installed.
    fn start() -> Option<Self> {
        if Command::new("redis-server")
            .arg("--version")
            .stdout(Stdio::null())
            .status()
            .is_err()
        {
            eprintln!(
                "\n!!! redis-server is not installed: the RedisStore tests are SKIPPED.\n\
                 !!! Install it with `cargo xtask setup` (or `apt-get install redis-server`).\n"
            );
            return None;
        }
        let port = TcpListener::bind("127.0.0.1:0")
            .and_then(|listener| listener.local_addr())
            .expect("a free port")
            .port();
        let mut server = Self { child: None, port };
        server.restart();
        Some(server)
    }

    /// Starts the server (again) on its port, with no data, and waits until it answers.
    fn restart(&mut self) {
        let child = Command::new("redis-server")
            .args(["--port", &self.port.to_string(), "--bind", "127.0.0.1"])
            .args(["--save", "", "--appendonly", "no", "--loglevel", "warning"])
            .stdout(Stdio::null())
            .spawn()
            .expect("redis-server starts");
        self.child = Some(child);
        let deadline = Instant::now() + Duration::from_secs(5);
        loop {
            let answered = redis::Client::open(self.url())
                .and_then(|client| client.get_connection_with_timeout(Duration::from_secs(1)))
                .and_then(|mut connection| redis::cmd("PING").query::<String>(&mut connection));
            if answered.is_ok() {
                return;
            }
            assert!(Instant::now() < deadline, "redis-server did not start");
            std::thread::sleep(Duration::from_millis(10));
        }
    }

    /// Kills the server (as a crash would: no shutdown, no save).
    fn stop(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }

    fn url(&self) -> String {
        format!("redis://127.0.0.1:{}/", self.port)
    }

    fn connection(&self) -> redis::Connection {
        redis::Client::open(self.url())
            .and_then(|client| client.get_connection_with_timeout(Duration::from_secs(1)))
            .expect("the test's own connection")
    }

    fn logins(&self) -> u32 {
        self.connection()
            .get::<_, Option<u32>>(LOGINS)
            .expect("reads the counter")
            .unwrap_or(0)
    }
}

impl Drop for RedisServer {
    fn drop(&mut self) {
        self.stop();
    }
}

/// Where a test's authenticator counts its logins.
#[derive(Clone)]
enum Counter {
    /// In Redis: seen by every process.
    Redis(String),
    /// In this process: for tests that stop Redis.
    Local(Arc<AtomicU32>),
}

/// Logs in after `delay` (or never, with `hang`; or panics, with `panic`), issuing `token-N`
/// for the N-th login.
struct Platform {
    counter: Counter,
    delay: Duration,
    ttl: Option<Duration>,
    hang: bool,
    panic: bool,
}

impl Platform {
    fn new(counter: Counter) -> Self {
        Self {
            counter,
            delay: Duration::ZERO,
            ttl: None,
            hang: false,
            panic: false,
        }
    }
}

impl Authenticator for Platform {
    type Session = String;
    type Error = std::io::Error;

    fn login(&self) -> std::io::Result<Login<String>> {
        let number = match &self.counter {
            Counter::Redis(url) => redis::Client::open(url.as_str())
                .and_then(|client| client.get_connection_with_timeout(Duration::from_secs(1)))
                .and_then(|mut connection| connection.incr::<_, _, u32>(LOGINS, 1))
                .map_err(std::io::Error::other)?,
            Counter::Local(count) => count.fetch_add(1, Ordering::SeqCst) + 1,
        };
        std::thread::sleep(self.delay);
        assert!(!self.panic, "the platform's login handler panicked");
        if self.hang {
            // A login that never returns: the parent kills this process mid-login.
            loop {
                std::thread::park();
            }
        }
        let login = Login::new(format!("token-{number}"));
        Ok(match self.ttl {
            Some(ttl) => login.expires_in(ttl),
            None => login,
        })
    }
}

fn store(url: &str, lease_ttl: Duration) -> RedisStore<StringCodec> {
    RedisStore::builder(url, StringCodec)
        .prefix(PREFIX)
        .lease_ttl(lease_ttl)
        .timeout(Duration::from_millis(500))
        .build()
        .expect("valid store settings")
}

fn manager(url: &str, platform: Platform, login_timeout: Duration) -> SessionManager<Platform> {
    SessionManager::builder(platform)
        .login_timeout(login_timeout)
        .refresh_buffer(Duration::ZERO)
        .refresh_jitter(Duration::ZERO)
        .store(store(url, Duration::from_secs(2)))
        .build()
        .expect("valid settings")
}

fn unix_ms() -> u64 {
    let since = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .expect("after 1970");
    u64::try_from(since.as_millis()).expect("fits")
}

/// This binary again, running `child_process` as `scenario`.
fn spawn_child(scenario: &str, url: &str, start_ms: u64) -> Child {
    // The test's name as the harness knows it: its module path without the crate's name.
    let child_test = match module_path!().split_once("::") {
        Some((_, module)) => format!("{module}::child_process"),
        None => "child_process".to_owned(),
    };
    Command::new(std::env::current_exe().expect("the test binary"))
        .args([
            child_test.as_str(),
            "--exact",
            "--nocapture",
            "--test-threads=1",
        ])
        .env(CHILD, scenario)
        .env(CHILD_URL, url)
        .env(CHILD_START, start_ms.to_string())
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .expect("the child process starts")
}

/// The `RESULT` line a child printed, after it exits (killed if it runs past 10 s).
fn child_result(mut child: Child) -> String {
    let stdout = child.stdout.take().expect("piped");
    let deadline = Instant::now() + Duration::from_secs(10);
    let reader = std::thread::spawn(move || {
        BufReader::new(stdout)
            .lines()
            .map_while(Result::ok)
            // Read to the end, so that the child never writes into a closed pipe. libtest may
            // print `test child_process ... ` on the same line first.
            .fold(None, |found, line| {
                found.or_else(|| {
                    line.split_once("RESULT ")
                        .map(|(_, result)| result.to_owned())
                })
            })
    });
    let status = loop {
        if let Some(status) = child.try_wait().expect("waits") {
            break status;
        }
        if Instant::now() > deadline {
            let _ = child.kill();
            panic!("a child process ran past 10 s");
        }
        std::thread::sleep(Duration::from_millis(10));
    };
    assert!(status.success(), "a child process failed: {status}");
    reader
        .join()
        .expect("the reader")
        .expect("the child printed its RESULT line")
}

/// The child side of the multi-process tests; does nothing in a normal run.
#[test]
fn child_process() {
    let Ok(scenario) = std::env::var(CHILD) else {
        return;
    };
    let url = std::env::var(CHILD_URL).expect("the parent gives the URL");
    let start: u64 = std::env::var(CHILD_START)
        .expect("the parent gives the start")
        .parse()
        .expect("a number");
    let mut platform = Platform::new(Counter::Redis(url.clone()));
    match scenario.as_str() {
        // 50 threads call `ensure` at once; the login takes 300 ms so that the processes
        // overlap.
        "crowd" => {
            platform.delay = Duration::from_millis(300);
            let admin = manager(&url, platform, Duration::from_secs(8));
            std::thread::sleep(Duration::from_millis(start.saturating_sub(unix_ms())));
            let barrier = Barrier::new(50);
            let tokens: Vec<String> = std::thread::scope(|s| {
                let workers: Vec<_> = (0..50)
                    .map(|_| {
                        s.spawn(|| {
                            barrier.wait();
                            admin.ensure().expect("ensure succeeds").to_string()
                        })
                    })
                    .collect();
                workers
                    .into_iter()
                    .map(|w| w.join().expect("no panic"))
                    .collect()
            });
            let first = &tokens[0];
            assert!(tokens.iter().all(|token| token == first), "{tokens:?}");
            let stats = admin.stats();
            println!(
                "RESULT {first} logins={} adoptions={}",
                stats.logins, stats.adoptions
            );
        }
        // Takes the lease, counts its login and hangs: the parent kills it mid-login.
        "hang" => {
            platform.hang = true;
            let admin = manager(&url, platform, Duration::from_secs(60));
            println!("RESULT started");
            let _never = admin.ensure();
            unreachable!("the hanging login never returns");
        }
        other => panic!("unknown scenario {other}"),
    }
}

#[test]
fn four_processes_of_fifty_threads_log_in_once() {
    let Some(server) = RedisServer::start() else {
        return;
    };
    let start = unix_ms() + 700;
    let children: Vec<Child> = (0..4)
        .map(|_| spawn_child("crowd", &server.url(), start))
        .collect();
    let results: Vec<String> = children.into_iter().map(child_result).collect();
    let mut logins = 0;
    for result in &results {
        let mut fields = result.split(' ');
        assert_eq!(fields.next(), Some("token-1"), "{results:?}");
        let made: u32 = fields
            .next()
            .and_then(|f| f.strip_prefix("logins="))
            .and_then(|n| n.parse().ok())
            .expect("a login count");
        logins += made;
    }
    println!("logins per process: {results:?}");
    assert_eq!(logins, 1, "{results:?}");
    assert_eq!(server.logins(), 1);
}

#[test]
fn a_refresh_in_one_process_reaches_the_others() {
    let Some(server) = RedisServer::start() else {
        return;
    };
    let url = server.url();
    let refreshing = |name: &'static str| {
        let mut platform = Platform::new(Counter::Redis(url.clone()));
        platform.ttl = Some(Duration::from_millis(1200));
        SessionManager::builder(platform)
            .name(name)
            .login_timeout(Duration::from_secs(3))
            .refresh_buffer(Duration::from_millis(600))
            .refresh_jitter(Duration::ZERO)
            .store(store(&url, Duration::from_secs(2)))
            .build()
            .expect("valid settings")
    };
    let (a, b) = (refreshing("a"), refreshing("b"));
    assert_eq!(*a.ensure().expect("logs in"), "token-1");
    assert_eq!(*b.ensure().expect("adopts"), "token-1");
    let ttl: i64 = server.connection().pttl(PREFIX).expect("reads the TTL");
    assert!(
        ttl > 0 && ttl <= 1200,
        "the key expires with the session: {ttl}"
    );

    std::thread::sleep(Duration::from_millis(650)); // past the refresh point, still live
    assert_eq!(*a.ensure().expect("refreshes"), "token-2");
    assert_eq!(*b.ensure().expect("adopts the refresh"), "token-2");
    assert_eq!(server.logins(), 2);
    assert_eq!((a.stats().refreshes, b.stats().logins), (1, 0));
    assert_eq!(b.stats().adoptions, 2);
}

#[test]
fn an_expired_session_is_replaced_once_for_every_process() {
    let Some(server) = RedisServer::start() else {
        return;
    };
    let url = server.url();
    let expiring = || {
        let mut platform = Platform::new(Counter::Redis(url.clone()));
        platform.ttl = Some(Duration::from_millis(300));
        manager(&url, platform, Duration::from_secs(3))
    };
    let (a, b) = (expiring(), expiring());
    assert_eq!(*a.ensure().expect("logs in"), "token-1");
    assert_eq!(*b.ensure().expect("adopts"), "token-1");
    std::thread::sleep(Duration::from_millis(350));
    let gone: bool = server.connection().exists(PREFIX).expect("reads");
    assert!(!gone, "Redis dropped the key with the session");
    assert_eq!(*b.ensure().expect("logs in again"), "token-2");
    assert_eq!(*a.ensure().expect("adopts"), "token-2");
    assert_eq!(server.logins(), 2);
}

#[test]
fn a_stale_rejection_never_drops_a_session_another_process_just_fetched() {
    let Some(server) = RedisServer::start() else {
        return;
    };
    let url = server.url();
    let platform = || Platform::new(Counter::Redis(url.clone()));
    let a = manager(&url, platform(), Duration::from_secs(3));
    let b = manager(&url, platform(), Duration::from_secs(3));
    let seen_by_a = a.ensure().expect("logs in");
    let seen_by_b = b.ensure().expect("adopts");
    assert_eq!(
        (seen_by_a.as_str(), seen_by_b.as_str()),
        ("token-1", "token-1")
    );

    // A gets a 401 and logs in again.
    assert!(a.invalidate_if_current(&seen_by_a));
    assert_eq!(*a.ensure().expect("logs in again"), "token-2");
    let generation: String = server
        .connection()
        .hget(PREFIX, "generation")
        .expect("reads");

    // B's 401 on token-1 arrives late: it drops B's copy, not A's new session in Redis.
    assert!(b.invalidate_if_current(&seen_by_b));
    let still: String = server
        .connection()
        .hget(PREFIX, "generation")
        .expect("reads");
    assert_eq!(still, generation);
    assert_eq!(*b.ensure().expect("adopts token-2"), "token-2");
    assert_eq!(server.logins(), 2);
    assert_eq!(b.stats().logins, 0);
}

#[test]
fn a_crashed_lease_holder_is_taken_over_after_the_lease_expires() {
    let Some(server) = RedisServer::start() else {
        return;
    };
    let url = server.url();
    let mut holder = spawn_child("hang", &url, 0);
    let deadline = Instant::now() + Duration::from_secs(5);
    while server.logins() == 0 {
        assert!(
            Instant::now() < deadline,
            "the holder never started its login"
        );
        std::thread::sleep(Duration::from_millis(10));
    }
    let login_timeout = Duration::from_secs(3);
    // The holder's lease lasts 2 s (`manager`); it dies mid-login without releasing it.
    let others = manager(
        &url,
        Platform::new(Counter::Redis(url.clone())),
        login_timeout,
    );
    let results: Vec<(Result<String, String>, Duration)> = std::thread::scope(|s| {
        let workers: Vec<_> = (0..4)
            .map(|_| {
                s.spawn(|| {
                    let started = Instant::now();
                    let got = others.ensure().map(|t| t.to_string());
                    (got.map_err(|e| e.to_string()), started.elapsed())
                })
            })
            .collect();
        holder.kill().expect("kills the holder");
        holder.wait().expect("reaps it");
        workers
            .into_iter()
            .map(|w| w.join().expect("no panic"))
            .collect()
    });
    for (got, waited) in &results {
        assert_eq!(got.as_deref(), Ok("token-2"), "{results:?}");
        assert!(*waited < login_timeout, "waited {waited:?}, past the bound");
    }
    assert_eq!(server.logins(), 2);
    assert_eq!(others.stats().logins, 1);
}

#[test]
fn redis_stopped_mid_run_gives_typed_errors_then_recovers() {
    let Some(mut server) = RedisServer::start() else {
        return;
    };
    let url = server.url();
    let count = Arc::new(AtomicU32::new(0));
    let platform = || Platform::new(Counter::Local(count.clone()));
    let a = manager(&url, platform(), Duration::from_secs(3));
    let held = a.ensure().expect("logs in");

    server.stop();
    // The hot path never touches Redis: the live session is still handed out.
    assert!(std::sync::Arc::ptr_eq(&held, &a.ensure().expect("cached")));
    // A login needs Redis: a typed error, quickly.
    let b = manager(&url, platform(), Duration::from_secs(3));
    let started = Instant::now();
    match b.ensure() {
        Err(SessionError::Store(error)) => assert!(error.is_unavailable(), "{error:?}"),
        other => panic!("expected a store error, got {other:?}"),
    }
    assert!(started.elapsed() < Duration::from_secs(2));
    assert!(a.invalidate_if_current(&held));
    assert!(matches!(a.ensure(), Err(SessionError::Store(_))));
    // Chosen in the builder: log in for this process alone.
    let local = SessionManager::builder(platform())
        .store(store(&url, Duration::from_secs(2)))
        .store_fallback(StoreFallback::LoginLocally)
        .build()
        .expect("valid settings");
    assert_eq!(*local.ensure().expect("logs in locally"), "token-2");
    assert_eq!(count.load(Ordering::SeqCst), 2);

    server.restart(); // empty: it kept nothing
    assert_eq!(*b.ensure().expect("recovers"), "token-3");
    assert_eq!(*a.ensure().expect("adopts"), "token-3");
    assert_eq!(a.stats().adoptions, 1);
    assert_eq!(count.load(Ordering::SeqCst), 3);
}

#[test]
fn a_server_that_never_answers_is_a_timeout_not_a_hang() {
    // Accepts connections into its backlog and never replies.
    let silent = TcpListener::bind("127.0.0.1:0").expect("binds");
    let url = format!("redis://{}/", silent.local_addr().expect("an address"));
    let store = RedisStore::builder(url.as_str(), StringCodec)
        .timeout(Duration::from_millis(200))
        .build()
        .expect("valid settings");
    let count = Arc::new(AtomicU32::new(0));
    let admin = SessionManager::builder(Platform::new(Counter::Local(count.clone())))
        .store(store)
        .build()
        .expect("valid settings");
    let started = Instant::now();
    match admin.ensure() {
        Err(SessionError::Store(error)) => assert!(error.is_unavailable(), "{error:?}"),
        other => panic!("expected a store error, got {other:?}"),
    }
    assert!(
        started.elapsed() < Duration::from_secs(2),
        "{:?}",
        started.elapsed()
    );
    assert_eq!(
        count.load(Ordering::SeqCst),
        0,
        "no login without the store"
    );
    drop(silent); // listened until here
}

#[test]
fn a_login_that_outlived_its_lease_is_not_published() {
    let Some(server) = RedisServer::start() else {
        return;
    };
    let url = server.url();
    let mut slow = Platform::new(Counter::Redis(url.clone()));
    slow.delay = Duration::from_millis(600);
    let a = SessionManager::builder(slow)
        .login_timeout(Duration::from_secs(3))
        .store(store(&url, Duration::from_millis(150)))
        .build()
        .expect("valid settings");
    let b = manager(
        &url,
        Platform::new(Counter::Redis(url.clone())),
        Duration::from_secs(3),
    );
    std::thread::scope(|s| {
        let late = s.spawn(|| a.ensure().expect("its own login").to_string());
        // A's lease has expired by now; B takes it over and publishes first.
        std::thread::sleep(Duration::from_millis(300));
        assert_eq!(*b.ensure().expect("logs in"), "token-2");
        // A's caller gets A's login, but Redis keeps B's.
        assert_eq!(late.join().expect("no panic"), "token-1");
    });
    let stored: Vec<u8> = server.connection().hget(PREFIX, "session").expect("reads");
    assert_eq!(stored, b"token-2");
    assert_eq!(*a.ensure().expect("adopts"), "token-2");
    assert_eq!(server.logins(), 2);
}

#[test]
fn a_panicking_login_releases_the_lease() {
    let Some(server) = RedisServer::start() else {
        return;
    };
    let url = server.url();
    let mut panicking = Platform::new(Counter::Redis(url.clone()));
    panicking.panic = true;
    // The lease would block B for 2 s, longer than B waits: only a release lets B in.
    let a = manager(&url, panicking, Duration::from_secs(3));
    let b = manager(
        &url,
        Platform::new(Counter::Redis(url.clone())),
        Duration::from_secs(1),
    );
    let panicked = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| a.ensure()));
    assert!(
        panicked.is_err(),
        "the authenticator's panic reaches its caller"
    );
    let lease: Option<String> = server
        .connection()
        .get(format!("{PREFIX}:lease"))
        .expect("reads");
    assert_eq!(lease, None, "released while unwinding");
    assert_eq!(*b.ensure().expect("logs in at once"), "token-2");
}
