//! Issue 12: NOTIFY (RFC 5465). A session that selected INBOX hears of new
//! mail in other folders (STATUS) and in INBOX (EXISTS and FETCH) without
//! sending any command; mailbox names and subscriptions that others change
//! arrive as LIST; unsupported events are BADEVENT; the watch set is
//! capped; a client that cannot keep up gets NOTIFICATIONOVERFLOW. The
//! RFC's examples are replayed as transcripts (corrected as its errata
//! do, with this mailbox's names and numbers).

mod support;

use support::{Client, Server};

fn msg(subject: &str) -> Vec<u8> {
    format!("From: y@example.com\r\nTo: alice@example.com\r\nSubject: {subject}\r\n\r\nnew\r\n").into_bytes()
}

/// Replays `C:` / `S:` lines: each `C:` line is sent, each `S:` line must
/// be the next line the server sends, byte for byte (but for `(*)`).
fn transcript(c: &mut Client, script: &str) {
    for line in script.lines().map(str::trim).filter(|l| !l.is_empty()) {
        if let Some(cmd) = line.strip_prefix("C: ") {
            c.send(format!("{cmd}\r\n").as_bytes());
        } else if let Some(want) = line.strip_prefix("S: ") {
            let got = c.response();
            // `(*)` stands for an object id made at run time (RFC 8474).
            match want.split_once("(*)") {
                Some((head, tail)) => assert!(
                    got.starts_with(head) && got.ends_with(tail) && got.len() > want.len(),
                    "{got:?} does not match {want:?}"
                ),
                None => assert_eq!(got, want),
            }
        } else {
            panic!("bad transcript line {line}");
        }
    }
}

fn uidvalidity(c: &mut Client, mailbox: &str) -> u32 {
    let lines = c.ok(&format!("STATUS {mailbox} (UIDVALIDITY)"));
    let l = &lines[0];
    l[l.find("UIDVALIDITY ").unwrap() + 12..].trim_end_matches(')').parse().unwrap()
}

#[test]
fn capability_is_advertised() {
    let server = Server::start(&[]);
    let mut c = server.login("alice");
    let caps = c.ok("CAPABILITY")[0].clone();
    assert!(caps.split(' ').any(|x| x == "NOTIFY"), "{caps}");
}

/// Must show 5: with INBOX selected and NOTIFY set, new mail in another
/// folder arrives as STATUS and new mail in INBOX as EXISTS and FETCH,
/// while the client sends nothing; so does mail an MTA drops into `new/`.
#[test]
fn new_mail_everywhere_without_noop() {
    let server = Server::start(&[]);
    let mut a = server.login("alice");
    a.select("INBOX");
    transcript(
        &mut a,
        r#"
        C: N01 NOTIFY SET (selected (MessageNew (UID FLAGS) MessageExpunge)) (personal (MessageNew MessageExpunge))
        S: N01 OK NOTIFY completed
        "#,
    );
    let mut b = server.login("alice");
    b.append("Archive", "", &msg("to the archive"));
    transcript(&mut a, "S: * STATUS Archive (MESSAGES 1 UIDNEXT 2 UNSEEN 1)");
    b.append("INBOX", "", &msg("to the inbox"));
    transcript(
        &mut a,
        r#"
        S: * 1 EXISTS
        S: * 1 RECENT
        S: * 1 FETCH (UID 1 FLAGS (\Recent))
        "#,
    );
    // An MTA delivers into Sent/new/ behind the server's back: the
    // inotify watcher finds it.
    let new = server.maildir("alice").join(".Sent").join("new");
    std::fs::write(new.join("1700000000.M1P1.mta"), msg("delivered")).unwrap();
    transcript(&mut a, "S: * STATUS Sent (MESSAGES 1 UIDNEXT 2 UNSEEN 1)");
    // Expunges in the selected mailbox come at once too (SELECTED): here
    // another program removes the file; a command after answers as ever.
    let inbox = server.maildir("alice");
    let file =
        ["cur", "new"].iter().flat_map(|d| support::files(&inbox.join(d)).into_iter().map(move |f| (d, f))).next();
    let (dir, name) = file.expect("the appended message's file");
    std::fs::remove_file(inbox.join(dir).join(name)).unwrap();
    transcript(
        &mut a,
        r#"
        S: * 1 EXPUNGE
        C: N02 NOOP
        S: N02 OK NOOP completed
        C: N03 NOTIFY NONE
        S: N03 OK NOTIFY completed, no more notifications
        "#,
    );
    // NOTIFY NONE: no STATUS for other folders any more, even at NOOP.
    b.append("Archive", "", &msg("unheard"));
    transcript(
        &mut a,
        r#"
        C: N04 NOOP
        S: N04 OK NOOP completed
        "#,
    );
}

/// RFC 5465 section 9's first example, its events in parentheses as the
/// grammar (and the errata) have them: STATUS at once for the subtree,
/// then a new message in the selected mailbox with the asked-for header
/// fields, unasked.
#[test]
fn rfc_5465_example_with_status_and_fetch_attributes() {
    let server = Server::start(&[]);
    let mut a = server.login("alice");
    for m in ["Lists", "Lists/Lemonade", "Lists/Im2000"] {
        a.ok(&format!("CREATE {m}"));
    }
    let v: Vec<u32> = ["Lists", "Lists/Im2000", "Lists/Lemonade"].iter().map(|m| uidvalidity(&mut a, m)).collect();
    a.select("INBOX");
    transcript(
        &mut a,
        &format!(
            r#"
        C: a NOTIFY SET STATUS (selected (MessageNew (uid body.peek[header.fields (from to subject)]) MessageExpunge)) (subtree Lists (MessageNew MessageExpunge))
        S: * STATUS Lists (UIDVALIDITY {} MESSAGES 0 UIDNEXT 1 UNSEEN 0)
        S: * STATUS Lists/Im2000 (UIDVALIDITY {} MESSAGES 0 UIDNEXT 1 UNSEEN 0)
        S: * STATUS Lists/Lemonade (UIDVALIDITY {} MESSAGES 0 UIDNEXT 1 UNSEEN 0)
        S: a OK NOTIFY completed
        "#,
            v[0], v[1], v[2]
        ),
    );
    let mut b = server.login("alice");
    b.append("INBOX", "", &msg("hello"));
    transcript(&mut a, "S: * 1 EXISTS\nS: * 1 RECENT");
    let fields = "From: y@example.com\r\nTo: alice@example.com\r\nSubject: hello\r\n\r\n";
    assert_eq!(
        a.response(),
        format!("* 1 FETCH (UID 1 BODY[HEADER.FIELDS (FROM TO SUBJECT)] {{{}}}\r\n{fields})", fields.len())
    );
    // BODY.PEEK: the message is still unseen.
    transcript(
        &mut a,
        r#"
        C: b FETCH 1 FLAGS
        S: * 1 FETCH (FLAGS (\Recent))
        S: b OK FETCH completed
        "#,
    );
    b.append("Lists/Lemonade", "", &msg("list mail"));
    transcript(&mut a, "S: * STATUS Lists/Lemonade (MESSAGES 1 UIDNEXT 2 UNSEEN 1)");
}

/// RFC 5465 5.4 and 5.5: others' CREATE, RENAME, DELETE, SUBSCRIBE and
/// UNSUBSCRIBE arrive as LIST responses, unasked; the session's own do not.
#[test]
fn mailbox_names_and_subscriptions() {
    let server = Server::start(&[]);
    let mut a = server.login("alice");
    transcript(
        &mut a,
        r#"
        C: M01 NOTIFY SET (personal (MailboxName SubscriptionChange))
        S: M01 OK NOTIFY completed
        C: M02 CREATE mine
        S: M02 OK [MAILBOXID (*)] CREATE completed
        "#,
    );
    let mut b = server.login("alice");
    b.ok("CREATE Projects");
    b.ok("RENAME Projects Work");
    b.ok("SUBSCRIBE Work");
    b.ok("UNSUBSCRIBE Work");
    b.ok("DELETE Work");
    transcript(
        &mut a,
        r#"
        S: * LIST () "/" Projects
        S: * LIST () "/" Work ("OLDNAME" (Projects))
        S: * LIST (\Subscribed) "/" Work
        S: * LIST () "/" Work
        S: * LIST (\NonExistent) "/" Work
        "#,
    );
}

/// SELECTED-DELAYED: expunges wait for a command that may report them;
/// FlagChange of another mailbox is a STATUS with the new UNSEEN.
#[test]
fn selected_delayed_and_flag_changes() {
    let server = Server::start(&[]);
    let mut b = server.login("alice");
    b.append("INBOX", "", &msg("one"));
    b.append("INBOX", "", &msg("two"));
    b.append("Archive", "", &msg("old"));
    let mut a = server.login("alice");
    a.select("INBOX");
    transcript(
        &mut a,
        r#"
        C: D01 NOTIFY SET (selected-delayed (MessageNew MessageExpunge FlagChange)) (mailboxes Archive (MessageNew MessageExpunge FlagChange))
        S: D01 OK NOTIFY completed
        "#,
    );
    b.select("INBOX");
    b.ok("MOVE 1 Trash");
    b.select("Archive");
    b.ok("STORE 1 +FLAGS.SILENT (\\Seen)");
    // The expunge came first, but SELECTED-DELAYED keeps it back.
    transcript(
        &mut a,
        r#"
        S: * STATUS Archive (MESSAGES 1 UIDNEXT 2 UNSEEN 0)
        C: D02 FETCH 2 UID
        S: * 2 FETCH (UID 2)
        S: D02 OK FETCH completed
        C: D03 NOOP
        S: * 1 EXPUNGE
        S: D03 OK NOOP completed
        "#,
    );
}

/// RFC 5465 8: events tegami does not report are BADEVENT with the list of
/// those it does; broken event sets are BAD; the watch set is capped.
#[test]
fn badevent_bad_and_limit() {
    let server = Server::start(&[]);
    let mut a = server.login("alice");
    let many: Vec<String> = (0..101).map(|i| format!("m{i}")).collect();
    transcript(
        &mut a,
        &format!(
            r#"
        C: E01 NOTIFY SET (selected (MessageNew MessageExpunge AnnotationChange))
        S: E01 NO [BADEVENT (MessageNew MessageExpunge FlagChange MailboxName SubscriptionChange)] Only these events are supported
        C: E02 NOTIFY SET (personal (MailboxMetadataChange))
        S: E02 NO [BADEVENT (MessageNew MessageExpunge FlagChange MailboxName SubscriptionChange)] Only these events are supported
        C: E03 NOTIFY SET (selected (MessageNew))
        S: E03 BAD MessageNew and MessageExpunge must be given together
        C: E04 NOTIFY SET (inboxes (MessageNew (UID) MessageExpunge))
        S: E04 BAD MessageNew takes fetch attributes only for SELECTED or SELECTED-DELAYED
        C: E05 NOTIFY SET (selected (MessageNew (BODY[]) MessageExpunge))
        S: E05 BAD MessageNew must not set \Seen: use BODY.PEEK or BINARY.PEEK
        C: E06 NOTIFY SET (mailboxes ({}) (MessageNew MessageExpunge))
        S: E06 NO [LIMIT] NOTIFY would watch 101 mailboxes, at most 100: name fewer
        C: E07 NOTIFY SET (mailboxes ({}) (MessageNew MessageExpunge))
        S: E07 OK NOTIFY completed
        "#,
            many.join(" "),
            many[..100].join(" ")
        ),
    );
}

/// RFC 5465 5.8: events pile up while the session is busy (here: waiting
/// for an APPEND literal); past the queue's bound the client is told
/// `[NOTIFICATIONOVERFLOW]` and NOTIFY is off.
#[test]
fn overflow_ends_notify() {
    let server = Server::start(&[]);
    let mut a = server.login("alice");
    a.ok("NOTIFY SET (personal (SubscriptionChange))");
    let data = msg("busy");
    a.send(format!("O1 APPEND INBOX {{{}}}\r\n", data.len()).as_bytes());
    assert!(a.line().starts_with('+'));
    let mut b = server.login("alice");
    let mut script = Vec::new();
    for i in 0..300 {
        script.extend_from_slice(format!("s{i} SUBSCRIBE x{i}\r\n").as_bytes());
    }
    b.send(&script);
    b.until_tagged("s299");
    a.send(&data);
    a.send(b"\r\n");
    let lines = a.until_tagged("O1");
    assert!(
        lines.iter().any(|l| l.starts_with("* OK [NOTIFICATIONOVERFLOW] ")),
        "{:?}",
        &lines[lines.len().saturating_sub(3)..]
    );
    assert!(lines.last().unwrap().starts_with("O1 OK "), "{:?}", lines.last());
    // Off now: further subscriptions are not told.
    b.ok("SUBSCRIBE later");
    let lines = a.ok("NOOP");
    assert_eq!(lines.len(), 1, "{lines:?}");
}

/// Without FlagChange for the selected mailbox, a flag change alone is not
/// sent between commands, only at the next one; INBOXES and SUBSCRIBED
/// name other mailboxes; STATUS comes in IDLE too.
#[test]
fn flag_change_waits_inboxes_subscribed_and_idle() {
    let server = Server::start(&[]);
    let mut b = server.login("alice");
    b.append("INBOX", "", &msg("one"));
    b.ok("CREATE Lists");
    b.ok("SUBSCRIBE Lists");
    let mut a = server.login("alice");
    a.select("Archive");
    transcript(
        &mut a,
        r#"
        C: F01 NOTIFY SET (selected (MessageNew MessageExpunge)) (inboxes (MessageNew MessageExpunge)) (subscribed (MessageNew MessageExpunge))
        S: F01 OK NOTIFY completed
        "#,
    );
    b.append("Archive", "", &msg("here"));
    transcript(&mut a, "S: * 1 EXISTS\nS: * 1 RECENT");
    b.select("Archive");
    b.ok("STORE 1 +FLAGS.SILENT (\\Flagged)");
    b.append("INBOX", "", &msg("two"));
    // The flag change waited; the STATUS of INBOX did not.
    transcript(
        &mut a,
        r#"
        S: * STATUS INBOX (MESSAGES 2 UIDNEXT 3 UNSEEN 2)
        C: F02 NOOP
        S: * 1 FETCH (UID 1 FLAGS (\Flagged \Recent))
        S: F02 OK NOOP completed
        C: F03 IDLE
        S: + idling
        "#,
    );
    b.append("Lists", "", &msg("list"));
    transcript(
        &mut a,
        r#"
        S: * STATUS Lists (MESSAGES 1 UIDNEXT 2 UNSEEN 1)
        C: DONE
        S: F03 OK IDLE terminated
        "#,
    );
}

/// Once CONDSTORE is on, STATUS carries HIGHESTMODSEQ, and a flag change
/// that leaves UNSEEN as it was is told all the same (FlagChange).
#[test]
fn condstore_status_carries_highestmodseq() {
    let server = Server::start(&[]);
    let mut b = server.login("alice");
    b.append("Archive", "", &msg("old"));
    let mut a = server.login("alice");
    a.ok("ENABLE CONDSTORE");
    a.ok("NOTIFY SET (mailboxes Archive (MessageNew MessageExpunge FlagChange))");
    b.select("Archive");
    let modseq = |c: &mut Client| {
        let lines = c.ok("STATUS Archive (HIGHESTMODSEQ)");
        let l = lines.iter().find(|l| l.starts_with("* STATUS ")).unwrap().clone();
        l[l.find("HIGHESTMODSEQ ").unwrap() + 14..].trim_end_matches(')').to_string()
    };
    b.ok("STORE 1 +FLAGS.SILENT (\\Flagged)");
    let line = a.response();
    let m = modseq(&mut b);
    assert_eq!(line, format!("* STATUS Archive (MESSAGES 1 UIDNEXT 2 UNSEEN 1 HIGHESTMODSEQ {m})"));
}
