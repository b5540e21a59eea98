//! The monitor page in a real browser (issue 14, must-show 2): headless
//! Chromium (Debian's chromium package) loads `GET /` from the running
//! server; the rendered table's rows (`--dump-dom`) are the sessions of
//! `/sessions.json`; a phone-sized screenshot is kept as a test artifact in
//! `$CARGO_TARGET_TMPDIR/artifacts/monitor-page.png`.

mod ops_common;
mod support;

use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use ops_common::Ops;

/// Runs headless Chromium with `args`; its standard output. A browser that
/// hangs is killed after two minutes (a guard, not a timing assertion).
fn chromium(profile: &Path, args: &[String]) -> String {
    let mut child = Command::new("chromium")
        .args(["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-extensions"])
        .args(["--disable-dev-shm-usage", "--disable-background-networking", "--hide-scrollbars"])
        .arg(format!("--user-data-dir={}", profile.display()))
        .args(args)
        .env("HOME", profile)
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("chromium (Debian package chromium; contrib/test installs it)");
    let mut out = child.stdout.take().unwrap();
    let reader = std::thread::spawn(move || {
        let mut s = String::new();
        let _ = std::io::Read::read_to_string(&mut out, &mut s);
        s
    });
    let start = Instant::now();
    while child.try_wait().unwrap().is_none() {
        if start.elapsed() > Duration::from_secs(120) {
            let _ = child.kill();
            let _ = child.wait();
            panic!("chromium hung");
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    reader.join().unwrap()
}

/// The text of each `<td>` of the row `<tr data-id="tag">` in `dom`.
fn cells(dom: &str, tag: &str) -> Option<Vec<String>> {
    let start = dom.find(&format!("<tr data-id=\"{tag}\">"))?;
    let row = &dom[start..start + dom[start..].find("</tr>")?];
    Some(row.split("<td>").skip(1).map(|c| c.split("</td>").next().unwrap_or("").to_string()).collect())
}

#[test]
fn the_page_renders_the_sessions_in_chromium() {
    let ops = Ops::start(&[]);
    let mut bob = ops.login("bob");
    bob.ok("SELECT INBOX");
    let _alice = ops.login("alice");
    let mut anon = ops.connect();
    anon.ok("NOOP");
    let url = format!("http://{}/", ops.monitor);
    let profile = tempfile::tempdir().unwrap();

    let dom = chromium(profile.path(), &["--dump-dom".into(), url.clone()]);
    let rows = ops.sessions();
    assert_eq!(rows.len(), 3);
    assert_eq!(dom.matches("<tr data-id=").count(), 3, "{dom}");
    for r in &rows {
        let tag = r["tag"].as_str().unwrap();
        let c = cells(&dom, tag).unwrap_or_else(|| panic!("no row {tag} in {dom}"));
        assert_eq!(c[0], tag);
        assert_eq!(c[1], r["address"].as_str().unwrap());
        assert_eq!(c[2], r["account"].as_str().unwrap_or(""));
        assert_eq!(c[4], r["state"].as_str().unwrap());
    }
    assert!(dom.contains("Connected to mailbox INBOX") && dom.contains("Authenticating"));

    // A phone-sized screenshot, kept for a person to look at.
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("artifacts");
    std::fs::create_dir_all(&dir).unwrap();
    let shot = dir.join("monitor-page.png");
    let _ = std::fs::remove_file(&shot);
    chromium(profile.path(), &[format!("--screenshot={}", shot.display()), "--window-size=412,915".into(), url]);
    let png = std::fs::read(&shot).expect("the screenshot");
    assert!(png.starts_with(b"\x89PNG\r\n\x1a\n") && png.len() > 1000, "not a PNG");
}
