//! The site's link checker: every relative `href` or `src` in every page must name a file that
//! exists, and a `#fragment` into a guide or the landing page must name an `id` on that page.
//! Links that leave the site (`https:`, `mailto:`) are not followed: the site must work offline.

use std::fs;
use std::path::{Path, PathBuf};

/// Every broken link in the site under `site`, as `page -> target`.
pub(crate) fn broken(site: &Path) -> Vec<String> {
    let mut pages = Vec::new();
    html_files(site, &mut pages);
    let mut broken = Vec::new();
    for page in &pages {
        let Ok(html) = fs::read_to_string(page) else {
            continue;
        };
        let dir = page.parent().unwrap_or(site);
        for target in references(&html) {
            if leaves_the_site(target) || (in_api(site, page) && is_foreign_doc_text(target)) {
                continue;
            }
            let (path, fragment) = target.split_once('#').unwrap_or((target, ""));
            let path = path.split('?').next().unwrap_or_default();
            let file = if path.is_empty() {
                page.clone()
            } else {
                dir.join(path)
            };
            let file = if file.is_dir() {
                file.join("index.html")
            } else {
                file
            };
            let ok = file.is_file()
                && (fragment.is_empty() || !is_guide(site, &file) || has_id(&file, fragment));
            if !ok {
                let shown = page.strip_prefix(site).unwrap_or(page);
                broken.push(format!("{} -> {target}", shown.display()));
            }
        }
    }
    broken
}

fn html_files(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(entries) = fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let path = entry.path();
        if path.is_dir() {
            html_files(&path, out);
        } else if path.extension().is_some_and(|ext| ext == "html") {
            out.push(path);
        }
    }
}

/// The values of every `href="..."` and `src="..."` attribute.
fn references(html: &str) -> impl Iterator<Item = &str> {
    ["href=\"", "src=\""]
        .into_iter()
        .flat_map(move |attribute| {
            html.match_indices(attribute).filter_map(move |(at, _)| {
                let rest = &html[at + attribute.len()..];
                rest.find('"').map(|end| &rest[..end])
            })
        })
}

/// Off-site links, and script templates rustdoc's pages carry in attribute-like text.
fn leaves_the_site(target: &str) -> bool {
    target.contains("://")
        || target.contains("${")
        || target.starts_with("mailto:")
        || target.starts_with("javascript:")
        || target.starts_with("data:")
}

/// Rustdoc shows the docs of dependencies' blanket impls (tracing's `Instrument` on every type)
/// with their intra-doc links unresolved, as raw text such as `super::Subscriber` or
/// `dispatcher#setting-the-default-subscriber`: a link with no file name. Our own intra-doc
/// links are checked by rustdoc itself (`-D warnings`), so in the API pages only links to files
/// are this checker's business.
/// Rustdoc also links every trait page to `trait.impl/<path>.js`, the implementors found in other
/// crates, and writes that file only when there are some; a missing one means "none".
///
/// Likewise the standard library's own docs, shown under a `Deref` to `Option` or the like,
/// keep their links relative to doc.rust-lang.org (`../../std/string/struct.String.html`).
fn is_foreign_doc_text(target: &str) -> bool {
    let path = target.split(['#', '?']).next().unwrap_or_default();
    let first = path.split('/').find(|part| !matches!(*part, ".." | "."));
    !path.is_empty() && !path.ends_with('/') && Path::new(path).extension().is_none()
        || path.contains("::")
        || path.contains("trait.impl/") && path.ends_with(".js")
        || first.is_some_and(|krate| STD_DOCS.contains(&krate))
}

/// The books and crates that doc.rust-lang.org hosts beside each other.
const STD_DOCS: &[&str] = &[
    "std",
    "core",
    "alloc",
    "proc_macro",
    "nomicon",
    "reference",
    "book",
];

fn in_api(site: &Path, page: &Path) -> bool {
    page.strip_prefix(site)
        .is_ok_and(|rel| rel.starts_with("api"))
}

/// Fragments are checked in the pages we write; rustdoc's own pages are rustdoc's business
/// (its anchors are made by script for some items).
fn is_guide(site: &Path, file: &Path) -> bool {
    file.strip_prefix(site)
        .is_ok_and(|rel| !rel.starts_with("api"))
}

fn has_id(file: &Path, fragment: &str) -> bool {
    fs::read_to_string(file).is_ok_and(|html| html.contains(&format!("id=\"{fragment}\"")))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn site(name: &str, pages: &[(&str, &str)]) -> PathBuf {
        let root = std::env::temp_dir().join(format!("xtask-links-{name}-{}", std::process::id()));
        let _ = fs::remove_dir_all(&root);
        for (path, html) in pages {
            let file = root.join(path);
            fs::create_dir_all(file.parent().unwrap()).unwrap();
            fs::write(file, html).unwrap();
        }
        root
    }

    #[test]
    fn a_missing_page_or_anchor_in_a_guide_is_broken() {
        let root = site(
            "guide",
            &[
                (
                    "index.html",
                    r#"<a href="guides/a.html#here">a</a> <a href="guides/gone.html">x</a>"#,
                ),
                (
                    "guides/a.html",
                    r#"<h2 id="there">t</h2> <a href="a.html#nowhere">n</a>"#,
                ),
            ],
        );
        let mut found = broken(&root);
        found.sort();
        assert_eq!(
            found,
            [
                "guides/a.html -> a.html#nowhere",
                "index.html -> guides/a.html#here",
                "index.html -> guides/gone.html",
            ]
        );
        fs::remove_dir_all(root).unwrap();
    }

    #[test]
    fn api_pages_skip_foreign_doc_text_but_not_missing_files() {
        let root = site(
            "api",
            &[(
                "api/krate/index.html",
                r#"<a href="super::Subscriber">s</a> <a href="../../std/string/struct.String.html">s</a>
                   <a href="https://docs.rs">d</a> <a href="struct.Gone.html">g</a>"#,
            )],
        );
        assert_eq!(broken(&root), ["api/krate/index.html -> struct.Gone.html"]);
        fs::remove_dir_all(root).unwrap();
    }
}
