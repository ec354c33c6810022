//! `cargo xtask bench`: runs each crate's criterion benchmarks (its peers measured in the same
//! run), then writes `docs/benchmarks/report.md` and an SVG plot of throughput against threads
//! for each primitive from criterion's own output in `target/criterion`.
//!
//! Criterion does not record which crate a group came from, so each run appends
//! `group<TAB>package<TAB>command<TAB>when` lines to `target/criterion/xtask-origin.tsv`;
//! `--report-only` reads them back to regroup the results by crate and say how and when each
//! was measured.

use std::collections::BTreeMap;
use std::fs;
use std::io;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::SystemTime;

use crate::bench_data::{self, Measurement};
use crate::bench_pack;
use crate::bench_plot;
use crate::bench_report::{self, Context, Run, Section};
use crate::summary::Outcome;
use crate::tools::{run, stdout_of};

/// Criterion's flags for a smoke run: its quick mode (no warm-up; doubles the iterations until
/// two runs agree within 5%, at most the measurement time, which groups that set their own
/// keep). Criterion refuses `--sample-size` beside `--quick`, which ignores it anyway.
const QUICK: &[&str] = &[
    "--quick",
    "--warm-up-time",
    "0.2",
    "--measurement-time",
    "0.5",
];

/// What `cargo xtask bench` was asked to do.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct Options {
    pub(crate) quick: bool,
    pub(crate) report_only: bool,
    pub(crate) packages: Vec<String>,
    /// Bench targets by name (`scaling`, `locks`); empty: all of the chosen packages'.
    pub(crate) benches: Vec<String>,
    /// `--pack DIR`: build the chosen benchmarks for another machine instead of running them.
    pub(crate) pack: Option<PathBuf>,
    /// `--tests PACKAGE` (with `--pack`): that package's test binaries packed too.
    pub(crate) tests: Vec<String>,
    /// `--prebuilt DIR`: run the benchmarks packed in DIR instead of building them.
    pub(crate) prebuilt: Option<PathBuf>,
}

impl Options {
    /// Parses the arguments after `bench`.
    pub(crate) fn parse(args: &[String]) -> Result<Self, String> {
        let mut options = Self::default();
        let mut args = args.iter();
        while let Some(arg) = args.next() {
            match arg.as_str() {
                "--quick" => options.quick = true,
                "--report-only" => options.report_only = true,
                "-p" | "--package" => options
                    .packages
                    .push(args.next().ok_or("-p needs a package name")?.clone()),
                "--bench" => options
                    .benches
                    .push(args.next().ok_or("--bench needs a bench name")?.clone()),
                "--tests" => options
                    .tests
                    .push(args.next().ok_or("--tests needs a package name")?.clone()),
                "--pack" => {
                    options.pack = Some(args.next().ok_or("--pack needs a directory")?.into());
                }
                "--prebuilt" => {
                    options.prebuilt =
                        Some(args.next().ok_or("--prebuilt needs a directory")?.into());
                }
                other => return Err(format!("unknown argument `{other}`")),
            }
        }
        if options.pack.is_some() && (options.prebuilt.is_some() || options.report_only) {
            return Err("--pack builds only: not with --prebuilt or --report-only".into());
        }
        if options.pack.is_none() && !options.tests.is_empty() {
            return Err("--tests packs test binaries: only with --pack".into());
        }
        Ok(options)
    }

    /// Whether `target` is one of those chosen by `-p` and `--bench`.
    fn chooses(&self, target: &Target) -> bool {
        (self.packages.is_empty() || self.packages.contains(&target.package))
            && (self.benches.is_empty() || self.benches.contains(&target.name))
    }
}

/// One `[[bench]]` target of a crate.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Target {
    package: String,
    name: String,
    features: Vec<String>,
    /// Whether it uses criterion (a bench with its own `main` writes nothing we can read).
    criterion: bool,
}

impl Target {
    fn args(&self, quick: bool) -> Vec<String> {
        let mut args: Vec<String> = ["bench", "-p", &self.package, "--bench", &self.name]
            .map(String::from)
            .into();
        if !self.features.is_empty() {
            args.extend(["--features".into(), self.features.join(",")]);
        }
        if self.criterion {
            args.push("--".into());
            args.extend(criterion_args(quick));
        }
        args
    }

    /// The packed binary of this benchmark in `dir` (see `bench_pack`), run as `cargo bench`
    /// would run it, its results written under `criterion`; and the command as shown.
    fn prebuilt(&self, dir: &Path, criterion: &Path, quick: bool) -> (Command, String) {
        let binary = bench_pack::binary(dir, &self.package, &self.name);
        let mut args = vec!["--bench".to_owned()];
        if self.criterion {
            args.extend(criterion_args(quick));
        }
        let mut command = Command::new(&binary);
        command.args(&args).env("CRITERION_HOME", criterion);
        let threads = std::env::var(THREADS_VAR).unwrap_or_default();
        let shown = format!(
            "{THREADS_VAR}={threads} {} {}",
            binary.display(),
            args.join(" ")
        );
        (command, shown)
    }
}

/// The arguments criterion's own harness takes after `--`.
fn criterion_args(quick: bool) -> Vec<String> {
    let mut args = vec!["--noplot".to_owned()];
    if quick {
        args.extend(QUICK.iter().map(|s| (*s).to_owned()));
    }
    args
}

/// The variable that picks the scaling groups' thread counts (`selvedge_testkit`'s; xtask
/// keeps its dependencies light and names it here).
const THREADS_VAR: &str = "SELVEDGE_BENCH_THREADS";

/// Where the output of benches with their own harness is kept, under `target/criterion`:
/// `<package>/<bench>.txt`, the command and when it ran on the first two lines.
const PRINTED: &str = "xtask-printed";

/// Runs `command` with its stdout captured (and shown), stderr inherited.
fn printed_output(command: Command) -> Result<String, String> {
    let text = stdout_of(command)?;
    print!("{text}");
    Ok(text)
}

/// Every kept own-harness output: package -> (bench, run, printed text).
fn printed(criterion: &Path) -> BTreeMap<String, Vec<(String, Run, String)>> {
    let mut found: BTreeMap<String, Vec<(String, Run, String)>> = BTreeMap::new();
    let Ok(packages) = fs::read_dir(criterion.join(PRINTED)) else {
        return found;
    };
    for package in packages.flatten() {
        let Ok(files) = fs::read_dir(package.path()) else {
            continue;
        };
        for file in files.flatten() {
            let path = file.path();
            let (Some(bench), Ok(text)) = (path.file_stem(), fs::read_to_string(&path)) else {
                continue;
            };
            let mut lines = text.splitn(3, '\n');
            let run = Run::new(lines.next().unwrap_or(""), lines.next().unwrap_or(""));
            let output = lines.next().unwrap_or("").to_owned();
            let name = package.file_name().to_string_lossy().into_owned();
            found.entry(name).or_default().push((
                bench.to_string_lossy().into_owned(),
                run,
                output,
            ));
        }
    }
    found
}

/// Runs the benches (unless `--report-only`) and writes the report and plots.
pub(crate) fn bench(root: &Path, options: &Options, command: &str) -> Outcome {
    match run_and_report(root, options, command) {
        Ok(()) => Outcome::Passed,
        Err(why) => Outcome::Failed(why),
    }
}

fn run_and_report(root: &Path, options: &Options, command: &str) -> Result<(), String> {
    let criterion = root.join("target/criterion");
    let now = || output("date", &["-u", "+%Y-%m-%d %H:%M UTC"], root);
    if !options.report_only {
        let targets = targets(root).map_err(|e| format!("reading crates/*/Cargo.toml: {e}"))?;
        let chosen: Vec<&Target> = targets.iter().filter(|t| options.chooses(t)).collect();
        if chosen.is_empty() {
            return Err(format!(
                "no benchmarks in {:?} named {:?}",
                options.packages, options.benches
            ));
        }
        if let Some(dir) = &options.pack {
            let packed: Vec<bench_pack::Packed<'_>> = chosen
                .iter()
                .map(|t| bench_pack::Packed {
                    package: &t.package,
                    bench: &t.name,
                    features: &t.features,
                })
                .collect();
            return bench_pack::pack(root, &packed, &options.tests, dir);
        }
        for target in chosen {
            if options.quick && !target.criterion {
                println!("skipping {} (own harness, no quick mode)", target.name);
                continue;
            }
            let load = fs::read_to_string("/proc/loadavg").unwrap_or_default();
            let load = load.split_whitespace().next().unwrap_or("unknown");
            let when = format!("{}, 1-minute load average {load} at its start", now());
            let started = SystemTime::now();
            let (cargo, shown) = match &options.prebuilt {
                None => {
                    let args = target.args(options.quick);
                    let mut cargo = Command::new("cargo");
                    cargo.current_dir(root).args(&args);
                    let shown = format!("cargo {}", args.join(" "));
                    (cargo, shown)
                }
                Some(dir) => target.prebuilt(dir, &criterion, options.quick),
            };
            if !target.criterion {
                // Its own `main` prints its table; the report carries it as printed.
                let printed = printed_output(cargo)?;
                let file = criterion.join(PRINTED).join(&target.package);
                fs::create_dir_all(&file).map_err(|e| e.to_string())?;
                let text = format!("{shown}\n{when}\n{printed}");
                fs::write(file.join(format!("{}.txt", target.name)), text)
                    .map_err(|e| e.to_string())?;
                continue;
            }
            if let Outcome::Failed(why) = run(cargo) {
                return Err(why);
            }
            record_origin(&criterion, started, &target.package, &shown, &when)
                .map_err(|e| format!("recording {}: {e}", criterion.display()))?;
        }
    }
    let context = Context {
        command: command.to_owned(),
        date: now(),
        machine: machine(root),
        rustc: output("rustc", &["-V"], root),
    };
    write_report(root, &criterion, &context, &options.packages)
}

fn write_report(
    root: &Path,
    criterion: &Path,
    context: &Context,
    packages: &[String],
) -> Result<(), String> {
    let measurements = bench_data::read_all(criterion)
        .map_err(|e| format!("reading {}: {e}", criterion.display()))?;
    let origins = origins(criterion);
    let mut printed = printed(criterion);
    printed.retain(|package, _| packages.is_empty() || packages.contains(package));
    if measurements.is_empty() && printed.is_empty() {
        return Err(format!("no benchmark results in {}", criterion.display()));
    }
    let out = root.join("docs/benchmarks");
    fs::create_dir_all(&out).map_err(|e| e.to_string())?;
    let mut by_package: BTreeMap<String, (Vec<Run>, Vec<Measurement>)> = BTreeMap::new();
    for m in measurements {
        let (package, command) = origins.get(&m.group).cloned().unwrap_or_else(|| {
            let unknown = "(not recorded: run by hand, not by `cargo xtask bench`)";
            ("(origin not recorded)".into(), Run::new(unknown, ""))
        });
        if !packages.is_empty() && !packages.contains(&package) {
            continue;
        }
        let entry = by_package.entry(package).or_default();
        if !entry.0.contains(&command) {
            entry.0.push(command);
        }
        entry.1.push(m);
    }
    for package in printed.keys() {
        by_package.entry(package.clone()).or_default();
    }
    let mut written = Vec::new();
    let mut sections = Vec::new();
    for (package, (runs, measurements)) in by_package {
        let mut plots = Vec::new();
        let mut series: Vec<String> = measurements
            .iter()
            .filter(|m| m.threads().is_some())
            .map(Measurement::series)
            .collect();
        series.sort();
        series.dedup();
        for name in series {
            let crate_dir = package.trim_start_matches("selvedge-");
            let file = format!("{}-{}.svg", file_stem(crate_dir), file_stem(&name));
            let title = format!("{package}: {name} (operations per second against threads)");
            bench_plot::draw(
                &out.join(&file),
                &title,
                &bench_plot::lines(&name, &measurements),
            )?;
            written.push(file.clone());
            plots.push((file, title));
        }
        sections.push(Section {
            printed: printed.remove(&package).unwrap_or_default(),
            package,
            runs,
            measurements,
            plots,
        });
    }
    remove_stale_plots(&out, &written).map_err(|e| e.to_string())?;
    let report = out.join("report.md");
    fs::write(&report, bench_report::render(context, &sections)).map_err(|e| e.to_string())?;
    println!("wrote {} and {} plots", report.display(), written.len());
    Ok(())
}

/// A file name for a series: its letters and digits, the rest as `-`.
fn file_stem(series: &str) -> String {
    series
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() { c } else { '-' })
        .collect()
}

/// Plots of an earlier run that this report does not link would be dead files in the docs.
fn remove_stale_plots(dir: &Path, keep: &[String]) -> io::Result<()> {
    for entry in fs::read_dir(dir)? {
        let name = entry?.file_name().to_string_lossy().into_owned();
        if name.ends_with(".svg") && !keep.contains(&name) {
            fs::remove_file(dir.join(name))?;
        }
    }
    Ok(())
}

/// Every `[[bench]]` of every crate, in crate order.
fn targets(root: &Path) -> io::Result<Vec<Target>> {
    let mut dirs: Vec<PathBuf> = fs::read_dir(root.join("crates"))?
        .map(|e| e.map(|e| e.path()))
        .collect::<io::Result<_>>()?;
    dirs.sort();
    let mut found = Vec::new();
    for dir in dirs {
        let Ok(manifest) = fs::read_to_string(dir.join("Cargo.toml")) else {
            continue;
        };
        for mut target in bench_targets(&manifest) {
            let source = dir.join("benches").join(format!("{}.rs", target.name));
            target.criterion = fs::read_to_string(source)?.contains("criterion_main!");
            found.push(target);
        }
    }
    Ok(found)
}

/// The `[[bench]]` sections of one manifest (name and required features).
fn bench_targets(manifest: &str) -> Vec<Target> {
    let value = |line: &str, key: &str| {
        let rest = line.strip_prefix(key)?.trim_start().strip_prefix('=')?;
        Some(rest.trim().to_owned())
    };
    let package = manifest
        .lines()
        .find_map(|l| value(l, "name"))
        .map(|n| n.trim_matches('"').to_owned())
        .unwrap_or_default();
    let mut found: Vec<Target> = Vec::new();
    let mut in_bench = false;
    for line in manifest.lines().map(str::trim) {
        if line.starts_with('[') {
            in_bench = line == "[[bench]]";
            if in_bench {
                found.push(Target {
                    package: package.clone(),
                    name: String::new(),
                    features: Vec::new(),
                    criterion: true,
                });
            }
            continue;
        }
        let Some(target) = found.last_mut().filter(|_| in_bench) else {
            continue;
        };
        if let Some(name) = value(line, "name") {
            target.name = name.trim_matches('"').to_owned();
        } else if let Some(list) = value(line, "required-features") {
            target.features = list
                .trim_matches(|c| c == '[' || c == ']')
                .split(',')
                .map(|f| f.trim().trim_matches('"').to_owned())
                .filter(|f| !f.is_empty())
                .collect();
        }
    }
    found
}

/// Appends the groups written since `started` to the origin file, replacing older lines.
fn record_origin(
    criterion: &Path,
    started: SystemTime,
    package: &str,
    command: &str,
    when: &str,
) -> io::Result<()> {
    let mut groups = Vec::new();
    fresh_groups(criterion, started, &mut groups)?;
    let file = criterion.join("xtask-origin.tsv");
    let old = fs::read_to_string(&file).unwrap_or_default();
    let mut lines: Vec<String> = old
        .lines()
        .filter(|l| {
            !groups
                .iter()
                .any(|g| l.split('\t').next() == Some(g.as_str()))
        })
        .map(String::from)
        .collect();
    groups.sort();
    groups.dedup();
    lines.extend(
        groups
            .iter()
            .map(|g| format!("{g}\t{package}\t{command}\t{when}")),
    );
    fs::write(file, lines.join("\n") + "\n")
}

fn fresh_groups(dir: &Path, since: SystemTime, out: &mut Vec<String>) -> io::Result<()> {
    let file = dir.join("new/benchmark.json");
    if file.is_file() {
        if fs::metadata(&file)?.modified()? >= since {
            let text = fs::read_to_string(&file)?;
            let estimates = fs::read_to_string(dir.join("new/estimates.json"))?;
            let m = Measurement::from_json(&text, &estimates).map_err(io::Error::other)?;
            out.push(m.group);
        }
        return Ok(());
    }
    for entry in fs::read_dir(dir)? {
        let entry = entry?;
        if entry.file_type()?.is_dir() {
            fresh_groups(&entry.path(), since, out)?;
        }
    }
    Ok(())
}

/// group -> (package, run) from the origin file.
fn origins(criterion: &Path) -> BTreeMap<String, (String, Run)> {
    let text = fs::read_to_string(criterion.join("xtask-origin.tsv")).unwrap_or_default();
    text.lines()
        .filter_map(|line| {
            let mut parts = line.splitn(4, '\t');
            let group = parts.next()?.to_owned();
            let package = parts.next()?.to_owned();
            let run = Run::new(parts.next()?, parts.next().unwrap_or_default());
            Some((group, (package, run)))
        })
        .collect()
}

/// `lscpu`'s model name and CPU count, and the memory, as one line.
fn machine(root: &Path) -> String {
    let lscpu = output("lscpu", &[], root);
    let field = |key: &str| {
        lscpu.lines().find_map(|l| {
            let (k, v) = l.split_once(':')?;
            (k.trim() == key).then(|| v.trim().to_owned())
        })
    };
    let model = field("Model name").unwrap_or_else(|| "unknown CPU".into());
    let cpus = field("CPU(s)").unwrap_or_else(|| "?".into());
    let per_core = field("Thread(s) per core").unwrap_or_else(|| "?".into());
    format!("`{model}` (lscpu), {cpus} CPUs, threads per core: {per_core}")
}

/// A command's first line of output, or a note that it could not run.
fn output(program: &str, args: &[&str], root: &Path) -> String {
    match Command::new(program).args(args).current_dir(root).output() {
        Ok(out) if out.status.success() => String::from_utf8_lossy(&out.stdout).trim().to_owned(),
        _ => format!("(`{program}` unavailable)"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn options_take_quick_report_only_and_packages() {
        let args: Vec<String> = ["--quick", "-p", "selvedge-locks", "--report-only"]
            .map(String::from)
            .into();
        assert_eq!(
            Options::parse(&args),
            Ok(Options {
                quick: true,
                report_only: true,
                packages: vec!["selvedge-locks".into()],
                ..Options::default()
            })
        );
        let args: Vec<String> = [
            "--pack",
            "kit",
            "--bench",
            "scaling",
            "--tests",
            "selvedge-pool",
        ]
        .map(String::from)
        .into();
        let options = Options::parse(&args).unwrap();
        assert_eq!(options.pack, Some(PathBuf::from("kit")));
        assert_eq!(options.benches, ["scaling"]);
        assert_eq!(options.tests, ["selvedge-pool"]);
        assert!(Options::parse(&["--tests".into(), "selvedge-pool".into()]).is_err());
        assert!(Options::parse(&["--pack".into(), "kit".into(), "--report-only".into()]).is_err());
        assert!(Options::parse(&["--prebuilt".into()]).is_err());
        assert!(Options::parse(&["-p".into()]).is_err());
        assert!(Options::parse(&["--fast".into()]).is_err());
    }

    #[test]
    fn bench_sections_give_names_and_required_features() {
        let manifest = "[package]\nname = \"selvedge-locks\"\n\n[[bench]]\nname = \"locks\"\n\
            harness = false\n\n[[bench]]\nname = \"lock_order\"\nharness = false\n\
            required-features = [\"lock-order\"]\n\n[features]\nname = \"not a bench\"\n";
        let found = bench_targets(manifest);
        let names: Vec<(&str, &[String])> = found
            .iter()
            .map(|t| (t.name.as_str(), t.features.as_slice()))
            .collect();
        assert_eq!(
            names,
            [
                ("locks", &[][..]),
                ("lock_order", &["lock-order".to_owned()][..])
            ]
        );
        assert!(found.iter().all(|t| t.package == "selvedge-locks"));
        let args = found[1].args(true);
        assert_eq!(
            args[..8],
            [
                "bench",
                "-p",
                "selvedge-locks",
                "--bench",
                "lock_order",
                "--features",
                "lock-order",
                "--"
            ]
        );
        assert!(args.contains(&"--quick".to_owned()));
    }

    #[test]
    fn an_own_harness_output_is_kept_and_read_back_with_its_run() {
        let mut echo = Command::new("echo");
        echo.arg("mix | ratio");
        assert_eq!(printed_output(echo), Ok("mix | ratio\n".to_owned()));
        assert!(printed_output(Command::new("false")).is_err());
        let dir = std::env::temp_dir().join(format!("xtask-printed-{}", std::process::id()));
        let package = dir.join(PRINTED).join("selvedge-collections");
        fs::create_dir_all(&package).unwrap();
        let text = "cargo bench --bench maps_interleaved\ntoday\nmix | ratio\n";
        fs::write(package.join("maps_interleaved.txt"), text).unwrap();
        let found = printed(&dir);
        fs::remove_dir_all(&dir).unwrap();
        let run = Run::new("cargo bench --bench maps_interleaved", "today");
        let expected = vec![(
            "maps_interleaved".to_owned(),
            run,
            "mix | ratio\n".to_owned(),
        )];
        assert_eq!(found.get("selvedge-collections"), Some(&expected));
    }

    #[test]
    fn plot_names_are_plain_file_names() {
        assert_eq!(file_stem("sync/8"), "sync-8");
        assert_eq!(file_stem("rwlock_read_heavy"), "rwlock-read-heavy");
    }
}
