//! [`Lazy`]: a value computed on first access and never reset.
//!
//! A normal build wraps `once_cell::sync::Lazy`, the fastest lazy static there is (a read is one
//! acquire load), so choosing selvedge costs nothing here. Under `--cfg selvedge_loom` once_cell's
//! internals are invisible to the model checker, so the same API is rebuilt on a `Global<()>`
//! (whose single flight runs on the facade's loom primitives) that decides which thread runs
//! the initialiser, plus a `std` `OnceLock<T>` that the winning initialiser fills before the
//! `Global` publishes, so that `&T` (and `&mut T`, for `force_mut`) can be handed out.

use std::fmt;
use std::ops::Deref;

// The backend, chosen once; both have once_cell's `Lazy` API.
#[cfg(selvedge_loom)]
use crate::lazy_model::ModelLazy as Backend;
#[cfg(not(selvedge_loom))]
use once_cell::sync::Lazy as Backend;

/// A value computed by `F` on first access, then shared for the rest of the program.
///
/// Use it for statics that are never reset: compiled regexes, lookup tables, a process-wide
/// registry. When the value must be replaced or reset later, use [`Global`](crate::Global).
///
/// # Differences from once_cell and std
///
/// In a normal build this *is* `once_cell::sync::Lazy` (same speed, same semantics: if `F`
/// panics, the `Lazy` is poisoned and every later access panics). What selvedge adds is that
/// under `--cfg selvedge_loom` it is built from the facade's loom primitives, so a loom model of
/// code that uses a `Lazy` explores its initialisation races too.
///
/// # Thread safety
///
/// `Lazy<T, F>` is `Sync` when `T: Send + Sync` and `F: Send`.
///
/// ```
/// use selvedge_singleton::Lazy;
/// static TABLE: Lazy<Vec<u32>> = Lazy::new(|| (0..4).collect());
/// assert_eq!(TABLE.len(), 4);
/// ```
///
/// ```compile_fail
/// use std::cell::Cell;
/// use selvedge_singleton::Lazy;
/// static COUNTER: Lazy<Cell<u32>> = Lazy::new(|| Cell::new(0));
/// ```
///
/// # Examples
///
/// ```
/// use std::collections::HashMap;
/// use selvedge_singleton::Lazy;
///
/// static PORTS: Lazy<HashMap<&str, u16>> = Lazy::new(|| HashMap::from([("https", 443)]));
///
/// let handles: Vec<_> = (0..4).map(|_| std::thread::spawn(|| PORTS["https"])).collect();
/// for handle in handles {
///     assert_eq!(handle.join().unwrap(), 443);
/// }
/// ```
pub struct Lazy<T, F = fn() -> T> {
    inner: Backend<T, F>,
}

impl<T, F> Lazy<T, F> {
    selvedge_locks::loom_const_fn! {
        /// A `Lazy` that will compute its value with `init`; usable in a `static`.
        ///
        /// Under `--cfg selvedge_loom` this is not `const`; build the `Lazy` inside the model.
        ///
        /// ```
        /// static GREETING: selvedge_singleton::Lazy<String> =
        ///     selvedge_singleton::Lazy::new(|| "hello".to_uppercase());
        /// assert_eq!(*GREETING, "HELLO");
        /// ```
        #[must_use]
        pub const fn new(init: F) -> Self {
            Self {
                inner: Backend::new(init),
            }
        }
    }
}

impl<T, F: FnOnce() -> T> Lazy<T, F> {
    /// The value, computed now if this is the first access (the same as `*this`).
    ///
    /// # Panics
    ///
    /// If the initialiser panics, this call panics, and so does every later access (the `Lazy`
    /// is poisoned, as once_cell's and std's are).
    ///
    /// ```
    /// use selvedge_singleton::Lazy;
    /// let lazy = Lazy::new(|| 2 + 2);
    /// assert_eq!(*Lazy::force(&lazy), 4);
    /// ```
    pub fn force(this: &Self) -> &T {
        Backend::force(&this.inner)
    }

    /// The value, if it has been computed; never computes it.
    ///
    /// ```
    /// use selvedge_singleton::Lazy;
    /// let lazy = Lazy::new(|| 1);
    /// assert_eq!(Lazy::get(&lazy), None);
    /// let _ = *lazy;
    /// assert_eq!(Lazy::get(&lazy), Some(&1));
    /// ```
    pub fn get(this: &Self) -> Option<&T> {
        Backend::get(&this.inner)
    }
}

impl<T, F> Lazy<T, F> {
    /// The value if it has been computed, or the initialiser back if not (once_cell's
    /// `Lazy::into_value`).
    ///
    /// # Errors
    ///
    /// Returns the initialiser when the value was never computed.
    ///
    /// # Panics
    ///
    /// If the `Lazy` is poisoned (its initialiser panicked), as once_cell's does.
    ///
    /// ```
    /// use selvedge_singleton::Lazy;
    ///
    /// let lazy: Lazy<i32, _> = Lazy::new(|| 92);
    /// let init = Lazy::into_value(lazy).unwrap_err();
    /// assert_eq!(init(), 92);
    ///
    /// let lazy = Lazy::new(|| 92);
    /// Lazy::force(&lazy);
    /// assert_eq!(Lazy::into_value(lazy).ok(), Some(92));
    /// ```
    pub fn into_value(this: Self) -> Result<T, F> {
        Backend::into_value(this.inner)
    }
}

impl<T, F: FnOnce() -> T> Lazy<T, F> {
    /// The value, computed now if this is the first access, mutably (once_cell's
    /// `Lazy::force_mut`). `&mut self` rules out any other access, so nothing waits.
    ///
    /// # Panics
    ///
    /// As [`force`](Self::force).
    ///
    /// ```
    /// use selvedge_singleton::Lazy;
    /// let mut lazy = Lazy::new(|| 92);
    /// *Lazy::force_mut(&mut lazy) /= 2;
    /// assert_eq!(*lazy, 46);
    /// ```
    pub fn force_mut(this: &mut Self) -> &mut T {
        Backend::force_mut(&mut this.inner)
    }

    /// The value mutably, if it has been computed; never computes it (once_cell's
    /// `Lazy::get_mut`).
    ///
    /// ```
    /// use selvedge_singleton::Lazy;
    /// let mut lazy = Lazy::new(|| 92);
    /// assert_eq!(Lazy::get_mut(&mut lazy), None);
    /// let _ = *lazy;
    /// *Lazy::get_mut(&mut lazy).unwrap() += 1;
    /// assert_eq!(*lazy, 93);
    /// ```
    pub fn get_mut(this: &mut Self) -> Option<&mut T> {
        Backend::get_mut(&mut this.inner)
    }
}

impl<T: Default> Default for Lazy<T> {
    /// A `Lazy` that computes `T::default()` on first access (once_cell's `Default`).
    ///
    /// ```
    /// use selvedge_singleton::Lazy;
    /// let lazy: Lazy<Vec<u8>> = Lazy::default();
    /// assert_eq!(Lazy::get(&lazy), None);
    /// assert!(lazy.is_empty());
    /// ```
    fn default() -> Self {
        Self::new(T::default)
    }
}

impl<T, F: FnOnce() -> T> Deref for Lazy<T, F> {
    type Target = T;

    #[inline]
    fn deref(&self) -> &T {
        Self::force(self)
    }
}

impl<T: fmt::Debug, F: FnOnce() -> T> fmt::Debug for Lazy<T, F> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Lazy")
            .field("value", &Self::get(self))
            .finish_non_exhaustive()
    }
}
