//! `cargo xtask`: the developer commands of the selvedge workspace.
//!
//! `cargo xtask check` is the whole CI gate; the other commands run one of its slower steps
//! alone. Every step runs a real tool; a missing tool fails the step and prints the command
//! that installs it.

mod bench;
mod bench_data;
mod bench_pack;
mod bench_plot;
mod bench_report;
mod browser;
mod check;
#[cfg(test)]
mod gate_tests;
mod links;
mod release;
mod setup;
mod site;
mod steps;
mod summary;
mod tools;

use std::path::PathBuf;
use std::process::ExitCode;

const HELP: &str = "\
cargo xtask <command>

Commands:
  check   the whole gate: setup, fmt, clippy, tests + doctests, docs, loom, miri, deny
  setup   install what the gate needs and a fresh machine lacks (says what it installs)
  rustdoc the workspace rustdoc alone, warnings denied (the first part of docs)
  docs    the docs site in target/site: rustdoc, guides, landing page; links checked, rendered
          in headless Chromium
  loom    the loom models (--cfg selvedge_loom, LOOM_MAX_PREEMPTIONS=2 unless set, release)
  miri    the crates' unit tests under miri (nightly)
  tsan    the crates' tests under ThreadSanitizer (nightly, -Zbuild-std)
  deny    cargo deny check (licences, bans, sources, advisories; offline)
  release <patch|minor|major> [--execute]
          bump the workspace version, move the CHANGELOG notes, semver-check, package and
          publish every crate (a dry run unless --execute; never from CI)
  bench   [--quick] [-p <crate>]... [--bench <name>]... [--report-only]
          every crate's criterion benchmarks beside their peers, then docs/benchmarks/report.md
          (selvedge/peer ratios) and its SVG plots of throughput against threads
          (SELVEDGE_BENCH_THREADS=1,2,4,8,16 picks the thread counts of the scaling groups)
  bench   --pack <dir> [-p <crate>]... [--bench <name>]...
          build those benchmarks and xtask as static binaries into <dir>/kit.tar.xz, for a
          machine without a Rust toolchain
  bench   --prebuilt <dir> [--quick] [-p <crate>]... [--bench <name>]...
          there (run from the repository root): run the packed benchmarks, write the report
  help    this text
";

fn main() -> ExitCode {
    let root = workspace_root();
    let command = std::env::args().nth(1);
    let steps = match command.as_deref() {
        Some("check") => check::all(),
        Some("setup") => vec![steps::Step::Setup],
        Some("rustdoc") => vec![steps::Step::Rustdoc],
        Some("docs") => vec![steps::Step::Docs],
        Some("loom") => vec![steps::Step::Loom],
        Some("miri") => vec![steps::Step::Miri],
        Some("tsan") => vec![steps::Step::Tsan],
        Some("deny") => vec![steps::Step::Deny],
        Some("release") => return release_command(&root),
        Some("bench") => return bench_command(&root),
        Some("help" | "--help" | "-h") | None => {
            print!("{HELP}");
            return ExitCode::SUCCESS;
        }
        Some(other) => {
            eprint!("unknown command `{other}`\n\n{HELP}");
            return ExitCode::FAILURE;
        }
    };
    if check::run(&root, &steps) {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    }
}

fn release_command(root: &std::path::Path) -> ExitCode {
    let args: Vec<String> = std::env::args().skip(2).collect();
    let execute = args.iter().any(|a| a == "--execute");
    let bump = args.iter().find_map(|a| release::Bump::parse(a));
    let unknown = args
        .iter()
        .any(|a| a != "--execute" && release::Bump::parse(a).is_none());
    let Some(bump) = bump.filter(|_| !unknown) else {
        eprint!("usage: cargo xtask release <patch|minor|major> [--execute]\n\n{HELP}");
        return ExitCode::FAILURE;
    };
    if check::run_one("release", || release::release(root, bump, execute)) {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    }
}

fn bench_command(root: &std::path::Path) -> ExitCode {
    let args: Vec<String> = std::env::args().skip(2).collect();
    let options = match bench::Options::parse(&args) {
        Ok(options) => options,
        Err(why) => {
            eprint!("{why}\n\n{HELP}");
            return ExitCode::FAILURE;
        }
    };
    let shown = std::iter::once("cargo xtask bench".to_owned())
        .chain(args)
        .collect::<Vec<_>>()
        .join(" ");
    if check::run_one("bench", || bench::bench(root, &options, &shown)) {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    }
}

fn workspace_root() -> PathBuf {
    // xtask lives in `<root>/xtask`; cargo sets CARGO_MANIFEST_DIR when it runs us. Run as a
    // packed binary (`bench --prebuilt`), it is started from the root.
    match std::env::var_os("CARGO_MANIFEST_DIR") {
        Some(manifest) => {
            let manifest = PathBuf::from(manifest);
            manifest.parent().map(PathBuf::from).unwrap_or(manifest)
        }
        None => std::env::current_dir().expect("current directory is readable"),
    }
}
