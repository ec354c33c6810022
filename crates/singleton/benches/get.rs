//! `get` on an initialised global, beside its peers, on 1 and 2 threads.
//!
//! `Global::wait` and a `Global::with_value` global are read the same way (once_cell's
//! `OnceCell::wait` beside them). Peers measured in the same run: once_cell `Lazy` and std
//! `LazyLock` (a `&T`, never reset),
//! an arc-swap load (`load_full`, the same work as `Global::get`: the `Arc` is cloned out; and
//! `load`, a guard without the clone), and the seed's pattern, `Mutex<Option<Arc<T>>>` locked
//! and cloned. On 2 threads a second thread runs the same operation on the same global while
//! the first is timed, so cache-line sharing (the `Arc` count, the mutex word) shows.
//!
//! Run: `cargo bench -p selvedge-singleton --bench get`.

use std::sync::{Arc, LazyLock, Mutex};
use std::time::Duration;

use arc_swap::ArcSwapOption;
use criterion::{BenchmarkId, Criterion, criterion_group, criterion_main};
use selvedge_singleton::{Global, Lazy};

#[derive(Debug)]
struct Session {
    token: u64,
}

static GLOBAL: Global<Session> = Global::new();
static WITH_VALUE: Global<Session> = Global::with_value(Session { token: 1 });
static ONCE_CELL_WAIT: once_cell::sync::OnceCell<Session> =
    once_cell::sync::OnceCell::with_value(Session { token: 1 });
static ONCE_CELL: once_cell::sync::Lazy<Session> =
    once_cell::sync::Lazy::new(|| Session { token: 1 });
static SELVEDGE_LAZY: Lazy<Session> = Lazy::new(|| Session { token: 1 });
static STD_LAZY: LazyLock<Session> = LazyLock::new(|| Session { token: 1 });
static ARC_SWAP: LazyLock<ArcSwapOption<Session>> =
    LazyLock::new(|| ArcSwapOption::from_pointee(Session { token: 1 }));
static SEED_MUTEX: Mutex<Option<Arc<Session>>> = Mutex::new(None);

/// One read of a global; it returns the token so the read cannot be optimised away.
type Read = fn() -> u64;

/// One read of each contender, by name.
fn contenders() -> Vec<(&'static str, Read)> {
    vec![
        ("selvedge Global::get", || {
            GLOBAL.get().map_or(0, |s| s.token)
        }),
        ("selvedge Global::with", || {
            GLOBAL.with(|s| s.token).unwrap_or(0)
        }),
        ("selvedge Global::get_or_init", || {
            GLOBAL.get_or_init(|| Session { token: 1 }).token
        }),
        ("selvedge Global::wait", || GLOBAL.wait().token),
        ("selvedge Global::with_value get", || {
            WITH_VALUE.get().map_or(0, |s| s.token)
        }),
        ("once_cell OnceCell::wait", || ONCE_CELL_WAIT.wait().token),
        ("selvedge Lazy", || SELVEDGE_LAZY.token),
        ("once_cell Lazy", || ONCE_CELL.token),
        ("std LazyLock", || STD_LAZY.token),
        ("arc-swap load_full", || {
            ARC_SWAP.load_full().map_or(0, |s| s.token)
        }),
        ("arc-swap load (guard)", || {
            ARC_SWAP.load().as_ref().map_or(0, |s| s.token)
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
    GLOBAL.get_or_init(|| Session { token: 1 });
    *SEED_MUTEX.lock().expect("never poisoned") = Some(Arc::new(Session { token: 1 }));
    let _ = (
        ONCE_CELL.token,
        SELVEDGE_LAZY.token,
        STD_LAZY.token,
        ARC_SWAP.load().is_some(),
    );
}

/// Times `iters` calls of `read` while `others` more threads call it in a loop.
fn bench_get(c: &mut Criterion) {
    initialise();
    for threads in [1, 2] {
        let mut group = c.benchmark_group(format!("get/{threads}-thread"));
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
}

criterion_group!(benches, bench_get);
criterion_main!(benches);
