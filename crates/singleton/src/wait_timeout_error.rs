//! [`WaitTimeoutError`]: [`Global::wait_timeout`](crate::Global::wait_timeout) ran out of time.

use std::error::Error;
use std::fmt;
use std::time::Duration;

/// No instance was stored in a [`Global`](crate::Global) within the time given to
/// [`wait_timeout`](crate::Global::wait_timeout).
///
/// # Examples
///
/// ```
/// use std::time::Duration;
/// use selvedge_singleton::Global;
///
/// let global: Global<u8> = Global::named("config");
/// let error = global.wait_timeout(Duration::ZERO).unwrap_err();
/// assert_eq!(error.name(), "config");
/// assert!(error.waited() >= Duration::ZERO);
/// assert!(error.to_string().starts_with("no instance of `config` was stored within"));
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct WaitTimeoutError {
    name: &'static str,
    waited: Duration,
}

impl WaitTimeoutError {
    /// The error of a wait on the global `name` that lasted `waited`.
    pub(crate) fn new(name: &'static str, waited: Duration) -> Self {
        Self { name, waited }
    }

    /// The global's name (see [`Global::named`](crate::Global::named)).
    ///
    /// ```
    /// let global = selvedge_singleton::Global::<u8>::new();
    /// let error = global.wait_timeout(std::time::Duration::ZERO).unwrap_err();
    /// assert_eq!(error.name(), "unnamed");
    /// ```
    #[must_use]
    pub fn name(&self) -> &'static str {
        self.name
    }

    /// How long the caller waited.
    ///
    /// ```
    /// use std::time::Duration;
    /// let global = selvedge_singleton::Global::<u8>::new();
    /// let error = global.wait_timeout(Duration::from_millis(5)).unwrap_err();
    /// assert!(error.waited() >= Duration::from_millis(5));
    /// ```
    #[must_use]
    pub fn waited(&self) -> Duration {
        self.waited
    }
}

impl fmt::Display for WaitTimeoutError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "no instance of `{}` was stored within {:?}",
            self.name, self.waited
        )
    }
}

impl Error for WaitTimeoutError {}
