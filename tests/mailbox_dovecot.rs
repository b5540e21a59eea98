//! Issue 3, item 1: a maildir that Dovecot created and served keeps its
//! UIDVALIDITY, UIDs and keywords under tegami, and tegami's writes keep
//! `dovecot-uidlist` and `dovecot-keywords` in Dovecot's format.

mod support;

use std::fs;
use std::path::Path;
use support::{eventually, message, set_flags_on_disk, Client, Server};

const GUID: &str = "G3085f01b7f11094c501100008c4a11c1";
const HEADER: &str = "3 V1700000000 N120 G3085f01b7f11094c501100008c4a11c1";
/// Old lines as Dovecot writes them: extension fields, then `:` and the file name.
const OLD_LINES: [&str; 3] = [
    "100 :1700000001.M1P1.host,S=60,W=62:2,S",
    "110 W1234 S1200 :1700000002.M2P1.host:2,",
    "117 W88 :1700000003.M3P1.host,S=86,W=88:2,Sab",
];
const KEYWORDS: &str = "0 $Label1\n1 $Junk\n2 NonJunk\n";

/// Writes INBOX as Dovecot leaves it: three messages with UIDs 100, 110
/// and 117 (one seen, one unseen, one with two keywords), next UID 120.
fn dovecot_inbox(root: &Path) {
    let md = root.join("home/alice/Maildir");
    for sub in ["cur", "new", "tmp"] {
        fs::create_dir_all(md.join(sub)).unwrap();
    }
    let mut list = format!("{HEADER}\n");
    for l in OLD_LINES {
        list.push_str(l);
        list.push('\n');
    }
    fs::write(md.join("dovecot-uidlist"), list).unwrap();
    fs::write(md.join("dovecot-keywords"), KEYWORDS).unwrap();
    let cur = md.join("cur");
    fs::write(cur.join("1700000001.M1P1.host,S=60,W=62:2,S"), message("one")).unwrap();
    fs::write(cur.join("1700000002.M2P1.host:2,"), message("two")).unwrap();
    fs::write(cur.join("1700000003.M3P1.host,S=86,W=88:2,Sab"), message("three")).unwrap();
    // A folder as Dovecot makes it, with its own uid list.
    let f = md.join(".Work");
    for sub in ["cur", "new", "tmp"] {
        fs::create_dir_all(f.join(sub)).unwrap();
    }
    fs::write(f.join("maildirfolder"), "").unwrap();
    fs::write(
        f.join("dovecot-uidlist"),
        "3 V1700000500 N7 Gffeeddccbbaa99887766554433221100\n5 :1700000009.M9P1.host:2,\n",
    )
    .unwrap();
    fs::write(f.join("cur/1700000009.M9P1.host:2,"), message("work")).unwrap();
}

fn uidlist(md: &Path) -> String {
    fs::read_to_string(md.join("dovecot-uidlist")).unwrap()
}

#[test]
fn dovecot_uidvalidity_uidnext_and_keywords_are_kept() {
    let server = Server::start_with(&[], dovecot_inbox);
    let md = server.maildir("alice");
    let mut c = server.login("alice");
    let sel = c.select("INBOX");
    assert_eq!(Client::code(&sel, "UIDVALIDITY").as_deref(), Some("1700000000"), "{sel:?}");
    assert_eq!(Client::code(&sel, "UIDNEXT").as_deref(), Some("120"), "{sel:?}");
    assert_eq!(Client::number(&sel, "EXISTS"), Some(3), "{sel:?}");
    assert_eq!(Client::code(&sel, "UNSEEN").as_deref(), Some("2"), "{sel:?}");
    let flags = sel.iter().find(|l| l.starts_with("* FLAGS ")).unwrap();
    assert_eq!(
        flags,
        "* FLAGS (\\Answered \\Flagged \\Deleted \\Seen \\Draft $Forwarded $MDN $Hidden $Media $Label1 $Junk NonJunk)"
    );
    let perm = sel.iter().find(|l| l.contains("[PERMANENTFLAGS")).unwrap();
    assert!(perm.contains("$Label1 $Junk NonJunk \\*)"), "{perm}");

    // The sync kept every old line as it was.
    let text = uidlist(&md);
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines[0], HEADER, "{text}");
    assert_eq!(&lines[1..], &OLD_LINES, "{text}");

    // STATUS of the Dovecot folder: its own UIDVALIDITY and UIDNEXT.
    let st = c.ok("STATUS Work (MESSAGES UIDNEXT UIDVALIDITY)");
    assert_eq!(st[0], "* STATUS Work (MESSAGES 1 UIDNEXT 7 UIDVALIDITY 1700000500)");
}

#[test]
fn dovecot_uids_map_to_the_right_sequence_numbers() {
    let server = Server::start_with(&[], dovecot_inbox);
    let md = server.maildir("alice");
    let mut c = server.login("alice");
    c.select("INBOX");
    // Another program sets $Junk (letter b) and \Flagged on UID 110.
    set_flags_on_disk(&md, 110, "Fb");
    let mut seen = Vec::new();
    eventually("FETCH of UID 110", || {
        seen.extend(c.ok("NOOP"));
        seen.iter().any(|l| l.starts_with("* 2 FETCH"))
    });
    let fetch = seen.iter().find(|l| l.starts_with("* 2 FETCH")).unwrap();
    assert_eq!(fetch, "* 2 FETCH (UID 110 FLAGS (\\Flagged $Junk))");
    // UID EXPUNGE of a Dovecot UID removes the right message.
    set_flags_on_disk(&md, 100, "ST");
    eventually("\\Deleted on UID 100", || c.ok("NOOP").iter().any(|l| l.starts_with("* 1 FETCH")));
    let r = c.ok("UID EXPUNGE 100");
    assert!(r.contains(&"* 1 EXPUNGE".to_string()), "{r:?}");
    assert!(!support::files(&md.join("cur")).iter().any(|f| f.starts_with("1700000001.")));
    let text = uidlist(&md);
    assert!(!text.contains("\n100 "), "{text}");
    assert!(text.contains(&format!("\n{}\n", OLD_LINES[2])), "{text}");
}

#[test]
fn tegami_appends_keep_dovecot_format() {
    let server = Server::start_with(&[], dovecot_inbox);
    let md = server.maildir("alice");
    let mut c = server.login("alice");
    let r = c.append("INBOX", "(\\Seen $Junk NewKeyword)", &message("four"));
    assert_eq!(Client::code(&r, "APPENDUID").as_deref(), Some("1700000000 120"), "{r:?}");
    let r = c.append("INBOX", "", &message("five"));
    assert_eq!(Client::code(&r, "APPENDUID").as_deref(), Some("1700000000 121"), "{r:?}");

    let text = uidlist(&md);
    let lines: Vec<&str> = text.lines().collect();
    // New lines are appended as Dovecot appends them; the header is left
    // as it was (readers take the last UID + 1 when it is higher).
    assert_eq!(lines[0], format!("3 V1700000000 N120 {GUID}"), "{text}");
    assert_eq!(&lines[1..4], &OLD_LINES, "{text}");
    assert_eq!(lines.len(), 6, "{text}");
    // New lines in Dovecot's form: `uid :file`, the file in cur/.
    let cur = support::files(&md.join("cur"));
    for (line, uid) in lines[4..].iter().zip([120, 121]) {
        let (u, file) = line.split_once(" :").unwrap_or_else(|| panic!("{line}"));
        assert_eq!(u, uid.to_string());
        let base = file.split(':').next().unwrap();
        assert!(base.contains(",S=") && base.contains(",W="), "{base}");
        assert!(cur.iter().any(|f| f.split(':').next() == Some(base)), "{base} not in {cur:?}");
    }
    // The keyword file keeps Dovecot's letters and gets the new keyword next.
    let kw = fs::read_to_string(md.join("dovecot-keywords")).unwrap();
    assert_eq!(kw, format!("{KEYWORDS}3 NewKeyword\n"));
    let four =
        cur.iter().find(|f| f.starts_with(lines[4].split(" :").nth(1).unwrap().split(':').next().unwrap())).unwrap();
    assert!(four.ends_with(":2,Sbd"), "{four}");

    // A restarted server (or Dovecot) reads the same state back.
    drop(c);
    let mut server = server;
    server.restart(&[]);
    let mut c = server.login("alice");
    let sel = c.select("INBOX");
    assert_eq!(Client::code(&sel, "UIDVALIDITY").as_deref(), Some("1700000000"));
    assert_eq!(Client::code(&sel, "UIDNEXT").as_deref(), Some("122"));
    assert_eq!(Client::number(&sel, "EXISTS"), Some(5));
    assert!(sel.iter().any(|l| l.starts_with("* FLAGS ") && l.ends_with("NonJunk NewKeyword)")), "{sel:?}");
}
