//! Repository rules, checked as tests (rust-analyzer's `tidy.rs`): every Rust file opens with
//! a `//!` comment; no `dbg!`, `todo!` or `unimplemented!`; no ignored test without a reason;
//! libraries never print; selvedge-testkit is never a normal dependency.

use std::fs;
use std::path::{Path, PathBuf};

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .unwrap()
        .to_path_buf()
}

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(entries) = fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let path = entry.path();
        if path.is_dir() {
            if path.file_name().is_some_and(|n| n != "target") {
                rust_files(&path, out);
            }
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

fn all_rust_files() -> Vec<(PathBuf, String)> {
    let mut files = Vec::new();
    rust_files(&root().join("crates"), &mut files);
    rust_files(&root().join("xtask"), &mut files);
    files
        .into_iter()
        .map(|p| (fs::read_to_string(&p).unwrap(), p))
        .map(|(text, p)| (p, text))
        .collect()
}

/// Builds the forbidden spellings at run time so this file does not trip its own rules.
fn spelled(parts: &[&str]) -> String {
    parts.concat()
}

#[test]
fn every_rust_file_opens_with_a_module_comment() {
    let missing: Vec<_> = all_rust_files()
        .into_iter()
        .filter(|(_, text)| !text.starts_with("//!"))
        .map(|(p, _)| p)
        .collect();
    assert!(
        missing.is_empty(),
        "files without a leading `//!` comment: {missing:?}"
    );
}

#[test]
fn no_debugging_leftovers_or_placeholders() {
    let forbidden = [
        spelled(&["dbg", "!("]),
        spelled(&["todo", "!("]),
        spelled(&["unimplemented", "!("]),
    ];
    for (path, text) in all_rust_files() {
        for word in &forbidden {
            assert!(
                !text.contains(word.as_str()),
                "{} contains `{word}`",
                path.display()
            );
        }
    }
}

#[test]
fn every_ignored_test_says_why() {
    let bare = spelled(&["#[ignore", "]"]);
    for (path, text) in all_rust_files() {
        assert!(
            !text.contains(&bare),
            "{}: `{bare}` needs a reason: `ignore = \"...\"`",
            path.display()
        );
    }
}

#[test]
fn libraries_never_print() {
    let printers = [
        spelled(&["println", "!("]),
        spelled(&["print", "!("]),
        spelled(&["eprintln", "!("]),
    ];
    for (path, text) in all_rust_files() {
        let in_library = path.components().any(|c| c.as_os_str() == "src")
            && path.starts_with(root().join("crates"));
        if !in_library {
            continue;
        }
        // Doc comments and test modules may print; library code may not.
        let code = text.split("#[cfg(test)]").next().unwrap_or("");
        for line in code.lines().filter(|l| !l.trim_start().starts_with("//")) {
            for printer in &printers {
                assert!(
                    !line.contains(printer.as_str()),
                    "{} prints: {line}",
                    path.display()
                );
            }
        }
    }
}

#[test]
fn testkit_is_never_a_normal_dependency() {
    let crates = fs::read_dir(root().join("crates")).unwrap();
    for krate in crates.flatten() {
        let manifest = fs::read_to_string(krate.path().join("Cargo.toml")).unwrap_or_default();
        let mut section = String::new();
        for line in manifest.lines() {
            let line = line.trim();
            if line.starts_with('[') {
                section = line.to_owned();
            } else if line.starts_with("selvedge-testkit") {
                assert!(
                    section.contains("dev-dependencies") || section == "[package]",
                    "{}: selvedge-testkit under {section}; it may only be a dev-dependency",
                    krate.path().display()
                );
            }
        }
    }
}
