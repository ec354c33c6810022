//! `stress`: many real threads released together, each running a body for a number of
//! iterations or a duration, with every panic caught and reported.

use std::fmt;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::Barrier;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use crate::throughput::throughput;

/// How long each thread of a [`Stress`] run keeps going.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Limit {
    Iterations(u64),
    Duration(Duration),
}

/// A stress run's configuration: how many threads, and for how long.
///
/// All threads wait on a start barrier and are released together, for the most contention.
/// The body receives the thread's index (`0..threads`) and the iteration number. A panic in
/// the body is caught, recorded as a [`StressFailure`] with its thread and iteration, and ends
/// that thread's run (the other threads go on).
///
/// # Examples
///
/// ```
/// use std::sync::atomic::{AtomicU64, Ordering};
/// use std::time::Duration;
/// use selvedge_testkit::Stress;
///
/// let hits = AtomicU64::new(0);
/// let report = Stress::new(4)?
///     .duration(Duration::from_millis(20))
///     .run(|_thread, _iteration| {
///         hits.fetch_add(1, Ordering::Relaxed);
///     });
/// report.assert_ok();
/// assert_eq!(report.total_ops, hits.load(Ordering::Relaxed));
/// # Ok::<(), selvedge_testkit::StressError>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Stress {
    threads: usize,
    limit: Limit,
}

/// Why a [`Stress`] configuration was refused.
///
/// ```
/// assert_eq!(
///     selvedge_testkit::Stress::new(0).unwrap_err(),
///     selvedge_testkit::StressError::NoThreads,
/// );
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum StressError {
    /// A run needs at least one thread.
    NoThreads,
}

impl fmt::Display for StressError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::NoThreads => f.write_str("a stress run needs at least one thread"),
        }
    }
}

impl std::error::Error for StressError {}

impl Stress {
    /// A run on `threads` threads, 1,000 iterations each until changed.
    ///
    /// # Errors
    ///
    /// [`StressError::NoThreads`] if `threads` is 0.
    ///
    /// ```
    /// assert!(selvedge_testkit::Stress::new(8).is_ok());
    /// ```
    pub fn new(threads: usize) -> Result<Self, StressError> {
        if threads == 0 {
            return Err(StressError::NoThreads);
        }
        Ok(Self {
            threads,
            limit: Limit::Iterations(1_000),
        })
    }

    /// Each thread runs the body `iterations` times.
    ///
    /// ```
    /// let report = selvedge_testkit::Stress::new(2)?.iterations(5).run(|_, _| {});
    /// assert_eq!(report.total_ops, 10);
    /// # Ok::<(), selvedge_testkit::StressError>(())
    /// ```
    #[must_use]
    pub fn iterations(mut self, iterations: u64) -> Self {
        self.limit = Limit::Iterations(iterations);
        self
    }

    /// Each thread runs the body repeatedly until `duration` has passed since the release.
    ///
    /// ```
    /// let report = selvedge_testkit::Stress::new(2)?
    ///     .duration(std::time::Duration::from_millis(5))
    ///     .run(|_, _| {});
    /// assert!(report.total_ops > 0);
    /// # Ok::<(), selvedge_testkit::StressError>(())
    /// ```
    #[must_use]
    pub fn duration(mut self, duration: Duration) -> Self {
        self.limit = Limit::Duration(duration);
        self
    }

    /// Runs `body` on every thread and reports.
    ///
    /// ```
    /// let report = selvedge_testkit::Stress::new(3)?.iterations(2).run(|thread, _| {
    ///     assert!(thread < 3);
    /// });
    /// assert_eq!(report.per_thread, [2, 2, 2]);
    /// # Ok::<(), selvedge_testkit::StressError>(())
    /// ```
    pub fn run<F>(&self, body: F) -> StressReport
    where
        F: Fn(usize, u64) + Sync,
    {
        let barrier = Barrier::new(self.threads + 1);
        let failed = AtomicBool::new(false);
        let mut started = Instant::now();
        let results: Vec<(u64, Option<StressFailure>)> = std::thread::scope(|scope| {
            let workers: Vec<_> = (0..self.threads)
                .map(|thread| {
                    let (barrier, body, limit, failed) = (&barrier, &body, self.limit, &failed);
                    std::thread::Builder::new()
                        .name(format!("stress-{thread}"))
                        .spawn_scoped(scope, move || {
                            barrier.wait();
                            run_thread(thread, limit, body, failed)
                        })
                        .expect("the OS can start a stress thread")
                })
                .collect();
            barrier.wait();
            started = Instant::now();
            workers
                .into_iter()
                .map(|worker| worker.join().expect("stress threads catch their panics"))
                .collect()
        });
        let elapsed = started.elapsed();
        let per_thread: Vec<u64> = results.iter().map(|(ops, _)| *ops).collect();
        StressReport {
            total_ops: per_thread.iter().sum(),
            elapsed,
            per_thread,
            failures: results
                .into_iter()
                .filter_map(|(_, failure)| failure)
                .collect(),
        }
    }
}

fn run_thread<F>(
    thread: usize,
    limit: Limit,
    body: &F,
    failed: &AtomicBool,
) -> (u64, Option<StressFailure>)
where
    F: Fn(usize, u64) + Sync,
{
    let started = Instant::now();
    let mut iteration = 0;
    loop {
        let more = match limit {
            Limit::Iterations(n) => iteration < n,
            Limit::Duration(d) => started.elapsed() < d,
        };
        if !more {
            return (iteration, None);
        }
        if let Err(payload) = catch_unwind(AssertUnwindSafe(|| body(thread, iteration))) {
            failed.store(true, Ordering::Relaxed);
            let message = panic_message(payload.as_ref());
            return (
                iteration,
                Some(StressFailure {
                    thread,
                    iteration,
                    message,
                }),
            );
        }
        iteration += 1;
    }
}

/// The text of a panic payload (`&str` or `String`), or a placeholder for other payloads.
pub(crate) fn panic_message(payload: &(dyn std::any::Any + Send)) -> String {
    if let Some(text) = payload.downcast_ref::<&str>() {
        (*text).to_owned()
    } else if let Some(text) = payload.downcast_ref::<String>() {
        text.clone()
    } else {
        "<non-string panic payload>".to_owned()
    }
}

/// Runs `body` on `threads` threads for `iterations` iterations each; shorthand for
/// [`Stress::new`]`(threads)?.iterations(iterations).run(body)`.
///
/// # Panics
///
/// If `threads` is 0 (a test with no threads tests nothing).
///
/// # Examples
///
/// ```
/// use std::sync::Mutex;
///
/// let total = Mutex::new(0_u64);
/// selvedge_testkit::stress(4, 100, |_, _| *total.lock().unwrap() += 1).assert_ok();
/// assert_eq!(*total.lock().unwrap(), 400);
/// ```
#[track_caller]
pub fn stress<F>(threads: usize, iterations: u64, body: F) -> StressReport
where
    F: Fn(usize, u64) + Sync,
{
    match Stress::new(threads) {
        Ok(stress) => stress.iterations(iterations).run(body),
        Err(error) => panic!("selvedge_testkit::stress: {error}"),
    }
}

/// One caught panic of a stress run.
///
/// ```
/// let report = selvedge_testkit::stress(2, 10, |thread, iteration| {
///     assert!(!(thread == 1 && iteration == 3), "boom");
/// });
/// let failure = &report.failures[0];
/// assert_eq!((failure.thread, failure.iteration), (1, 3));
/// assert_eq!(failure.message, "boom");
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StressFailure {
    /// Index of the thread that panicked.
    pub thread: usize,
    /// The iteration in which it panicked.
    pub iteration: u64,
    /// The panic message.
    pub message: String,
}

impl fmt::Display for StressFailure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "thread {} iteration {}: {}",
            self.thread, self.iteration, self.message
        )
    }
}

/// What a stress run did: operations, time, and every failure.
///
/// ```
/// let report = selvedge_testkit::stress(2, 50, |_, _| {});
/// assert_eq!(report.total_ops, 100);
/// assert!(report.is_ok());
/// println!("{report}");
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct StressReport {
    /// Iterations completed by all threads together.
    pub total_ops: u64,
    /// Wall time from the release of the threads to the last join.
    pub elapsed: Duration,
    /// Iterations completed by each thread, by index.
    pub per_thread: Vec<u64>,
    /// Every caught panic, one per failed thread.
    pub failures: Vec<StressFailure>,
}

impl StressReport {
    /// Completed iterations per second (0 for an empty run).
    ///
    /// ```
    /// let report = selvedge_testkit::stress(1, 10, |_, _| {});
    /// assert!(report.ops_per_sec() >= 0.0);
    /// ```
    #[must_use]
    pub fn ops_per_sec(&self) -> f64 {
        throughput(self.total_ops, self.elapsed)
    }

    /// Whether no thread panicked.
    ///
    /// ```
    /// assert!(selvedge_testkit::stress(1, 1, |_, _| {}).is_ok());
    /// ```
    #[must_use]
    pub fn is_ok(&self) -> bool {
        self.failures.is_empty()
    }

    /// Fails the calling test, listing every failure, if any thread panicked.
    ///
    /// # Panics
    ///
    /// If [`failures`](Self::failures) is not empty.
    ///
    /// ```should_panic
    /// selvedge_testkit::stress(2, 1, |_, _| panic!("invariant broken")).assert_ok();
    /// ```
    #[track_caller]
    pub fn assert_ok(&self) {
        if !self.is_ok() {
            let list: Vec<String> = self.failures.iter().map(|f| format!("  {f}")).collect();
            panic!(
                "stress run failed on {} thread(s):\n{}",
                self.failures.len(),
                list.join("\n")
            );
        }
    }
}

impl fmt::Display for StressReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} ops on {} threads in {:.3?} ({:.0} ops/s), {} failure(s)",
            self.total_ops,
            self.per_thread.len(),
            self.elapsed,
            self.ops_per_sec(),
            self.failures.len()
        )
    }
}

#[cfg(test)]
mod tests {
    use std::sync::atomic::{AtomicU64, Ordering};

    use super::{Stress, stress};

    #[test]
    fn every_iteration_runs_once() {
        let sum = AtomicU64::new(0);
        let report = stress(3, 20, |_, iteration| {
            sum.fetch_add(iteration, Ordering::Relaxed);
        });
        report.assert_ok();
        assert_eq!(report.total_ops, 60);
        assert_eq!(sum.load(Ordering::Relaxed), 3 * (0..20).sum::<u64>());
    }

    #[test]
    fn a_panic_ends_only_its_own_thread() {
        let report = Stress::new(2)
            .unwrap()
            .iterations(5)
            .run(|thread, iteration| {
                assert!(!(thread == 0 && iteration == 2), "thread 0 gives up");
            });
        assert_eq!(report.per_thread, [2, 5]);
        assert_eq!(report.failures.len(), 1);
        assert!(report.to_string().contains("1 failure"));
    }

    #[test]
    #[should_panic(expected = "thread 1 iteration 0: broken")]
    fn assert_ok_lists_failures() {
        stress(2, 1, |thread, _| assert!(thread != 1, "broken")).assert_ok();
    }
}
