//! Issue 2, item 2: LOGIN for every hash scheme of the fixture, AUTHENTICATE
//! PLAIN / LOGIN / CRAM-MD5 / SCRAM-SHA-256 computed here, user names and
//! passwords in every string form, and the close after three failures.

mod support;

use base64::engine::general_purpose::STANDARD as B64;
use base64::Engine;
use hmac::{Hmac, Mac};
use sha2::{Digest, Sha256};
use support::{fixture_accounts, Client, Server};

fn is_ok(line: &str) -> bool {
    line.split(' ').nth(1) == Some("OK")
}

fn assert_auth_failed(line: &str) {
    assert!(line.contains(" NO [AUTHENTICATIONFAILED]"), "{line}");
}

/// A quoted string with `"` and `\` escaped.
fn quoted(s: &str) -> String {
    format!("\"{}\"", s.replace('\\', "\\\\").replace('"', "\\\""))
}

#[test]
fn login_right_and_wrong_for_every_hash_scheme() {
    let server = Server::start_fixture(&[]);
    let accounts = fixture_accounts();
    assert!(accounts.len() >= 15, "fixture parsed: {accounts:?}");
    for (user, password) in &accounts {
        let mut c = server.connect();
        let wrong = c.cmd(&format!("LOGIN {} {}", quoted(user), quoted(&format!("{password}x"))));
        assert_eq!(wrong.len(), 1, "{user}: {wrong:?}");
        assert_auth_failed(&wrong[0]);
        // The connection stays usable, still not logged in.
        assert!(c.cmd("SELECT INBOX").last().unwrap().contains(" BAD "), "{user}");
        let right = c.cmd(&format!("LOGIN {} {}", quoted(user), quoted(password)));
        assert!(is_ok(right.last().unwrap()), "{user} with {password:?}: {right:?}");
        c.ok("LOGOUT");
    }
    let log = server.log();
    assert!(log.contains("login failed: rip=127.0.0.1 user=<sha512crypt@example.org> "), "{log}");
}

#[test]
fn unknown_user_and_empty_password_fail_like_a_wrong_password() {
    let server = Server::start_fixture(&[]);
    let mut c = server.connect();
    assert_auth_failed(&c.cmd("LOGIN nobody@example.org Tegami-plain")[0]);
    assert_auth_failed(&c.cmd("LOGIN plain@example.org \"\"")[0]);
    c.ok("LOGIN plain@example.org Tegami-plain");
}

#[test]
fn three_failures_close_the_connection_with_bye() {
    let server = Server::start(&[]);
    let mut c = server.connect();
    for _ in 0..2 {
        assert_auth_failed(&c.cmd("LOGIN alice nope")[0]);
    }
    let third = c.cmd("LOGIN alice nope");
    assert!(third.iter().any(|l| l.starts_with("* BYE")), "{third:?}");
    assert_auth_failed(third.last().unwrap());
    assert!(c.closed());
    // Failures of one connection do not lock out the next.
    server.login("alice");
}

#[test]
fn sasl_failures_count_too() {
    let server = Server::start(&[]);
    let mut c = server.connect();
    let bad = B64.encode(b"\0alice\0nope");
    for _ in 0..2 {
        assert_auth_failed(&c.cmd(&format!("AUTHENTICATE PLAIN {bad}"))[0]);
    }
    let third = c.cmd(&format!("AUTHENTICATE PLAIN {bad}"));
    assert!(third.iter().any(|l| l.starts_with("* BYE")), "{third:?}");
    assert!(c.closed());
}

#[test]
fn user_and_password_as_atoms_quoted_strings_and_literals() {
    let server = Server::start_with(&[], |d| {
        let mut p = std::fs::read_to_string(d.join("passwd")).unwrap();
        let home = d.join("home");
        p.push_str(&format!("quote:{{PLAIN}}pa\"ss\\word::::{}/quote::\n", home.display()));
        p.push_str(&format!("spaced:{{PLAIN}}two words::::{}/spaced::\n", home.display()));
        std::fs::write(d.join("passwd"), p).unwrap();
    });
    // Atoms.
    server.connect().ok("LOGIN alice wonderland");
    // Quoted strings, also with escapes.
    server.connect().ok("LOGIN \"alice\" \"wonderland\"");
    server.connect().ok("LOGIN \"quote\" \"pa\\\"ss\\\\word\"");
    server.connect().ok("LOGIN spaced \"two words\"");
    // Synchronizing literals: each waits for the `+` continuation.
    let mut c = server.connect();
    c.send(b"s1 LOGIN {5}\r\n");
    assert!(c.line().starts_with("+ "));
    c.send(b"alice {10}\r\n");
    assert!(c.line().starts_with("+ "));
    c.send(b"wonderland\r\n");
    assert!(is_ok(&c.tagged("s1")));
    // A literal holding the quote and backslash as they are.
    let mut c = server.connect();
    c.send(b"s2 LOGIN quote {10}\r\n");
    assert!(c.line().starts_with("+ "));
    c.send(b"pa\"ss\\word\r\n");
    assert!(is_ok(&c.tagged("s2")));
    // LITERAL+: everything in one write, no continuation expected.
    let mut c = server.connect();
    c.send(b"p1 LOGIN {5+}\r\nalice {10+}\r\nwonderland\r\n");
    let lines = c.until_tagged("p1");
    assert_eq!(lines.len(), 1, "no continuation for LITERAL+: {lines:?}");
    assert!(is_ok(&lines[0]));
    // A wrong password in a literal fails like any other.
    let mut c = server.connect();
    c.send(b"p2 LOGIN alice {5+}\r\nwrong\r\n");
    assert_auth_failed(&c.tagged("p2"));
    c.ok("LOGIN {3+}\r\nbob \"builder\"");
}

#[test]
fn authenticate_plain_with_and_without_initial_response() {
    let server = Server::start(&[]);
    let ir = B64.encode(b"\0alice\0wonderland");
    // SASL-IR.
    let mut c = server.connect();
    let lines = c.ok(&format!("AUTHENTICATE PLAIN {ir}"));
    assert!(lines.last().unwrap().contains("[CAPABILITY "), "{lines:?}");
    // Without: an empty `+ ` continuation, then the response.
    let mut c = server.connect();
    c.send(b"a1 AUTHENTICATE PLAIN\r\n");
    assert_eq!(c.line(), "+ ");
    c.send(format!("{ir}\r\n").as_bytes());
    assert!(is_ok(&c.tagged("a1")));
    // An authorization identity equal to the user is accepted.
    let mut c = server.connect();
    c.ok(&format!("AUTHENTICATE PLAIN {}", B64.encode(b"bob\0bob\0builder")));
    // The mechanism name is case-insensitive.
    let mut c = server.connect();
    c.ok(&format!("authenticate plain {ir}"));
    // A wrong password.
    let mut c = server.connect();
    assert_auth_failed(&c.cmd(&format!("AUTHENTICATE PLAIN {}", B64.encode(b"\0alice\0nope")))[0]);
    c.ok(&format!("AUTHENTICATE PLAIN {ir}"));
}

#[test]
fn authenticate_cancelled_or_bad_base64_is_bad_and_the_session_goes_on() {
    let server = Server::start(&[]);
    let mut c = server.connect();
    c.send(b"a1 AUTHENTICATE PLAIN\r\n");
    assert_eq!(c.line(), "+ ");
    c.send(b"*\r\n");
    assert!(c.tagged("a1").starts_with("a1 BAD "));
    c.send(b"a2 AUTHENTICATE PLAIN\r\n");
    assert_eq!(c.line(), "+ ");
    c.send(b"!!not base64!!\r\n");
    assert!(c.tagged("a2").starts_with("a2 BAD "));
    // Bad base64 as initial response.
    let ir = c.cmd("AUTHENTICATE PLAIN !!!!");
    assert!(ir.last().unwrap().contains(" BAD "), "{ir:?}");
    // Unknown mechanism.
    let unknown = c.cmd("AUTHENTICATE KERBEROS_V4");
    assert!(unknown.last().unwrap().contains(" NO "), "{unknown:?}");
    // Only the cancel counted as a failed login: the connection still takes a login.
    c.ok("LOGIN alice wonderland");
}

#[test]
fn authenticate_login_with_and_without_initial_response() {
    let server = Server::start(&[]);
    let mut c = server.connect();
    c.send(b"l1 AUTHENTICATE LOGIN\r\n");
    assert_eq!(c.line(), format!("+ {}", B64.encode("Username:")));
    c.send(format!("{}\r\n", B64.encode("alice")).as_bytes());
    assert_eq!(c.line(), format!("+ {}", B64.encode("Password:")));
    c.send(format!("{}\r\n", B64.encode("wonderland")).as_bytes());
    assert!(is_ok(&c.tagged("l1")));
    // With the user name as initial response.
    let mut c = server.connect();
    c.send(format!("l2 AUTHENTICATE LOGIN {}\r\n", B64.encode("bob")).as_bytes());
    assert_eq!(c.line(), format!("+ {}", B64.encode("Password:")));
    c.send(format!("{}\r\n", B64.encode("wrong")).as_bytes());
    assert_auth_failed(&c.tagged("l2"));
}

#[test]
fn authenticate_cram_md5() {
    let server = Server::start_fixture(&["--auth-mechanisms", "plain login cram-md5"]);
    for (user, password, good) in [
        ("plain@example.org", "Tegami-plain", true),
        ("plain@example.org", "wrong", false),
        // Only cleartext entries can do CRAM-MD5.
        ("sha512crypt@example.org", "Tegami-512", false),
    ] {
        let mut c = server.connect();
        c.send(b"c1 AUTHENTICATE CRAM-MD5\r\n");
        let challenge = c.line();
        let challenge = B64.decode(challenge.strip_prefix("+ ").expect("continuation")).unwrap();
        assert!(challenge.starts_with(b"<") && challenge.ends_with(b">"), "{challenge:?}");
        let mut mac = Hmac::<md5::Md5>::new_from_slice(password.as_bytes()).unwrap();
        mac.update(&challenge);
        let hex: String = mac.finalize().into_bytes().iter().map(|b| format!("{b:02x}")).collect();
        c.send(format!("{}\r\n", B64.encode(format!("{user} {hex}"))).as_bytes());
        let done = c.tagged("c1");
        if good {
            assert!(is_ok(&done), "{user}: {done}");
        } else {
            assert_auth_failed(&done);
        }
    }
}

fn hmac256(key: &[u8], data: &[u8]) -> Vec<u8> {
    let mut m = Hmac::<Sha256>::new_from_slice(key).unwrap();
    m.update(data);
    m.finalize().into_bytes().to_vec()
}

/// Runs a SCRAM-SHA-256 exchange (RFC 5802 / 7677) computed here; returns
/// the tagged line.
fn scram(c: &mut Client, user: &str, password: &str) -> String {
    let cnonce = "rOprNGfwEbeRWgbNEkqO";
    let first_bare = format!("n={user},r={cnonce}");
    c.send(format!("s1 AUTHENTICATE SCRAM-SHA-256 {}\r\n", B64.encode(format!("n,,{first_bare}"))).as_bytes());
    let line = c.line();
    let server_first = String::from_utf8(B64.decode(line.strip_prefix("+ ").expect(&line)).unwrap()).unwrap();
    let mut nonce = "";
    let mut salt = Vec::new();
    let mut iterations = 0u32;
    for part in server_first.split(',') {
        match part.split_at(2) {
            ("r=", v) => nonce = v,
            ("s=", v) => salt = B64.decode(v).unwrap(),
            ("i=", v) => iterations = v.parse().unwrap(),
            _ => {}
        }
    }
    assert!(nonce.starts_with(cnonce) && nonce.len() > cnonce.len(), "{server_first}");
    assert!(iterations >= 4096, "{server_first}");
    let mut salted = [0u8; 32];
    pbkdf2::pbkdf2_hmac::<Sha256>(password.as_bytes(), &salt, iterations, &mut salted);
    let client_key = hmac256(&salted, b"Client Key");
    let stored_key = Sha256::digest(&client_key);
    let without_proof = format!("c=biws,r={nonce}");
    let auth_message = format!("{first_bare},{server_first},{without_proof}");
    let signature = hmac256(&stored_key, auth_message.as_bytes());
    let proof: Vec<u8> = client_key.iter().zip(&signature).map(|(a, b)| a ^ b).collect();
    c.send(format!("{}\r\n", B64.encode(format!("{without_proof},p={}", B64.encode(proof)))).as_bytes());
    let line = c.line();
    let Some(final_b64) = line.strip_prefix("+ ") else {
        return line; // the tagged NO
    };
    let server_final = String::from_utf8(B64.decode(final_b64).unwrap()).unwrap();
    let server_key = hmac256(&salted, b"Server Key");
    let expected = B64.encode(hmac256(&server_key, auth_message.as_bytes()));
    assert_eq!(server_final, format!("v={expected}"), "the server proves it knows the password");
    c.send(b"\r\n");
    c.tagged("s1")
}

#[test]
fn authenticate_scram_sha_256_with_stored_keys_and_cleartext_entries() {
    let server = Server::start_fixture(&["--auth-mechanisms", "plain login scram-sha-256"]);
    assert!(is_ok(&scram(&mut server.connect(), "scram@example.org", "Tegami-scram")));
    assert!(is_ok(&scram(&mut server.connect(), "plain@example.org", "Tegami-plain")));
    assert_auth_failed(&scram(&mut server.connect(), "scram@example.org", "wrong"));
    assert_auth_failed(&scram(&mut server.connect(), "nobody@example.org", "Tegami-scram"));
}
