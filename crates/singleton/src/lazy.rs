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

#[cfg(selvedge_loom)]
use selvedge_locks::sync::Mutex;

#[cfg(selvedge_loom)]
use crate::Global;

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
    #[cfg(not(selvedge_loom))]
    inner: once_cell::sync::Lazy<T, F>,
    #[cfg(selvedge_loom)]
    inner: LoomLazy<T, F>,
}

impl<T, F> Lazy<T, F> {
    /// A `Lazy` that will compute its value with `init`; usable in a `static`.
    ///
    /// Under `--cfg selvedge_loom` this is not `const`; build the `Lazy` inside the model.
    ///
    /// ```
    /// static GREETING: selvedge_singleton::Lazy<String> =
    ///     selvedge_singleton::Lazy::new(|| "hello".to_uppercase());
    /// assert_eq!(*GREETING, "HELLO");
    /// ```
    #[cfg(not(selvedge_loom))]
    #[must_use]
    pub const fn new(init: F) -> Self {
        Self {
            inner: once_cell::sync::Lazy::new(init),
        }
    }

    /// A `Lazy` that will compute its value with `init` (loom build: not `const`).
    #[cfg(selvedge_loom)]
    #[must_use]
    pub fn new(init: F) -> Self {
        Self {
            inner: LoomLazy {
                flight: Global::named("lazy"),
                init: Mutex::new(Some(init)),
                value: std::sync::OnceLock::new(),
            },
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
        #[cfg(not(selvedge_loom))]
        return once_cell::sync::Lazy::force(&this.inner);
        #[cfg(selvedge_loom)]
        return this.inner.force();
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
        #[cfg(not(selvedge_loom))]
        return once_cell::sync::Lazy::get(&this.inner);
        #[cfg(selvedge_loom)]
        return this.inner.get();
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
        #[cfg(not(selvedge_loom))]
        return once_cell::sync::Lazy::into_value(this.inner);
        #[cfg(selvedge_loom)]
        return this.inner.into_value();
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
        #[cfg(not(selvedge_loom))]
        return once_cell::sync::Lazy::force_mut(&mut this.inner);
        #[cfg(selvedge_loom)]
        return this.inner.force_mut();
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
        #[cfg(not(selvedge_loom))]
        return once_cell::sync::Lazy::get_mut(&mut this.inner);
        #[cfg(selvedge_loom)]
        return this.inner.get_mut();
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

/// The loom build's `Lazy`: single flight through a loom-backed [`Global`].
#[cfg(selvedge_loom)]
struct LoomLazy<T, F> {
    /// Decides, in the model's view, which thread initialises; holds `()` once `value` is set.
    flight: Global<()>,
    init: Mutex<Option<F>>,
    /// The value, set by the one initialiser before `flight` publishes (so a thread that finds
    /// `flight` initialised finds it set). Only that initialiser writes it, so its `set` never
    /// blocks a loom thread.
    value: std::sync::OnceLock<T>,
}

#[cfg(selvedge_loom)]
impl<T, F: FnOnce() -> T> LoomLazy<T, F> {
    /// Every access goes through the loom-visible `Global` first (never the `OnceLock` alone),
    /// so the model sees, and interleaves, each thread's access.
    fn force(&self) -> &T {
        self.flight.get_or_init(|| {
            let init = self
                .init
                .lock()
                .take()
                .expect("Lazy instance has previously been poisoned");
            let _ = self.value.set(init());
        });
        self.value
            .get()
            .expect("the initialiser sets the value before the flight publishes")
    }

    fn get(&self) -> Option<&T> {
        self.flight.get()?;
        self.value.get()
    }

    fn force_mut(&mut self) -> &mut T {
        self.force();
        self.value.get_mut().expect("force set the value")
    }

    fn get_mut(&mut self) -> Option<&mut T> {
        self.value.get_mut()
    }
}

#[cfg(selvedge_loom)]
impl<T, F> LoomLazy<T, F> {
    fn into_value(self) -> Result<T, F> {
        match self.value.into_inner() {
            Some(value) => Ok(value),
            None => Err(self
                .init
                .into_inner()
                .expect("Lazy instance has previously been poisoned")),
        }
    }
}
