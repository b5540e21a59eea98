//! Issue 12: CONTEXT=SEARCH and CONTEXT=SORT (RFC 5267 section 4): PARTIAL
//! results, UPDATE contexts that follow another session's APPEND, EXPUNGE
//! and flag changes (at the next command, NOOP, and in IDLE),
//! CANCELUPDATE, NOUPDATE, and the RFC's examples replayed as transcripts
//! (with this mailbox's numbers in place of the RFC's).

mod support;

use support::{Client, Seed, Server};

/// Five messages in INBOX: subjects c, hello, a, hello, b (UIDs 1-5);
/// message 3 is flagged.
fn server() -> Server {
    let subjects = ["c", "hello", "a", "hello", "b"];
    let msgs: Vec<Vec<u8>> =
        subjects.iter().map(|s| format!("From: x@example.com\r\nSubject: {s}\r\n\r\nbody\r\n").into_bytes()).collect();
    let infos = ["", "", "F", "", ""];
    let seeds: Vec<Seed> =
        msgs.iter().zip(infos).map(|(d, info)| Seed { data: d, info, mtime: 1_700_000_000 }).collect();
    Server::start_seeded(&[], &seeds)
}

fn msg(subject: &str) -> Vec<u8> {
    format!("From: y@example.com\r\nSubject: {subject}\r\n\r\nnew\r\n").into_bytes()
}

/// Replays `C:` / `S:` lines: each `C:` line is sent, each `S:` line must
/// be the next line the server sends, byte for byte.
fn transcript(c: &mut Client, script: &str) {
    for line in script.lines().map(str::trim).filter(|l| !l.is_empty()) {
        if let Some(cmd) = line.strip_prefix("C: ") {
            c.send(format!("{cmd}\r\n").as_bytes());
        } else if let Some(want) = line.strip_prefix("S: ") {
            assert_eq!(c.response(), want);
        } else {
            panic!("bad transcript line {line}");
        }
    }
}

#[test]
fn capabilities_name_both_contexts() {
    let server = server();
    let mut c = server.login("alice");
    let caps = c.ok("CAPABILITY")[0].clone();
    for w in ["CONTEXT=SEARCH", "CONTEXT=SORT", "ESORT", "ESEARCH"] {
        assert!(caps.split(' ').any(|x| x == w), "{caps}");
    }
}

/// RFC 5267 4.4: windows of the result, in mailbox order for SEARCH and
/// in sort order for SORT; past the end the set is short or NIL.
#[test]
fn partial_results() {
    let server = server();
    let mut c = server.login("alice");
    c.select("INBOX");
    transcript(
        &mut c,
        r#"
        C: A01 UID SEARCH RETURN (PARTIAL 1:2) UNDELETED
        S: * ESEARCH (TAG "A01") UID PARTIAL (1:2 1:2)
        S: A01 OK UID SEARCH completed
        C: A02 UID SEARCH RETURN (PARTIAL 3:500) UNDELETED
        S: * ESEARCH (TAG "A02") UID PARTIAL (3:500 3:5)
        S: A02 OK UID SEARCH completed
        C: A03 UID SEARCH RETURN (PARTIAL 4:2 COUNT) UNDELETED
        S: * ESEARCH (TAG "A03") UID COUNT 5 PARTIAL (2:4 2:4)
        S: A03 OK UID SEARCH completed
        C: A04 UID SEARCH RETURN (PARTIAL 24000:24500) UNDELETED
        S: * ESEARCH (TAG "A04") UID PARTIAL (24000:24500 NIL)
        S: A04 OK UID SEARCH completed
        C: A05 SORT RETURN (PARTIAL 1:3) (SUBJECT) UTF-8 ALL
        S: * ESEARCH (TAG "A05") PARTIAL (1:3 3,5,1)
        S: A05 OK SORT completed
        C: A06 SEARCH RETURN (PARTIAL 1:2 ALL) ALL
        S: A06 BAD Only one of PARTIAL and ALL may be given
        C: A07 SEARCH RETURN (PARTIAL 0:2) ALL
        S: A07 BAD Invalid partial range: must not be 0
        C: A08 SEARCH RETURN (PARTIAL 1:*) ALL
        "#,
    );
    assert!(c.line().starts_with("A08 BAD "));
    // CONTEXT is a hint and asks for nothing of its own.
    transcript(
        &mut c,
        r#"
        C: A09 SEARCH RETURN (CONTEXT COUNT) UNDELETED
        S: * ESEARCH (TAG "A09") COUNT 5
        S: A09 OK SEARCH completed
        "#,
    );
}

/// Must show 2: another session's APPEND and EXPUNGE reach the context as
/// ADDTO after EXISTS and REMOVEFROM before EXPUNGE (RFC 5267 4.3.3,
/// 4.3.4), at NOOP and at the next command.
#[test]
fn uid_search_context_follows_append_and_expunge() {
    let server = server();
    let mut a = server.login("alice");
    a.select("INBOX");
    let mut b = server.login("alice");
    transcript(
        &mut a,
        r#"
        C: B01 UID SEARCH RETURN (UPDATE) SUBJECT hello
        S: * ESEARCH (TAG "B01") UID ALL 2,4
        S: B01 OK UID SEARCH completed
        "#,
    );
    b.append("INBOX", "", &msg("hello again"));
    b.append("INBOX", "", &msg("hello once more"));
    b.append("INBOX", "", &msg("other"));
    transcript(
        &mut a,
        r#"
        C: B02 NOOP
        S: * 8 EXISTS
        S: * 8 RECENT
        S: * ESEARCH (TAG "B01") UID ADDTO (0 6:7)
        S: B02 OK NOOP completed
        "#,
    );
    b.select("INBOX");
    b.ok("UID STORE 2,6 +FLAGS.SILENT (\\Deleted)");
    b.ok("EXPUNGE");
    // UID FETCH may report expunges (RFC 3501 7.4.1 forbids that only
    // to the sequence-number forms): the REMOVEFROM goes first.
    transcript(
        &mut a,
        r#"
        C: B03 UID FETCH 1 UID
        S: * 1 FETCH (UID 1)
        S: * ESEARCH (TAG "B01") UID REMOVEFROM (0 2,6)
        S: * 6 EXPUNGE
        S: * 2 EXPUNGE
        S: B03 OK UID FETCH completed
        "#,
    );
    // The context now holds 4 and 7: another search says the same.
    transcript(
        &mut a,
        r#"
        C: B04 UID SEARCH SUBJECT hello
        S: * SEARCH 4 7
        S: B04 OK UID SEARCH completed
        "#,
    );
}

/// RFC 5267 4.3: a flag change that changes the match is an update too;
/// updates arrive in IDLE without any command; CANCELUPDATE ends them.
#[test]
fn flag_changes_idle_and_cancelupdate() {
    let server = server();
    let mut a = server.login("alice");
    a.select("INBOX");
    let mut b = server.login("alice");
    b.select("INBOX");
    transcript(
        &mut a,
        r#"
        C: C01 UID SEARCH RETURN (UPDATE COUNT) FLAGGED
        S: * ESEARCH (TAG "C01") UID COUNT 1
        S: C01 OK UID SEARCH completed
        C: C02 IDLE
        S: + idling
        "#,
    );
    b.ok("STORE 5 +FLAGS.SILENT (\\Flagged)");
    transcript(
        &mut a,
        r#"
        S: * 5 FETCH (UID 5 FLAGS (\Flagged \Recent))
        S: * ESEARCH (TAG "C01") UID ADDTO (0 5)
        "#,
    );
    b.ok("STORE 3 -FLAGS.SILENT (\\Flagged)");
    transcript(
        &mut a,
        r#"
        S: * ESEARCH (TAG "C01") UID REMOVEFROM (0 3)
        S: * 3 FETCH (UID 3 FLAGS (\Recent))
        C: DONE
        S: C02 OK IDLE terminated
        C: C03 CANCELUPDATE "C01"
        S: C03 OK CANCELUPDATE completed
        "#,
    );
    b.ok("STORE 1 +FLAGS.SILENT (\\Flagged)");
    transcript(
        &mut a,
        r#"
        C: C04 NOOP
        S: * 1 FETCH (UID 1 FLAGS (\Flagged \Recent))
        S: C04 OK NOOP completed
        C: C05 CANCELUPDATE "C01"
        S: C05 NO No updating search context has the tag "C01"
        C: C06 CANCELUPDATE C01
        S: C06 BAD CANCELUPDATE takes quoted tags
        "#,
    );
}

/// Message-number contexts: REMOVEFROM names the numbers the client still
/// knows, before the EXPUNGE that renumbers (RFC 5267 4.3.4).
#[test]
fn sequence_number_context_counts_before_expunge() {
    let server = server();
    let mut a = server.login("alice");
    a.select("INBOX");
    let mut b = server.login("alice");
    b.select("INBOX");
    transcript(
        &mut a,
        r#"
        C: D01 SEARCH RETURN (UPDATE MIN) SUBJECT hello
        S: * ESEARCH (TAG "D01") MIN 2
        S: D01 OK SEARCH completed
        "#,
    );
    b.ok("STORE 1:2 +FLAGS.SILENT (\\Deleted)");
    b.ok("EXPUNGE");
    b.append("INBOX", "", &msg("hello late"));
    transcript(
        &mut a,
        r#"
        C: D02 NOOP
        S: * ESEARCH (TAG "D01") REMOVEFROM (0 2)
        S: * 2 EXPUNGE
        S: * 1 EXPUNGE
        S: * 4 EXISTS
        S: * 3 RECENT
        S: * ESEARCH (TAG "D01") ADDTO (0 4)
        S: D02 OK NOOP completed
        "#,
    );
}

/// CONTEXT=SORT: additions and removals at their positions in sort order
/// (RFC 5267 4.3.3's positions), as UIDs.
#[test]
fn sort_context_positions() {
    let server = server();
    let mut a = server.login("alice");
    a.select("INBOX");
    let mut b = server.login("alice");
    transcript(
        &mut a,
        r#"
        C: E01 UID SORT RETURN (UPDATE ALL) (SUBJECT) UTF-8 UNDELETED
        S: * ESEARCH (TAG "E01") UID ALL 3,5,1:2,4
        S: E01 OK UID SORT completed
        "#,
    );
    // Subjects "bb" and "d" take positions 3 and 5 of the new order
    // a b bb c d hello hello.
    b.append("INBOX", "", &msg("bb"));
    b.append("INBOX", "", &msg("d"));
    transcript(
        &mut a,
        r#"
        C: E02 NOOP
        S: * 7 EXISTS
        S: * 7 RECENT
        S: * ESEARCH (TAG "E01") UID ADDTO (3 6 5 7)
        S: E02 OK NOOP completed
        "#,
    );
    // Deleting c and bb (this session's own change): bb at 3 first, then
    // c at 3 too.
    transcript(
        &mut a,
        r#"
        C: E03 UID STORE 1,6 +FLAGS.SILENT (\Deleted)
        S: * ESEARCH (TAG "E01") UID REMOVEFROM (3 6,1)
        S: E03 OK UID STORE completed
        C: E04 UID SORT (SUBJECT) UTF-8 UNDELETED
        S: * SORT 3 5 7 2 4
        S: E04 OK UID SORT completed
        "#,
    );
}

/// RFC 5267 4.3.1 and 4.3: too many contexts is `* NO [NOUPDATE "tag"]`
/// and the search still answers; a tag already naming a context is BAD.
#[test]
fn noupdate_and_tag_reuse() {
    let server = server();
    let mut a = server.login("alice");
    a.select("INBOX");
    for i in 1..=8 {
        a.send(format!("F{i:02} UID SEARCH RETURN (UPDATE) ALL\r\n").as_bytes());
        assert_eq!(
            a.until_tagged(&format!("F{i:02}")),
            [format!("* ESEARCH (TAG \"F{i:02}\") UID ALL 1:5"), format!("F{i:02} OK UID SEARCH completed")]
        );
    }
    transcript(
        &mut a,
        r#"
        C: B02 UID SORT RETURN (UPDATE COUNT) (SUBJECT) UTF-8 SUBJECT hello
        S: * ESEARCH (TAG "B02") UID COUNT 2
        S: * NO [NOUPDATE "B02"] Too many contexts, at most 8
        S: B02 OK UID SORT completed
        C: F01 UID SEARCH RETURN (UPDATE) ALL
        S: F01 BAD Tag reuse: F01 already names an updating search context
        C: F01 UID SEARCH RETURN (COUNT) ALL
        S: * ESEARCH (TAG "F01") UID COUNT 5
        S: F01 OK UID SEARCH completed
        C: G01 CANCELUPDATE "F01" "F02"
        S: G01 OK CANCELUPDATE completed
        C: G02 UID SEARCH RETURN (UPDATE) ALL
        S: * ESEARCH (TAG "G02") UID ALL 1:5
        S: G02 OK UID SEARCH completed
        "#,
    );
    // Leaving the mailbox ends every context: the tags are free again.
    a.ok("UNSELECT");
    a.select("INBOX");
    transcript(
        &mut a,
        r#"
        C: F03 UID SEARCH RETURN (UPDATE) ALL
        S: * ESEARCH (TAG "F03") UID ALL 1:5
        S: F03 OK UID SEARCH completed
        "#,
    );
}

/// With NOTIFY (RFC 5465 updates RFC 5267), context updates come while the
/// client is silent, after the EXISTS they depend on.
#[test]
fn updates_without_any_command_under_notify() {
    let server = server();
    let mut a = server.login("alice");
    a.select("INBOX");
    transcript(
        &mut a,
        r#"
        C: H01 NOTIFY SET (selected (MessageNew MessageExpunge))
        S: H01 OK NOTIFY completed
        C: H02 UID SEARCH RETURN (UPDATE COUNT) SUBJECT hello
        S: * ESEARCH (TAG "H02") UID COUNT 2
        S: H02 OK UID SEARCH completed
        "#,
    );
    let mut b = server.login("alice");
    b.append("INBOX", "", &msg("hello from b"));
    transcript(
        &mut a,
        r#"
        S: * 6 EXISTS
        S: * 6 RECENT
        S: * ESEARCH (TAG "H02") UID ADDTO (0 6)
        "#,
    );
}
