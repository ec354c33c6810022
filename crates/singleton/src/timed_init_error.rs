//! [`TimedInitError`]: why [`Global::get_or_try_init_timeout`](crate::Global::get_or_try_init_timeout)
//! returned without an instance.

use std::error::Error;
use std::fmt;
use std::time::Duration;

/// Why a bounded [`get_or_try_init_timeout`](crate::Global::get_or_try_init_timeout) returned
/// no instance: this caller's own initialiser failed, or another caller's did not finish in
/// time.
///
/// # Examples
///
/// ```
/// use std::time::Duration;
/// use selvedge_singleton::{Global, TimedInitError};
///
/// let global: Global<u32> = Global::named("config");
/// let result = global.get_or_try_init_timeout(|| "x".parse::<u32>(), Duration::from_secs(1));
/// assert!(matches!(result, Err(TimedInitError::Failed(_))));
///
/// let timeout = TimedInitError::<std::num::ParseIntError>::TimedOut {
///     name: "config",
///     waited: Duration::from_secs(1),
/// };
/// assert_eq!(
///     timeout.to_string(),
///     "the initialiser of `config` did not finish within 1s"
/// );
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum TimedInitError<E> {
    /// This caller ran the initialiser, and it returned this error (not cached).
    Failed(E),
    /// Another caller's initialiser was still running when the wait ran out. Nothing is
    /// cached: a later call waits again, or initialises if that initialiser has finished.
    TimedOut {
        /// The global's name (see [`Global::named`](crate::Global::named)).
        name: &'static str,
        /// How long this caller waited.
        waited: Duration,
    },
}

impl<E> TimedInitError<E> {
    /// Whether the wait ran out (as opposed to the initialiser failing).
    ///
    /// ```
    /// use std::time::Duration;
    /// use selvedge_singleton::TimedInitError;
    /// let error = TimedInitError::<()>::TimedOut { name: "g", waited: Duration::ZERO };
    /// assert!(error.is_timeout());
    /// assert!(!TimedInitError::Failed(()).is_timeout());
    /// ```
    #[must_use]
    pub fn is_timeout(&self) -> bool {
        matches!(self, Self::TimedOut { .. })
    }
}

impl<E: fmt::Display> fmt::Display for TimedInitError<E> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Failed(error) => write!(f, "the initialiser failed: {error}"),
            Self::TimedOut { name, waited } => write!(
                f,
                "the initialiser of `{name}` did not finish within {waited:?}"
            ),
        }
    }
}

impl<E: Error + 'static> Error for TimedInitError<E> {
    fn source(&self) -> Option<&(dyn Error + 'static)> {
        match self {
            Self::Failed(error) => Some(error),
            Self::TimedOut { .. } => None,
        }
    }
}
