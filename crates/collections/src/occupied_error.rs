//! [`OccupiedError`]: `try_insert` found its key already present.

use std::fmt;

/// [`ConcurrentMap::try_insert`](crate::ConcurrentMap::try_insert) found the key already in
/// the map, and left the entry as it was: here are the key and value it did not insert.
///
/// std's (unstable) and papaya's `try_insert` return the current value as a reference beside
/// the value not inserted; this map lends no references, so read the current value with
/// [`get`](crate::ConcurrentMap::get) or [`get_with`](crate::ConcurrentMap::get_with), or use
/// [`get_or_insert_with`](crate::ConcurrentMap::get_or_insert_with) to get it in the same
/// step.
///
/// # Examples
///
/// ```
/// use selvedge_collections::ConcurrentMap;
///
/// let owners = ConcurrentMap::new();
/// assert!(owners.try_insert("12A", "ann").is_ok());
/// let refused = owners.try_insert("12A", "bob").unwrap_err();
/// assert_eq!((refused.key, refused.value), ("12A", "bob"));
/// assert_eq!(owners.get("12A"), Some("ann"));
/// assert!(refused.to_string().contains("already present"));
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OccupiedError<K, V> {
    /// The key that was not inserted (the map keeps its own, equal, key).
    pub key: K,
    /// The value that was not inserted.
    pub value: V,
}

impl<K: fmt::Debug, V> fmt::Display for OccupiedError<K, V> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "key {:?} is already present; the value was not inserted",
            self.key
        )
    }
}

impl<K: fmt::Debug, V: fmt::Debug> std::error::Error for OccupiedError<K, V> {}
