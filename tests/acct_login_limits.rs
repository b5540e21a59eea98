//! Issue 8, item 4 (long input): a 1 MB password, as a LOGIN literal (both
//! synchronizing and LITERAL+) and as an AUTHENTICATE PLAIN message, is
//! refused before any hash is computed, and the session goes on.
//!
//! "Before hashing" is shown without timing: a LOGIN literal over 1 kB is
//! refused by the reader without a continuation, so the password never
//! reaches the login code; a long SASL message is refused with its own log
//! reason, which is decided before the account is looked at.

mod support;

use base64::engine::general_purpose::STANDARD as B64;
use base64::Engine;
use support::Server;

const MB: usize = 1024 * 1024;

#[test]
fn a_megabyte_login_literal_is_refused_without_reading_it() {
    let server = Server::start(&[]);
    let mut c = server.connect();
    c.send(format!("a1 LOGIN alice {{{MB}}}\r\n").as_bytes());
    // No "+ " continuation: the tagged NO comes at once.
    assert_eq!(c.line(), "a1 NO [AUTHENTICATIONFAILED] User name or password too long (limit 1024 octets)");
    c.ok("LOGIN alice wonderland");

    // LITERAL+: the octets come anyway; before login a literal over
    // --max-preauth-command is not read at all: the answer, BYE, and the
    // connection ends (issue 10).
    let mut c = server.connect();
    let mut cmd = format!("a2 LOGIN alice {{{MB}+}}\r\n").into_bytes();
    cmd.extend(std::iter::repeat_n(b'x', MB));
    cmd.extend_from_slice(b"\r\n");
    c.send_unchecked(&cmd);
    assert_eq!(c.line(), "a2 NO [AUTHENTICATIONFAILED] User name or password too long (limit 1024 octets)");
    assert!(c.line().starts_with("* BYE "));
    assert!(c.closed());
    // One that fits is skipped, never hashed.
    let mut c = server.connect();
    let mut cmd = b"a2 LOGIN alice {2000+}\r\n".to_vec();
    cmd.extend(std::iter::repeat_n(b'x', 2000));
    cmd.extend_from_slice(b"\r\n");
    c.send(&cmd);
    assert_eq!(c.line(), "a2 NO [AUTHENTICATIONFAILED] User name or password too long (limit 1024 octets)");
    c.ok("LOGIN alice wonderland");

    // A user-name literal over the limit as well.
    let mut c = server.connect();
    c.send(b"a3 LOGIN {2000}\r\n");
    assert!(c.line().starts_with("a3 NO [AUTHENTICATIONFAILED] "));
    // Exactly 1024 octets is still a (wrong) password, checked as usual.
    let mut c = server.connect();
    c.send(b"a4 LOGIN alice {1024}\r\n");
    assert!(c.line().starts_with("+ "));
    c.send(&[b'p'; 1024]);
    c.send(b"\r\n");
    assert_eq!(c.tagged("a4"), "a4 NO [AUTHENTICATIONFAILED] Authentication failed");
    let log = server.log();
    assert!(log.contains("login failed: rip=127.0.0.1 user=<alice> method=LOGIN reason=\"wrong password\""), "{log}");
}

#[test]
fn a_long_quoted_password_is_refused_before_the_account_is_checked() {
    let server = Server::start(&[]);
    let mut c = server.connect();
    let long = "p".repeat(1025);
    assert_eq!(
        c.cmd(&format!("LOGIN alice \"{long}\"")).pop().unwrap(),
        "t1 NO [AUTHENTICATIONFAILED] Authentication failed"
    );
    let log = server.log();
    assert!(log.contains("reason=\"user name or password longer than 1024 octets\""), "{log}");
}

#[test]
fn a_megabyte_authenticate_plain_message_is_refused() {
    // A command line long enough for a 1 MB initial response.
    let server = Server::start(&["--max-line", "4000000"]);
    let huge = B64.encode([b"\0alice\0".as_slice(), &vec![b'x'; MB]].concat());
    // As an initial response (SASL-IR).
    let mut c = server.connect();
    let r = c.cmd(&format!("AUTHENTICATE PLAIN {huge}")).pop().unwrap();
    assert_eq!(r, "t1 NO [AUTHENTICATIONFAILED] Authentication failed");
    // As the response to the empty challenge.
    let mut c = server.connect();
    c.send(b"a1 AUTHENTICATE PLAIN\r\n");
    assert_eq!(c.line(), "+ ");
    c.send(format!("{huge}\r\n").as_bytes());
    assert_eq!(c.tagged("a1"), "a1 NO [AUTHENTICATIONFAILED] Authentication failed");
    // The session goes on.
    c.ok(&format!("AUTHENTICATE PLAIN {}", B64.encode("\0alice\0wonderland")));
    let log = server.log();
    let refused: Vec<&str> =
        log.lines().filter(|l| l.contains("reason=\"SASL message longer than 1024 octets\"")).collect();
    assert_eq!(refused.len(), 2, "{log}");
    // Refused before any account was considered: no user in those lines.
    assert!(refused.iter().all(|l| !l.contains("user=<")), "{refused:?}");
}
