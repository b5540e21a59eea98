//! Issue 12: ESORT (RFC 5267 SORT RETURN), SEARCHRES (RFC 5182 `$` and
//! RETURN (SAVE), feeding SEARCH, FETCH, STORE and COPY) and WITHIN
//! (RFC 5032 OLDER and YOUNGER), with exact response lines.

mod support;

use support::{Seed, Server};

fn now() -> i64 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_secs() as i64
}

/// Five messages: subjects e d c b a (so SUBJECT order is 5 4 3 2 1),
/// INTERNALDATEs 10 days, 5 days, 2 hours, 30 minutes and 1 minute ago.
fn server() -> Server {
    let t = now();
    let ages = [10 * 86_400, 5 * 86_400, 7_200, 1_800, 60];
    let msgs: Vec<Vec<u8>> = ["e", "d", "c", "b", "a"]
        .iter()
        .map(|s| format!("From: x@example.com\r\nSubject: {s}\r\n\r\nbody\r\n").into_bytes())
        .collect();
    let seeds: Vec<Seed> = msgs.iter().zip(ages).map(|(d, a)| Seed { data: d, info: "", mtime: t - a }).collect();
    Server::start_seeded(&[], &seeds)
}

#[test]
fn capabilities() {
    let server = server();
    let mut c = server.login("alice");
    let caps = c.ok("CAPABILITY")[0].clone();
    for w in ["ESORT", "SEARCHRES", "WITHIN"] {
        assert!(caps.split(' ').any(|x| x == w), "{caps}");
    }
}

#[test]
fn esort_return_options() {
    let server = server();
    let mut c = server.login("alice");
    c.select("INBOX");
    c.send(b"A1 SORT RETURN (MIN MAX COUNT ALL) (SUBJECT) UTF-8 ALL\r\n");
    assert_eq!(
        c.until_tagged("A1"),
        ["* ESEARCH (TAG \"A1\") MIN 5 MAX 1 COUNT 5 ALL 5,4,3,2,1", "A1 OK SORT completed"]
    );
    c.send(b"A2 UID SORT RETURN () (REVERSE SUBJECT) UTF-8 2:4\r\n");
    assert_eq!(c.until_tagged("A2"), ["* ESEARCH (TAG \"A2\") UID ALL 2:4", "A2 OK UID SORT completed"]);
    c.send(b"A3 SORT RETURN (COUNT) (SUBJECT) UTF-8 SUBJECT nothing\r\n");
    assert_eq!(c.until_tagged("A3"), ["* ESEARCH (TAG \"A3\") COUNT 0", "A3 OK SORT completed"]);
    c.send(b"A4 SORT RETURN (BOGUS) (SUBJECT) UTF-8 ALL\r\n");
    assert!(c.until_tagged("A4")[0].starts_with("A4 BAD "));
}

#[test]
fn searchres_feeds_fetch_store_copy_and_search() {
    let server = server();
    let mut c = server.login("alice");
    c.select("INBOX");
    // SAVE alone: no ESEARCH, only the tagged OK.
    c.send(b"S1 SEARCH RETURN (SAVE) OR SUBJECT b OR SUBJECT d SUBJECT e\r\n");
    assert_eq!(c.until_tagged("S1"), ["S1 OK SEARCH completed"]);
    c.send(b"F1 FETCH $ (UID)\r\n");
    assert_eq!(
        c.until_tagged("F1"),
        ["* 1 FETCH (UID 1)", "* 2 FETCH (UID 2)", "* 4 FETCH (UID 4)", "F1 OK FETCH completed"]
    );
    c.send(b"F2 STORE $ +FLAGS.SILENT (\\Flagged)\r\n");
    assert_eq!(c.until_tagged("F2"), ["F2 OK STORE completed"]);
    c.send(b"F3 SEARCH FLAGGED\r\n");
    assert_eq!(c.until_tagged("F3"), ["* SEARCH 1 2 4", "F3 OK SEARCH completed"]);
    c.ok("CREATE Saved");
    let lines = c.ok("UID COPY $ Saved");
    assert!(lines.last().unwrap().contains("COPYUID"), "{lines:?}");
    let st = c.ok("STATUS Saved (MESSAGES)");
    assert_eq!(st[0], "* STATUS Saved (MESSAGES 3)");
    // `$` inside a search, and SAVE with other options (saves MIN only).
    c.send(b"S2 SEARCH RETURN (SAVE MIN) NOT $\r\n");
    assert_eq!(c.until_tagged("S2"), ["* ESEARCH (TAG \"S2\") MIN 3", "S2 OK SEARCH completed"]);
    c.send(b"S3 UID SEARCH UID $\r\n");
    assert_eq!(c.until_tagged("S3"), ["* SEARCH 3", "S3 OK UID SEARCH completed"]);
    // SORT RETURN (SAVE): the last in sort order.
    c.send(b"S4 SORT RETURN (SAVE MAX) (SUBJECT) UTF-8 ALL\r\n");
    assert_eq!(c.until_tagged("S4"), ["* ESEARCH (TAG \"S4\") MAX 1", "S4 OK SORT completed"]);
    c.send(b"F4 FETCH $ (UID)\r\n");
    assert_eq!(c.until_tagged("F4"), ["* 1 FETCH (UID 1)", "F4 OK FETCH completed"]);
    // Expunged messages leave `$`.
    c.ok("STORE 1 +FLAGS (\\Deleted)");
    c.ok("EXPUNGE");
    c.send(b"F5 FETCH $ (UID)\r\n");
    assert_eq!(c.until_tagged("F5"), ["F5 OK FETCH completed"]);
    // A failed SAVE empties `$`; so does SELECT.
    c.send(b"S5 SEARCH RETURN (SAVE) ALL\r\n");
    c.until_tagged("S5");
    c.send(b"S6 SEARCH RETURN (SAVE) CHARSET X-NOPE SUBJECT a\r\n");
    assert!(c.until_tagged("S6")[0].starts_with("S6 NO [BADCHARSET"));
    c.send(b"F6 FETCH $ (UID)\r\n");
    assert_eq!(c.until_tagged("F6"), ["F6 OK FETCH completed"]);
    c.send(b"S7 SEARCH RETURN (SAVE) ALL\r\n");
    c.until_tagged("S7");
    c.select("INBOX");
    c.send(b"F7 SEARCH $\r\n");
    assert_eq!(c.until_tagged("F7"), ["* SEARCH", "F7 OK SEARCH completed"]);
}

#[test]
fn within_older_and_younger() {
    let server = server();
    let mut c = server.login("alice");
    c.select("INBOX");
    // Margins of hours, so the test's own run time does not matter.
    c.send(b"W1 SEARCH YOUNGER 86400\r\n");
    assert_eq!(c.until_tagged("W1"), ["* SEARCH 3 4 5", "W1 OK SEARCH completed"]);
    c.send(b"W2 SEARCH OLDER 86400\r\n");
    assert_eq!(c.until_tagged("W2"), ["* SEARCH 1 2", "W2 OK SEARCH completed"]);
    c.send(b"W3 UID SEARCH OLDER 3600 YOUNGER 604800\r\n");
    assert_eq!(c.until_tagged("W3"), ["* SEARCH 2 3", "W3 OK UID SEARCH completed"]);
    c.send(b"W4 SORT (SUBJECT) UTF-8 YOUNGER 86400\r\n");
    assert_eq!(c.until_tagged("W4"), ["* SORT 5 4 3", "W4 OK SORT completed"]);
    for (tag, cmd) in [("W5", "SEARCH OLDER 0"), ("W6", "SEARCH YOUNGER -1"), ("W7", "SEARCH OLDER")] {
        c.send(format!("{tag} {cmd}\r\n").as_bytes());
        assert!(c.until_tagged(tag)[0].starts_with(&format!("{tag} BAD ")), "{cmd}");
    }
}
