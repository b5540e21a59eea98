//! Issue 3, item 6: subscriptions (and the `subscriptions` file), STATUS,
//! CLOSE vs UNSELECT, UID EXPUNGE, IDLE keepalive, NAMESPACE, EXAMINE and
//! the capabilities of the mailbox commands.

mod support;

use std::fs;
use support::{eventually, files, message, set_flags_on_disk, Client, Server};

fn untagged(c: &mut Client, cmd: &str) -> Vec<String> {
    let mut r = c.ok(cmd);
    r.pop();
    r
}

/// NOOPs until the view of `c` has seen a FETCH for sequence number `seq`.
fn wait_fetch(c: &mut Client, seq: u32) {
    let want = format!("* {seq} FETCH");
    eventually(&want, || c.ok("NOOP").iter().any(|l| l.starts_with(&want)));
}

#[test]
fn subscribe_unsubscribe_lsub_and_the_file() {
    let server = Server::start(&[]);
    let md = server.maildir("alice");
    let mut c = server.login("alice");
    let file = || fs::read_to_string(md.join("subscriptions")).unwrap();
    assert_eq!(file(), "V\t2\n\nINBOX\nDrafts\nSent\nTrash\nJunk\nArchive\n");
    c.ok("CREATE a/b");
    c.ok("SUBSCRIBE a/b");
    c.ok("SUBSCRIBE Entw&APw-rfe"); // need not exist
    assert_eq!(file(), "V\t2\n\nINBOX\nDrafts\nSent\nTrash\nJunk\nArchive\na\tb\nEntw\u{fc}rfe\n");
    c.ok("SUBSCRIBE a/b"); // twice is once
    assert_eq!(file().matches("a\tb").count(), 1);
    let l = untagged(&mut c, "LSUB \"\" *");
    assert!(l.contains(&"* LSUB () \"/\" a/b".to_string()), "{l:?}");
    assert!(l.contains(&"* LSUB (\\Noselect) \"/\" Entw&APw-rfe".to_string()), "{l:?}");
    assert_eq!(untagged(&mut c, "LSUB \"\" a/%"), ["* LSUB () \"/\" a/b"]);
    // RFC 3501 6.3.9: `%` must return the unsubscribed parent, \Noselect.
    let l = untagged(&mut c, "LSUB \"\" %");
    assert!(l.contains(&"* LSUB (\\Noselect) \"/\" a".to_string()), "{l:?}");
    assert!(!l.iter().any(|x| x.ends_with(" a/b")), "{l:?}");
    let l = untagged(&mut c, "LIST (SUBSCRIBED) \"\" a*");
    assert_eq!(l, ["* LIST (\\HasNoChildren \\Subscribed) \"/\" a/b"]);

    c.ok("UNSUBSCRIBE a/b");
    c.ok("UNSUBSCRIBE Entw&APw-rfe");
    c.ok("UNSUBSCRIBE Junk");
    assert_eq!(file(), "V\t2\n\nINBOX\nDrafts\nSent\nTrash\nArchive\n");
    let r = c.cmd("UNSUBSCRIBE a/b");
    assert!(r.last().unwrap().contains(" NO "), "{r:?}");
    assert_eq!(untagged(&mut c, "LSUB \"\" a*"), Vec::<String>::new());
    assert!(!md.join("subscriptions.lock").exists());
    // A file written by Dovecot 2.1 and older (one Maildir++ name a line) is read.
    fs::write(md.join("subscriptions"), "INBOX\na.b\n").unwrap();
    assert_eq!(untagged(&mut c, "LSUB \"\" *"), ["* LSUB () \"/\" INBOX", "* LSUB () \"/\" a/b"]);
}

#[test]
fn status_items() {
    let server = Server::start(&[]);
    let mut c = server.login("alice");
    let (m1, m2, m3) = (message("one"), message("two"), message("three"));
    c.append("Archive", "(\\Seen) \"01-Feb-2020 10:00:00 +0000\"", &m1);
    c.append("Archive", "($Media) \"02-Feb-2020 10:00:00 +0000\"", &m2);
    let r = c.append("Archive", "", &m3);
    let v = Client::code(&r, "APPENDUID").unwrap().split(' ').next().unwrap().to_string();
    let size = m1.len() + m2.len() + m3.len();
    let st = untagged(&mut c, "STATUS Archive (MESSAGES RECENT UIDNEXT UIDVALIDITY UNSEEN)");
    assert_eq!(st, [format!("* STATUS Archive (MESSAGES 3 RECENT 3 UIDNEXT 4 UIDVALIDITY {v} UNSEEN 2)")]);
    let st = untagged(&mut c, "STATUS Archive (INTERNALSIZE OLDEST UNSEENMEDIA)");
    assert_eq!(
        st,
        [format!("* STATUS Archive (INTERNALSIZE {size} OLDEST \"01-Feb-2020 10:00:00 +0000\" UNSEENMEDIA 1)")]
    );
    // A session that selects it takes \Recent.
    c.ok("EXAMINE Archive");
    c.ok("CLOSE");
    assert_eq!(untagged(&mut c, "STATUS Archive (RECENT)"), ["* STATUS Archive (RECENT 3)"], "EXAMINE keeps \\Recent");
    c.select("Archive");
    c.ok("CLOSE");
    assert_eq!(untagged(&mut c, "STATUS Archive (RECENT)"), ["* STATUS Archive (RECENT 0)"]);
    // An empty mailbox has no OLDEST.
    assert_eq!(untagged(&mut c, "STATUS Trash (MESSAGES OLDEST)"), ["* STATUS Trash (MESSAGES 0)"]);
    let r = c.cmd("STATUS Nowhere (MESSAGES)");
    assert!(r.last().unwrap().contains("NO [NONEXISTENT]"), "{r:?}");
    // Modified UTF-7 comes back as it went.
    c.ok("CREATE Entw&APw-rfe");
    assert_eq!(untagged(&mut c, "STATUS Entw&APw-rfe (MESSAGES)"), ["* STATUS Entw&APw-rfe (MESSAGES 0)"]);
}

#[test]
fn close_expunges_silently_and_unselect_does_not() {
    let server = Server::start(&[]);
    let md = server.maildir("alice");
    let mut c = server.login("alice");
    for i in 1..=3 {
        c.append("INBOX", "", &message(&format!("m{i}")));
    }
    c.select("INBOX");
    set_flags_on_disk(&md, 2, "T");
    wait_fetch(&mut c, 2);
    let r = c.ok("UNSELECT");
    assert_eq!(r.len(), 1, "{r:?}");
    assert_eq!(files(&md.join("cur")).len(), 3);
    assert!(c.cmd("NOOP").len() == 1);
    let r = c.cmd("EXPUNGE");
    assert!(r.last().unwrap().contains(" BAD "), "not selected: {r:?}");

    // EXAMINE + CLOSE does not expunge either.
    let ex = c.ok("EXAMINE INBOX");
    assert!(ex.last().unwrap().contains("[READ-ONLY]"), "{ex:?}");
    assert!(ex.contains(&"* OK [PERMANENTFLAGS ()] Read-only mailbox".to_string()), "{ex:?}");
    let r = c.cmd("EXPUNGE");
    assert!(r.last().unwrap().contains(" NO "), "{r:?}");
    c.ok("CLOSE");
    assert_eq!(files(&md.join("cur")).len(), 3);

    let sel = c.select("INBOX");
    assert!(sel.last().unwrap().contains("[READ-WRITE]"));
    let r = c.ok("CLOSE");
    assert_eq!(r.len(), 1, "CLOSE sends no EXPUNGE: {r:?}");
    assert_eq!(files(&md.join("cur")).len(), 2);
    let list = fs::read_to_string(md.join("dovecot-uidlist")).unwrap();
    assert!(!list.lines().any(|l| l.starts_with("2 ")), "{list}");
    let sel = c.select("INBOX");
    assert_eq!(Client::number(&sel, "EXISTS"), Some(2));
}

#[test]
fn uid_expunge_removes_only_listed_deleted_messages() {
    let server = Server::start(&[]);
    let md = server.maildir("alice");
    let mut c = server.login("alice");
    for i in 1..=5 {
        c.append("INBOX", "", &message(&format!("m{i}")));
    }
    c.select("INBOX");
    for uid in [1, 2, 3] {
        set_flags_on_disk(&md, uid, "T");
    }
    // Wait until the view knows all three are \Deleted.
    let mut fetched = Vec::new();
    eventually("three FETCHes", || {
        fetched.extend(c.ok("NOOP").into_iter().filter(|l| l.contains(" FETCH ")));
        fetched.len() >= 3
    });
    assert_eq!(fetched.len(), 3, "{fetched:?}");
    let r = c.ok("UID EXPUNGE 5");
    assert_eq!(r.len(), 1, "{r:?}");
    // UID 5 is not \Deleted: nothing happened.
    assert_eq!(files(&md.join("cur")).len(), 5);
    let r = c.ok("UID EXPUNGE 2:3,4");
    assert_eq!(&r[..r.len() - 1], ["* 3 EXPUNGE", "* 2 EXPUNGE"]);
    assert_eq!(files(&md.join("cur")).len(), 3);
    // UID 1 is still there and still \Deleted.
    assert!(files(&md.join("cur")).iter().filter(|f| f.ends_with(":2,T")).count() == 1);
    let r = c.ok("EXPUNGE");
    assert_eq!(&r[..r.len() - 1], ["* 1 EXPUNGE"]);
    let sel = c.select("INBOX");
    assert_eq!(Client::number(&sel, "EXISTS"), Some(2));
}

#[test]
fn idle_keepalive_namespace_and_capabilities() {
    let server = Server::start(&["--idle-keepalive", "1"]);
    let mut c = server.login("alice");
    let caps = c.ok("CAPABILITY");
    for cap in ["IDLE", "UIDPLUS", "UNSELECT", "CHILDREN", "NAMESPACE", "SPECIAL-USE", "LITERAL+"] {
        assert!(caps[0].split(' ').any(|w| w == cap), "{cap} missing: {}", caps[0]);
    }
    assert_eq!(untagged(&mut c, "NAMESPACE"), ["* NAMESPACE ((\"\" \"/\")) ((\"~\" \"/\")) ((\"~public/\" \"/\"))"]);
    c.select("INBOX");
    let tag = c.next_tag();
    c.send(format!("{tag} IDLE\r\n").as_bytes());
    assert!(c.line().starts_with("+ "));
    assert_eq!(c.line(), "* OK Still here");
    assert_eq!(c.line(), "* OK Still here");
    c.send(b"DONE\r\n");
    let r = c.until_tagged(&tag);
    assert!(r.last().unwrap().contains(" OK "), "{r:?}");
    // Unselected IDLE keeps the connection alive too.
    c.ok("UNSELECT");
    let tag = c.next_tag();
    c.send(format!("{tag} IDLE\r\n").as_bytes());
    assert!(c.line().starts_with("+ "));
    assert_eq!(c.line(), "* OK Still here");
    c.send(b"DONE\r\n");
    c.until_tagged(&tag);
}
