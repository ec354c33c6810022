//! `cargo xtask bench --pack DIR`: the chosen benchmarks built here as static binaries, with
//! a static xtask beside them (and, with `--tests PACKAGE`, that package's test binaries), in
//! one archive (`DIR/kit.tar.xz`) for a machine that has no Rust toolchain, where
//! `xtask bench --prebuilt DIR` runs the benchmarks and writes the same report, and each
//! `DIR/tests/*` runs as a test binary does (the stress tests on many real cores).
//!
//! What it is for: the many-core measurements the scaling targets need are taken on machines
//! lent for minutes, with no toolchain and no network. Everything is built before; there, one
//! command runs the benchmarks (`SELVEDGE_BENCH_THREADS` picks the thread counts) and reads
//! the ratios back.

use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;

use serde_json::Value;

use crate::summary::Outcome;
use crate::tools::{run, stdout_of};

/// The target every binary is built for: statically linked, it runs on any x86-64 Linux.
pub(crate) const TRIPLE: &str = "x86_64-unknown-linux-gnu";

/// Where a packed benchmark lies inside the kit.
pub(crate) fn binary(dir: &Path, package: &str, bench: &str) -> PathBuf {
    dir.join("bin").join(format!("{package}--{bench}"))
}

/// A `cargo` command for `TRIPLE`, statically linked, reporting its artifacts as JSON.
fn static_cargo(root: &Path, args: &[&str]) -> Command {
    let mut cargo = Command::new("cargo");
    cargo
        .current_dir(root)
        .args(args)
        .args([
            "--target",
            TRIPLE,
            "--message-format=json-render-diagnostics",
        ])
        .env("RUSTFLAGS", "-C target-feature=+crt-static");
    cargo
}

/// Runs `cargo` and returns the executable it built for the target named `name`.
fn built_executable(cargo: Command, name: &str) -> Result<PathBuf, String> {
    executables_in(&stdout_of(cargo)?)
        .into_iter()
        .find_map(|(target, path)| (target == name).then_some(path))
        .ok_or_else(|| format!("cargo reported no executable for `{name}`"))
}

/// Every executable in cargo's JSON lines (`compiler-artifact` messages), with its target's
/// name.
fn executables_in(messages: &str) -> Vec<(String, PathBuf)> {
    messages
        .lines()
        .filter_map(|line| serde_json::from_str::<Value>(line).ok())
        .filter(|m| m["reason"] == "compiler-artifact")
        // `cargo test --no-run` also builds the examples, as programs: not tests.
        .filter(|m| m["target"]["kind"][0] != "example" || m["profile"]["test"] == true)
        .filter_map(|m| {
            let path = m["executable"].as_str()?;
            Some((
                m["target"]["name"].as_str()?.to_owned(),
                PathBuf::from(path),
            ))
        })
        .collect()
}

/// Copies `from` to `to` and strips it (smaller to carry; `strip` missing is not an error).
fn place(from: &Path, to: &Path) -> Result<(), String> {
    fs::copy(from, to).map_err(|e| format!("copying {}: {e}", from.display()))?;
    let _ = Command::new("strip").arg(to).status();
    Ok(())
}

/// One benchmark to pack: package, bench target, its required features.
pub(crate) struct Packed<'a> {
    pub(crate) package: &'a str,
    pub(crate) bench: &'a str,
    pub(crate) features: &'a [String],
}

/// Builds `benches`, the test binaries of `tested` (packages) and xtask into `dir`
/// (`bin/<package>--<bench>`, `tests/<package>--<target>`, `xtask`) and archives them as
/// `dir/kit.tar.xz`.
pub(crate) fn pack(
    root: &Path,
    benches: &[Packed<'_>],
    tested: &[String],
    dir: &Path,
) -> Result<(), String> {
    for sub in ["bin", "tests"] {
        fs::create_dir_all(dir.join(sub)).map_err(|e| format!("{}: {e}", dir.display()))?;
    }
    for b in benches {
        let features = b.features.join(",");
        let mut args = vec!["bench", "--no-run", "-p", b.package, "--bench", b.bench];
        if !features.is_empty() {
            args.extend(["--features", &features]);
        }
        let built = built_executable(static_cargo(root, &args), b.bench)?;
        place(&built, &binary(dir, b.package, b.bench))?;
    }
    for package in tested {
        let messages = stdout_of(static_cargo(
            root,
            &["test", "--no-run", "-p", package, "--tests", "--release"],
        ))?;
        for (target, path) in executables_in(&messages) {
            place(
                &path,
                &dir.join("tests").join(format!("{package}--{target}")),
            )?;
        }
    }
    let xtask = built_executable(
        static_cargo(root, &["build", "--release", "-p", "xtask"]),
        "xtask",
    )?;
    place(&xtask, &dir.join("xtask"))?;
    let archive = dir.join("kit.tar.xz");
    let mut tar = Command::new("tar");
    tar.arg("-C")
        .arg(dir)
        .arg("-cJf")
        .arg(&archive)
        .args(["bin", "tests", "xtask"]);
    if let Outcome::Failed(why) = run(tar) {
        return Err(why);
    }
    println!(
        "packed {} benchmark(s) and the tests of {tested:?} into {}; on the other machine, from \
         a copy of this repository:\n  \
         tar -C {dir} -xJf {archive} && SELVEDGE_BENCH_THREADS=1,2,4,8,16 \
         {dir}/xtask bench --prebuilt {dir} --quick\n  \
         for t in {dir}/tests/*; do $t || echo \"FAILED: $t\"; done",
        benches.len(),
        archive.display(),
        dir = dir.display(),
        archive = archive.display(),
    );
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn executables_are_read_from_cargo_messages() {
        let messages = concat!(
            r#"{"reason":"compiler-artifact","target":{"name":"criterion"},"executable":null}"#,
            "\n",
            r#"{"reason":"compiler-artifact","target":{"name":"scaling"},"executable":"/t/scaling-1f"}"#,
            "\n",
            r#"{"reason":"compiler-artifact","target":{"name":"bank","kind":["example"]},"profile":{"test":false},"executable":"/t/bank"}"#,
            "\n",
            r#"{"reason":"build-finished","success":true}"#,
        );
        assert_eq!(
            executables_in(messages),
            [("scaling".to_owned(), PathBuf::from("/t/scaling-1f"))]
        );
        assert!(executables_in("not json").is_empty());
    }

    #[test]
    fn packed_benchmarks_are_named_by_package_and_bench() {
        assert_eq!(
            binary(Path::new("kit"), "selvedge-pool", "scaling"),
            PathBuf::from("kit/bin/selvedge-pool--scaling")
        );
    }
}
