//! [`InstanceMut`]: exclusive access to a [`Global`](crate::Global)'s instance, from
//! [`Global::get_mut`](crate::Global::get_mut).

use std::fmt;
use std::ops::{Deref, DerefMut};

use selvedge_locks::sync::{Arc, OptionArcCell};

/// Exclusive access to the instance of a [`Global`](crate::Global), returned by
/// [`Global::get_mut`](crate::Global::get_mut); puts the instance back when dropped.
///
/// The instance is held out of the global's cell while the guard lives (the cell's own
/// reference would make it shared); the `&mut Global` the guard borrows keeps every other
/// access out meanwhile, so nobody sees the cell empty.
///
/// # Examples
///
/// ```
/// use selvedge_singleton::Global;
///
/// let mut names = Global::with_value(vec!["a"]);
/// names.get_mut().unwrap().push("b");
/// assert_eq!(*names.get().unwrap(), ["a", "b"]);
/// ```
pub struct InstanceMut<'a, T> {
    cell: &'a OptionArcCell<T>,
    /// The only reference to the instance (checked by `new`'s caller, kept by the borrow).
    instance: Arc<T>,
}

impl<'a, T> InstanceMut<'a, T> {
    /// Wraps `instance`, taken out of `cell`; the caller checked that it is unique.
    pub(crate) fn new(cell: &'a OptionArcCell<T>, instance: Arc<T>) -> Self {
        Self { cell, instance }
    }
}

impl<T> Deref for InstanceMut<'_, T> {
    type Target = T;

    fn deref(&self) -> &T {
        &self.instance
    }
}

impl<T> DerefMut for InstanceMut<'_, T> {
    fn deref_mut(&mut self) -> &mut T {
        // Unique since `get_mut` checked it: the cell's reference was taken out, and the
        // `&mut Global` this guard borrows stops anyone from loading a new one.
        Arc::get_mut(&mut self.instance).expect("InstanceMut holds the only reference")
    }
}

impl<T> Drop for InstanceMut<'_, T> {
    fn drop(&mut self) {
        self.cell.store(Some(Arc::clone(&self.instance)));
    }
}

impl<T: fmt::Debug> fmt::Debug for InstanceMut<'_, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("InstanceMut").field(&*self.instance).finish()
    }
}
