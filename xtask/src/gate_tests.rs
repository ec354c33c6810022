//! The gate catches what it claims to: each test breaks a throw-away crate in one way and
//! checks that the matching step fails, and that the same step passes on the repaired crate
//! (so the failure is the break's, not the set-up's).

use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;

use crate::steps::{Step, loom_targets};
use crate::summary::Outcome;

/// A one-crate workspace in the temp directory, with a lockfile so `--locked` steps run.
struct Probe {
    root: PathBuf,
}

impl Probe {
    fn new(name: &str, lib: &str) -> Self {
        let root =
            std::env::temp_dir().join(format!("selvedge-xtask-{name}-{}", std::process::id()));
        let _ = fs::remove_dir_all(&root);
        fs::create_dir_all(root.join("src")).unwrap();
        fs::write(
            root.join("Cargo.toml"),
            format!("[package]\nname = \"{name}\"\nversion = \"0.1.0\"\nedition = \"2024\"\n\n[workspace]\n"),
        )
        .unwrap();
        let probe = Self { root };
        probe.write_lib(lib);
        let status = Command::new("cargo")
            .arg("generate-lockfile")
            .current_dir(&probe.root)
            .status()
            .unwrap();
        assert!(status.success());
        probe
    }

    fn write_lib(&self, lib: &str) {
        fs::write(self.root.join("src/lib.rs"), lib).unwrap();
    }

    fn run(&self, step: Step) -> Outcome {
        step.run(&self.root)
    }
}

impl Drop for Probe {
    fn drop(&mut self) {
        let _ = fs::remove_dir_all(&self.root);
    }
}

fn failed(outcome: &Outcome) -> bool {
    matches!(outcome, Outcome::Failed(_))
}

const CLEAN: &str =
    "//! Probe.\n\n/// Doubles `x`.\npub fn double(x: u32) -> u32 {\n    x * 2\n}\n";

#[test]
fn fmt_fails_on_unformatted_code() {
    let probe = Probe::new(
        "fmt_probe",
        "//! Probe.\npub fn double( x:u32 )->u32{x*2}\n",
    );
    assert!(failed(&probe.run(Step::Fmt)));
    probe.write_lib(CLEAN);
    assert_eq!(probe.run(Step::Fmt), Outcome::Passed);
}

#[test]
fn clippy_fails_on_a_lint() {
    let lint = "//! Probe.\n\n/// Length.\npub fn len(v: &Vec<u8>) -> usize {\n    v.len()\n}\n";
    let probe = Probe::new("clippy_probe", lint);
    assert!(failed(&probe.run(Step::Clippy)));
    probe.write_lib(CLEAN);
    assert_eq!(probe.run(Step::Clippy), Outcome::Passed);
}

#[test]
fn rustdoc_fails_on_a_broken_link() {
    let broken = "//! Probe.\n\n/// Doubles, unlike [`Missing`].\npub fn double(x: u32) -> u32 {\n    x * 2\n}\n";
    let probe = Probe::new("rustdoc_probe", broken);
    assert!(failed(&probe.run(Step::Rustdoc)));
    probe.write_lib(CLEAN);
    assert_eq!(probe.run(Step::Rustdoc), Outcome::Passed);
}

#[test]
fn loom_fails_when_there_is_no_model_to_run() {
    let probe = Probe::new("loom_probe", CLEAN);
    assert!(failed(&probe.run(Step::Loom)));
}

#[test]
fn loom_finds_this_workspaces_models() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).parent().unwrap();
    let packages = loom_targets(root);
    for package in [
        "selvedge-locks",
        "selvedge-pool",
        "selvedge-bus",
        "selvedge-session",
    ] {
        assert!(
            packages.iter().any(|p| p == package),
            "{package}: {packages:?}"
        );
    }
}
