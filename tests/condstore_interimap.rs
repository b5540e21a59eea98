//! Issue 9, "Must show" 1: interimap (Debian's package), which needs
//! QRESYNC on both servers, syncs two tegami accounts both ways, including
//! flag changes and expunges made on the servers, and a run after a sync
//! transfers nothing.

mod support;

use std::path::Path;
use std::process::Command;

use support::{message, Client, Server};

/// Runs interimap once with a config syncing alice (local) and bob
/// (remote); returns its debug output (the IMAP dialogue).
fn interimap(server: &Server, dir: &Path) -> String {
    let account = |user: &str, pw: &str| {
        format!(
            "type = imap\nhost = 127.0.0.1\nport = {}\nSTARTTLS = NO\nusername = {user}\npassword = {pw}\n",
            server.plain.port()
        )
    };
    let cfg = dir.join("config");
    std::fs::write(
        &cfg,
        format!(
            "database = {}\n\n[local]\n{}\n[remote]\n{}",
            dir.join("interimap.db").display(),
            account("alice", "wonderland"),
            account("bob", "builder")
        ),
    )
    .unwrap();
    let out = Command::new("interimap")
        .arg(format!("--config={}", cfg.display()))
        .arg("--debug")
        .arg("INBOX")
        .env("HOME", dir)
        .env("XDG_CONFIG_HOME", dir)
        .env("XDG_DATA_HOME", dir)
        .output()
        .expect("interimap is installed (contrib/test installs it)");
    let text = format!("{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
    assert!(out.status.success(), "interimap failed:\n{text}");
    text
}

/// UID → (subject, flags) of INBOX as a client sees it.
fn inbox(server: &Server, user: &str) -> Vec<(String, String)> {
    let mut c = server.login(user);
    c.select("INBOX");
    let l = c.ok("FETCH 1:* (FLAGS BODY.PEEK[HEADER.FIELDS (SUBJECT)])");
    let mut out: Vec<(String, String)> = l[..l.len() - 1]
        .iter()
        .filter(|x| x.contains(" FETCH "))
        .map(|x| {
            let subject = x.split("Subject: ").nth(1).unwrap().split('\r').next().unwrap().trim().to_string();
            let flags = x.split("FLAGS (").nth(1).unwrap().split(')').next().unwrap();
            let flags: Vec<&str> = flags.split(' ').filter(|f| !f.is_empty() && *f != "\\Recent").collect();
            (subject, flags.join(" "))
        })
        .collect();
    out.sort();
    out
}

/// The IMAP commands interimap sent that change a mailbox.
fn writes(log: &str) -> Vec<&str> {
    log.lines()
        .filter(|l| l.contains("C: "))
        .filter(|l| [" APPEND ", " STORE ", " EXPUNGE", " MOVE "].iter().any(|w| l.to_ascii_uppercase().contains(w)))
        .collect()
}

#[test]
fn interimap_syncs_both_ways_and_then_transfers_nothing() {
    let server = Server::start(&[]);
    let mut a = server.login("alice");
    for s in ["one", "two", "three"] {
        a.append("INBOX", "", &message(s));
    }
    a.select("INBOX");
    a.ok("STORE 2 +FLAGS (\\Flagged)");
    let mut b = server.login("bob");
    b.append("INBOX", "(\\Seen)", &message("bob's"));
    let dir = tempfile::tempdir().unwrap();

    interimap(&server, dir.path());
    let want: Vec<(String, String)> = vec![
        ("bob's".into(), "\\Seen".into()),
        ("one".into(), String::new()),
        ("three".into(), String::new()),
        ("two".into(), "\\Flagged".into()),
    ];
    assert_eq!(inbox(&server, "alice"), want);
    assert_eq!(inbox(&server, "bob"), want);

    // Changes on both servers: bob flags and expunges, alice appends and
    // marks one seen.
    b.select("INBOX");
    let l = b.ok("UID SEARCH SUBJECT one");
    let one: u32 = l[0].split(' ').nth(2).unwrap().parse().unwrap();
    b.ok(&format!("UID STORE {one} +FLAGS (\\Answered)"));
    let l = b.ok("UID SEARCH SUBJECT three");
    let three: u32 = l[0].split(' ').nth(2).unwrap().parse().unwrap();
    b.ok(&format!("UID STORE {three} +FLAGS (\\Deleted)"));
    b.ok("EXPUNGE");
    a.append("INBOX", "", &message("four"));
    let l = a.ok("UID SEARCH SUBJECT two");
    let two: u32 = l[0].split(' ').nth(2).unwrap().parse().unwrap();
    a.ok(&format!("UID STORE {two} +FLAGS (\\Seen)"));
    drop(a);
    drop(b);

    interimap(&server, dir.path());
    let want: Vec<(String, String)> = vec![
        ("bob's".into(), "\\Seen".into()),
        ("four".into(), String::new()),
        ("one".into(), "\\Answered".into()),
        ("two".into(), "\\Flagged \\Seen".into()),
    ];
    assert_eq!(inbox(&server, "alice"), want);
    assert_eq!(inbox(&server, "bob"), want);

    // Nothing changed since: the next run writes nothing anywhere.
    let before = |user: &str| {
        let mut c = server.login(user);
        Client::code(&c.ok("SELECT INBOX (CONDSTORE)"), "HIGHESTMODSEQ").unwrap()
    };
    let (ha, hb) = (before("alice"), before("bob"));
    let log = interimap(&server, dir.path());
    assert!(writes(&log).is_empty(), "the third run wrote: {:?}\n{log}", writes(&log));
    assert_eq!((before("alice"), before("bob")), (ha, hb));
    assert_eq!(inbox(&server, "alice"), want);
}
