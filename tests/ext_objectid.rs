//! Issue 12, OBJECTID (RFC 8474): MAILBOXID in CREATE's tagged OK, in
//! SELECT/EXAMINE and in STATUS (and LIST-STATUS), EMAILID and THREADID in
//! FETCH, SEARCH EMAILID/THREADID; ids stable across a restart and across
//! RENAME, kept in `dovecot-uidlist`'s `G` header field as Dovecot keeps
//! its mailbox GUID. Replays RFC 8474's examples with the ids this server
//! gave (they are the server's to choose).

mod support;

use support::{Client, Server};

fn is_objectid(s: &str) -> bool {
    !s.is_empty() && s.len() <= 255 && s.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-')
}

/// The id in `[MAILBOXID (id)]` of a line.
fn mailboxid_code(line: &str) -> String {
    let rest = &line[line.find("[MAILBOXID (").unwrap_or_else(|| panic!("no MAILBOXID in {line}")) + 12..];
    let id = rest[..rest.find(")]").unwrap()].to_string();
    assert!(is_objectid(&id), "{id}");
    id
}

fn status_id(c: &mut Client, mailbox: &str) -> String {
    let r = c.ok(&format!("STATUS {mailbox} (MAILBOXID)"));
    let prefix = format!("* STATUS {mailbox} (MAILBOXID (");
    let rest = r[0].strip_prefix(&prefix).unwrap_or_else(|| panic!("{r:?}"));
    rest.strip_suffix("))").unwrap().to_string()
}

#[test]
fn rfc_8474_mailboxid_examples_and_rename() {
    let mut server = Server::start(&[]);
    let mut c = server.login("alice");
    let caps = c.ok("CAPABILITY")[0].clone();
    assert!(caps.split(' ').any(|w| w == "OBJECTID"), "{caps}");
    // 4.1: CREATE answers the new mailbox's id; a second CREATE fails.
    let foo = mailboxid_code(c.ok("create foo").last().unwrap());
    let bar = mailboxid_code(c.ok("create bar").last().unwrap());
    assert_ne!(foo, bar);
    let r = c.cmd("create foo");
    assert!(r.last().unwrap().contains(" NO [ALREADYEXISTS]"), "{r:?}");
    // 4.2: SELECT and EXAMINE say it.
    let sel = c.ok("select \"foo\"");
    assert!(sel.contains(&format!("* OK [MAILBOXID ({foo})] Ok")), "{sel:?}");
    let ex = c.ok("examine bar");
    assert!(ex.contains(&format!("* OK [MAILBOXID ({bar})] Ok")), "{ex:?}");
    c.ok("unselect");
    // 4.3: LIST-STATUS and STATUS; INBOX has one too.
    let l = c.ok("list \"\" \"*\" RETURN (STATUS (MAILBOXID))");
    assert!(l.contains(&format!("* STATUS foo (MAILBOXID ({foo}))")), "{l:?}");
    assert!(l.contains(&format!("* STATUS bar (MAILBOXID ({bar}))")), "{l:?}");
    let inbox = status_id(&mut c, "INBOX");
    // CommuniGate's attribute form of a status item.
    assert_eq!(c.ok("LIST (MAILBOXID) \"\" bar")[0], format!("* LIST (\\HasNoChildren \\MAILBOXID({bar})) \"/\" bar"));
    assert!(is_objectid(&inbox) && inbox != foo && inbox != bar);
    // RENAME keeps the id; the old name is gone.
    c.ok("rename foo renamed");
    let l = c.ok("list \"\" \"*\" RETURN (STATUS (MAILBOXID))");
    assert!(l.contains(&format!("* STATUS renamed (MAILBOXID ({foo}))")), "{l:?}");
    assert_eq!(status_id(&mut c, "renamed"), foo);
    assert_eq!(status_id(&mut c, "bar"), bar);
    // A new mailbox under the old name is a new mailbox.
    let again = mailboxid_code(c.ok("create foo").last().unwrap());
    assert_ne!(again, foo);
    // The ids live in the mailboxes' dovecot-uidlist, where Dovecot reads
    // its mailbox GUID (header field G).
    let header = std::fs::read_to_string(server.maildir("alice").join(".renamed/dovecot-uidlist")).unwrap();
    assert!(header.lines().next().unwrap().split(' ').any(|w| w == format!("G{foo}")), "{header}");
    // A restart changes nothing.
    drop(c);
    server.restart(&[]);
    let mut c = server.login("alice");
    assert_eq!(status_id(&mut c, "renamed"), foo);
    assert_eq!(status_id(&mut c, "bar"), bar);
    assert_eq!(status_id(&mut c, "INBOX"), inbox);
    let sel = c.ok("select renamed");
    assert!(sel.contains(&format!("* OK [MAILBOXID ({foo})] Ok")), "{sel:?}");
}

#[test]
fn a_uid_list_without_a_guid_gets_one_that_stays() {
    // Courier's version 1 list (and old Dovecot ones) have no G field.
    let mut server = Server::start_with(&[], |d| {
        let inbox = d.join("home/alice/Maildir");
        for sub in ["cur", "new", "tmp"] {
            std::fs::create_dir_all(inbox.join(sub)).unwrap();
        }
        std::fs::write(inbox.join("cur/1500000000.M1P1.host,S=20:2,S"), "Subject: old\r\n\r\nhi\r\n").unwrap();
        std::fs::write(inbox.join("dovecot-uidlist"), "1 1400000000 5\n4 1500000000.M1P1.host,S=20:2,S\n").unwrap();
    });
    let mut c = server.login("alice");
    let id = status_id(&mut c, "INBOX");
    let sel = c.select("INBOX");
    assert!(sel.iter().any(|l| l == "* OK [UIDVALIDITY 1400000000] UIDs valid"), "{sel:?}");
    assert!(sel.contains(&format!("* OK [MAILBOXID ({id})] Ok")), "{sel:?}");
    drop(c);
    server.restart(&[]);
    let mut c = server.login("alice");
    assert_eq!(status_id(&mut c, "INBOX"), id);
}

#[test]
fn rfc_8474_emailid_and_threadid() {
    let mut server = Server::start(&[]);
    let mut c = server.login("alice");
    c.append("INBOX", "", &support::message("one"));
    c.append("INBOX", "", &support::message("two"));
    c.select("INBOX");
    // 5.3: FETCH EMAILID THREADID; tegami does not thread, so THREADID is
    // NIL, as RFC 8474 5.2 allows.
    let f = c.ok("fetch 1:2 (emailid threadid)");
    let id = |line: &str| {
        let rest = line.split("EMAILID (").nth(1).unwrap_or_else(|| panic!("{line}"));
        let id = rest[..rest.find(')').unwrap()].to_string();
        assert!(is_objectid(&id), "{id}");
        assert!(line.ends_with(" THREADID NIL)"), "{line}");
        id
    };
    let (one, two) = (id(&f[0]), id(&f[1]));
    assert_ne!(one, two);
    assert_eq!(c.ok("UID FETCH 2 (EMAILID)")[0], format!("* 2 FETCH (UID 2 EMAILID ({two}))"));
    // Flag changes rename the file, not the message.
    c.ok("STORE 1 +FLAGS (\\Flagged)");
    assert_eq!(c.ok("FETCH 1 (EMAILID)")[0], format!("* 1 FETCH (EMAILID ({one}))"));
    // RFC 8474 6: SEARCH EMAILID and THREADID.
    assert_eq!(c.ok(&format!("SEARCH EMAILID {two}"))[0], "* SEARCH 2");
    assert_eq!(c.ok("SEARCH EMAILID Mnosuchid")[0], "* SEARCH");
    assert_eq!(c.ok("SEARCH THREADID T1234")[0], "* SEARCH");
    let r = c.cmd("SEARCH EMAILID a.b");
    assert!(r.last().unwrap().contains(" BAD "), "{r:?}");
    // Stable across RENAME and restart.
    c.ok("CREATE keep");
    c.ok("COPY 1:2 keep");
    c.ok("UNSELECT");
    c.select("keep");
    let mut before = c.ok("FETCH 1:2 (EMAILID)");
    before.pop();
    // 5.3: a copy keeps its original's EMAILID (the uid list record's G
    // field, Dovecot's message GUID), and so does a moved message.
    assert_eq!(before, [format!("* 1 FETCH (EMAILID ({one}))"), format!("* 2 FETCH (EMAILID ({two}))")]);
    let uidlist = std::fs::read_to_string(server.maildir("alice").join(".keep/dovecot-uidlist")).unwrap();
    assert!(uidlist.lines().nth(1).unwrap().split(' ').nth(1).unwrap().starts_with('G'), "{uidlist}");
    c.ok("CREATE moved");
    c.ok("MOVE 2 moved");
    c.ok("UNSELECT");
    c.select("moved");
    assert_eq!(c.ok("FETCH 1 (EMAILID)")[0], format!("* 1 FETCH (EMAILID ({two}))"));
    assert_eq!(c.ok(&format!("SEARCH EMAILID {two}"))[0], "* SEARCH 1");
    c.ok("MOVE 1 keep");
    c.ok("UNSELECT");
    c.select("keep");
    assert_eq!(c.ok("UID FETCH 3 (EMAILID)")[0], format!("* 2 FETCH (UID 3 EMAILID ({two}))"));
    c.ok("UNSELECT");
    c.ok("RENAME keep kept");
    drop(c);
    server.restart(&[]);
    let mut c = server.login("alice");
    c.select("kept");
    assert_eq!(
        c.ok("UID FETCH 1,3 (EMAILID)")[..2],
        [format!("* 1 FETCH (UID 1 EMAILID ({one}))"), format!("* 2 FETCH (UID 3 EMAILID ({two}))")]
    );
    c.ok("UNSELECT");
    c.select("INBOX");
    assert_eq!(c.ok("FETCH 2 (EMAILID)")[0], format!("* 2 FETCH (EMAILID ({two}))"));
}
