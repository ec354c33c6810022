//! [`CapacityError`]: a map or set could not be given the capacity asked for.

use std::fmt;

/// Why [`ConcurrentMap::try_with_capacity`](crate::ConcurrentMap::try_with_capacity) (or the
/// set's) could not reserve room for `requested` entries.
///
/// # Examples
///
/// ```
/// use selvedge_collections::{CapacityError, ConcurrentMap};
///
/// let err = ConcurrentMap::<u64, u64>::try_with_capacity(usize::MAX).unwrap_err();
/// assert!(matches!(err, CapacityError::Overflow { requested: usize::MAX }));
/// assert!(err.to_string().contains("too large"));
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum CapacityError {
    /// The tables for `requested` entries would exceed the largest possible allocation.
    Overflow {
        /// The capacity asked for.
        requested: usize,
    },
    /// The allocator refused `bytes` bytes for one shard's table.
    AllocationFailed {
        /// The capacity asked for.
        requested: usize,
        /// The size of the allocation that failed.
        bytes: usize,
    },
}

impl CapacityError {
    /// The capacity that was asked for.
    ///
    /// ```
    /// use selvedge_collections::ConcurrentSet;
    /// let err = ConcurrentSet::<u8>::try_with_capacity(usize::MAX).unwrap_err();
    /// assert_eq!(err.requested(), usize::MAX);
    /// ```
    #[must_use]
    pub fn requested(&self) -> usize {
        match *self {
            Self::Overflow { requested } | Self::AllocationFailed { requested, .. } => requested,
        }
    }

    pub(crate) fn from_reserve(requested: usize, error: hashbrown::TryReserveError) -> Self {
        match error {
            hashbrown::TryReserveError::CapacityOverflow => Self::Overflow { requested },
            hashbrown::TryReserveError::AllocError { layout } => Self::AllocationFailed {
                requested,
                bytes: layout.size(),
            },
        }
    }
}

impl fmt::Display for CapacityError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match *self {
            Self::Overflow { requested } => write!(
                f,
                "a capacity of {requested} entries is too large: the tables would exceed the \
                 largest possible allocation"
            ),
            Self::AllocationFailed { requested, bytes } => write!(
                f,
                "could not allocate {bytes} bytes for one shard of a {requested}-entry capacity"
            ),
        }
    }
}

impl std::error::Error for CapacityError {}
