//! Seed 004's `ThreadSafetyTester`, in Rust: many threads hammer a lazily created shared
//! instance and a counter; the run reports unique instances, lost updates and ops/s.
//!
//! `cargo run --release -p selvedge-testkit --example thread_safety`

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, OnceLock};

use selvedge_testkit::{CallCounter, IncrementLedger, StressReport, check_single_instance, stress};

/// The shared instance under test: built once, on first use, by whichever thread gets there.
struct Registry {
    requests: AtomicU64,
}

static REGISTRY: OnceLock<Arc<Registry>> = OnceLock::new();
static CONSTRUCTIONS: CallCounter = CallCounter::new();

fn registry() -> Arc<Registry> {
    REGISTRY
        .get_or_init(|| {
            CONSTRUCTIONS.hit();
            Arc::new(Registry {
                requests: AtomicU64::new(0),
            })
        })
        .clone()
}

/// What one run of the tester found.
struct Findings {
    unique_instances: usize,
    /// What the getter raised on threads that got no instance (the seed's `errors`).
    errors: Vec<String>,
    constructions: usize,
    ledger_ok: bool,
    report: StressReport,
}

fn run_tester(threads: usize, iterations: u64) -> Findings {
    let (unique_instances, errors) = match check_single_instance(threads, registry) {
        Ok(_) => (1, Vec::new()),
        Err(failure) => (failure.distinct, failure.errors),
    };
    let ledger = IncrementLedger::new();
    let report = stress(threads, iterations, |_, _| {
        registry().requests.fetch_add(1, Ordering::Relaxed);
        ledger.record(1);
    });
    let requests = i64::try_from(registry().requests.load(Ordering::SeqCst)).unwrap_or(i64::MAX);
    Findings {
        unique_instances,
        errors,
        constructions: CONSTRUCTIONS.count(),
        ledger_ok: ledger.check(requests).is_ok(),
        report,
    }
}

fn main() {
    let threads = 64;
    let findings = run_tester(threads, 10_000);
    println!("thread-safety tester: {threads} threads");
    println!("  unique instances seen : {}", findings.unique_instances);
    println!("  errors                : {:?}", findings.errors);
    println!("  constructions         : {}", findings.constructions);
    println!(
        "  lost counter updates  : {}",
        if findings.ledger_ok { "none" } else { "SOME" }
    );
    println!("  stress run            : {}", findings.report);
    if !(findings.unique_instances == 1
        && findings.errors.is_empty()
        && findings.constructions == 1
        && findings.ledger_ok)
    {
        std::process::exit(1);
    }
}

#[cfg(test)]
mod tests {
    use super::run_tester;

    #[test]
    fn the_shared_instance_is_single_and_no_update_is_lost() {
        let findings = run_tester(16, 500);
        assert_eq!(findings.unique_instances, 1);
        assert!(findings.errors.is_empty(), "{:?}", findings.errors);
        assert_eq!(findings.constructions, 1);
        assert!(findings.ledger_ok);
        findings.report.assert_ok();
        assert_eq!(findings.report.total_ops, 16 * 500);
    }
}
