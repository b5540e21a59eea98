//! Issue 21 item 8, METADATA (RFC 5464): GETMETADATA with MAXSIZE and
//! DEPTH, SETMETADATA with NIL and literals, server entries (mailbox ""),
//! the limits (`--metadata-max-size`, `--metadata-max-entries`), the
//! rights of RFC 5464 3.3 on a shared mailbox whose users keep their
//! private entries apart, RENAME and DELETE, and hostile entry names.

mod support;

use support::{Client, Server};

/// Sends `tag head{n}` with a synchronizing literal, then `data` and
/// `tail`; returns every line up to the tagged one.
fn with_literal(c: &mut Client, head: &str, data: &[u8], tail: &str) -> Vec<String> {
    let tag = c.next_tag();
    c.send(format!("{tag} {head}{{{}}}\r\n", data.len()).as_bytes());
    let cont = c.line();
    assert!(cont.starts_with("+ "), "no continuation: {cont}");
    c.send(data);
    c.send(format!("{tail}\r\n").as_bytes());
    c.until_tagged(&tag)
}

/// Runs a command; asserts its untagged answer byte for byte and the start
/// of the tagged line after the tag (`OK`, `OK [METADATA LONGENTRIES 9]`).
fn exact(c: &mut Client, command: &str, untagged: &[u8], tagged: &str) {
    let r = c.cmd_bytes(command);
    let (last, before) = r.split_last().unwrap();
    assert_eq!(String::from_utf8_lossy(&before.concat()), String::from_utf8_lossy(untagged), "{command}");
    let last = String::from_utf8_lossy(last);
    let after_tag = last.split_once(' ').unwrap().1;
    assert!(after_tag.starts_with(tagged), "{command}: {last}");
}

fn tagged(lines: &[String]) -> String {
    lines.last().unwrap().split_once(' ').unwrap().1.to_string()
}

#[test]
fn rfc5464_examples_replay_byte_for_byte() {
    let server = Server::start_hashed(&[]);
    let mut c = server.login("alice");
    let caps = c.ok("CAPABILITY")[0].clone();
    assert!(caps.split(' ').any(|w| w == "METADATA"), "{caps}");
    // 4.2: a server entry and a mailbox's private and shared ones.
    c.ok("SETMETADATA \"\" (/shared/comment \"Shared comment\")");
    exact(
        &mut c,
        "GETMETADATA \"\" /shared/comment",
        b"* METADATA \"\" (/shared/comment \"Shared comment\")\r\n",
        "OK",
    );
    // 4.3: two entries at once, then read back in the order asked.
    c.ok("SETMETADATA INBOX (/private/comment \"My new comment\" /shared/comment \"This one is for you!\")");
    exact(
        &mut c,
        "GETMETADATA \"INBOX\" (/shared/comment /private/comment)",
        b"* METADATA \"INBOX\" (/shared/comment \"This one is for you!\" /private/comment \"My new comment\")\r\n",
        "OK",
    );
    // 4.3: a value in a literal across two lines comes back as a literal.
    let r = with_literal(&mut c, "SETMETADATA INBOX (/private/comment ", b"My new comment across\r\ntwo lines.", ")");
    assert!(tagged(&r).starts_with("OK"), "{r:?}");
    exact(
        &mut c,
        "GETMETADATA \"INBOX\" /private/comment",
        b"* METADATA \"INBOX\" (/private/comment {33}\r\nMy new comment across\r\ntwo lines.)\r\n",
        "OK",
    );
    // 4.3: NIL removes it; a missing entry reads as NIL.
    c.ok("SETMETADATA INBOX (/private/comment NIL)");
    exact(&mut c, "GETMETADATA \"INBOX\" /private/comment", b"* METADATA \"INBOX\" (/private/comment NIL)\r\n", "OK");
    // 4.2.1: MAXSIZE leaves out the 2199-octet value and says so, with the
    // options before the mailbox (the ABNF) or after it (the examples).
    let long = "x".repeat(2199);
    let r = with_literal(&mut c, "SETMETADATA INBOX (/private/comment ", long.as_bytes(), ")");
    assert!(tagged(&r).starts_with("OK"), "{r:?}");
    for cmd in [
        "GETMETADATA (MAXSIZE 1024) \"INBOX\" (/shared/comment /private/comment)",
        "GETMETADATA \"INBOX\" (MAXSIZE 1024) (/shared/comment /private/comment)",
    ] {
        exact(
            &mut c,
            cmd,
            b"* METADATA \"INBOX\" (/shared/comment \"This one is for you!\")\r\n",
            "OK [METADATA LONGENTRIES 2199] ",
        );
    }
    // 4.2.2: DEPTH 1 gives the children of an entry that has no value
    // (in name order; the RFC's example lists them the other way round).
    c.ok("SETMETADATA INBOX (/private/filters/values/small \"SMALLER 5000\" /private/filters/values/boss \"FROM \\\"boss@example.com\\\"\" /private/filters/values/boss/deeper \"x\")");
    exact(
        &mut c,
        "GETMETADATA \"INBOX\" (DEPTH 1) (/private/filters/values)",
        b"* METADATA \"INBOX\" (/private/filters/values/boss \"FROM \\\"boss@example.com\\\"\" /private/filters/values/small \"SMALLER 5000\")\r\n",
        "OK",
    );
    let r = c.ok("GETMETADATA (DEPTH infinity) INBOX /private/filters");
    assert!(r[0].contains("/private/filters/values/boss/deeper \"x\""), "{r:?}");
    // Nothing below: no METADATA response at all.
    exact(&mut c, "GETMETADATA (DEPTH 1) INBOX /shared/nothing", b"", "OK");
    // Kept on disk: a new session, and the entries are where the mailbox is.
    let mut again = server.login("alice");
    exact(
        &mut again,
        "GETMETADATA \"\" /shared/comment",
        b"* METADATA \"\" (/shared/comment \"Shared comment\")\r\n",
        "OK",
    );
    assert!(server.maildir("alice").join("tegami-metadata").is_file());
    assert!(server.maildir("alice").join("tegami-metadata-server").is_file());
}

#[test]
fn values_are_any_octets_and_names_are_case_insensitive() {
    let server = Server::start_hashed(&[]);
    let mut c = server.login("alice");
    let tag = c.next_tag();
    c.send(format!("{tag} SETMETADATA INBOX (/Shared/Vendor/Bin ~{{4+}}\r\na\0\r\x7f)\r\n").as_bytes());
    assert!(c.until_tagged(&tag).last().unwrap().contains(" OK "));
    exact(
        &mut c,
        "GETMETADATA INBOX /shared/vendor/BIN",
        b"* METADATA \"INBOX\" (/shared/vendor/bin ~{4}\r\na\0\r\x7f)\r\n",
        "OK",
    );
    c.ok("SETMETADATA INBOX (/shared/utf8 \"gr\u{fc}n\")");
    exact(
        &mut c,
        "GETMETADATA INBOX /shared/utf8",
        "* METADATA \"INBOX\" (/shared/utf8 {5}\r\ngr\u{fc}n)\r\n".as_bytes(),
        "OK",
    );
    c.ok("SETMETADATA INBOX (/shared/empty \"\")");
    exact(&mut c, "GETMETADATA INBOX /shared/empty", b"* METADATA \"INBOX\" (/shared/empty \"\")\r\n", "OK");
}

#[test]
fn limits_refuse_large_values_and_too_many_entries_changing_nothing() {
    let server = Server::start_hashed(&[
        "--metadata-max-size",
        "1024",
        "--metadata-max-entries",
        "3",
        "--max-held-literal",
        "4096",
    ]);
    let mut c = server.login("alice");
    let r = with_literal(&mut c, "SETMETADATA INBOX (/shared/comment ", &[b'y'; 1025], ")");
    assert_eq!(tagged(&r), "NO [METADATA MAXSIZE 1024] The value is larger than this server keeps");
    exact(&mut c, "GETMETADATA INBOX /shared/comment", b"* METADATA \"INBOX\" (/shared/comment NIL)\r\n", "OK");
    let r = with_literal(&mut c, "SETMETADATA INBOX (/shared/comment ", &[b'y'; 1024], ")");
    assert!(tagged(&r).starts_with("OK"), "{r:?}");
    c.ok("SETMETADATA INBOX (/shared/a \"1\" /shared/b \"2\")");
    // A fourth shared entry: refused, and the third of the command is not
    // set either.
    let r = c.cmd("SETMETADATA INBOX (/shared/b NIL /shared/c \"3\" /shared/d \"4\")");
    assert_eq!(tagged(&r), "NO [METADATA TOOMANY] At most 3 entries per mailbox");
    let r = c.ok("GETMETADATA INBOX (/shared/b /shared/c)");
    assert_eq!(r[0], "* METADATA \"INBOX\" (/shared/b \"2\" /shared/c NIL)");
    // Private entries count apart, per user.
    c.ok("SETMETADATA INBOX (/private/a \"1\" /private/b \"2\" /private/c \"3\")");
    assert!(tagged(&c.cmd("SETMETADATA INBOX (/private/d \"4\")")).starts_with("NO [METADATA TOOMANY]"));
    c.ok("SETMETADATA INBOX (/private/a NIL /private/d \"4\")");
    // The server entries have the same limits.
    c.ok("SETMETADATA \"\" (/shared/a \"1\" /shared/b \"2\" /shared/c \"3\")");
    assert!(tagged(&c.cmd("SETMETADATA \"\" (/shared/d \"4\")")).starts_with("NO [METADATA TOOMANY]"));
    // A literal over --max-held-literal is refused before it is sent; the
    // connection goes on.
    let tag = c.next_tag();
    c.send(format!("{tag} SETMETADATA INBOX (/shared/x {{5000}}\r\n").as_bytes());
    let r = c.until_tagged(&tag);
    assert!(tagged(&r).starts_with("NO [TOOBIG]"), "{r:?}");
    c.ok("NOOP");
}

#[test]
fn shared_mailbox_rights_and_private_entries_per_user() {
    let server = Server::start_hashed(&[]);
    let mut b = server.login("bob");
    b.ok("CREATE Projects");
    b.ok("SETMETADATA Projects (/shared/comment \"team\" /private/comment \"bob's own\")");
    let mut a = server.login("alice");
    let get = "GETMETADATA \"~bob/Projects\" (/shared/comment /private/comment)";
    // No rights at all: the mailbox does not exist for alice.
    assert!(tagged(&a.cmd(get)).starts_with("NO [NONEXISTENT]"));
    // "l" alone is not enough (RFC 5464 3.3: "l" and one of "rswip").
    b.ok("SETACL Projects alice l");
    assert!(tagged(&a.cmd(get)).starts_with("NO [NOPERM]"));
    assert!(tagged(&a.cmd("SETMETADATA \"~bob/Projects\" (/private/x \"1\")")).starts_with("NO [NOPERM]"));
    b.ok("SETACL Projects alice lr");
    exact(&mut a, get, b"* METADATA \"~bob/Projects\" (/shared/comment \"team\" /private/comment NIL)\r\n", "OK");
    // alice's private entry is hers; bob's stays his.
    a.ok("SETMETADATA \"~bob/Projects\" (/private/comment \"alice's own\")");
    exact(
        &mut a,
        get,
        b"* METADATA \"~bob/Projects\" (/shared/comment \"team\" /private/comment \"alice's own\")\r\n",
        "OK",
    );
    exact(
        &mut b,
        "GETMETADATA Projects (/shared/comment /private/comment)",
        b"* METADATA \"Projects\" (/shared/comment \"team\" /private/comment \"bob's own\")\r\n",
        "OK",
    );
    let r = a.ok("GETMETADATA (DEPTH infinity) \"~bob/Projects\" /private");
    assert_eq!(r[0], "* METADATA \"~bob/Projects\" (/private/comment \"alice's own\")");
    // Shared entries alice sets are bob's to read too.
    a.ok("SETMETADATA \"~bob/Projects\" (/shared/comment \"from alice\")");
    assert_eq!(
        b.ok("GETMETADATA Projects /shared/comment")[0],
        "* METADATA \"Projects\" (/shared/comment \"from alice\")"
    );
    // Server entries are per account: alice's are not bob's.
    a.ok("SETMETADATA \"\" (/private/comment \"alice server\")");
    assert_eq!(b.ok("GETMETADATA \"\" /private/comment")[0], "* METADATA \"\" (/private/comment NIL)");
}

#[test]
fn rename_moves_the_entries_and_delete_removes_them() {
    let server = Server::start_hashed(&[]);
    let mut c = server.login("alice");
    c.ok("CREATE A/child");
    c.ok("SETMETADATA A (/shared/x \"on A\")");
    c.ok("SETMETADATA A/child (/private/y \"on the child\")");
    c.ok("RENAME A B");
    assert_eq!(c.ok("GETMETADATA B /shared/x")[0], "* METADATA \"B\" (/shared/x \"on A\")");
    assert_eq!(c.ok("GETMETADATA B/child /private/y")[0], "* METADATA \"B/child\" (/private/y \"on the child\")");
    assert!(tagged(&c.cmd("GETMETADATA A /shared/x")).starts_with("NO [NONEXISTENT]"));
    assert!(tagged(&c.cmd("SETMETADATA A (/shared/x \"1\")")).starts_with("NO [NONEXISTENT]"));
    c.ok("DELETE B/child");
    c.ok("CREATE B/child");
    assert_eq!(c.ok("GETMETADATA B/child /private/y")[0], "* METADATA \"B/child\" (/private/y NIL)");
}

#[test]
fn hostile_entry_names_and_forms_get_bad_and_the_session_goes_on() {
    let server = Server::start_hashed(&[]);
    let mut c = server.login("alice");
    let deep = format!("/shared{}", "/a".repeat(600));
    let long = format!("/shared/{}", "n".repeat(2000));
    let cases = [
        format!("GETMETADATA INBOX {deep}"),
        format!("SETMETADATA INBOX ({long} \"v\")"),
        "GETMETADATA INBOX /vendor/x".into(),
        "GETMETADATA INBOX /shared/*".into(),
        "GETMETADATA INBOX (/shared/a /private/%)".into(),
        "GETMETADATA INBOX /shared//a".into(),
        "GETMETADATA INBOX /shared/a/".into(),
        "GETMETADATA INBOX \"/shared/a\tb\"".into(),
        "GETMETADATA (DEPTH 7) INBOX /shared/a".into(),
        "GETMETADATA (MAXSIZE -1) INBOX /shared/a".into(),
        "GETMETADATA (FOO 1) INBOX /shared/a".into(),
        "GETMETADATA INBOX ()".into(),
        "SETMETADATA INBOX (/shared/a)".into(),
        "SETMETADATA INBOX (/shared \"root\")".into(),
        "SETMETADATA INBOX /shared/a \"v\"".into(),
        "SETMETADATA INBOX (/shared/a \"v\"".into(),
    ];
    for cmd in &cases {
        let r = c.cmd(cmd);
        assert!(tagged(&r).starts_with("BAD "), "{}: {r:?}", &cmd[..cmd.len().min(60)]);
    }
    // A control character in a literal entry name.
    let r = with_literal(&mut c, "GETMETADATA INBOX ", b"/shared/a\r\nb", "");
    assert!(tagged(&r).starts_with("BAD "), "{r:?}");
    assert!(tagged(&c.cmd("GETMETADATA Nowhere /shared/a")).starts_with("NO [NONEXISTENT]"));
    // 1024 octets is the limit: a name just within it works.
    let within = format!("/shared{}", "/a".repeat(508));
    assert_eq!(within.len(), 1023);
    c.ok(&format!("SETMETADATA INBOX ({within} \"deep\")"));
    assert!(c.ok(&format!("GETMETADATA INBOX {within}"))[0].ends_with(" \"deep\")"));
    c.ok("NOOP");
}
