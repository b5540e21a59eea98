//! Issue 3, item 5: 20 sessions append 100 messages each into one mailbox
//! while 5 others select and expunge; afterwards every acknowledged message
//! that was not expunged is there exactly once, UIDs are unique and
//! strictly increasing, and a fresh SELECT agrees with the files on disk.

mod support;

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::fs;
use std::path::Path;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::thread;
use support::{files, Client, Server};

const APPENDERS: usize = 20;
const PER_APPENDER: usize = 100;
const EXPUNGERS: usize = 5;

/// The uid list as UID → base name, checking the order on the way.
fn uid_lines(md: &Path) -> BTreeMap<u32, String> {
    let text = fs::read_to_string(md.join("dovecot-uidlist")).unwrap();
    let mut out = BTreeMap::new();
    let mut last = 0;
    for line in text.lines().skip(1) {
        let (uid, rest) = line.split_once(' ').unwrap();
        let uid: u32 = uid.parse().unwrap();
        assert!(uid > last, "UIDs not strictly increasing: {last} then {uid}");
        last = uid;
        let file = &rest[rest.find(':').unwrap() + 1..];
        out.insert(uid, file.split(':').next().unwrap().to_string());
    }
    out
}

/// Marks a message `\Deleted` by renaming its file, as another MUA would;
/// false when the message is already gone.
fn mark_deleted(md: &Path, base: &str) -> bool {
    let cur = md.join("cur");
    for f in files(&cur) {
        if f.split(':').next() == Some(base) {
            let flags = f.split_once(":2,").map(|x| x.1).unwrap_or("");
            let mut l: Vec<char> = flags.chars().chain(['T']).collect();
            l.sort_unstable();
            l.dedup();
            let new = format!("{base}:2,{}", l.into_iter().collect::<String>());
            return fs::rename(cur.join(&f), cur.join(new)).is_ok();
        }
    }
    false
}

fn subject_of(path: &Path) -> String {
    let text = fs::read_to_string(path).unwrap();
    text.lines().find_map(|l| l.strip_prefix("Subject: ")).unwrap().to_string()
}

#[test]
fn twenty_appenders_and_five_expungers() {
    let server = Arc::new(Server::start(&[]));
    let md = server.maildir("alice");
    server.login("alice"); // makes the maildir
                           // UID → subject, from APPENDUID.
    let acked: Arc<Mutex<BTreeMap<u32, String>>> = Arc::default();
    // Subjects the expungers marked \Deleted.
    let marked: Arc<Mutex<BTreeSet<String>>> = Arc::default();
    let done = Arc::new(AtomicBool::new(false));

    let mut appenders = Vec::new();
    for t in 0..APPENDERS {
        let (server, acked) = (server.clone(), acked.clone());
        appenders.push(thread::spawn(move || {
            let mut c = server.login("alice");
            for i in 0..PER_APPENDER {
                let subject = format!("t{t}-m{i}");
                let msg = support::message(&subject);
                let tag = c.next_tag();
                let mut bytes = format!("{tag} APPEND INBOX {{{}+}}\r\n", msg.len()).into_bytes();
                bytes.extend_from_slice(&msg);
                bytes.extend_from_slice(b"\r\n");
                c.send(&bytes);
                let r = c.until_tagged(&tag);
                let code = Client::code(&r, "APPENDUID").unwrap_or_else(|| panic!("{r:?}"));
                let uid: u32 = code.split(' ').nth(1).unwrap().parse().unwrap();
                let prev = acked.lock().unwrap().insert(uid, subject);
                assert!(prev.is_none(), "UID {uid} given twice");
            }
        }));
    }
    let mut expungers = Vec::new();
    for e in 0..EXPUNGERS {
        let (server, md, acked, marked, done) =
            (server.clone(), md.clone(), acked.clone(), marked.clone(), done.clone());
        expungers.push(thread::spawn(move || {
            let mut c = server.login("alice");
            let mut round = 0u32;
            while !done.load(Ordering::Relaxed) {
                round += 1;
                c.select("INBOX");
                // Mark a few acknowledged messages (each expunger its own share).
                let picks: Vec<(u32, String)> = acked
                    .lock()
                    .unwrap()
                    .iter()
                    .filter(|(uid, _)| **uid as usize % (EXPUNGERS * 7) == e * 7 + (round as usize % 7))
                    .map(|(u, s)| (*u, s.clone()))
                    .take(5)
                    .collect();
                let list = uid_lines(&md);
                let mut mine = Vec::new();
                for (uid, subject) in picks {
                    if marked.lock().unwrap().contains(&subject) {
                        continue;
                    }
                    if let Some(base) = list.get(&uid) {
                        if mark_deleted(&md, base) {
                            marked.lock().unwrap().insert(subject);
                            mine.push(uid);
                        }
                    }
                }
                c.ok("NOOP");
                if e % 2 == 0 && !mine.is_empty() {
                    let set: Vec<String> = mine.iter().map(u32::to_string).collect();
                    c.ok(&format!("UID EXPUNGE {}", set.join(",")));
                } else {
                    c.ok("EXPUNGE");
                }
                c.ok("CLOSE");
            }
        }));
    }
    for a in appenders {
        a.join().expect("appender");
    }
    done.store(true, Ordering::Relaxed);
    for e in expungers {
        e.join().expect("expunger");
    }

    // Expunge whatever is still marked, from a fresh session.
    let mut c = server.login("alice");
    c.select("INBOX");
    c.ok("EXPUNGE");
    c.ok("CLOSE");

    let acked = acked.lock().unwrap().clone();
    let marked = marked.lock().unwrap().clone();
    assert_eq!(acked.len(), APPENDERS * PER_APPENDER);
    assert!(!marked.is_empty(), "the expungers did nothing");

    let cur = md.join("cur");
    let on_disk = files(&cur);
    assert!(files(&md.join("new")).is_empty());
    assert!(files(&md.join("tmp")).is_empty(), "{:?}", files(&md.join("tmp")));
    // Each message on disk once, none marked, none with \Deleted.
    let mut by_subject: HashMap<String, usize> = HashMap::new();
    for f in &on_disk {
        assert!(!f.split_once(":2,").unwrap().1.contains('T'), "{f} still \\Deleted");
        *by_subject.entry(subject_of(&cur.join(f))).or_default() += 1;
    }
    for (s, n) in &by_subject {
        assert_eq!(*n, 1, "{s} is there {n} times");
        assert!(!marked.contains(s), "{s} was marked and survived");
    }
    // Every acknowledged, unmarked message is there, under its UID.
    let list = uid_lines(&md);
    let base_to_file: HashMap<&str, &String> = on_disk.iter().map(|f| (f.split(':').next().unwrap(), f)).collect();
    for (uid, subject) in &acked {
        if marked.contains(subject) {
            assert!(!list.contains_key(uid), "expunged UID {uid} still listed");
            continue;
        }
        let base = list.get(uid).unwrap_or_else(|| panic!("UID {uid} ({subject}) lost"));
        let file = base_to_file.get(base.as_str()).unwrap_or_else(|| panic!("file of UID {uid} missing"));
        assert_eq!(&subject_of(&cur.join(file)), subject, "UID {uid}");
    }
    assert_eq!(list.len(), on_disk.len());
    assert_eq!(on_disk.len(), acked.len() - marked.len());

    // A fresh SELECT agrees with the disk.
    let mut c = server.login("alice");
    let sel = c.select("INBOX");
    assert_eq!(Client::number(&sel, "EXISTS"), Some(on_disk.len() as u32), "{sel:?}");
    let next = list.keys().max().unwrap() + 1;
    assert!(Client::code(&sel, "UIDNEXT").unwrap().parse::<u32>().unwrap() >= next);
    let st = c.ok("STATUS INBOX (MESSAGES)");
    assert_eq!(st[0], format!("* STATUS INBOX (MESSAGES {})", on_disk.len()));
}
