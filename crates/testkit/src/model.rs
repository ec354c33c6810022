//! `model`: the same test body under loom or on real threads.

/// How many times [`model`] runs its body on real threads when not under loom.
///
/// Defaults to 1,000 (10 under miri, which is slow); set `SELVEDGE_MODEL_ITERATIONS` to
/// change it.
///
/// ```
/// assert!(selvedge_testkit::model_iterations() >= 1);
/// ```
#[must_use]
pub fn model_iterations() -> usize {
    let default = if cfg!(miri) { 10 } else { 1_000 };
    std::env::var("SELVEDGE_MODEL_ITERATIONS")
        .ok()
        .and_then(|v| v.parse().ok())
        .filter(|&n| n > 0)
        .unwrap_or(default)
}

/// Checks a concurrent test body.
///
/// Built with `RUSTFLAGS="--cfg selvedge_loom"`, this is `loom::model(body)`: every
/// interleaving of the threads the body spawns (through [`crate::thread`] and the
/// `selvedge_locks::sync` facade) is explored, up to `LOOM_MAX_PREEMPTIONS`. In a normal build
/// the body runs [`model_iterations`] times on real threads, which catches common races
/// without proving their absence.
///
/// # Examples
///
/// ```
/// use std::sync::Arc;
/// use std::sync::atomic::{AtomicUsize, Ordering};
///
/// selvedge_testkit::model(|| {
///     let n = Arc::new(AtomicUsize::new(0));
///     let n2 = n.clone();
///     let t = selvedge_testkit::thread::spawn(move || n2.fetch_add(1, Ordering::SeqCst));
///     n.fetch_add(1, Ordering::SeqCst);
///     t.join().unwrap();
///     assert_eq!(n.load(Ordering::SeqCst), 2);
/// });
/// ```
pub fn model<F>(body: F)
where
    F: Fn() + Sync + Send + 'static,
{
    #[cfg(selvedge_loom)]
    loom::model(body);
    #[cfg(not(selvedge_loom))]
    for _ in 0..model_iterations() {
        body();
    }
}
