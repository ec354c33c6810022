//! [`MapIntoIter`]: a map taken apart into its entries.

use super::{ConcurrentMap, Table};

/// The entries of a [`ConcurrentMap`] it was consumed into, shard by shard, in no particular
/// order (`for (key, value) in map`). Owning the map, it takes no lock.
///
/// # Examples
///
/// ```
/// use selvedge_collections::ConcurrentMap;
///
/// let map: ConcurrentMap<&str, u32> = [("a", 1), ("b", 2)].into_iter().collect();
/// let mut entries: Vec<(&str, u32)> = map.into_iter().collect();
/// entries.sort();
/// assert_eq!(entries, [("a", 1), ("b", 2)]);
/// ```
pub struct MapIntoIter<K, V> {
    shards: std::vec::IntoIter<Table<K, V>>,
    current: Option<hashbrown::hash_table::IntoIter<super::Slot<K, V>>>,
    left: usize,
}

impl<K, V, S> IntoIterator for ConcurrentMap<K, V, S> {
    type Item = (K, V);
    type IntoIter = MapIntoIter<K, V>;

    fn into_iter(self) -> MapIntoIter<K, V> {
        let shards = self.into_tables();
        let left = shards.iter().map(Table::len).sum();
        MapIntoIter {
            shards: shards.into_iter(),
            current: None,
            left,
        }
    }
}

impl<K, V> Iterator for MapIntoIter<K, V> {
    type Item = (K, V);

    fn next(&mut self) -> Option<(K, V)> {
        loop {
            if let Some(slot) = self.current.as_mut().and_then(Iterator::next) {
                self.left -= 1;
                return Some((slot.key, slot.value));
            }
            self.current = Some(self.shards.next()?.into_entries());
        }
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        (self.left, Some(self.left))
    }
}

impl<K, V> ExactSizeIterator for MapIntoIter<K, V> {}

impl<K, V> std::iter::FusedIterator for MapIntoIter<K, V> {}

impl<K, V> std::fmt::Debug for MapIntoIter<K, V> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("MapIntoIter")
            .field("left", &self.left)
            .finish()
    }
}
