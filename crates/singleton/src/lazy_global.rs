//! [`LazyGlobal`]: a [`Global`] that carries its own initialiser, and the
//! [`global!`](macro@crate::global) macro that declares one in a line (the seed's
//! `@thread_safe_singleton` decorator).

use std::fmt;

use selvedge_locks::sync::Arc;

use crate::Global;

/// A resettable global that knows how to build its instance: [`get`](Self::get) initialises it
/// on first use and again after every [`reset`](Self::reset).
///
/// Declare one with [`global!`](macro@crate::global). It is a [`Global`] plus a `fn() -> T`; for a
/// fallible initialiser or an initialiser that captures state, use [`Global`] directly (or
/// [`as_global`](Self::as_global)).
///
/// # Thread safety
///
/// Like [`Global`]: `Sync` exactly when `T: Send + Sync`.
///
/// ```
/// use std::sync::Mutex;
/// selvedge_singleton::global! {
///     static LOG: Mutex<Vec<String>> = Mutex::new(Vec::new());
/// }
/// LOG.get().lock().unwrap().push("ok".into());
/// ```
///
/// ```compile_fail
/// use std::cell::RefCell;
/// selvedge_singleton::global! {
///     static LOG: RefCell<Vec<String>> = RefCell::new(Vec::new());
/// }
/// ```
///
/// # Examples
///
/// ```
/// use std::sync::Arc;
/// use selvedge_singleton::LazyGlobal;
///
/// static MONITOR: LazyGlobal<Vec<&str>> = LazyGlobal::new(|| vec!["cpu", "disk"]);
///
/// let first = MONITOR.get();
/// assert!(Arc::ptr_eq(&first, &MONITOR.get()));
/// MONITOR.reset();
/// assert!(!Arc::ptr_eq(&first, &MONITOR.get())); // rebuilt on the next use
/// ```
pub struct LazyGlobal<T> {
    global: Global<T>,
    init: fn() -> T,
}

impl<T> LazyGlobal<T> {
    selvedge_locks::loom_const_fn! {
        /// A global built by `init` on first use; usable in a `static`.
        ///
        /// ```
        /// static ANSWER: selvedge_singleton::LazyGlobal<u32> =
        ///     selvedge_singleton::LazyGlobal::new(|| 42);
        /// assert_eq!(*ANSWER.get(), 42);
        /// ```
        #[must_use]
        pub const fn new(init: fn() -> T) -> Self {
            Self::named(crate::global::UNNAMED, init)
        }
    }

    selvedge_locks::loom_const_fn! {
        /// A global built by `init`, whose events carry `name`; usable in a `static`.
        ///
        /// ```
        /// static ANSWER: selvedge_singleton::LazyGlobal<u32> =
        ///     selvedge_singleton::LazyGlobal::named("answer", || 42);
        /// assert_eq!(ANSWER.as_global().name(), "answer");
        /// ```
        #[must_use]
        pub const fn named(name: &'static str, init: fn() -> T) -> Self {
            Self {
                global: Global::named(name),
                init,
            }
        }
    }

    /// The instance, built now if there is none (single flight, as
    /// [`Global::get_or_init`]).
    ///
    /// # Panics
    ///
    /// If the initialiser panics (the next call retries), or calls `get` on this global.
    ///
    /// ```
    /// static ID: selvedge_singleton::LazyGlobal<String> =
    ///     selvedge_singleton::LazyGlobal::new(|| "node-1".to_owned());
    /// assert_eq!(*ID.get(), "node-1");
    /// ```
    #[inline]
    pub fn get(&self) -> Arc<T> {
        self.global.get_or_init(self.init)
    }

    /// Calls `f` with a borrow of the instance, built now if there is none. When the instance
    /// exists this does not clone the `Arc` (see [`Global::with`]).
    ///
    /// # Panics
    ///
    /// As [`get`](Self::get).
    ///
    /// ```
    /// static ID: selvedge_singleton::LazyGlobal<String> =
    ///     selvedge_singleton::LazyGlobal::new(|| "node-1".to_owned());
    /// assert_eq!(ID.with(|id| id.len()), 6);
    /// ```
    #[inline]
    pub fn with<R>(&self, f: impl FnOnce(&T) -> R) -> R {
        if let Some(value) = self.global.snapshot().as_deref() {
            return f(value);
        }
        f(&self.get())
    }

    /// The instance if it exists; never builds it.
    ///
    /// ```
    /// static ID: selvedge_singleton::LazyGlobal<u8> = selvedge_singleton::LazyGlobal::new(|| 1);
    /// assert!(ID.peek().is_none());
    /// ID.get();
    /// assert_eq!(ID.peek().as_deref(), Some(&1));
    /// ```
    #[inline]
    #[must_use]
    pub fn peek(&self) -> Option<Arc<T>> {
        self.global.get()
    }

    /// Whether an instance exists now.
    ///
    /// ```
    /// static ID: selvedge_singleton::LazyGlobal<u8> = selvedge_singleton::LazyGlobal::new(|| 1);
    /// assert!(!ID.is_initialized());
    /// ```
    #[must_use]
    pub fn is_initialized(&self) -> bool {
        self.global.is_initialized()
    }

    /// Drops the global's instance and returns it; the next [`get`](Self::get) builds a new one.
    /// Semantics as [`Global::reset`].
    ///
    /// ```
    /// static ID: selvedge_singleton::LazyGlobal<u8> = selvedge_singleton::LazyGlobal::new(|| 1);
    /// ID.get();
    /// assert_eq!(ID.reset().as_deref(), Some(&1));
    /// assert!(ID.reset().is_none());
    /// ```
    pub fn reset(&self) -> Option<Arc<T>> {
        self.global.reset()
    }

    /// Stores `value` in place of the current instance and returns that, as
    /// [`Global::replace`].
    ///
    /// ```
    /// static ID: selvedge_singleton::LazyGlobal<u8> = selvedge_singleton::LazyGlobal::new(|| 1);
    /// assert!(ID.replace(2).is_none());
    /// assert_eq!(*ID.get(), 2);
    /// ```
    pub fn replace(&self, value: T) -> Option<Arc<T>> {
        self.global.replace(value)
    }

    /// The underlying [`Global`], for `set` and fallible initialisation.
    ///
    /// ```
    /// static PORT: selvedge_singleton::LazyGlobal<u16> =
    ///     selvedge_singleton::LazyGlobal::new(|| 80);
    /// let port = PORT.as_global().get_or_try_init(|| "8080".parse::<u16>()).unwrap();
    /// assert_eq!(*port, 8080);
    /// ```
    #[must_use]
    pub fn as_global(&self) -> &Global<T> {
        &self.global
    }
}

impl<T: fmt::Debug> fmt::Debug for LazyGlobal<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("LazyGlobal")
            .field("global", &self.global)
            .finish_non_exhaustive()
    }
}

/// Declares resettable globals, each built on first use: the Rust form of the seed's
/// `@thread_safe_singleton` class decorator.
///
/// `global! { static NAME: T = expr; }` declares `static NAME: LazyGlobal<T>` whose instance is
/// built by `expr` on the first [`NAME.get()`](LazyGlobal::get), exactly once however many
/// threads race, and again after [`NAME.reset()`](LazyGlobal::reset). The global's events carry
/// the name `"NAME"`. The syntax follows `std::thread_local!`: attributes and doc comments,
/// any visibility, several declarations in one block. `expr` must not capture local variables
/// (it becomes a `fn() -> T`).
///
/// Under `--cfg selvedge_loom` the macro declares a `loom::lazy_static!` instead (a fresh
/// `LazyGlobal` in every model execution), so code that uses a declared global can be
/// model-checked as it is.
///
/// # Examples
///
/// ```
/// use std::sync::Arc;
/// use std::sync::atomic::{AtomicUsize, Ordering};
///
/// static LOGINS: AtomicUsize = AtomicUsize::new(0);
///
/// pub struct Session {
///     pub user: &'static str,
/// }
///
/// impl Session {
///     fn login() -> Self {
///         LOGINS.fetch_add(1, Ordering::SeqCst);
///         Session { user: "admin" }
///     }
/// }
///
/// selvedge_singleton::global! {
///     /// The one admin session every worker shares.
///     pub static ADMIN: Session = Session::login();
/// }
///
/// let workers: Vec<_> = (0..8).map(|_| std::thread::spawn(|| ADMIN.get())).collect();
/// let sessions: Vec<Arc<Session>> = workers.into_iter().map(|w| w.join().unwrap()).collect();
/// assert!(sessions.iter().all(|s| Arc::ptr_eq(s, &sessions[0])));
/// assert_eq!(LOGINS.load(Ordering::SeqCst), 1); // "1 login instead of N"
///
/// ADMIN.reset(); // logout
/// assert_eq!(ADMIN.get().user, "admin");
/// assert_eq!(LOGINS.load(Ordering::SeqCst), 2);
/// ```
#[macro_export]
macro_rules! global {
    () => {};
    ($(#[$attr:meta])* $vis:vis static $name:ident : $t:ty = $init:expr; $($rest:tt)*) => {
        $crate::__global_static!($(#[$attr])* ($vis) $name, $t, $init);
        $crate::global!($($rest)*);
    };
    ($(#[$attr:meta])* $vis:vis static $name:ident : $t:ty = $init:expr) => {
        $crate::__global_static!($(#[$attr])* ($vis) $name, $t, $init);
    };
}

/// One `global!` declaration (normal build): a plain `static`.
#[cfg(not(selvedge_loom))]
#[doc(hidden)]
#[macro_export]
macro_rules! __global_static {
    ($(#[$attr:meta])* ($($vis:tt)*) $name:ident, $t:ty, $init:expr) => {
        $(#[$attr])*
        $($vis)* static $name: $crate::LazyGlobal<$t> =
            $crate::LazyGlobal::named(::core::stringify!($name), || $init);
    };
}

/// One `global!` declaration (loom build): loom's `lazy_static!`, rebuilt in every execution.
#[cfg(selvedge_loom)]
#[doc(hidden)]
#[macro_export]
macro_rules! __global_static {
    ($(#[$attr:meta])* ($($vis:tt)*) $name:ident, $t:ty, $init:expr) => {
        $crate::__private::loom::__lazy_static_internal!(
            $(#[$attr])* ($($vis)*) static ref $name: $crate::LazyGlobal<$t> =
                $crate::LazyGlobal::named(::core::stringify!($name), || $init);
        );
    };
}
