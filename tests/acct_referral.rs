//! Issue 8, item 6: login referrals (RFC 2221) from Dovecot's fields
//! (`nologin=y host=H user=U`, `proxy=y host=H`) and from a CommuniGate
//! router file, byte-exact on LOGIN and AUTHENTICATE, only once the
//! password checked out; `LOGIN-REFERRALS` advertised; a router alias to a
//! local account logs in as that account.

mod support;

use std::path::Path;

use base64::engine::general_purpose::STANDARD as B64;
use base64::Engine;
use support::{Client, Server};

const MOVED: &str = "NO [REFERRAL IMAP://John;AUTH=*@othercompany.com/] account has been moved to a remote system";

fn line(d: &Path, name: &str, extra: &str) -> String {
    let hash = tegami::auth::hash_password("SHA512-CRYPT", format!("{name}-pw").as_bytes()).unwrap();
    format!("{name}:{hash}::::{}::{extra}\n", d.join("home").join(name).display())
}

fn prepare(d: &Path) {
    let passwd = [
        line(d, "alice", ""),
        line(d, "moved", "nologin=y host=othercompany.com user=John"),
        line(d, "proxied", "proxy=y host=10.2.3.4 port=1143"),
        line(d, "odd", "nologin=y host=other.example user=a;b@c/d"),
        line(d, "j.smith", ""),
    ]
    .concat();
    std::fs::write(d.join("passwd"), passwd).unwrap();
    std::fs::write(
        d.join("router"),
        "; CommuniGate-style router records\n<j.smith> = John@othercompany.com\n<a.liddell> = alice\n",
    )
    .unwrap();
}

/// Starts with `--router DIR/router` (the path is known only after start_with made the dir).
fn start_with_router() -> Server {
    let dir = tempfile::tempdir().unwrap();
    let router = dir.path().join("router");
    let r = router.to_str().unwrap().to_string();
    Server::start_in(dir, &["--router", &r], prepare)
}

fn login(c: &mut Client, user: &str, pw: &str) -> String {
    c.cmd(&format!("LOGIN {user} {pw}")).pop().unwrap()
}

fn plain(c: &mut Client, user: &str, pw: &str) -> String {
    c.cmd(&format!("AUTHENTICATE PLAIN {}", B64.encode(format!("\0{user}\0{pw}")))).pop().unwrap()
}

#[test]
fn referrals_from_dovecot_fields_and_router_records_are_byte_exact() {
    let server = start_with_router();
    let mut c = server.connect();
    assert!(c.greeting.contains(" LOGIN-REFERRALS "), "{}", c.greeting);
    let caps = c.cmd("CAPABILITY");
    assert!(caps[0].split(' ').any(|w| w == "LOGIN-REFERRALS"), "{caps:?}");

    for (user, want) in [
        ("moved", MOVED.to_string()),
        ("j.smith", MOVED.to_string()),
        (
            "proxied",
            "NO [REFERRAL IMAP://proxied;AUTH=*@10.2.3.4:1143/] account has been moved to a remote system".into(),
        ),
        (
            "odd",
            "NO [REFERRAL IMAP://a%3Bb%40c%2Fd;AUTH=*@other.example/] account has been moved to a remote system".into(),
        ),
    ] {
        let pw = format!("{user}-pw");
        let mut c = server.connect();
        assert_eq!(login(&mut c, user, &pw), format!("t1 {want}"), "LOGIN {user}");
        // Not logged in.
        assert!(c.cmd("SELECT INBOX").pop().unwrap().contains(" BAD "));
        let mut c = server.connect();
        assert_eq!(plain(&mut c, user, &pw), format!("t1 {want}"), "AUTHENTICATE PLAIN {user}");
        // Only after the password checked out (Dovecot refers after authentication).
        let mut c = server.connect();
        assert_eq!(login(&mut c, user, "wrong"), "t1 NO [AUTHENTICATIONFAILED] Authentication failed", "{user}");
    }
    let log = server.log();
    assert!(log.contains("login of j.smith referred to IMAP://John;AUTH=*@othercompany.com/ (router record <j.smith> = John@othercompany.com)"), "{log}");
}

#[test]
fn a_router_alias_logs_in_as_the_local_account() {
    let server = start_with_router();
    let mut c = server.connect();
    let r = login(&mut c, "a.liddell", "alice-pw");
    assert!(r.starts_with("t1 OK "), "{r}");
    c.ok("SELECT INBOX");
    let appended = c.append("INBOX", "", &support::message("through the alias"));
    assert!(appended.last().unwrap().contains(" OK "), "{appended:?}");
    // The message is in alice's maildir: the alias is alice.
    let cur = support::files(&server.maildir("alice").join("cur"));
    let new = support::files(&server.maildir("alice").join("new"));
    assert_eq!(cur.len() + new.len(), 1, "{cur:?} {new:?}");
    assert!(!server.dir.path().join("home/a.liddell").exists());
    assert!(server.log().contains("login alice (LOGIN)"), "{}", server.log());
    // By AUTHENTICATE too, with alice's password only.
    assert!(plain(&mut server.connect(), "A.Liddell", "alice-pw").contains(" OK "));
    assert!(plain(&mut server.connect(), "a.liddell", "a.liddell-pw").contains(" NO "));
}
