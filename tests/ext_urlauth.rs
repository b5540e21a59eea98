//! Issue 12, URLAUTH (RFC 4467): GENURLAUTH in one session, URLFETCH in
//! another (the RFC's submit+ example, with alice as the owner and bob as
//! the fetching user), RESETKEY making old URLs worthless, expiry, the
//! access identifiers, and NIL for anything not served.

mod support;

use support::{Client, Server};

const MSG: &str = "From: alice@example.org\r\nSubject: parts\r\nMIME-Version: 1.0\r\n\
Content-Type: multipart/mixed; boundary=\"b\"\r\n\r\n--b\r\nContent-Type: text/plain\r\n\r\n\
First part.\r\n--b\r\nContent-Type: text/plain\r\n\r\nSi vis pacem, para bellum.\r\n--b--\r\n";
const PART2: &str = "Si vis pacem, para bellum.";

/// GENURLAUTH of one rump; returns the full URL.
fn gen(c: &mut Client, rump: &str) -> String {
    let r = c.ok(&format!("GENURLAUTH \"{rump}\" INTERNAL"));
    let line = r[0].strip_prefix("* GENURLAUTH \"").unwrap_or_else(|| panic!("{r:?}"));
    let url = line.strip_suffix('"').unwrap().to_string();
    let (head, token) = url.rsplit_once(":internal:").unwrap();
    assert_eq!(head, rump);
    assert!(token.len() == 40 && token.bytes().all(|b| b.is_ascii_hexdigit()), "{token}");
    url
}

fn fetched(c: &mut Client, url: &str) -> Option<String> {
    let r = c.ok(&format!("URLFETCH \"{url}\""));
    let head = format!("* URLFETCH \"{url}\" ");
    let rest = r[0].strip_prefix(&head).unwrap_or_else(|| panic!("{r:?}"));
    if rest == "NIL" {
        return None;
    }
    let (len, data) = rest.split_once("}\r\n").unwrap();
    assert_eq!(len[1..].parse::<usize>().unwrap(), data.len());
    Some(data.to_string())
}

fn setup() -> (Server, Client, String) {
    let server = Server::start(&[]);
    let mut alice = server.login("alice");
    let caps = alice.ok("CAPABILITY")[0].clone();
    assert!(caps.split(' ').any(|w| w == "URLAUTH"), "{caps}");
    alice.append("INBOX", "", MSG.as_bytes());
    let v = Client::code(&alice.select("INBOX"), "UIDVALIDITY").unwrap();
    (server, alice, v)
}

#[test]
fn rfc_4467_url_made_in_one_session_is_fetched_in_another_until_resetkey() {
    let (server, mut alice, v) = setup();
    let rump = format!("imap://alice@example.com/INBOX;UIDVALIDITY={v}/;uid=1/;section=2;urlauth=submit+bob");
    let url = gen(&mut alice, &rump);
    // The submission server logs in as bob and fetches the part.
    let mut bob = server.login("bob");
    let r = bob.ok(&format!("URLFETCH \"{url}\""));
    assert_eq!(r[0], format!("* URLFETCH \"{url}\" {{{}}}\r\n{PART2}", PART2.len()));
    assert_eq!(r[1], format!("{} OK URLFETCH completed", r[1].split(' ').next().unwrap()));
    // Several URLs in one command, one response.
    let whole = gen(&mut alice, "imap://alice@example.com/INBOX/;UID=1;URLAUTH=authuser");
    let r = bob.ok(&format!("URLFETCH \"{url}\" \"{whole}\""));
    assert_eq!(
        r[0],
        format!("* URLFETCH \"{url}\" {{{}}}\r\n{PART2} \"{whole}\" {{{}}}\r\n{MSG}", PART2.len(), MSG.len())
    );
    // The token is bound to the rump: change the section and it fails.
    let other = url.replace(";section=2;", ";section=1;");
    assert_eq!(fetched(&mut bob, &other), None);
    let tampered = format!("{}{}", &url[..url.len() - 1], if url.ends_with('0') { "1" } else { "0" });
    assert_eq!(fetched(&mut bob, &tampered), None);
    // RESETKEY INBOX: URLs made with the old key are refused, in any session.
    let r = alice.ok("RESETKEY INBOX");
    assert!(r.last().unwrap().contains(" OK [URLMECH INTERNAL] "), "{r:?}");
    assert_eq!(fetched(&mut bob, &url), None);
    assert_eq!(fetched(&mut bob, &whole), None);
    // A new URL works again; RESETKEY without a mailbox removes all keys.
    let url2 = gen(&mut alice, &rump);
    assert_ne!(url2, url);
    assert_eq!(fetched(&mut bob, &url2).as_deref(), Some(PART2));
    alice.ok("RESETKEY");
    assert_eq!(fetched(&mut bob, &url2), None);
    // The keys are in a sidecar of alice's maildir, never world-readable.
    use std::os::unix::fs::PermissionsExt;
    let keys = server.maildir("alice").join("tegami-urlauth-keys");
    assert_eq!(std::fs::metadata(&keys).unwrap().permissions().mode() & 0o007, 0);
}

#[test]
fn access_identifiers_expiry_and_refusals() {
    let (server, mut alice, v) = setup();
    let base = format!("imap://alice@example.com/INBOX;UIDVALIDITY={v}/;UID=1/;SECTION=2");
    let mut bob = server.login("bob");
    // user+alice: only alice may fetch it.
    let mine = gen(&mut alice, &format!("{base};URLAUTH=user+alice"));
    assert_eq!(fetched(&mut bob, &mine), None);
    assert_eq!(fetched(&mut alice, &mine).as_deref(), Some(PART2));
    // submit+alice is not for bob either.
    let submit = gen(&mut alice, &format!("{base};URLAUTH=submit+alice"));
    assert_eq!(fetched(&mut bob, &submit), None);
    // authuser and anonymous: any logged-in session.
    for access in ["authuser", "anonymous"] {
        let u = gen(&mut alice, &format!("{base};URLAUTH={access}"));
        assert_eq!(fetched(&mut bob, &u).as_deref(), Some(PART2), "{access}");
    }
    // Expired URLs are refused; future ones are served.
    let past = gen(&mut alice, &format!("{base};EXPIRE=2006-06-02T20:00:00Z;URLAUTH=authuser"));
    assert_eq!(fetched(&mut bob, &past), None);
    let future = gen(&mut alice, &format!("{base};EXPIRE=2999-01-01T00:00:00+01:00;URLAUTH=authuser"));
    assert_eq!(fetched(&mut bob, &future).as_deref(), Some(PART2));
    // An EXPIRE cannot be stripped or changed without the token failing.
    let stripped = future.replace(";EXPIRE=2999-01-01T00:00:00+01:00", "");
    assert_eq!(fetched(&mut bob, &stripped), None);
    // NIL for anything invalid: no URLAUTH, junk, a message that is not there.
    for junk in [
        base.to_string(),
        "imap://alice@example.com/INBOX/;UID=1;URLAUTH=authuser".to_string(),
        "not a url".to_string(),
        format!("imap://alice@example.com/INBOX/;UID=99;URLAUTH=authuser:internal:{}", "0".repeat(40)),
        format!("imap://nobody@example.com/INBOX/;UID=1;URLAUTH=authuser:internal:{}", "0".repeat(40)),
    ] {
        assert_eq!(fetched(&mut bob, &junk), None, "{junk}");
    }
    // GENURLAUTH refuses others' mailboxes, missing messages, bad rumps and
    // unknown mechanisms.
    for (cmd, code) in [
        ("GENURLAUTH \"imap://bob@example.com/INBOX/;UID=1;URLAUTH=authuser\" INTERNAL", "[BADURL "),
        (&format!("GENURLAUTH \"{base};URLAUTH=authuser\" XSAMPLE")[..], "[CANNOT]"),
        ("GENURLAUTH \"imap://alice@example.com/INBOX/;UID=9;URLAUTH=authuser\" INTERNAL", "[BADURL "),
        (&format!("GENURLAUTH \"{base}\" INTERNAL")[..], "[BADURL "),
    ] {
        let r = alice.cmd(cmd);
        assert!(r.last().unwrap().contains(&format!(" NO {code}")), "{cmd}: {r:?}");
    }
    let r = alice.cmd("GENURLAUTH");
    assert!(r.last().unwrap().contains(" BAD "), "{r:?}");
    let r = alice.cmd("RESETKEY nosuchbox");
    assert!(r.last().unwrap().contains(" NO [NONEXISTENT]"), "{r:?}");
    // Before login, URLFETCH is refused.
    let mut anon = server.connect();
    let r = anon.cmd(&format!("URLFETCH \"{future}\""));
    assert!(r.last().unwrap().contains(" BAD "), "{r:?}");
    // The key survives a restart of the server.
    drop((alice, bob, anon));
    let mut server = server;
    server.restart(&[]);
    let mut bob = server.login("bob");
    assert_eq!(fetched(&mut bob, &future).as_deref(), Some(PART2));
}

#[test]
fn the_submission_server_login_fetches_submit_urls() {
    // bob is the account the submission server logs in as.
    let server = Server::start(&["--urlauth-submit-user", "bob"]);
    let mut alice = server.login("alice");
    alice.append("INBOX", "", MSG.as_bytes());
    alice.select("INBOX");
    let submit = gen(&mut alice, "imap://alice@example.com/INBOX/;UID=1/;SECTION=2;URLAUTH=submit+alice");
    let user = gen(&mut alice, "imap://alice@example.com/INBOX/;UID=1/;SECTION=2;URLAUTH=user+alice");
    let mut bob = server.login("bob");
    assert_eq!(fetched(&mut bob, &submit).as_deref(), Some(PART2));
    // user+ stays alice's alone.
    assert_eq!(fetched(&mut bob, &user), None);
    assert_eq!(fetched(&mut alice, &submit).as_deref(), Some(PART2));
}
