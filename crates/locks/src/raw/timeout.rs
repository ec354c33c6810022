//! A timed acquisition's timeout as the futex locks take it: a deadline, or no limit at all
//! when the deadline is too far to represent (as std's `Instant` arithmetic allows).

use std::time::{Duration, Instant};

/// `until(now + timeout)`, or `block()` and `true` when `now + timeout` overflows `Instant`.
pub(crate) fn within(
    timeout: Duration,
    block: impl FnOnce(),
    until: impl FnOnce(Instant) -> bool,
) -> bool {
    match Instant::now().checked_add(timeout) {
        Some(deadline) => until(deadline),
        None => {
            block();
            true
        }
    }
}
