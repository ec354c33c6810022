//! [`scaling_threads`]: the thread counts a scaling benchmark measures, the same way in every
//! crate, so one setting chooses them for a whole run on a many-core machine.

use std::fmt;

/// The environment variable that chooses the thread counts: comma-separated, e.g. `1,2,4,8,16`.
pub const SCALING_THREADS_VAR: &str = "SELVEDGE_BENCH_THREADS";

/// The thread counts a scaling benchmark measures: those listed in
/// [`SELVEDGE_BENCH_THREADS`](SCALING_THREADS_VAR), else the powers of two up to 16 that the
/// machine has cores for (1 and 2 on a two-core machine).
///
/// # Errors
///
/// [`InvalidThreadList`] if the variable is set but is not a comma-separated list of counts
/// from 1 to 1024.
///
/// ```
/// for threads in selvedge_testkit::scaling_threads()? {
///     assert!(threads >= 1); // measure the primitive and its peers at `threads` here
/// }
/// # Ok::<(), selvedge_testkit::InvalidThreadList>(())
/// ```
pub fn scaling_threads() -> Result<Vec<usize>, InvalidThreadList> {
    match std::env::var(SCALING_THREADS_VAR) {
        Ok(list) => parse_thread_list(&list),
        Err(_) => {
            let cores = std::thread::available_parallelism().map_or(1, usize::from);
            Ok([1, 2, 4, 8, 16]
                .into_iter()
                .filter(|&n| n == 1 || n <= cores)
                .collect())
        }
    }
}

/// Parses a comma-separated list of thread counts, each from 1 to 1024.
///
/// # Errors
///
/// [`InvalidThreadList`] naming the list, if it is empty or an entry is not such a count.
///
/// ```
/// use selvedge_testkit::parse_thread_list;
///
/// assert_eq!(parse_thread_list("1, 2,16"), Ok(vec![1, 2, 16]));
/// assert!(parse_thread_list("1,0").is_err());
/// assert!(parse_thread_list("four").is_err());
/// ```
pub fn parse_thread_list(list: &str) -> Result<Vec<usize>, InvalidThreadList> {
    let invalid = || InvalidThreadList {
        list: list.to_owned(),
    };
    let counts = list
        .split(',')
        .map(|n| match n.trim().parse::<usize>() {
            Ok(n @ 1..=1024) => Ok(n),
            _ => Err(invalid()),
        })
        .collect::<Result<Vec<_>, _>>()?;
    if counts.is_empty() {
        return Err(invalid());
    }
    Ok(counts)
}

/// A thread list that is not a comma-separated list of counts from 1 to 1024.
///
/// ```
/// let err = selvedge_testkit::parse_thread_list("2,x").unwrap_err();
/// assert!(err.to_string().contains("2,x"));
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InvalidThreadList {
    list: String,
}

impl fmt::Display for InvalidThreadList {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{SCALING_THREADS_VAR}={:?}: expected comma-separated thread counts from 1 to 1024, e.g. 1,2,4,8,16",
            self.list
        )
    }
}

impl std::error::Error for InvalidThreadList {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lists_parse_and_bad_entries_are_refused() {
        assert_eq!(parse_thread_list("4"), Ok(vec![4]));
        assert_eq!(parse_thread_list(" 1 ,2 "), Ok(vec![1, 2]));
        for bad in ["", "1,,2", "0", "1025", "-1", "2.5"] {
            assert!(parse_thread_list(bad).is_err(), "{bad:?}");
        }
    }
}
