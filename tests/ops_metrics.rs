//! `/metrics` (issue 14, must-show 3): parsed by the Prometheus client
//! library's own text-format parser (Debian's python3-prometheus-client),
//! its counters move as a client logs in, fails a login, appends, fetches.

mod ops_common;
mod support;

use std::collections::BTreeMap;
use std::io::Write;
use std::process::{Command, Stdio};

use ops_common::Ops;

const PARSE: &str = r#"
import json, sys
from prometheus_client.parser import text_string_to_metric_families
out = {}
for family in text_string_to_metric_families(sys.stdin.read()):
    for s in family.samples:
        labels = ",".join('%s="%s"' % kv for kv in sorted(s.labels.items()))
        out[s.name + ("{%s}" % labels if labels else "")] = s.value
print(json.dumps(out))
"#;

/// Scrapes and parses; panics if the parser refuses the text.
fn scrape(ops: &Ops) -> BTreeMap<String, f64> {
    let text = ops.get_ok("/metrics");
    // Debian's python3, where python3-prometheus-client installs.
    let mut child = Command::new("/usr/bin/python3")
        .args(["-c", PARSE])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("python3 (contrib/test installs python3-prometheus-client)");
    child.stdin.take().unwrap().write_all(text.as_bytes()).unwrap();
    let out = child.wait_with_output().unwrap();
    assert!(out.status.success(), "the parser refused:\n{text}\n{}", String::from_utf8_lossy(&out.stderr));
    serde_json::from_slice(&out.stdout).unwrap()
}

#[test]
fn metrics_parse_and_counters_move() {
    let ops = Ops::start(&[]);
    let before = scrape(&ops);
    for name in [
        "tegami_sessions",
        "tegami_sessions_peak",
        "tegami_logins_total",
        "tegami_login_failures_total",
        "tegami_messages_appended_total",
        "tegami_received_bytes_total",
        "tegami_sent_bytes_total",
        "tegami_uptime_seconds",
        "tegami_channel_refusals_total",
    ] {
        assert!(before.contains_key(name), "{name} missing: {before:?}");
    }
    assert_eq!(before["tegami_max_channels"], 1000.0);
    assert_eq!(before["tegami_logins_total"], 0.0);

    let mut c = ops.connect();
    let failed = c.cmd("LOGIN alice not-her-password");
    assert!(failed.last().unwrap().contains(" NO "), "{failed:?}");
    c.ok("LOGIN alice wonderland");
    c.append("INBOX", "", &support::message("counted"));
    c.ok("SELECT INBOX");
    c.ok("FETCH 1 (FLAGS BODY.PEEK[])");

    let after = scrape(&ops);
    let moved = |k: &str| after.get(k).copied().unwrap_or(0.0) - before.get(k).copied().unwrap_or(0.0);
    assert_eq!(moved("tegami_logins_total"), 1.0, "{after:?}");
    assert_eq!(moved("tegami_login_failures_total"), 1.0);
    assert_eq!(moved("tegami_messages_appended_total"), 1.0);
    assert_eq!(moved("tegami_commands_total{command=\"FETCH\"}"), 1.0);
    assert_eq!(moved("tegami_commands_total{command=\"LOGIN\"}"), 2.0);
    assert!(after.contains_key("tegami_command_seconds_total{command=\"FETCH\"}"));
    assert!(moved("tegami_received_bytes_total") > 0.0 && moved("tegami_sent_bytes_total") > 0.0);
    assert_eq!(after["tegami_sessions"], 1.0);
    assert!(after["tegami_sessions_peak"] >= 1.0);
}

#[test]
fn refusals_at_the_channel_cap_are_counted() {
    let ops = Ops::start(&["--max-channels", "1"]);
    let _first = ops.connect();
    let mut second = support::Client::plain(ops.plain);
    assert!(second.greeting.starts_with("* BYE"), "{}", second.greeting);
    assert!(second.closed());
    let m = scrape(&ops);
    assert_eq!(m["tegami_channel_refusals_total"], 1.0);
    assert_eq!(m["tegami_max_channels"], 1.0);
}
