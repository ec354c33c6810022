//! `assert_single_instance`: every thread got the same instance, and none got an error (seed
//! 004's `ThreadSafetyTester` counted unique instances and collected the errors raised; here
//! identity is by pointer, so equal-looking copies still count as different instances).

use std::convert::Infallible;
use std::fmt;
use std::ops::Deref;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::{Barrier, Mutex, PoisonError};

use crate::stress::panic_message;

/// The threads did not all get one and the same instance: they saw several, or some got an
/// error (a panic, or an `Err` from a fallible getter) instead of an instance.
///
/// It is the seed's result dictionary: `num_threads`, `unique_instances` and `errors`, with
/// `is_thread_safe` being `Ok` instead of this.
///
/// ```
/// use std::sync::Arc;
/// let error = selvedge_testkit::check_single_instance(2, || Arc::new(0)).unwrap_err();
/// assert_eq!(error.distinct, 2);
/// assert!(error.errors.is_empty());
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct SingleInstanceFailure {
    /// How many threads called the getter.
    pub threads: usize,
    /// How many distinct instances (addresses) the threads that got one saw.
    pub distinct: usize,
    /// What each thread that got no instance raised, in thread order: a panic's message, or
    /// the `Display` of the `Err` a fallible getter returned.
    pub errors: Vec<String>,
}

impl fmt::Display for SingleInstanceFailure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} threads got {} distinct instances",
            self.threads, self.distinct
        )?;
        if !self.errors.is_empty() {
            write!(f, " and {} errors (", self.errors.len())?;
            for (i, error) in self.errors.iter().enumerate() {
                if i > 0 {
                    f.write_str("; ")?;
                }
                write!(f, "{error:?}")?;
            }
            f.write_str(")")?;
        }
        f.write_str("; expected exactly one instance and no error")
    }
}

impl std::error::Error for SingleInstanceFailure {}

/// Calls `get` once on each of `threads` threads, released together from a barrier, and
/// returns the instance if every thread got the same one (compared by address).
///
/// A panic in `get` does not end the check: it is caught on its thread and reported in
/// [`SingleInstanceFailure::errors`], beside the instances the other threads got.
///
/// # Errors
///
/// [`SingleInstanceFailure`] with the count of distinct instances seen and every panic's
/// message.
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
/// # Ok::<(), selvedge_testkit::SingleInstanceFailure>(())
/// ```
pub fn check_single_instance<P, F>(threads: usize, get: F) -> Result<P, SingleInstanceFailure>
where
    P: Deref + Send,
    F: Fn() -> P + Sync,
{
    check_single_instance_fallible(threads, || Ok::<_, Infallible>(get()))
}

/// [`check_single_instance`] for a getter that can fail: an `Err` is collected as an error,
/// as a panic is, and the check goes on. This is seed 004's tester, whose worker appended
/// `str(e)` to `errors` for any exception raised by `get_instance_func`.
///
/// # Errors
///
/// [`SingleInstanceFailure`] if the threads that got an instance saw more than one, or any
/// thread got an error.
///
/// # Examples
///
/// The seed's
///
/// ```text
/// async def worker():
///     try:
///         instance = await get_instance_func()
///         instances.append(id(instance))
///     except Exception as e:
///         errors.append(str(e))
/// ...
/// is_thread_safe = unique_instances == 1 and len(errors) == 0
/// ```
///
/// is
///
/// ```
/// use std::sync::atomic::{AtomicUsize, Ordering};
/// use std::sync::{Arc, OnceLock};
///
/// static INSTANCE: OnceLock<Arc<String>> = OnceLock::new();
/// static CALLS: AtomicUsize = AtomicUsize::new(0);
/// // A getter whose first call fails (the login was refused), the others succeed.
/// let get_instance = || {
///     if CALLS.fetch_add(1, Ordering::SeqCst) == 0 {
///         return Err("login refused");
///     }
///     Ok(INSTANCE.get_or_init(|| Arc::new("session".into())).clone())
/// };
/// let failure = selvedge_testkit::check_single_instance_fallible(8, get_instance).unwrap_err();
/// assert_eq!(failure.distinct, 1);
/// assert_eq!(failure.errors, ["login refused"]);
/// ```
pub fn check_single_instance_fallible<P, E, F>(
    threads: usize,
    get: F,
) -> Result<P, SingleInstanceFailure>
where
    P: Deref + Send,
    E: fmt::Display,
    F: Fn() -> Result<P, E> + Sync,
{
    let barrier = Barrier::new(threads);
    // One slot per thread, so the errors come back in thread order.
    let outcomes: Vec<Mutex<Option<Result<P, String>>>> =
        (0..threads).map(|_| Mutex::new(None)).collect();
    std::thread::scope(|scope| {
        for outcome in &outcomes {
            let (barrier, get) = (&barrier, &get);
            scope.spawn(move || {
                barrier.wait();
                let result = match catch_unwind(AssertUnwindSafe(get)) {
                    Ok(Ok(instance)) => Ok(instance),
                    Ok(Err(error)) => Err(error.to_string()),
                    Err(payload) => Err(panic_message(&*payload)),
                };
                *outcome.lock().unwrap_or_else(PoisonError::into_inner) = Some(result);
            });
        }
    });
    let mut instances = Vec::with_capacity(threads);
    let mut errors = Vec::new();
    for outcome in outcomes {
        match outcome.into_inner().unwrap_or_else(PoisonError::into_inner) {
            Some(Ok(instance)) => instances.push(instance),
            Some(Err(error)) => errors.push(error),
            // Every thread stores its outcome before it ends, and every thread has ended.
            None => unreachable!("a tester thread ended without an outcome"),
        }
    }
    let mut addresses: Vec<*const P::Target> =
        instances.iter().map(|p| std::ptr::from_ref(&**p)).collect();
    addresses.sort_unstable();
    addresses.dedup();
    match (addresses.len(), errors.is_empty(), instances.pop()) {
        (1, true, Some(instance)) => Ok(instance),
        (distinct, _, _) => Err(SingleInstanceFailure {
            threads,
            distinct,
            errors,
        }),
    }
}

/// Like [`check_single_instance`], but fails the calling test.
///
/// # Panics
///
/// If the threads saw more than one instance, `get` panicked on any of them (the message lists
/// every panic), or `threads` is 0.
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
