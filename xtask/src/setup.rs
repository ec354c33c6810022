//! `cargo xtask setup`: installs what the gate's steps need on a fresh machine, saying what it
//! installs and why, so that `cargo xtask check` is the only command a newcomer or CI runs.
//!
//! Each need is probed first; nothing is installed twice. An install that fails does not stop
//! the gate: the step that needs the tool then fails with the command that installs it.

use std::path::{Path, PathBuf};
use std::process::Command;

use crate::browser;
use crate::summary::Outcome;
use crate::tools::{cargo_succeeds, has_nightly_rust_src, run};

/// The cargo-deny series whose advisory-database folder name matches the offline snapshot's.
const DENY_SERIES: &str = "cargo-deny 0.20.";
/// The folder cargo-deny 0.20 derives from the default advisory-database URL.
const ADVISORY_DB_FOLDER: &str = "advisory-db-3157b0e258782691";

/// One thing a step needs, how to tell it is there, and the commands that install it.
struct Need {
    what: &'static str,
    present: fn(&Path) -> bool,
    install: fn(&Path) -> Vec<Command>,
}

const NEEDS: &[Need] = &[
    Need {
        what: "rustfmt and clippy (fmt, clippy)",
        present: |root| {
            cargo_succeeds(root, &["fmt", "--version"])
                && cargo_succeeds(root, &["clippy", "--version"])
        },
        install: |_| {
            vec![command(
                "rustup",
                &["component", "add", "rustfmt", "clippy"],
            )]
        },
    },
    Need {
        what: "nightly with miri and rust-src (miri, tsan)",
        present: |root| {
            cargo_succeeds(root, &["+nightly", "miri", "--version"]) && has_nightly_rust_src()
        },
        install: |root| {
            let mut miri_setup = command("cargo", &["+nightly", "miri", "setup"]);
            miri_setup.current_dir(root);
            // A nightly the machine already has is kept as it is: `rustup toolchain install`
            // would update it, and a newer nightly can change what miri accepts.
            let mut commands = Vec::new();
            if !has_nightly() {
                commands.push(command(
                    "rustup",
                    &["toolchain", "install", "nightly", "--profile", "minimal"],
                ));
            }
            commands.push(command(
                "rustup",
                &[
                    "component",
                    "add",
                    "--toolchain",
                    "nightly",
                    "miri",
                    "rust-src",
                ],
            ));
            commands.push(miri_setup);
            commands
        },
    },
    Need {
        what: "cargo-nextest (test)",
        present: |root| cargo_succeeds(root, &["nextest", "--version"]),
        install: |_| vec![command("cargo", &["install", "--locked", "cargo-nextest"])],
    },
    Need {
        what: "cargo-deny 0.20 (deny)",
        present: |root| {
            Command::new("cargo")
                .current_dir(root)
                .args(["deny", "--version"])
                .output()
                .is_ok_and(|out| String::from_utf8_lossy(&out.stdout).starts_with(DENY_SERIES))
        },
        install: |_| {
            vec![command(
                "cargo",
                &["install", "--locked", "cargo-deny@0.20.2"],
            )]
        },
    },
    Need {
        what: "the RustSec advisory database (deny)",
        present: |_| advisory_db().join(ADVISORY_DB_FOLDER).join(".git").is_dir(),
        install: |root| {
            // The offline snapshot beside the checkout where there is one (CI has no route to
            // GitHub); otherwise cargo-deny fetches the database itself.
            let snapshot = root.join("../shared/tools/install-advisory-db");
            if snapshot.is_file() {
                vec![command("bash", &[&snapshot.display().to_string()])]
            } else {
                let mut fetch = command("cargo", &["deny", "fetch", "db"]);
                fetch.current_dir(root);
                vec![fetch]
            }
        },
    },
    Need {
        what: "headless Chromium (docs)",
        present: |_| browser::any_installed(),
        install: |_| apt_install("chromium"),
    },
    Need {
        what: "redis-server (test: selvedge-session's RedisStore tests)",
        present: |_| {
            Command::new("redis-server")
                .arg("--version")
                .output()
                .is_ok_and(|out| out.status.success())
        },
        install: |_| apt_install("redis-server"),
    },
];

/// Installs Debian's `package`: root directly, anyone else through a password-less sudo.
fn apt_install(package: &str) -> Vec<Command> {
    let root_user = Command::new("id")
        .arg("-u")
        .output()
        .is_ok_and(|out| String::from_utf8_lossy(&out.stdout).trim() == "0");
    let apt = |args: &[&str]| {
        let mut command = if root_user {
            command("apt-get", args)
        } else {
            let mut sudo = command("sudo", &["-n", "apt-get"]);
            sudo.args(args);
            sudo
        };
        command.env("DEBIAN_FRONTEND", "noninteractive");
        command
    };
    vec![
        apt(&["update", "-qq"]),
        apt(&["install", "-y", "-qq", package]),
    ]
}

/// Installs every missing need; passes when all are present afterwards.
pub(crate) fn run_setup(root: &Path) -> Outcome {
    let mut missing = Vec::new();
    for need in NEEDS {
        if (need.present)(root) {
            println!("present: {}", need.what);
            continue;
        }
        println!("installing {}", need.what);
        for command in (need.install)(root) {
            if let Outcome::Failed(why) = run(command) {
                eprintln!("could not install {}: {why}", need.what);
                break;
            }
        }
        if !(need.present)(root) {
            missing.push(need.what);
        }
    }
    if missing.is_empty() {
        Outcome::Passed
    } else {
        Outcome::Failed(format!("still missing: {}", missing.join(", ")))
    }
}

/// Whether rustup has a toolchain named `nightly` (of any date).
fn has_nightly() -> bool {
    Command::new("rustup")
        .args(["toolchain", "list"])
        .output()
        .is_ok_and(|out| {
            String::from_utf8_lossy(&out.stdout)
                .lines()
                .any(|line| line.starts_with("nightly"))
        })
}

fn command(program: &str, args: &[&str]) -> Command {
    let mut command = Command::new(program);
    command.args(args);
    command
}

/// Where cargo-deny keeps advisory databases: `$CARGO_HOME/advisory-dbs`.
fn advisory_db() -> PathBuf {
    let cargo_home = std::env::var_os("CARGO_HOME").map_or_else(
        || {
            let home = std::env::var_os("HOME").unwrap_or_default();
            PathBuf::from(home).join(".cargo")
        },
        PathBuf::from,
    );
    cargo_home.join("advisory-dbs")
}
