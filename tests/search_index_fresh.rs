//! Issue 24, Must show 2: the search index stays current and is never
//! trusted over the messages. A message an MTA drops into `new/` is found
//! by the next SEARCH (and indexed in the background before that); an
//! expunged one is not found and leaves the index; an index deleted or
//! overwritten with garbage is built again and gives the same answers;
//! two tegami processes searching and appending on one maildir keep one
//! consistent index. Also `tegami index` and `--no-search-index`.

mod support;

use std::collections::BTreeSet;
use std::fs;
use std::net::SocketAddr;
use std::path::Path;
use std::process::Command;

use support::{eventually, Client, Seed, Server};

const INDEX: &str = "tegami-search.db";

/// Message `i` of the seeded INBOX: its own word and a shared one.
fn letter(i: usize) -> Vec<u8> {
    format!(
        "From: sender{i}@example.org\r\nTo: alice@example.org\r\nSubject: note {i} Zürich\r\n\r\nword{i}x and the harbour\r\n"
    )
    .into_bytes()
}

fn seeded(n: usize, extra: &[&str]) -> (Server, Vec<Vec<u8>>) {
    let data: Vec<Vec<u8>> = (0..n).map(letter).collect();
    let seeds: Vec<Seed> = data.iter().map(|d| Seed { data: d, info: "", mtime: 1_100_000_000 }).collect();
    (Server::start_seeded(extra, &seeds), data)
}

fn uids(c: &mut Client, query: &str) -> Vec<u32> {
    let lines = c.ok(&format!("UID SEARCH {query}"));
    support::searched(&lines)
}

/// The UIDs the index file says it holds.
fn indexed(mailbox: &Path) -> BTreeSet<u32> {
    let db = rusqlite::Connection::open(mailbox.join(INDEX)).unwrap();
    db.busy_timeout(std::time::Duration::from_secs(30)).unwrap();
    let mut st = db.prepare("SELECT uid FROM indexed").unwrap();
    let v = st.query_map([], |r| r.get::<_, u32>(0)).unwrap().map(Result::unwrap).collect();
    v
}

fn integrity(mailbox: &Path) -> String {
    let db = rusqlite::Connection::open(mailbox.join(INDEX)).unwrap();
    db.busy_timeout(std::time::Duration::from_secs(30)).unwrap();
    db.query_row("PRAGMA integrity_check", [], |r| r.get(0)).unwrap()
}

/// Delivers as an MTA does: written in tmp/, then renamed into new/.
fn deliver(mailbox: &Path, name: &str, data: &[u8]) {
    let tmp = mailbox.join("tmp").join(name);
    fs::write(&tmp, data).unwrap();
    fs::File::open(&tmp).unwrap().sync_all().unwrap();
    fs::rename(&tmp, mailbox.join("new").join(name)).unwrap();
}

#[test]
fn a_delivered_message_is_found_and_an_expunged_one_is_not() {
    let (server, _) = seeded(20, &[]);
    let inbox = server.maildir("alice");
    // A group-readable maildir: the index made in it is group-readable
    // too, and not world-readable as SQLite would make it.
    use std::os::unix::fs::PermissionsExt;
    fs::set_permissions(&inbox, fs::Permissions::from_mode(0o750)).unwrap();
    let mut c = server.login("alice");
    c.ok("SELECT INBOX");
    assert_eq!(uids(&mut c, "BODY word7x"), [8]);
    assert_eq!(indexed(&inbox), (1..=20).collect());
    let mode = fs::metadata(inbox.join(INDEX)).unwrap().permissions().mode() & 0o7777;
    assert_eq!(mode, 0o640, "{mode:o}");
    deliver(&inbox, "1200000000.M1P1.mta", b"From: mta@example.net\r\nSubject: late\r\n\r\nthe quokka arrived\r\n");
    // The background indexer takes it as soon as the mailbox changes,
    // before any SEARCH asks.
    eventually("the indexer to take the delivery", || {
        c.ok("NOOP");
        indexed(&inbox).contains(&21)
    });
    assert_eq!(uids(&mut c, "BODY QUOKKA"), [21]);
    assert_eq!(uids(&mut c, "TEXT quokk FROM mta@"), [21]);
    c.ok("UID STORE 21,8 +FLAGS.SILENT (\\Deleted)");
    c.ok("EXPUNGE");
    assert_eq!(uids(&mut c, "BODY quokka"), Vec::<u32>::new());
    assert_eq!(uids(&mut c, "BODY word7x"), Vec::<u32>::new());
    let left = indexed(&inbox);
    assert!(!left.contains(&21) && !left.contains(&8), "expunged UIDs left in the index: {left:?}");
    assert_eq!(left.len(), 19);
    // A delivery found by the very next SEARCH, even if the indexer has
    // not come to it: the SEARCH indexes what it lacks.
    deliver(&inbox, "1200000001.M2P1.mta", b"Subject: wombat\r\n\r\nbody\r\n");
    eventually("the delivery to show", || c.ok("NOOP").iter().any(|l| l == "* 20 EXISTS"));
    assert_eq!(uids(&mut c, "SUBJECT wombat"), [22]);
}

#[test]
fn a_deleted_or_garbled_index_is_built_again_with_the_same_answers() {
    let (server, _) = seeded(30, &[]);
    let inbox = server.maildir("alice");
    let mut c = server.login("alice");
    c.ok("SELECT INBOX");
    let queries =
        ["BODY harbour", "BODY word1", "SUBJECT \"note 1\"", "FROM sender2", "TEXT \"note 2\"", "NOT BODY word1"];
    let first: Vec<Vec<u32>> = queries.iter().map(|q| uids(&mut c, q)).collect();
    assert_eq!(first[1], [2, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20]);
    assert_eq!(first[0].len(), 30);
    fs::remove_file(inbox.join(INDEX)).unwrap();
    let again: Vec<Vec<u32>> = queries.iter().map(|q| uids(&mut c, q)).collect();
    assert_eq!(again, first);
    assert_eq!(indexed(&inbox).len(), 30);
    // Garbage where the index was: replaced, same answers.
    fs::write(inbox.join(INDEX), vec![0xA5u8; 64 * 1024]).unwrap();
    let garbled: Vec<Vec<u32>> = queries.iter().map(|q| uids(&mut c, q)).collect();
    assert_eq!(garbled, first);
    assert!(server.log().contains("is damaged"), "{}", server.log());
    assert!(!server.log().contains("reading the messages"), "{}", server.log());
    assert_eq!(integrity(&inbox), "ok");
    assert_eq!(indexed(&inbox).len(), 30);
    // A valid index that claims the wrong text (another mailbox's, say) is
    // not believed blindly either: it can only drop messages, and the
    // evaluator confirms every candidate; an index of another UIDVALIDITY
    // is emptied.
    let db = rusqlite::Connection::open(inbox.join(INDEX)).unwrap();
    db.execute("UPDATE meta SET value = value + 1 WHERE key = 'uidvalidity'", []).unwrap();
    drop(db);
    let foreign: Vec<Vec<u32>> = queries.iter().map(|q| uids(&mut c, q)).collect();
    assert_eq!(foreign, first);
    assert_eq!(indexed(&inbox).len(), 30);
}

fn login(addr: SocketAddr) -> Client {
    let mut c = Client::plain(addr);
    c.ok("LOGIN alice wonderland");
    c.ok("SELECT INBOX");
    c
}

#[test]
fn two_processes_keep_one_consistent_index() {
    let (one, _) = seeded(10, &[]);
    let two = Server::start_beside(&one, &[]);
    let inbox = one.maildir("alice");
    let rounds = 12;
    let workers: Vec<_> = [one.plain, two.plain, one.plain, two.plain]
        .into_iter()
        .enumerate()
        .map(|(w, addr)| {
            std::thread::spawn(move || {
                let mut c = login(addr);
                for r in 0..rounds {
                    let word = format!("kiwi{w}n{r}q");
                    c.append("INBOX", "", format!("Subject: {word}\r\n\r\nabout {word} here\r\n").as_bytes());
                    c.ok("NOOP");
                    // Each search finds this worker's message and no other's.
                    assert_eq!(uids(&mut c, &format!("BODY {word}")).len(), 1, "{word}");
                    assert_eq!(uids(&mut c, &format!("BODY kiwi{w}n")).len(), r + 1, "worker {w} round {r}");
                }
            })
        })
        .collect();
    for w in workers {
        w.join().unwrap();
    }
    let total = 10 + 4 * rounds;
    for addr in [one.plain, two.plain] {
        let mut c = login(addr);
        assert_eq!(uids(&mut c, "BODY kiwi").len(), 4 * rounds);
        assert_eq!(uids(&mut c, "TEXT harbour").len(), 10);
        assert_eq!(uids(&mut c, "ALL").len(), total);
    }
    assert_eq!(integrity(&inbox), "ok");
    assert_eq!(indexed(&inbox), (1..=total as u32).collect());
}

#[test]
fn tegami_index_rebuilds_and_no_search_index_leaves_none() {
    let (server, _) = seeded(15, &["--no-search-index"]);
    let inbox = server.maildir("alice");
    let mut c = server.login("alice");
    c.ok("SELECT INBOX");
    assert_eq!(uids(&mut c, "BODY word3x"), [4]);
    assert!(!inbox.join(INDEX).exists(), "--no-search-index made an index");
    let passwd = server.dir.path().join("passwd");
    let out = Command::new(env!("CARGO_BIN_EXE_tegami"))
        .args(["index", "-u", passwd.to_str().unwrap(), "alice", "INBOX"])
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{text} {}", String::from_utf8_lossy(&out.stderr));
    let line = text.lines().next().unwrap();
    assert!(line.starts_with("INBOX: 15 messages indexed in "), "{line}");
    let bytes: u64 = line.rsplit(' ').nth(1).unwrap().parse().unwrap();
    assert_eq!(bytes, fs::metadata(inbox.join(INDEX)).unwrap().len());
    assert_eq!(indexed(&inbox).len(), 15);
}
