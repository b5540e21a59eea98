//! FETCH of a message another session expunged, before this session was
//! told (RFC 2180 4.1.2): what the view and the cache still hold is
//! answered as before the expunge (flags, UID, size, dates, ENVELOPE,
//! BODYSTRUCTURE, cached header sections); only items that need the gone
//! file are refused, with `NO [EXPUNGEISSUED]` (issue 20).

mod support;

use support::Server;

const GOING: &[u8] =
    b"From: Ann <ann@example.org>\r\nSubject: going\r\nDate: Mon, 1 Jan 2024 10:00:00 +0000\r\n\r\nbody one\r\n";
const STAYING: &[u8] = b"From: Bo <bo@example.org>\r\nSubject: staying\r\n\r\nbody two\r\n";

const LISTING: &str = "FETCH 1:2 (UID FLAGS RFC822.SIZE INTERNALDATE ENVELOPE BODYSTRUCTURE \
                       BODY.PEEK[HEADER.FIELDS (SUBJECT FROM)])";

fn text(r: &[Vec<u8>]) -> Vec<String> {
    r.iter().map(|b| String::from_utf8_lossy(b).into_owned()).collect()
}

#[test]
fn a_message_expunged_by_another_session_is_answered_from_what_is_held() {
    let server = Server::start(&[]);
    let mut b = server.login("alice");
    for m in [GOING, STAYING] {
        let r = b.append_dated("INBOX", "\\Flagged", Some("01-Jan-2024 10:00:00 +0000"), m);
        assert!(r.last().unwrap().contains(" OK "), "{r:?}");
    }
    let mut a = server.login("alice");
    a.ok("EXAMINE INBOX");
    b.ok("SELECT INBOX");
    // The first listing fills the cache.
    let before = text(&a.cmd_bytes(LISTING));
    let envelope_one = "ENVELOPE (\"Mon, 1 Jan 2024 10:00:00 +0000\" \"going\" ((\"Ann\" NIL \"ann\" \"example.org\")) \
                        ((\"Ann\" NIL \"ann\" \"example.org\")) ((\"Ann\" NIL \"ann\" \"example.org\")) NIL NIL NIL NIL NIL)";
    let one = format!(
        "* 1 FETCH (UID 1 FLAGS (\\Flagged \\Recent) RFC822.SIZE 95 INTERNALDATE \"01-Jan-2024 10:00:00 +0000\" {envelope_one} \
         BODYSTRUCTURE (\"text\" \"plain\" (\"charset\" \"us-ascii\") NIL NIL \"7bit\" 10 1 NIL NIL NIL NIL) \
         BODY[HEADER.FIELDS (SUBJECT FROM)] {{47}}\r\nFrom: Ann <ann@example.org>\r\nSubject: going\r\n\r\n)\r\n"
    );
    assert_eq!(before[0], one, "{before:?}");
    assert!(before[1].starts_with("* 2 FETCH (UID 2 FLAGS (\\Flagged \\Recent) RFC822.SIZE 57 "), "{before:?}");
    assert_eq!(before[2], "t3 OK FETCH completed\r\n");

    let r = b.ok("STORE 1 +FLAGS.SILENT (\\Deleted)");
    assert_eq!(r.len(), 1, "{r:?}");
    assert_eq!(b.ok("EXPUNGE")[0], "* 1 EXPUNGE");
    assert!(!server.maildir("alice").join("cur").read_dir().unwrap().any(|e| {
        let name = e.unwrap().file_name();
        std::fs::read(server.maildir("alice").join("cur").join(name)).unwrap() == GOING
    }));

    // A has not been told: FETCH may not tell it (RFC 3501 7.4.1), and
    // answers message 1 as it did, the same bytes.
    let after = text(&a.cmd_bytes(LISTING));
    assert_eq!(after, [before[0].clone(), before[1].clone(), "t4 OK FETCH completed\r\n".to_string()]);

    // What needs the gone file is refused, for that message only.
    let body = text(&a.cmd_bytes("FETCH 1:2 (UID BODY.PEEK[TEXT])"));
    assert_eq!(
        body,
        [
            "* 2 FETCH (UID 2 BODY[TEXT] {10}\r\nbody two\r\n)\r\n",
            "t5 NO [EXPUNGEISSUED] Some of the requested messages no longer exist\r\n",
        ]
    );
    // A value never cached (PREVIEW) needs the file too.
    let preview = text(&a.cmd_bytes("FETCH 1 (UID PREVIEW)"));
    assert_eq!(preview, ["t6 NO [EXPUNGEISSUED] Some of the requested messages no longer exist\r\n"]);
    // Then NOOP tells A, and message 1 is the one that stayed.
    assert_eq!(text(&a.cmd_bytes("NOOP")), ["* 1 EXPUNGE\r\n", "t7 OK NOOP completed\r\n"]);
    let now = text(&a.cmd_bytes("FETCH 1 (UID BODY.PEEK[HEADER.FIELDS (SUBJECT)])"));
    assert_eq!(now[0], "* 1 FETCH (UID 2 BODY[HEADER.FIELDS (SUBJECT)] {20}\r\nSubject: staying\r\n\r\n)\r\n");
}
