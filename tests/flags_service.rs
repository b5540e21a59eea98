//! CommuniGate's hidden `$Service` messages (issue 13, item 4): invisible
//! to every IMAP command and count, gone from every session as an
//! expunge (or VANISHED) when the keyword is set, back as a new message
//! under a new UID when it is cleared, by `tegami service` or on disk.

mod support;

use std::process::Command;

use support::{message, seed_maildir, set_flags_on_disk, Client, Seed, Server};

const ACCOUNTS: &[(&str, &str)] = &[("alice", "wonderland"), ("bob", "builder")];
/// `$Service` is letter `a`, `$Media` letter `b`.
const KEYWORDS: &str = "0 $Service\n1 $Media\n";
const FLAGS: &str = "* FLAGS (\\Answered \\Flagged \\Deleted \\Seen \\Draft $Forwarded $MDN $Hidden $Media $Service)";

/// A server whose accounts have SHA512-CRYPT hashes and homes, and whose
/// alice has `seeds` in INBOX (UIDs 1..) with [`KEYWORDS`].
fn start(seeds: &[Seed]) -> Server {
    Server::start_with(&[], |d| {
        crate::support::write_hashed_passwd(d, ACCOUNTS);
        let md = d.join("home").join("alice").join("Maildir");
        seed_maildir(&md, seeds);
        std::fs::write(md.join("dovecot-keywords"), KEYWORDS).unwrap();
    })
}

fn login(server: &Server) -> Client {
    let mut c = server.connect();
    c.ok("LOGIN alice wonderland");
    c
}

/// Runs `tegami service -u PASSWD alice INBOX args...`; (success, stdout, stderr).
fn service(server: &Server, args: &[&str]) -> (bool, String, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_tegami"))
        .arg("service")
        .arg("-u")
        .arg(server.dir.path().join("passwd"))
        .args(["alice", "INBOX"])
        .args(args)
        .output()
        .expect("run tegami service");
    (
        out.status.success(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// Sends IDLE and waits for its continuation; returns the tag.
fn idle(c: &mut Client) -> String {
    let tag = c.next_tag();
    c.send(format!("{tag} IDLE\r\n").as_bytes());
    assert!(c.line().starts_with("+ "), "no IDLE continuation");
    tag
}

/// Ends IDLE; returns the lines up to the tagged OK.
fn done(c: &mut Client, tag: &str) -> Vec<String> {
    c.send(b"DONE\r\n");
    let lines = c.until_tagged(tag);
    assert!(lines.last().unwrap().starts_with(&format!("{tag} OK")), "{lines:?}");
    lines
}

/// The seeds' times are around this (14-Nov-2023 22:13:20 UTC).
const T: i64 = 1_700_000_000;

#[test]
fn hidden_messages_are_in_no_count_and_no_result() {
    let (one, settings, three, four) = (message("one"), message("account settings"), message("three"), message("four"));
    let server = start(&[
        Seed { data: &one, info: "S", mtime: T + 100 },
        Seed { data: &settings, info: "ab", mtime: T - 100_000 },
        Seed { data: &three, info: "", mtime: T + 200 },
        Seed { data: &four, info: "b", mtime: T + 300 },
    ]);
    let size = one.len() + three.len() + four.len();
    let mut c = login(&server);
    // STATUS first, before any session claims the recent messages.
    let r = c.ok("STATUS INBOX (MESSAGES RECENT UNSEEN UIDNEXT SIZE INTERNALSIZE UNSEENMEDIA OLDEST)");
    assert_eq!(
        r[0],
        format!(
            "* STATUS INBOX (MESSAGES 3 RECENT 3 UNSEEN 2 UIDNEXT 5 SIZE {size} INTERNALSIZE {size} UNSEENMEDIA 1 \
             OLDEST \"14-Nov-2023 22:15:00 +0000\")"
        )
    );
    let r = c.ok("LIST \"\" INBOX RETURN (STATUS (MESSAGES UNSEEN SIZE))");
    assert!(r.contains(&format!("* STATUS INBOX (MESSAGES 3 UNSEEN 2 SIZE {size})")), "{r:?}");

    let r = c.select("INBOX");
    assert_eq!(
        r[..5],
        [
            FLAGS.to_string(),
            format!("* OK [PERMANENTFLAGS ({} \\*)] Flags permitted", &FLAGS["* FLAGS (".len()..FLAGS.len() - 1]),
            "* 3 EXISTS".into(),
            "* 3 RECENT".into(),
            "* OK [UNSEEN 2] First unseen".into(),
        ]
    );
    assert!(r.contains(&"* OK [UIDNEXT 5] Predicted next UID".to_string()), "{r:?}");
    let r = c.ok("FETCH 1:* (UID FLAGS RFC822.SIZE)");
    assert_eq!(
        r[..3],
        [
            format!("* 1 FETCH (UID 1 FLAGS (\\Seen \\Recent) RFC822.SIZE {})", one.len()),
            format!("* 2 FETCH (UID 3 FLAGS (\\Recent) RFC822.SIZE {})", three.len()),
            format!("* 3 FETCH (UID 4 FLAGS ($Media \\Recent) RFC822.SIZE {})", four.len()),
        ]
    );
    assert_eq!(r.len(), 4, "{r:?}");
    // Not addressable by UID either.
    assert_eq!(c.ok("UID FETCH 2 (FLAGS BODY.PEEK[])").len(), 1);
    let tag = c.next_tag();
    c.send(format!("{tag} FETCH 4 (UID)\r\n").as_bytes());
    let r = c.until_tagged(&tag);
    assert!(r.len() == 1 && !r[0].starts_with(&format!("{tag} OK")), "no message 4: {r:?}");
    assert_eq!(c.ok("SEARCH ALL")[0], "* SEARCH 1 2 3");
    assert_eq!(c.ok("UID SEARCH ALL")[0], "* SEARCH 1 3 4");
    assert_eq!(c.ok("SEARCH KEYWORD $Service")[0], "* SEARCH");
    assert_eq!(c.ok("SEARCH SUBJECT settings")[0], "* SEARCH");
    assert_eq!(c.ok("SEARCH UNSEEN KEYWORD $Media")[0], "* SEARCH 3");
    assert_eq!(c.ok("SORT (SUBJECT) UTF-8 ALL")[0], "* SORT 3 1 2");
    assert_eq!(c.ok("UID SORT (DATE) UTF-8 ALL")[0], "* SORT 1 3 4");
    assert_eq!(c.ok("THREAD ORDEREDSUBJECT UTF-8 ALL")[0], "* THREAD (1)(2)(3)");
    assert_eq!(c.ok("UID THREAD REFERENCES UTF-8 ALL")[0], "* THREAD (1)(3)(4)");

    // A hidden message can be neither copied, nor changed, nor expunged.
    c.ok("CREATE Keep");
    c.ok("UID COPY 2 Keep");
    c.ok("UID MOVE 2 Keep");
    let r = c.ok("UID STORE 2 -FLAGS ($Service)");
    assert_eq!(r.len(), 1, "{r:?}");
    c.ok("UID STORE 2 +FLAGS (\\Deleted)");
    c.ok("EXPUNGE");
    c.ok("UID EXPUNGE 1:*");
    assert_eq!(c.ok("STATUS Keep (MESSAGES)")[0], "* STATUS Keep (MESSAGES 0)");
    let (ok, out, err) = service(&server, &["list"]);
    assert!(ok, "{err}");
    assert_eq!(out, format!("2 {} ($Service $Media) account settings\n", settings.len()));
    let (ok, out, _) = service(&server, &["show", "2"]);
    assert!(ok);
    assert_eq!(out.as_bytes(), &settings[..]);
    let (ok, _, err) = service(&server, &["show", "3"]);
    assert!(!ok && err.contains("no hidden message with UID 3"), "{err}");
}

/// The HIGHESTMODSEQ of a SELECT's or STATUS's lines.
fn highest(lines: &[String]) -> u64 {
    lines
        .iter()
        .find_map(|l| {
            let i = l.find("HIGHESTMODSEQ ")?;
            l[i + 14..].split([']', ')']).next()?.parse().ok()
        })
        .unwrap_or_else(|| panic!("no HIGHESTMODSEQ in {lines:?}"))
}

#[test]
fn setting_service_hides_in_every_session_and_clearing_brings_it_back_as_new() {
    let msgs: Vec<Vec<u8>> = ["one", "two", "three", "four"].iter().map(|s| message(s)).collect();
    let seeds: Vec<Seed> =
        msgs.iter().enumerate().map(|(i, m)| Seed { data: m, info: "S", mtime: T + i as i64 }).collect();
    let server = start(&seeds);
    let md = server.maildir("alice");
    // A first session takes the \Recent messages, so the others count none.
    let mut first = login(&server);
    let r = first.select("INBOX");
    let uidvalidity = Client::code(&r, "UIDVALIDITY").unwrap();
    first.ok("LOGOUT");

    let mut a = login(&server);
    a.select("INBOX");
    let mut q = login(&server);
    assert_eq!(q.ok("ENABLE QRESYNC")[0], "* ENABLED QRESYNC");
    let before = highest(&q.select("INBOX"));
    let mut b = login(&server);
    b.select("INBOX");
    let a_tag = idle(&mut a);
    let q_tag = idle(&mut q);

    // Set by STORE in another session: an expunge everywhere, the file stays.
    let r = b.ok("STORE 2 +FLAGS ($Service)");
    assert_eq!(r[0], "* 2 FETCH (FLAGS (\\Seen $Service))");
    assert_eq!(b.ok("NOOP")[0], "* 2 EXPUNGE");
    assert_eq!(a.line(), "* 2 EXPUNGE");
    assert_eq!(q.line(), "* VANISHED 2");
    assert_eq!(support::files(&md.join("cur")).len(), 4);
    // Set by a rename on disk: message 3 now (UID 4).
    set_flags_on_disk(&md, 4, "Sa");
    assert_eq!(a.line(), "* 3 EXPUNGE");
    assert!(q.read_until(|l| l.starts_with("* VANISHED")).ends_with(&["* VANISHED 4".to_string()]));
    assert_eq!(b.ok("NOOP")[0], "* 3 EXPUNGE");
    done(&mut a, &a_tag);
    let r = a.ok("FETCH 1:* (UID FLAGS)");
    assert_eq!(r[..2], ["* 1 FETCH (UID 1 FLAGS (\\Seen))", "* 2 FETCH (UID 3 FLAGS (\\Seen))"]);
    assert_eq!(r.len(), 3, "{r:?}");
    // UIDNEXT stays; a QRESYNC resync from before hears of both.
    let r = a.ok("STATUS INBOX (MESSAGES UIDNEXT)");
    assert_eq!(r[0], "* STATUS INBOX (MESSAGES 2 UIDNEXT 5)");
    let mut r2 = login(&server);
    r2.ok("ENABLE QRESYNC");
    let r = r2.ok(&format!("SELECT INBOX (QRESYNC ({uidvalidity} {before} 1:4))"));
    assert!(r.contains(&"* VANISHED (EARLIER) 2,4".to_string()), "{r:?}");
    assert!(r.contains(&"* 2 EXISTS".to_string()), "{r:?}");
    let after_hiding = highest(&r);

    // Cleared by the administrator: a new message with a new UID.
    let a_tag = idle(&mut a);
    let (ok, out, err) = service(&server, &["list"]);
    assert!(ok, "{err}");
    let size = msgs[1].len();
    let size4 = msgs[3].len();
    assert_eq!(out, format!("2 {size} (\\Seen $Service) two\n4 {size4} (\\Seen $Service) four\n"));
    let (ok, out, err) = service(&server, &["clear", "2"]);
    assert!(ok, "{err}");
    assert_eq!(out, "INBOX: hidden message 2 is visible again as UID 5\n");
    assert_eq!(a.line(), "* 3 EXISTS");
    assert_eq!(a.line(), "* 0 RECENT");
    let l = q.read_until(|l| l.ends_with(" EXISTS"));
    assert_eq!(l.last().unwrap(), "* 3 EXISTS");
    // Cleared by a rename on disk: the same.
    set_flags_on_disk(&md, 4, "S");
    assert_eq!(a.line(), "* 4 EXISTS");
    assert_eq!(a.line(), "* 0 RECENT");
    done(&mut a, &a_tag);
    done(&mut q, &q_tag);
    let r = a.ok("FETCH 1:* (UID FLAGS BODY.PEEK[HEADER.FIELDS (SUBJECT)])");
    let uids: Vec<&str> = r.iter().filter_map(|l| l.split("(UID ").nth(1)?.split(' ').next()).collect();
    assert_eq!(uids, ["1", "3", "5", "6"], "{r:?}");
    assert!(r.iter().any(|l| l.starts_with("* 3 FETCH (UID 5 FLAGS (\\Seen) ")), "{r:?}");
    let r = a.ok("UID FETCH 5:6 (BODY.PEEK[TEXT])");
    assert!(r[0].contains("Body of two.") && r[1].contains("Body of four."), "{r:?}");
    assert_eq!(a.ok("STATUS INBOX (MESSAGES UIDNEXT)")[0], "* STATUS INBOX (MESSAGES 4 UIDNEXT 7)");
    // Fresh mod-sequences for the revealed ones; nothing hidden is left.
    let r = q.ok("UID FETCH 1:* (MODSEQ) (CHANGEDSINCE 1)");
    let m = |uid: &str| -> u64 {
        let l = r.iter().find(|l| l.contains(&format!("(UID {uid} "))).unwrap_or_else(|| panic!("{uid}: {r:?}"));
        l.split("MODSEQ (").nth(1).unwrap().split(')').next().unwrap().parse().unwrap()
    };
    assert!(m("5") > after_hiding && m("6") > m("5"), "{r:?}");
    assert!(m("1") <= before, "{r:?}");
    let (ok, out, _) = service(&server, &["list"]);
    assert!(ok);
    assert_eq!(out, "INBOX: no hidden messages\n");
    let (ok, _, err) = service(&server, &["clear", "2"]);
    assert!(!ok && err.contains("no hidden message with UID 2"), "{err}");
}

#[test]
fn hidden_by_append_and_cleared_while_the_server_is_down() {
    let msgs: Vec<Vec<u8>> = ["one", "two", "three"].iter().map(|s| message(s)).collect();
    let seeds: Vec<Seed> =
        msgs.iter().enumerate().map(|(i, m)| Seed { data: m, info: "S", mtime: T + i as i64 }).collect();
    let mut server = start(&seeds);
    let md = server.maildir("alice");
    let mut c = login(&server);
    let r = c.select("INBOX");
    let uidvalidity = Client::code(&r, "UIDVALIDITY").unwrap();
    // An APPEND with $Service stores a message nobody sees.
    let r = c.append_dated("INBOX", "$Service", None, &message("settings"));
    assert_eq!(Client::code(&r, "APPENDUID"), Some(format!("{uidvalidity} 4")), "{r:?}");
    assert_eq!(r.len(), 1, "no EXISTS: {r:?}");
    assert_eq!(c.ok("NOOP").len(), 1);
    assert_eq!(c.ok("STATUS INBOX (MESSAGES RECENT UIDNEXT)")[0], "* STATUS INBOX (MESSAGES 3 RECENT 0 UIDNEXT 5)");
    c.ok("STORE 2 +FLAGS.SILENT ($Service)");
    assert_eq!(c.ok("NOOP")[0], "* 2 EXPUNGE");
    let (ok, out, err) = service(&server, &["list"]);
    assert!(ok, "{err}");
    let uids: Vec<&str> = out.lines().map(|l| l.split(' ').next().unwrap()).collect();
    assert_eq!(uids, ["2", "4"], "{out}");
    let before = highest(&c.ok("STATUS INBOX (HIGHESTMODSEQ)"));
    drop(c);

    // Cleared on disk while no server runs: back under a new UID after.
    server.kill();
    set_flags_on_disk(&md, 2, "S");
    server.restart(&[]);
    let mut c = login(&server);
    c.ok("ENABLE QRESYNC");
    let r = c.ok(&format!("SELECT INBOX (QRESYNC ({uidvalidity} {before} 1:4))"));
    assert!(r.contains(&"* 3 EXISTS".to_string()), "{r:?}");
    assert!(r.contains(&"* OK [UIDNEXT 6] Predicted next UID".to_string()), "{r:?}");
    let changed: Vec<&String> = r.iter().filter(|l| l.contains(" FETCH ")).collect();
    assert_eq!(changed.len(), 0, "UID 2 is not back: {r:?}");
    let r = c.ok("FETCH 1:* (UID)");
    assert_eq!(r[..3], ["* 1 FETCH (UID 1)", "* 2 FETCH (UID 3)", "* 3 FETCH (UID 5)"]);
    let r = c.ok("UID FETCH 5 (BODY.PEEK[TEXT])");
    assert!(r[0].contains("Body of two."), "{r:?}");
    let (ok, out, _) = service(&server, &["list"]);
    assert!(ok);
    assert!(out.starts_with("4 ") && out.ends_with(" settings\n") && out.lines().count() == 1, "{out}");
}
