//! Issue 8, item 1: Dovecot's passdb extra fields in the passwd-file
//! (`nologin`, `nologin reason=`, `fail`, `allow_nets`) refuse or admit
//! exactly as Dovecot would; a reload drops removed accounts; a broken line
//! is skipped and logged while the rest stays in force; unknown fields are
//! logged once.

mod support;

use std::net::Ipv4Addr;
use std::path::Path;

use base64::engine::general_purpose::STANDARD as B64;
use base64::Engine;
use support::{Client, Server};

/// A passwd-file line as an administrator writes it: SHA512-CRYPT hash, a
/// home in the test directory, Dovecot extra fields.
fn line(d: &Path, name: &str, password: &str, extra: &str) -> String {
    let hash = tegami::auth::hash_password("SHA512-CRYPT", password.as_bytes()).unwrap();
    format!("{name}:{hash}:{}::{}::{extra}\n", support::own_ids(), d.join("home").join(name).display())
}

fn server_with(lines: &[(&str, &str)]) -> Server {
    let lines: Vec<(String, String)> = lines.iter().map(|(n, e)| (n.to_string(), e.to_string())).collect();
    // Logins come from 127.0.0.2 and .3 in clear text: other hosts.
    Server::start_with(&["--allow-cleartext-login"], move |d| {
        let text: String = lines.iter().map(|(n, e)| line(d, n, &format!("{n}-pw"), e)).collect();
        std::fs::write(d.join("passwd"), text).unwrap();
    })
}

/// The tagged reply of `LOGIN name password` on a fresh connection, and
/// whether the session is logged in afterwards.
fn login(c: &mut Client, name: &str, password: &str) -> (String, bool) {
    let reply = c.cmd(&format!("LOGIN {name} {password}")).pop().unwrap();
    let logged_in = c.cmd("SELECT INBOX").pop().unwrap().contains(" OK ");
    (reply, logged_in)
}

fn plain(c: &mut Client, name: &str, password: &str) -> String {
    c.cmd(&format!("AUTHENTICATE PLAIN {}", B64.encode(format!("\0{name}\0{password}")))).pop().unwrap()
}

const FAILED: &str = "NO [AUTHENTICATIONFAILED] Authentication failed";

#[test]
fn nologin_fail_and_allow_nets_refuse_or_admit_as_dovecot_does() {
    let server = server_with(&[
        ("open", ""),
        ("off", "nologin=y"),
        ("bare", "nologin"),
        ("locked", "nologin=y reason=Locked-by-the-administrator"),
        ("failing", "fail=y"),
        ("inside", "allow_nets=10.0.0.0/8,127.0.0.0/8,::1"),
        ("outside", "allow_nets=10.0.0.0/8,2001:db8::/32"),
        ("second", "allow_nets=127.0.0.2/32"),
    ]);
    let mut c = server.connect();
    let (r, ok) = login(&mut c, "open", "open-pw");
    assert!(r.starts_with("t1 OK [CAPABILITY "), "{r}");
    assert!(ok);

    // Disabled accounts: the right password does not get in. (Each from
    // its own loopback address, so failed-login delays do not pile up.)
    for (i, name) in ["off", "bare", "failing", "outside", "second"].into_iter().enumerate() {
        let from = Ipv4Addr::new(127, 0, 1, i as u8 + 1);
        let mut c = Client::plain_from(from, server.plain);
        let (r, ok) = login(&mut c, name, &format!("{name}-pw"));
        assert_eq!(r, format!("t1 {FAILED}"), "{name}");
        assert!(!ok, "{name} must not be logged in");
        let mut c = Client::plain_from(from, server.plain);
        assert_eq!(plain(&mut c, name, &format!("{name}-pw")), format!("t1 {FAILED}"), "{name} by PLAIN");
    }
    // reason= is the text the client sees (Dovecot sends it as an ALERT),
    // but only once the password has checked out.
    let mut c = server.connect();
    let (r, ok) = login(&mut c, "locked", "locked-pw");
    assert_eq!(r, "t1 NO [ALERT] Locked-by-the-administrator");
    assert!(!ok);
    let mut c = server.connect();
    assert_eq!(login(&mut c, "locked", "wrong").0, format!("t1 {FAILED}"));
    // Inside allow_nets.
    let mut c = server.connect();
    assert!(login(&mut c, "inside", "inside-pw").1);
    assert!(plain(&mut server.connect(), "inside", "inside-pw").contains(" OK "));
    // The client's address reaches the check: 127.0.0.2 is inside "second"'s net.
    let mut c = Client::plain_from(Ipv4Addr::new(127, 0, 0, 2), server.plain);
    assert!(login(&mut c, "second", "second-pw").1, "from 127.0.0.2");
    let mut c = Client::plain_from(Ipv4Addr::new(127, 0, 0, 3), server.plain);
    assert!(!login(&mut c, "second", "second-pw").1, "from 127.0.0.3");

    let log = server.log();
    assert!(log.contains("allow_nets check failed: 127.0.1.4 is not in the allowed networks"), "{log}");
    assert!(log.contains("allow_nets check failed: 127.0.0.3 is not in the allowed networks"), "{log}");
    assert!(log.contains("login refused: rip=127.0.1.1 user=<off> "), "{log}");
    assert!(log.contains("reason=\"the passwd-file entry has the fail field\""), "{log}");
}

#[test]
fn a_reload_drops_removed_accounts_and_skips_only_the_broken_line() {
    let server = server_with(&[("alice", ""), ("carol", "")]);
    let d = server.dir.path().to_path_buf();
    server.connect().ok("LOGIN alice alice-pw");
    // alice removed, a broken line (uid not a number), dave added.
    let text = format!(
        "{}broken:{{PLAIN}}x:not-a-number\n{}",
        line(&d, "carol", "carol-pw", ""),
        line(&d, "dave", "dave-pw", "")
    );
    std::fs::write(d.join("passwd"), text).unwrap();
    let mut c = server.connect();
    assert_eq!(login(&mut c, "alice", "alice-pw").0, format!("t1 {FAILED}"), "a removed account stops working");
    server.connect().ok("LOGIN carol carol-pw");
    server.connect().ok("LOGIN dave dave-pw");
    let log = server.log();
    assert!(log.contains("line 2: uid \"not-a-number\" is not a number: line skipped"), "{log}");
    assert!(log.contains("passwd-file") && log.contains("reloaded"), "{log}");
    // The file removed altogether: nobody gets in, nothing old is kept.
    std::fs::remove_file(d.join("passwd")).unwrap();
    let mut c = server.connect();
    assert_eq!(login(&mut c, "carol", "carol-pw").0, format!("t1 {FAILED}"));
}

#[test]
fn unknown_fields_are_ignored_and_logged_once() {
    let server = server_with(&[("alice", "frobnicate=1 userdb_mail_plugins=quota"), ("bob", "frobnicate=2")]);
    server.connect().ok("LOGIN alice alice-pw");
    server.connect().ok("LOGIN bob bob-pw");
    let log = server.log();
    let lines: Vec<&str> = log.lines().filter(|l| l.contains("\"frobnicate\"")).collect();
    assert_eq!(lines.len(), 1, "{log}");
    assert!(lines[0].contains("PROBLEM") && lines[0].contains("ignored"), "{}", lines[0]);
    assert!(log.contains("\"userdb_mail_plugins\" is not used by tegami"), "{log}");
}
