//! The two futex calls the Linux backend sleeps and wakes on, through rustix's safe wrappers.
//!
//! `tests/loom/futex_backend.rs` compiles the lock protocols against a loom model of these same three
//! functions (a FIFO queue of sleepers per word), so their contract is written here once:
//! a wait returns when woken, when the word no longer holds `expected` at the moment it would
//! sleep, at the deadline, or spuriously; callers re-read the word and never trust the reason.

use std::time::Instant;

use rustix::thread::futex::{self, Flags, Timespec};

use crate::sync::atomic::AtomicU32;

/// Sleeps while `*word == expected`, until woken, until `deadline`, or spuriously. Returns
/// `false` only when `deadline` has passed.
///
/// The deadline is absolute: each call computes what is left of it, so a caller that loops
/// over spurious wake-ups with the same deadline never waits longer in total. A deadline too
/// far away for a `timespec` waits without limit.
pub(crate) fn wait_until(word: &AtomicU32, expected: u32, deadline: Option<Instant>) -> bool {
    let timeout = match deadline {
        None => None,
        Some(deadline) => {
            let left = deadline.saturating_duration_since(Instant::now());
            if left.is_zero() {
                return false;
            }
            Timespec::try_from(left).ok()
        }
    };
    // Every outcome (woken, EAGAIN because the word changed, EINTR, ETIMEDOUT) means the
    // same to the caller: look at the word again. Only the clock says whether time is up.
    let _woken_or_not = futex::wait(word, Flags::PRIVATE, expected, timeout.as_ref());
    deadline.is_none_or(|deadline| Instant::now() < deadline)
}

/// Wakes one thread sleeping on `word`; returns whether there was one.
pub(crate) fn wake_one(word: &AtomicU32) -> bool {
    futex::wake(word, Flags::PRIVATE, 1).is_ok_and(|woken| woken > 0)
}

/// Wakes every thread sleeping on `word`; returns how many there were.
pub(crate) fn wake_all(word: &AtomicU32) -> usize {
    // The kernel takes the count as a signed int: `i32::MAX` is "all".
    futex::wake(word, Flags::PRIVATE, i32::MAX.unsigned_abs()).unwrap_or(0)
}

#[cfg(test)]
mod tests {
    use std::time::{Duration, Instant};

    use super::{wait_until, wake_all, wake_one};
    use crate::sync::atomic::{AtomicBool, AtomicU32, Ordering};

    #[test]
    fn a_deadline_holds_across_wake_ups() {
        // Wake-ups that change nothing keep returning the wait early; a caller looping with the
        // same deadline gives up at that deadline, not earlier and not a timeout later.
        const TIMEOUT: Duration = Duration::from_millis(30);
        let (word, stop) = (AtomicU32::new(0), AtomicBool::new(false));
        std::thread::scope(|s| {
            s.spawn(|| {
                while !stop.load(Ordering::Relaxed) {
                    wake_all(&word);
                    std::thread::sleep(Duration::from_millis(1));
                }
            });
            let start = Instant::now();
            let deadline = start + TIMEOUT;
            while wait_until(&word, 0, Some(deadline)) {}
            let waited = start.elapsed();
            stop.store(true, Ordering::Relaxed);
            assert!(waited >= TIMEOUT, "gave up after {waited:?}");
            assert!(waited < TIMEOUT * 10, "gave up after {waited:?}");
        });
    }

    #[test]
    fn a_changed_word_returns_at_once_and_nobody_asleep_is_nobody_woken() {
        let word = AtomicU32::new(1);
        assert!(wait_until(&word, 0, None));
        assert!(!wait_until(&word, 1, Some(Instant::now())));
        assert!(!wake_one(&word));
        assert_eq!(wake_all(&word), 0);
    }
}
