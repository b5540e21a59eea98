//! Issue 2, item 5: `--no-cleartext-login` (LOGINDISABLED) before and after
//! STARTTLS, and on the TLS port.

mod support;

use base64::engine::general_purpose::STANDARD as B64;
use base64::Engine;
use support::Server;

fn caps_of(line: &str) -> Vec<String> {
    let text = line.strip_prefix("* CAPABILITY ").unwrap_or_else(|| panic!("{line}"));
    text.split(' ').map(str::to_string).collect()
}

fn assert_privacy_required(lines: &[String]) {
    let last = lines.last().unwrap();
    assert!(last.contains(" NO "), "{lines:?}");
    assert!(last.contains("[PRIVACYREQUIRED]"), "{lines:?}");
}

#[test]
fn clear_text_refuses_plaintext_login_until_starttls() {
    let server = Server::start(&["--no-cleartext-login"]);
    let mut c = server.connect();
    assert!(c.greeting.contains(" LOGINDISABLED"), "{}", c.greeting);
    let caps = caps_of(&c.ok("CAPABILITY")[0]);
    assert!(caps.iter().any(|c| c == "LOGINDISABLED"), "{caps:?}");
    assert!(caps.iter().any(|c| c == "STARTTLS"), "{caps:?}");
    assert!(!caps.iter().any(|c| c == "AUTH=PLAIN" || c == "AUTH=LOGIN"), "{caps:?}");

    assert_privacy_required(&c.cmd("LOGIN alice wonderland"));
    let ir = B64.encode(b"\0alice\0wonderland");
    assert_privacy_required(&c.cmd(&format!("AUTHENTICATE PLAIN {ir}")));
    assert_privacy_required(&c.cmd("AUTHENTICATE PLAIN"));
    assert_privacy_required(&c.cmd("AUTHENTICATE LOGIN"));
    // Refusals are not failed logins: the connection is still open after
    // more than three of them.
    assert_privacy_required(&c.cmd("LOGIN alice wonderland"));

    c.starttls(&server.cert());
    let caps = caps_of(&c.ok("CAPABILITY")[0]);
    assert!(!caps.iter().any(|c| c == "LOGINDISABLED" || c == "STARTTLS"), "{caps:?}");
    assert!(caps.iter().any(|c| c == "AUTH=PLAIN"), "{caps:?}");
    assert!(caps.iter().any(|c| c == "AUTH=LOGIN"), "{caps:?}");
    c.ok("LOGIN alice wonderland");
}

#[test]
fn authenticate_plain_works_after_starttls() {
    let server = Server::start(&["--no-cleartext-login"]);
    let mut c = server.connect();
    c.starttls(&server.cert());
    c.ok(&format!("AUTHENTICATE PLAIN {}", B64.encode(b"\0bob\0builder")));
}

#[test]
fn tls_port_allows_login_at_once() {
    let server = Server::start(&["--no-cleartext-login"]);
    let mut c = server.connect_tls();
    assert!(!c.greeting.contains("LOGINDISABLED"), "{}", c.greeting);
    assert!(c.greeting.contains("AUTH=PLAIN"), "{}", c.greeting);
    c.ok("LOGIN alice wonderland");
}
