//! Issue 4, "Must show" 3: STORE and keyword round trips, COPY and MOVE
//! with COPYUID, flags and INTERNALDATE preserved, sequence sets beyond the
//! mailbox refused.

mod support;

use support::{Client, Seed, Server};

const MSG: &[u8] = b"From: a@example.com\r\nSubject: m\r\n\r\nbody\r\n";

fn seed(info: &str, mtime: i64) -> Seed<'_> {
    Seed { data: MSG, info, mtime }
}

/// File names in a maildir folder's cur/ and new/, sorted.
fn files(server: &Server, folder: &str) -> Vec<String> {
    let mut dir = server.maildir("alice");
    if folder != "INBOX" {
        dir = dir.join(format!(".{folder}"));
    }
    let mut out: Vec<String> = ["cur", "new"]
        .iter()
        .flat_map(|s| std::fs::read_dir(dir.join(s)).unwrap())
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .collect();
    out.sort();
    out
}

/// The info letters after `:2,` of every file, in UID (name) order.
fn infos(server: &Server, folder: &str) -> Vec<String> {
    files(server, folder).iter().map(|n| n.split_once(":2,").map(|x| x.1.to_string()).unwrap_or_default()).collect()
}

/// The value of `[CODE ...]` in a response line.
fn code<'a>(line: &'a str, name: &str) -> Option<&'a str> {
    let start = line.find(&format!("[{name} "))? + name.len() + 2;
    Some(&line[start..start + line[start..].find(']')?])
}

#[test]
fn store_flags_exact_responses() {
    let server = Server::start_seeded(&[], &[seed("", 1), seed("S", 2), seed("F", 3), seed("", 4)]);
    let mut c = server.login("alice");
    c.ok("SELECT INBOX");
    let l = c.ok("STORE 1 +FLAGS (\\Flagged)");
    assert_eq!(l, ["* 1 FETCH (FLAGS (\\Flagged \\Recent))", "t3 OK STORE completed"]);
    let l = c.ok("STORE 1:2 FLAGS (\\Draft \\Answered)");
    assert_eq!(
        l[..2],
        ["* 1 FETCH (FLAGS (\\Answered \\Draft \\Recent))", "* 2 FETCH (FLAGS (\\Answered \\Draft \\Recent))"]
    );
    let l = c.ok("STORE 2 -FLAGS.SILENT (\\Draft)");
    assert_eq!(l, ["t5 OK STORE completed"]);
    let l = c.ok("STORE 3 +FLAGS.SILENT (\\Deleted \\Seen)");
    assert_eq!(l.len(), 1, "{l:?}");
    let l = c.ok("STORE 4 FLAGS.SILENT ()");
    assert_eq!(l.len(), 1, "{l:?}");
    let l = c.ok("UID STORE 3 -FLAGS (\\Seen)");
    assert_eq!(l[0], "* 3 FETCH (FLAGS (\\Flagged \\Deleted \\Recent) UID 3)");
    let l = c.ok("STORE 2,4 -FLAGS (\\Flagged)");
    assert_eq!(l[..2], ["* 2 FETCH (FLAGS (\\Answered \\Recent))", "* 4 FETCH (FLAGS (\\Recent))"]);
    let l = c.ok("FETCH 1:* (FLAGS)");
    assert_eq!(
        l[..4],
        [
            "* 1 FETCH (FLAGS (\\Answered \\Draft \\Recent))",
            "* 2 FETCH (FLAGS (\\Answered \\Recent))",
            "* 3 FETCH (FLAGS (\\Flagged \\Deleted \\Recent))",
            "* 4 FETCH (FLAGS (\\Recent))",
        ]
    );
    // The file names carry the same flags.
    assert_eq!(infos(&server, "INBOX"), ["DR", "R", "FT", ""]);
    // \Recent and unknown system flags cannot be stored.
    for bad in ["STORE 1 +FLAGS (\\Recent)", "STORE 1 FLAGS (\\Bogus)"] {
        let l = c.cmd(bad);
        assert!(l.last().unwrap().contains(" BAD "), "{bad}: {l:?}");
    }
    assert_eq!(infos(&server, "INBOX"), ["DR", "R", "FT", ""]);
    // Read-only mailboxes refuse STORE.
    c.ok("EXAMINE INBOX");
    let l = c.cmd("STORE 1 +FLAGS (\\Seen)");
    assert!(l.last().unwrap().contains(" NO "), "{l:?}");
}

#[test]
fn keywords_round_trip() {
    let server = Server::start_seeded(&[], &[seed("", 1), seed("", 2)]);
    let mut c = server.login("alice");
    let l = c.ok("SELECT INBOX");
    assert!(
        l.contains(
            &"* FLAGS (\\Answered \\Flagged \\Deleted \\Seen \\Draft $Forwarded $MDN $Hidden $Media)".to_string()
        ),
        "{l:?}"
    );
    let l = c.ok("STORE 1 +FLAGS (Project $Forwarded)");
    assert_eq!(l[0], "* FLAGS (\\Answered \\Flagged \\Deleted \\Seen \\Draft $Forwarded $MDN $Hidden $Media Project)");
    assert_eq!(l[l.len() - 2], "* 1 FETCH (FLAGS ($Forwarded Project \\Recent))");
    let kw = std::fs::read_to_string(server.maildir("alice").join("dovecot-keywords")).unwrap();
    assert_eq!(kw, "0 Project\n");
    assert_eq!(infos(&server, "INBOX"), ["Pa", ""]);
    // A second keyword gets the next letter; an existing one is reused.
    c.ok("STORE 2 +FLAGS (Later project)");
    assert_eq!(infos(&server, "INBOX"), ["Pa", "ab"], "keywords are case-insensitive");
    let kw = std::fs::read_to_string(server.maildir("alice").join("dovecot-keywords")).unwrap();
    assert_eq!(kw, "0 Project\n1 Later\n");
    // Another session sees them in SELECT and in FETCH.
    let mut d = server.login("alice");
    let l = d.ok("SELECT INBOX");
    assert!(l.iter().any(|x| x.starts_with("* FLAGS (") && x.contains("Project Later")), "{l:?}");
    assert!(
        l.contains(&"* OK [PERMANENTFLAGS (\\Answered \\Flagged \\Deleted \\Seen \\Draft $Forwarded $MDN $Hidden $Media Project Later \\*)] Flags permitted".to_string()),
        "{l:?}"
    );
    let l = d.ok("FETCH 1:2 (FLAGS)");
    assert_eq!(l[..2], ["* 1 FETCH (FLAGS ($Forwarded Project))", "* 2 FETCH (FLAGS (Project Later))"]);
    let l = d.ok("SEARCH KEYWORD $Forwarded");
    assert_eq!(l[0], "* SEARCH 1");
    let l = d.ok("SEARCH KEYWORD later");
    assert_eq!(l[0], "* SEARCH 2");
    // Removing: letters go, the keyword stays allocated.
    c.ok("STORE 1:2 -FLAGS.SILENT (Project $Forwarded)");
    assert_eq!(infos(&server, "INBOX"), ["", "b"]);
    let l = c.ok("FETCH 1:2 (FLAGS)");
    assert_eq!(l[..2], ["* 1 FETCH (FLAGS (\\Recent))", "* 2 FETCH (FLAGS (Later \\Recent))"]);
}

#[test]
fn sequence_numbers_beyond_the_mailbox_are_bad() {
    let server = Server::start_seeded(&[], &[seed("", 1), seed("", 2)]);
    let mut c = server.login("alice");
    c.ok("SELECT INBOX");
    for cmd in ["FETCH 3 (FLAGS)", "FETCH 1:5 (FLAGS)", "STORE 9 +FLAGS (\\Seen)", "COPY 3 Trash", "MOVE 2:3 Trash"] {
        let l = c.cmd(cmd);
        assert!(l.last().unwrap().contains(" BAD "), "{cmd}: {l:?}");
    }
    assert_eq!(infos(&server, "INBOX"), ["", ""]);
    // In SEARCH a sequence set is a criterion: beyond the mailbox it
    // matches nothing (as Dovecot answers).
    let l = c.ok("SEARCH 3");
    assert_eq!(l[0], "* SEARCH");
    // `*` and reversed ranges are fine; UIDs beyond the mailbox name nothing.
    let l = c.ok("FETCH 2:* (UID)");
    assert_eq!(l[..1], ["* 2 FETCH (UID 2)"]);
    let l = c.ok("FETCH 2:1 (UID)");
    assert_eq!(l.len(), 3);
    let l = c.ok("UID FETCH 5:9 (FLAGS)");
    assert_eq!(l.len(), 1, "{l:?}");
    let l = c.ok("UID STORE 7 +FLAGS (\\Seen)");
    assert_eq!(l.len(), 1, "{l:?}");
    // `n:*` with n beyond the last UID names the last message (RFC 3501 6.4.8).
    let l = c.ok("UID FETCH 9:* (FLAGS)");
    assert_eq!(l[0], "* 2 FETCH (UID 2 FLAGS (\\Recent))");
}

/// (uid, flags, internaldate) of every message of the selected mailbox.
fn listing(c: &mut Client) -> Vec<(u32, String, String)> {
    let l = c.ok("FETCH 1:* (UID FLAGS INTERNALDATE)");
    l[..l.len() - 1]
        .iter()
        .map(|x| {
            let uid = x.split("UID ").nth(1).unwrap().split(' ').next().unwrap().parse().unwrap();
            let f = x.split("FLAGS (").nth(1).unwrap().split(')').next().unwrap();
            let f = f.replace(" \\Recent", "").replace("\\Recent", "");
            let d = x.split("INTERNALDATE \"").nth(1).unwrap().split('"').next().unwrap();
            (uid, f, d.to_string())
        })
        .collect()
}

fn uidvalidity(select: &[String]) -> String {
    select.iter().find_map(|l| code(l, "UIDVALIDITY")).unwrap().to_string()
}

/// Expands a uid-set (`1:3,5`) into its numbers.
fn uids(set: &str) -> Vec<u32> {
    set.split(',')
        .flat_map(|r| match r.split_once(':') {
            Some((a, b)) => (a.parse().unwrap()..=b.parse().unwrap()).collect::<Vec<u32>>(),
            None => vec![r.parse().unwrap()],
        })
        .collect()
}

#[test]
fn copy_keeps_flags_and_dates_with_copyuid() {
    let server =
        Server::start_seeded(&[], &[seed("S", 1_000_000_000), seed("FR", 1_100_000_000), seed("", 1_200_000_000)]);
    let mut c = server.login("alice");
    c.ok("SELECT INBOX");
    c.ok("STORE 3 +FLAGS.SILENT (Project \\Draft)");
    let src = listing(&mut c);
    assert_eq!(src[1].1, "\\Answered \\Flagged");
    assert_eq!(src[0].2, "09-Sep-2001 01:46:40 +0000");
    let l = c.ok("COPY 2:3 Trash");
    let copyuid = code(l.last().unwrap(), "COPYUID").unwrap_or_else(|| panic!("{l:?}")).to_string();
    let l = c.ok("UID COPY 1 Trash");
    let copyuid1 = code(l.last().unwrap(), "COPYUID").unwrap().to_string();
    // The source is unchanged.
    assert_eq!(listing(&mut c), src);
    let sel = c.ok("SELECT Trash");
    let v = uidvalidity(&sel);
    let parts: Vec<&str> = copyuid.split(' ').collect();
    assert_eq!(parts[0], v);
    assert_eq!(uids(parts[1]), [2, 3]);
    let parts1: Vec<&str> = copyuid1.split(' ').collect();
    assert_eq!((parts1[0], parts1[1]), (v.as_str(), "1"));
    let dest = listing(&mut c);
    let mut want = Vec::new();
    for (from, to) in uids(parts[1]).into_iter().zip(uids(parts[2])) {
        let s = &src[from as usize - 1];
        want.push((to, s.1.clone(), s.2.clone()));
    }
    let s = &src[0];
    want.push((uids(parts1[2])[0], s.1.clone(), s.2.clone()));
    assert_eq!(dest, want);
    assert!(dest[1].1.contains("Project"), "keyword copied: {dest:?}");
    // The destination's keyword file names Project as well.
    let kw = std::fs::read_to_string(server.maildir("alice").join(".Trash/dovecot-keywords")).unwrap();
    assert!(kw.contains(" Project\n"), "{kw}");
    // A missing target asks the client to create it.
    c.ok("SELECT INBOX");
    for cmd in ["COPY 1 Nope", "UID COPY 1 Nope", "MOVE 1 Nope", "UID MOVE 1 Nope"] {
        let l = c.cmd(cmd);
        assert!(l.last().unwrap().contains(" NO [TRYCREATE]"), "{cmd}: {l:?}");
    }
    assert_eq!(files(&server, "INBOX").len(), 3);
}

/// Applies EXPUNGE responses one after another to a list of UIDs, as a
/// client must (each renumbers the messages after it).
fn apply_expunges(mut uids: Vec<u32>, lines: &[String]) -> Vec<u32> {
    for l in lines {
        if let Some(n) = l.strip_prefix("* ").and_then(|r| r.strip_suffix(" EXPUNGE")) {
            let n: usize = n.parse().unwrap();
            assert!(n >= 1 && n <= uids.len(), "EXPUNGE {n} of {}", uids.len());
            uids.remove(n - 1);
        }
    }
    uids
}

#[test]
fn move_sends_copyuid_and_expunges() {
    let seeds: Vec<Seed> = (0..6).map(|i| seed(if i % 2 == 0 { "S" } else { "" }, 1_000_000_000 + i * 1000)).collect();
    let server = Server::start_seeded(&[], &seeds);
    let mut c = server.login("alice");
    c.ok("SELECT INBOX");
    let src = listing(&mut c);
    let l = c.ok("MOVE 2,4:5 Archive");
    // COPYUID in an untagged OK before the EXPUNGEs, which leave 1, 3, 6.
    let ok = l.iter().position(|x| x.starts_with("* OK [COPYUID ")).unwrap_or_else(|| panic!("{l:?}"));
    let first_expunge = l.iter().position(|x| x.ends_with(" EXPUNGE")).unwrap();
    assert!(ok < first_expunge, "{l:?}");
    assert_eq!(l.iter().filter(|x| x.ends_with(" EXPUNGE")).count(), 3, "{l:?}");
    assert_eq!(apply_expunges(vec![1, 2, 3, 4, 5, 6], &l), [1, 3, 6]);
    let copyuid = code(&l[ok], "COPYUID").unwrap().to_string();
    assert_eq!(listing(&mut c).iter().map(|x| x.0).collect::<Vec<_>>(), [1, 3, 6]);
    // UID MOVE of a UID set with a gap.
    let l = c.ok("UID MOVE 3:6 Archive");
    assert_eq!(apply_expunges(vec![1, 3, 6], &l), [1]);
    let copyuid2 = l.iter().find_map(|x| code(x, "COPYUID")).unwrap().to_string();
    assert_eq!(files(&server, "INBOX").len(), 1);
    let sel = c.ok("SELECT Archive");
    let v = uidvalidity(&sel);
    let mut want = Vec::new();
    for cu in [&copyuid, &copyuid2] {
        let p: Vec<&str> = cu.split(' ').collect();
        assert_eq!(p[0], v);
        for (from, to) in uids(p[1]).into_iter().zip(uids(p[2])) {
            let s = &src[from as usize - 1];
            want.push((to, s.1.clone(), s.2.clone()));
        }
    }
    assert_eq!(uids(copyuid.split(' ').nth(1).unwrap()), [2, 4, 5]);
    assert_eq!(uids(copyuid2.split(' ').nth(1).unwrap()), [3, 6]);
    want.sort();
    assert_eq!(listing(&mut c), want);
    // A MOVE on a read-only mailbox is refused and moves nothing.
    c.ok("EXAMINE INBOX");
    let l = c.cmd("MOVE 1 Trash");
    assert!(l.last().unwrap().contains(" NO "), "{l:?}");
    assert_eq!(files(&server, "INBOX").len(), 1);
}

/// RFC 3501 7.2.6 / Dovecot: when STORE creates a keyword, the selected
/// session gets FLAGS *and* `OK [PERMANENTFLAGS ...]` (the view update once
/// sent only FLAGS).
#[test]
fn new_keyword_resends_permanentflags() {
    let server = Server::start_seeded(&[], &[seed("", 1)]);
    let mut c = server.login("alice");
    c.ok("SELECT INBOX");
    let l = c.ok("STORE 1 +FLAGS (Project)");
    assert!(
        l.contains(&"* OK [PERMANENTFLAGS (\\Answered \\Flagged \\Deleted \\Seen \\Draft $Forwarded $MDN $Hidden $Media Project \\*)] Flags permitted".to_string()),
        "{l:?}"
    );
}
