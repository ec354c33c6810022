//! Criterion's results as data: every `target/criterion/**/new/` measurement, named by the
//! rules the benches follow, and paired selvedge-against-peer.
//!
//! Naming rules (read off `crates/*/benches/*.rs`):
//! - An implementation is a benchmark's function id, or its parameter when the bench names it
//!   with `BenchmarkId::from_parameter`. Its first word names the crate (`parking_lot`,
//!   `arc-swap load_full`, `selvedge_scope`): up to the first space, or else up to the first
//!   `_` (`parking_lot`, `once_cell` and `arc_swap` are kept whole). It is selvedge's when that
//!   word is `selvedge`, or when it is one of the selvedge types benched unprefixed
//!   ([`UNPREFIXED`]).
//! - A thread count is a group segment `2-thread`, `2w` (workers) or a `_2_threads` suffix, or
//!   a parameter that is a bare integer (`counter_increment/Counter/2`). Any other parameter is
//!   part of the implementation (`selvedge/urgent`).
//! - Rows: the measurements of one group (thread count removed) at one thread count. Each
//!   selvedge implementation is compared with the fastest peer of its row, per operation (per
//!   element where the group sets a throughput, since peers may do different amounts of work
//!   per iteration). When an implementation's name is `crate_scenario` and a peer shares the
//!   scenario (`selvedge_scope`, `rayon_scope`), it is compared with those peers alone, and
//!   they leave the row's general peers.

use std::fs;
use std::io;
use std::path::Path;

use serde_json::Value;

/// Selvedge types benched under their own name, without a `selvedge` prefix.
const UNPREFIXED: &[&str] = &["Counter", "StripedCounter"];

/// Crate names that contain `_`, kept whole when an implementation's first word is read.
const UNDERSCORED: &[&str] = &["parking_lot", "once_cell", "arc_swap"];

/// One benchmark's result: criterion's ids and its median time per iteration.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Measurement {
    pub(crate) group: String,
    pub(crate) function: Option<String>,
    pub(crate) parameter: Option<String>,
    /// Median time of one iteration, in nanoseconds.
    pub(crate) median_ns: f64,
    /// Elements (or bytes) one iteration processes, where the group declares a throughput.
    pub(crate) elements: Option<u64>,
}

impl Measurement {
    /// Reads one benchmark from criterion's `benchmark.json` and `estimates.json` texts.
    pub(crate) fn from_json(benchmark: &str, estimates: &str) -> Result<Self, String> {
        let benchmark: Value = serde_json::from_str(benchmark).map_err(|e| e.to_string())?;
        let estimates: Value = serde_json::from_str(estimates).map_err(|e| e.to_string())?;
        let text = |key: &str| benchmark.get(key).and_then(Value::as_str).map(String::from);
        let group = text("group_id").ok_or("benchmark.json has no group_id")?;
        let median_ns = estimates
            .pointer("/median/point_estimate")
            .and_then(Value::as_f64)
            .ok_or("estimates.json has no median point estimate")?;
        // Criterion writes `{"Elements": n}`, `{"Bytes": n}` or `{"BytesDecimal": n}`.
        let elements = benchmark
            .get("throughput")
            .and_then(Value::as_object)
            .and_then(|t| t.values().next())
            .and_then(Value::as_u64);
        Ok(Self {
            group,
            function: text("function_id"),
            parameter: text("value_str"),
            median_ns,
            elements,
        })
    }

    /// Median time of one operation (one element where a throughput is declared).
    pub(crate) fn ns_per_op(&self) -> f64 {
        self.median_ns / self.elements.filter(|&n| n > 0).unwrap_or(1) as f64
    }

    /// Operations (elements) per second.
    pub(crate) fn ops_per_second(&self) -> f64 {
        1e9 / self.ns_per_op()
    }

    /// The thread count this measurement ran at, if its ids carry one.
    pub(crate) fn threads(&self) -> Option<u32> {
        group_threads(&self.group).map(|(n, _)| n).or_else(|| {
            self.function.as_ref()?;
            count(self.parameter.as_deref()?, true)
        })
    }

    /// The group without its thread count: the primitive's series across thread counts.
    pub(crate) fn series(&self) -> String {
        group_threads(&self.group).map_or_else(|| self.group.clone(), |(_, rest)| rest)
    }

    /// The implementation measured: function id, plus any parameter that is not a thread count.
    pub(crate) fn implementation(&self) -> String {
        match (&self.function, &self.parameter) {
            (Some(f), Some(p)) if count(p, true).is_none() => format!("{f}/{p}"),
            (Some(f), _) => f.clone(),
            (None, Some(p)) => p.clone(),
            (None, None) => self.group.clone(),
        }
    }

    fn name(&self) -> &str {
        self.function
            .as_deref()
            .or(self.parameter.as_deref())
            .unwrap_or(&self.group)
    }

    /// Whether this measures a selvedge implementation (not a peer).
    pub(crate) fn is_selvedge(&self) -> bool {
        let name = self.name();
        crate_word(name).0 == "selvedge" || UNPREFIXED.contains(&name)
    }

    /// The scenario after `crate_` in an identifier-style name (`selvedge_scope`: `scope`).
    fn scenario(&self) -> Option<&str> {
        let name = self.name();
        if name.contains(' ') {
            return None;
        }
        Some(crate_word(name).1).filter(|rest| !rest.is_empty())
    }
}

/// An implementation's first word and the rest of its name.
fn crate_word(name: &str) -> (&str, &str) {
    if let Some((word, rest)) = name.split_once(' ') {
        return (word, rest);
    }
    for known in UNDERSCORED {
        if let Some(rest) = name.strip_prefix(known)
            && (rest.is_empty() || rest.starts_with('_'))
        {
            return (known, rest.trim_start_matches('_'));
        }
    }
    name.split_once('_').unwrap_or((name, ""))
}

/// The words that mark a count of threads (workers are the pool's threads).
const UNITS: &[&str] = &["threads", "thread", "workers", "worker", "w"];

/// The count in `8-thread`, `8 threads`, `8_workers`, `8w`; a bare `8` only where `bare`.
fn count(text: &str, bare: bool) -> Option<u32> {
    let digits = text.len() - text.trim_start_matches(|c: char| c.is_ascii_digit()).len();
    let (number, unit) = text.split_at(digits);
    let unit = unit.trim_start_matches(['-', '_', ' ']);
    let counted = if unit.is_empty() {
        bare
    } else {
        UNITS.contains(&unit)
    };
    counted.then(|| number.parse().ok()).flatten()
}

/// The thread count a group names, and the group without it: a segment (`get/2-thread`,
/// `throughput/4w`) or a `_2_threads` suffix. A bare number (`sync/8`) counts something else.
fn group_threads(group: &str) -> Option<(u32, String)> {
    let segments: Vec<&str> = group.split('/').collect();
    for (i, segment) in segments.iter().enumerate() {
        if let Some(n) = count(segment, false) {
            let mut rest = segments.clone();
            rest.remove(i);
            return Some((n, rest.join("/")));
        }
    }
    let last = segments.last()?;
    for (at, _) in last.match_indices('_') {
        if let Some(n) = count(&last[at + 1..], false) {
            let mut rest = segments.clone();
            let stem = &last[..at];
            *rest.last_mut()? = stem;
            return Some((n, rest.join("/")));
        }
    }
    None
}

/// Every measurement under `criterion` (criterion's output directory), sorted by group.
pub(crate) fn read_all(criterion: &Path) -> io::Result<Vec<Measurement>> {
    let mut found = Vec::new();
    walk(criterion, &mut found)?;
    found.sort_by(|a: &Measurement, b| {
        (&a.group, a.threads(), a.implementation()).cmp(&(
            &b.group,
            b.threads(),
            b.implementation(),
        ))
    });
    Ok(found)
}

fn walk(dir: &Path, found: &mut Vec<Measurement>) -> io::Result<()> {
    let new = dir.join("new");
    let (benchmark, estimates) = (new.join("benchmark.json"), new.join("estimates.json"));
    if benchmark.is_file() && estimates.is_file() {
        let measurement = Measurement::from_json(
            &fs::read_to_string(&benchmark)?,
            &fs::read_to_string(&estimates)?,
        )
        .map_err(|why| io::Error::other(format!("{}: {why}", new.display())))?;
        found.push(measurement);
        return Ok(());
    }
    if !dir.is_dir() {
        return Ok(());
    }
    for entry in fs::read_dir(dir)? {
        let entry = entry?;
        if entry.file_type()?.is_dir() && entry.file_name() != "report" {
            walk(&entry.path(), found)?;
        }
    }
    Ok(())
}

/// One selvedge implementation against the fastest of its peers in the same row.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Comparison {
    pub(crate) group: String,
    pub(crate) threads: Option<u32>,
    pub(crate) selvedge: Measurement,
    /// The fastest peer (per operation), if the row has any.
    pub(crate) best_peer: Option<Measurement>,
}

impl Comparison {
    /// Selvedge's time per operation over the best peer's: below 1.00, selvedge is faster.
    pub(crate) fn ratio(&self) -> Option<f64> {
        Some(self.selvedge.ns_per_op() / self.best_peer.as_ref()?.ns_per_op())
    }
}

/// Pairs every selvedge measurement with the fastest peer of its row (the module doc's rules).
pub(crate) fn compare(measurements: &[Measurement]) -> Vec<Comparison> {
    let mut rows: Vec<(String, Option<u32>, Vec<&Measurement>)> = Vec::new();
    for m in measurements {
        let key = (m.series(), m.threads());
        match rows.iter_mut().find(|(s, t, _)| (s, t) == (&key.0, &key.1)) {
            Some((_, _, row)) => row.push(m),
            None => rows.push((key.0, key.1, vec![m])),
        }
    }
    let mut comparisons = Vec::new();
    for (_, threads, row) in rows {
        let (ours, peers): (Vec<&Measurement>, Vec<&Measurement>) =
            row.into_iter().partition(|m| m.is_selvedge());
        let claimed = |peer: &Measurement| {
            ours.iter()
                .any(|o| o.scenario().is_some() && o.scenario() == peer.scenario())
        };
        for selvedge in &ours {
            let matching: Vec<&&Measurement> = peers
                .iter()
                .filter(|p| selvedge.scenario().is_some() && p.scenario() == selvedge.scenario())
                .collect();
            let candidates: Vec<&&Measurement> = if matching.is_empty() {
                peers.iter().filter(|p| !claimed(p)).collect()
            } else {
                matching
            };
            let best_peer = candidates
                .into_iter()
                .min_by(|a, b| a.ns_per_op().total_cmp(&b.ns_per_op()))
                .map(|p| (*p).clone());
            comparisons.push(Comparison {
                group: selvedge.group.clone(),
                threads,
                selvedge: (*selvedge).clone(),
                best_peer,
            });
        }
    }
    comparisons
}

#[cfg(test)]
mod tests {
    use super::*;

    fn bench(group: &str, function: Option<&str>, parameter: Option<&str>, ns: f64) -> Measurement {
        Measurement {
            group: group.into(),
            function: function.map(String::from),
            parameter: parameter.map(String::from),
            median_ns: ns,
            elements: None,
        }
    }

    #[test]
    fn criterion_json_gives_ids_median_and_throughput() {
        let benchmark = r#"{"group_id":"read_heavy","function_id":"selvedge","value_str":"2",
            "throughput":{"Elements":1000},"full_id":"read_heavy/selvedge/2",
            "directory_name":"read_heavy/selvedge/2","title":"read_heavy/selvedge/2"}"#;
        let estimates = r#"{"mean":{"point_estimate":2100.0},
            "median":{"confidence_interval":{"confidence_level":0.95,"lower_bound":1.0,
            "upper_bound":3.0},"point_estimate":2000.0,"standard_error":0.1}}"#;
        let m = Measurement::from_json(benchmark, estimates).unwrap();
        assert_eq!(
            m,
            Measurement {
                elements: Some(1000),
                ..bench("read_heavy", Some("selvedge"), Some("2"), 2000.0)
            }
        );
        assert_eq!(m.threads(), Some(2));
        assert_eq!(m.series(), "read_heavy");
        assert_eq!(m.implementation(), "selvedge");
        assert!((m.ns_per_op() - 2.0).abs() < 1e-9);
        assert!((m.ops_per_second() - 5e8).abs() < 1.0);
    }

    #[test]
    fn json_without_a_median_is_an_error_not_a_zero() {
        let benchmark = r#"{"group_id":"g","function_id":null,"value_str":"x","throughput":null}"#;
        assert!(Measurement::from_json(benchmark, r#"{"mean":{"point_estimate":1.0}}"#).is_err());
        assert!(Measurement::from_json("not json", "{}").is_err());
    }

    #[test]
    fn thread_counts_come_from_the_group_or_an_integer_parameter() {
        let get = bench("get/2-thread", None, Some("selvedge Global::get"), 1.0);
        assert_eq!((get.threads(), get.series()), (Some(2), "get".into()));
        let pool = bench("throughput/4w", Some("rayon_scope"), None, 1.0);
        assert_eq!(
            (pool.threads(), pool.series()),
            (Some(4), "throughput".into())
        );
        let mutex = bench("mutex_contended_2_threads", Some("std"), None, 1.0);
        assert_eq!(
            (mutex.threads(), mutex.series()),
            (Some(2), "mutex_contended".into())
        );
        let bus = bench("sync/8", Some("selvedge_bus"), None, 1.0);
        assert_eq!((bus.threads(), bus.series()), (None, "sync/8".into()));
        let latency = bench("latency/2w", Some("selvedge"), Some("urgent"), 1.0);
        assert_eq!(latency.implementation(), "selvedge/urgent");
        let scaling = bench("empty/1_submitter", Some("rayon"), Some("8 workers"), 1.0);
        assert_eq!(scaling.threads(), Some(8));
        assert_eq!(
            (scaling.series(), scaling.implementation()),
            ("empty/1_submitter".into(), "rayon".into())
        );
        let nested = bench("scope/16_workers/tiny", Some("selvedge"), None, 1.0);
        assert_eq!(
            (nested.threads(), nested.series()),
            (Some(16), "scope/tiny".into())
        );
        let suffix = bench("mutex_16_threads", Some("std"), None, 1.0);
        assert_eq!(
            (suffix.threads(), suffix.series()),
            (Some(16), "mutex".into())
        );
    }

    #[test]
    fn selvedge_is_told_from_peers_by_the_first_word() {
        for ours in [
            "selvedge",
            "selvedge_scope",
            "selvedge Global::get",
            "StripedCounter",
        ] {
            assert!(bench("g", Some(ours), None, 1.0).is_selvedge(), "{ours}");
        }
        for peer in [
            "parking_lot",
            "arc-swap load_full",
            "seed Mutex<Option<Arc>>",
            "Mutex<u64>",
        ] {
            assert!(!bench("g", Some(peer), None, 1.0).is_selvedge(), "{peer}");
        }
        assert_eq!(
            crate_word("parking_lot_uncontended"),
            ("parking_lot", "uncontended")
        );
        assert_eq!(crate_word("dashmap_foldhash"), ("dashmap", "foldhash"));
    }

    #[test]
    fn each_selvedge_row_is_compared_with_its_fastest_peer_at_the_same_thread_count() {
        let rows = [
            bench("get/1-thread", None, Some("selvedge Lazy"), 2.0),
            bench("get/1-thread", None, Some("once_cell Lazy"), 4.0),
            bench("get/1-thread", None, Some("std LazyLock"), 3.0),
            bench("get/2-thread", None, Some("selvedge Lazy"), 9.0),
            bench("get/2-thread", None, Some("std LazyLock"), 6.0),
        ];
        let found = compare(&rows);
        assert_eq!(found.len(), 2);
        assert_eq!(found[0].threads, Some(1));
        assert_eq!(
            found[0].best_peer.as_ref().unwrap().implementation(),
            "std LazyLock"
        );
        assert!((found[0].ratio().unwrap() - 2.0 / 3.0).abs() < 1e-9);
        assert!((found[1].ratio().unwrap() - 1.5).abs() < 1e-9);
    }

    #[test]
    fn a_shared_scenario_pairs_only_with_itself() {
        let rows = [
            bench("lock_order_on", Some("selvedge_uncontended"), None, 24.0),
            bench("lock_order_on", Some("parking_lot_uncontended"), None, 12.0),
            bench("lock_order_on", Some("selvedge_nested_pair"), None, 55.0),
        ];
        let found = compare(&rows);
        let ratio = |name: &str| {
            found
                .iter()
                .find(|c| c.selvedge.implementation() == name)
                .map(Comparison::ratio)
                .unwrap()
        };
        assert_eq!(ratio("selvedge_uncontended"), Some(2.0));
        assert_eq!(
            ratio("selvedge_nested_pair"),
            None,
            "no peer measures a nested pair"
        );
    }

    #[test]
    fn a_peer_claimed_by_a_scenario_leaves_the_general_peers() {
        let rows = [
            bench("throughput/2w", Some("selvedge_scope"), None, 30.0),
            bench("throughput/2w", Some("rayon_scope"), None, 10.0),
            bench("throughput/2w", Some("selvedge_execute"), None, 20.0),
            bench("throughput/2w", Some("rayon_spawn"), None, 40.0),
            bench("throughput/2w", Some("threadpool"), None, 80.0),
        ];
        let found = compare(&rows);
        let peer = |name: &str| {
            let c = found
                .iter()
                .find(|c| c.selvedge.implementation() == name)
                .unwrap();
            (
                c.best_peer.as_ref().unwrap().implementation(),
                c.ratio().unwrap(),
            )
        };
        assert_eq!(peer("selvedge_scope"), ("rayon_scope".into(), 3.0));
        assert_eq!(peer("selvedge_execute"), ("rayon_spawn".into(), 0.5));
    }

    #[test]
    fn throughput_normalises_peers_that_do_different_work_per_iteration() {
        let mut bus = bench("async/8", Some("selvedge_bus"), None, 80_000.0);
        bus.elements = Some(80_000);
        let mut spawn = bench("async/8", Some("thread_per_callback"), None, 8_000.0);
        spawn.elements = Some(800);
        let found = compare(&[bus, spawn]);
        assert!((found[0].ratio().unwrap() - 0.1).abs() < 1e-9);
    }

    #[test]
    fn the_criterion_tree_is_walked_and_its_report_folder_skipped() {
        let dir = std::env::temp_dir().join(format!("xtask-bench-{}", std::process::id()));
        let new = dir.join("get_1-thread/selvedge Lazy/new");
        fs::create_dir_all(&new).unwrap();
        fs::create_dir_all(dir.join("report")).unwrap();
        fs::write(
            new.join("benchmark.json"),
            r#"{"group_id":"get/1-thread","function_id":null,"value_str":"selvedge Lazy","throughput":null}"#,
        )
        .unwrap();
        fs::write(
            new.join("estimates.json"),
            r#"{"median":{"point_estimate":1.5}}"#,
        )
        .unwrap();
        let found = read_all(&dir).unwrap();
        fs::remove_dir_all(&dir).unwrap();
        assert_eq!(
            found,
            vec![bench("get/1-thread", None, Some("selvedge Lazy"), 1.5)]
        );
    }
}
