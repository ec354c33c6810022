//! Loom models of the cross-process protocol over a `SessionStore`: two managers (two
//! "processes", sharing nothing but the store) racing their first `ensure` log in once, and
//! their stale rejections of the same session cause one new login, both ending on it.
//!
//! Run exhaustively with
//! `RUSTFLAGS="--cfg selvedge_loom" LOOM_MAX_PREEMPTIONS=2 CARGO_TARGET_DIR=target/loom
//! cargo test --release -p selvedge-session --test loom shared_store::`; a normal `cargo test`
//! runs the same bodies many times on real threads.
//!
//! What these models cannot check: the store here is memory behind a facade mutex with the
//! same rules as `RedisStore` (a lease taken only when free and released only by its holder, a
//! publication only under the lease, an invalidation only of the rejected generation), but no
//! lease expiry (loom has no clock; a flight polling for another's lease yields instead of
//! sleeping). Lease expiry, a crashed holder, Redis itself and real processes are tested in
//! `tests/it/redis_store.rs` against a real `redis-server`.

use std::time::{Duration, SystemTime};

use selvedge_locks::sync::atomic::{AtomicUsize, Ordering};
use selvedge_locks::sync::{Arc, PlainMutex};
use selvedge_session::{
    Authenticator, Lease, Login, RetryPolicy, SessionManager, SessionStore, Shared, StoreError,
};
use selvedge_testkit::{model, thread};

/// The store's state: what Redis holds under one prefix.
struct State {
    session: Option<Shared<usize>>,
    generations: u64,
    lease: Option<u128>,
    tokens: u128,
}

/// A store in memory, shared by the managers of one model.
#[derive(Clone)]
struct MemoryStore(Arc<PlainMutex<State>>);

impl MemoryStore {
    fn new() -> Self {
        Self(Arc::new(PlainMutex::new(State {
            session: None,
            generations: 0,
            lease: None,
            tokens: 0,
        })))
    }
}

impl SessionStore<usize> for MemoryStore {
    fn load(&self, newer_than: u64) -> Result<Option<Shared<usize>>, StoreError> {
        let state = self.0.lock();
        Ok(state.session.clone().filter(|s| s.generation > newer_than))
    }

    fn try_lease(&self) -> Result<Option<Lease>, StoreError> {
        let mut state = self.0.lock();
        if state.lease.is_some() {
            return Ok(None);
        }
        state.tokens += 1;
        let token = state.tokens;
        state.lease = Some(token);
        Ok(Some(Lease::new(token)))
    }

    fn publish(
        &self,
        lease: &Lease,
        session: &usize,
        expires_at: Option<SystemTime>,
    ) -> Result<Option<u64>, StoreError> {
        let mut state = self.0.lock();
        if state.lease != Some(lease.token()) {
            return Ok(None);
        }
        state.generations += 1;
        let generation = state.generations;
        state.session = Some(Shared {
            session: *session,
            generation,
            expires_at,
        });
        Ok(Some(generation))
    }

    fn release(&self, lease: Lease) -> Result<(), StoreError> {
        let mut state = self.0.lock();
        if state.lease == Some(lease.token()) {
            state.lease = None;
        }
        Ok(())
    }

    fn invalidate_if_current(&self, generation: u64) -> Result<bool, StoreError> {
        let mut state = self.0.lock();
        let current = state
            .session
            .as_ref()
            .is_some_and(|s| s.generation == generation);
        if current {
            state.session = None;
        }
        Ok(current)
    }
}

/// Numbered sessions from a login counter every "process" of the model shares (the platform).
struct Platform {
    logins: Arc<AtomicUsize>,
}

impl Authenticator for Platform {
    type Session = usize;
    type Error = std::io::Error;

    fn login(&self) -> std::io::Result<Login<usize>> {
        Ok(Login::new(self.logins.fetch_add(1, Ordering::SeqCst) + 1))
    }
}

fn process(store: &MemoryStore, logins: &Arc<AtomicUsize>) -> Arc<SessionManager<Platform>> {
    let auth = Platform {
        logins: logins.clone(),
    };
    let manager = SessionManager::builder(auth)
        .login_timeout(Duration::from_secs(3600))
        .retry(RetryPolicy::none())
        .store(store.clone())
        .build()
        .expect("valid settings");
    Arc::new(manager)
}

#[test]
fn two_processes_racing_their_first_ensure_log_in_once() {
    model(|| {
        let (store, logins) = (MemoryStore::new(), Arc::new(AtomicUsize::new(0)));
        let (a, b) = (process(&store, &logins), process(&store, &logins));
        let racer = thread::spawn(move || *b.ensure().unwrap());
        let mine = *a.ensure().unwrap();
        let theirs = racer.join().unwrap();
        assert_eq!((mine, theirs), (1, 1));
        assert_eq!(logins.load(Ordering::SeqCst), 1);
    });
}

#[test]
fn stale_rejections_in_two_processes_cause_one_new_login() {
    model(|| {
        let (store, logins) = (MemoryStore::new(), Arc::new(AtomicUsize::new(0)));
        let (a, b) = (process(&store, &logins), process(&store, &logins));
        let (seen_by_a, seen_by_b) = (a.ensure().unwrap(), b.ensure().unwrap());
        assert_eq!((*seen_by_a, *seen_by_b), (1, 1));
        let racer = thread::spawn(move || {
            b.invalidate_if_current(&seen_by_b);
            *b.ensure().unwrap()
        });
        a.invalidate_if_current(&seen_by_a);
        let mine = *a.ensure().unwrap();
        let theirs = racer.join().unwrap();
        assert_eq!((mine, theirs), (2, 2));
        assert_eq!(logins.load(Ordering::SeqCst), 2);
    });
}
