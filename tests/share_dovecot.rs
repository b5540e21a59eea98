//! Issue 11, Must show 7 against a real Dovecot: rights that `doveadm acl
//! set` writes are what tegami enforces, and the `dovecot-acl` file that
//! tegami's SETACL writes is what `doveadm acl get` reads and what
//! `doveadm acl set` itself would have written.

mod share_common;
mod support;

use share_common::{login, start, untagged, ACCOUNTS};
use support::dovecot::Dovecot;

#[test]
fn tegami_and_dovecot_read_each_others_acls() {
    let server = start();
    let mut b = login(&server, "bob");
    b.ok("CREATE Team");
    for u in ["alice", "carol", "eve"] {
        login(&server, u).ok("LOGOUT");
    }
    let dovecot = Dovecot::start(server.dir.path(), ACCOUNTS, "mail_plugins = acl\nplugin {\n  acl = vfile\n}\n");
    let acl_file = server.dir.path().join("home/bob/Maildir/.Team/dovecot-acl");

    // Dovecot writes, tegami enforces.
    dovecot.doveadm(&["acl", "set", "-u", "bob", "Team", "user=alice", "lookup", "read", "write-seen"]);
    dovecot.doveadm(&["acl", "set", "-u", "bob", "Team", "anyone", "lookup"]);
    let mut a = login(&server, "alice");
    assert_eq!(untagged(&a.ok("MYRIGHTS ~bob/Team")), ["* MYRIGHTS ~bob/Team lrs"]);
    let mut e = login(&server, "eve");
    assert_eq!(untagged(&e.ok("MYRIGHTS ~bob/Team")), ["* MYRIGHTS ~bob/Team l"]);
    let by_dovecot = std::fs::read_to_string(&acl_file).unwrap();
    // Without an owner line the owner holds every right, in both.
    assert!(!by_dovecot.contains("owner"), "{by_dovecot}");
    let owner = dovecot.doveadm(&["acl", "rights", "-u", "bob", "Team"]);
    assert!(owner.contains("admin") && owner.contains("expunge"), "{owner}");
    assert_eq!(untagged(&b.ok("MYRIGHTS Team")), ["* MYRIGHTS Team lrswipkxteacd"]);

    // tegami writes the same file for the same rights...
    b.ok("DELETEACL Team alice");
    b.ok("DELETEACL Team anyone");
    b.ok("SETACL Team alice lrs");
    b.ok("SETACL Team anyone l");
    assert_eq!(std::fs::read_to_string(&acl_file).unwrap(), by_dovecot);

    // ...and Dovecot reads what tegami writes.
    b.ok("SETACL Team carol lri");
    b.ok("SETACL Team -eve l");
    let got = dovecot.doveadm(&["acl", "get", "-u", "bob", "Team"]);
    let rows: Vec<String> = got.lines().skip(1).map(|l| l.split_whitespace().collect::<Vec<_>>().join(" ")).collect();
    assert!(rows.contains(&"user=alice lookup read write-seen".to_string()), "{got}");
    assert!(rows.contains(&"user=carol insert lookup read".to_string()), "{got}");
    assert!(rows.contains(&"user=eve -lookup".to_string()), "{got}");
    assert!(rows.contains(&"anyone lookup".to_string()), "{got}");
    let rights = dovecot.doveadm(&["acl", "rights", "-u", "bob", "Team"]);
    assert!(rights.contains("admin"), "{rights}");
    // A change by Dovecot reaches a session of tegami at its next command.
    let mut c = login(&server, "carol");
    assert_eq!(untagged(&c.ok("MYRIGHTS ~bob/Team")), ["* MYRIGHTS ~bob/Team lri"]);
    dovecot.doveadm(&["acl", "set", "-u", "bob", "Team", "user=carol", "lookup", "read", "write"]);
    assert_eq!(untagged(&c.ok("MYRIGHTS ~bob/Team")), ["* MYRIGHTS ~bob/Team lrw"]);
    dovecot.doveadm(&["acl", "delete", "-u", "bob", "Team", "user=carol"]);
    assert_eq!(untagged(&c.ok("MYRIGHTS ~bob/Team")), ["* MYRIGHTS ~bob/Team l"]);
    assert!(e.cmd("MYRIGHTS ~bob/Team").last().unwrap().contains("NO [NONEXISTENT]"));
}
