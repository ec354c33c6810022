//! [`Levels`]: the pool's queue, one lock-free FIFO ([`Injector`]) per priority level, served
//! most urgent first, and [`LowGuard`], each worker's count that lets Low through after a long
//! run of higher-priority starts.
//!
//! Every submitter pushes onto its task's level and every worker steals from the most urgent
//! non-empty one, with no lock: the queue never serialises the workers (a single pool lock did,
//! see `docs/benchmarks.md`). Its length is not bounded here: the capacity is checked against
//! the tally (`tally.rs`), which counts tasks reserved and not yet taken.

use super::injector::Injector;
use crate::Priority;

/// After this many tasks of higher levels started in a row by one worker while a Low task was
/// waiting, that worker starts the oldest Low task next (so Low waits at most this many starts
/// per worker, never forever).
///
/// Urgent, High and Normal stay strictly ordered among themselves; the guard only lifts Low.
///
/// ```
/// assert_eq!(selvedge_pool::LOW_PRIORITY_GUARD, 64);
/// ```
pub const LOW_PRIORITY_GUARD: u32 = 64;

/// One FIFO per [`Priority`], indexed by [`Priority::index`].
pub(crate) struct Levels<T> {
    levels: [Injector<T>; 4],
}

/// One worker's count of higher-level starts since it last started a Low task while Low
/// was non-empty (see [`LOW_PRIORITY_GUARD`]). Per worker, so the guard writes no shared line.
#[derive(Debug, Default)]
pub(crate) struct LowGuard {
    skipped: u32,
}

impl<T> Levels<T> {
    pub(crate) fn new() -> Self {
        Self {
            levels: std::array::from_fn(|_| Injector::new()),
        }
    }

    /// Items queued now (a snapshot: pushes and steals go on meanwhile).
    pub(crate) fn len(&self) -> usize {
        self.levels.iter().map(Injector::len).sum()
    }

    pub(crate) fn len_of(&self, priority: Priority) -> usize {
        self.levels[priority.index()].len()
    }

    /// Appends `item` to its level. The caller reserved its place in the tally first; the
    /// queue itself never refuses, so a handed-over task cannot be lost here.
    #[inline]
    pub(crate) fn push(&self, priority: Priority, item: T) {
        self.levels[priority.index()].push(item);
    }

    /// The next item to start: the oldest of the most urgent non-empty level, unless this
    /// worker (`guard`) has passed Low over [`LOW_PRIORITY_GUARD`] times in a row. Each level
    /// is stolen from without asking `is_empty` first: that reads the tail every push writes,
    /// one more cache line moved per task (measured 1.2-1.4x slower on the pool bench), where a
    /// steal of a busy level reads it only near the submitters; an empty level costs a fence.
    #[inline]
    pub(crate) fn pop(&self, guard: &mut LowGuard) -> Option<T> {
        let low = &self.levels[Priority::Low.index()];
        if guard.skipped >= LOW_PRIORITY_GUARD {
            guard.skipped = 0;
            if let Some(item) = low.steal() {
                return Some(item);
            }
        }
        for (index, level) in self.levels.iter().enumerate() {
            if let Some(item) = level.steal() {
                if index == Priority::Low.index() {
                    guard.skipped = 0;
                } else if !low.is_empty() {
                    guard.skipped += 1;
                }
                return Some(item);
            }
        }
        None
    }

    /// Takes every item queued now, most urgent first, FIFO within a level.
    pub(crate) fn drain(&self) -> Vec<T> {
        let mut all = Vec::new();
        for level in &self.levels {
            all.extend(std::iter::from_fn(|| level.steal()));
        }
        all
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn strict_between_levels_fifo_within() {
        let q = Levels::new();
        let mut guard = LowGuard::default();
        q.push(Priority::Normal, "n1");
        q.push(Priority::Low, "l1");
        q.push(Priority::High, "h1");
        q.push(Priority::Normal, "n2");
        q.push(Priority::Urgent, "u1");
        q.push(Priority::High, "h2");
        let order: Vec<_> = std::iter::from_fn(|| q.pop(&mut guard)).collect();
        assert_eq!(order, ["u1", "h1", "h2", "n1", "n2", "l1"]);
        assert_eq!(q.len(), 0);
    }

    #[test]
    fn guard_lifts_low_after_limit() {
        let n = LOW_PRIORITY_GUARD as usize + 2;
        let q = Levels::new();
        let mut guard = LowGuard::default();
        q.push(Priority::Low, usize::MAX);
        for i in 0..n {
            q.push(Priority::High, i);
        }
        let order: Vec<_> = std::iter::from_fn(|| q.pop(&mut guard)).collect();
        let low_at = order.iter().position(|&x| x == usize::MAX);
        assert_eq!(low_at, Some(LOW_PRIORITY_GUARD as usize));
    }

    #[test]
    fn len_and_drain() {
        let q = Levels::new();
        q.push(Priority::Low, 1);
        q.push(Priority::Low, 2);
        q.push(Priority::Urgent, 3);
        assert_eq!(q.len(), 3);
        assert_eq!(q.len_of(Priority::Low), 2);
        assert_eq!(q.drain(), vec![3, 1, 2]);
        assert_eq!(q.len(), 0);
    }
}
