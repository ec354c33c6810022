//! Running tools: a command's outcome, and the probe that fails a step whose tool is missing
//! with the exact command that installs it.

use std::ffi::OsStr;
use std::path::Path;
use std::process::{Command, Stdio};

use crate::summary::Outcome;

/// A `cargo` command run in `root`, with the given extra environment.
pub(crate) fn cargo<I, S>(root: &Path, args: I, env: &[(&str, String)]) -> Outcome
where
    I: IntoIterator<Item = S>,
    S: AsRef<OsStr>,
{
    // The rustup proxy, not `$CARGO`: only the proxy understands `+nightly`, and it honours
    // rust-toolchain.toml for everything else.
    let mut command = Command::new("cargo");
    command.current_dir(root).args(args);
    for (key, value) in env {
        command.env(key, value);
    }
    run(command)
}

/// Runs `command` with inherited output and turns its exit status into an [`Outcome`].
pub(crate) fn run(mut command: Command) -> Outcome {
    let shown = show(&command);
    println!("$ {shown}");
    match command.status() {
        Ok(status) if status.success() => Outcome::Passed,
        Ok(status) => Outcome::Failed(format!("`{shown}` exited with {status}")),
        Err(error) => Outcome::Failed(format!("could not start `{shown}`: {error}")),
    }
}

/// Runs `command` with its stdout captured and its stderr inherited, and returns the stdout;
/// an exit other than success, or a command that cannot start, is the error.
pub(crate) fn stdout_of(mut command: Command) -> Result<String, String> {
    let shown = show(&command);
    println!("$ {shown}");
    let out = command
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .output()
        .map_err(|error| format!("could not start `{shown}`: {error}"))?;
    if !out.status.success() {
        return Err(format!("`{shown}` exited with {}", out.status));
    }
    Ok(String::from_utf8_lossy(&out.stdout).into_owned())
}

fn show(command: &Command) -> String {
    let mut parts: Vec<String> = command
        .get_envs()
        .filter_map(|(k, v)| Some(format!("{}={}", k.to_string_lossy(), v?.to_string_lossy())))
        .collect();
    parts.push(command.get_program().to_string_lossy().into_owned());
    parts.extend(command.get_args().map(|a| a.to_string_lossy().into_owned()));
    parts.join(" ")
}

/// Whether `cargo <probe...>` runs and succeeds in `root`.
pub(crate) fn cargo_succeeds(root: &Path, probe: &[&str]) -> bool {
    Command::new("cargo")
        .current_dir(root)
        .args(probe)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|status| status.success())
}

/// Checks that `cargo <probe...>` runs; if not, the step fails with `install` as the fix.
pub(crate) fn require(root: &Path, probe: &[&str], install: &str) -> Result<(), Outcome> {
    if cargo_succeeds(root, probe) {
        Ok(())
    } else {
        let message = format!(
            "`cargo {}` is not available; install it with: {install}",
            probe.join(" ")
        );
        eprintln!("{message}");
        Err(Outcome::Failed(message))
    }
}

/// Whether the nightly toolchain has the standard library's sources (`-Zbuild-std` needs them).
pub(crate) fn has_nightly_rust_src() -> bool {
    Command::new("rustc")
        .args(["+nightly", "--print", "sysroot"])
        .output()
        .ok()
        .filter(|out| out.status.success())
        .is_some_and(|out| {
            let root = String::from_utf8_lossy(&out.stdout).trim().to_owned();
            Path::new(&root)
                .join("lib/rustlib/src/rust/library/std")
                .is_dir()
        })
}

/// `RUSTFLAGS` with `extra` appended to whatever the caller already set.
pub(crate) fn rustflags_with(extra: &str) -> String {
    match std::env::var("RUSTFLAGS") {
        Ok(existing) if !existing.trim().is_empty() => format!("{existing} {extra}"),
        _ => extra.to_owned(),
    }
}

/// The host target triple, as rustc reports it.
pub(crate) fn host_triple() -> Option<String> {
    let output = Command::new("rustc").arg("-vV").output().ok()?;
    let text = String::from_utf8(output.stdout).ok()?;
    text.lines()
        .find_map(|line| line.strip_prefix("host: ").map(str::to_owned))
}
