//! [`SetIntoIter`]: a set taken apart into its values.

use std::fmt;

use super::ConcurrentSet;
use crate::map::MapIntoIter;

/// The values of a [`ConcurrentSet`] it was consumed into, in no particular order
/// (`for value in set`). Owning the set, it takes no lock.
///
/// # Examples
///
/// ```
/// use selvedge_collections::ConcurrentSet;
///
/// let online: ConcurrentSet<&str> = ["ann", "bob"].into_iter().collect();
/// let mut names: Vec<&str> = online.into_iter().collect();
/// names.sort();
/// assert_eq!(names, ["ann", "bob"]);
/// ```
pub struct SetIntoIter<T> {
    entries: MapIntoIter<T, ()>,
}

impl<T, S> IntoIterator for ConcurrentSet<T, S> {
    type Item = T;
    type IntoIter = SetIntoIter<T>;

    fn into_iter(self) -> SetIntoIter<T> {
        SetIntoIter {
            entries: self.map.into_iter(),
        }
    }
}

impl<T> Iterator for SetIntoIter<T> {
    type Item = T;

    fn next(&mut self) -> Option<T> {
        self.entries.next().map(|(value, ())| value)
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        self.entries.size_hint()
    }
}

impl<T> ExactSizeIterator for SetIntoIter<T> {}

impl<T> std::iter::FusedIterator for SetIntoIter<T> {}

impl<T> fmt::Debug for SetIntoIter<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SetIntoIter")
            .field("left", &self.entries.len())
            .finish()
    }
}
