//! Issue 10, Must show 3: IMAP4rev2 (RFC 9051) beside IMAP4rev1. RFC 9051's
//! examples replayed where they apply to tegami's mailbox, a rev2 session
//! that never sees `\Recent`, and the same actions seen by a rev1 and a
//! rev2 session side by side.

mod support;

use support::{message, Client, Server};

/// Replays a transcript: each `C:` line is sent, then the `S:` lines that
/// follow it must come back byte for byte, in order. `{V}` stands for
/// the mailbox's UIDVALIDITY, `{M}` for its MAILBOXID and `{H}` for its
/// HIGHESTMODSEQ (`ids` holds the three, spaces between).
fn replay(c: &mut Client, script: &str, ids: &str) {
    let mut parts = ids.split(' ');
    let mut next = || parts.next().unwrap_or_default();
    let (validity, mailbox_id, highest) = (next(), next(), next());
    let mut lines = script.lines().map(str::trim).filter(|l| !l.is_empty()).peekable();
    while let Some(l) = lines.next() {
        let cmd = l.strip_prefix("C: ").unwrap_or_else(|| panic!("expected a C: line, got {l:?}"));
        c.send(format!("{cmd}\r\n").as_bytes());
        while let Some(s) = lines.next_if(|l| l.starts_with("S: ")) {
            let want = s[3..].replace("{V}", validity).replace("{M}", mailbox_id).replace("{H}", highest);
            assert_eq!(c.response(), want, "after {cmd:?}");
        }
    }
}

/// A server whose INBOX holds three messages, the last two `\Flagged`,
/// appended by a session that never selected it (so they are `\Recent`).
fn three_messages() -> (Server, String) {
    let server = Server::start(&[]);
    let mut c = server.login("alice");
    c.append("INBOX", "", &message("one"));
    c.append("INBOX", "(\\Flagged)", &message("two"));
    c.append("INBOX", "(\\Flagged)", &message("three"));
    let st = c.ok("STATUS INBOX (UIDVALIDITY MAILBOXID HIGHESTMODSEQ)");
    // `{V}`, `{M}` and `{H}` of the transcripts: UIDVALIDITY, MAILBOXID
    // (RFC 8474) and HIGHESTMODSEQ (RFC 7162: SELECT always sends it).
    let v = st[0].split("UIDVALIDITY ").nth(1).unwrap().split(' ').next().unwrap().to_string();
    let m = st[0].split("MAILBOXID (").nth(1).unwrap().split(')').next().unwrap().to_string();
    let h = st[0].split("HIGHESTMODSEQ ").nth(1).unwrap().split(')').next().unwrap().to_string();
    let v = format!("{v} {m} {h}");
    c.ok("LOGOUT");
    (server, v)
}

#[test]
fn rfc9051_examples_replay_in_a_rev2_session() {
    let (server, v) = three_messages();
    let mut c = server.login("alice");
    let caps = c.ok("CAPABILITY");
    assert!(caps[0].starts_with("* CAPABILITY IMAP4rev1 IMAP4rev2 "), "{caps:?}");
    // 6.3.1 ENABLE, 6.3.2 SELECT (no RECENT, no UNSEEN, a LIST response),
    // 6.4.4 SEARCH answered with ESEARCH, 6.4.6 STORE, 6.4.3 EXPUNGE,
    // 6.3.11 STATUS with DELETED and SIZE, 6.3.10 NAMESPACE.
    replay(
        &mut c,
        r#"
        C: A1 ENABLE IMAP4rev2
        S: * ENABLED IMAP4rev2
        S: A1 OK ENABLE completed
        C: A142 SELECT INBOX
        S: * FLAGS (\Answered \Flagged \Deleted \Seen \Draft $Forwarded $MDN $Hidden $Media)
        S: * OK [PERMANENTFLAGS (\Answered \Flagged \Deleted \Seen \Draft $Forwarded $MDN $Hidden $Media \*)] Flags permitted
        S: * 3 EXISTS
        S: * LIST (\HasNoChildren) "/" INBOX
        S: * OK [UIDVALIDITY {V}] UIDs valid
        S: * OK [UIDNEXT 4] Predicted next UID
        S: * OK [MAILBOXID ({M})] Ok
        S: * OK [HIGHESTMODSEQ {H}] Highest
        S: A142 OK [READ-WRITE] SELECT completed
        C: A282 SEARCH RETURN (MIN COUNT) FLAGGED
        S: * ESEARCH (TAG "A282") MIN 2 COUNT 2
        S: A282 OK SEARCH completed
        C: A283 SEARCH RETURN () FLAGGED
        S: * ESEARCH (TAG "A283") ALL 2:3
        S: A283 OK SEARCH completed
        C: A284 SEARCH TEXT "string not in mailbox"
        S: * ESEARCH (TAG "A284")
        S: A284 OK SEARCH completed
        C: A285 SEARCH FLAGGED
        S: * ESEARCH (TAG "A285") ALL 2:3
        S: A285 OK SEARCH completed
        C: A286 UID SEARCH FLAGGED
        S: * ESEARCH (TAG "A286") UID ALL 2:3
        S: A286 OK UID SEARCH completed
        C: A654 FETCH 1:3 (UID FLAGS)
        S: * 1 FETCH (UID 1 FLAGS ())
        S: * 2 FETCH (UID 2 FLAGS (\Flagged))
        S: * 3 FETCH (UID 3 FLAGS (\Flagged))
        S: A654 OK FETCH completed
        C: A003 STORE 2:3 +FLAGS (\Deleted)
        S: * 2 FETCH (FLAGS (\Flagged \Deleted))
        S: * 3 FETCH (FLAGS (\Flagged \Deleted))
        S: A003 OK STORE completed
        C: A042 STATUS INBOX (MESSAGES DELETED)
        S: * STATUS INBOX (MESSAGES 3 DELETED 2)
        S: A042 OK STATUS completed
        C: A202 EXPUNGE
        S: * 3 EXPUNGE
        S: * 2 EXPUNGE
        S: A202 OK EXPUNGE completed
        C: A001 NAMESPACE
        S: * NAMESPACE (("" "/")) (("~" "/")) (("~public/" "/"))
        S: A001 OK NAMESPACE completed
        C: A023 LOGOUT
        S: * BYE Logging out
        S: A023 OK LOGOUT completed
        "#,
        &v,
    );
}

/// Every line a session received, for a `\Recent` check.
fn all_lines(lines: &[Vec<String>]) -> Vec<String> {
    lines.iter().flatten().cloned().collect()
}

#[test]
fn a_rev2_session_never_sees_recent() {
    let (server, _) = three_messages();
    let mut r2 = server.login("alice");
    let mut seen = vec![r2.ok("ENABLE IMAP4rev2"), r2.select("INBOX")];
    // The session holds \Recent for all three (it selected first)...
    seen.push(r2.ok("FETCH 1:* (FLAGS)"));
    seen.push(r2.ok("SEARCH RECENT"));
    let found = &seen.last().unwrap()[0];
    assert!(found.starts_with("* ESEARCH (TAG ") && found.ends_with(") ALL 1:3"), "{found}");
    // ...but is never told so: not on STORE, nor when another session
    // adds a message or changes flags, nor in a new keyword's FLAGS.
    seen.push(r2.ok("STORE 1 +FLAGS (\\Seen)"));
    let mut other = server.login("alice");
    other.append("INBOX", "", &message("four"));
    other.select("INBOX");
    other.ok("STORE 2 +FLAGS (NewKeyword)");
    let noop = r2.ok("NOOP");
    assert!(noop.contains(&"* 4 EXISTS".to_string()), "{noop:?}");
    assert!(noop.contains(&"* 2 FETCH (UID 2 FLAGS (\\Flagged NewKeyword))".to_string()), "{noop:?}");
    seen.push(noop);
    seen.push(r2.ok("UID FETCH 1:* (FLAGS)"));
    seen.push(r2.ok("EXAMINE INBOX"));
    seen.push(r2.ok("STATUS Drafts (MESSAGES UIDNEXT)"));
    let lines = all_lines(&seen);
    assert!(
        lines.iter().all(|l| !l.contains("\\Recent") && !l.contains("RECENT ") && !l.ends_with(" RECENT")),
        "{lines:#?}"
    );
    assert!(lines.iter().any(|l| l.starts_with("* 1 FETCH (FLAGS (\\Seen))")), "{lines:#?}");
}

#[test]
fn rev1_and_rev2_sessions_see_the_same_actions_each_in_its_dialect() {
    let (server, _) = three_messages();
    let mut r1 = server.login("alice");
    let mut r2 = server.login("alice");
    r2.ok("ENABLE IMAP4rev2");
    // rev1 selects first and holds \Recent; rev2 selects the same mailbox.
    let s1 = r1.select("INBOX");
    let s2 = r2.select("INBOX");
    assert!(s1.contains(&"* 3 RECENT".to_string()), "{s1:?}");
    assert!(s1.iter().any(|l| l.starts_with("* OK [UNSEEN 1]")), "{s1:?}");
    assert!(!s1.iter().any(|l| l.starts_with("* LIST")), "{s1:?}");
    assert!(!s2.iter().any(|l| l.contains("RECENT") || l.contains("UNSEEN")), "{s2:?}");
    assert!(s2.contains(&"* LIST (\\HasNoChildren) \"/\" INBOX".to_string()), "{s2:?}");
    let f1 = r1.ok("FETCH 2 (FLAGS)");
    assert_eq!(f1[0], "* 2 FETCH (FLAGS (\\Flagged \\Recent))");
    let f2 = r2.ok("FETCH 2 (FLAGS)");
    assert_eq!(f2[0], "* 2 FETCH (FLAGS (\\Flagged))");
    let q1 = r1.ok("SEARCH FLAGGED");
    assert_eq!(q1[0], "* SEARCH 2 3");
    let q2 = r2.ok("SEARCH FLAGGED");
    assert!(q2[0].starts_with("* ESEARCH (TAG \"") && q2[0].ends_with("\") ALL 2:3"), "{q2:?}");
    // A new message: both learn of it; only rev1 gets a RECENT count.
    let mut other = server.login("alice");
    other.append("INBOX", "", &message("four"));
    let n1 = r1.ok("NOOP");
    assert_eq!(&n1[..2], ["* 4 EXISTS", "* 4 RECENT"], "{n1:?}");
    let n2 = r2.ok("NOOP");
    assert_eq!(n2.len(), 2, "{n2:?}");
    assert_eq!(n2[0], "* 4 EXISTS");
}

#[test]
fn examine_after_select_keeps_the_sessions_recent_messages() {
    let (server, _) = three_messages();
    let mut c = server.login("alice");
    let sel = c.select("INBOX");
    assert!(sel.contains(&"* 3 RECENT".to_string()), "{sel:?}");
    let ex = c.ok("EXAMINE INBOX");
    assert!(ex.contains(&"* 3 RECENT".to_string()), "{ex:?}");
    assert_eq!(c.ok("FETCH 1 (FLAGS)")[0], "* 1 FETCH (FLAGS (\\Recent))");
    // Another session never sees them as recent.
    let mut other = server.login("alice");
    assert!(other.select("INBOX").contains(&"* 0 RECENT".to_string()));
}
