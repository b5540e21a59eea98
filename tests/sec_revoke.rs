//! Issue 19, item 2 and Must show 2: a right taken away stops the flow at
//! once. Alice shares `Shared` with bob, bob listens (IDLE, NOTIFY for the
//! selected mailbox and for a watched one, a CONTEXT=SEARCH update), alice
//! withdraws bob's rights and appends messages with a marker body: none
//! of them, no EXISTS, FETCH or STATUS of the mailbox, reaches bob; the
//! selected mailbox is closed as at the next command (`* NO [NOPERM]`,
//! `* OK [CLOSED]`). And reading a message sets `\Seen` only with `s`.
//!
//! Absence is read with a bounded wait: whatever bob's socket receives
//! until it has been quiet for [`QUIET`], then the answer of the command
//! that ends the wait (DONE or NOOP), which on the old code carried the
//! same updates anyway. No time is asserted.

mod share_common;
mod support;

use std::time::Duration;

use share_common::{login, message, result, start, untagged};
use support::{Client, Server};

/// How long bob's socket must stay silent before the wait ends.
const QUIET: Duration = Duration::from_millis(1500);

/// The body text alice's messages carry after the revocation.
const MARKER: &str = "MARKER-AFTER-REVOCATION";

/// What the selected mailbox's closing looks like (as at the next
/// command, `share_acl::rights_withdrawn_from_a_selected_mailbox_apply_at_the_next_command`).
const CLOSED: [&str; 2] = [
    "* NO [NOPERM] The rights on the selected mailbox no longer allow reading it",
    "* OK [CLOSED] The mailbox is no longer selected",
];

/// Everything the server sends until the socket has been quiet for
/// [`QUIET`] (a bounded wait for something that must not come).
fn drain(c: &mut Client) -> String {
    String::from_utf8_lossy(&c.quiet(QUIET)).into_owned()
}

/// Alice's `Shared` with two messages, bob granted `rights` on it.
fn shared(server: &Server, rights: &str) -> Client {
    let mut a = login(server, "alice");
    a.ok("CREATE Shared");
    a.append("Shared", "", &message("first"));
    a.append("Shared", "", &message("second"));
    a.ok(&format!("SETACL Shared bob {rights}"));
    a
}

/// Alice takes bob's rights away, then appends three marked messages.
fn revoke_and_append(a: &mut Client) {
    a.ok("DELETEACL Shared bob");
    for i in 1..=3 {
        let body = format!("From: alice@example.com\r\nSubject: after {i}\r\n\r\n{MARKER} {i}\r\n");
        let app = a.append("Shared", "", body.as_bytes());
        assert!(result(&app).starts_with("OK"), "{app:?}");
    }
}

/// Asserts nothing of the mailbox reached bob in `text`: no marker, no
/// EXISTS beyond the two messages he knew, no FETCH, no EXPUNGE.
fn nothing_of_the_mailbox(text: &str) {
    assert!(!text.contains(MARKER), "bob received a message after the revocation: {text:?}");
    for line in text.lines() {
        let words: Vec<&str> = line.split(' ').collect();
        if words.first() == Some(&"*") && words.len() > 2 && words[1].parse::<u32>().is_ok() {
            assert!(
                !["EXISTS", "FETCH", "EXPUNGE", "RECENT"].contains(&words[2]),
                "bob heard of the mailbox after the revocation: {line:?} in {text:?}"
            );
        }
    }
}

/// The lines of `text` that are the closing responses, in order.
fn closings(text: &str) -> Vec<&str> {
    text.lines().map(|l| l.trim_end_matches('\r')).filter(|l| CLOSED.contains(l)).collect()
}

/// Reads what bob is sent until the mailbox is closed for him, which
/// must come unasked and before anything else; then whatever follows
/// until [`QUIET`], then the answer to DONE (`tag` names the IDLE).
fn closed_then_done(b: &mut Client, tag: &str) -> (String, Vec<String>) {
    let first = [b.response(), b.response()];
    assert_eq!(first, CLOSED, "the first lines after the revocation");
    let meanwhile = format!("{}\r\n{}", first.join("\r\n"), drain(b));
    b.send(b"DONE\r\n");
    let answer = b.until_tagged(tag);
    (meanwhile, answer)
}

#[test]
fn revocation_during_plain_idle_stops_exists_and_closes_the_mailbox() {
    let server = start();
    let mut a = shared(&server, "lr");
    let mut b = login(&server, "bob");
    let sel = b.select("~alice/Shared");
    assert!(sel.contains(&"* 2 EXISTS".to_string()), "{sel:?}");
    b.send(b"i1 IDLE\r\n");
    assert_eq!(b.line(), "+ idling");

    revoke_and_append(&mut a);
    let (meanwhile, answer) = closed_then_done(&mut b, "i1");
    let all = format!("{meanwhile}{}", answer.join("\r\n"));
    nothing_of_the_mailbox(&all);
    assert_eq!(closings(&all), CLOSED, "{all:?}");
    assert_eq!(answer.last().unwrap(), "i1 OK IDLE terminated");

    // The mailbox is closed for bob, and it is gone for him altogether;
    // his own INBOX works as ever.
    let fetch = b.cmd("FETCH 1 (FLAGS)");
    assert!(result(&fetch).starts_with("BAD"), "{fetch:?}");
    let status = b.cmd("STATUS ~alice/Shared (MESSAGES)");
    assert!(result(&status).starts_with("NO [NONEXISTENT]"), "{status:?}");
    b.append("INBOX", "", &message("bob's own"));
    b.select("INBOX");
    let own = b.ok("FETCH 1 (BODY.PEEK[HEADER.FIELDS (SUBJECT)])");
    assert!(own[0].contains("Subject: bob's own"), "{own:?}");
}

/// The scenario: NOTIFY for the selected mailbox with MessageNew
/// asking for the text, bob in IDLE.
#[test]
fn revocation_during_notify_of_the_selected_mailbox_sends_no_fetch() {
    let server = start();
    let mut a = shared(&server, "lr");
    let mut b = login(&server, "bob");
    b.select("~alice/Shared");
    b.ok("NOTIFY SET (SELECTED (MessageNew (UID BODY.PEEK[TEXT]) MessageExpunge))");
    b.send(b"i1 IDLE\r\n");
    assert_eq!(b.line(), "+ idling");
    // Before: bob hears of a new message, with its text.
    a.append("Shared", "", b"Subject: before\r\n\r\nstill shared\r\n");
    let before = b.read_until(|l| l.starts_with("* 3 FETCH"));
    assert_eq!(before.last().unwrap(), "* 3 FETCH (UID 3 BODY[TEXT] {14}\r\nstill shared\r\n)");

    revoke_and_append(&mut a);
    // An expunge of a message bob knew is not told either.
    a.select("Shared");
    a.ok("STORE 1 +FLAGS.SILENT (\\Deleted)");
    a.ok("EXPUNGE");
    let (meanwhile, answer) = closed_then_done(&mut b, "i1");
    let all = format!("{meanwhile}{}", answer.join("\r\n"));
    nothing_of_the_mailbox(&all);
    assert_eq!(closings(&all), CLOSED, "{all:?}");
    assert_eq!(answer.last().unwrap(), "i1 OK IDLE terminated");
    let status = b.cmd("STATUS ~alice/Shared (MESSAGES)");
    assert!(result(&status).starts_with("NO [NONEXISTENT]"), "{status:?}");
}

/// The same without IDLE: NOTIFY sends between commands, and the
/// selected mailbox is closed there before anything of it goes out.
#[test]
fn revocation_between_commands_with_notify_closes_before_any_fetch() {
    let server = start();
    let mut a = shared(&server, "lr");
    let mut b = login(&server, "bob");
    b.select("~alice/Shared");
    b.ok("NOTIFY SET (SELECTED (MessageNew (UID BODY.PEEK[TEXT]) MessageExpunge FlagChange))");
    revoke_and_append(&mut a);
    let first = [b.response(), b.response()];
    assert_eq!(first, CLOSED, "the first lines after the revocation");
    let meanwhile = drain(&mut b);
    let noop = b.ok("NOOP");
    let all = format!("{meanwhile}{}", noop.join("\r\n"));
    nothing_of_the_mailbox(&all);
    assert_eq!(noop, ["t4 OK NOOP completed"], "{all:?}");
}

/// A watched mailbox that is not selected: STATUS lines stop with the
/// rights, while those of bob's own mailboxes go on.
#[test]
fn revocation_stops_status_of_a_watched_mailbox() {
    let server = start();
    let mut a = shared(&server, "lr");
    let mut b = login(&server, "bob");
    b.select("INBOX");
    b.ok("NOTIFY SET (MAILBOXES (~alice/Shared Archive) (MessageNew MessageExpunge))");
    // Before: a new message in the shared mailbox is told as STATUS.
    a.append("Shared", "", &message("third"));
    let before = b.read_until(|l| l.starts_with("* STATUS"));
    assert_eq!(before, ["* STATUS ~alice/Shared (MESSAGES 3 UIDNEXT 4 UNSEEN 3)"]);

    revoke_and_append(&mut a);
    a.select("Shared");
    a.ok("STORE 1 +FLAGS.SILENT (\\Deleted)");
    a.ok("EXPUNGE");
    // Bob's own mailbox is still told of: NOTIFY itself goes on.
    let mut b2 = login(&server, "bob");
    b2.append("Archive", "", &message("bob's archive"));
    let own = b.read_until(|l| l.starts_with("* STATUS Archive"));
    let meanwhile = drain(&mut b);
    let noop = b.ok("NOOP");
    let all = format!("{}\r\n{meanwhile}{}", own.join("\r\n"), noop.join("\r\n"));
    assert!(!all.contains("~alice/Shared"), "bob heard of the mailbox after the revocation: {all:?}");
    assert_eq!(own.last().unwrap(), "* STATUS Archive (MESSAGES 1 UIDNEXT 2 UNSEEN 1)");
    let status = b.cmd("STATUS ~alice/Shared (MESSAGES)");
    assert!(result(&status).starts_with("NO [NONEXISTENT]"), "{status:?}");

    // Given back, the mailbox is told of again.
    a.ok("SETACL Shared bob lr");
    a.append("Shared", "", &message("shared again"));
    let again = b.read_until(|l| l.starts_with("* STATUS"));
    assert_eq!(again, ["* STATUS ~alice/Shared (MESSAGES 6 UIDNEXT 8 UNSEEN 6)"]);
}

/// Reached through an alias and watched as well (SUBTREE): once closed,
/// the mailbox is an unselected watched one, and that is silent too.
#[test]
fn revocation_closes_an_alias_and_silences_its_watch() {
    let server = start();
    let mut a = shared(&server, "lr");
    // Bob's maildir exists from his first login on.
    let mut b = login(&server, "bob");
    let passwd = server.dir.path().join("passwd");
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_tegami"))
        .args(["alias", "-u"])
        .arg(&passwd)
        .args(["bob", "add", "Team", "~alice/Shared"])
        .output()
        .unwrap();
    assert!(out.status.success(), "{out:?}");
    b.select("Team");
    b.ok("NOTIFY SET (SELECTED (MessageNew (UID BODY.PEEK[TEXT]) MessageExpunge)) (SUBTREE (~alice/Shared) (MessageNew MessageExpunge))");
    b.send(b"i1 IDLE\r\n");
    assert_eq!(b.line(), "+ idling");

    revoke_and_append(&mut a);
    let (meanwhile, answer) = closed_then_done(&mut b, "i1");
    let all = format!("{meanwhile}{}", answer.join("\r\n"));
    nothing_of_the_mailbox(&all);
    assert!(!all.contains("STATUS"), "a watched mailbox told after the revocation: {all:?}");
    assert_eq!(answer, ["i1 OK IDLE terminated"]);
}

/// RFC 5267 updates of a search over the selected mailbox: no ADDTO for
/// messages that came after the rights went.
#[test]
fn revocation_stops_context_search_updates() {
    let server = start();
    let mut a = shared(&server, "lr");
    let mut b = login(&server, "bob");
    b.select("~alice/Shared");
    b.send(b"s1 UID SEARCH RETURN (UPDATE) ALL\r\n");
    let search = b.until_tagged("s1");
    assert_eq!(search, ["* ESEARCH (TAG \"s1\") UID ALL 1:2", "s1 OK UID SEARCH completed"]);
    b.send(b"i1 IDLE\r\n");
    assert_eq!(b.line(), "+ idling");
    // Before: a new message joins the result.
    a.append("Shared", "", &message("third"));
    let before = b.read_until(|l| l.contains("ADDTO"));
    assert_eq!(before.last().unwrap(), "* ESEARCH (TAG \"s1\") UID ADDTO (0 3)");

    revoke_and_append(&mut a);
    let (meanwhile, answer) = closed_then_done(&mut b, "i1");
    let all = format!("{meanwhile}{}", answer.join("\r\n"));
    assert!(!all.contains("ESEARCH"), "a search update after the revocation: {all:?}");
    nothing_of_the_mailbox(&all);
    assert_eq!(closings(&all), CLOSED, "{all:?}");
}

/// The flags part of the maildir file names in `Shared`.
fn flags_on_disk(server: &Server) -> Vec<String> {
    let dir = server.maildir("alice").join(".Shared");
    let mut out: Vec<String> = ["cur", "new"]
        .iter()
        .flat_map(|d| support::files(&dir.join(d)))
        .map(|f| f.rsplit_once(":2,").map_or(String::new(), |(_, flags)| flags.to_string()))
        .collect();
    out.sort();
    out
}

#[test]
fn reading_sets_seen_only_with_the_s_right() {
    let server = start();
    let mut a = shared(&server, "lri");
    let mut b = login(&server, "bob");
    let sel = b.select("~alice/Shared");
    assert!(sel.last().unwrap().contains("OK [READ-WRITE]"), "{sel:?}");
    let fetch = b.ok("FETCH 1 (BODY[TEXT])");
    assert_eq!(untagged(&fetch), ["* 1 FETCH (BODY[TEXT] {16}\r\nBody of first.\r\n)"]);
    a.select("Shared");
    assert_eq!(untagged(&a.ok("FETCH 1:2 (FLAGS)")), ["* 1 FETCH (FLAGS ())", "* 2 FETCH (FLAGS ())"]);
    assert_eq!(flags_on_disk(&server), ["", ""]);
    b.ok("UNSELECT");

    // With "s", reading marks the message read, and FETCH says so.
    a.ok("SETACL Shared bob lrsi");
    b.select("~alice/Shared");
    let fetch = b.ok("FETCH 1 (BODY[TEXT])");
    assert_eq!(untagged(&fetch), ["* 1 FETCH (BODY[TEXT] {16}\r\nBody of first.\r\n FLAGS (\\Seen))"]);
    a.select("Shared");
    assert_eq!(untagged(&a.ok("FETCH 1:2 (FLAGS)")), ["* 1 FETCH (FLAGS (\\Seen))", "* 2 FETCH (FLAGS ())"]);
    assert_eq!(flags_on_disk(&server), ["", "S"]);
}
