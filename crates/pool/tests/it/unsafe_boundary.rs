//! The crate's `unsafe` stays in the three modules that document its safe boundary: the
//! job's vtable, and the lifetime erasure of broadcasts and scopes (the queue's is
//! crossbeam-deque's).
//! A new `unsafe` anywhere else fails here, so it has to be argued for in one of them (or a
//! new boundary added to this list, with its module doc and miri tests).

use std::fs;
use std::path::{Path, PathBuf};

/// The modules allowed to hold `unsafe`, relative to `src/`.
const BOUNDARIES: [&str; 3] = ["engine/broadcast.rs", "engine/job.rs", "scope/runners.rs"];

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in fs::read_dir(dir).unwrap().flatten() {
        let path = entry.path();
        if path.is_dir() {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

/// Whether `code` uses the `unsafe` keyword outside comments (the lint name `unsafe_code`
/// is not the keyword).
fn uses_unsafe(code: &str) -> bool {
    code.lines()
        .map(|line| line.split("//").next().unwrap_or(""))
        .any(|line| {
            line.match_indices("unsafe").any(|(at, word)| {
                let before = line[..at].chars().next_back();
                let after = line[at + word.len()..].chars().next();
                let ident = |c: char| c.is_alphanumeric() || c == '_';
                !before.is_some_and(ident) && !after.is_some_and(ident)
            })
        })
}

#[test]
fn unsafe_lives_only_behind_the_documented_boundaries() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut files = Vec::new();
    rust_files(&src, &mut files);
    let mut with_unsafe: Vec<String> = files
        .iter()
        .filter(|path| uses_unsafe(&fs::read_to_string(path).unwrap()))
        .map(|path| {
            let relative = path.strip_prefix(&src).unwrap();
            relative.to_string_lossy().replace('\\', "/")
        })
        .collect();
    with_unsafe.sort();
    assert_eq!(with_unsafe, BOUNDARIES);
    let lib = fs::read_to_string(src.join("lib.rs")).unwrap();
    assert!(lib.contains("#![deny(unsafe_code)]"));
    for module in BOUNDARIES {
        let text = fs::read_to_string(src.join(module)).unwrap();
        assert!(
            text.contains("#![allow(\n    unsafe_code,\n    reason = "),
            "{module} allows `unsafe_code` for the whole module, with a reason"
        );
    }
}

#[test]
fn the_scan_tells_the_keyword_from_comments_and_the_lint() {
    assert!(uses_unsafe("let x = unsafe { f() };"));
    assert!(uses_unsafe("unsafe impl Send for X {}"));
    assert!(!uses_unsafe("// unsafe in a comment"));
    assert!(!uses_unsafe("#![deny(unsafe_code)]"));
    assert!(!uses_unsafe("fn not_unsafe_at_all() {}"));
}
