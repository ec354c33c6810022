//! The closing table of a run: step, result, seconds.

use std::fmt;

/// How one step ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Outcome {
    Passed,
    /// Failed, with a one-line reason (the failing command, or the install hint).
    Failed(String),
}

#[derive(Debug, Default)]
pub(crate) struct Summary {
    rows: Vec<(&'static str, Outcome, f64)>,
}

impl Summary {
    pub(crate) fn record(&mut self, step: &'static str, outcome: Outcome, seconds: f64) {
        self.rows.push((step, outcome, seconds));
    }

    pub(crate) fn all_passed(&self) -> bool {
        self.rows
            .iter()
            .all(|(_, outcome, _)| *outcome == Outcome::Passed)
    }
}

impl fmt::Display for Summary {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(f, "\n| step | result | seconds |")?;
        writeln!(f, "| --- | --- | ---: |")?;
        let mut total = 0.0;
        for (step, outcome, seconds) in &self.rows {
            let result = match outcome {
                Outcome::Passed => "passed",
                Outcome::Failed(_) => "FAILED",
            };
            writeln!(f, "| {step} | {result} | {seconds:.1} |")?;
            total += seconds;
        }
        let verdict = if self.all_passed() {
            "passed"
        } else {
            "FAILED"
        };
        writeln!(f, "| total | {verdict} | {total:.1} |")?;
        let failed = self
            .rows
            .iter()
            .filter(|(_, outcome, _)| *outcome != Outcome::Passed)
            .count();
        writeln!(
            f,
            "\nsteps: {} passed, {failed} failed",
            self.rows.len() - failed
        )
    }
}
