//! Until CONDSTORE and QRESYNC work completely, their syntax is refused
//! with BAD and a reason, never parsed and silently ignored, and neither is
//! advertised.

mod support;

use support::Server;

#[test]
fn condstore_syntax_answers_bad_with_a_reason() {
    let server = Server::start(&[]);
    let mut c = server.login("alice");
    let caps = c.ok("CAPABILITY");
    assert!(!caps[0].contains("CONDSTORE") && !caps[0].contains("QRESYNC"), "{caps:?}");
    c.append("INBOX", "", &support::message("one"));
    for (cmd, why) in [
        ("SELECT INBOX (CONDSTORE)", "CONDSTORE"),
        ("EXAMINE INBOX (QRESYNC (1 2))", "QRESYNC"),
        ("STATUS INBOX (MESSAGES HIGHESTMODSEQ)", "HIGHESTMODSEQ"),
    ] {
        let l = c.cmd(cmd);
        let last = l.last().unwrap();
        assert!(last.contains(" BAD ") && last.contains(why), "{cmd}: {l:?}");
    }
    c.ok("SELECT INBOX");
    for (cmd, why) in [
        ("FETCH 1 (FLAGS) (CHANGEDSINCE 1)", "CHANGEDSINCE"),
        ("UID FETCH 1:* (FLAGS) (CHANGEDSINCE 1 VANISHED)", "CHANGEDSINCE"),
        ("FETCH 1 (MODSEQ)", "ModSeq"),
        ("STORE 1 (UNCHANGEDSINCE 5) +FLAGS (\\Seen)", "UNCHANGEDSINCE"),
        ("SEARCH OR MODSEQ 5 ALL", "MODSEQ"),
        ("UID SEARCH NOT MODSEQ \"/flags/\\\\seen\" all 5", "MODSEQ"),
    ] {
        let l = c.cmd(cmd);
        let last = l.last().unwrap();
        assert!(last.contains(" BAD ") && last.contains(why), "{cmd}: {l:?}");
    }
    // Nothing of the refused STORE was done.
    let l = c.ok("FETCH 1 FLAGS");
    assert!(!l[0].contains("\\Seen"), "{l:?}");
}
