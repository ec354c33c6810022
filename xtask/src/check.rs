//! Runs a list of steps in order, each as a timed section, then prints the summary table.

use std::path::Path;
use std::time::Instant;

use crate::steps::Step;
use crate::summary::{Outcome, Summary};

/// Every step of `cargo xtask check`: what a fresh machine lacks first, then the cheapest steps
/// first so a formatting slip fails in seconds.
pub(crate) fn all() -> Vec<Step> {
    vec![
        Step::Setup,
        Step::Fmt,
        Step::Clippy,
        Step::Test,
        Step::Docs,
        Step::Loom,
        Step::Miri,
        Step::Deny,
    ]
}

/// Runs every step (a failure does not stop the others) and reports whether all passed.
pub(crate) fn run(root: &Path, steps: &[Step]) -> bool {
    let mut summary = Summary::default();
    for step in steps {
        println!("\n==> {} ({})", step.name(), step.describe());
        timed(&mut summary, step.name(), || step.run(root));
    }
    print!("{summary}");
    summary.all_passed()
}

/// Runs one command that is not a gate step as a timed section with the same summary table.
pub(crate) fn run_one(name: &'static str, body: impl FnOnce() -> Outcome) -> bool {
    let mut summary = Summary::default();
    println!("\n==> {name}");
    timed(&mut summary, name, body);
    print!("{summary}");
    summary.all_passed()
}

fn timed(summary: &mut Summary, name: &'static str, body: impl FnOnce() -> Outcome) {
    let started = Instant::now();
    let outcome = body();
    let seconds = started.elapsed().as_secs_f64();
    match &outcome {
        Outcome::Passed => println!("<== {name} passed in {seconds:.1}s"),
        Outcome::Failed(why) => println!("<== {name} FAILED in {seconds:.1}s: {why}"),
    }
    summary.record(name, outcome, seconds);
}
