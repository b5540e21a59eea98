//! Issue 21, items 3 and 7(c): EXAMINE shows `\Recent` without taking it
//! (RFC 3501 2.3.2: a read-only session is told of recent messages but
//! must leave the flag to the next read-write session, as Dovecot does),
//! and an IMAP4rev2 session never hears of RECENT.

mod support;

use support::{message, Client, Server};

/// `{V}`, `{M}` and `{H}` of the transcripts: the mailbox's UIDVALIDITY,
/// MAILBOXID and HIGHESTMODSEQ, read with STATUS.
fn ids(c: &mut Client, mailbox: &str) -> (String, String, String) {
    let st = c.ok(&format!("STATUS {mailbox} (UIDVALIDITY MAILBOXID HIGHESTMODSEQ)"));
    let v = st[0].split("UIDVALIDITY ").nth(1).unwrap().split(' ').next().unwrap().to_string();
    let m = st[0].split("MAILBOXID (").nth(1).unwrap().split(')').next().unwrap().to_string();
    let h = st[0].split("HIGHESTMODSEQ ").nth(1).unwrap().split(')').next().unwrap().to_string();
    (v, m, h)
}

/// Sends `cmd` and checks every line of the answer byte for byte; `{V}`,
/// `{M}` and `{H}` in `want` stand for UIDVALIDITY, MAILBOXID and
/// HIGHESTMODSEQ (sent with every SELECT and EXAMINE, RFC 7162 3.1.2.1).
fn exchange(c: &mut Client, cmd: &str, want: &[&str], (v, m, h): &(String, String, String)) {
    let got = c.cmd(cmd);
    let tag = got.last().unwrap().split(' ').next().unwrap().to_string();
    let want: Vec<String> =
        want.iter().map(|l| l.replace("{V}", v).replace("{M}", m).replace("{H}", h).replace("{T}", &tag)).collect();
    assert_eq!(got, want, "after {cmd:?}");
}

/// A server (SHA512-CRYPT accounts) whose `box` got two APPENDs from a
/// session that never selected it; returns the server and the ids.
fn two_appended() -> (Server, (String, String, String)) {
    let server = Server::start_hashed(&[]);
    let mut a = server.login("alice");
    a.ok("CREATE box");
    for s in ["one", "two"] {
        let r = a.append("box", "", &message(s));
        assert!(r.last().unwrap().contains(" OK "), "{r:?}");
    }
    let ids = ids(&mut a, "box");
    a.ok("LOGOUT");
    (server, ids)
}

/// The exchange: session B's EXAMINE answers `* 2 RECENT` and
/// `[READ-ONLY]` and shows both messages `\Recent`; session C's SELECT
/// then still gets `* 2 RECENT` (B took nothing) and claims them, so a
/// second EXAMINE sees none.
#[test]
fn examine_reports_recent_and_leaves_it_to_select() {
    let (server, ids) = two_appended();
    let mut b = server.login("alice");
    exchange(
        &mut b,
        "EXAMINE box",
        &[
            "* FLAGS (\\Answered \\Flagged \\Deleted \\Seen \\Draft $Forwarded $MDN $Hidden $Media)",
            "* OK [PERMANENTFLAGS ()] Read-only mailbox",
            "* 2 EXISTS",
            "* 2 RECENT",
            "* OK [UNSEEN 1] First unseen",
            "* OK [UIDVALIDITY {V}] UIDs valid",
            "* OK [UIDNEXT 3] Predicted next UID",
            "* OK [MAILBOXID ({M})] Ok",
            "* OK [HIGHESTMODSEQ {H}] Highest",
            "{T} OK [READ-ONLY] EXAMINE completed",
        ],
        &ids,
    );
    exchange(
        &mut b,
        "FETCH 1:2 FLAGS",
        &["* 1 FETCH (FLAGS (\\Recent))", "* 2 FETCH (FLAGS (\\Recent))", "{T} OK FETCH completed"],
        &ids,
    );
    // STATUS still counts them: nobody has claimed them.
    let mut c = server.login("alice");
    exchange(&mut c, "STATUS box (RECENT)", &["* STATUS box (RECENT 2)", "{T} OK STATUS completed"], &ids);
    exchange(
        &mut c,
        "SELECT box",
        &[
            "* FLAGS (\\Answered \\Flagged \\Deleted \\Seen \\Draft $Forwarded $MDN $Hidden $Media)",
            "* OK [PERMANENTFLAGS (\\Answered \\Flagged \\Deleted \\Seen \\Draft $Forwarded $MDN $Hidden $Media \\*)] Flags permitted",
            "* 2 EXISTS",
            "* 2 RECENT",
            "* OK [UNSEEN 1] First unseen",
            "* OK [UIDVALIDITY {V}] UIDs valid",
            "* OK [UIDNEXT 3] Predicted next UID",
            "* OK [MAILBOXID ({M})] Ok",
            "* OK [HIGHESTMODSEQ {H}] Highest",
            "{T} OK [READ-WRITE] SELECT completed",
        ],
        &ids,
    );
    // Claimed by C now: a new EXAMINE (in B, or anywhere) sees none.
    let lines = b.ok("EXAMINE box");
    assert_eq!(Client::number(&lines, "RECENT"), Some(0), "{lines:?}");
    let mut d = server.login("alice");
    let lines = d.ok("EXAMINE box");
    assert_eq!(Client::number(&lines, "RECENT"), Some(0), "{lines:?}");
}

/// A session that EXAMINEs and then SELECTs the same mailbox takes the
/// recent messages with the SELECT (the EXAMINE did not hold them), and
/// one that SELECTs then EXAMINEs keeps its own.
#[test]
fn examine_then_select_in_one_session() {
    let (server, _) = two_appended();
    let mut b = server.login("alice");
    assert_eq!(Client::number(&b.ok("EXAMINE box"), "RECENT"), Some(2));
    assert_eq!(Client::number(&b.ok("SELECT box"), "RECENT"), Some(2));
    assert_eq!(Client::number(&b.ok("EXAMINE box"), "RECENT"), Some(2));
    assert_eq!(Client::number(&b.ok("SELECT box"), "RECENT"), Some(2));
    let mut c = server.login("alice");
    assert_eq!(Client::number(&c.ok("SELECT box"), "RECENT"), Some(0));
}

/// A message appended while a read-only session watches arrives recent
/// for it, and stays for the next SELECT.
#[test]
fn examine_sees_new_arrivals_recent() {
    let (server, _) = two_appended();
    let mut b = server.login("alice");
    b.ok("EXAMINE box");
    let mut a = server.login("alice");
    a.append("box", "", &message("three"));
    let lines = b.ok("NOOP");
    assert_eq!(lines[..2], ["* 3 EXISTS", "* 3 RECENT"], "{lines:?}");
    assert_eq!(Client::number(&a.ok("SELECT box"), "RECENT"), Some(3));
}

/// An IMAP4rev2 session (RFC 9051 dropped `\Recent`) hears no RECENT from
/// EXAMINE nor `\Recent` in FETCH, and takes nothing from a rev1 SELECT.
#[test]
fn rev2_examine_has_no_recent() {
    let (server, ids) = two_appended();
    let mut b = server.login("alice");
    b.ok("ENABLE IMAP4rev2");
    let lines = b.ok("EXAMINE box");
    assert!(lines.iter().all(|l| !l.contains("RECENT")), "{lines:?}");
    assert!(lines.last().unwrap().ends_with(" OK [READ-ONLY] EXAMINE completed"), "{lines:?}");
    exchange(
        &mut b,
        "FETCH 1:2 FLAGS",
        &["* 1 FETCH (FLAGS ())", "* 2 FETCH (FLAGS ())", "{T} OK FETCH completed"],
        &ids,
    );
    let mut c = server.login("alice");
    assert_eq!(Client::number(&c.ok("SELECT box"), "RECENT"), Some(2));
}

/// Item 7(c): an MTA's file in `new/` of a mailbox nobody selected. EXAMINE
/// leaves it in `new/` (as Dovecot does in a read-only session), numbers it
/// in the uid list under its `new/` name, counts it RECENT and serves it;
/// the SELECT that follows moves it into `cur/` and claims it.
#[test]
fn examine_leaves_new_alone() {
    let server = Server::start_hashed(&[]);
    let mut a = server.login("alice");
    a.ok("CREATE box");
    let dir = server.maildir("alice").join(".box");
    let name = "1700000000.M1P1.mta.example";
    let body = message("dropped");
    std::fs::write(dir.join("new").join(name), &body).unwrap();
    let mut b = server.login("alice");
    let lines = b.ok("EXAMINE box");
    assert_eq!(lines[2..4], ["* 1 EXISTS", "* 1 RECENT"], "{lines:?}");
    assert_eq!(support::files(&dir.join("new")), [name]);
    assert!(support::files(&dir.join("cur")).is_empty());
    let list = std::fs::read_to_string(dir.join("dovecot-uidlist")).unwrap();
    assert!(list.lines().skip(1).any(|l| l.starts_with("1 ") && l.ends_with(&format!(":{name}"))), "{list}");
    let fetched = b.ok("FETCH 1 (UID FLAGS BODY.PEEK[])");
    let want =
        format!("* 1 FETCH (UID 1 FLAGS (\\Recent) BODY[] {{{}}}\r\n{})", body.len(), String::from_utf8_lossy(&body));
    assert_eq!(fetched[0], want);
    // A command in the read-only session moves nothing either.
    b.ok("NOOP");
    assert_eq!(support::files(&dir.join("new")), [name]);
    let lines = a.ok("SELECT box");
    assert_eq!(lines[2..4], ["* 1 EXISTS", "* 1 RECENT"], "{lines:?}");
    assert!(support::files(&dir.join("new")).is_empty());
    assert_eq!(support::files(&dir.join("cur")), [format!("{name}:2,")]);
    let fetched = a.ok("UID FETCH 1 (FLAGS BODY.PEEK[])");
    assert_eq!(fetched[0], want, "the same message, UID and all, read from cur/");
}

/// While a mailbox is only EXAMINEd, the watcher's sync after an MTA's
/// delivery leaves the file in `new/` too (it used to move it to `cur/`,
/// taking `\Recent` from the next read-write session): the IDLE session
/// hears of it, it is recent, CHECK leaves it, and the SELECT that
/// follows moves it.
#[test]
fn the_watcher_leaves_new_alone_while_only_examined() {
    let server = Server::start_hashed(&[]);
    let mut a = server.login("alice");
    a.ok("CREATE box");
    let dir = server.maildir("alice").join(".box");
    let mut b = server.login("alice");
    b.ok("EXAMINE box");
    b.send(b"i1 IDLE\r\n");
    assert_eq!(b.line(), "+ idling");
    let name = "1700000001.M2P2.mta.example";
    let body = message("delivered");
    std::fs::write(dir.join("tmp").join(name), &body).unwrap();
    std::fs::rename(dir.join("tmp").join(name), dir.join("new").join(name)).unwrap();
    // The watcher's sync is what wakes the IDLE.
    assert_eq!(b.line(), "* 1 EXISTS");
    assert_eq!(b.line(), "* 1 RECENT");
    b.send(b"DONE\r\n");
    assert_eq!(b.until_tagged("i1"), ["i1 OK IDLE terminated"]);
    // CHECK in the read-only session moves nothing either.
    b.ok("CHECK");
    assert_eq!(support::files(&dir.join("new")), [name]);
    assert!(support::files(&dir.join("cur")).is_empty());
    let lines = a.ok("SELECT box");
    assert_eq!(lines[2..4], ["* 1 EXISTS", "* 1 RECENT"], "{lines:?}");
    assert!(support::files(&dir.join("new")).is_empty());
    assert_eq!(support::files(&dir.join("cur")), [format!("{name}:2,")]);
}
