//! `cargo xtask release <patch|minor|major> [--execute]`: one version for the whole workspace.
//!
//! Bumps `[workspace.package] version` and the version every internal dependency names, moves
//! the CHANGELOG's `[Unreleased]` notes under the new version, checks semver against the last
//! release tag with cargo-semver-checks where it is installed, then packages and publishes every
//! crate in dependency order: a dry run unless `--execute` is given. It never commits or tags
//! (that is the releaser's reviewed step) and CI never runs it.

use std::fs;
use std::path::Path;
use std::process::Command;

use crate::summary::Outcome;
use crate::tools::{cargo, cargo_succeeds};

/// Which part of `major.minor.patch` a release raises.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Bump {
    Patch,
    Minor,
    Major,
}

impl Bump {
    pub(crate) fn parse(word: &str) -> Option<Self> {
        match word {
            "patch" => Some(Self::Patch),
            "minor" => Some(Self::Minor),
            "major" => Some(Self::Major),
            _ => None,
        }
    }

    fn name(self) -> &'static str {
        match self {
            Self::Patch => "patch",
            Self::Minor => "minor",
            Self::Major => "major",
        }
    }

    /// The version after `current` (`x.y.z`, no pre-release part).
    fn apply(self, current: &str) -> Option<String> {
        let mut parts = current.split('.').map(|p| p.parse::<u64>().ok());
        let (major, minor, patch) = (parts.next()??, parts.next()??, parts.next()??);
        if parts.next().is_some() {
            return None;
        }
        Some(match self {
            Self::Patch => format!("{major}.{minor}.{}", patch + 1),
            Self::Minor => format!("{major}.{}.0", minor + 1),
            Self::Major => format!("{}.0.0", major + 1),
        })
    }
}

/// Runs the release; see the module doc.
pub(crate) fn release(root: &Path, bump: Bump, execute: bool) -> Outcome {
    match prepare(root, bump) {
        Ok(version) => publish(root, bump, &version, execute),
        Err(why) => {
            eprintln!("{why}");
            Outcome::Failed(why)
        }
    }
}

fn prepare(root: &Path, bump: Bump) -> Result<String, String> {
    let dirty = Command::new("git")
        .current_dir(root)
        .args(["status", "--porcelain"])
        .output()
        .map_err(|e| format!("could not run git: {e}"))?;
    if !dirty.stdout.is_empty() {
        return Err("the working tree has uncommitted changes; commit or stash them first".into());
    }
    let manifest_path = root.join("Cargo.toml");
    let manifest = read(&manifest_path)?;
    let current = workspace_version(&manifest).ok_or("no `version` in [workspace.package]")?;
    let next = bump
        .apply(&current)
        .ok_or_else(|| format!("cannot {} version `{current}`", bump.name()))?;
    write(&manifest_path, &bump_manifest(&manifest, &current, &next))?;
    let changelog_path = root.join("CHANGELOG.md");
    let changelog = read(&changelog_path)?;
    let moved = move_unreleased(&changelog, &next, &today()?)
        .ok_or("CHANGELOG.md has no `## [Unreleased]` section")?;
    write(&changelog_path, &moved)?;
    // Cargo.lock records the workspace's own versions.
    if cargo(root, ["update", "--workspace"], &[]) != Outcome::Passed {
        return Err("`cargo update --workspace` failed".into());
    }
    println!("version {current} -> {next}: Cargo.toml, CHANGELOG.md and Cargo.lock updated");
    Ok(next)
}

fn publish(root: &Path, bump: Bump, version: &str, execute: bool) -> Outcome {
    let semver = semver_checks(root, bump);
    if semver != Outcome::Passed {
        return semver;
    }
    // `--allow-dirty`: the bump above is not committed yet; it is what gets packaged.
    let mut args = vec!["publish", "--workspace", "--allow-dirty", "--locked"];
    if !execute {
        args.push("--dry-run");
    }
    let outcome = cargo(root, args, &[]);
    if outcome == Outcome::Passed {
        let done = if execute {
            "published"
        } else {
            "packaged (dry run)"
        };
        println!(
            "every crate {done} at {version}; review the diff, then: \
             git commit -am \"release {version}\" && git tag v{version}"
        );
    }
    outcome
}

/// The public API against the last `v*` tag, where cargo-semver-checks and such a tag exist.
fn semver_checks(root: &Path, bump: Bump) -> Outcome {
    if !cargo_succeeds(root, &["semver-checks", "--version"]) {
        println!(
            "cargo-semver-checks is not installed: skipping the API check (cargo install --locked cargo-semver-checks)"
        );
        return Outcome::Passed;
    }
    let tag = Command::new("git")
        .current_dir(root)
        .args(["describe", "--tags", "--abbrev=0", "--match", "v*"])
        .output()
        .ok()
        .filter(|out| out.status.success())
        .map(|out| String::from_utf8_lossy(&out.stdout).trim().to_owned());
    let Some(tag) = tag else {
        println!("no earlier release tag (v*): nothing to compare the API against");
        return Outcome::Passed;
    };
    let args = [
        "semver-checks",
        "--workspace",
        "--baseline-rev",
        &tag,
        "--release-type",
        bump.name(),
    ];
    cargo(root, args, &[])
}

fn workspace_version(manifest: &str) -> Option<String> {
    let section = manifest.split("[workspace.package]").nth(1)?;
    section
        .lines()
        .take_while(|l| !l.starts_with('['))
        .find_map(|line| {
            let value = line
                .trim()
                .strip_prefix("version")?
                .trim()
                .strip_prefix('=')?;
            Some(value.trim().trim_matches('"').to_owned())
        })
}

/// The workspace version line and every internal path dependency's `version = "current"`.
fn bump_manifest(manifest: &str, current: &str, next: &str) -> String {
    let mut in_package = false;
    let mut out = String::with_capacity(manifest.len());
    for line in manifest.lines() {
        if line.starts_with('[') {
            in_package = line.trim() == "[workspace.package]";
        }
        let old = format!("version = \"{current}\"");
        let new = format!("version = \"{next}\"");
        let is_workspace_version = in_package && line.trim() == old;
        let is_internal_dependency = line.starts_with("selvedge-") && line.contains("path = ");
        if is_workspace_version || is_internal_dependency {
            out.push_str(&line.replace(&old, &new));
        } else {
            out.push_str(line);
        }
        out.push('\n');
    }
    out
}

/// `## [Unreleased]` keeps its heading, empty, above `## [next] - date` with its notes.
fn move_unreleased(changelog: &str, next: &str, date: &str) -> Option<String> {
    const HEADING: &str = "## [Unreleased]";
    let at = changelog.find(HEADING)?;
    let (before, after) = changelog.split_at(at + HEADING.len());
    Some(format!("{before}\n\n## [{next}] - {date}{after}"))
}

fn today() -> Result<String, String> {
    let out = Command::new("date")
        .args(["-u", "+%Y-%m-%d"])
        .output()
        .map_err(|e| format!("could not run date: {e}"))?;
    Ok(String::from_utf8_lossy(&out.stdout).trim().to_owned())
}

fn read(path: &Path) -> Result<String, String> {
    fs::read_to_string(path).map_err(|e| format!("could not read {}: {e}", path.display()))
}

fn write(path: &Path, text: &str) -> Result<(), String> {
    fs::write(path, text).map_err(|e| format!("could not write {}: {e}", path.display()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bumps_follow_semver() {
        assert_eq!(Bump::Patch.apply("0.1.9").as_deref(), Some("0.1.10"));
        assert_eq!(Bump::Minor.apply("0.1.9").as_deref(), Some("0.2.0"));
        assert_eq!(Bump::Major.apply("0.1.9").as_deref(), Some("1.0.0"));
        assert_eq!(Bump::Patch.apply("0.1.0-rc.1"), None);
        assert_eq!(Bump::Patch.apply("0.1"), None);
    }

    #[test]
    fn the_manifest_bump_touches_only_our_versions() {
        let manifest = "[workspace.package]\nversion = \"0.1.0\"\n\n[workspace.dependencies]\n\
            selvedge-locks = { path = \"crates/locks\", version = \"0.1.0\" }\n\
            once_cell = { version = \"0.1.0\" }\n";
        let bumped = bump_manifest(manifest, "0.1.0", "0.2.0");
        assert_eq!(workspace_version(&bumped).as_deref(), Some("0.2.0"));
        assert!(
            bumped.contains("selvedge-locks = { path = \"crates/locks\", version = \"0.2.0\" }")
        );
        assert!(bumped.contains("once_cell = { version = \"0.1.0\" }"));
    }

    #[test]
    fn unreleased_notes_move_under_the_new_version() {
        let log = "# Changelog\n\n## [Unreleased]\n\n### Added\n\n- a thing\n";
        let moved = move_unreleased(log, "0.2.0", "2026-11-26").unwrap();
        assert_eq!(
            moved,
            "# Changelog\n\n## [Unreleased]\n\n## [0.2.0] - 2026-11-26\n\n### Added\n\n- a thing\n"
        );
        assert!(move_unreleased("# Changelog\n", "0.2.0", "2026-11-26").is_none());
    }

    #[test]
    fn this_workspace_has_a_version_to_bump() {
        let root = Path::new(env!("CARGO_MANIFEST_DIR")).parent().unwrap();
        let manifest = fs::read_to_string(root.join("Cargo.toml")).unwrap();
        let version = workspace_version(&manifest).unwrap();
        assert!(Bump::Patch.apply(&version).is_some(), "{version}");
        let internal = manifest
            .lines()
            .filter(|l| l.starts_with("selvedge-"))
            .count();
        let bumped = bump_manifest(&manifest, &version, "9.9.9");
        assert_eq!(bumped.matches("version = \"9.9.9\"").count(), internal + 1);
    }
}
