//! `assert_single_instance`: every thread got the same instance (seed 004's ThreadSafetyTester
//! counted unique instances; here identity is by pointer, so equal-looking copies still count
//! as different instances).

use std::fmt;
use std::ops::Deref;
use std::sync::{Barrier, Mutex};

/// Many threads saw more than one instance.
///
/// ```
/// use std::sync::Arc;
/// let error = selvedge_testkit::check_single_instance(2, || Arc::new(0)).unwrap_err();
/// assert_eq!(error.distinct, 2);
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MultipleInstances {
    /// How many threads called the getter.
    pub threads: usize,
    /// How many distinct instances (addresses) they got.
    pub distinct: usize,
}

impl fmt::Display for MultipleInstances {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} threads got {} distinct instances; expected exactly one",
            self.threads, self.distinct
        )
    }
}

impl std::error::Error for MultipleInstances {}

/// Calls `get` once on each of `threads` threads, released together from a barrier, and
/// returns the instance if every thread got the same one (compared by address).
///
/// # Errors
///
/// [`MultipleInstances`] with the count of distinct instances seen.
///
/// # Examples
///
/// ```
/// use std::sync::{Arc, OnceLock};
///
/// static INSTANCE: OnceLock<Arc<String>> = OnceLock::new();
/// let one = selvedge_testkit::check_single_instance(8, || {
///     INSTANCE.get_or_init(|| Arc::new("config".into())).clone()
/// })?;
/// assert_eq!(*one, "config");
/// # Ok::<(), selvedge_testkit::MultipleInstances>(())
/// ```
pub fn check_single_instance<P, F>(threads: usize, get: F) -> Result<P, MultipleInstances>
where
    P: Deref + Send,
    F: Fn() -> P + Sync,
{
    let barrier = Barrier::new(threads);
    let seen: Mutex<Vec<P>> = Mutex::new(Vec::with_capacity(threads));
    std::thread::scope(|scope| {
        for _ in 0..threads {
            scope.spawn(|| {
                barrier.wait();
                let instance = get();
                seen.lock()
                    .unwrap_or_else(std::sync::PoisonError::into_inner)
                    .push(instance);
            });
        }
    });
    let mut instances = seen
        .into_inner()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    let mut addresses: Vec<*const P::Target> =
        instances.iter().map(|p| std::ptr::from_ref(&**p)).collect();
    addresses.sort_unstable();
    addresses.dedup();
    match (addresses.len(), instances.pop()) {
        (1, Some(instance)) => Ok(instance),
        (distinct, _) => Err(MultipleInstances { threads, distinct }),
    }
}

/// Like [`check_single_instance`], but fails the calling test.
///
/// # Panics
///
/// If the threads saw more than one instance, or `threads` is 0.
///
/// # Examples
///
/// ```
/// use std::sync::{Arc, OnceLock};
///
/// static INSTANCE: OnceLock<Arc<u32>> = OnceLock::new();
/// let one = selvedge_testkit::assert_single_instance(16, || INSTANCE.get_or_init(|| Arc::new(7)).clone());
/// assert_eq!(*one, 7);
/// ```
///
/// A getter that builds a new instance per call fails:
///
/// ```should_panic
/// selvedge_testkit::assert_single_instance(4, || Box::new(1));
/// ```
#[track_caller]
pub fn assert_single_instance<P, F>(threads: usize, get: F) -> P
where
    P: Deref + Send,
    F: Fn() -> P + Sync,
{
    match check_single_instance(threads, get) {
        Ok(instance) => instance,
        Err(error) => panic!("assert_single_instance: {error}"),
    }
}
