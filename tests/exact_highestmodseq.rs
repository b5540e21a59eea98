//! Issue 21, item 7(b): `* OK [HIGHESTMODSEQ n]` with every successful
//! SELECT and EXAMINE, CONDSTORE enabled or not (RFC 7162 3.1.2.1: a
//! server that keeps mod-sequences persistently sends it). Thunderbird
//! turns CONDSTORE on only once it has seen it; its session is replayed
//! here with its own command lines, byte for byte.

mod support;

use support::{message, Client, Server};

/// UIDVALIDITY, MAILBOXID and HIGHESTMODSEQ of `mailbox`, read with STATUS
/// in a session of its own (STATUS HIGHESTMODSEQ enables CONDSTORE there).
fn ids(server: &Server, mailbox: &str) -> [String; 3] {
    let mut c = server.login("alice");
    let st = c.ok(&format!("STATUS {mailbox} (UIDVALIDITY MAILBOXID HIGHESTMODSEQ)"));
    let after = |key: &str, end: char| st[0].split(key).nth(1).unwrap().split(end).next().unwrap().to_string();
    let ids = [after("UIDVALIDITY ", ' '), after("MAILBOXID (", ')'), after("HIGHESTMODSEQ ", ')')];
    c.ok("LOGOUT");
    ids
}

/// Sends one raw command line and checks every line of the answer byte for
/// byte; `{V}`, `{M}` and `{H}` stand for the mailbox's `ids`.
fn exchange(c: &mut Client, line: &str, want: &[&str], [v, m, h]: &[String; 3]) {
    c.send(format!("{line}\r\n").as_bytes());
    let tag = line.split(' ').next().unwrap();
    let got = c.until_tagged(tag);
    let want: Vec<String> = want.iter().map(|l| l.replace("{V}", v).replace("{M}", m).replace("{H}", h)).collect();
    assert_eq!(got, want, "after {line:?}");
}

const FLAGS: &str = "* FLAGS (\\Answered \\Flagged \\Deleted \\Seen \\Draft $Forwarded $MDN $Hidden $Media)";

/// A server (SHA512-CRYPT accounts, a 1G storage quota) whose INBOX holds
/// two messages and whose Sent holds one, all seen.
fn mailboxes() -> Server {
    let server = Server::start_hashed(&[]);
    let mut a = server.login("alice");
    // Sent exists from the start (special-use mailboxes are created).
    for (mailbox, text) in [("INBOX", "one"), ("INBOX", "two"), ("Sent", "sent")] {
        let r = a.append(mailbox, "(\\Seen)", &message(text));
        assert!(r.last().unwrap().contains(" OK "), "{r:?}");
    }
    a.ok("LOGOUT");
    server
}

/// Thunderbird's lines after login, no ENABLE CONDSTORE before them:
/// SELECT and EXAMINE each carry the mailbox's HIGHESTMODSEQ, the one
/// STATUS reports; GETQUOTAROOT in between is unchanged.
#[test]
fn thunderbird_select_getquotaroot_examine_see_highestmodseq() {
    let server = mailboxes();
    let (inbox, sent) = (ids(&server, "INBOX"), ids(&server, "Sent"));
    let mut c = server.connect();
    c.send(b"1 login \"alice\" \"wonderland\"\r\n");
    let done = c.until_tagged("1");
    assert!(done[0].starts_with("1 OK [CAPABILITY ") && done[0].ends_with("] Logged in"), "{done:?}");
    exchange(
        &mut c,
        "2 select \"INBOX\"",
        &[
            FLAGS,
            "* OK [PERMANENTFLAGS (\\Answered \\Flagged \\Deleted \\Seen \\Draft $Forwarded $MDN $Hidden $Media \\*)] Flags permitted",
            "* 2 EXISTS",
            "* 2 RECENT",
            "* OK [UIDVALIDITY {V}] UIDs valid",
            "* OK [UIDNEXT 3] Predicted next UID",
            "* OK [MAILBOXID ({M})] Ok",
            "* OK [HIGHESTMODSEQ {H}] Highest",
            "2 OK [READ-WRITE] SELECT completed",
        ],
        &inbox,
    );
    exchange(
        &mut c,
        "3 getquotaroot \"INBOX\"",
        &["* QUOTAROOT INBOX #alice", "* QUOTA #alice (STORAGE 1 1048576)", "3 OK GETQUOTAROOT completed"],
        &inbox,
    );
    exchange(
        &mut c,
        "4 examine \"Sent\"",
        &[
            "* OK [CLOSED] Previous mailbox closed",
            FLAGS,
            "* OK [PERMANENTFLAGS ()] Read-only mailbox",
            "* 1 EXISTS",
            "* 1 RECENT",
            "* OK [UIDVALIDITY {V}] UIDs valid",
            "* OK [UIDNEXT 2] Predicted next UID",
            "* OK [MAILBOXID ({M})] Ok",
            "* OK [HIGHESTMODSEQ {H}] Highest",
            "4 OK [READ-ONLY] EXAMINE completed",
        ],
        &sent,
    );
    // No MODSEQ in FETCH yet: CONDSTORE is still off (only its
    // HIGHESTMODSEQ was announced).
    exchange(
        &mut c,
        "5 fetch 1 (UID FLAGS)",
        &["* 1 FETCH (UID 1 FLAGS (\\Seen \\Recent))", "5 OK FETCH completed"],
        &sent,
    );
}

/// The value moves with the mailbox: a flag change in another session
/// raises it, and the next SELECT reports the change's mod-sequence; an
/// IMAP4rev2 session and a session that enabled CONDSTORE get it once.
#[test]
fn highestmodseq_follows_changes_and_comes_once() {
    let server = mailboxes();
    let [_, _, before] = ids(&server, "INBOX");
    let mut a = server.login("alice");
    a.ok("SELECT INBOX");
    a.ok("STORE 1 +FLAGS.SILENT (\\Flagged)");
    let mut b = server.login("alice");
    let lines = b.ok("EXAMINE INBOX");
    let now: u64 = Client::code(&lines, "HIGHESTMODSEQ").unwrap().parse().unwrap();
    assert!(now > before.parse().unwrap(), "{lines:?}");
    // FETCH MODSEQ enables CONDSTORE with the mailbox selected, which
    // announces HIGHESTMODSEQ once more (RFC 7162 3.1), then the item.
    let fetched = b.ok("FETCH 1 (MODSEQ)");
    let want = [format!("* OK [HIGHESTMODSEQ {now}] Highest"), format!("* 1 FETCH (MODSEQ ({now}))")];
    assert_eq!(fetched[..2], want, "the STORE's mod-sequence is the highest");
    let mut r = server.login("alice");
    r.ok("ENABLE IMAP4rev2 CONDSTORE");
    let lines = r.ok("SELECT INBOX");
    let count = lines.iter().filter(|l| l.contains("HIGHESTMODSEQ")).count();
    assert_eq!(count, 1, "{lines:?}");
    assert!(lines.contains(&format!("* OK [HIGHESTMODSEQ {now}] Highest")), "{lines:?}");
}
