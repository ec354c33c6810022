//! The steps of the gate: what each runs, and the tool it needs.

use std::fs;
use std::path::Path;

use crate::setup::run_setup;
use crate::site;
use crate::summary::Outcome;
use crate::tools::{cargo, has_nightly_rust_src, host_triple, require, rustflags_with};

const NIGHTLY_INSTALL: &str =
    "rustup toolchain install nightly && rustup component add --toolchain nightly miri rust-src";

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Step {
    Setup,
    Fmt,
    Clippy,
    Test,
    Rustdoc,
    Docs,
    Loom,
    Miri,
    Tsan,
    Deny,
}

impl Step {
    pub(crate) fn name(self) -> &'static str {
        match self {
            Self::Setup => "setup",
            Self::Fmt => "fmt",
            Self::Clippy => "clippy",
            Self::Test => "test",
            Self::Rustdoc => "rustdoc",
            Self::Docs => "docs",
            Self::Loom => "loom",
            Self::Miri => "miri",
            Self::Tsan => "tsan",
            Self::Deny => "deny",
        }
    }

    pub(crate) fn describe(self) -> &'static str {
        match self {
            Self::Setup => "install missing tools: nightly, miri, nextest, cargo-deny, advisories",
            Self::Fmt => "cargo fmt --check",
            Self::Clippy => "clippy -D warnings, all targets and features",
            Self::Test => "unit, integration and doc tests",
            Self::Rustdoc => "rustdoc -D warnings",
            Self::Docs => "the docs site: rustdoc -D warnings, guides, links, headless Chromium",
            Self::Loom => "loom models, --cfg selvedge_loom, release",
            Self::Miri => "unit tests under miri",
            Self::Tsan => "tests under ThreadSanitizer",
            Self::Deny => "cargo deny check, offline",
        }
    }

    pub(crate) fn run(self, root: &Path) -> Outcome {
        let result = match self {
            Self::Setup => Ok(run_setup(root)),
            Self::Fmt => fmt(root),
            Self::Clippy => clippy(root),
            Self::Test => test(root),
            Self::Rustdoc => Ok(rustdoc(root)),
            Self::Docs => Ok(site::build(root)),
            Self::Loom => loom(root),
            Self::Miri => miri(root),
            Self::Tsan => tsan(root),
            Self::Deny => deny(root),
        };
        result.unwrap_or_else(|failed| failed)
    }
}

type StepResult = Result<Outcome, Outcome>;

fn fmt(root: &Path) -> StepResult {
    require(root, &["fmt", "--version"], "rustup component add rustfmt")?;
    Ok(cargo(root, ["fmt", "--all", "--check"], &[]))
}

fn clippy(root: &Path) -> StepResult {
    require(
        root,
        &["clippy", "--version"],
        "rustup component add clippy",
    )?;
    let args = [
        "clippy",
        "--workspace",
        "--all-targets",
        "--all-features",
        "--locked",
        "--",
        "-D",
        "warnings",
    ];
    Ok(cargo(root, args, &[]))
}

fn test(root: &Path) -> StepResult {
    let has_nextest = require(
        root,
        &["nextest", "--version"],
        "cargo install --locked cargo-nextest",
    )
    .is_ok();
    if !has_nextest {
        println!("cargo-nextest not found: running `cargo test` (doctests included)");
        return Ok(cargo(
            root,
            ["test", "--workspace", "--all-features", "--locked"],
            &[],
        ));
    }
    let unit = cargo(
        root,
        [
            "nextest",
            "run",
            "--workspace",
            "--all-features",
            "--locked",
        ],
        &[],
    );
    // nextest does not run doctests; cargo test does, and only those here.
    let doc = cargo(
        root,
        ["test", "--workspace", "--all-features", "--locked", "--doc"],
        &[],
    );
    Ok(if unit == Outcome::Passed { doc } else { unit })
}

/// `cargo doc` for the whole workspace with every rustdoc warning an error.
pub(crate) fn rustdoc(root: &Path) -> Outcome {
    let env = [("RUSTDOCFLAGS", "-D warnings".to_owned())];
    cargo(
        root,
        [
            "doc",
            "--workspace",
            "--exclude",
            "xtask",
            "--all-features",
            "--no-deps",
            "--locked",
        ],
        &env,
    )
}

/// The packages with loom models: a `crates/<dir>/tests/loom/main.rs`, the `loom` test binary.
pub(crate) fn loom_targets(root: &Path) -> Vec<String> {
    let mut packages = Vec::new();
    let Ok(crates) = fs::read_dir(root.join("crates")) else {
        return packages;
    };
    for krate in crates.flatten() {
        if !krate.path().join("tests/loom/main.rs").is_file() {
            continue;
        }
        if let Some(package) = package_name(&krate.path().join("Cargo.toml")) {
            packages.push(package);
        }
    }
    packages.sort();
    packages
}

fn package_name(manifest: &Path) -> Option<String> {
    let text = fs::read_to_string(manifest).ok()?;
    let package = text.split("[package]").nth(1)?;
    package.lines().find_map(|line| {
        let value = line.trim().strip_prefix("name")?.trim().strip_prefix('=')?;
        Some(value.trim().trim_matches('"').to_owned())
    })
}

fn loom(root: &Path) -> StepResult {
    let targets = loom_targets(root);
    if targets.is_empty() {
        return Err(Outcome::Failed(
            "no loom models found (crates/*/tests/loom/main.rs)".into(),
        ));
    }
    let preemptions = std::env::var("LOOM_MAX_PREEMPTIONS").unwrap_or_else(|_| "2".into());
    let env = [
        ("RUSTFLAGS", rustflags_with("--cfg selvedge_loom")),
        ("LOOM_MAX_PREEMPTIONS", preemptions),
        // A separate target directory: the cfg changes every crate, so sharing would rebuild all.
        (
            "CARGO_TARGET_DIR",
            root.join("target/loom").display().to_string(),
        ),
    ];
    let mut args: Vec<String> = ["test", "--release", "--locked"].map(String::from).to_vec();
    for package in &targets {
        args.extend(["--package".into(), package.clone()]);
    }
    args.extend(["--test".into(), "loom".into()]);
    Ok(cargo(root, args, &env))
}

fn miri(root: &Path) -> StepResult {
    require(root, &["+nightly", "miri", "--version"], NIGHTLY_INSTALL)?;
    let args = [
        "+nightly",
        "miri",
        "test",
        "--workspace",
        "--exclude",
        "xtask",
        "--lib",
        "--all-features",
        "--locked",
    ];
    Ok(cargo(root, args, &[]))
}

fn tsan(root: &Path) -> StepResult {
    require_rust_src()?;
    let host = host_triple()
        .ok_or_else(|| Outcome::Failed("could not read the host triple from `rustc -vV`".into()))?;
    let env = [
        // crossbeam (the pool's queue) then swaps the fences TSan cannot see for orderings it can.
        (
            "RUSTFLAGS",
            rustflags_with("-Zsanitizer=thread --cfg crossbeam_sanitize_thread"),
        ),
        (
            "CARGO_TARGET_DIR",
            root.join("target/tsan").display().to_string(),
        ),
        // Tests of allocation failure ask for more than TSan's allocator serves; it must fail
        // the allocation (as the system allocator does) instead of aborting the process.
        ("TSAN_OPTIONS", "allocator_may_return_null=1".to_owned()),
    ];
    let args = [
        "+nightly",
        "test",
        "-Zbuild-std",
        "--target",
        &host,
        "--workspace",
        "--exclude",
        "xtask",
        "--lib",
        "--tests",
        "--all-features",
        "--locked",
    ];
    Ok(cargo(root, args, &env))
}

/// `-Zbuild-std` needs the nightly standard library's sources.
fn require_rust_src() -> Result<(), Outcome> {
    if has_nightly_rust_src() {
        return Ok(());
    }
    let message = format!("nightly rust-src is not installed; install it with: {NIGHTLY_INSTALL}");
    eprintln!("{message}");
    Err(Outcome::Failed(message))
}

fn deny(root: &Path) -> StepResult {
    require(
        root,
        &["deny", "--version"],
        "cargo install --locked cargo-deny@0.20.2",
    )?;
    // `--offline` keeps cargo-deny off the network (advisories come from the local database);
    // cargo metadata then needs every crate of every target and feature already fetched.
    let fetched = cargo(root, ["fetch", "--locked"], &[]);
    if fetched != Outcome::Passed {
        return Ok(fetched);
    }
    Ok(cargo(root, ["deny", "--offline", "check"], &[]))
}
