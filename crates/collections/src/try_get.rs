//! [`TryGet`]: what a lookup that never blocks found.

/// What [`ConcurrentMap::try_get`](crate::ConcurrentMap::try_get) found without blocking.
///
/// dashmap's `try_get` answers the same three ways (`TryResult`). `Locked` means a writer held
/// the key's shard at that instant; it says nothing about whether the key is there.
///
/// # Examples
///
/// ```
/// use selvedge_collections::{ConcurrentMap, TryGet};
///
/// let prices = ConcurrentMap::new();
/// prices.insert("tea", 3);
/// assert_eq!(prices.try_get("tea"), TryGet::Present(3));
/// assert_eq!(prices.try_get("cake"), TryGet::Absent);
/// // Inside a closure that holds the shard for writing, a lookup of the same shard would
/// // block forever; `try_get` says so instead.
/// prices.update("tea", |price| {
///     assert_eq!(prices.try_get("tea"), TryGet::Locked);
///     *price += 1;
/// });
/// assert_eq!(prices.try_get("tea").present(), Some(4));
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum TryGet<V> {
    /// The key was there; a clone of its value.
    Present(V),
    /// The key was not there.
    Absent,
    /// The key's shard was held by a writer: looking would have blocked.
    Locked,
}

impl<V> TryGet<V> {
    /// The value, if the lookup found one.
    ///
    /// ```
    /// use selvedge_collections::TryGet;
    /// assert_eq!(TryGet::Present(1).present(), Some(1));
    /// assert_eq!(TryGet::<i32>::Locked.present(), None);
    /// ```
    pub fn present(self) -> Option<V> {
        match self {
            Self::Present(value) => Some(value),
            Self::Absent | Self::Locked => None,
        }
    }

    /// Whether the shard was held by a writer.
    ///
    /// ```
    /// use selvedge_collections::TryGet;
    /// assert!(TryGet::<()>::Locked.is_locked());
    /// assert!(!TryGet::<()>::Absent.is_locked());
    /// ```
    pub fn is_locked(&self) -> bool {
        matches!(self, Self::Locked)
    }
}
