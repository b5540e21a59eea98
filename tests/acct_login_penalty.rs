//! Issue 8, item 5: failed logins from one address over several
//! connections are delayed more and more, other addresses are not slowed,
//! and each failure is one log line that the fail2ban filter shipped in
//! contrib/fail2ban matches (checked with Debian's fail2ban-regex).
//!
//! No time is measured: the delays are read from the server's own log
//! lines, which state the delay each failed answer waited.

mod support;

use std::net::Ipv4Addr;
use std::path::Path;
use std::process::Command;

use base64::engine::general_purpose::STANDARD as B64;
use base64::Engine;
use support::{Client, Server};

/// `(rip, user, delay in ms)` of every `login failed:` line of the log.
fn failures(log: &str) -> Vec<(String, Option<String>, u64)> {
    log.lines()
        .filter_map(|l| {
            let rest = &l[l.find("login failed: ")? + "login failed: ".len()..];
            let field = |k: &str| rest.split(' ').find_map(|w| w.strip_prefix(k)).map(str::to_string);
            let delay = field("delay=")?.strip_suffix("ms")?.parse().ok()?;
            Some((field("rip=")?, field("user=<").map(|u| u.trim_end_matches('>').to_string()), delay))
        })
        .collect()
}

#[test]
fn delays_grow_per_address_across_connections_and_spare_other_addresses() {
    // Clear-text logins from 127.0.0.2, another host for the default rule.
    let server = Server::start(&["--allow-cleartext-login"]);
    // One failure per connection, from 127.0.0.1, four connections.
    for _ in 0..4 {
        let mut c = server.connect();
        let r = c.cmd("LOGIN alice not-her-password").pop().unwrap();
        assert_eq!(r, "t1 NO [AUTHENTICATIONFAILED] Authentication failed");
    }
    // The same from 127.0.0.2, for another account: the first delay again.
    let mut other = Client::plain_from(Ipv4Addr::new(127, 0, 0, 2), server.plain);
    assert!(other.cmd("LOGIN bob not-his-password").pop().unwrap().contains(" NO "));
    // And the rightful owner from there gets in.
    let mut c = Client::plain_from(Ipv4Addr::new(127, 0, 0, 2), server.plain);
    c.ok("LOGIN bob builder");

    let f = failures(&server.log());
    assert_eq!(f.len(), 5, "{f:?}\n{}", server.log());
    let delays: Vec<u64> = f[..4].iter().map(|x| x.2).collect();
    assert!(f[..4].iter().all(|x| x.0 == "127.0.0.1" && x.1.as_deref() == Some("alice")), "{f:?}");
    assert!(delays.windows(2).all(|w| w[0] < w[1]), "delays must grow: {delays:?}");
    assert!(delays[0] > 0, "{delays:?}");
    assert_eq!(f[4].0, "127.0.0.2");
    assert_eq!(f[4].2, delays[0], "another address is not slowed: {f:?}");
}

#[test]
fn failure_lines_name_the_account_only_when_it_exists_and_never_the_password() {
    let server = Server::start(&["--auth-penalty", "1"]);
    let mut c = server.connect();
    c.cmd("LOGIN ghost Secret-Guess-1");
    let mut c = server.connect();
    c.cmd(&format!("AUTHENTICATE PLAIN {}", B64.encode("\0alice\0Secret-Guess-2")));
    // A cancelled AUTHENTICATE is a failure as well.
    let mut c = server.connect();
    c.send(b"a1 AUTHENTICATE LOGIN\r\n");
    c.line();
    c.send(format!("{}\r\n", B64.encode("bob")).as_bytes());
    c.line();
    c.send(b"*\r\n");
    assert!(c.tagged("a1").starts_with("a1 BAD "));
    let log = server.log();
    let f = failures(&log);
    assert_eq!(f.len(), 3, "{log}");
    assert_eq!(f[0].1, None, "unknown names are not logged as accounts");
    assert_eq!(f[1].1.as_deref(), Some("alice"));
    assert_eq!(f[2].1.as_deref(), Some("bob"));
    assert!(log.contains("reason=\"cancelled by the client\""), "{log}");
    for secret in ["Secret-Guess", "ghost"] {
        assert!(!log.lines().any(|l| l.contains("login failed") && l.contains(secret)), "{secret} logged: {log}");
    }
}

fn filter() -> std::path::PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("contrib/fail2ban/filter.d/tegami.conf")
}

#[test]
fn fail2ban_regex_matches_every_failure_of_the_real_log_and_nothing_else() {
    let server = Server::start(&["--auth-penalty", "1", "--allow-cleartext-login"]);
    server.login("alice");
    for (from, cmd) in [
        (1, "LOGIN alice wrong".to_string()),
        (2, "LOGIN nobody wrong".to_string()),
        (3, format!("AUTHENTICATE PLAIN {}", B64.encode("\0bob\0wrong"))),
        (1, "LOGIN bob \"wrong again\"".to_string()),
    ] {
        let mut c = Client::plain_from(Ipv4Addr::new(127, 0, 0, from), server.plain);
        assert!(c.cmd(&cmd).pop().unwrap().contains(" NO "));
    }
    server.login("bob");
    let log_path = server.dir.path().join("log");
    let log = server.log();
    assert_eq!(failures(&log).len(), 4, "{log}");
    let out = Command::new("fail2ban-regex")
        .args(["--print-all-matched", "-o", "ip"])
        .arg(&log_path)
        .arg(filter())
        .output()
        .expect("fail2ban-regex (Debian package fail2ban, installed by contrib/test)");
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let mut ips: Vec<String> = String::from_utf8_lossy(&out.stdout).lines().map(|l| l.trim().to_string()).collect();
    ips.sort();
    assert_eq!(ips, ["127.0.0.1", "127.0.0.1", "127.0.0.2", "127.0.0.3"], "{log}");
    // The summary agrees: four matched lines, the rest (logins, commands) missed.
    let out = Command::new("fail2ban-regex").arg(&log_path).arg(filter()).output().unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains(", 4 matched,"), "{text}");
}
