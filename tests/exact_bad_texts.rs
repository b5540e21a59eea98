//! Issue 21, Fix 4: the text of a BAD is the server's own words, readable
//! by a strict parser: no client bytes that could unbalance it, every
//! `()`, `[]` and `{}` closed, and quotes paired.

mod support;

use support::{message, Client, Server};

/// Malformed commands, each sent with its own tag: broken return
/// options, unbalanced parentheses and brackets, bad sequence sets, bad
/// dates, unknown keys, commands, items and flags holding `[`, `(`, `"`.
const MALFORMED: &[&str] = &[
    "SEARCH RETURN (PARTIAL 1) ALL",
    "SEARCH RETURN (PARTIAL 1:) ALL",
    "SEARCH RETURN (BOGUS[) ALL",
    "SEARCH FOO[",
    "SEARCH X(Y",
    "SEARCH (ALL",
    "SEARCH ALL)",
    "SEARCH SUBJECT \"zqx unfinished",
    "SEARCH SINCE 32-Foo-2020",
    "SEARCH BEFORE \"1-Jan-\"",
    "SEARCH ON 1-Jan-99999",
    "SEARCH MODSEQ \"/flags/x\" bogus[ 1",
    "FETCH 1 (FLAGS",
    "FETCH 1 FLAGS)",
    "FETCH 1 BODY[",
    "FETCH 1 (BODY[TEXT FLAGS)",
    "FETCH 1 (BODY[1.X[] FLAGS)",
    "FETCH 1 BOGUS[1]",
    "FETCH 1 (FLAGS) (CHANGEDSINCE[ 1)",
    "FETCH 1:x FLAGS",
    "FETCH 1,,2 FLAGS",
    "FETCH :3 FLAGS",
    "FETCH 0 FLAGS",
    "STORE 1 FLAGS[ (\\Seen)",
    "STORE 1 +FLAGS (\\Foo[)",
    "SORT (FOO[) UTF-8 ALL",
    "SELECT INBOX (FOO[)",
    "LIST (BOGUS[) \"\" *",
    "COMPRESS X[",
    "FROB[",
    "NOOP (",
];

/// True when every bracket in `text` closes in order and quotes pair up
/// (brackets inside a quoted part do not count).
fn balanced(text: &str) -> bool {
    let mut open = Vec::new();
    let mut quoted = false;
    for ch in text.chars() {
        match ch {
            '"' => quoted = !quoted,
            _ if quoted => {}
            '(' | '[' | '{' => open.push(ch),
            ')' | ']' | '}' => {
                let want = match ch {
                    ')' => '(',
                    ']' => '[',
                    _ => '{',
                };
                if open.pop() != Some(want) {
                    return false;
                }
            }
            _ => {}
        }
    }
    open.is_empty() && !quoted
}

/// Sends `tag text`; returns the tagged line without the tag.
fn tagged(c: &mut Client, tag: &str, text: &str) -> String {
    c.send(format!("{tag} {text}\r\n").as_bytes());
    let line = c.until_tagged(tag).pop().unwrap();
    line[tag.len() + 1..].to_string()
}

#[test]
fn bad_texts_are_balanced_and_do_not_echo_the_client() {
    let server = Server::start_hashed(&[]);
    let mut c = server.login("alice");
    c.append("INBOX", "", &message("one"));
    c.select("INBOX");
    for (i, cmd) in MALFORMED.iter().enumerate() {
        let r = tagged(&mut c, &format!("b{i}"), cmd);
        assert!(r.starts_with("BAD "), "{cmd}: {r}");
        assert!(balanced(&r), "{cmd}: unbalanced text {r:?}");
        for bad in ["FOO[", "X(Y", "BOGUS[", "FROB[", "X[", "zqx", "Foo[", "FLAGS[", "99999"] {
            assert!(!r.to_ascii_uppercase().contains(&bad.to_ascii_uppercase()), "{cmd}: echoes {bad}: {r}");
        }
        // Stay under the limit of invalid commands in a row.
        c.ok("NOOP");
    }
    // The conformance suite's case, exactly.
    assert_eq!(tagged(&mut c, "x", "SEARCH RETURN (PARTIAL 1) ALL"), "BAD Expected ':' in partial range");
    // A tag holding `[` is the client's own; the text after it stays clean.
    let r = tagged(&mut c, "a[", "FROB");
    assert!(r.starts_with("BAD ") && balanced(&r), "{r}");
    assert!(balanced("a (b [c] {d}) \"(\""), "the checker itself");
    assert!(!balanced("Expected ':' in partial range, found: ) ALL"), "the checker itself");
}
