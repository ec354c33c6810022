//! `ensure` on a live session, beside a raw arc-swap load, on 1 and 2 threads.
//!
//! Contenders measured in the same run:
//! - `SessionManager::ensure` on a session that never expires (a load and an `Arc` clone) and
//!   on one that expires in an hour (plus a coarse-clock read), `ensure_with` (the same without
//!   the clone), and `ensure` through a `GlobalSession`;
//! - arc-swap `load` (a guard, no clone: the floor every "current value" read pays) and
//!   `load_full` (the load plus the `Arc` clone that `ensure` hands out too);
//! - the seed's pattern: a `Mutex<Option<Arc<Session>>>` locked and cloned on every call.
//!
//! On 2 threads a second thread runs the same operation on the same value while the first is
//! timed, so cache-line sharing (the `Arc` count, the mutex word) shows.
//!
//! Run: `cargo bench -p selvedge-session --bench ensure`.

use std::sync::{Arc, LazyLock, Mutex};
use std::time::Duration;

use arc_swap::ArcSwapOption;
use criterion::{BenchmarkId, Criterion, criterion_group, criterion_main};
use selvedge_session::{Authenticator, BuildError, GlobalSession, Login, SessionManager};

#[derive(Debug)]
struct Session {
    token: u64,
}

/// Logs in at once; `ttl: None` never expires.
struct Instant0 {
    ttl: Option<Duration>,
}

impl Authenticator for Instant0 {
    type Session = Session;
    type Error = std::io::Error;

    fn login(&self) -> std::io::Result<Login<Session>> {
        let login = Login::new(Session { token: 1 });
        Ok(match self.ttl {
            Some(ttl) => login.expires_in(ttl),
            None => login,
        })
    }
}

fn hourly() -> Result<SessionManager<Instant0>, BuildError> {
    SessionManager::builder(Instant0 {
        ttl: Some(Duration::from_secs(3600)),
    })
    .build()
}

static NEVER_EXPIRES: LazyLock<SessionManager<Instant0>> = LazyLock::new(|| {
    SessionManager::builder(Instant0 { ttl: None })
        .build()
        .expect("valid settings")
});
static EXPIRES: LazyLock<SessionManager<Instant0>> =
    LazyLock::new(|| hourly().expect("valid settings"));
static GLOBAL: GlobalSession<Instant0> = GlobalSession::new("bench", hourly);
static ARC_SWAP: LazyLock<ArcSwapOption<Session>> =
    LazyLock::new(|| ArcSwapOption::from_pointee(Session { token: 1 }));
static SEED_MUTEX: Mutex<Option<Arc<Session>>> = Mutex::new(None);

/// One read of the current session; it returns the token so the read cannot be optimised away.
type Read = fn() -> u64;

fn contenders() -> Vec<(&'static str, Read)> {
    vec![
        ("selvedge ensure (never expires)", || {
            NEVER_EXPIRES.ensure().map_or(0, |s| s.token)
        }),
        ("selvedge ensure (expires in 1 h)", || {
            EXPIRES.ensure().map_or(0, |s| s.token)
        }),
        ("selvedge ensure_with (never expires)", || {
            NEVER_EXPIRES.ensure_with(|s| s.token).unwrap_or(0)
        }),
        ("selvedge ensure_with (expires in 1 h)", || {
            EXPIRES.ensure_with(|s| s.token).unwrap_or(0)
        }),
        ("selvedge GlobalSession::ensure (1 h)", || {
            GLOBAL.ensure().map_or(0, |s| s.token)
        }),
        ("arc-swap load (guard)", || {
            ARC_SWAP.load().as_ref().map_or(0, |s| s.token)
        }),
        ("arc-swap load_full", || {
            ARC_SWAP.load_full().map_or(0, |s| s.token)
        }),
        ("seed Mutex<Option<Arc>>", || {
            SEED_MUTEX
                .lock()
                .expect("never poisoned")
                .clone()
                .map_or(0, |s| s.token)
        }),
    ]
}

fn initialise() {
    NEVER_EXPIRES.ensure().expect("logs in");
    EXPIRES.ensure().expect("logs in");
    GLOBAL.ensure().expect("logs in");
    *SEED_MUTEX.lock().expect("never poisoned") = Some(Arc::new(Session { token: 1 }));
    let _ = ARC_SWAP.load().is_some();
}

/// Times `iters` calls of `read` while `others` more threads call it in a loop.
fn bench_ensure(c: &mut Criterion) {
    initialise();
    for threads in [1, 2] {
        let mut group = c.benchmark_group(format!("ensure/{threads}-thread"));
        group
            .warm_up_time(Duration::from_millis(500))
            .measurement_time(Duration::from_secs(2))
            .sample_size(30);
        for (name, read) in contenders() {
            group.bench_function(BenchmarkId::from_parameter(name), |b| {
                b.iter_custom(|iters| selvedge_testkit::timed_beside(iters, threads - 1, read));
            });
        }
        group.finish();
    }
    // The hot path must never have logged in again.
    assert_eq!(NEVER_EXPIRES.stats().logins, 1);
    assert_eq!(EXPIRES.stats().logins, 1);
}

criterion_group!(benches, bench_ensure);
criterion_main!(benches);
