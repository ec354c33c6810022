//! The two runs side by side: users created, logins made, wall time, per-user p50 and p99, and
//! the speed-up.

use std::fmt::Write as _;
use std::time::Duration;

use crate::provision::RunReport;

/// The `p`-th percentile (0-100) of sorted durations, by nearest rank; zero when empty.
pub(crate) fn percentile(sorted: &[Duration], p: f64) -> Duration {
    if sorted.is_empty() {
        return Duration::ZERO;
    }
    let rank = (p / 100.0 * sorted.len() as f64).ceil() as usize;
    sorted[rank.clamp(1, sorted.len()) - 1]
}

/// A duration in the unit that reads best.
pub(crate) fn human(d: Duration) -> String {
    let secs = d.as_secs_f64();
    if d.is_zero() {
        "0 ms".to_owned()
    } else if secs >= 1.0 {
        format!("{secs:.2} s")
    } else if secs >= 0.001 {
        format!("{:.1} ms", secs * 1e3)
    } else {
        format!("{:.0} µs", secs * 1e6)
    }
}

/// How many times less wall time `shared` took than `per_login`.
pub(crate) fn speed_up(shared: &RunReport, per_login: &RunReport) -> f64 {
    per_login.wall.as_secs_f64() / shared.wall.as_secs_f64().max(f64::MIN_POSITIVE)
}

/// The comparison table.
pub(crate) fn side_by_side(shared: &RunReport, per_login: &RunReport) -> String {
    let rows: [(&str, String, String); 7] = [
        (
            "users created",
            count(shared.created, shared.users),
            count(per_login.created, per_login.users),
        ),
        (
            "logins",
            shared.logins.to_string(),
            per_login.logins.to_string(),
        ),
        (
            "401s retried",
            shared.retried.to_string(),
            per_login.retried.to_string(),
        ),
        ("wall time", human(shared.wall), human(per_login.wall)),
        (
            "per user p50",
            human(percentile(&shared.per_user, 50.0)),
            human(percentile(&per_login.per_user, 50.0)),
        ),
        (
            "per user p99",
            human(percentile(&shared.per_user, 99.0)),
            human(percentile(&per_login.per_user, 99.0)),
        ),
        ("users per second", rate(shared), rate(per_login)),
    ];
    let mut table = format!(
        "{:<18} {:>22} {:>22}\n",
        "", "shared admin session", "login per user"
    );
    for (name, left, right) in rows {
        // Writing to a String cannot fail.
        let _ = writeln!(table, "{name:<18} {left:>22} {right:>22}");
    }
    let _ = writeln!(
        table,
        "{:<18} {:>22}",
        "speed-up (wall)",
        format!("{:.1}x", speed_up(shared, per_login))
    );
    table
}

fn count(created: usize, asked: usize) -> String {
    if created == asked {
        created.to_string()
    } else {
        format!("{created} of {asked}")
    }
}

fn rate(report: &RunReport) -> String {
    format!(
        "{:.0}",
        report.created as f64 / report.wall.as_secs_f64().max(f64::MIN_POSITIVE)
    )
}
