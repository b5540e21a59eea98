//! Issue 2, log checks: at `--log-level low-level` every session record is
//! tagged `IMAP-nnnnn`, and no password ever reaches the log.

mod support;

use base64::engine::general_purpose::STANDARD as B64;
use base64::Engine;
use support::Server;

const SECRETS: &[&str] = &["wonderland", "builder", "Wr0ngPass", "LiteralPw", "Sp4ce"];

fn assert_no_secret(log: &str) {
    for s in SECRETS {
        assert!(!log.contains(s), "password {s:?} in the log:\n{log}");
    }
}

#[test]
fn session_records_are_tagged_and_passwords_never_logged() {
    let server = Server::start(&[]);
    // Every way of sending a password, right and wrong.
    server.connect().ok("LOGIN alice wonderland");
    server.connect().ok("LOGIN \"bob\" \"builder\"");
    let mut c = server.connect();
    c.cmd("LOGIN alice Wr0ngPass");
    c.send(b"l1 LOGIN alice {9}\r\n");
    assert!(c.line().starts_with("+ "));
    c.send(b"LiteralPw\r\n");
    c.tagged("l1");
    let mut c = server.connect();
    c.ok("LOGIN {5+}\r\nalice {10+}\r\nwonderland");
    server.connect().ok(&format!("AUTHENTICATE PLAIN {}", B64.encode(b"\0alice\0wonderland")));
    let mut c = server.connect();
    c.send(b"a1 AUTHENTICATE LOGIN\r\n");
    c.line();
    c.send(format!("{}\r\n", B64.encode("bob")).as_bytes());
    c.line();
    c.send(format!("{}\r\n", B64.encode("builder")).as_bytes());
    assert!(c.tagged("a1").starts_with("a1 OK"));
    // Malformed LOGIN commands are logged too; their passwords must not be.
    let mut c = server.connect();
    c.cmd("LOGIN alice Sp4ce extra");
    c.cmd("LOGIN");

    let log = server.log();
    assert_no_secret(&log);
    for b64 in [B64.encode(b"\0alice\0wonderland"), B64.encode("builder")] {
        assert!(!log.contains(&b64), "base64 password {b64} in the log:\n{log}");
    }
    let session_lines: Vec<&str> = log.lines().filter(|l| l.contains(" C: ") || l.contains(" S: ")).collect();
    assert!(session_lines.len() > 20, "{log}");
    for l in &session_lines {
        let tagged = l
            .split(' ')
            .any(|w| w.strip_prefix("IMAP-").is_some_and(|n| n.len() == 5 && n.bytes().all(|b| b.is_ascii_digit())));
        assert!(tagged, "untagged session record: {l}");
    }
    assert!(log.contains("IMAP-00001 C: t1 LOGIN alice ***"), "{log}");
    assert!(log.contains("login failed: rip=127.0.0.1 user=<alice> "), "{log}");
}

/// A LOGIN with two spaces after the tag (or a tab) fails to parse and is
/// logged; the masking must still hide the password (it once split on
/// single spaces and logged such a line whole).
#[test]
fn oddly_spaced_login_does_not_leak_the_password() {
    let server = Server::start(&[]);
    let mut c = server.connect();
    c.send(b"x1  LOGIN alice Sp4ce\r\n");
    c.line();
    c.send(b"x2 LOGIN  alice  Sp4ce\r\n");
    c.line();
    // (Three bad commands in a row before login end the connection.)
    c.ok("NOOP");
    c.send(b"x3\tLOGIN alice Sp4ce\r\n");
    c.line();
    c.ok("NOOP");
    assert_no_secret(&server.log());
}
