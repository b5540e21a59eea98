//! Issue 3, item 3: APPEND with flags and date, synchronizing literals and
//! LITERAL+, a 25 MB message, APPENDUID, TRYCREATE; a `kill -9` in the
//! middle of a large APPEND leaves a valid maildir without partial messages.

mod support;

use std::fs;
use std::os::unix::fs::MetadataExt;
use std::path::Path;
use support::{files, message, Client, Server};

/// The file of `cur/` whose uid list line has `uid`.
fn file_of(mailbox_dir: &Path, uid: u32) -> String {
    let list = fs::read_to_string(mailbox_dir.join("dovecot-uidlist")).unwrap();
    let line = list.lines().skip(1).find(|l| l.starts_with(&format!("{uid} "))).unwrap();
    let base = line[line.find(':').unwrap() + 1..].split(':').next().unwrap().to_string();
    files(&mailbox_dir.join("cur")).into_iter().find(|f| f.split(':').next() == Some(&base)).unwrap()
}

fn appenduid(lines: &[String]) -> (u32, u32) {
    let code = Client::code(lines, "APPENDUID").unwrap_or_else(|| panic!("no APPENDUID: {lines:?}"));
    let (v, u) = code.split_once(' ').unwrap();
    (v.parse().unwrap(), u.parse().unwrap())
}

#[test]
fn append_flags_date_literal_forms_and_appenduid() {
    let server = Server::start(&[]);
    let md = server.maildir("alice");
    let mut c = server.login("alice");
    let msg = message("dated");
    let r = c.append("INBOX", "(\\Seen \\Flagged \\Answered $Forwarded \\Draft) \"14-Jul-2023 02:44:25 +0200\"", &msg);
    assert!(r.last().unwrap().contains(" OK "), "{r:?}");
    let (v, uid) = appenduid(&r);
    let f = file_of(&md, uid);
    assert!(f.ends_with(":2,DFPRS"), "{f}");
    let meta = fs::metadata(md.join("cur").join(&f)).unwrap();
    assert_eq!(meta.mtime(), 1689295465, "INTERNALDATE is the file's mtime");
    assert_eq!(fs::read(md.join("cur").join(&f)).unwrap(), msg);
    assert!(f.contains(&format!(",S={},", msg.len())), "{f}");

    // LITERAL+: no continuation request; date only, no flags.
    let tag = c.next_tag();
    let m2 = message("plus");
    let mut bytes = format!("{tag} APPEND INBOX \"31-Dec-1999 23:59:59 +0000\" {{{}+}}\r\n", m2.len()).into_bytes();
    bytes.extend_from_slice(&m2);
    bytes.extend_from_slice(b"\r\n");
    c.send(&bytes);
    let r = c.until_tagged(&tag);
    assert_eq!(r.len(), 1, "no continuation for LITERAL+: {r:?}");
    let (v2, uid2) = appenduid(&r);
    assert_eq!((v2, uid2), (v, uid + 1));
    let f2 = file_of(&md, uid2);
    assert!(f2.ends_with(":2,"), "{f2}");
    assert_eq!(fs::metadata(md.join("cur").join(&f2)).unwrap().mtime(), 946684799);

    // The session's SELECT agrees with APPENDUID.
    let sel = c.select("INBOX");
    assert_eq!(Client::code(&sel, "UIDVALIDITY"), Some(v.to_string()));
    assert_eq!(Client::code(&sel, "UIDNEXT"), Some((uid2 + 1).to_string()));
    assert_eq!(Client::number(&sel, "EXISTS"), Some(2));
    let st = c.ok("STATUS INBOX (MESSAGES OLDEST)");
    assert_eq!(st[0], "* STATUS INBOX (MESSAGES 2 OLDEST \"31-Dec-1999 23:59:59 +0000\")");

    // Keywords, a folder, MULTIAPPEND.
    let tag = c.next_tag();
    let (a, b) = (message("a"), message("b"));
    let mut bytes = format!("{tag} APPEND Drafts (\\Draft Work) {{{}+}}\r\n", a.len()).into_bytes();
    bytes.extend_from_slice(&a);
    bytes.extend_from_slice(format!(" () {{{}+}}\r\n", b.len()).as_bytes());
    bytes.extend_from_slice(&b);
    bytes.extend_from_slice(b"\r\n");
    c.send(&bytes);
    let r = c.until_tagged(&tag);
    let code = Client::code(&r, "APPENDUID").unwrap();
    assert!(code.ends_with(" 1:2"), "{code}");
    assert_eq!(fs::read_to_string(md.join(".Drafts/dovecot-keywords")).unwrap(), "0 Work\n");
    assert!(file_of(&md.join(".Drafts"), 1).ends_with(":2,Da"));

    // A missing mailbox: TRYCREATE, nothing made.
    let r = c.cmd(&format!("APPEND Nowhere {{{}+}}\r\n{}", a.len(), String::from_utf8_lossy(&a)));
    assert!(r.last().unwrap().contains("NO [TRYCREATE]"), "{r:?}");
    assert!(!md.join(".Nowhere").exists());
    // \Recent cannot be set; an empty message is refused.
    let r = c.cmd(&format!("APPEND INBOX (\\Recent) {{{}+}}\r\n{}", a.len(), String::from_utf8_lossy(&a)));
    assert!(!r.last().unwrap().contains(" OK "), "{r:?}");
    let r = c.cmd("APPEND INBOX {0+}\r\n");
    assert!(!r.last().unwrap().contains(" OK "), "{r:?}");
    assert_eq!(files(&md.join("cur")).len(), 2);
    assert!(files(&md.join("tmp")).is_empty());
}

/// A message of about `size` bytes with CRLF lines.
fn big_message(size: usize) -> Vec<u8> {
    let mut m = b"From: big@example.org\r\nSubject: big\r\n\r\n".to_vec();
    let line = b"0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789abcdefghijklmnopq\r\n";
    while m.len() + line.len() <= size {
        m.extend_from_slice(line);
    }
    m
}

#[test]
fn a_25_mb_message_is_appended_whole() {
    let server = Server::start(&[]);
    let md = server.maildir("alice");
    let mut c = server.login("alice");
    let msg = big_message(25 * 1024 * 1024);
    let r = c.append("INBOX", "(\\Seen)", &msg);
    let (_, uid) = appenduid(&r);
    let f = file_of(&md, uid);
    let on_disk = fs::read(md.join("cur").join(&f)).unwrap();
    assert_eq!(on_disk.len(), msg.len());
    assert!(on_disk == msg, "content differs");
    let st = c.ok("STATUS INBOX (MESSAGES INTERNALSIZE)");
    assert_eq!(st[0], format!("* STATUS INBOX (MESSAGES 1 INTERNALSIZE {})", msg.len()));
}

#[test]
fn kill_9_during_a_large_append_leaves_a_valid_maildir() {
    let mut server = Server::start(&[]);
    let md = server.maildir("alice");
    let mut c = server.login("alice");
    let r = c.append("INBOX", "", &message("before"));
    let (v, uid) = appenduid(&r);
    let cur_before = files(&md.join("cur"));

    // Half of a 20 MB literal, then the server dies.
    let msg = big_message(20 * 1024 * 1024);
    let tag = c.next_tag();
    c.send(format!("{tag} APPEND INBOX {{{}}}\r\n", msg.len()).as_bytes());
    assert!(c.line().starts_with('+'));
    c.send(&msg[..msg.len() / 2]);
    // A second client makes sure the server is busy with something else too.
    let mut other = server.login("alice");
    other.ok("NOOP");
    server.kill();
    assert!(!server.alive());

    assert_eq!(files(&md.join("cur")), cur_before, "a partial message reached cur/");
    assert!(files(&md.join("new")).is_empty(), "a partial message reached new/");
    assert!(!md.join("dovecot-uidlist.lock").exists());

    server.restart(&[]);
    let mut c = server.login("alice");
    let sel = c.select("INBOX");
    assert_eq!(Client::number(&sel, "EXISTS"), Some(1), "{sel:?}");
    assert_eq!(Client::code(&sel, "UIDVALIDITY"), Some(v.to_string()));
    assert_eq!(Client::code(&sel, "UIDNEXT"), Some((uid + 1).to_string()));
    // The mailbox still takes mail, and tmp/ leftovers never show up.
    let r = c.append("INBOX", "", &message("after"));
    assert_eq!(appenduid(&r), (v, uid + 1));
    c.ok("NOOP");
    assert_eq!(files(&md.join("cur")).len(), 2);
}
