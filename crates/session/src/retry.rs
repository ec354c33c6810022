//! [`RetryPolicy`]: how often, and how far apart, a flight retries a transient login error.

use std::time::Duration;

/// How a login flight retries [transient](crate::ErrorClass::Transient) errors: up to
/// `max_attempts` calls of the authenticator, the pause before retry `n` being
/// `initial_backoff * 2^(n-1)` capped at `max_backoff`, with "equal jitter" (a random point in
/// the upper half of that pause) so that many processes restarted together do not retry in
/// step.
///
/// Retries happen inside one flight: the callers waiting for it keep waiting, and the whole
/// flight stays within the manager's `login_timeout` (a retry whose pause would end past it is
/// not made, and the flight fails with the last error).
///
/// # Examples
///
/// ```
/// use std::time::Duration;
/// use selvedge_session::RetryPolicy;
///
/// let policy = RetryPolicy::default()
///     .max_attempts(5)
///     .backoff(Duration::from_millis(100), Duration::from_secs(2));
/// assert_eq!(policy.attempts(), 5);
/// assert_eq!(policy.pause_before(1), Duration::ZERO); // the first attempt is not delayed
/// let second = policy.pause_before(2);
/// assert!(second >= Duration::from_millis(50) && second <= Duration::from_millis(100));
/// assert!(policy.pause_before(30) <= Duration::from_secs(2));
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RetryPolicy {
    max_attempts: u32,
    initial_backoff: Duration,
    max_backoff: Duration,
}

impl RetryPolicy {
    /// One attempt, no retries.
    ///
    /// ```
    /// assert_eq!(selvedge_session::RetryPolicy::none().attempts(), 1);
    /// ```
    #[must_use]
    pub const fn none() -> Self {
        Self {
            max_attempts: 1,
            initial_backoff: Duration::ZERO,
            max_backoff: Duration::ZERO,
        }
    }

    /// At most `attempts` calls of the authenticator per flight (the first included).
    ///
    /// ```
    /// assert_eq!(selvedge_session::RetryPolicy::none().max_attempts(4).attempts(), 4);
    /// ```
    #[must_use]
    pub const fn max_attempts(mut self, attempts: u32) -> Self {
        self.max_attempts = attempts;
        self
    }

    /// The first pause (before the second attempt) and the cap on later ones.
    ///
    /// ```
    /// use std::time::Duration;
    /// let policy = selvedge_session::RetryPolicy::default()
    ///     .backoff(Duration::from_millis(10), Duration::from_millis(40));
    /// assert!(policy.pause_before(9) <= Duration::from_millis(40));
    /// ```
    #[must_use]
    pub const fn backoff(mut self, initial: Duration, max: Duration) -> Self {
        self.initial_backoff = initial;
        self.max_backoff = max;
        self
    }

    /// The most calls of the authenticator one flight makes.
    ///
    /// ```
    /// assert_eq!(selvedge_session::RetryPolicy::default().attempts(), 3);
    /// ```
    #[must_use]
    pub const fn attempts(&self) -> u32 {
        self.max_attempts
    }

    /// The pause before attempt `attempt` (1-based; zero for the first), jitter included.
    ///
    /// ```
    /// use std::time::Duration;
    /// let policy = selvedge_session::RetryPolicy::default();
    /// assert_eq!(policy.pause_before(1), Duration::ZERO);
    /// assert!(policy.pause_before(2) > Duration::ZERO);
    /// ```
    #[must_use]
    pub fn pause_before(&self, attempt: u32) -> Duration {
        if attempt <= 1 {
            return Duration::ZERO;
        }
        let doublings = (attempt - 2).min(31);
        let ceiling = self
            .initial_backoff
            .saturating_mul(1 << doublings)
            .min(self.max_backoff);
        let half = ceiling / 2;
        // "Equal jitter": keep half the pause, randomise the other half.
        half + jitter_up_to(ceiling - half)
    }

    /// The largest pause this policy can take.
    pub(crate) fn max_pause(&self) -> Duration {
        if self.max_attempts <= 1 {
            Duration::ZERO
        } else {
            self.max_backoff
        }
    }

    /// This policy with its pauses capped at a quarter of `login_timeout` (the builder's
    /// default, so that any login timeout leaves room for retries).
    pub(crate) fn fitted_to(self, login_timeout: Duration) -> Self {
        let max_backoff = self.max_backoff.min(login_timeout / 4);
        Self {
            initial_backoff: self.initial_backoff.min(max_backoff),
            max_backoff,
            ..self
        }
    }

    /// Checks the policy against the manager's login timeout.
    pub(crate) fn validate(&self, login_timeout: Duration) -> Result<(), crate::BuildError> {
        use crate::BuildError;
        if self.max_attempts == 0 {
            return Err(BuildError::ZeroAttempts);
        }
        if self.initial_backoff > self.max_backoff {
            return Err(BuildError::BackoffOutOfOrder {
                initial: self.initial_backoff,
                max: self.max_backoff,
            });
        }
        if self.max_pause() >= login_timeout {
            return Err(BuildError::BackoffExceedsTimeout {
                max_backoff: self.max_backoff,
                login_timeout,
            });
        }
        Ok(())
    }
}

impl Default for RetryPolicy {
    /// Three attempts, pauses from 100 ms up to 2 s.
    fn default() -> Self {
        Self {
            max_attempts: 3,
            initial_backoff: Duration::from_millis(100),
            max_backoff: Duration::from_secs(2),
        }
    }
}

/// A uniformly random duration in `[0, max]`.
pub(crate) fn jitter_up_to(max: Duration) -> Duration {
    let nanos = u64::try_from(max.as_nanos()).unwrap_or(u64::MAX);
    if nanos == 0 {
        return Duration::ZERO;
    }
    Duration::from_nanos(fastrand::u64(0..=nanos))
}
