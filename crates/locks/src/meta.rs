//! What every public lock knows about itself: a name for reports and a stable order id.

use std::sync::atomic::{AtomicU64, Ordering};

/// The name of a lock built with `new` rather than `named`.
pub(crate) const UNNAMED: &str = "unnamed";

/// The next id to hand out; 0 means "not assigned yet", so ids start at 1.
// Plain std atomics, not the facade's: ids are bookkeeping, never part of a protocol loom must
// explore, and loom atomics cannot live in a `static`.
static NEXT_ID: AtomicU64 = AtomicU64::new(1);

/// A lock's name and its id in the global lock order.
///
/// The id is assigned lazily, on the first call that needs it (ordered multi-locking or lock
/// order checking), so `const fn new` works and the plain `lock()` path never touches it.
/// Ids are unique for the life of the process and never reused, so an order recorded for a
/// dropped lock can never be confused with a new lock at the same address.
#[derive(Debug)]
pub(crate) struct LockMeta {
    id: AtomicU64,
    name: &'static str,
}

impl LockMeta {
    pub(crate) const fn new(name: &'static str) -> Self {
        Self {
            id: AtomicU64::new(0),
            name,
        }
    }

    pub(crate) const fn name(&self) -> &'static str {
        self.name
    }

    /// This lock's id, assigning one if it has none. Every caller sees the same id.
    #[inline]
    pub(crate) fn id(&self) -> u64 {
        match self.id.load(Ordering::Acquire) {
            0 => self.assign_id(),
            id => id,
        }
    }

    #[cold]
    fn assign_id(&self) -> u64 {
        let fresh = NEXT_ID.fetch_add(1, Ordering::Relaxed);
        match self
            .id
            .compare_exchange(0, fresh, Ordering::AcqRel, Ordering::Acquire)
        {
            Ok(_) => fresh,
            // Another thread assigned one first: its id wins, `fresh` is simply never used.
            Err(winner) => winner,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::LockMeta;

    #[test]
    fn ids_are_stable_and_distinct() {
        let a = LockMeta::new("a");
        let b = LockMeta::new("b");
        let first = a.id();
        assert_eq!(a.id(), first);
        assert_ne!(b.id(), first);
        assert_ne!(first, 0);
    }
}
