//! Deadlines for the blocking primitives' timed waits.

use std::time::{Duration, Instant};

use crate::sync::{PlainCondvar, PlainMutexGuard};

/// Waits on `condvar` until `done(state)` holds or `timeout` passes. Returns whether `done`
/// holds. A timeout too large for `Instant` waits without limit. Under loom the facade's
/// timed wait never times out, so this returns only once `done` holds.
pub(crate) fn wait_timeout_while<T>(
    condvar: &PlainCondvar,
    guard: &mut PlainMutexGuard<'_, T>,
    timeout: Duration,
    mut done: impl FnMut(&mut T) -> bool,
) -> bool {
    let Some(deadline) = Instant::now().checked_add(timeout) else {
        while !done(guard) {
            condvar.wait(guard);
        }
        return true;
    };
    while !done(guard) {
        if condvar.wait_until(guard, deadline).timed_out() {
            return done(guard);
        }
    }
    true
}
