//! `tegami who`, `tegami kick`, `tegami stats` with the real binary (issue
//! 14, must-show 4), and the monitor's basic auth for server administrators.

mod ops_common;
mod support;

use ops_common::{http, local_port, row, Ops};
use support::eventually;

#[test]
fn who_prints_the_monitor_rows_and_kick_ends_a_session() {
    // Kicking needs an administrator's login (issue 19 item 4).
    let ops = Ops::start(&["--monitor-auth"]);
    let mon = ops.monitor.to_string();
    let mut bob = ops.login("bob");
    bob.ok("SELECT INBOX");
    let mut alice = ops.login("alice");
    let mut anon = ops.connect();
    anon.ok("NOOP");

    let rows = ops.sessions();
    let (code, out, err) = ops.admin(&["who", "--monitor", &mon, "--admin", "alice"], Some("wonderland"));
    assert_eq!(code, 0, "{err}");
    let mut lines = out.lines();
    assert_eq!(
        lines.next().unwrap().split_whitespace().collect::<Vec<_>>(),
        ["ID", "IP", "address", "Account", "Connected", "State", "Running", "In", "Out", "TLS"]
    );
    let printed: Vec<&str> = lines.collect();
    assert_eq!(printed.len(), rows.len(), "{out}");
    for r in &rows {
        let tag = r["tag"].as_str().unwrap();
        let line = printed.iter().find(|l| l.starts_with(tag)).unwrap_or_else(|| panic!("{tag} not in {out}"));
        assert!(line.contains(r["address"].as_str().unwrap()));
        assert!(line.contains(r["state"].as_str().unwrap()), "{line} / {r}");
        if let Some(a) = r["account"].as_str() {
            assert!(line.contains(a));
        }
    }

    // kick ends exactly the named session, with BYE.
    let bob_tag = row(&rows, local_port(&bob)).unwrap()["tag"].as_str().unwrap().to_string();
    let (code, out, err) = ops.admin(&["kick", "--monitor", &mon, "--admin", "alice", &bob_tag], Some("wonderland"));
    assert_eq!(code, 0, "{err}");
    assert!(out.contains(&bob_tag));
    assert_eq!(bob.line(), "* BYE Disconnected by the administrator");
    assert!(bob.closed());
    eventually("the row to go", || row(&ops.sessions(), local_port(&bob)).is_none());
    alice.ok("NOOP");
    anon.ok("NOOP");
    assert!(ops.log().contains(&format!("{bob_tag} disconnected by the administrator")));

    // An unknown session, a malformed ID.
    let (code, _, err) = ops.admin(&["kick", "--monitor", &mon, "--admin", "alice", "IMAP-99999"], Some("wonderland"));
    assert_eq!(code, 1);
    assert!(err.contains("no such session"), "{err}");
    let (code, _, err) = ops.admin(&["kick", "--monitor", &mon, "--admin", "alice", "bob"], Some("wonderland"));
    assert_eq!(code, 1);
    assert!(err.contains("not a session ID"), "{err}");

    // stats.
    let (code, out, err) = ops.admin(&["stats", "--monitor", &mon, "--admin", "alice"], Some("wonderland"));
    assert_eq!(code, 0, "{err}");
    assert!(out.lines().any(|l| l == "logins 2") && out.lines().any(|l| l == "sessions 2"), "{out}");
    assert!(out.lines().any(|l| l.starts_with("command SELECT 1 ")), "{out}");
}

#[test]
fn kick_reaches_a_session_in_idle() {
    let ops = Ops::start(&["--monitor-auth"]);
    let mut c = ops.login("bob");
    c.ok("SELECT INBOX");
    c.send(b"i IDLE\r\n");
    assert!(c.line().starts_with("+ "));
    let id = ops.sessions()[0]["id"].as_u64().unwrap();
    assert_eq!(http(ops.monitor, "POST", &format!("/kick/{id}"), ops.admin).0, 200);
    assert_eq!(c.line(), "* BYE Disconnected by the administrator");
    assert!(c.closed());
}

#[test]
fn with_monitor_auth_only_server_administrators_get_in() {
    let ops = Ops::start(&["--monitor-auth"]);
    let mon = ops.monitor.to_string();
    let c = ops.login("bob");
    assert_eq!(http(ops.monitor, "GET", "/sessions.json", None).0, 401);
    assert_eq!(http(ops.monitor, "GET", "/metrics", Some(("alice", "wrong"))).0, 401);
    // bob's password is right, but he is no administrator.
    assert_eq!(http(ops.monitor, "GET", "/metrics", Some(("bob", "builder"))).0, 401);
    assert_eq!(http(ops.monitor, "POST", "/kick/1", Some(("bob", "builder"))).0, 401);
    let (status, body) = http(ops.monitor, "GET", "/sessions.json", Some(("alice", "wonderland")));
    assert_eq!(status, 200);
    assert!(body.contains("\"bob\""));

    let (code, _, err) = ops.admin(&["who", "--monitor", &mon], None);
    assert_eq!(code, 1);
    assert!(err.contains("401"), "{err}");
    let (code, _, _) = ops.admin(&["who", "--monitor", &mon, "--admin", "alice"], Some("nope"));
    assert_eq!(code, 1);
    let (code, out, err) = ops.admin(&["who", "--monitor", &mon, "--admin", "alice"], Some("wonderland"));
    assert_eq!(code, 0, "{err}");
    assert!(out.lines().any(|l| l.starts_with("IMAP-") && l.contains("bob")), "{out}");
    let tag = format!("IMAP-{:05}", ops.sessions_as("alice", "wonderland")[0]["id"].as_u64().unwrap());
    let (code, _, err) = ops.admin(&["kick", "--monitor", &mon, "--admin", "alice", &tag], Some("wonderland"));
    assert_eq!(code, 0, "{err}");
    drop(c);
}

trait AsAdmin {
    fn sessions_as(&self, user: &str, pw: &str) -> Vec<serde_json::Value>;
}

impl AsAdmin for Ops {
    fn sessions_as(&self, user: &str, pw: &str) -> Vec<serde_json::Value> {
        let (status, body) = http(self.monitor, "GET", "/sessions.json", Some((user, pw)));
        assert_eq!(status, 200);
        serde_json::from_str::<serde_json::Value>(&body).unwrap().as_array().unwrap().clone()
    }
}
