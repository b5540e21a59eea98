//! Issue 21, Fix 7(a): a quota root without limits gets no `QUOTA root ()`
//! line, which RFC 9208's grammar does not allow (`quota-list` holds at
//! least one resource) and Thunderbird rejects. GETQUOTAROOT still names
//! the root; GETQUOTA of it answers OK with no QUOTA line, as Dovecot
//! does. A root with a limit keeps its QUOTA line.

mod support;

use std::path::Path;

use support::{Client, Server, USERS};

/// Writes the passwd-file as an administrator would (SHA512-CRYPT,
/// homes), each entry with the Dovecot extra fields `extra`.
fn passwd(d: &Path, extra: &str) {
    let mut text = String::new();
    for (user, pw) in USERS {
        let hash = tegami::auth::hash_password("SHA512-CRYPT", pw.as_bytes()).expect("hash");
        let home = d.join("home").join(user);
        text.push_str(&format!("{user}:{hash}:{}::{}::{extra}\n", support::own_ids(), home.display()));
    }
    std::fs::write(d.join("passwd"), text).unwrap();
}

/// Sends Thunderbird's exact line (sent at every SELECT) and returns
/// every line of the answer.
fn thunderbird_getquotaroot(c: &mut Client) -> Vec<String> {
    c.send(b"3 getquotaroot \"INBOX\"\r\n");
    c.until_tagged("3")
}

#[test]
fn no_quota_line_for_a_root_without_limits() {
    let server = Server::start_with(&[], |d| passwd(d, ""));
    let mut c = server.login("alice");
    assert_eq!(thunderbird_getquotaroot(&mut c), ["* QUOTAROOT INBOX #alice", "3 OK GETQUOTAROOT completed"]);
    c.send(b"4 GETQUOTA #alice\r\n");
    assert_eq!(c.until_tagged("4"), ["4 OK GETQUOTA completed"]);
    // Another mailbox of the account: the same root, still no QUOTA line.
    c.ok("CREATE Projects");
    c.send(b"5 getquotaroot \"Projects\"\r\n");
    assert_eq!(c.until_tagged("5"), ["* QUOTAROOT Projects #alice", "5 OK GETQUOTAROOT completed"]);
}

#[test]
fn the_quota_line_stays_for_a_root_with_a_limit() {
    let server = Server::start_with(&[], |d| passwd(d, "quota_rule=*:storage=1M"));
    let mut c = server.login("alice");
    assert_eq!(
        thunderbird_getquotaroot(&mut c),
        ["* QUOTAROOT INBOX #alice", "* QUOTA #alice (STORAGE 0 1024)", "3 OK GETQUOTAROOT completed"]
    );
    c.send(b"4 GETQUOTA #alice\r\n");
    assert_eq!(c.until_tagged("4"), ["* QUOTA #alice (STORAGE 0 1024)", "4 OK GETQUOTA completed"]);
}
