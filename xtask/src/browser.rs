//! The site in a real browser: headless Chromium loads the landing page and one crate page and
//! the rendered DOM (after scripts ran) must show what a reader expects to see.

use std::path::Path;
use std::process::Command;

use crate::summary::Outcome;

/// The browsers tried, in order; Debian's package installs `chromium`.
const BROWSERS: &[&str] = &["chromium", "chromium-browser", "google-chrome"];
/// Flags for a sandboxed machine with no network (Chromium's background fetches would fail).
const FLAGS: &[&str] = &[
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--virtual-time-budget=5000",
    "--dump-dom",
];

/// What each checked page must show once rendered: (page under the site, text that must appear).
/// `toggle-all-docs` is a button rustdoc's script adds: its presence proves the scripts ran.
const PAGES: &[(&str, &[&str])] = &[
    (
        "index.html",
        &[
            "selvedge",
            "selvedge-locks",
            "Choosing a primitive",
            "Benchmark report",
        ],
    ),
    (
        "api/selvedge_locks/index.html",
        &["Crate selvedge_locks", "Mutex", "id=\"toggle-all-docs\""],
    ),
];

/// `Passed` when every page renders with its expected text.
pub(crate) fn renders(site: &Path) -> Outcome {
    let Some(browser) = BROWSERS.iter().copied().find(|b| installed(b)) else {
        let message = "no headless browser (chromium) found; install it with: \
                       apt-get install chromium (or `cargo xtask setup` as root)";
        eprintln!("{message}");
        return Outcome::Failed(message.to_owned());
    };
    let profile = site.with_file_name("site-browser-profile");
    for (page, expected) in PAGES {
        let url = format!("file://{}", site.join(page).display());
        let output = Command::new(browser)
            .args(FLAGS)
            .arg(format!("--user-data-dir={}", profile.display()))
            .arg(&url)
            .output();
        let dom = match output {
            Ok(out) if out.status.success() => String::from_utf8_lossy(&out.stdout).into_owned(),
            Ok(out) => {
                return Outcome::Failed(format!("{browser} exited with {} on {url}", out.status));
            }
            Err(error) => return Outcome::Failed(format!("could not start {browser}: {error}")),
        };
        let missing: Vec<&str> = expected
            .iter()
            .copied()
            .filter(|text| !dom.contains(text))
            .collect();
        if !missing.is_empty() {
            return Outcome::Failed(format!("{url} rendered without {missing:?}"));
        }
        println!("browser: {page} renders ({} bytes of DOM)", dom.len());
    }
    Outcome::Passed
}

/// Whether `browser` is a command on `PATH`.
fn installed(browser: &str) -> bool {
    Command::new(browser)
        .arg("--version")
        .output()
        .is_ok_and(|out| out.status.success())
}

/// Whether any of the browsers the check uses is installed.
pub(crate) fn any_installed() -> bool {
    BROWSERS.iter().any(|b| installed(b))
}
