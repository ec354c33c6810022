//! Re-entrance detection: a thread-local record of which maps this thread is inside.
//!
//! A user closure runs while its shard lock is held. If that closure calls the same map again,
//! the call may need the very lock this thread already holds, and would block forever. Java's
//! `ConcurrentHashMap` throws `IllegalStateException("Recursive update")` there; we panic with a
//! message that names the problem, after emitting `collections.reentrant_use`.
//!
//! Cost model: the record is touched only by methods that call user code (one thread-local
//! read, a push and a pop; nesting more than eight maps deep also pushes onto a `Vec`). Methods that never call user code (`get`, `insert`, `remove`, ...)
//! take their shard lock with `try_*` first; only when that fails, which is the one situation a
//! re-entrant call could deadlock in, do they look at the record (see [`check_before_blocking`]).

use std::cell::{Cell, RefCell};

/// How many nested closures (of different maps) the record keeps in place: no allocation and
/// no thread-local destructor, which is every program's case. Deeper nesting spills into
/// [`DEEPER`], so every level is checked, however deep.
const INLINE: usize = 8;

/// The maps this thread is inside, outermost first: the first [`INLINE`] here, the rest in
/// [`DEEPER`]. A map is named by the address of its shard array, which does not move while a
/// closure borrows the map.
struct Inside {
    ids: [Cell<usize>; INLINE],
    /// How many maps this thread is inside, counting those in [`DEEPER`].
    len: Cell<usize>,
}

impl Inside {
    const fn new() -> Self {
        Self {
            ids: [const { Cell::new(0) }; INLINE],
            len: Cell::new(0),
        }
    }

    fn contains(&self, id: usize) -> bool {
        let len = self.len.get();
        self.ids[..len.min(INLINE)]
            .iter()
            .any(|slot| slot.get() == id)
            || (len > INLINE && deeper_contains(id))
    }
}

// Per model thread under loom (the facade's macro): a record shared between model threads
// would report re-entrance that is not there.
selvedge_locks::loom_thread_local! {
    static INSIDE: Inside = const { Inside::new() };
    /// The maps past the first [`INLINE`], outermost first. A separate thread-local so that
    /// only nesting this deep allocates and registers a destructor.
    static DEEPER: RefCell<Vec<usize>> = const { RefCell::new(Vec::new()) };
}

fn deeper_contains(id: usize) -> bool {
    // Once this thread's `DEEPER` is destroyed nothing can be pushed onto it (see `push`).
    DEEPER
        .try_with(|deeper| deeper.borrow().contains(&id))
        .unwrap_or(false)
}

/// Records map `id` past the inline slots.
#[track_caller]
fn push_deeper(id: usize, operation: &'static str) {
    if DEEPER
        .try_with(|deeper| deeper.borrow_mut().push(id))
        .is_err()
    {
        // Only a thread-local destructor running after `DEEPER`'s own, nesting more than
        // `INLINE` maps, gets here. The level cannot be recorded, so it could not be checked:
        // refuse it loudly rather than risk a silent deadlock.
        panic!(
            "selvedge-collections: `{operation}` nested inside {INLINE} other map closures while \
             this thread's locals are being destroyed; re-entrance at this depth cannot be \
             checked, so the call is refused"
        );
    }
}

fn pop_deeper() {
    // Ignoring the error is right: a level that could not be pushed was refused by a panic.
    let _ = DEEPER.try_with(|deeper| deeper.borrow_mut().pop());
}

/// Marks this thread as inside a closure of map `id` until dropped.
///
/// Created before the shard lock is taken (so a re-entrant call panics before it could block)
/// and dropped after the lock is released. The record is private to its thread, so it never
/// misleads another thread. Scopes nest strictly (each lives in one method call), so the
/// record is a stack.
pub(crate) struct ClosureScope(());

impl ClosureScope {
    /// Enters map `id`'s closure; panics if this thread is already inside one of its closures.
    #[inline]
    #[track_caller]
    pub(crate) fn enter(id: usize, operation: &'static str) -> Self {
        // `Some(true)`: recorded in place; `Some(false)`: past the inline slots; `None`: re-entered.
        let recorded = INSIDE.with(|inside| {
            let len = inside.len.get();
            if len != 0 && inside.contains(id) {
                return None;
            }
            if len < INLINE {
                inside.ids[len].set(id);
                inside.len.set(len + 1);
            }
            Some(len < INLINE)
        });
        // Outside the closures: `#[track_caller]` does not reach through closures, and the
        // event's location must be the user's call.
        match recorded {
            None => reentrant_use(operation),
            Some(true) => {}
            Some(false) => {
                push_deeper(id, operation);
                INSIDE.with(|inside| inside.len.set(inside.len.get() + 1));
            }
        }
        Self(())
    }

    /// Enters map `id` unless this thread is inside it already (then `None`: the outer scope
    /// keeps the record). For work that runs user code under a lock from a method that may
    /// itself run inside a closure of this map: growing a table, which hashes its keys.
    #[inline]
    #[track_caller]
    pub(crate) fn enter_unless_inside(id: usize, operation: &'static str) -> Option<Self> {
        if INSIDE.with(|inside| inside.contains(id)) {
            None
        } else {
            Some(Self::enter(id, operation))
        }
    }
}

impl Drop for ClosureScope {
    #[inline]
    fn drop(&mut self) {
        let len = INSIDE.with(|inside| {
            let len = inside.len.get() - 1;
            inside.len.set(len);
            len
        });
        if len >= INLINE {
            pop_deeper();
        }
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
    fn scopes_deeper_than_the_inline_slots_are_recorded_and_unwound() {
        let mut scopes: Vec<_> = (1..=INLINE + 12)
            .map(|id| ClosureScope::enter(id, "test"))
            .collect();
        assert!(is_inside(1) && is_inside(INLINE) && is_inside(INLINE + 12));
        assert!(!is_inside(INLINE + 13));
        // Unwind innermost first, as nested method calls do.
        while let Some(scope) = scopes.pop() {
            drop(scope);
            assert!(!is_inside(scopes.len() + 1));
            assert!(scopes.is_empty() || is_inside(scopes.len()));
        }
        assert_eq!(DEEPER.with(|deeper| deeper.borrow().len()), 0);
    }
}
