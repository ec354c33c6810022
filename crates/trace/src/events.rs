//! The name of every event a selvedge crate emits (`tracing`'s `name:`), as listed in the
//! schema table of the crate documentation.
//!
//! ```
//! use selvedge_trace::events;
//! assert_eq!(events::LOCK_CONTENDED, "lock.contended");
//! ```

/// A lock acquisition waited longer than its threshold.
pub const LOCK_CONTENDED: &str = "lock.contended";
/// An acquisition would close a cycle in the lock-order graph (a potential deadlock).
pub const LOCK_ORDER_VIOLATION: &str = "lock.order_violation";
/// A pool worker thread started.
pub const POOL_WORKER_STARTED: &str = "pool.worker_started";
/// A pool worker thread stopped (keep-alive expired or shutdown).
pub const POOL_WORKER_STOPPED: &str = "pool.worker_stopped";
/// A pool refused a task (queue full, or shut down).
pub const POOL_TASK_REJECTED: &str = "pool.task_rejected";
/// A pool task panicked; its worker survived.
pub const POOL_TASK_PANICKED: &str = "pool.task_panicked";
/// A fallible pool task returned `Err` (Python's `raise`); counted as failed.
pub const POOL_TASK_FAILED: &str = "pool.task_failed";
/// A pool's periodic statistics, from its monitor (`PoolBuilder::monitor`).
pub const POOL_STATS: &str = "pool.stats";
/// A pool task ran longer than the pool's slow-task threshold.
pub const POOL_TASK_SLOW: &str = "pool.task_slow";
/// A task's success or failure callback panicked; the worker survived.
pub const POOL_CALLBACK_PANICKED: &str = "pool.callback_panicked";
/// A task run by a pool strand panicked; the strand went on with its next task.
pub const POOL_STRAND_TASK_PANICKED: &str = "pool.strand_task_panicked";
/// A bus handler panicked; delivery to the other subscribers went on.
pub const BUS_HANDLER_PANICKED: &str = "bus.handler_panicked";
/// An event was published to a bus topic nobody subscribes to (Guava's `DeadEvent`).
pub const BUS_DEAD_EVENT: &str = "bus.dead_event";
/// An asynchronous delivery was refused for one subscriber (full queue, or its pool refused).
pub const BUS_DELIVERY_REFUSED: &str = "bus.delivery_refused";
/// A global's initialiser returned an error or panicked; the next caller retries.
pub const SINGLETON_INIT_FAILED: &str = "singleton.init_failed";
/// A concurrent collection was used from inside one of its own closures.
pub const COLLECTIONS_REENTRANT_USE: &str = "collections.reentrant_use";
/// A session manager logged in (a first login, or a new one after expiry, invalidation or
/// logout).
pub const SESSION_LOGIN: &str = "session.login";
/// A session manager logged in ahead of expiry while the old session was still live.
pub const SESSION_REFRESH: &str = "session.refresh";
/// A login attempt failed with a transient error and will be retried after a pause.
pub const SESSION_LOGIN_RETRY: &str = "session.login_retry";
/// A login flight failed (a permanent error, or retries exhausted); its waiters get the error.
pub const SESSION_LOGIN_FAILED: &str = "session.login_failed";
/// A caller gave up waiting for another caller's login after the manager's login timeout.
pub const SESSION_WAIT_TIMEOUT: &str = "session.wait_timeout";
/// The current session was dropped because a caller saw it rejected (a 401).
pub const SESSION_INVALIDATED: &str = "session.invalidated";
/// The current session was logged out.
pub const SESSION_LOGOUT: &str = "session.logout";
