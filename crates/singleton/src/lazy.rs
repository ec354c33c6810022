//! [`Lazy`]: a value computed on first access and never reset.
//!
//! A normal build wraps `once_cell::sync::Lazy`, the fastest lazy static there is (a read is one
//! acquire load), so choosing selvedge costs nothing here. Under `--cfg selvedge_loom` once_cell's
//! internals are invisible to the model checker, so the same API is rebuilt on [`Global`] (whose
//! single flight runs on the facade's loom primitives) plus a `std` `OnceLock` that only caches
//! the `Arc` the model has already agreed on, so that `&T` can be handed out.

use std::fmt;
use std::ops::Deref;

#[cfg(selvedge_loom)]
use selvedge_locks::sync::{Arc, Mutex};

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
                value: Global::named("lazy"),
                init: Mutex::new(Some(init)),
                cache: std::sync::OnceLock::new(),
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
    value: Global<T>,
    init: Mutex<Option<F>>,
    /// Holds the `Arc` the `Global` settled on, so `&T` can outlive each `Arc` clone. Filled only
    /// after the single flight, with the one published `Arc`, and its closure performs no loom
    /// operation, so it never blocks a loom thread.
    cache: std::sync::OnceLock<Arc<T>>,
}

#[cfg(selvedge_loom)]
impl<T, F: FnOnce() -> T> LoomLazy<T, F> {
    /// Every access goes through the loom-visible `Global` first (never the `OnceLock` alone),
    /// so the model sees, and interleaves, each thread's access.
    fn force(&self) -> &T {
        let value = self.value.get_or_init(|| {
            let init = self
                .init
                .lock()
                .take()
                .expect("Lazy instance has previously been poisoned");
            init()
        });
        self.cache.get_or_init(|| value)
    }

    fn get(&self) -> Option<&T> {
        let value = self.value.get()?;
        Some(self.cache.get_or_init(|| value))
    }
}
