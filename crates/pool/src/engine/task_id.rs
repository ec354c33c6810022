//! Task ids: unique in the process (so within every pool), handed out without a shared
//! read-modify-write per task.
//!
//! Each thread takes ids in blocks from one global counter and hands them out from a
//! thread-local cell. Why not one counter bumped per task: on the submitter, every
//! read-modify-write waits until the stores before it (the queue slot it just wrote, a line
//! the worker is reading) have left the core, so a per-task counter cost about as much as
//! the rest of `execute` together (`docs/notes/pool-benchmarks.md`).
//!
//! The counter is a static atomic: ids are not part of any protocol a model checks.

use std::cell::Cell;

use selvedge_locks::sync::static_atomic::{AtomicU64, Ordering};

/// Ids a thread takes at a time.
const BLOCK: u64 = 1024;

/// The first id of the next block any thread takes.
static NEXT_BLOCK: AtomicU64 = AtomicU64::new(0);

selvedge_locks::loom_thread_local! {
    /// This thread's block: the next id to hand out and the end of the block.
    static IDS: Cell<(u64, u64)> = const { Cell::new((0, 0)) };
}

/// A task id no other call returns (until 2^64 ids).
pub(crate) fn next() -> u64 {
    IDS.try_with(|ids| {
        let (mut next, mut end) = ids.get();
        if next == end {
            next = NEXT_BLOCK.fetch_add(BLOCK, Ordering::Relaxed);
            end = next + BLOCK;
        }
        ids.set((next + 1, end));
        next
    })
    // A submission from a thread-local destructor, after ours is gone: a block of one.
    .unwrap_or_else(|_| NEXT_BLOCK.fetch_add(BLOCK, Ordering::Relaxed))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashSet;

    #[test]
    fn ids_are_unique_across_threads_and_blocks() {
        let per_thread = (BLOCK * 2 + 3) as usize;
        let all: Vec<Vec<u64>> = std::thread::scope(|s| {
            let workers: Vec<_> = (0..4)
                .map(|_| s.spawn(move || (0..per_thread).map(|_| next()).collect::<Vec<_>>()))
                .collect();
            workers.into_iter().map(|w| w.join().unwrap()).collect()
        });
        let mut seen = HashSet::new();
        for ids in &all {
            assert!(ids.windows(2).all(|w| w[0] < w[1]), "increasing per thread");
            for &id in ids {
                assert!(seen.insert(id), "id {id} handed out twice");
            }
        }
        assert_eq!(seen.len(), per_thread * 4);
    }
}
