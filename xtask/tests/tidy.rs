//! Repository rules, checked as tests (rust-analyzer's `tidy.rs`): every Rust file opens with
//! a `//!` comment; no `dbg!`, `todo!` or `unimplemented!`; no ignored test without a reason;
//! libraries never print; selvedge-testkit is never a normal dependency; synchronization comes
//! from the loom facade; every file and `Type::member` the docs name exists.

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

/// Library code of the crates built over the loom facade: everything they synchronise with
/// comes from `selvedge_locks::sync`, so one `--cfg selvedge_loom` swaps it all.
const OVER_THE_FACADE: [&str; 5] = ["collections", "singleton", "pool", "bus", "session"];

/// The files that choose a backend for the model build, and so may name the cfg: each choice
/// is made once, in the file named here, and its callers stay cfg-free.
const BACKEND_CHOICES: [(&str, &str); 6] = [
    (
        "pool/src/engine/injector.rs",
        "chooses crossbeam-deque's `Injector` or a facade-mutex model of it (loom cannot model crossbeam's atomics)",
    ),
    (
        "singleton/src/lib.rs",
        "compiles `lazy_model` and re-exports loom for `global!`",
    ),
    (
        "singleton/src/lazy.rs",
        "chooses once_cell's `Lazy` or `lazy_model`'s",
    ),
    (
        "singleton/src/lazy_global.rs",
        "`global!` expands to a `static` or loom's `lazy_static!`",
    ),
    (
        "session/src/clock.rs",
        "the real clock, or the model clock a loom model moves",
    ),
    (
        "session/src/lib.rs",
        "exports the model clock's hook to loom models",
    ),
];

/// What a file over the facade may not name, outside doc comments and test modules, with
/// the facade item to use instead.
fn facade_violations(code: &str, may_choose_backend: bool) -> Vec<String> {
    let direct = [
        (
            spelled(&["std::sync::", "atomic"]),
            "sync::atomic or sync::static_atomic",
        ),
        (spelled(&["std::sync::", "Mutex"]), "sync::Mutex"),
        (spelled(&["std::sync::", "RwLock"]), "sync::RwLock"),
        (spelled(&["std::sync::", "Condvar"]), "sync::Condvar"),
        (
            spelled(&["std::sync::", "Barrier"]),
            "selvedge_locks::Barrier",
        ),
        (spelled(&["std::thread::", "spawn"]), "sync::thread::spawn"),
        (
            spelled(&["std::thread::", "Builder"]),
            "sync::thread::Builder",
        ),
        (
            spelled(&["std::thread::", "current"]),
            "sync::thread::current",
        ),
        (spelled(&["std::thread::", "park"]), "sync::thread::park"),
        (
            spelled(&["std::thread::", "yield_now"]),
            "sync::thread::yield_now",
        ),
        (
            spelled(&["std::thread::", "ThreadId"]),
            "sync::thread::ThreadId",
        ),
        (
            spelled(&["std::thread::", "available_parallelism"]),
            "sync::thread::available_parallelism",
        ),
        (spelled(&["parking_lot", "::"]), "the facade's locks"),
        (spelled(&["arc_swap", "::"]), "sync::ArcCell"),
    ];
    let cfg = spelled(&["selvedge", "_loom"]);
    let thread_local = spelled(&["thread_local", "!"]);
    let loom_path = spelled(&["loom", "::"]);
    let mut found = Vec::new();
    // `use std::sync::{...}` groups, which rustfmt may spread over lines.
    let grouped = spelled(&["use std::sync::", "{"]);
    let code: String = code
        .lines()
        .filter(|l| !l.trim_start().starts_with("//"))
        .collect::<Vec<_>>()
        .join("\n");
    for (at, _) in code.match_indices(&grouped) {
        let group = &code[at..code[at..].find('}').map_or(code.len(), |end| at + end)];
        for name in ["Mutex", "RwLock", "Condvar", "Barrier", "atomic"] {
            if group
                .split(|c: char| !c.is_alphanumeric() && c != '_')
                .any(|w| w == name)
            {
                found.push(format!("`{group}}}` names std's {name}: use the facade's"));
            }
        }
    }
    for line in code.lines() {
        for (path, instead) in &direct {
            if line.contains(path.as_str()) {
                found.push(format!("`{}` names {path}: use {instead}", line.trim()));
            }
        }
        let bare_thread_local = line
            .match_indices(&thread_local)
            .any(|(at, _)| !line[..at].ends_with("loom_"));
        if bare_thread_local {
            found.push(format!(
                "`{}`: use selvedge_locks::loom_thread_local!",
                line.trim()
            ));
        }
        if !may_choose_backend && (line.contains(&cfg) || line.contains(&loom_path)) {
            found.push(format!(
                "`{}`: a cfg or loom path outside a backend choice; use sync::MODEL or the facade",
                line.trim()
            ));
        }
    }
    found
}

#[test]
fn synchronization_comes_from_the_facade() {
    let mut violations = Vec::new();
    for (path, text) in all_rust_files() {
        let relative = path.strip_prefix(root().join("crates")).unwrap_or(&path);
        let relative = relative.to_string_lossy().replace('\\', "/");
        let Some((krate, rest)) = relative.split_once('/') else {
            continue;
        };
        if !OVER_THE_FACADE.contains(&krate) || !rest.starts_with("src/") {
            continue;
        }
        // Test modules may use std directly to check the code above them.
        let code = text
            .split("#[cfg(test)]")
            .next()
            .and_then(|code| code.split("#[cfg(all(test").next())
            .unwrap_or("");
        let chooses = BACKEND_CHOICES.iter().any(|(file, _)| *file == relative);
        for violation in facade_violations(code, chooses) {
            violations.push(format!("{relative}: {violation}"));
        }
    }
    assert!(violations.is_empty(), "{}", violations.join("\n"));
}

#[test]
fn the_facade_rule_catches_each_kind_of_stray_import() {
    let cases = [
        spelled(&["use std::sync::", "atomic::AtomicU64;"]),
        spelled(&["use std::sync::", "{Arc, Mutex};"]),
        spelled(&["use std::sync::", "{\n    Arc,\n    Condvar,\n};"]),
        spelled(&["let n = std::thread::", "available_parallelism();"]),
        spelled(&["use parking", "_lot::Mutex;"]),
        spelled(&["thread_local", "! { static X: u8 = 0; }"]),
        spelled(&["#[cfg(selvedge", "_loom)]\nconst N: usize = 2;"]),
        spelled(&["type Id = loom", "::thread::ThreadId;"]),
    ];
    for case in &cases {
        assert!(
            !facade_violations(case, false).is_empty(),
            "not caught:\n{case}"
        );
    }
    let clean = spelled(&[
        "use std::sync::Arc;\nuse selvedge_locks::sync::{Mutex, thread};\n",
        "selvedge_locks::loom_thread_local! { static X: u8 = 0; }\n",
        "/// std::thread::spawn in a doc comment is fine\n",
        "const N: usize = if MODEL { 2 } else { 1024 };\n",
    ]);
    assert_eq!(facade_violations(&clean, false), Vec::<String>::new());
}

/// Every Markdown document and every doc comment of the workspace, with the file it is in.
fn prose() -> Vec<(PathBuf, String)> {
    let mut out = Vec::new();
    let mut markdown = vec![root().join("README.md")];
    for dir in [root().join("docs")].into_iter().chain(
        fs::read_dir(root().join("crates"))
            .unwrap()
            .flatten()
            .map(|e| e.path()),
    ) {
        for entry in fs::read_dir(&dir).into_iter().flatten().flatten() {
            if entry.path().extension().is_some_and(|e| e == "md") {
                markdown.push(entry.path());
            }
        }
    }
    for path in markdown {
        if path.ends_with("CHANGELOG.md") {
            continue; // history may name what is gone
        }
        out.push((path.clone(), fs::read_to_string(&path).unwrap()));
    }
    // Library and tool sources; test files may name files of the crates they port.
    for (path, text) in all_rust_files()
        .into_iter()
        .filter(|(path, _)| !path.components().any(|c| c.as_os_str() == "tests"))
    {
        let docs: Vec<&str> = text
            .lines()
            .map(str::trim_start)
            .filter(|l| l.starts_with("///") || l.starts_with("//!"))
            .collect();
        out.push((path, docs.join("\n")));
    }
    out
}

/// The backticked spans of `text`.
fn code_spans(text: &str) -> impl Iterator<Item = &str> {
    text.split('`').skip(1).step_by(2)
}

/// Files the guides tell the reader to create in their own project.
const USER_FILES: [&str; 2] = ["tests/loom_box_office.rs", "tests/stress_box_office.rs"];

#[test]
fn every_file_named_in_docs_exists() {
    let crates: Vec<PathBuf> = fs::read_dir(root().join("crates"))
        .unwrap()
        .flatten()
        .map(|e| e.path())
        .collect();
    let mut missing = Vec::new();
    for (path, text) in prose() {
        let own_crate = crates.iter().find(|c| path.starts_with(c));
        for span in code_spans(&text) {
            let is_path = span.contains('/')
                && [".rs", ".md", ".toml"]
                    .iter()
                    .any(|ext| span.ends_with(ext))
                && !span.contains(char::is_whitespace)
                && !span.contains("://")
                && !span.contains(['*', '<']);
            if !is_path || USER_FILES.contains(&span) {
                continue;
            }
            let relative = span.trim_start_matches("./");
            let found = root().join(relative).exists()
                || own_crate.is_some_and(|c| c.join(relative).exists())
                || root().join("docs").join(relative).exists()
                || root().join("xtask").join(relative).exists()
                || crates
                    .iter()
                    .any(|c| c.join(relative).exists() || c.join("src").join(relative).exists());
            if !found {
                missing.push(format!("{}: `{span}`", path.display()));
            }
        }
    }
    assert!(
        missing.is_empty(),
        "docs name files that do not exist:\n{}",
        missing.join("\n")
    );
}

#[test]
fn every_workspace_type_member_named_in_docs_exists() {
    let sources: Vec<String> = all_rust_files().into_iter().map(|(_, text)| text).collect();
    let source = sources.join("\n");
    let defines_type = |name: &str| {
        // Not `type `: trait impls' associated types (`type Duration = Duration;`) would match.
        ["struct ", "enum ", "trait ", "pub type ", "union "]
            .iter()
            .any(|kind| {
                source
                    .match_indices(&format!("{kind}{name}"))
                    .any(|(at, found)| {
                        let next = source[at + found.len()..].chars().next();
                        !next.is_some_and(|c| c.is_alphanumeric() || c == '_')
                    })
            })
    };
    let defines_member = |name: &str| {
        [
            format!("fn {name}("),
            format!("fn {name}<"),
            format!(" {name}: "),
            format!("const {name}:"),
            format!("    {name},"),
            format!("    {name}("),
            format!("    {name} {{"),
            format!("    {name} = "),
            // A method a wrapper macro declares: `name => backend_name,`.
            format!("{name} => "),
            format!("type {name}"),
        ]
        .iter()
        .any(|pattern| source.contains(pattern.as_str()))
    };
    let mut known = std::collections::HashMap::new();
    let mut missing = Vec::new();
    for (path, text) in prose() {
        for span in code_spans(&text) {
            let span = span.trim_end_matches("()");
            let Some((ty, member)) = span.split_once("::") else {
                continue;
            };
            let is_type = ty.chars().next().is_some_and(char::is_uppercase)
                && ty.chars().all(|c| c.is_ascii_alphanumeric());
            let is_member = !member.is_empty()
                && member
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || c == '_');
            if !(is_type && is_member) {
                continue;
            }
            let resolves = *known
                .entry((ty.to_owned(), member.to_owned()))
                .or_insert_with(|| !defines_type(ty) || defines_member(member));
            if !resolves {
                missing.push(format!("{}: `{span}`", path.display()));
            }
        }
    }
    assert!(
        missing.is_empty(),
        "docs name members that do not exist:\n{}",
        missing.join("\n")
    );
}
