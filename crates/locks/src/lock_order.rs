//! Lock-order checking (cargo feature `lock-order`): potential deadlocks reported before they
//! happen.
//!
//! With the feature on, every blocking acquisition made while the thread holds other locks
//! records an edge "held → acquired" in one global graph, with the call sites of both
//! acquisitions. An acquisition whose edge would close a cycle (some thread once took these
//! locks in the opposite order) is reported **before** it blocks, naming both locks and the
//! call sites of both orders, even in a run where no deadlock happened. Re-locking a
//! [`Mutex`](crate::Mutex) or [`RwLock`](crate::RwLock) on the thread that holds it (a certain
//! self-deadlock) always panics with a clear message instead of hanging; a timed
//! acquisition (`try_lock_for`, `try_read_until`, ...) of such a lock just times out, since
//! its wait ends by itself (a timeout too long to represent, which waits without limit, is
//! checked like `lock`).
//!
//! What happens on a violation is [`OrderAction`], set with [`set_action`]: a panic (the
//! default: recommended for debug and test builds) or a `lock.order_violation` tracing event at
//! ERROR level, after which the acquisition proceeds.
//!
//! Cost: with the feature off, the hooks are empty inline functions and the guards carry a
//! zero-sized marker, so locking compiles to the backend's own code (the `lock_order`
//! benchmark shows it). With the feature on, each acquisition pushes to a thread-local stack;
//! an acquisition under other locks looks its edges up in a thread-local cache, and takes the
//! global graph's mutex only the first time this thread records an edge. No
//! backtrace is captured: `#[track_caller]` locations name the sites.
//!
//! `try_lock` never blocks and a timed acquisition stops waiting at its deadline, so they
//! record the lock as held but add no edge and are never reported. Under
//! `--cfg selvedge_loom` the checker is off (loom explores the interleavings itself).
//!
//! At thread exit, a lock taken or released in a thread-local's destructor that runs after
//! the checker's own per-thread state was destroyed is not checked (nothing is known then
//! about what the thread holds); the checker never panics there, since a panic in a
//! thread-local destructor aborts the process.
//!
//! # Examples
//!
//! ```
//! use selvedge_locks::lock_order::{self, OrderAction};
//!
//! // In a service that must not crash, log violations instead of panicking:
//! lock_order::set_action(OrderAction::Log);
//! assert_eq!(lock_order::action(), OrderAction::Log);
//! lock_order::set_action(OrderAction::Panic);
//! // `ENABLED` says whether this build checks at all.
//! let _checking: bool = lock_order::ENABLED;
//! ```

use std::sync::atomic::{AtomicU8, Ordering};

/// Whether this build checks lock order (feature `lock-order`, not under loom).
pub const ENABLED: bool = cfg!(all(feature = "lock-order", not(selvedge_loom)));

/// What a lock-order violation does.
///
/// ```
/// use selvedge_locks::lock_order::OrderAction;
/// assert_eq!(OrderAction::default(), OrderAction::Panic);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum OrderAction {
    /// Panic on the acquiring thread, before it blocks (the default).
    #[default]
    Panic,
    /// Emit a `lock.order_violation` event (target `selvedge::locks`, level ERROR) and
    /// proceed with the acquisition.
    Log,
}

static ACTION: AtomicU8 = AtomicU8::new(0);

/// Sets what a lock-order violation does, for every thread. A self-relock always panics.
///
/// ```
/// selvedge_locks::lock_order::set_action(selvedge_locks::lock_order::OrderAction::Panic);
/// ```
pub fn set_action(action: OrderAction) {
    ACTION.store(action as u8, Ordering::Relaxed);
}

/// The current [`OrderAction`].
///
/// ```
/// let _ = selvedge_locks::lock_order::action();
/// ```
#[must_use]
pub fn action() -> OrderAction {
    match ACTION.load(Ordering::Relaxed) {
        0 => OrderAction::Panic,
        _ => OrderAction::Log,
    }
}

/// How an acquisition holds its lock; decides what re-locking on the same thread means.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Mode {
    /// `Mutex::lock`, `RwLock::write`.
    Exclusive,
    /// `RwLock::read`.
    Shared,
    /// `RwLock::upgradable_read`.
    Upgradable,
    /// `ReentrantMutex::lock`: re-locking on the owning thread is allowed.
    Reentrant,
    /// `RwLock::read_recursive`: re-entrant over this thread's own *shared* holds only.
    SharedRecursive,
}

#[cfg(all(feature = "lock-order", not(selvedge_loom)))]
pub(crate) use checker::{Held, acquired, before_acquire};
#[cfg(not(all(feature = "lock-order", not(selvedge_loom))))]
pub(crate) use off::{Held, acquired, before_acquire};

/// The feature is off: hooks that compile to nothing.
#[cfg(not(all(feature = "lock-order", not(selvedge_loom))))]
mod off {
    use std::panic::Location;

    use super::Mode;
    use crate::meta::LockMeta;

    /// Zero-sized: a guard pays nothing for it.
    #[derive(Debug)]
    pub(crate) struct Held;

    impl Held {
        #[inline(always)]
        pub(crate) fn released(&mut self) {}

        #[inline(always)]
        pub(crate) fn before_reacquire(&mut self, _: Mode, _: &'static Location<'static>) {}
    }

    #[inline(always)]
    pub(crate) fn before_acquire(_: &LockMeta, _: Mode, _: &'static Location<'static>) {}

    #[inline(always)]
    pub(crate) fn acquired(_: &LockMeta, _: Mode, _: &'static Location<'static>) -> Held {
        Held
    }
}

#[cfg(all(feature = "lock-order", not(selvedge_loom)))]
mod checker {
    use std::cell::RefCell;
    use std::collections::{BTreeMap, BTreeSet};
    use std::fmt::Write as _;
    use std::panic::Location;

    use selvedge_trace::{events, targets};

    use super::{Mode, OrderAction, action};
    use crate::meta::LockMeta;
    use crate::sync::PlainMutex;

    type Site = &'static Location<'static>;

    #[derive(Debug, Clone, Copy)]
    struct HeldLock {
        id: u64,
        name: &'static str,
        mode: Mode,
        site: Site,
    }

    /// One recorded order: `from` was held (taken at `from_site`) when `to` was taken at
    /// `to_site`.
    #[derive(Debug, Clone, Copy)]
    struct Edge {
        from_name: &'static str,
        from_site: Site,
        to_name: &'static str,
        to_site: Site,
    }

    thread_local! {
        static HELD: RefCell<Vec<HeldLock>> = const { RefCell::new(Vec::new()) };
        /// Order edges this thread has already checked and recorded: a cache in front of
        /// `GRAPH`, so a hot nested acquisition takes no global lock after its first time.
        static KNOWN: RefCell<BTreeSet<(u64, u64)>> = const { RefCell::new(BTreeSet::new()) };
    }

    // The facade's mutex is parking_lot's here (the checker is off under loom), and it is not
    // one of the public locks, so taking it never re-enters the checker.
    static GRAPH: PlainMutex<BTreeMap<u64, BTreeMap<u64, Edge>>> = PlainMutex::new(BTreeMap::new());

    /// Marks one held lock; dropping it (with the guard) pops the lock from the thread's stack.
    #[derive(Debug)]
    ///
    /// It lives inside a guard, and guards are `!Send`, so it is dropped on the thread whose
    /// stack it marks.
    pub(crate) struct Held {
        id: u64,
        name: &'static str,
    }

    impl Held {
        /// The guard has let go of its lock for a while (`unlocked`): what this thread takes
        /// meanwhile is not taken under it. [`before_reacquire`](Self::before_reacquire)
        /// puts it back.
        pub(crate) fn released(&mut self) {
            let id = self.id;
            let _ = HELD.try_with(|held| {
                let mut held = held.borrow_mut();
                if let Some(pos) = held.iter().rposition(|h| h.id == id) {
                    held.remove(pos);
                }
            });
        }

        /// A guard is about to release its lock and block to take it back (`bump`): that
        /// wait happens under every lock this thread took *after* this one, so it is checked
        /// as a fresh acquisition under them, and the lock then counts as taken last.
        pub(crate) fn before_reacquire(&mut self, mode: Mode, site: Site) {
            let id = self.id;
            self.released();
            check(id, self.name, mode, site);
            let _ = HELD.try_with(|held| {
                held.borrow_mut().push(HeldLock {
                    id,
                    name: self.name,
                    mode,
                    site,
                });
            });
        }
    }

    impl Drop for Held {
        fn drop(&mut self) {
            // `try_with`: during thread teardown the stack may already be gone.
            let _ = HELD.try_with(|held| {
                let mut held = held.borrow_mut();
                if let Some(pos) = held.iter().rposition(|h| h.id == self.id) {
                    held.remove(pos);
                }
            });
        }
    }

    pub(crate) fn acquired(meta: &LockMeta, mode: Mode, site: Site) -> Held {
        let id = meta.id();
        // `try_with`: in a thread-local's destructor the stack may already be destroyed; the
        // lock is then simply not tracked (and its release finds nothing to pop).
        let _ = HELD.try_with(|held| {
            held.borrow_mut().push(HeldLock {
                id,
                name: meta.name(),
                mode,
                site,
            });
        });
        Held {
            id,
            name: meta.name(),
        }
    }

    /// What [`before_acquire`] found, computed under the thread-local borrow and acted on
    /// after it (a panic must not happen while the stack is borrowed).
    enum Finding {
        Clear,
        SelfDeadlock(HeldLock),
        Violation(HeldLock, Vec<Edge>),
    }

    pub(crate) fn before_acquire(meta: &LockMeta, mode: Mode, site: Site) {
        check(meta.id(), meta.name(), mode, site);
    }

    fn check(id: u64, name: &'static str, mode: Mode, site: Site) {
        // During thread teardown (a lock taken in a thread-local's destructor) the stack may
        // already be destroyed: nothing is known about what this thread holds, so nothing is
        // checked. Panicking here would abort the process.
        let finding = HELD.try_with(|held| {
            let held = held.borrow();
            if held.is_empty() {
                return Finding::Clear;
            }
            if let Some(same) = held.iter().find(|h| h.id == id) {
                // A recursive read never blocks while this thread reads the lock (any reader
                // lets it in), but blocks forever behind this thread's own write.
                let recursive_read = mode == Mode::SharedRecursive
                    && held
                        .iter()
                        .filter(|h| h.id == id)
                        .all(|h| matches!(h.mode, Mode::Shared | Mode::SharedRecursive));
                return if mode == Mode::Reentrant || recursive_read {
                    Finding::Clear
                } else {
                    Finding::SelfDeadlock(*same)
                };
            }
            // Edges this thread already recorded need no global look-up. A destroyed cache
            // (thread teardown) only means every edge is looked up in the graph.
            let new: Vec<HeldLock> = KNOWN
                .try_with(|known| {
                    let known = known.borrow();
                    held.iter()
                        .filter(|h| !known.contains(&(h.id, id)))
                        .copied()
                        .collect()
                })
                .unwrap_or_else(|_| held.to_vec());
            if new.is_empty() {
                return Finding::Clear;
            }
            let mut graph = GRAPH.lock();
            for h in new {
                if !graph.get(&h.id).is_some_and(|out| out.contains_key(&id)) {
                    if let Some(path) = path(&graph, id, h.id) {
                        return Finding::Violation(h, path);
                    }
                    graph.entry(h.id).or_default().insert(
                        id,
                        Edge {
                            from_name: h.name,
                            from_site: h.site,
                            to_name: name,
                            to_site: site,
                        },
                    );
                }
                let _ = KNOWN.try_with(|known| known.borrow_mut().insert((h.id, id)));
            }
            Finding::Clear
        });
        match finding.unwrap_or(Finding::Clear) {
            Finding::Clear => {}
            Finding::SelfDeadlock(same) => panic!(
                "self-deadlock: lock `{}` is already held by this thread (taken at {}); \
                 taking it again at {} would block forever. Use the guard you hold, or a \
                 ReentrantMutex for re-entrant calls",
                name, same.site, site
            ),
            Finding::Violation(held, path) => report(name, site, held, &path),
        }
    }

    /// The recorded edges leading from `from` to `to`, if any path exists (depth-first).
    fn path(graph: &BTreeMap<u64, BTreeMap<u64, Edge>>, from: u64, to: u64) -> Option<Vec<Edge>> {
        let mut stack = vec![(from, Vec::new())];
        let mut visited = BTreeSet::new();
        while let Some((node, edges)) = stack.pop() {
            if node == to {
                return Some(edges);
            }
            if !visited.insert(node) {
                continue;
            }
            for (&next, edge) in graph.get(&node).into_iter().flatten() {
                let mut longer = edges.clone();
                longer.push(*edge);
                stack.push((next, longer));
            }
        }
        None
    }

    fn report(name: &'static str, site: Site, held: HeldLock, path: &[Edge]) {
        let mut earlier = String::new();
        for (i, edge) in path.iter().enumerate() {
            if i > 0 {
                earlier.push_str(", then ");
            }
            let _ = write!(
                earlier,
                "`{}` was taken at {} while holding `{}` (taken at {})",
                edge.to_name, edge.to_site, edge.from_name, edge.from_site
            );
        }
        let message = format!(
            "lock order violation: taking `{}` at {} while holding `{}` (taken at {}) \
             reverses an earlier order: {}. Threads taking these locks in both orders can \
             deadlock; take them in one order (see selvedge_locks::lock_both)",
            name, site, held.name, held.site, earlier
        );
        match action() {
            OrderAction::Panic => panic!("{message}"),
            OrderAction::Log => {
                let first = path.last().map_or(site, |edge| edge.to_site);
                tracing::event!(
                    name: events::LOCK_ORDER_VIOLATION,
                    target: targets::LOCKS,
                    tracing::Level::ERROR,
                    name = name,
                    location = %site,
                    held = held.name,
                    held_location = %held.site,
                    first_location = %first,
                    "{message}"
                );
            }
        }
    }
}
