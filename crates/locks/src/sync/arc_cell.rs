//! Atomically swappable `Arc` cells: arc-swap in a normal build, a loom mutex under loom.
//!
//! A load is the hot path of every "global instance" pattern (a singleton, the current
//! session, a configuration), so the normal build uses arc-swap, whose `load` takes no lock
//! and writes no shared cache line. Under `selvedge_loom` the cell is a loom `Mutex<Arc<T>>`:
//! the same linearizable load/store/swap, visible to the model checker.

use std::fmt;
use std::ops::Deref;

use super::Arc;

#[cfg(not(selvedge_loom))]
type Inner<P> = arc_swap::ArcSwapAny<P>;
#[cfg(selvedge_loom)]
type Inner<P> = loom::sync::Mutex<P>;

#[cfg(not(selvedge_loom))]
type Loaded<P> = arc_swap::Guard<P>;
#[cfg(selvedge_loom)]
type Loaded<P> = P;

macro_rules! arc_cell {
    (
        $(#[$doc:meta])*
        $cell:ident, $(#[$guard_doc:meta])* $guard:ident, $ptr:ty
    ) => {
        $(#[$doc])*
        pub struct $cell<T>(Inner<$ptr>);

        $(#[$guard_doc])*
        pub struct $guard<T>(Loaded<$ptr>);

        impl<T> Deref for $guard<T> {
            type Target = $ptr;

            #[inline]
            fn deref(&self) -> &$ptr {
                &self.0
            }
        }

        impl<T: fmt::Debug> fmt::Debug for $guard<T> {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                fmt::Debug::fmt(&**self, f)
            }
        }

        impl<T: fmt::Debug> fmt::Debug for $cell<T> {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.debug_tuple(stringify!($cell)).field(&*self.load()).finish()
            }
        }

        impl<T> $cell<T> {
            /// Creates a cell holding `value`.
            #[must_use]
            pub fn new(value: $ptr) -> Self {
                #[cfg(not(selvedge_loom))]
                return Self(arc_swap::ArcSwapAny::new(value));
                #[cfg(selvedge_loom)]
                return Self(loom::sync::Mutex::new(value));
            }

            /// A cheap snapshot of the current value. Hold it briefly (arc-swap keeps a
            /// small number of such loads per thread cheap); use [`load_full`](Self::load_full)
            /// to keep the value.
            #[inline]
            pub fn load(&self) -> $guard<T> {
                #[cfg(not(selvedge_loom))]
                return $guard(self.0.load());
                #[cfg(selvedge_loom)]
                return $guard(self.lock().clone());
            }

            /// A clone of the current value.
            #[inline]
            pub fn load_full(&self) -> $ptr {
                #[cfg(not(selvedge_loom))]
                return self.0.load_full();
                #[cfg(selvedge_loom)]
                return self.lock().clone();
            }

            /// Replaces the value.
            pub fn store(&self, value: $ptr) {
                drop(self.swap(value));
            }

            /// Replaces the value and returns the previous one.
            pub fn swap(&self, value: $ptr) -> $ptr {
                #[cfg(not(selvedge_loom))]
                return self.0.swap(value);
                #[cfg(selvedge_loom)]
                return std::mem::replace(&mut *self.lock(), value);
            }

            /// Stores `new` if the current value is `current` (the same allocation, compared by
            /// pointer). Returns the value found: the swap happened if and only if it is
            /// `current`.
            pub fn compare_and_swap(&self, current: &$ptr, new: $ptr) -> $ptr {
                #[cfg(not(selvedge_loom))]
                return arc_swap::Guard::into_inner(self.0.compare_and_swap(current, new));
                #[cfg(selvedge_loom)]
                {
                    let mut value = self.lock();
                    if same(&*value, current) {
                        return std::mem::replace(&mut *value, new);
                    }
                    value.clone()
                }
            }

            #[cfg(selvedge_loom)]
            fn lock(&self) -> loom::sync::MutexGuard<'_, $ptr> {
                self.0.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
            }
        }
    };
}

arc_cell!(
    /// An atomically swappable `Arc<T>`.
    ///
    /// # Examples
    ///
    /// ```
    /// use selvedge_locks::sync::{Arc, ArcCell};
    ///
    /// let config = ArcCell::new(Arc::new("v1"));
    /// let before = config.load_full();
    /// config.store(Arc::new("v2"));
    /// assert_eq!(*before, "v1"); // readers keep what they loaded
    /// assert_eq!(**config.load(), "v2");
    /// ```
    ArcCell,
    /// A snapshot taken by [`ArcCell::load`]; derefs to the `Arc<T>`.
    ///
    /// ```
    /// let cell = selvedge_locks::sync::ArcCell::new(selvedge_locks::sync::Arc::new(1));
    /// let snapshot = cell.load();
    /// assert_eq!(**snapshot, 1);
    /// ```
    ArcCellGuard,
    Arc<T>
);

arc_cell!(
    /// An atomically swappable `Option<Arc<T>>`, empty or holding one instance.
    ///
    /// # Examples
    ///
    /// ```
    /// use selvedge_locks::sync::{Arc, OptionArcCell};
    ///
    /// let session = OptionArcCell::new(None);
    /// assert!(session.load().is_none());
    /// session.store(Some(Arc::new("token")));
    /// assert_eq!(session.load_full().as_deref(), Some(&"token"));
    /// assert!(session.take().is_some());
    /// ```
    OptionArcCell,
    /// A snapshot taken by [`OptionArcCell::load`]; derefs to the `Option<Arc<T>>`.
    ///
    /// ```
    /// let cell = selvedge_locks::sync::OptionArcCell::<u8>::new(None);
    /// assert!(cell.load().is_none());
    /// ```
    OptionArcCellGuard,
    Option<Arc<T>>
);

impl<T> ArcCell<T> {
    /// Creates a cell holding `Arc::new(value)`.
    ///
    /// ```
    /// let cell = selvedge_locks::sync::ArcCell::from_pointee(7);
    /// assert_eq!(**cell.load(), 7);
    /// ```
    #[must_use]
    pub fn from_pointee(value: T) -> Self {
        Self::new(Arc::new(value))
    }
}

impl<T> OptionArcCell<T> {
    /// An empty cell, usable in a `static` (normal builds; loom types cannot be `static`).
    ///
    /// ```
    /// use selvedge_locks::sync::OptionArcCell;
    /// static CURRENT: OptionArcCell<String> = OptionArcCell::empty();
    /// assert!(CURRENT.load().is_none());
    /// ```
    #[cfg(not(selvedge_loom))]
    #[must_use]
    pub const fn empty() -> Self {
        Self(arc_swap::ArcSwapOption::const_empty())
    }

    /// An empty cell.
    #[cfg(selvedge_loom)]
    #[must_use]
    pub fn empty() -> Self {
        Self::new(None)
    }

    /// Empties the cell and returns what it held.
    ///
    /// ```
    /// let cell = selvedge_locks::sync::OptionArcCell::new(Some(selvedge_locks::sync::Arc::new(1)));
    /// assert_eq!(cell.take().as_deref(), Some(&1));
    /// assert!(cell.take().is_none());
    /// ```
    pub fn take(&self) -> Option<Arc<T>> {
        self.swap(None)
    }
}

impl<T> Default for OptionArcCell<T> {
    fn default() -> Self {
        Self::new(None)
    }
}

#[cfg(selvedge_loom)]
trait SamePointer {
    fn same_as(&self, other: &Self) -> bool;
}

#[cfg(selvedge_loom)]
impl<T> SamePointer for Arc<T> {
    fn same_as(&self, other: &Self) -> bool {
        Arc::ptr_eq(self, other)
    }
}

#[cfg(selvedge_loom)]
impl<T> SamePointer for Option<Arc<T>> {
    fn same_as(&self, other: &Self) -> bool {
        match (self, other) {
            (Some(a), Some(b)) => Arc::ptr_eq(a, b),
            (None, None) => true,
            _ => false,
        }
    }
}

#[cfg(selvedge_loom)]
fn same<P: SamePointer>(a: &P, b: &P) -> bool {
    a.same_as(b)
}

#[cfg(test)]
mod tests {
    use super::{Arc, ArcCell, OptionArcCell};

    #[test]
    fn compare_and_swap_swaps_only_on_the_same_allocation() {
        let first = Arc::new(1);
        let cell = ArcCell::new(first.clone());
        let lookalike = Arc::new(1);
        let found = cell.compare_and_swap(&lookalike, Arc::new(2));
        assert!(Arc::ptr_eq(&found, &first));
        assert_eq!(**cell.load(), 1);
        let found = cell.compare_and_swap(&first, Arc::new(3));
        assert!(Arc::ptr_eq(&found, &first));
        assert_eq!(**cell.load(), 3);
    }

    #[test]
    fn option_cell_compare_and_swap_from_empty() {
        let cell = OptionArcCell::empty();
        let found = cell.compare_and_swap(&None, Some(Arc::new("set")));
        assert!(found.is_none());
        assert_eq!(cell.load_full().as_deref(), Some(&"set"));
    }
}
