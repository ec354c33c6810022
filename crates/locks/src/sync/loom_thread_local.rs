//! `loom_thread_local!`: one declaration of a thread-local that is std's in a normal build and
//! loom's under `selvedge_loom`, where every model thread runs on one OS thread and a std
//! thread-local would be shared between them.

/// Declares thread-locals: `std::thread_local!` in a normal build, `loom::thread_local!`
/// under `--cfg selvedge_loom`.
///
/// Takes std's syntax, one `static` per line; a `const { ... }` initialiser keeps std's
/// const-initialised (lazy-check-free) access in a normal build and becomes a plain
/// initialiser under loom, which has no const form. As with [`loom_const_fn!`](crate::loom_const_fn),
/// the macro emits both branches, so the cfg is decided in the calling crate.
///
/// Use it for per-thread state a protocol depends on (re-entrance records, per-thread slots);
/// a thread-local that is only a cache may stay std's.
///
/// # Examples
///
/// ```
/// use std::cell::Cell;
///
/// selvedge_locks::loom_thread_local! {
///     /// How deep this thread is in nested calls.
///     static DEPTH: Cell<u32> = const { Cell::new(0) };
///     static NAME: String = String::from("worker");
/// }
///
/// DEPTH.with(|d| d.set(d.get() + 1));
/// assert_eq!(DEPTH.with(Cell::get), 1);
/// let other = std::thread::spawn(|| DEPTH.with(Cell::get)).join().unwrap();
/// assert_eq!(other, 0, "each thread has its own");
/// assert_eq!(NAME.with(String::len), 6);
/// ```
#[macro_export]
macro_rules! loom_thread_local {
    () => {};
    ($(#[$attr:meta])* $vis:vis static $name:ident: $t:ty = const { $init:expr }; $($rest:tt)*) => {
        #[cfg(not(selvedge_loom))]
        ::std::thread_local! { $(#[$attr])* $vis static $name: $t = const { $init }; }
        #[cfg(selvedge_loom)]
        $crate::__private::loom::thread_local! { $(#[$attr])* $vis static $name: $t = $init; }
        $crate::loom_thread_local! { $($rest)* }
    };
    ($(#[$attr:meta])* $vis:vis static $name:ident: $t:ty = $init:expr; $($rest:tt)*) => {
        #[cfg(not(selvedge_loom))]
        ::std::thread_local! { $(#[$attr])* $vis static $name: $t = $init; }
        #[cfg(selvedge_loom)]
        $crate::__private::loom::thread_local! { $(#[$attr])* $vis static $name: $t = $init; }
        $crate::loom_thread_local! { $($rest)* }
    };
}
