//! CommuniGate's special flags `$MDN`, `$Hidden` and `$Media`: listed in
//! FLAGS and PERMANENTFLAGS of every mailbox, storable like any flag, and
//! kept on a message across a restart (issue 13, item 5).

mod smime_util;
mod support;

use smime_util::{login, start};

const FLAGS: &str = "* FLAGS (\\Answered \\Flagged \\Deleted \\Seen \\Draft $Forwarded $MDN $Hidden $Media)";
const PERMANENT: &str =
    "* OK [PERMANENTFLAGS (\\Answered \\Flagged \\Deleted \\Seen \\Draft $Forwarded $MDN $Hidden $Media \\*)] Flags permitted";

#[test]
fn special_flags_are_permanent_in_every_mailbox() {
    let server = start();
    let mut c = login(&server, "alice");
    c.ok("CREATE Projects/2026");
    for mailbox in ["INBOX", "Sent", "Projects/2026"] {
        let r = c.select(mailbox);
        assert!(r.iter().any(|l| l == FLAGS), "{mailbox}: {r:?}");
        assert!(r.iter().any(|l| l == PERMANENT), "{mailbox}: {r:?}");
    }
    let r = c.ok("EXAMINE INBOX");
    assert!(r.iter().any(|l| l == "* OK [PERMANENTFLAGS ()] Read-only mailbox"), "{r:?}");
}

#[test]
fn special_flags_are_stored_and_survive_a_restart() {
    let mut server = start();
    let mut c = login(&server, "alice");
    c.select("INBOX");
    for subject in ["receipt", "hidden", "photo", "plain"] {
        c.append("INBOX", "", &support::message(subject));
    }
    let r = c.ok("STORE 1 +FLAGS ($MDN)");
    assert!(r.iter().any(|l| l == "* 1 FETCH (FLAGS ($MDN \\Recent))"), "{r:?}");
    // A keyword new to the mailbox: FLAGS again, still each flag once.
    assert!(!r.iter().any(|l| l.starts_with("* FLAGS") && l != FLAGS), "{r:?}");
    c.ok("STORE 2 +FLAGS.SILENT ($Hidden \\Seen)");
    c.ok("STORE 3 +FLAGS.SILENT ($Media)");
    c.ok("STORE 4 +FLAGS.SILENT ($Media \\Seen)");
    let r = c.ok("STATUS INBOX (UNSEENMEDIA)");
    assert_eq!(r[0], "* STATUS INBOX (UNSEENMEDIA 1)");
    drop(c);

    server.restart(&[]);
    let mut c = login(&server, "alice");
    let r = c.select("INBOX");
    assert!(r.iter().any(|l| l == PERMANENT), "{r:?}");
    let r = c.ok("FETCH 1:4 (FLAGS)");
    assert_eq!(
        r[..4],
        [
            "* 1 FETCH (FLAGS ($MDN))",
            "* 2 FETCH (FLAGS (\\Seen $Hidden))",
            "* 3 FETCH (FLAGS ($Media))",
            "* 4 FETCH (FLAGS (\\Seen $Media))",
        ]
    );
    let r = c.ok("SEARCH KEYWORD $Media");
    assert_eq!(r[0], "* SEARCH 3 4");
    // On disk: Dovecot's keywords file names them.
    let keywords = std::fs::read_to_string(server.maildir("alice").join("dovecot-keywords")).unwrap();
    for k in ["$MDN", "$Hidden", "$Media"] {
        assert!(keywords.lines().any(|l| l.split(' ').nth(1) == Some(k)), "{k} in {keywords}");
    }
    let r = c.ok("STORE 1 -FLAGS ($MDN)");
    assert_eq!(r[0], "* 1 FETCH (FLAGS ())");
}
