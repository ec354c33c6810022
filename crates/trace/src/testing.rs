//! Capturing events in tests (feature `testing`).
//!
//! [`capture`] records the events emitted on the calling thread while a closure runs;
//! [`capture_all`] records the events of every thread (for work that runs on pool workers).
//!
//! ```
//! use selvedge_trace::{events, targets, testing};
//!
//! let ((), captured) = testing::capture(|| {
//!     tracing::event!(
//!         name: "lock.contended",
//!         target: "selvedge::locks",
//!         tracing::Level::DEBUG,
//!         name = "accounts",
//!         wait_ns = 1_500_u64,
//!     );
//! });
//! let event = &captured[0];
//! assert_eq!(event.name, events::LOCK_CONTENDED);
//! assert_eq!(event.target, targets::LOCKS);
//! assert_eq!(event.field("name"), Some("accounts"));
//! assert_eq!(event.field("wait_ns"), Some("1500"));
//! ```

use std::collections::BTreeMap;
use std::fmt;
use std::sync::{Arc, Mutex, MutexGuard, OnceLock, PoisonError};

use tracing::field::{Field, Visit};
use tracing::{Event, Level, Subscriber};
use tracing_subscriber::layer::{Context, Layer, SubscriberExt};
use tracing_subscriber::registry::Registry;

/// One recorded event.
///
/// ```
/// let ((), events) = selvedge_trace::testing::capture(|| tracing::warn!(answer = 42, "hello"));
/// assert_eq!(events[0].message(), Some("hello"));
/// assert_eq!(events[0].field("answer"), Some("42"));
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CapturedEvent {
    /// The event's name (`tracing`'s `name:`; see [`crate::events`]).
    pub name: &'static str,
    /// The event's target (see [`crate::targets`]).
    pub target: &'static str,
    /// The event's level.
    pub level: Level,
    /// The name of the thread that emitted it, if it had one.
    pub thread: Option<String>,
    /// Every field, formatted: strings as they are, other values with `Debug`.
    pub fields: BTreeMap<&'static str, String>,
}

impl CapturedEvent {
    /// The value of field `name`, formatted.
    ///
    /// ```
    /// let ((), events) = selvedge_trace::testing::capture(|| tracing::info!(task_id = 7_u64));
    /// assert_eq!(events[0].field("task_id"), Some("7"));
    /// assert_eq!(events[0].field("missing"), None);
    /// ```
    #[must_use]
    pub fn field(&self, name: &str) -> Option<&str> {
        self.fields.get(name).map(String::as_str)
    }

    /// The event's message (its `message` field), if it has one.
    ///
    /// ```
    /// let ((), events) = selvedge_trace::testing::capture(|| tracing::info!("done"));
    /// assert_eq!(events[0].message(), Some("done"));
    /// ```
    #[must_use]
    pub fn message(&self) -> Option<&str> {
        self.field("message")
    }
}

type Sink = Arc<Mutex<Vec<CapturedEvent>>>;

fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    // A panicking test thread must not hide the events of the others.
    mutex.lock().unwrap_or_else(PoisonError::into_inner)
}

/// Where a layer sends what it records: one fixed sink, or whichever sink `capture_all` set.
enum Route {
    Fixed(Sink),
    Global,
}

struct Recorder {
    route: Route,
}

struct FieldVisitor<'a>(&'a mut BTreeMap<&'static str, String>);

impl Visit for FieldVisitor<'_> {
    fn record_str(&mut self, field: &Field, value: &str) {
        self.0.insert(field.name(), value.to_owned());
    }

    fn record_debug(&mut self, field: &Field, value: &dyn fmt::Debug) {
        self.0.insert(field.name(), format!("{value:?}"));
    }
}

impl<S: Subscriber> Layer<S> for Recorder {
    fn on_event(&self, event: &Event<'_>, _ctx: Context<'_, S>) {
        let sink = match &self.route {
            Route::Fixed(sink) => sink.clone(),
            Route::Global => match lock(global_sink()).clone() {
                Some(sink) => sink,
                None => return,
            },
        };
        let meta = event.metadata();
        let mut fields = BTreeMap::new();
        event.record(&mut FieldVisitor(&mut fields));
        let captured = CapturedEvent {
            name: meta.name(),
            target: meta.target(),
            level: *meta.level(),
            thread: std::thread::current().name().map(str::to_owned),
            fields,
        };
        lock(&sink).push(captured);
    }
}

/// Runs `f` and returns its result with every event emitted on this thread while it ran.
///
/// Events emitted on other threads (pool workers, spawned threads) are not seen; use
/// [`capture_all`] for those.
///
/// # Call-site interest
///
/// `tracing` caches, per call site, whether any subscriber is interested. While scoped
/// subscribers like this one are the only ones in the process, that decision is made on the
/// thread that reaches the call site first and then remembered. A test that wants an event
/// from a call site should reach that site once on the capturing thread (inside the closure)
/// before other threads do, or use [`capture_all`], whose process-wide subscriber is always
/// interested.
///
/// ```
/// let (sum, events) = selvedge_trace::testing::capture(|| {
///     tracing::debug!(target: "selvedge::pool", "working");
///     1 + 1
/// });
/// assert_eq!(sum, 2);
/// assert_eq!(events.len(), 1);
/// ```
pub fn capture<R>(f: impl FnOnce() -> R) -> (R, Vec<CapturedEvent>) {
    let sink: Sink = Arc::default();
    let subscriber = Registry::default().with(Recorder {
        route: Route::Fixed(sink.clone()),
    });
    let result = tracing::subscriber::with_default(subscriber, f);
    let events = std::mem::take(&mut *lock(&sink));
    (result, events)
}

fn global_sink() -> &'static Mutex<Option<Sink>> {
    static SINK: Mutex<Option<Sink>> = Mutex::new(None);
    &SINK
}

/// Runs `f` and returns its result with every event emitted on any thread while it ran.
///
/// The first call installs a process-wide subscriber that records only while a `capture_all`
/// is running; calls are serialized, so two tests never share a capture. Events from other
/// code running at the same time in the process (another test) are recorded too: filter on
/// the target, the name and the fields you expect.
///
/// # Panics
///
/// If the process already installed another global subscriber, which this one cannot replace.
///
/// ```
/// let ((), events) = selvedge_trace::testing::capture_all(|| {
///     std::thread::spawn(|| tracing::info!(target: "selvedge::pool", worker = 1_u64))
///         .join()
///         .unwrap();
/// });
/// assert!(events.iter().any(|e| e.field("worker") == Some("1")));
/// ```
pub fn capture_all<R>(f: impl FnOnce() -> R) -> (R, Vec<CapturedEvent>) {
    static INSTALLED: OnceLock<()> = OnceLock::new();
    static SERIAL: Mutex<()> = Mutex::new(());
    INSTALLED.get_or_init(|| {
        let subscriber = Registry::default().with(Recorder {
            route: Route::Global,
        });
        tracing::subscriber::set_global_default(subscriber).expect(
            "capture_all needs to install the global tracing subscriber, but one is already set",
        );
    });
    let _serial = lock(&SERIAL);
    let sink: Sink = Arc::default();
    *lock(global_sink()) = Some(sink.clone());
    // Clear the route even if `f` panics, so later captures start clean.
    struct Reset;
    impl Drop for Reset {
        fn drop(&mut self) {
            *lock(global_sink()) = None;
        }
    }
    let reset = Reset;
    let result = f();
    drop(reset);
    let events = std::mem::take(&mut *lock(&sink));
    (result, events)
}

#[cfg(test)]
mod tests {
    use super::{capture, capture_all};
    use crate::{events, targets};

    #[test]
    fn capture_sees_only_events_inside_the_closure() {
        tracing::info!("before");
        let ((), events) = capture(|| {
            tracing::event!(
                name: "lock.contended",
                target: "selvedge::locks",
                tracing::Level::DEBUG,
                name = "accounts",
                wait_ns = 10_u64,
            );
        });
        tracing::info!("after");
        assert_eq!(events.len(), 1);
        assert_eq!(events[0].name, events::LOCK_CONTENDED);
        assert_eq!(events[0].target, targets::LOCKS);
        assert_eq!(events[0].field("wait_ns"), Some("10"));
    }

    #[test]
    fn wait_timer_runs_under_a_listening_subscriber() {
        // (That it stays off with no subscriber is the `wait_timer!` doctest: a test here
        // would race `capture_all`'s process-wide subscriber.)
        let (running, _) = capture(|| crate::wait_timer!(targets::LOCKS).is_running());
        assert!(running);
    }

    #[test]
    fn capture_all_sees_other_threads() {
        let ((), events) = capture_all(|| {
            std::thread::Builder::new()
                .name("capture-worker".into())
                .spawn(|| tracing::warn!(target: "selvedge::pool", seen = true))
                .unwrap()
                .join()
                .unwrap();
        });
        let event = events
            .iter()
            .find(|e| e.field("seen") == Some("true"))
            .unwrap();
        assert_eq!(event.thread.as_deref(), Some("capture-worker"));
    }
}
