//! Issue 2, item 1: the greeting and CAPABILITY, on clear text, after
//! STARTTLS, on the TLS port and after login.

mod support;

use support::{Client, Server};

/// The capability atoms of a `[CAPABILITY ...]` code or `* CAPABILITY` line.
fn atoms(line: &str) -> Vec<String> {
    let text = if let Some(start) = line.find("[CAPABILITY ") {
        let rest = &line[start + "[CAPABILITY ".len()..];
        &rest[..rest.find(']').expect("closing bracket")]
    } else {
        line.strip_prefix("* CAPABILITY ").unwrap_or_else(|| panic!("no capability list in {line:?}"))
    };
    text.split(' ').map(str::to_string).collect()
}

/// The untagged CAPABILITY answer of a CAPABILITY command.
fn capability(c: &mut Client) -> Vec<String> {
    let lines = c.ok("CAPABILITY");
    assert_eq!(lines.len(), 2, "{lines:?}");
    atoms(&lines[0])
}

const ALWAYS: &[&str] = &["IMAP4rev1", "SASL-IR", "LITERAL+", "ID", "ENABLE"];

fn assert_has(caps: &[String], want: &[&str]) {
    for w in want {
        assert!(caps.iter().any(|c| c == w), "{w} missing from {caps:?}");
    }
}

fn assert_lacks(caps: &[String], unwanted: &[&str]) {
    for u in unwanted {
        assert!(!caps.iter().any(|c| c.eq_ignore_ascii_case(u)), "{u} should not be in {caps:?}");
    }
}

#[test]
fn clear_text_greeting_and_capability_offer_starttls_and_auth() {
    let server = Server::start(&[]);
    let mut c = server.connect();
    assert!(c.greeting.starts_with("* OK [CAPABILITY "), "{}", c.greeting);
    let greeted = atoms(&c.greeting);
    assert_eq!(greeted[0], "IMAP4rev1", "IMAP4rev1 comes first: {greeted:?}");
    assert_has(&greeted, ALWAYS);
    assert_has(&greeted, &["STARTTLS", "AUTH=PLAIN", "AUTH=LOGIN"]);
    assert_lacks(&greeted, &["LOGINDISABLED"]);
    let asked = capability(&mut c);
    assert_eq!(asked, greeted, "the greeting and CAPABILITY agree");
    // Every atom once.
    let mut sorted = asked.clone();
    sorted.sort();
    sorted.dedup();
    assert_eq!(sorted.len(), asked.len(), "duplicates in {asked:?}");
}

#[test]
fn tls_port_never_offers_starttls() {
    let server = Server::start(&[]);
    let mut c = server.connect_tls();
    let greeted = atoms(&c.greeting);
    assert_has(&greeted, ALWAYS);
    assert_has(&greeted, &["AUTH=PLAIN", "AUTH=LOGIN"]);
    assert_lacks(&greeted, &["STARTTLS", "LOGINDISABLED"]);
    assert_eq!(capability(&mut c), greeted);
}

#[test]
fn starttls_removes_starttls_from_the_list() {
    let server = Server::start(&[]);
    let mut c = server.connect();
    c.starttls(&server.cert());
    let caps = capability(&mut c);
    assert_has(&caps, ALWAYS);
    assert_has(&caps, &["AUTH=PLAIN", "AUTH=LOGIN"]);
    assert_lacks(&caps, &["STARTTLS"]);
    // A second STARTTLS is refused, the session goes on.
    let again = c.cmd("STARTTLS");
    assert!(again.last().unwrap().contains(" BAD "), "{again:?}");
    c.ok("NOOP");
}

#[test]
fn login_ok_carries_the_new_capabilities_without_starttls_or_auth() {
    let server = Server::start(&[]);
    let mut c = server.connect();
    let lines = c.ok("LOGIN alice wonderland");
    let tagged = lines.last().unwrap();
    assert!(tagged.contains(" OK [CAPABILITY "), "{tagged}");
    let after = atoms(tagged);
    assert_has(&after, ALWAYS);
    assert_lacks(&after, &["STARTTLS", "AUTH=PLAIN", "AUTH=LOGIN", "LOGINDISABLED"]);
    assert_eq!(capability(&mut c), after);
    // STARTTLS after login is a state error.
    let st = c.cmd("STARTTLS");
    assert!(st.last().unwrap().contains(" BAD "), "{st:?}");
    c.ok("NOOP");
}

#[test]
fn login_ok_over_tls_carries_capabilities() {
    let server = Server::start(&[]);
    let mut c = server.connect_tls();
    let lines = c.ok("LOGIN bob builder");
    let after = atoms(lines.last().unwrap());
    assert_has(&after, ALWAYS);
    assert_lacks(&after, &["STARTTLS", "AUTH=PLAIN"]);
}

#[test]
fn noop_id_enable_and_logout() {
    let server = Server::start(&[]);
    let mut c = server.connect();
    assert_eq!(c.ok("NOOP").len(), 1);
    let id = c.ok("ID (\"name\" \"tegami-test\")");
    assert!(id[0].starts_with("* ID (") && id[0].contains("\"name\" \"tegami\""), "{id:?}");
    let id_nil = c.ok("ID NIL");
    assert!(id_nil[0].starts_with("* ID ("), "{id_nil:?}");
    // ENABLE needs a login (RFC 5161 section 3.1).
    let early = c.cmd("ENABLE CONDSTORE");
    assert!(early.last().unwrap().contains(" BAD "), "{early:?}");
    c.ok("LOGIN alice wonderland");
    let en = c.ok("ENABLE CONDSTORE");
    assert!(en[0].starts_with("* ENABLED"), "{en:?}");
    let bye = c.ok("LOGOUT");
    assert!(bye[0].starts_with("* BYE"), "{bye:?}");
    assert!(c.closed());
}
