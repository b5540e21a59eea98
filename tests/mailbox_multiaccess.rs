//! Issue 3, item 4: two sessions on one INBOX see each other's APPENDs,
//! flag changes and EXPUNGEs with the right sequence numbers, at NOOP and
//! at once in IDLE; mail dropped into `new/` by another process shows up in
//! an IDLE session.

mod support;

use std::fs;
use support::{eventually, message, set_flags_on_disk, Client, Server};

fn untagged(lines: &[String]) -> Vec<String> {
    lines.iter().filter(|l| l.starts_with("* ")).cloned().collect()
}

/// NOOPs until the untagged responses collected include all of `want`;
/// returns everything collected.
fn noop_until(c: &mut Client, want: &[&str]) -> Vec<String> {
    let mut seen = Vec::new();
    eventually(&format!("{want:?}"), || {
        seen.extend(untagged(&c.ok("NOOP")));
        want.iter().all(|w| seen.iter().any(|l| l == w))
    });
    seen
}

fn start_idle(c: &mut Client) -> String {
    let tag = c.next_tag();
    c.send(format!("{tag} IDLE\r\n").as_bytes());
    let l = c.line();
    assert!(l.starts_with("+ "), "{l}");
    tag
}

fn end_idle(c: &mut Client, tag: &str) -> Vec<String> {
    c.send(b"DONE\r\n");
    let r = c.until_tagged(tag);
    assert!(r.last().unwrap().contains(" OK "), "{r:?}");
    r
}

#[test]
fn changes_of_another_session_are_reported_at_noop() {
    let server = Server::start(&[]);
    let md = server.maildir("alice");
    let mut b = server.login("alice");
    for i in 1..=3 {
        b.append("INBOX", "", &message(&format!("m{i}")));
    }
    let mut a = server.login("alice");
    let sel = a.select("INBOX");
    assert_eq!(Client::number(&sel, "EXISTS"), Some(3));
    assert_eq!(Client::number(&sel, "RECENT"), Some(3), "A holds \\Recent: {sel:?}");

    // B appends: A's next NOOP has EXISTS, and \Recent goes to A only.
    b.append("INBOX", "", &message("m4"));
    let r = untagged(&a.ok("NOOP"));
    assert_eq!(r, ["* 4 EXISTS", "* 4 RECENT"]);
    let sel_b = b.select("INBOX");
    assert_eq!(Client::number(&sel_b, "RECENT"), Some(0), "{sel_b:?}");
    assert_eq!(untagged(&a.ok("NOOP")), Vec::<String>::new());

    // Flags changed by another program (a rename in cur/) reach both.
    set_flags_on_disk(&md, 2, "ST");
    set_flags_on_disk(&md, 4, "T");
    let seen = noop_until(
        &mut a,
        &["* 2 FETCH (UID 2 FLAGS (\\Deleted \\Seen \\Recent))", "* 4 FETCH (UID 4 FLAGS (\\Deleted \\Recent))"],
    );
    assert_eq!(seen.len(), 2, "{seen:?}");
    noop_until(&mut b, &["* 2 FETCH (UID 2 FLAGS (\\Deleted \\Seen))", "* 4 FETCH (UID 4 FLAGS (\\Deleted))"]);

    // B expunges 2 and 4: both are told, highest first, numbers as they shift.
    let r = b.ok("EXPUNGE");
    assert_eq!(untagged(&r), ["* 4 EXPUNGE", "* 2 EXPUNGE"]);
    let r = untagged(&a.ok("NOOP"));
    assert_eq!(r, ["* 4 EXPUNGE", "* 2 EXPUNGE"]);
    // Now seq 1 = UID 1, seq 2 = UID 3: a flag change on UID 3 says seq 2.
    set_flags_on_disk(&md, 3, "F");
    noop_until(&mut a, &["* 2 FETCH (UID 3 FLAGS (\\Flagged \\Recent))"]);
    // B appends again: EXISTS counts from the shrunk view. B has INBOX
    // selected and learns of its own message first, so \Recent is B's.
    let r = b.append("INBOX", "", &message("m5"));
    assert!(untagged(&r).ends_with(&["* 3 EXISTS".to_string(), "* 1 RECENT".to_string()]), "{r:?}");
    let r = untagged(&a.ok("NOOP"));
    assert_eq!(r, ["* 3 EXISTS", "* 2 RECENT"]);
    let sel = server.login("alice").select("INBOX");
    assert_eq!(Client::number(&sel, "EXISTS"), Some(3));
    assert_eq!(Client::code(&sel, "UIDNEXT").as_deref(), Some("6"));
}

#[test]
fn changes_reach_an_idle_session_at_once() {
    let server = Server::start(&[]);
    let md = server.maildir("alice");
    let mut b = server.login("alice");
    b.append("INBOX", "", &message("m1"));
    b.append("INBOX", "", &message("m2"));
    b.select("INBOX");
    let mut a = server.login("alice");
    a.select("INBOX");

    let tag = start_idle(&mut a);
    let rb = untagged(&b.append("INBOX", "", &message("m3")));
    let got = a.read_until(|l| l == "* 3 EXISTS");
    assert_eq!(got, ["* 3 EXISTS"]);
    // \Recent of the new message goes to exactly one of the two sessions
    // (whichever looks first: B after its APPEND, or A woken in IDLE).
    let a_recent: u32 = a.line().strip_prefix("* ").unwrap().strip_suffix(" RECENT").unwrap().parse().unwrap();
    assert!(a_recent <= 1);
    assert_eq!(rb, ["* 3 EXISTS".to_string(), format!("* {} RECENT", 3 - a_recent)]);

    set_flags_on_disk(&md, 1, "ST");
    let got = a.read_until(|l| l.starts_with("* 1 FETCH"));
    assert_eq!(got, ["* 1 FETCH (UID 1 FLAGS (\\Deleted \\Seen))"]);

    // B sees the flag too, then expunges with UID EXPUNGE.
    noop_until(&mut b, &["* 1 FETCH (UID 1 FLAGS (\\Deleted \\Seen \\Recent))"]);
    b.ok("UID EXPUNGE 1:*");
    let got = a.read_until(|l| l.ends_with(" EXPUNGE"));
    assert_eq!(got, ["* 1 EXPUNGE"]);

    // Another process delivers into new/ (tmp/ first, then a rename).
    let name = "1800000000.M1P99.mta";
    fs::write(md.join("tmp").join(name), message("from the MTA")).unwrap();
    fs::rename(md.join("tmp").join(name), md.join("new").join(name)).unwrap();
    let got = a.read_until(|l| l.ends_with(" EXISTS"));
    assert_eq!(got, ["* 3 EXISTS"]);
    assert_eq!(a.line(), format!("* {} RECENT", 1 + a_recent));
    let r = end_idle(&mut a, &tag);
    assert_eq!(r.len(), 1, "{r:?}");
    // It was moved to cur/ and got the next UID.
    assert!(support::files(&md.join("new")).is_empty());
    assert!(support::files(&md.join("cur")).iter().any(|f| f == &format!("{name}:2,")));
    let list = fs::read_to_string(md.join("dovecot-uidlist")).unwrap();
    assert!(list.lines().any(|l| l == format!("4 :{name}:2,")), "{list}");
    // B learns of it at its next command.
    let r = untagged(&b.ok("NOOP"));
    assert_eq!(r, ["* 3 EXISTS".to_string(), format!("* {} RECENT", 2 - a_recent)]);
}

#[test]
fn idle_without_a_selected_mailbox_and_bad_done() {
    let server = Server::start(&[]);
    let mut a = server.login("alice");
    let tag = start_idle(&mut a);
    end_idle(&mut a, &tag);
    let tag = start_idle(&mut a);
    a.send(b"NOT DONE\r\n");
    let r = a.until_tagged(&tag);
    assert!(r.last().unwrap().contains(" BAD "), "{r:?}");
    a.ok("NOOP");
}

/// A first session holds `\Recent` for every message an MTA delivered
/// (here 3,000): its RECENT counts follow its own APPENDs, another
/// session's (recent for that session, the first to learn of it), its
/// expunges and a reselect of the same mailbox, where the messages it holds
/// stay recent for it and for nobody else.
#[test]
fn a_session_holding_thousands_of_recent_messages_counts_them_through_changes() {
    let server = Server::start(&[]);
    let new = server.maildir("alice").join("new");
    fs::create_dir_all(&new).unwrap();
    for i in 0..3000 {
        fs::write(new.join(format!("1700000000.M{i}P1.mta")), message(&format!("delivered {i}"))).unwrap();
    }
    let mut a = server.login("alice");
    let sel = a.select("INBOX");
    assert_eq!(Client::number(&sel, "EXISTS"), Some(3000));
    assert_eq!(Client::number(&sel, "RECENT"), Some(3000), "{sel:?}");

    let r = a.append("INBOX", "", &message("own"));
    let r = untagged(&r);
    assert_eq!(r, ["* 3001 EXISTS", "* 3001 RECENT"]);

    a.ok("UID STORE 1:2 +FLAGS.SILENT (\\Deleted)");
    let r = untagged(&a.ok("EXPUNGE"));
    assert_eq!(r, ["* 2 EXPUNGE", "* 1 EXPUNGE"]);

    let mut b = server.login("alice");
    let sel_b = b.select("INBOX");
    assert_eq!(Client::number(&sel_b, "RECENT"), Some(0), "{sel_b:?}");
    // B, selected, is the first to learn of its own message.
    b.append("INBOX", "", &message("from b"));
    assert_eq!(untagged(&a.ok("NOOP")), ["* 3000 EXISTS", "* 2999 RECENT"]);

    let sel = a.select("INBOX");
    assert_eq!(Client::number(&sel, "RECENT"), Some(2999), "reselect keeps them: {sel:?}");
    let r = a.ok("UID SEARCH RECENT");
    let hits = r.iter().find(|l| l.starts_with("* SEARCH")).unwrap().split(' ').count() - 2;
    assert_eq!(hits, 2999);
    let sel_b = b.select("INBOX");
    assert_eq!(Client::number(&sel_b, "RECENT"), Some(1), "{sel_b:?}");
}
