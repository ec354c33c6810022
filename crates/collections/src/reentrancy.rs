//! Re-entrance detection: a thread-local record of which maps this thread is inside.
//!
//! A user closure runs while its shard lock is held. If that closure calls the same map again,
//! the call may need the very lock this thread already holds, and would block forever. Java's
//! `ConcurrentHashMap` throws `IllegalStateException("Recursive update")` there; we panic with a
//! message that names the problem, after emitting `collections.reentrant_use`.
//!
//! Cost model: the record is touched only by methods that call user code (one thread-local
//! read, a push and a pop). Methods that never call user code (`get`, `insert`, `remove`, ...)
//! take their shard lock with `try_*` first; only when that fails, which is the one situation a
//! re-entrant call could deadlock in, do they look at the record (see [`check_before_blocking`]).

use std::cell::Cell;

/// How many nested closures (of different maps) one thread can be inside and still be
/// checked. Deeper nesting is allowed; the maps past this depth are simply not recorded.
const DEPTH: usize = 8;

/// The maps this thread is inside, innermost last. A map is named by the address of its shard
/// array, which does not move while a closure borrows the map.
struct Inside {
    ids: [Cell<usize>; DEPTH],
    len: Cell<usize>,
}

impl Inside {
    const fn new() -> Self {
        Self {
            ids: [const { Cell::new(0) }; DEPTH],
            len: Cell::new(0),
        }
    }

    fn contains(&self, id: usize) -> bool {
        let len = self.len.get().min(DEPTH);
        self.ids[..len].iter().any(|slot| slot.get() == id)
    }
}

// Under loom every model thread runs on the same OS thread, so a std thread-local would be
// shared between model threads and report re-entrance that is not there; loom's own
// `thread_local!` gives each model thread its own record.
#[cfg(not(selvedge_loom))]
std::thread_local! {
    static INSIDE: Inside = const { Inside::new() };
}
#[cfg(selvedge_loom)]
loom::thread_local! {
    static INSIDE: Inside = Inside::new();
}

/// Marks this thread as inside a closure of map `id` until dropped.
///
/// Created before the shard lock is taken (so a re-entrant call panics before it could block)
/// and dropped after the lock is released. The record is private to its thread, so it never
/// misleads another thread.
pub(crate) struct ClosureScope(());

impl ClosureScope {
    /// Enters map `id`'s closure; panics if this thread is already inside one of its closures.
    #[inline]
    #[track_caller]
    pub(crate) fn enter(id: usize, operation: &'static str) -> Self {
        let reentered = INSIDE.with(|inside| {
            let len = inside.len.get();
            if len != 0 && inside.contains(id) {
                return true;
            }
            if len < DEPTH {
                inside.ids[len].set(id);
            }
            inside.len.set(len + 1);
            false
        });
        // Outside the closure: `#[track_caller]` does not reach through closures, and the
        // event's location must be the user's call.
        if reentered {
            reentrant_use(operation);
        }
        Self(())
    }
}

impl Drop for ClosureScope {
    #[inline]
    fn drop(&mut self) {
        INSIDE.with(|inside| inside.len.set(inside.len.get() - 1));
    }
}

/// Panics if this thread is inside a closure of map `id`; called by the plain methods when
/// their `try_*` lock attempt failed, just before they would block.
#[cold]
#[inline(never)]
#[track_caller]
pub(crate) fn check_before_blocking(id: usize, operation: &'static str) {
    if INSIDE.with(|inside| inside.contains(id)) {
        reentrant_use(operation);
    }
}

#[cold]
#[inline(never)]
#[track_caller]
pub(crate) fn reentrant_use(operation: &'static str) -> ! {
    let location = std::panic::Location::caller();
    tracing::event!(
        name: selvedge_trace::events::COLLECTIONS_REENTRANT_USE,
        target: selvedge_trace::targets::COLLECTIONS,
        tracing::Level::ERROR,
        location = %location,
    );
    panic!(
        "re-entrant use of a selvedge-collections map: `{operation}` was called on a map from \
         inside a closure that this same map is running under one of its shard locks; this \
         would deadlock. Compute what you need, return from the closure, then call the map again"
    );
}

#[cfg(test)]
mod tests {
    use super::*;

    fn is_inside(id: usize) -> bool {
        INSIDE.with(|inside| inside.contains(id))
    }

    #[test]
    fn nested_scopes_of_different_maps_are_allowed_and_unwound() {
        let outer = ClosureScope::enter(1, "test");
        {
            let _inner = ClosureScope::enter(2, "test");
            assert!(is_inside(1) && is_inside(2));
        }
        assert!(is_inside(1) && !is_inside(2));
        drop(outer);
        assert!(!is_inside(1));
    }

    #[test]
    #[should_panic(expected = "re-entrant use")]
    fn entering_the_same_map_twice_panics() {
        let _outer = ClosureScope::enter(7, "test");
        let _inner = ClosureScope::enter(7, "test");
    }

    #[test]
    fn scopes_deeper_than_the_record_still_unwind() {
        let scopes: Vec<_> = (1..=DEPTH + 2)
            .map(|id| ClosureScope::enter(id, "test"))
            .collect();
        assert!(is_inside(1) && !is_inside(DEPTH + 1));
        drop(scopes);
        assert!(!is_inside(1));
    }
}
