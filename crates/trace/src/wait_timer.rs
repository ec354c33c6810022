//! A timer for slow paths that reads the clock only when its event would be recorded.

use std::time::{Duration, Instant};

/// Measures a wait, but only when a subscriber is interested in the event that reports it.
///
/// Start one with [`wait_timer!`](macro@crate::wait_timer), which asks `tracing` (one
/// cached-interest check, an atomic load when no subscriber is installed) whether the target is
/// enabled. When it is not, the timer never reads the clock and [`elapsed`](Self::elapsed) is
/// `None`.
///
/// # Examples
///
/// ```
/// use selvedge_trace::{targets, wait_timer};
///
/// let timer = wait_timer!(targets::LOCKS);
/// // ... block on something ...
/// if let Some(waited) = timer.elapsed() {
///     // A subscriber listens: report `waited`.
///     let _ = waited;
/// }
/// ```
#[derive(Debug, Clone, Copy)]
pub struct WaitTimer {
    started: Option<Instant>,
}

impl WaitTimer {
    /// Starts a timer that reads the clock only when `enabled` is true.
    ///
    /// ```
    /// let timer = selvedge_trace::WaitTimer::start(true);
    /// assert!(timer.elapsed().is_some());
    /// ```
    #[inline]
    #[must_use]
    pub fn start(enabled: bool) -> Self {
        Self {
            started: enabled.then(Instant::now),
        }
    }

    /// A timer that never measures.
    ///
    /// ```
    /// assert_eq!(selvedge_trace::WaitTimer::disabled().elapsed(), None);
    /// ```
    #[inline]
    #[must_use]
    pub const fn disabled() -> Self {
        Self { started: None }
    }

    /// Whether this timer is measuring.
    ///
    /// ```
    /// assert!(!selvedge_trace::WaitTimer::disabled().is_running());
    /// ```
    #[inline]
    #[must_use]
    pub const fn is_running(&self) -> bool {
        self.started.is_some()
    }

    /// Time since the start, or `None` when the timer is not measuring.
    ///
    /// ```
    /// let timer = selvedge_trace::WaitTimer::start(true);
    /// assert!(timer.elapsed().unwrap() < std::time::Duration::from_secs(60));
    /// ```
    #[inline]
    #[must_use]
    pub fn elapsed(&self) -> Option<Duration> {
        self.started.map(|start| start.elapsed())
    }

    /// [`elapsed`](Self::elapsed) in whole nanoseconds, saturating at `u64::MAX`.
    ///
    /// ```
    /// let timer = selvedge_trace::WaitTimer::start(true);
    /// assert!(timer.elapsed_ns().is_some());
    /// ```
    #[inline]
    #[must_use]
    pub fn elapsed_ns(&self) -> Option<u64> {
        self.elapsed()
            .map(|d| u64::try_from(d.as_nanos()).unwrap_or(u64::MAX))
    }
}

/// Starts a [`WaitTimer`] that runs only if events at `target` (DEBUG level or above) would be
/// recorded by the current subscriber.
///
/// ```
/// let timer = selvedge_trace::wait_timer!(selvedge_trace::targets::POOL);
/// // No subscriber in this doctest: the clock was never read.
/// assert!(!timer.is_running());
/// ```
#[macro_export]
macro_rules! wait_timer {
    ($target:expr) => {
        $crate::WaitTimer::start($crate::__private::tracing::enabled!(
            target: $target,
            $crate::__private::tracing::Level::DEBUG
        ))
    };
}

#[cfg(test)]
mod tests {
    use super::WaitTimer;

    #[test]
    fn disabled_timer_never_measures() {
        let timer = WaitTimer::start(false);
        assert!(!timer.is_running());
        assert_eq!(timer.elapsed_ns(), None);
    }

    #[test]
    fn running_timer_is_monotonic() {
        let timer = WaitTimer::start(true);
        let first = timer.elapsed().unwrap();
        let second = timer.elapsed().unwrap();
        assert!(second >= first);
    }
}
