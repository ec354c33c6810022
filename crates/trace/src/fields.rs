//! Standard field names carried by selvedge events.
//!
//! `tracing` takes field names as identifiers in its macros, so these constants are for
//! readers of events (subscribers and tests), and they are the only spellings emitters use.
//!
//! ```
//! assert_eq!(selvedge_trace::fields::WAIT_NS, "wait_ns");
//! ```

/// The user-given name of a lock, global or session manager; `"unnamed"` when none was given.
pub const NAME: &str = "name";
/// A call site, `file:line:column`.
pub const LOCATION: &str = "location";
/// How long a wait lasted, in nanoseconds (`u64`).
pub const WAIT_NS: &str = "wait_ns";
/// How long a task ran, in nanoseconds (`u64`).
pub const BUSY_NS: &str = "busy_ns";
/// A pool-unique task id (`u64`).
pub const TASK_ID: &str = "task_id";
/// The name of a pool.
pub const POOL: &str = "pool";
/// The name of a thread.
pub const THREAD: &str = "thread";
/// Why something happened, as short human text.
pub const REASON: &str = "reason";
/// A panic or error message.
pub const MESSAGE: &str = "message";
/// A pool's statistics as one human-readable line.
pub const STATS: &str = "stats";
/// The name of a lock already held by the acquiring thread.
pub const HELD: &str = "held";
/// Where the held lock was acquired.
pub const HELD_LOCATION: &str = "held_location";
/// Where the opposite lock order was first seen.
pub const FIRST_LOCATION: &str = "first_location";
/// The name of a bus topic: the event type's name, or the string given for a named topic.
pub const TOPIC: &str = "topic";
/// The name of a bus subscriber (`"subscriber-N"` when none was given).
pub const SUBSCRIBER: &str = "subscriber";
/// The number of a session manager's login flight (`u64`, from 1): every login, retry,
/// failure and timeout of one flight carries the same number.
pub const FLIGHT: &str = "flight";
/// How many times a login flight has called its authenticator so far (`u32`).
pub const ATTEMPTS: &str = "attempts";
/// How long a login flight took, in nanoseconds (`u64`).
pub const LOGIN_NS: &str = "login_ns";
