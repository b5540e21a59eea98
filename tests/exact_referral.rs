//! Issue 21, item 6: the login referral of an account that moved away and
//! left only a router record (`<j.smith> = John@othercompany.com`, no
//! passwd-file entry) comes at once, whatever the password, on LOGIN and
//! AUTHENTICATE PLAIN; a name that also has a local entry (SHA512-CRYPT)
//! keeps the order it had: the password first, then the referral.

mod support;

use std::path::Path;

use base64::engine::general_purpose::STANDARD as B64;
use base64::Engine;
use support::{Client, Server};

const JOHN: &str = "NO [REFERRAL IMAP://John;AUTH=*@othercompany.com/] account has been moved to a remote system";
const KATE: &str = "NO [REFERRAL IMAP://Kate;AUTH=*@elsewhere.example/] account has been moved to a remote system";
const FAILED: &str = "NO [AUTHENTICATIONFAILED] Authentication failed";

/// alice and k.jones in the passwd-file; j.smith only in the router file.
fn prepare(d: &Path) {
    support::write_hashed_passwd(d, &[("alice", "wonderland"), ("k.jones", "kate-pw")]);
    let router = "; moved away, no local account left\n<j.smith> = John@othercompany.com\n\
                  ; moved, the local entry still there\n<k.jones> = Kate@elsewhere.example\n";
    std::fs::write(d.join("router"), router).unwrap();
}

fn start() -> Server {
    let dir = tempfile::tempdir().unwrap();
    let router = dir.path().join("router").to_str().unwrap().to_string();
    Server::start_in(dir, &["--router", &router], prepare)
}

fn login(c: &mut Client, user: &str, pw: &str) -> String {
    c.cmd(&format!("LOGIN {user} {pw}")).pop().unwrap()
}

/// AUTHENTICATE PLAIN with the message as an initial response (SASL-IR).
fn plain(c: &mut Client, user: &str, pw: &str) -> String {
    c.cmd(&format!("AUTHENTICATE PLAIN {}", B64.encode(format!("\0{user}\0{pw}")))).pop().unwrap()
}

/// AUTHENTICATE PLAIN after the empty challenge, as clients without
/// SASL-IR do.
fn plain_continued(c: &mut Client, user: &str, pw: &str) -> String {
    let tag = c.next_tag();
    c.send(format!("{tag} AUTHENTICATE PLAIN\r\n").as_bytes());
    assert_eq!(c.line(), "+ ");
    c.send(format!("{}\r\n", B64.encode(format!("\0{user}\0{pw}"))).as_bytes());
    c.until_tagged(&tag).pop().unwrap()
}

/// Not logged in: a command of the authenticated state is refused.
fn not_logged_in(c: &mut Client) {
    let r = c.cmd("SELECT INBOX").pop().unwrap();
    assert!(r.contains(" BAD "), "{r}");
}

/// A name with only a router record: the referral, byte for byte, with a
/// wrong password, an empty one and in any letter case, by LOGIN and by
/// AUTHENTICATE PLAIN; a name in neither file still fails.
#[test]
fn a_router_record_alone_refers_whatever_the_password() {
    let server = start();
    for pw in ["anything", "\"\"", "kate-pw"] {
        let mut c = server.connect();
        assert_eq!(login(&mut c, "j.smith", pw), format!("t1 {JOHN}"), "LOGIN j.smith {pw}");
        not_logged_in(&mut c);
    }
    let mut c = server.connect();
    assert_eq!(login(&mut c, "J.Smith", "x"), format!("t1 {JOHN}"), "the username format applies");
    let mut c = server.connect();
    assert_eq!(plain(&mut c, "j.smith", "anything"), format!("t1 {JOHN}"));
    not_logged_in(&mut c);
    let mut c = server.connect();
    assert_eq!(plain_continued(&mut c, "j.smith", "anything"), format!("t1 {JOHN}"));
    let mut c = server.connect();
    assert_eq!(login(&mut c, "nobody", "anything"), format!("t1 {FAILED}"));
    assert_eq!(plain(&mut c, "nobody", "anything"), format!("t2 {FAILED}"));
    // The log says why; a referral is not a failed login for fail2ban.
    let log = server.log();
    let why = "(router record <j.smith> = John@othercompany.com, no passwd-file entry)";
    assert!(log.contains(&format!("login of j.smith referred to IMAP://John;AUTH=*@othercompany.com/ {why}")), "{log}");
    assert!(!log.lines().any(|l| l.contains("login failed") && l.contains("j.smith")), "{log}");
}

/// A name with a local entry and a router record: a wrong password fails
/// like any other, the right one gets the referral, on LOGIN and PLAIN.
#[test]
fn a_local_entry_keeps_the_password_first() {
    let server = start();
    let mut c = server.connect();
    assert_eq!(login(&mut c, "k.jones", "wrong"), format!("t1 {FAILED}"));
    assert_eq!(login(&mut c, "k.jones", "kate-pw"), format!("t2 {KATE}"));
    not_logged_in(&mut c);
    let mut c = server.connect();
    assert_eq!(plain(&mut c, "k.jones", "wrong"), format!("t1 {FAILED}"));
    assert_eq!(plain(&mut c, "k.jones", "kate-pw"), format!("t2 {KATE}"));
    let mut c = server.connect();
    assert_eq!(plain_continued(&mut c, "k.jones", "wrong"), format!("t1 {FAILED}"));
    assert_eq!(plain_continued(&mut c, "k.jones", "kate-pw"), format!("t2 {KATE}"));
    let log = server.log();
    assert!(log.lines().any(|l| l.contains("login failed") && l.contains("user=<k.jones>")), "{log}");
}

/// Both kinds in one connection, in either order, then a real login: a
/// referral uses up nothing of the connection.
#[test]
fn moved_and_local_names_in_either_order() {
    let server = start();
    for order in [["j.smith", "k.jones"], ["k.jones", "j.smith"]] {
        let mut c = server.connect();
        for (i, user) in order.iter().enumerate() {
            let want = if *user == "j.smith" { JOHN } else { KATE };
            let pw = if *user == "j.smith" { "anything" } else { "kate-pw" };
            assert_eq!(login(&mut c, user, pw), format!("t{} {want}", 2 * i + 1), "{order:?}");
            assert_eq!(plain(&mut c, user, pw), format!("t{} {want}", 2 * i + 2), "{order:?}");
        }
        assert!(login(&mut c, "alice", "wonderland").starts_with("t5 OK [CAPABILITY "));
    }
}
