//! Issue 10, Must show 4: UTF8=ACCEPT (RFC 6855). A session that enabled it
//! names mailboxes in UTF-8, in and out; an IMAP4rev1 session sees the same
//! mailboxes in modified UTF-7; on disk they are named as Dovecot names
//! them (checked against a real Dovecot's doveadm).

mod support;

use std::path::Path;

use support::dovecot::Dovecot;
use support::Server;

fn lists(lines: &[String]) -> Vec<String> {
    let mut v: Vec<String> = lines.iter().filter(|l| l.starts_with("* LIST ")).cloned().collect();
    v.sort();
    v
}

fn dirs(md: &Path) -> Vec<String> {
    let mut v: Vec<String> = std::fs::read_dir(md)
        .unwrap()
        .flatten()
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| n.starts_with('.') && n.len() > 1)
        .collect();
    v.sort();
    v
}

#[test]
fn utf8_names_in_and_out_utf7_for_rev1_and_on_disk() {
    let server = Server::start(&[]);
    let mut u = server.login("alice");
    let caps = u.ok("CAPABILITY");
    assert!(caps[0].split(' ').any(|c| c == "UTF8=ACCEPT"), "{caps:?}");
    assert_eq!(u.ok("ENABLE UTF8=ACCEPT")[0], "* ENABLED UTF8=ACCEPT");
    u.ok("CREATE \"Entwürfe/Ärger\"");
    u.ok("CREATE \"R&D\"");
    let mine = u.ok("LIST \"\" \"Entw*\"");
    assert_eq!(
        lists(&mine),
        ["* LIST (\\HasChildren) \"/\" \"Entwürfe\"", "* LIST (\\HasNoChildren) \"/\" \"Entwürfe/Ärger\""]
    );
    // `&` is an ordinary character in a UTF-8 name.
    assert_eq!(lists(&u.ok("LIST \"\" R&D")), ["* LIST (\\HasNoChildren) \"/\" R&D"]);
    let st = u.ok("STATUS \"Entwürfe/Ärger\" (MESSAGES)");
    assert_eq!(st[0], "* STATUS \"Entwürfe/Ärger\" (MESSAGES 0)");
    u.ok("SELECT \"Entwürfe/Ärger\"");

    // An IMAP4rev1 session: the same mailboxes in modified UTF-7.
    let mut r1 = server.login("alice");
    let theirs = r1.ok("LIST \"\" \"Entw*\"");
    assert_eq!(
        lists(&theirs),
        ["* LIST (\\HasChildren) \"/\" Entw&APw-rfe", "* LIST (\\HasNoChildren) \"/\" Entw&APw-rfe/&AMQ-rger"]
    );
    assert_eq!(lists(&r1.ok("LIST \"\" R&-D")), ["* LIST (\\HasNoChildren) \"/\" R&-D"]);
    r1.ok("SELECT Entw&APw-rfe/&AMQ-rger");
    // Modified UTF-7 a rev1 session may not send is refused with NO.
    let bad = r1.cmd("SELECT Entw&APw");
    assert!(bad.last().unwrap().contains(" NO "), "{bad:?}");

    // On disk: Dovecot's Maildir++ names, modified UTF-7 with `.` between levels.
    let md = server.maildir("alice");
    let on_disk = dirs(&md);
    for want in [".Entw&APw-rfe", ".Entw&APw-rfe.&AMQ-rger", ".R&-D"] {
        assert!(on_disk.iter().any(|d| d == want), "{want} not in {on_disk:?}");
    }
}

#[test]
fn dovecot_and_tegami_name_utf8_mailboxes_alike() {
    let server = Server::start(&[]);
    let mut u = server.login("alice");
    u.ok("ENABLE UTF8=ACCEPT");
    u.ok("CREATE \"Entwürfe/Ärger\"");
    u.ok("CREATE \"R&D\"");
    u.ok("LOGOUT");
    let dovecot = Dovecot::start(server.dir.path(), &["alice"], "");
    // Dovecot reads tegami's directories as the same names (its separator
    // here is Maildir++'s `.`), in UTF-8...
    let listed = dovecot.doveadm(&["mailbox", "list", "-u", "alice"]);
    for want in ["Entwürfe", "Entwürfe.Ärger", "R&D"] {
        assert!(listed.lines().any(|l| l == want), "{want} not in {listed}");
    }
    // ...and a mailbox Dovecot makes is one tegami lists under its name.
    let before = dirs(&server.maildir("alice"));
    dovecot.doveadm(&["mailbox", "create", "-u", "alice", "Größe"]);
    let made: Vec<String> = dirs(&server.maildir("alice")).into_iter().filter(|d| !before.contains(d)).collect();
    assert_eq!(made, [".Gr&APYA3w-e"]);
    let mut u = server.login("alice");
    u.ok("ENABLE UTF8=ACCEPT");
    let l = lists(&u.ok("LIST \"\" \"Gr*\""));
    assert_eq!(l, ["* LIST (\\HasNoChildren) \"/\" \"Größe\""]);
    let mut r1 = server.login("alice");
    assert_eq!(lists(&r1.ok("LIST \"\" Gr*")), ["* LIST (\\HasNoChildren) \"/\" Gr&APYA3w-e"]);
    // And tegami's own CREATE of that name would have made the same directory.
    r1.ok("DELETE Gr&APYA3w-e");
    u.ok("CREATE \"Größe\"");
    let again: Vec<String> = dirs(&server.maildir("alice")).into_iter().filter(|d| !before.contains(d)).collect();
    assert_eq!(again, made);
}

#[test]
fn append_takes_utf8_messages_in_the_utf8_data_extension() {
    let server = Server::start(&[]);
    let mut u = server.login("alice");
    u.ok("ENABLE UTF8=ACCEPT");
    let msg = "From: Jörg <jörg@example.org>\r\nSubject: Grüße\r\n\r\nHallo.\r\n".as_bytes();
    let tag = u.next_tag();
    u.send(format!("{tag} APPEND INBOX UTF8 (~{{{}}}\r\n", msg.len()).as_bytes());
    assert!(u.line().starts_with("+ "));
    u.send(msg);
    u.send(b")\r\n");
    let done = u.until_tagged(&tag);
    assert!(done.last().unwrap().contains(" OK [APPENDUID "), "{done:?}");
    u.select("INBOX");
    let got = u.ok("FETCH 1 BODY.PEEK[HEADER.FIELDS (SUBJECT)]");
    assert!(got[0].contains("Subject: Grüße"), "{got:?}");
    // Without the literal8 the extension is refused with a reason.
    let bad = u.cmd("APPEND INBOX UTF8 ({2+}\r\nab)");
    assert!(bad.last().unwrap().contains(" BAD UTF8 takes the message as a literal8"), "{bad:?}");
}

#[test]
fn search_strings_are_utf8_and_a_charset_is_refused_after_enable() {
    let server = Server::start(&[]);
    let mut u = server.login("alice");
    u.append("INBOX", "", "Subject: Grüße\r\n\r\nx\r\n".as_bytes());
    u.ok("ENABLE UTF8=ACCEPT");
    u.select("INBOX");
    assert_eq!(u.ok("SEARCH SUBJECT \"Grüße\"")[0], "* SEARCH 1");
    let bad = u.cmd("SEARCH CHARSET UTF-8 SUBJECT x");
    assert!(bad.last().unwrap().contains(" BAD SEARCH CHARSET cannot be given"), "{bad:?}");
    // An IMAP4rev1 session still names its charset.
    let mut r1 = server.login("alice");
    r1.select("INBOX");
    assert_eq!(r1.ok("SEARCH CHARSET UTF-8 SUBJECT \"Grüße\"")[0], "* SEARCH 1");
}

#[test]
fn a_large_utf8_message_streams_and_multiappend_goes_on_after_it() {
    let server = Server::start(&[]);
    let mut u = server.login("alice");
    u.ok("ENABLE UTF8=ACCEPT");
    // Over the 256 KiB from which APPEND streams to tmp/.
    let mut big = "Subject: Größe\r\n\r\n".as_bytes().to_vec();
    big.extend(std::iter::repeat_n(b'x', 300 * 1024));
    big.extend_from_slice(b"\r\n");
    let small = "Subject: klein ü\r\n\r\ny\r\n".as_bytes();
    let tag = u.next_tag();
    u.send(format!("{tag} APPEND INBOX UTF8 (~{{{}}}\r\n", big.len()).as_bytes());
    assert!(u.line().starts_with("+ "));
    u.send(&big);
    u.send(format!(") UTF8 (~{{{}+}}\r\n", small.len()).as_bytes());
    u.send(small);
    u.send(b")\r\n");
    let done = u.until_tagged(&tag);
    assert!(done.last().unwrap().contains(" OK [APPENDUID ") && done.last().unwrap().contains(" 1:2]"), "{done:?}");
    u.select("INBOX");
    let sizes = u.ok("FETCH 1:2 (RFC822.SIZE BODY.PEEK[HEADER.FIELDS (SUBJECT)])");
    assert!(sizes[0].contains(&format!("RFC822.SIZE {}", big.len())), "{:?}", &sizes[0][..80]);
    assert!(sizes.iter().any(|l| l.contains("Subject: klein ü")), "{sizes:?}");
    // A missing `)` after the streamed message is BAD, and the session goes on.
    let tag = u.next_tag();
    u.send(format!("{tag} APPEND INBOX UTF8 (~{{{}+}}\r\n", big.len()).as_bytes());
    u.send(&big);
    u.send(b"\r\n");
    let refused = u.until_tagged(&tag);
    assert!(
        refused.last().unwrap().contains(" BAD Expected a closing parenthesis after the UTF8 message"),
        "{refused:?}"
    );
    // The refused command stored nothing.
    let st = u.ok("STATUS INBOX (MESSAGES)");
    assert_eq!(st.iter().find(|l| l.starts_with("* STATUS")).unwrap(), "* STATUS INBOX (MESSAGES 2)");
}
