//! `throughput`: operations per second, for examples and reports (never for asserting speed in
//! a test: speed belongs to benchmarks).

use std::time::Duration;

/// Operations per second for `ops` operations in `elapsed`; 0 when `elapsed` is zero.
///
/// ```
/// use std::time::Duration;
/// let rate = selvedge_testkit::throughput(500, Duration::from_millis(250));
/// assert_eq!(rate, 2000.0);
/// ```
#[must_use]
pub fn throughput(ops: u64, elapsed: Duration) -> f64 {
    let seconds = elapsed.as_secs_f64();
    if seconds == 0.0 {
        0.0
    } else {
        ops as f64 / seconds
    }
}
