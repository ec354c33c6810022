//! `loom_const_fn!`: one definition of a constructor that is `const` in a normal build (so the
//! type can live in a `static`) and a plain `fn` under `selvedge_loom`, where loom's primitives
//! register with the running model and so cannot be built in a `const` context.

/// Defines a `const fn` that drops its `const` under `--cfg selvedge_loom`.
///
/// Write the function exactly as the normal build wants it; the macro emits it twice, once
/// per cfg, so its body and docs exist once. The crate using it registers the `selvedge_loom`
/// cfg (see the workspace's `unexpected_cfgs` check-cfg).
///
/// # Examples
///
/// ```
/// use selvedge_locks::sync::atomic::{AtomicU64, Ordering};
///
/// pub struct Hits(AtomicU64);
///
/// impl Hits {
///     selvedge_locks::loom_const_fn! {
///         /// No hits yet.
///         pub const fn new() -> Self {
///             Self(AtomicU64::new(0))
///         }
///     }
/// }
///
/// static HITS: Hits = Hits::new();
/// HITS.0.fetch_add(1, Ordering::Relaxed);
/// ```
#[macro_export]
macro_rules! loom_const_fn {
    ($(#[$attr:meta])* $vis:vis const fn $($rest:tt)*) => {
        #[cfg(not(selvedge_loom))]
        $(#[$attr])*
        $vis const fn $($rest)*

        #[cfg(selvedge_loom)]
        $(#[$attr])*
        $vis fn $($rest)*
    };
}
