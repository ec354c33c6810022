//! [`Global`]: a resettable global instance with single-flight initialisation.
//!
//! # How it works
//!
//! The instance lives in an [`OptionArcCell`] (arc-swap in a normal build), so reading an
//! initialised `Global` is one lock-free load plus the `Arc` clone. Everything else (the first
//! initialisation, `set`, `replace`, `reset`) is the slow path and runs under one small mutex
//! that guards [`State`]; a condition variable wakes the threads that wait for an initialiser.
//! The mutex is never held while user code runs: neither the initialiser nor the `Drop` of an
//! instance.
//!
//! # State machine
//!
//! | `initializer` | cell | meaning | a caller of `get_or_init` |
//! | --- | --- | --- | --- |
//! | `None` | empty | uninitialised | becomes the initialiser |
//! | `Some(thread)` | empty | one initialiser runs | waits (panics if it *is* `thread`) |
//! | `None` | full | initialised | returns the instance (hot path, no lock) |
//! | `Some(thread)` | full | `set`/`replace` landed while an initialiser ran | returns the instance |
//!
//! `generation` counts the writes that do not come from the initialiser (`set`, `replace`,
//! `reset`). An initialiser remembers the generation it started in and publishes its instance
//! only if the generation is unchanged when it finishes. So an instance whose construction
//! began before a `reset` never becomes visible after that `reset`: the reset of a logged-out
//! session cannot be undone by a login that was already in flight. That stale instance is
//! handed to the initialiser's own caller only (see [`Global::reset`]).
//!
//! [`Global::reset_if_current`] is a `reset` that first checks, under the same mutex, that the
//! cell still holds the caller's instance (`Arc::ptr_eq`); [`Global::get_or_try_init_timeout`]
//! is `get_or_try_init` whose wait for a running initialiser is a timed condition-variable wait
//! (the only difference is that a waiter may leave; the state above is untouched by it).
//!
//! [`Global::with_value`] is `const`, but an `Arc` cannot be allocated in a `const`: the value
//! waits in `State::initial` (with `pending` set) and is moved into the cell, under the mutex,
//! by the first operation that finds the cell empty. A read that misses checks `pending` (one
//! load) before it concludes the global is empty, so a global built with a value is never seen
//! empty before its first `reset`. [`Global::wait`] is the initialiser's waiting loop without an
//! initialiser: it sleeps on the same condition variable until `set`, `replace` or an
//! initialiser stores an instance (each stores under the mutex, then notifies).
//!
//! `retired` is set when a [`GlobalMap`](crate::GlobalMap) removes the slot: callers that find
//! it set go back to the map instead of initialising an unreachable slot.

use std::convert::Infallible;
use std::fmt;
use std::panic::{self, AssertUnwindSafe, RefUnwindSafe, UnwindSafe};
use std::time::{Duration, Instant};

use selvedge_locks::sync::atomic::{AtomicBool, Ordering};
use selvedge_locks::sync::thread::{self, ThreadId};
use selvedge_locks::sync::{
    Arc, OptionArcCell, OptionArcCellGuard, PlainCondvar, PlainMutex, PlainMutexGuard,
};
use selvedge_trace::{events, targets};

use crate::{InstanceMut, TimedInitError, WaitTimeoutError};

/// The name events carry when a global was given none.
pub(crate) const UNNAMED: &str = "unnamed";

/// The slow-path state, guarded by [`Global`]'s mutex.
#[derive(Debug)]
struct State<T> {
    /// Incremented by `set`, `replace`, `reset` and retirement; an initialiser publishes only
    /// into the generation it started in.
    generation: u64,
    /// The thread running the initialiser, if one runs.
    initializer: Option<ThreadId>,
    /// The slot was removed from its `GlobalMap`; nothing initialises it any more.
    retired: bool,
    /// The value given to the `const` [`Global::with_value`], not yet moved into an `Arc`.
    initial: Option<T>,
}

/// What the slow path of an initialisation produced.
pub(crate) enum Outcome<T, E, F> {
    /// The instance every caller of this generation sees (or, after a racing `reset`, the
    /// initialiser's own unpublished instance).
    Ready(Arc<T>),
    /// The initialiser returned an error; nothing was stored.
    Failed(E),
    /// The slot was retired before the initialiser ran; here is the initialiser back.
    Retired(F),
    /// The caller's deadline passed while another initialiser ran; it waited this long.
    TimedOut(Duration),
}

/// A global instance of `T`, created on first use, replaceable and resettable, shared as
/// `Arc<T>`.
///
/// `Global` is for state that lives for the whole program but not necessarily as one instance:
/// an admin session that is dropped on logout and recreated on the next use, a configuration that
/// is reloaded, a client that is rebuilt after its server moves. For state that is never reset,
/// use [`Lazy`](crate::Lazy); for one instance per key, [`GlobalMap`](crate::GlobalMap); to
/// declare a global together with its initialiser, [`global!`](macro@crate::global).
///
/// # Guarantees
///
/// - **Single flight**: however many threads race on an uninitialised `Global`, exactly one
///   initialiser runs; the others wait and then return the same instance.
/// - **Fallible**: [`get_or_try_init`](Self::get_or_try_init) returns the initialiser's error to
///   its caller and caches nothing; the next caller runs its own initialiser.
/// - **Panic-safe**: if the initialiser panics, the panic goes to its caller, the waiters wake,
///   nothing is poisoned and the next caller initialises afresh. A
///   `singleton.init_failed` event is emitted for errors and panics alike.
/// - **No self-deadlock**: initialising a `Global` from inside its own initialiser (on the same
///   thread) panics with a message naming the global, where std's `LazyLock` deadlocks.
/// - **Lock-free reads**: [`get`](Self::get) and an initialised
///   [`get_or_init`](Self::get_or_init) are one arc-swap load and an `Arc` clone.
/// - **Bounded waits on request**: [`get_or_try_init_timeout`](Self::get_or_try_init_timeout)
///   waits at most a given time behind another thread's initialiser, and says so with a typed
///   [`TimedInitError::TimedOut`].
/// - **Reset only what you saw**: [`reset_if_current`](Self::reset_if_current) empties the
///   global only if it still holds the instance the caller found bad, so a late report about
///   an old instance never drops a newer one.
///
/// # Thread safety
///
/// `Global<T>` is `Sync` (and so can be a `static`) exactly when `T: Send + Sync`, because every
/// thread gets an `Arc<T>` to the same instance and the last one to drop it may be any thread.
///
/// ```
/// use std::sync::Mutex;
/// use selvedge_singleton::Global;
///
/// static COUNTER: Global<Mutex<u32>> = Global::new();
/// *COUNTER.get_or_init(|| Mutex::new(0)).lock().unwrap() += 1;
/// ```
///
/// A type that is not `Sync`, such as `Rc` or `Cell`, cannot be shared through a `static`:
///
/// ```compile_fail
/// use std::rc::Rc;
/// use selvedge_singleton::Global;
///
/// static SHARED: Global<Rc<u32>> = Global::new();
/// ```
///
/// ```compile_fail
/// use std::cell::Cell;
/// use selvedge_singleton::Global;
///
/// let global = std::sync::Arc::new(Global::<Cell<u32>>::new());
/// std::thread::spawn(move || global.is_initialized());
/// ```
///
/// # Examples
///
/// The seed's global admin session: one login shared by every worker, dropped on logout, and
/// logged in again on the next use.
///
/// ```
/// use selvedge_singleton::Global;
///
/// #[derive(Debug)]
/// struct Session {
///     token: String,
/// }
///
/// fn login() -> Session {
///     Session { token: "admin-1".into() }
/// }
///
/// static ADMIN: Global<Session> = Global::named("admin session");
///
/// let workers: Vec<_> = (0..4)
///     .map(|_| std::thread::spawn(|| ADMIN.get_or_init(login).token.clone()))
///     .collect();
/// for worker in workers {
///     assert_eq!(worker.join().unwrap(), "admin-1");
/// }
///
/// // Logout: take the session out; threads that hold it keep theirs alive.
/// let old = ADMIN.reset().expect("was logged in");
/// assert_eq!(old.token, "admin-1");
/// assert!(!ADMIN.is_initialized());
/// ```
///
/// # Unwind safety
///
/// `Global<T>` is [`UnwindSafe`] and [`RefUnwindSafe`] when `T` is (the bounds once_cell's
/// `OnceCell` has), so a closure that uses a `Global` can go to `catch_unwind` without
/// `AssertUnwindSafe`. That is sound because a `Global` has no state a panic can leave
/// half-done: its mutex is never held while user code runs, a panicking initialiser is cleaned
/// up before its panic goes on (the next caller initialises afresh, nothing is poisoned), and
/// the instance itself is only reachable as `&T` behind an `Arc`.
///
/// ```
/// use selvedge_singleton::Global;
/// static PORT: Global<u16> = Global::new();
/// let caught = std::panic::catch_unwind(|| PORT.get_or_init(|| panic!("no config")));
/// assert!(caught.is_err());
/// assert_eq!(*PORT.get_or_init(|| 443), 443);
/// ```
///
/// An instance type with interior mutability that is not unwind-safe (`Cell`) keeps the
/// `Global` out of `catch_unwind`, as it would keep once_cell's `OnceCell` out:
///
/// ```compile_fail
/// use std::cell::Cell;
/// let global = selvedge_singleton::Global::<Cell<u8>>::new();
/// let _ = std::panic::catch_unwind(|| global.is_initialized());
/// ```
///
/// # Limitations
///
/// Two initialisers that wait for each other across threads (the initialiser of `A` on thread 1
/// needs `B` while the initialiser of `B` on thread 2 needs `A`) deadlock, as they do with every
/// lazy cell; only the same-thread case is detected.
pub struct Global<T> {
    value: OptionArcCell<T>,
    /// `state.initial` holds a value; the cell may look empty until it is moved in.
    pending: AtomicBool,
    state: PlainMutex<State<T>>,
    done: PlainCondvar,
    name: &'static str,
}

impl<T> Global<T> {
    selvedge_locks::loom_const_fn! {
        /// An uninitialised global, usable in a `static`.
        ///
        /// Under `--cfg selvedge_loom` this is not `const` (loom's types cannot be); build the
        /// `Global` inside the model instead.
        ///
        /// ```
        /// use selvedge_singleton::Global;
        /// static CONFIG: Global<String> = Global::new();
        /// assert!(CONFIG.get().is_none());
        /// ```
        #[must_use]
        pub const fn new() -> Self {
            Self::named(UNNAMED)
        }
    }

    selvedge_locks::loom_const_fn! {
        /// An uninitialised global whose events carry `name` (see
        /// [`selvedge_trace::events::SINGLETON_INIT_FAILED`]).
        ///
        /// ```
        /// use selvedge_singleton::Global;
        /// static CONFIG: Global<String> = Global::named("config");
        /// assert_eq!(CONFIG.name(), "config");
        /// ```
        #[must_use]
        pub const fn named(name: &'static str) -> Self {
            Self::build(name, None)
        }
    }

    selvedge_locks::loom_const_fn! {
        /// A global that holds `value` from the start, usable in a `static` (once_cell's
        /// `OnceCell::with_value`).
        ///
        /// An `Arc` cannot be allocated in a `const`, so `value` is kept inline and moved into
        /// its `Arc` by the first access, under the global's mutex (once; every later read is
        /// the usual lock-free load). To the caller the global is initialised from the start:
        /// [`get`](Self::get) returns the value, [`set`](Self::set) refuses, and
        /// [`reset`](Self::reset) empties it as it would any instance.
        ///
        /// ```
        /// use selvedge_singleton::Global;
        ///
        /// static PORT: Global<u16> = Global::with_value(8080);
        /// assert!(PORT.is_initialized());
        /// assert_eq!(*PORT.get_or_init(|| 443), 8080);
        /// ```
        #[must_use]
        pub const fn with_value(value: T) -> Self {
            Self::build(UNNAMED, Some(value))
        }
    }

    selvedge_locks::loom_const_fn! {
        /// The one constructor: every public one names it.
        const fn build(name: &'static str, initial: Option<T>) -> Self {
            Self {
                value: OptionArcCell::empty(),
                pending: AtomicBool::new(initial.is_some()),
                state: PlainMutex::new(State {
                    generation: 0,
                    initializer: None,
                    retired: false,
                    initial,
                }),
                done: PlainCondvar::new(),
                name,
            }
        }
    }

    /// The name given to [`named`](Self::named), or `"unnamed"`.
    ///
    /// ```
    /// let global = selvedge_singleton::Global::<u8>::new();
    /// assert_eq!(global.name(), "unnamed");
    /// ```
    #[must_use]
    pub fn name(&self) -> &'static str {
        self.name
    }

    /// The instance, if the global is initialised. Never waits and never initialises: while an
    /// initialiser is running this returns `None`.
    ///
    /// # Performance
    ///
    /// One arc-swap load and an `Arc` clone; no lock.
    ///
    /// ```
    /// use selvedge_singleton::Global;
    /// let global = Global::new();
    /// assert!(global.get().is_none());
    /// global.get_or_init(|| 5);
    /// assert_eq!(global.get().as_deref(), Some(&5));
    /// ```
    #[inline]
    #[must_use]
    pub fn get(&self) -> Option<Arc<T>> {
        match self.value.load_full() {
            Some(value) => Some(value),
            None => self.get_missed(),
        }
    }

    /// `get` found the cell empty: it may be a [`with_value`](Self::with_value) global whose
    /// value has not been moved in yet.
    #[cold]
    fn get_missed(&self) -> Option<Arc<T>> {
        self.promote_pending();
        // Loaded again after `pending` (acquire) was seen clear: a promotion that ran between
        // the first load and that check is visible now.
        self.value.load_full()
    }

    /// Calls `f` with a borrow of the instance, if the global is initialised, without cloning
    /// the `Arc`. Never waits and never initialises.
    ///
    /// # Performance
    ///
    /// The fastest read: one arc-swap load that writes only to a thread-local slot, where
    /// [`get`](Self::get) also increments the `Arc`'s shared reference count (a cache line every
    /// reading thread writes). Prefer it on hot paths that do not keep the instance. The borrow
    /// pins the instance like an `Arc` would: a `reset` during `f` does not free it.
    ///
    /// ```
    /// use selvedge_singleton::Global;
    /// static NAME: Global<String> = Global::new();
    /// assert_eq!(NAME.with(|name| name.len()), None);
    /// NAME.set("admin".into()).unwrap();
    /// assert_eq!(NAME.with(|name| name.len()), Some(5));
    /// ```
    #[inline]
    pub fn with<R>(&self, f: impl FnOnce(&T) -> R) -> Option<R> {
        self.snapshot().as_deref().map(f)
    }

    /// A cheap snapshot of the cell (an arc-swap guard): the shared read path of `with`.
    #[inline]
    pub(crate) fn snapshot(&self) -> OptionArcCellGuard<T> {
        let snapshot = self.value.load();
        if snapshot.is_some() {
            return snapshot;
        }
        drop(snapshot);
        self.snapshot_missed()
    }

    /// `snapshot` found the cell empty (see [`get_missed`](Self::get_missed)).
    #[cold]
    fn snapshot_missed(&self) -> OptionArcCellGuard<T> {
        self.promote_pending();
        self.value.load()
    }

    /// Moves a [`with_value`](Self::with_value) global's value into the cell, if that has not
    /// happened yet.
    #[inline]
    fn promote_pending(&self) {
        if self.pending.load(Ordering::Acquire) {
            let mut state = self.state.lock();
            self.promote(&mut state);
        }
    }

    /// [`promote_pending`](Self::promote_pending) under the mutex; every slow path calls it
    /// first, so none of them sees the cell empty while the initial value waits.
    fn promote(&self, state: &mut State<T>) {
        if let Some(value) = state.initial.take() {
            self.value.store(Some(Arc::new(value)));
            self.pending.store(false, Ordering::Release);
        }
    }

    /// Whether an instance is stored now.
    ///
    /// ```
    /// let global = selvedge_singleton::Global::new();
    /// assert!(!global.is_initialized());
    /// global.set(1).unwrap();
    /// assert!(global.is_initialized());
    /// ```
    #[inline]
    #[must_use]
    pub fn is_initialized(&self) -> bool {
        self.snapshot().is_some()
    }

    /// The instance, created by `init` if there is none.
    ///
    /// If several threads call this on an uninitialised global, exactly one runs its `init`; the
    /// others wait for it and return the same instance. `init` runs on the calling thread, with
    /// no lock held.
    ///
    /// # Panics
    ///
    /// If `init` panics, the panic propagates to this caller; threads waiting for this `init`
    /// wake up and one of them runs its own. If `init` (directly or not) calls `get_or_init` on
    /// the same global on the same thread, that inner call panics instead of deadlocking.
    ///
    /// ```
    /// use selvedge_singleton::Global;
    /// let global = Global::new();
    /// let first = global.get_or_init(|| String::from("first"));
    /// let second = global.get_or_init(|| String::from("never built"));
    /// assert!(std::sync::Arc::ptr_eq(&first, &second));
    /// ```
    #[inline]
    pub fn get_or_init<F>(&self, init: F) -> Arc<T>
    where
        F: FnOnce() -> T,
    {
        if let Some(value) = self.get() {
            return value;
        }
        match self.get_or_try_init(|| Ok::<T, Infallible>(init())) {
            Ok(value) => value,
            Err(never) => match never {},
        }
    }

    /// The instance, created by the fallible `init` if there is none.
    ///
    /// Like [`get_or_init`](Self::get_or_init), except that `init` may fail.
    ///
    /// # Errors
    ///
    /// Returns `init`'s error. The error goes to this caller only and is not cached: threads
    /// that were waiting for this `init` wake up and one of them runs its own, as does the next
    /// caller. A `singleton.init_failed` event carries the error's `Debug` text. When the
    /// initialiser keeps failing (a platform that is down), the waiting callers each try in
    /// turn, one at a time, and each gets its own error.
    ///
    /// # Panics
    ///
    /// As [`get_or_init`](Self::get_or_init).
    ///
    /// ```
    /// use selvedge_singleton::Global;
    /// let global: Global<u16> = Global::new();
    /// assert!(global.get_or_try_init(|| "70000".parse::<u16>()).is_err());
    /// assert!(!global.is_initialized()); // the error was not cached
    /// assert_eq!(*global.get_or_try_init(|| "443".parse::<u16>()).unwrap(), 443);
    /// ```
    #[inline]
    pub fn get_or_try_init<F, E>(&self, init: F) -> Result<Arc<T>, E>
    where
        F: FnOnce() -> Result<T, E>,
        E: fmt::Debug,
    {
        if let Some(value) = self.get() {
            return Ok(value);
        }
        match self.initialize(init, None) {
            Outcome::Ready(value) => Ok(value),
            Outcome::Failed(error) => Err(error),
            // Only `GlobalMap` retires a slot, and it never hands the slot out afterwards.
            Outcome::Retired(_) => unreachable!("a standalone Global is never retired"),
            Outcome::TimedOut(_) => unreachable!("no deadline was given"),
        }
    }

    /// Like [`get_or_try_init`](Self::get_or_try_init), but waits at most `timeout` for an
    /// initialiser that another thread is running (a login against a server that hangs).
    ///
    /// If no initialiser is running, this caller runs `init` itself, on its own thread, and
    /// that is not bounded: Rust cannot interrupt a blocking call, so bound `init` by its own
    /// means (an HTTP client's timeouts). What is bounded is the wait *behind* someone else's
    /// `init`: however long that one hangs, every waiter returns within `timeout`.
    ///
    /// # Errors
    ///
    /// - [`TimedInitError::Failed`]: this caller's `init` failed (not cached, as for
    ///   `get_or_try_init`).
    /// - [`TimedInitError::TimedOut`]: another thread's `init` was still running after
    ///   `timeout`. Nothing is cached; a later call waits again (or initialises, once that
    ///   initialiser has finished).
    ///
    /// # Panics
    ///
    /// As [`get_or_init`](Self::get_or_init).
    ///
    /// ```
    /// use std::sync::mpsc;
    /// use std::time::Duration;
    /// use selvedge_singleton::{Global, TimedInitError};
    ///
    /// static SESSION: Global<String> = Global::named("admin session");
    ///
    /// let (started, is_started) = mpsc::channel();
    /// let (finish, may_finish) = mpsc::channel::<()>();
    /// let hung = std::thread::spawn(move || {
    ///     SESSION.get_or_init(|| {
    ///         started.send(()).unwrap();
    ///         may_finish.recv().unwrap(); // a login that hangs until told otherwise
    ///         "token".to_string()
    ///     })
    /// });
    /// is_started.recv().unwrap();
    ///
    /// // Another worker waits a bounded time behind the hung login.
    /// let waited = SESSION.get_or_try_init_timeout(
    ///     || Ok::<_, std::io::Error>("never built".to_string()),
    ///     Duration::from_millis(50),
    /// );
    /// assert!(matches!(waited, Err(TimedInitError::TimedOut { name: "admin session", .. })));
    ///
    /// finish.send(()).unwrap();
    /// assert_eq!(*hung.join().unwrap(), "token");
    /// ```
    pub fn get_or_try_init_timeout<F, E>(
        &self,
        init: F,
        timeout: Duration,
    ) -> Result<Arc<T>, TimedInitError<E>>
    where
        F: FnOnce() -> Result<T, E>,
        E: fmt::Debug,
    {
        if let Some(value) = self.get() {
            return Ok(value);
        }
        match self.initialize(init, Some(timeout)) {
            Outcome::Ready(value) => Ok(value),
            Outcome::Failed(error) => Err(TimedInitError::Failed(error)),
            Outcome::Retired(_) => unreachable!("a standalone Global is never retired"),
            Outcome::TimedOut(waited) => Err(TimedInitError::TimedOut {
                name: self.name,
                waited,
            }),
        }
    }

    /// The instance, waiting for one to be stored if there is none (once_cell's
    /// `OnceCell::wait`): by another thread's initialiser, [`set`](Self::set) or
    /// [`replace`](Self::replace). Never initialises.
    ///
    /// Use it where one thread owns the initialisation (a login at start-up) and the others
    /// only consume. A failed or panicking initialiser stores nothing, so `wait` goes on
    /// waiting for the next one; after a [`reset`](Self::reset) it waits for the next
    /// instance. To bound the wait, use [`wait_timeout`](Self::wait_timeout).
    ///
    /// # Performance
    ///
    /// On an initialised global, the same as [`get`](Self::get): one arc-swap load and the
    /// `Arc` clone, no lock.
    ///
    /// ```
    /// use selvedge_singleton::Global;
    ///
    /// static CONFIG: Global<String> = Global::new();
    /// std::thread::scope(|s| {
    ///     s.spawn(|| CONFIG.set("loaded".to_string()));
    ///     assert_eq!(*CONFIG.wait(), "loaded");
    /// });
    /// ```
    #[inline]
    pub fn wait(&self) -> Arc<T> {
        if let Some(value) = self.value.load_full() {
            return value;
        }
        match self.wait_slow(None) {
            Ok(value) => value,
            Err(_) => unreachable!("no deadline was given"),
        }
    }

    /// Like [`wait`](Self::wait), but gives up after `timeout`.
    ///
    /// # Errors
    ///
    /// [`WaitTimeoutError`] (with the global's name and how long this caller waited) if no
    /// instance was stored within `timeout`. Nothing changes: a later call may wait again.
    ///
    /// ```
    /// use std::time::Duration;
    /// use selvedge_singleton::Global;
    ///
    /// let global: Global<u32> = Global::named("config");
    /// let error = global.wait_timeout(Duration::from_millis(10)).unwrap_err();
    /// assert_eq!(error.name(), "config");
    /// global.set(7).unwrap();
    /// assert_eq!(*global.wait_timeout(Duration::from_millis(10)).unwrap(), 7);
    /// ```
    pub fn wait_timeout(&self, timeout: Duration) -> Result<Arc<T>, WaitTimeoutError> {
        if let Some(value) = self.value.load_full() {
            return Ok(value);
        }
        self.wait_slow(Some(timeout))
            .map_err(|waited| WaitTimeoutError::new(self.name, waited))
    }

    /// Exclusive access to the instance, if there is one and nobody else holds it (once_cell's
    /// `OnceCell::get_mut`).
    ///
    /// `&mut self` proves that no thread can read the global now, but `Arc`s handed out earlier
    /// may still be alive: mutating the instance under them would break what they see. So this
    /// returns `None` when the global is uninitialised *or* when another `Arc` (or `Weak`) to
    /// the instance exists; [`replace`](Self::replace) is the way to change a shared instance.
    /// The guard puts the instance back when dropped (leaking the guard leaves the global
    /// empty).
    ///
    /// ```
    /// use selvedge_singleton::Global;
    ///
    /// let mut counter = Global::new();
    /// assert!(counter.get_mut().is_none());
    /// counter.set(90).unwrap();
    /// *counter.get_mut().unwrap() += 2;
    /// assert_eq!(*counter.get().unwrap(), 92);
    ///
    /// let held = counter.get().unwrap();
    /// assert!(counter.get_mut().is_none()); // `held` still reads 92
    /// drop(held);
    /// ```
    pub fn get_mut(&mut self) -> Option<InstanceMut<'_, T>> {
        self.promote_pending();
        let mut instance = self.value.take()?;
        if Arc::get_mut(&mut instance).is_none() {
            self.value.store(Some(instance));
            return None;
        }
        Some(InstanceMut::new(&self.value, instance))
    }

    /// The instance, if there is one, consuming the global (once_cell's
    /// `OnceCell::into_inner`).
    ///
    /// It comes as the `Arc` because other holders may still share it; [`Arc::into_inner`]
    /// turns it into the `T` when this was the last one.
    ///
    /// ```
    /// use std::sync::Arc;
    /// use selvedge_singleton::Global;
    ///
    /// let global: Global<String> = Global::new();
    /// assert!(global.into_inner().is_none());
    /// let global = Global::with_value("hello".to_string());
    /// let instance = global.into_inner().unwrap();
    /// assert_eq!(Arc::into_inner(instance).as_deref(), Some("hello"));
    /// ```
    #[must_use]
    pub fn into_inner(self) -> Option<Arc<T>> {
        self.promote_pending();
        self.value.take()
    }

    /// Stores `value` if the global is uninitialised.
    ///
    /// If an initialiser is running, `set` wins: its waiters return `value`, and the
    /// initialiser's own caller does too.
    ///
    /// # Errors
    ///
    /// Returns `value` back if an instance is already stored.
    ///
    /// ```
    /// let global = selvedge_singleton::Global::new();
    /// assert_eq!(global.set(1), Ok(()));
    /// assert_eq!(global.set(2), Err(2));
    /// ```
    pub fn set(&self, value: T) -> Result<(), T> {
        let mut state = self.state.lock();
        self.promote(&mut state);
        if self.value.load().is_some() {
            return Err(value);
        }
        state.generation += 1;
        self.value.store(Some(Arc::new(value)));
        drop(state);
        self.done.notify_all();
        Ok(())
    }

    /// Stores `value` and returns the instance it replaces, if any.
    ///
    /// Threads that hold the old instance keep it; new readers get `value`.
    ///
    /// ```
    /// let global = selvedge_singleton::Global::new();
    /// assert!(global.replace("v1").is_none());
    /// let old = global.replace("v2").unwrap();
    /// assert_eq!(*old, "v1");
    /// assert_eq!(global.get().as_deref(), Some(&"v2"));
    /// ```
    pub fn replace(&self, value: T) -> Option<Arc<T>> {
        let value = Arc::new(value);
        let mut state = self.state.lock();
        self.promote(&mut state);
        state.generation += 1;
        let old = self.value.swap(Some(value));
        drop(state);
        self.done.notify_all();
        old
    }

    /// Empties the global and returns the instance it held, if any; the next caller of
    /// [`get_or_init`](Self::get_or_init) initialises afresh.
    ///
    /// Threads that hold the old instance keep it alive until they drop it.
    ///
    /// # Reset racing an initialiser
    ///
    /// `reset` never waits. If an initialiser is running when `reset` is called, its instance
    /// belongs to the generation that was reset: it is returned to the initialiser's own caller
    /// but never stored, and `reset` does not return it. Threads that were waiting for that
    /// initialiser, and callers that arrive after the reset, get a fresh instance from a new
    /// initialiser (which starts once the stale one has finished, so two initialisers never
    /// run at once). In short: no instance whose construction began before a `reset` is visible
    /// through the global after it.
    ///
    /// ```
    /// use std::sync::Arc;
    /// use selvedge_singleton::Global;
    ///
    /// let global = Global::new();
    /// let before = global.get_or_init(|| vec![1]);
    /// let taken = global.reset().unwrap();
    /// assert!(Arc::ptr_eq(&before, &taken));
    /// let after = global.get_or_init(|| vec![2]);
    /// assert_eq!(*before, [1]); // holders keep the old instance
    /// assert_eq!(*after, [2]);
    /// ```
    pub fn reset(&self) -> Option<Arc<T>> {
        let mut state = self.state.lock();
        self.promote(&mut state);
        state.generation += 1;
        let old = self.value.take();
        drop(state);
        old
    }

    /// Empties the global only if it still holds `instance` (the same allocation, compared with
    /// `Arc::ptr_eq`), and returns whether it did.
    ///
    /// This is the reset for a caller that found its instance bad (a session the server
    /// rejected with a 401, a client whose connection broke): if another thread has already
    /// replaced it, the newer instance stays. A plain [`reset`](Self::reset) would drop that
    /// newer instance, and every thread that saw the same failure would reset again.
    ///
    /// Like `reset`, a successful `reset_if_current` makes an initialiser that is running now
    /// stale (its instance is not published).
    ///
    /// ```
    /// use std::sync::Arc;
    /// use selvedge_singleton::Global;
    ///
    /// let global = Global::new();
    /// let old = global.get_or_init(|| "session 1");
    /// assert!(global.reset_if_current(&old)); // the first worker to see the 401
    /// let new = global.get_or_init(|| "session 2");
    /// assert!(!global.reset_if_current(&old)); // a late worker with the same 401
    /// assert!(Arc::ptr_eq(&global.get().unwrap(), &new));
    /// ```
    pub fn reset_if_current(&self, instance: &Arc<T>) -> bool {
        let mut state = self.state.lock();
        self.promote(&mut state);
        let current = self.value.load_full();
        let Some(current) = current.filter(|current| Arc::ptr_eq(current, instance)) else {
            return false;
        };
        state.generation += 1;
        self.value.store(None);
        drop(state);
        // The global's reference is dropped here, after the lock: `T::drop` is user code.
        drop(current);
        true
    }

    /// Retires a `GlobalMap` slot: empties it for good; callers are sent back to the map.
    pub(crate) fn retire(&self) -> Option<Arc<T>> {
        let mut state = self.state.lock();
        self.promote(&mut state);
        state.generation += 1;
        state.retired = true;
        let old = self.value.take();
        drop(state);
        self.done.notify_all();
        old
    }

    /// Retires the slot only if it holds nothing and no initialiser runs (a `GlobalMap` clean-up
    /// after a failed initialisation). Returns whether it did.
    pub(crate) fn retire_if_idle(&self) -> bool {
        let mut state = self.state.lock();
        self.promote(&mut state);
        if state.initializer.is_some() || self.value.load().is_some() {
            return false;
        }
        state.retired = true;
        drop(state);
        self.done.notify_all();
        true
    }

    /// The slow path: wait for a running initialiser (for at most `timeout`, if one is
    /// given), or become the initialiser.
    #[cold]
    pub(crate) fn initialize<F, E>(&self, init: F, timeout: Option<Duration>) -> Outcome<T, E, F>
    where
        F: FnOnce() -> Result<T, E>,
        E: fmt::Debug,
    {
        let me = thread::current().id();
        let entered = timeout.map(|timeout| (Instant::now(), timeout));
        let mut state = self.state.lock();
        self.promote(&mut state);
        let generation = loop {
            if state.retired {
                return Outcome::Retired(init);
            }
            if let Some(value) = self.value.load_full() {
                return Outcome::Ready(value);
            }
            match state.initializer {
                None => break state.generation,
                Some(running) if running == me => {
                    drop(state);
                    panic!(
                        "selvedge_singleton: the global `{}` was used from inside its own \
                         initialiser on the same thread; this would deadlock (a recursive \
                         initialisation)",
                        self.name
                    );
                }
                Some(_) => {
                    if let Err(waited) = self.wait_for_change(&mut state, entered) {
                        drop(state);
                        return Outcome::TimedOut(waited);
                    }
                }
            }
        };
        state.initializer = Some(me);
        drop(state);

        // AssertUnwindSafe: the panic is re-raised below, after the state is cleaned up, so no
        // caller observes anything broken by it.
        let result = panic::catch_unwind(AssertUnwindSafe(init));
        let mut state = self.state.lock();
        state.initializer = None;
        let outcome = match result {
            Ok(Ok(value)) => Ok(self.publish(&state, generation, Arc::new(value))),
            Ok(Err(error)) => Err(Ok(error)),
            Err(payload) => Err(Err(payload)),
        };
        drop(state);
        self.done.notify_all();
        match outcome {
            Ok((value, unused)) => {
                // Dropped here, after the lock: `T::drop` is user code.
                drop(unused);
                Outcome::Ready(value)
            }
            Err(Ok(error)) => {
                self.report_failure(&format!("initialiser returned an error: {error:?}"));
                Outcome::Failed(error)
            }
            Err(Err(payload)) => {
                self.report_failure(&format!(
                    "initialiser panicked: {}",
                    selvedge_trace::panic_text(&*payload)
                ));
                panic::resume_unwind(payload)
            }
        }
    }

    /// Sleeps until the next store or finished initialiser (`done` is notified), or until the
    /// wait that began at `entered` has lasted its timeout; then `Err(waited)`. The one waiting
    /// step of [`initialize`](Self::initialize) and [`wait`](Self::wait); callers re-check
    /// the state after it, as a wake-up may be spurious.
    fn wait_for_change(
        &self,
        state: &mut PlainMutexGuard<'_, State<T>>,
        entered: Option<(Instant, Duration)>,
    ) -> Result<(), Duration> {
        match entered {
            None => self.done.wait(state),
            Some((entered, timeout)) => {
                let waited = entered.elapsed();
                if waited >= timeout {
                    return Err(waited);
                }
                // Under loom this never times out (loom has no clock); the timeout path is
                // covered on real threads (tests/it/global.rs).
                self.done.wait_for(state, timeout - waited);
            }
        }
        Ok(())
    }

    /// The slow path of [`wait`](Self::wait): sleep until an instance is stored.
    #[cold]
    fn wait_slow(&self, timeout: Option<Duration>) -> Result<Arc<T>, Duration> {
        let entered = timeout.map(|timeout| (Instant::now(), timeout));
        let mut state = self.state.lock();
        self.promote(&mut state);
        loop {
            if let Some(value) = self.value.load_full() {
                return Ok(value);
            }
            self.wait_for_change(&mut state, entered)?;
        }
    }

    /// Stores the initialiser's instance if its generation is still current. Returns the
    /// instance for the caller and, when a `set`/`replace` won the race, the caller's own
    /// instance to drop once the lock is released.
    fn publish(
        &self,
        state: &PlainMutexGuard<'_, State<T>>,
        generation: u64,
        value: Arc<T>,
    ) -> (Arc<T>, Option<Arc<T>>) {
        if state.generation == generation {
            // Only `set`/`replace`/`reset` fill or empty the cell outside an initialiser, and
            // each bumps the generation: the cell is empty here.
            self.value.store(Some(value.clone()));
            return (value, None);
        }
        match self.value.load_full() {
            Some(current) => (current, Some(value)),
            None => (value, None),
        }
    }

    #[cold]
    fn report_failure(&self, message: &str) {
        tracing::event!(
            name: events::SINGLETON_INIT_FAILED,
            target: targets::SINGLETON,
            tracing::Level::WARN,
            name = self.name,
            message = message,
        );
    }
}

impl<T> Default for Global<T> {
    fn default() -> Self {
        Self::new()
    }
}

// Unwind safety: see "Unwind safety" on `Global`. The interior mutability that makes the
// auto traits fail (the slow-path mutex, the cell) is never left half-updated by a panic, and
// user code sees the instance only as `&T`; the bounds on `T` are once_cell's `OnceCell`'s.
impl<T: RefUnwindSafe + UnwindSafe> RefUnwindSafe for Global<T> {}
impl<T: UnwindSafe> UnwindSafe for Global<T> {}

impl<T: fmt::Debug> fmt::Debug for Global<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Global")
            .field("name", &self.name)
            .field("value", &self.get())
            .finish_non_exhaustive()
    }
}

#[cfg(all(test, not(selvedge_loom)))]
mod tests {
    use std::cell::Cell;
    use std::panic::{self, AssertUnwindSafe};

    use super::{Arc, Global};

    #[test]
    fn initialises_once_and_hands_out_the_same_instance() {
        let global = Global::new();
        let calls = Cell::new(0);
        let a = global.get_or_init(|| {
            calls.set(calls.get() + 1);
            String::from("x")
        });
        let b = global.get_or_init(|| {
            calls.set(calls.get() + 1);
            String::from("y")
        });
        assert!(Arc::ptr_eq(&a, &b));
        assert_eq!(calls.get(), 1);
    }

    #[test]
    fn try_init_error_is_not_cached() {
        let global: Global<u8> = Global::new();
        assert_eq!(global.get_or_try_init(|| Err("down")), Err("down"));
        assert!(!global.is_initialized());
        assert_eq!(global.get_or_try_init(|| Ok::<_, ()>(3)).as_deref(), Ok(&3));
    }

    #[test]
    fn panic_in_initialiser_leaves_global_usable() {
        let global: Global<u8> = Global::new();
        let result = panic::catch_unwind(AssertUnwindSafe(|| {
            global.get_or_init(|| panic!("deliberate test panic"))
        }));
        assert!(result.is_err());
        assert!(!global.is_initialized());
        assert_eq!(*global.get_or_init(|| 9), 9);
    }

    #[test]
    fn reentrant_initialisation_panics_instead_of_deadlocking() {
        let global: Global<u8> = Global::named("reentrant");
        let result = panic::catch_unwind(AssertUnwindSafe(|| {
            global.get_or_init(|| *global.get_or_init(|| 1))
        }));
        let payload = result.expect_err("the inner call must panic");
        let text = payload.downcast_ref::<String>().expect("formatted message");
        assert!(text.contains("`reentrant`"), "{text}");
        assert!(text.contains("own initialiser"), "{text}");
        // The outer initialiser was unwound and cleaned up: the global still works.
        assert_eq!(*global.get_or_init(|| 2), 2);
    }

    #[test]
    fn set_replace_reset() {
        let global = Global::new();
        assert_eq!(global.set(1), Ok(()));
        assert_eq!(global.set(2), Err(2));
        let held = global.get().unwrap();
        assert_eq!(global.replace(3).as_deref(), Some(&1));
        assert_eq!(*held, 1);
        assert_eq!(global.reset().as_deref(), Some(&3));
        assert!(global.reset().is_none());
        assert!(global.get().is_none());
    }

    #[test]
    fn reset_inside_initialiser_makes_its_instance_stale() {
        let global = Global::new();
        let value = global.get_or_init(|| {
            assert!(global.reset().is_none());
            7
        });
        assert_eq!(*value, 7); // the caller gets its instance...
        assert!(!global.is_initialized()); // ...but it is not stored
    }

    #[test]
    fn set_inside_initialiser_wins() {
        let global = Global::new();
        let value = global.get_or_init(|| {
            global.set(1).unwrap();
            2
        });
        assert_eq!(*value, 1);
        assert_eq!(global.get().as_deref(), Some(&1));
    }

    #[test]
    fn racing_threads_share_one_instance() {
        use std::sync::atomic::{AtomicUsize, Ordering};
        let global = Global::new();
        let calls = AtomicUsize::new(0);
        let init = || {
            calls.fetch_add(1, Ordering::SeqCst);
            String::from("one")
        };
        let (a, b) = std::thread::scope(|s| {
            let a = s.spawn(|| global.get_or_init(init));
            let b = s.spawn(|| global.get_or_init(init));
            (a.join().unwrap(), b.join().unwrap())
        });
        assert!(Arc::ptr_eq(&a, &b));
        assert_eq!(calls.load(Ordering::SeqCst), 1);
    }

    #[test]
    fn debug_shows_name_and_value() {
        let global = Global::named("cfg");
        global.set(4).unwrap();
        let text = format!("{global:?}");
        assert!(text.contains("cfg") && text.contains('4'), "{text}");
    }
}
