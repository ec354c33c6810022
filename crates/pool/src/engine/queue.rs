//! The bounded priority queue: one FIFO per level, served most urgent first, with a guard
//! that lets Low through after a long run of higher-priority tasks.
//!
//! It lives inside the pool's mutex, so it is a plain data structure: no atomics, no locks.
//! It does not bound itself: the capacity is checked against the pool's tally, which also
//! counts tasks still in the intake (see `intake.rs`).

use std::collections::VecDeque;

use crate::Priority;

/// After this many tasks of higher levels started in a row while a Low task was waiting,
/// the oldest Low task starts next (so Low waits at most this many starts, never forever).
///
/// Urgent, High and Normal stay strictly ordered among themselves; the guard only lifts Low.
///
/// ```
/// assert_eq!(selvedge_pool::LOW_PRIORITY_GUARD, 64);
/// ```
pub const LOW_PRIORITY_GUARD: u32 = 64;

/// One FIFO per [`Priority`], indexed by [`Priority::index`].
///
/// `repr(C)`: the header every push and pop reads comes first, before the levels (see
/// `State` in `pool.rs`).
#[derive(Debug)]
#[repr(C)]
pub(crate) struct PriorityQueue<T> {
    len: usize,
    /// Higher-level starts since Low was last served while Low was non-empty.
    low_skipped: u32,
    levels: [VecDeque<T>; 4],
}

impl<T> PriorityQueue<T> {
    pub(crate) fn new() -> Self {
        Self {
            levels: Default::default(),
            len: 0,
            low_skipped: 0,
        }
    }

    pub(crate) fn len(&self) -> usize {
        self.len
    }

    pub(crate) fn is_empty(&self) -> bool {
        self.len == 0
    }

    pub(crate) fn len_of(&self, priority: Priority) -> usize {
        self.levels[priority.index()].len()
    }

    /// Appends `item` to its level. The caller checks the capacity first; the queue itself
    /// never refuses, so a handed-over task cannot be lost here.
    pub(crate) fn push(&mut self, priority: Priority, item: T) {
        self.levels[priority.index()].push_back(item);
        self.len += 1;
    }

    /// Takes back the newest item of `priority` (undoes a [`push`](Self::push)).
    pub(crate) fn pop_newest(&mut self, priority: Priority) -> Option<T> {
        let item = self.levels[priority.index()].pop_back()?;
        self.len -= 1;
        Some(item)
    }

    /// The next item to start: the oldest of the most urgent non-empty level, unless Low has
    /// been passed over [`LOW_PRIORITY_GUARD`] times in a row.
    pub(crate) fn pop(&mut self) -> Option<T> {
        if self.len == 0 {
            return None;
        }
        let low = Priority::Low.index();
        let low_waiting = !self.levels[low].is_empty();
        let level = if low_waiting && self.low_skipped >= LOW_PRIORITY_GUARD {
            low
        } else {
            self.levels.iter().position(|l| !l.is_empty())?
        };
        if level == low {
            self.low_skipped = 0;
        } else if low_waiting {
            self.low_skipped += 1;
        }
        self.len -= 1;
        self.levels[level].pop_front()
    }

    /// Removes every item, most urgent first, FIFO within a level.
    pub(crate) fn drain(&mut self) -> Vec<T> {
        let mut all = Vec::with_capacity(self.len);
        for level in &mut self.levels {
            all.extend(level.drain(..));
        }
        self.len = 0;
        all
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn strict_between_levels_fifo_within() {
        let mut q = PriorityQueue::new();
        q.push(Priority::Normal, "n1");
        q.push(Priority::Low, "l1");
        q.push(Priority::High, "h1");
        q.push(Priority::Normal, "n2");
        q.push(Priority::Urgent, "u1");
        q.push(Priority::High, "h2");
        let order: Vec<_> = std::iter::from_fn(|| q.pop()).collect();
        assert_eq!(order, ["u1", "h1", "h2", "n1", "n2", "l1"]);
        assert!(q.is_empty());
    }

    #[test]
    fn guard_lifts_low_after_limit() {
        let n = LOW_PRIORITY_GUARD as usize + 2;
        let mut q = PriorityQueue::new();
        q.push(Priority::Low, usize::MAX);
        for i in 0..n {
            q.push(Priority::High, i);
        }
        let order: Vec<_> = std::iter::from_fn(|| q.pop()).collect();
        let low_at = order.iter().position(|&x| x == usize::MAX);
        assert_eq!(low_at, Some(LOW_PRIORITY_GUARD as usize));
    }

    #[test]
    fn len_and_undo() {
        let mut q = PriorityQueue::new();
        q.push(Priority::Low, 1);
        q.push(Priority::Low, 2);
        assert_eq!(q.len(), 2);
        assert_eq!(q.len_of(Priority::Low), 2);
        assert_eq!(q.pop_newest(Priority::Low), Some(2));
        assert_eq!(q.drain(), vec![1]);
        assert_eq!(q.len(), 0);
    }
}
