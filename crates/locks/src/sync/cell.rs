//! An `UnsafeCell` whose accesses loom can check.
//!
//! Under `selvedge_loom` this is `loom::cell::UnsafeCell`, which reports a concurrent
//! read/write or write/write access as a data race. In a normal build it is
//! `core::cell::UnsafeCell` behind the same `with`/`with_mut` API, which compiles to a plain
//! pointer access.
//!
//! ```
//! use selvedge_locks::sync::cell::UnsafeCell;
//!
//! let cell = UnsafeCell::new(1);
//! // SAFETY: no other reference to the cell's contents exists.
//! cell.with_mut(|p| unsafe { *p += 1 });
//! // SAFETY: no writer is active.
//! assert_eq!(cell.with(|p| unsafe { *p }), 2);
//! ```

#[cfg(selvedge_loom)]
pub use loom::cell::UnsafeCell;

/// `core::cell::UnsafeCell` with loom's `with`/`with_mut` API.
///
/// ```
/// let cell = selvedge_locks::sync::cell::UnsafeCell::new(String::from("a"));
/// assert_eq!(cell.into_inner(), "a");
/// ```
#[cfg(not(selvedge_loom))]
#[derive(Debug, Default)]
#[repr(transparent)]
pub struct UnsafeCell<T: ?Sized>(core::cell::UnsafeCell<T>);

#[cfg(not(selvedge_loom))]
impl<T> UnsafeCell<T> {
    /// Wraps `value`.
    ///
    /// ```
    /// let _ = selvedge_locks::sync::cell::UnsafeCell::new(0_u8);
    /// ```
    #[inline]
    pub const fn new(value: T) -> Self {
        Self(core::cell::UnsafeCell::new(value))
    }

    /// Unwraps the value.
    ///
    /// ```
    /// assert_eq!(selvedge_locks::sync::cell::UnsafeCell::new(3).into_inner(), 3);
    /// ```
    #[inline]
    pub fn into_inner(self) -> T {
        self.0.into_inner()
    }
}

#[cfg(not(selvedge_loom))]
impl<T: ?Sized> UnsafeCell<T> {
    /// Calls `f` with a shared pointer to the contents; the caller's `unsafe` dereference must
    /// not overlap a `with_mut` on another thread.
    ///
    /// ```
    /// let cell = selvedge_locks::sync::cell::UnsafeCell::new(5);
    /// // SAFETY: no writer exists.
    /// assert_eq!(cell.with(|p| unsafe { *p }), 5);
    /// ```
    #[inline]
    pub fn with<R>(&self, f: impl FnOnce(*const T) -> R) -> R {
        f(self.0.get())
    }

    /// Calls `f` with a mutable pointer to the contents; the caller's `unsafe` dereference must
    /// be the only access while it lasts.
    ///
    /// ```
    /// let cell = selvedge_locks::sync::cell::UnsafeCell::new(5);
    /// // SAFETY: no other access exists.
    /// cell.with_mut(|p| unsafe { *p = 6 });
    /// assert_eq!(cell.into_inner(), 6);
    /// ```
    #[inline]
    pub fn with_mut<R>(&self, f: impl FnOnce(*mut T) -> R) -> R {
        f(self.0.get())
    }
}
