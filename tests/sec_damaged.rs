//! Issue 19 item 8: damaged files in a maildir degrade one item, never the
//! mailbox. Invalid UTF-8 in `dovecot-keywords` and `dovecot-uidlist`,
//! keyword names that are not IMAP atoms, directories, FIFOs and symbolic
//! links named like messages in `cur/` and `new/`, and a uid list whose
//! next UID has reached the top of the 32-bit range.

mod support;

use std::path::Path;

use support::{message, seed_maildir, write_hashed_passwd, Client, Seed, Server, USERS};

/// The system flags and the keywords every mailbox announces, without the
/// closing parenthesis.
const BASE_FLAGS: &str = "\\Answered \\Flagged \\Deleted \\Seen \\Draft $Forwarded $MDN $Hidden $Media";

/// The base name of the `i`th seeded message (see `seed_maildir`).
fn base(i: usize) -> String {
    format!("{}.M{i}P1.tegami-test", 1_100_000_000 + i)
}

/// Starts a server (SHA512-CRYPT accounts, `--log-level problems`) whose
/// alice has `n` messages in INBOX with the info letters of `infos`, after
/// `damage` wrote into her maildir.
fn start(infos: &[&str], damage: impl FnOnce(&Path)) -> Server {
    let bodies: Vec<Vec<u8>> = (0..infos.len()).map(|i| message(&format!("m{i}"))).collect();
    Server::start_with(&["--log-level", "problems"], |d| {
        write_hashed_passwd(d, USERS);
        let maildir = d.join("home").join("alice").join("Maildir");
        let seeds: Vec<Seed> =
            bodies.iter().zip(infos).map(|(b, info)| Seed { data: b, info, mtime: 1_100_000_000 }).collect();
        seed_maildir(&maildir, &seeds);
        damage(&maildir);
    })
}

/// The tagged line of a command's lines, without its tag.
fn tagged(lines: &[String]) -> &str {
    let last = lines.last().expect("a tagged line");
    last.split_once(' ').map_or("", |(_, rest)| rest)
}

/// The UIDs of `* n FETCH (UID u ...)` lines, in order.
fn uids(lines: &[String]) -> Vec<u32> {
    lines
        .iter()
        .filter_map(|l| {
            let rest = &l[l.find("FETCH (UID ")? + "FETCH (UID ".len()..];
            rest.split([' ', ')']).next()?.parse().ok()
        })
        .collect()
}

#[test]
fn invalid_utf8_in_dovecot_keywords_leaves_the_mailbox_usable_and_is_rewritten_valid() {
    // Message 2 carries the dropped keyword's letter, and `c`, which no
    // line names.
    let server = start(&["a", "bc"], |m| {
        std::fs::write(m.join("dovecot-keywords"), b"0 $Good\n1 \xff\xfeBad\n").unwrap();
    });
    let mut c = server.login("alice");
    let st = c.cmd("STATUS INBOX (MESSAGES)");
    assert_eq!((st[0].as_str(), tagged(&st)), ("* STATUS INBOX (MESSAGES 2)", "OK STATUS completed"));
    let sel = c.select("INBOX");
    assert!(sel.contains(&format!("* FLAGS ({BASE_FLAGS} $Good)")), "{sel:?}");
    let f = c.ok("FETCH 1:* (UID FLAGS)");
    assert_eq!(
        &f[..2],
        &["* 1 FETCH (UID 1 FLAGS ($Good \\Recent))".to_string(), "* 2 FETCH (UID 2 FLAGS (\\Recent))".into()]
    );
    // A new keyword takes a letter no message carries (`d`), so message 2
    // does not suddenly carry the new one.
    c.ok("STORE 1 +FLAGS (NewWord)");
    let f = c.ok("FETCH 1:* (FLAGS)");
    assert_eq!(
        &f[..2],
        &["* 1 FETCH (FLAGS ($Good NewWord \\Recent))".to_string(), "* 2 FETCH (FLAGS (\\Recent))".into()]
    );
    let file = std::fs::read(server.maildir("alice").join("dovecot-keywords")).unwrap();
    assert_eq!(String::from_utf8(file).expect("valid UTF-8 again"), "0 $Good\n3 NewWord\n");
    let log = std::fs::read(server.dir.path().join("log")).unwrap();
    assert!(!log.windows(2).any(|w| w == b"\xff\xfe"), "raw bytes in the log");
    let log = String::from_utf8_lossy(&log);
    assert_eq!(log.matches("dovecot-keywords").count(), 1, "logged once: {log}");
}

#[test]
fn invalid_utf8_in_dovecot_uidlist_keeps_the_readable_records() {
    let server = start(&["", "", ""], |m| {
        let mut list = b"3 V12345 N10 G0123456789abcdef0123456789abcdef\n".to_vec();
        list.extend_from_slice(format!("5 :{}:2,\n", base(0)).as_bytes());
        list.extend_from_slice(format!("6 :{}", base(1)).as_bytes());
        list.extend_from_slice(b"\xff:2,\n");
        list.extend_from_slice(b"7 \xc3\x28 :x\n");
        list.extend_from_slice(format!("8 :{}:2,\n", base(2)).as_bytes());
        std::fs::write(m.join("dovecot-uidlist"), list).unwrap();
    });
    let mut c = server.login("alice");
    let st = c.cmd("STATUS INBOX (MESSAGES UIDVALIDITY UIDNEXT)");
    assert_eq!(tagged(&st), "OK STATUS completed", "{st:?}");
    assert_eq!(st[0], "* STATUS INBOX (MESSAGES 3 UIDVALIDITY 12345 UIDNEXT 11)");
    let sel = c.select("INBOX");
    assert_eq!(Client::code(&sel, "UIDVALIDITY").as_deref(), Some("12345"));
    assert_eq!(Client::number(&sel, "EXISTS"), Some(3));
    let f = c.ok("FETCH 1:* (UID BODY.PEEK[HEADER.FIELDS (SUBJECT)])");
    assert_eq!(uids(&f), vec![5, 8, 10], "readable records keep their UIDs: {f:?}");
    assert!(f[2].contains("Subject: m1"), "{f:?}");
    let list = std::fs::read(server.maildir("alice").join("dovecot-uidlist")).unwrap();
    let list = String::from_utf8(list).expect("rewritten valid");
    assert!(list.starts_with("3 V12345 N11 "), "{list}");
    let log = std::fs::read(server.dir.path().join("log")).unwrap();
    assert!(!log.contains(&0xff), "raw bytes in the log");
    assert_eq!(String::from_utf8_lossy(&log).matches("dovecot-uidlist: ").count(), 1);
}

#[test]
fn keywords_that_are_not_atoms_never_reach_the_client() {
    let server = start(&["abcdefg"], |m| {
        let table: &[u8] = b"0 bad\x01word\n1 has space\n2 $Fine\n3 (paren\n4 caf\xc3\xa9\n5 back\\slash\n6 Also]Bad\n";
        std::fs::write(m.join("dovecot-keywords"), table).unwrap();
    });
    let mut c = server.login("alice");
    let sel = c.cmd_bytes("SELECT INBOX");
    let flags = format!("* FLAGS ({BASE_FLAGS} $Fine)\r\n");
    assert!(sel.iter().any(|l| l == flags.as_bytes()), "{sel:?}");
    let perm = format!("* OK [PERMANENTFLAGS ({BASE_FLAGS} $Fine \\*)] Flags permitted\r\n");
    assert!(sel.iter().any(|l| l == perm.as_bytes()), "{sel:?}");
    let f = c.cmd_bytes("FETCH 1 (FLAGS)");
    assert_eq!(f[0], b"* 1 FETCH (FLAGS ($Fine \\Recent))\r\n");
    for line in sel.iter().chain(&f) {
        assert!(!line.windows(4).any(|w| w == b"bad\x01" || w == b"has " || w == b"back"), "{line:?}");
    }
}

/// Makes a FIFO at `path`.
fn mkfifo(path: &Path) {
    let c = std::ffi::CString::new(path.as_os_str().as_encoded_bytes()).unwrap();
    assert_eq!(unsafe { libc::mkfifo(c.as_ptr(), 0o600) }, 0, "mkfifo {}", path.display());
}

#[test]
fn directories_fifos_and_links_in_cur_and_new_are_not_messages() {
    let server = start(&["", "S", ""], |m| {
        std::fs::create_dir(m.join("cur").join("1100000005.M5P1.tegami-test:2,")).unwrap();
        mkfifo(&m.join("cur").join("1100000006.M6P1.tegami-test:2,S"));
        mkfifo(&m.join("new").join("1100000007.M7P1.tegami-test"));
        let secret = m.parent().unwrap().join("secret");
        std::fs::write(&secret, "From: x\r\n\r\nTOPSECRET\r\n").unwrap();
        std::os::unix::fs::symlink(&secret, m.join("cur").join("1100000008.M8P1.tegami-test:2,")).unwrap();
    });
    let mut c = server.login("alice");
    let st = c.cmd("STATUS INBOX (MESSAGES SIZE)");
    assert_eq!(tagged(&st), "OK STATUS completed", "{st:?}");
    assert!(st[0].starts_with("* STATUS INBOX (MESSAGES 3 SIZE "), "{st:?}");
    let sel = c.select("INBOX");
    assert_eq!(Client::number(&sel, "EXISTS"), Some(3), "{sel:?}");
    let f = c.cmd("FETCH 1:* (UID RFC822.SIZE BODY.PEEK[])");
    assert_eq!(tagged(&f), "OK FETCH completed", "{f:?}");
    assert_eq!(uids(&f), vec![1, 2, 3]);
    for i in 0..3 {
        assert!(f[i].contains(&format!("Subject: m{i}")), "{f:?}");
    }
    assert!(!f.iter().any(|l| l.contains("TOPSECRET")));
    let s = c.cmd("SEARCH TEXT body");
    assert_eq!((s[0].as_str(), tagged(&s)), ("* SEARCH 1 2 3", "OK SEARCH completed"));
    c.ok("CREATE other");
    let copy = c.cmd("COPY 1:* other");
    assert!(tagged(&copy).starts_with("OK [COPYUID "), "{copy:?}");
    let st = c.cmd("STATUS other (MESSAGES)");
    assert_eq!(st[0], "* STATUS other (MESSAGES 3)");
    // The odd entries were left where they were, untouched.
    let m = server.maildir("alice");
    assert!(m.join("cur").join("1100000005.M5P1.tegami-test:2,").is_dir());
    assert!(m.join("new").join("1100000007.M7P1.tegami-test").exists());
}

#[test]
fn a_message_file_that_turns_into_a_fifo_fails_only_itself() {
    let server = start(&["", "", ""], |_| {});
    let mut c = server.login("alice");
    c.select("INBOX");
    // After the listing: message 2's file is replaced by a FIFO.
    let cur = server.maildir("alice").join("cur");
    let name = support::files(&cur).into_iter().find(|f| f.starts_with(&base(1))).unwrap();
    std::fs::remove_file(cur.join(&name)).unwrap();
    mkfifo(&cur.join(&name));
    let f = c.cmd("FETCH 1:* (UID BODY.PEEK[])");
    assert_eq!(uids(&f), vec![1, 3], "{f:?}");
    // Unreadable when the FETCH comes first; when the watcher's sync comes
    // first, the listing no longer has the message: expunged meanwhile.
    let end = tagged(&f);
    assert!(
        end == "NO [SERVERBUG] Some of the requested messages could not be read"
            || end == "NO [EXPUNGEISSUED] Some of the requested messages no longer exist",
        "{f:?}"
    );
    // A COPY never makes the FIFO a message of the target: it fails whole
    // (while the FIFO stands for the message) or skips it (once a sync
    // took the message for expunged).
    c.ok("CREATE other");
    let copy = c.cmd("COPY 1:* other");
    let other = server.maildir("alice").join(".other");
    for f in support::files(&other.join("cur")) {
        let meta = std::fs::symlink_metadata(other.join("cur").join(&f)).unwrap();
        assert!(meta.is_file(), "{f} in .other/cur after {copy:?}");
    }
    assert!(support::files(&other.join("tmp")).is_empty(), "{copy:?}");
    // The session goes on.
    c.ok("NOOP");
}

/// APPENDs a message and returns `(UIDVALIDITY, UID)` of its APPENDUID.
fn append(c: &mut Client, i: usize) -> (u32, u32) {
    let lines = c.append("INBOX", "", &message(&format!("new{i}")));
    let code = Client::code(&lines, "APPENDUID").unwrap_or_else(|| panic!("{lines:?}"));
    let (v, u) = code.split_once(' ').unwrap();
    (v.parse().unwrap(), u.parse().unwrap())
}

#[test]
fn a_uid_list_at_the_top_of_the_range_starts_a_new_uidvalidity() {
    let server = start(&["S", ""], |m| {
        let list = format!("3 V1000 N4294967295 Gabc\n4294967290 :{}:2,S\n4294967294 :{}:2,\n", base(0), base(1));
        std::fs::write(m.join("dovecot-uidlist"), list).unwrap();
        // An MTA's delivery, found by the first sync.
        std::fs::write(m.join("new").join("1100000009.M9P1.mta"), message("mta")).unwrap();
    });
    let mut c = server.login("alice");
    let sel = c.select("INBOX");
    let validity: u32 = Client::code(&sel, "UIDVALIDITY").unwrap().parse().unwrap();
    assert_ne!(validity, 1000, "{sel:?}");
    assert_eq!(Client::code(&sel, "UIDNEXT").as_deref(), Some("4"), "{sel:?}");
    c.ok("UNSELECT");
    assert_eq!(append(&mut c, 0), (validity, 4));
    assert_eq!(append(&mut c, 1), (validity, 5));
    let mut other = server.login("alice");
    let sel = other.select("INBOX");
    assert_eq!(Client::code(&sel, "UIDVALIDITY"), Some(validity.to_string()));
    let f = other.ok("FETCH 1:* (UID FLAGS BODY.PEEK[HEADER.FIELDS (SUBJECT)])");
    assert!(f[0].starts_with("* 1 FETCH (UID 1 FLAGS (\\Seen) "), "the order and flags survive: {f:?}");
    assert!(f[2].contains("Subject: mta"), "{f:?}");
    assert_eq!(uids(&f), vec![1, 2, 3, 4, 5]);
    // COPYUID names the target's UIDVALIDITY and UIDs as they are.
    other.ok("CREATE Dest");
    let dest = server.maildir("alice").join(".Dest");
    std::fs::write(dest.join("dovecot-uidlist"), "3 V77 N4294967294 Gabd\n").unwrap();
    let copy = other.ok("COPY 1:3 Dest");
    let code = Client::code(&copy, "COPYUID").unwrap();
    let (v, rest) = code.split_once(' ').unwrap();
    assert_ne!(v, "77", "{copy:?}");
    assert_eq!(rest, "1:3 1:3", "{copy:?}");
    let st = other.cmd("STATUS Dest (MESSAGES UIDNEXT UIDVALIDITY)");
    assert_eq!(st[0], format!("* STATUS Dest (MESSAGES 3 UIDNEXT 4 UIDVALIDITY {v})"));
    let list = std::fs::read_to_string(server.maildir("alice").join("dovecot-uidlist")).unwrap();
    // (The header's N is the one of the last rewrite: appended lines
    // count beyond it, as in Dovecot.)
    assert!(list.starts_with(&format!("3 V{validity} N")), "{list}");
    assert!(list.lines().last().unwrap().starts_with("5 :"), "{list}");
    assert!(server.log().contains("new UIDVALIDITY"), "the reset is logged");
}

#[test]
fn appends_that_reach_the_top_of_the_range_renumber_and_never_give_uid_0() {
    let server = start(&[""], |m| {
        let list = format!("3 V1000 N4294967290 Gabc\n4294967288 :{}:2,\n", base(0));
        std::fs::write(m.join("dovecot-uidlist"), list).unwrap();
    });
    let mut c = server.login("alice");
    let mut seen = Vec::new();
    for i in 0..8 {
        let (v, u) = append(&mut c, i);
        assert!(u != 0, "UID 0 handed out");
        seen.push((v, u));
    }
    // The old UIDVALIDITY as long as UIDs remain, then one new one.
    let changed = seen.iter().position(|&(v, _)| v != 1000).expect("a new UIDVALIDITY");
    assert!(changed > 0, "{seen:?}");
    for (i, &(v, u)) in seen.iter().enumerate() {
        if i < changed {
            assert_eq!((v, u), (1000, 4294967290 + i as u32), "{seen:?}");
        } else {
            assert_eq!(v, seen[changed].0, "{seen:?}");
            assert!(u < 4294967290, "{seen:?}");
        }
    }
    let validity = seen[changed].0;
    let uids_now: Vec<u32> = seen[changed..].iter().map(|s| s.1).collect();
    let mut d = server.login("alice");
    let sel = d.select("INBOX");
    assert_eq!(Client::code(&sel, "UIDVALIDITY"), Some(validity.to_string()));
    assert_eq!(Client::number(&sel, "EXISTS"), Some(9));
    let f = d.ok("FETCH 1:* (UID)");
    let all = uids(&f);
    assert_eq!(all, (1..=9).collect::<Vec<u32>>(), "renumbered from 1 in order: {f:?}");
    assert_eq!(&all[9 - uids_now.len()..], &uids_now[..], "APPENDUID named the UIDs the mailbox has");
    assert_eq!(Client::code(&sel, "UIDNEXT").as_deref(), Some("10"));
}

#[test]
fn a_session_whose_mailbox_is_numbered_anew_is_told_bye() {
    let server = start(&[""], |m| {
        let list = format!("3 V1000 N4294967292 Gabc\n4294967290 :{}:2,\n", base(0));
        std::fs::write(m.join("dovecot-uidlist"), list).unwrap();
    });
    let mut idler = server.login("alice");
    idler.select("INBOX");
    idler.send(b"i1 IDLE\r\n");
    assert!(idler.line().starts_with("+ "));
    let mut selected = server.login("alice");
    let sel = selected.select("INBOX");
    assert_eq!(Client::code(&sel, "UIDVALIDITY").as_deref(), Some("1000"));
    let mut c = server.login("alice");
    // 3 UIDs left, 1 message: the second APPEND starts a new UIDVALIDITY.
    assert_eq!(append(&mut c, 0), (1000, 4294967292));
    let (validity, uid) = append(&mut c, 1);
    assert_ne!(validity, 1000);
    assert_eq!(uid, 3);
    // A selected session must not see UIDs 1..3 as new messages under the
    // UIDVALIDITY it knows: Dovecot's answer, BYE.
    let lines = selected.cmd("NOOP");
    assert!(lines.iter().any(|l| l == "* BYE Mailbox UIDVALIDITY changed"), "{lines:?}");
    assert!(!lines.iter().any(|l| l.contains("EXISTS")), "{lines:?}");
    assert!(selected.closed());
    let lines = idler.read_until(|l| l.starts_with("* BYE"));
    assert_eq!(lines.last().unwrap(), "* BYE Mailbox UIDVALIDITY changed", "{lines:?}");
    // The first APPEND may show, under the old UIDVALIDITY; nothing after.
    assert!(lines.iter().filter(|l| l.ends_with(" EXISTS")).all(|l| l == "* 2 EXISTS"), "{lines:?}");
}
