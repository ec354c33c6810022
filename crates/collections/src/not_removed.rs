//! [`NotRemoved`]: why a conditional removal removed nothing.

use std::fmt;

/// Why [`ConcurrentMap::remove_if`](crate::ConcurrentMap::remove_if) (or the set's) removed
/// nothing: the key was not there, or the predicate refused the entry that was.
///
/// papaya's `remove_if` tells the two apart the same way (`Ok(None)` and `Err(current)`);
/// dashmap's returns `None` for both.
///
/// # Examples
///
/// ```
/// use selvedge_collections::{ConcurrentMap, NotRemoved};
///
/// let sessions = ConcurrentMap::new();
/// sessions.insert("ann", 3);
/// assert_eq!(sessions.remove_if("bob", |_, _| true), Err(NotRemoved::Absent));
/// assert_eq!(sessions.remove_if("ann", |_, &token| token == 4), Err(NotRemoved::Refused));
/// assert_eq!(sessions.remove_if("ann", |_, &token| token == 3), Ok(3));
/// assert!(NotRemoved::Refused.to_string().contains("refused"));
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum NotRemoved {
    /// The key was not in the map (the predicate was not called).
    Absent,
    /// The key was there, and the predicate returned `false` for it: the entry stays.
    Refused,
}

impl fmt::Display for NotRemoved {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::Absent => "not removed: the key was absent",
            Self::Refused => "not removed: the predicate refused the entry",
        })
    }
}

impl std::error::Error for NotRemoved {}
