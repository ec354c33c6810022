//! Progress while users are created: an indicatif bar on a terminal, a plain line every quarter
//! otherwise (a CI log, a pipe, a test).

use std::io::IsTerminal;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

/// How progress is shown.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Display {
    /// A progress bar on stderr.
    Terminal,
    /// A line on stdout at each quarter.
    Plain,
}

impl Display {
    /// A bar when stderr is a terminal, plain lines otherwise.
    pub(crate) fn detect() -> Self {
        if std::io::stderr().is_terminal() {
            Self::Terminal
        } else {
            Self::Plain
        }
    }
}

/// One run's progress; clones share it.
#[derive(Debug, Clone)]
pub(crate) struct Progress {
    inner: Arc<Inner>,
}

#[derive(Debug)]
enum Inner {
    Bar(ProgressBar),
    Plain {
        label: &'static str,
        total: usize,
        done: AtomicUsize,
    },
}

impl Progress {
    /// Progress over `total` users, labelled `label`.
    pub(crate) fn new(display: Display, label: &'static str, total: usize) -> Self {
        let inner = match display {
            Display::Terminal => {
                let bar =
                    ProgressBar::with_draw_target(Some(total as u64), ProgressDrawTarget::stderr());
                // The template is a literal; were it ever rejected, the default style still works.
                if let Ok(style) = ProgressStyle::with_template(
                    "{prefix:>22} [{bar:40.cyan/blue}] {pos}/{len} users {elapsed_precise}",
                ) {
                    bar.set_style(style.progress_chars("=> "));
                }
                bar.set_prefix(label);
                Inner::Bar(bar)
            }
            Display::Plain => Inner::Plain {
                label,
                total,
                done: AtomicUsize::new(0),
            },
        };
        Self {
            inner: Arc::new(inner),
        }
    }

    /// One more user done.
    pub(crate) fn inc(&self) {
        match &*self.inner {
            Inner::Bar(bar) => bar.inc(1),
            Inner::Plain { label, total, done } => {
                let done = done.fetch_add(1, Ordering::Relaxed) + 1;
                // Exactly one caller sees each count, so each quarter prints once.
                let quarter = |n: usize| n * 4 / (*total).max(1);
                if quarter(done) != quarter(done - 1) {
                    println!("  {label}: {done}/{total} users");
                }
            }
        }
    }

    /// Takes the bar off the terminal.
    pub(crate) fn finish(&self) {
        if let Inner::Bar(bar) = &*self.inner {
            bar.finish_and_clear();
        }
    }
}
