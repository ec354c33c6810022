//! `cargo xtask docs`: the workspace's rustdoc and the guides in `docs/` as one static site in
//! `target/site`, ready to host: a landing page, `api/` (rustdoc, warnings denied) and
//! `guides/` (each `docs/*.md` rendered by rustdoc itself, so xtask needs no Markdown crate).
//! Every relative link is checked, then a headless Chromium renders the landing page and a
//! crate page.

use std::fmt::Write as _;
use std::fs;
use std::io;
use std::path::{Path, PathBuf};
use std::process::Command;

use crate::browser;
use crate::links;
use crate::steps::rustdoc;
use crate::summary::Outcome;
use crate::tools::run;

/// The guides, in reading order: file stem in `docs/`, title on the landing page.
pub(crate) const GUIDES: &[(&str, &str)] = &[
    ("choosing", "Choosing a primitive"),
    ("porting", "Porting the seeds' Python patterns"),
    ("loom", "Model-checking your own code with loom"),
    ("ARCHITECTURE", "Architecture"),
    ("benchmarks", "Benchmark report"),
];

/// Builds the site, checks its links and renders it; `Passed` only if all three hold.
pub(crate) fn build(root: &Path) -> Outcome {
    let api = rustdoc(root);
    if api != Outcome::Passed {
        return api;
    }
    let site = root.join("target/site");
    if let Err(error) = assemble(root, &site) {
        return Outcome::Failed(format!("could not assemble {}: {error}", site.display()));
    }
    let broken = links::broken(&site);
    if !broken.is_empty() {
        for link in &broken {
            eprintln!("broken link: {link}");
        }
        return Outcome::Failed(format!(
            "{} broken links in {}",
            broken.len(),
            site.display()
        ));
    }
    println!("links: every relative link in {} resolves", site.display());
    browser::renders(&site)
}

fn assemble(root: &Path, site: &Path) -> io::Result<()> {
    if site.exists() {
        fs::remove_dir_all(site)?;
    }
    fs::create_dir_all(site.join("guides"))?;
    copy_dir(&root.join("target/doc"), &site.join("api"))?;
    // Rustdoc's settings and help pages link to `index.html` beside them; a workspace built
    // with `--no-deps` has none, so the API root sends readers to the landing page.
    fs::write(site.join("api/index.html"), API_INDEX)?;
    let sources = root.join("target/site-src");
    fs::create_dir_all(&sources)?;
    for (stem, _) in GUIDES {
        let text = fs::read_to_string(root.join("docs").join(format!("{stem}.md")))?;
        let page = sources.join(format!("{stem}.md"));
        fs::write(&page, to_site_links(&rustdoc_headings(&text)))?;
        render(root, &page, &site.join("guides"), &["../style.css"])?;
    }
    fs::write(site.join("style.css"), STYLE)?;
    let landing = sources.join("index.md");
    fs::write(&landing, landing_page(root)?)?;
    render(root, &landing, site, &["style.css"])
}

/// Links between guides point at `.md` files in the repository; on the site they are pages.
fn to_site_links(markdown: &str) -> String {
    let mut out = markdown.to_owned();
    for (stem, _) in GUIDES {
        out = out.replace(&format!("]({stem}.md"), &format!("]({stem}.html"));
        out = out.replace(&format!("](docs/{stem}.md"), &format!("]({stem}.html"));
    }
    out
}

/// A guide starts with `# Title` (as GitHub shows it) and its sections are `##`. Rustdoc takes
/// that heading as the page title, but numbers the sections below it from level 1, so they
/// would read "0.1", "0.2"; as its own `% Title` line with every other heading one level up,
/// they read "1", "1.1". Lines inside code fences are left alone.
fn rustdoc_headings(markdown: &str) -> String {
    let mut out = String::with_capacity(markdown.len());
    let mut in_fence = false;
    for (number, line) in markdown.lines().enumerate() {
        if line.starts_with("```") || line.starts_with("~~~") {
            in_fence = !in_fence;
        }
        let line = match line.strip_prefix("# ") {
            Some(title) if number == 0 => format!("% {title}"),
            _ if !in_fence && line.starts_with("##") => line[1..].to_owned(),
            _ => line.to_owned(),
        };
        out.push_str(&line);
        out.push('\n');
    }
    out
}

fn landing_page(root: &Path) -> io::Result<String> {
    let mut page = String::from(
        "% selvedge\n\nSmall, sharp crates for thread-safe Rust programs: locks that report \
         deadlocks before they happen, a concurrent map, resettable globals, a thread pool that \
         never silently loses a task, and one login shared by every thread. Each crate is \
         measured against the single-purpose crate it replaces, in the same run.\n\n\
         # Crates\n\n| crate | what it gives you |\n| --- | --- |\n",
    );
    for (package, description) in crates(root)? {
        let lib = package.replace('-', "_");
        let _ = writeln!(
            page,
            "| [`{package}`](api/{lib}/index.html) | {description} |"
        );
    }
    page.push_str("\n# Guides\n\n");
    for (stem, title) in GUIDES {
        let _ = writeln!(page, "- [{title}](guides/{stem}.html)");
    }
    Ok(page)
}

/// Every publishable crate under `crates/`, as (package name, description), sorted.
fn crates(root: &Path) -> io::Result<Vec<(String, String)>> {
    let mut found = Vec::new();
    for entry in fs::read_dir(root.join("crates"))? {
        let manifest = fs::read_to_string(entry?.path().join("Cargo.toml"))?;
        let field = |key: &str| {
            manifest.lines().find_map(|line| {
                let value = line.strip_prefix(key)?.trim_start().strip_prefix('=')?;
                Some(value.trim().trim_matches('"').to_owned())
            })
        };
        if let (Some(name), Some(description)) = (field("name"), field("description")) {
            found.push((name, description));
        }
    }
    found.sort();
    Ok(found)
}

fn render(root: &Path, markdown: &Path, out: &Path, css: &[&str]) -> io::Result<()> {
    let mut command = Command::new("rustdoc");
    command.current_dir(root).arg(markdown).arg("-o").arg(out);
    for sheet in css {
        command.args(["--markdown-css", sheet]);
    }
    match run(command) {
        Outcome::Passed => Ok(()),
        Outcome::Failed(why) => Err(io::Error::other(why)),
    }
}

fn copy_dir(from: &Path, to: &Path) -> io::Result<()> {
    fs::create_dir_all(to)?;
    for entry in fs::read_dir(from)? {
        let entry = entry?;
        let target: PathBuf = to.join(entry.file_name());
        if entry.file_type()?.is_dir() {
            copy_dir(&entry.path(), &target)?;
        } else {
            fs::copy(entry.path(), target)?;
        }
    }
    Ok(())
}

const API_INDEX: &str = "<!DOCTYPE html><meta charset=\"utf-8\">\
<meta http-equiv=\"refresh\" content=\"0; url=../index.html\">\
<title>selvedge API</title><a href=\"../index.html\">selvedge crates</a>\n";

/// A readable page width, table borders and heading sizes (a guide's sections are `<h1>`
/// under the title) for the rendered guides and landing page.
const STYLE: &str = "body { max-width: 52rem; margin: 2rem auto; padding: 0 1rem; \
font-family: system-ui, sans-serif; line-height: 1.5; }
table { border-collapse: collapse; } th, td { border: 1px solid #ccc; padding: 0.2rem 0.5rem; }
pre { background: #f5f5f5; padding: 0.5rem; overflow-x: auto; }
h1.title { font-size: 2.2rem; } h1 { font-size: 1.6rem; } h2 { font-size: 1.3rem; }
a.doc-anchor { color: #bbb; text-decoration: none; margin-right: 0.4rem; }
";

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_guides_title_becomes_rustdocs_and_its_sections_move_up_a_level() {
        let guide =
            "# Choosing\n\nIntro.\n\n## Locks\n\n### Mutex\n\n```python\n## not a heading\n```\n";
        assert_eq!(
            rustdoc_headings(guide),
            "% Choosing\n\nIntro.\n\n# Locks\n\n## Mutex\n\n```python\n## not a heading\n```\n"
        );
    }

    #[test]
    fn a_page_titled_with_percent_keeps_its_title() {
        let page = "% Already titled\n\n## Section\n";
        assert_eq!(rustdoc_headings(page), "% Already titled\n\n# Section\n");
    }
}
