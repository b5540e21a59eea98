//! Issue 9, "Must show" 6: two tegami processes on one maildir (as two
//! hosts sharing it over NFS would), each with 10 appending sessions, and
//! an MTA dropping files into `new/` meanwhile: every message is there
//! once, UIDs are unique, and both processes' views agree with the disk.
//! Then flag changes made through one process and the other in turn: the
//! mod-sequences come from one counter, so HIGHESTMODSEQ never repeats or
//! goes backwards for a client that moves between the processes, and a
//! change made through the other process is reported by CHANGEDSINCE.

mod support;

use std::collections::{BTreeMap, HashSet};
use std::fs;
use std::net::SocketAddr;
use std::path::Path;
use std::sync::{Arc, Mutex};
use std::thread;

use support::{Client, Server};

const SESSIONS: usize = 10;
const PER_SESSION: usize = 12;
const DROPPED: usize = 40;

/// A second server process serving the first one's homes.
fn second_on(first: &Server) -> Server {
    let home = first.dir.path().join("home");
    Server::start_with(&[], move |d| {
        let mut passwd = String::new();
        for (u, p) in support::USERS {
            passwd.push_str(&format!("{u}:{{PLAIN}}{p}::::{}::\n", home.join(u).display()));
        }
        fs::write(d.join("passwd"), passwd).unwrap();
    })
}

fn login(addr: SocketAddr) -> Client {
    let mut c = Client::plain(addr);
    c.ok("LOGIN alice wonderland");
    c
}

/// uid -> subject, as a process shows the INBOX.
fn view(addr: SocketAddr) -> BTreeMap<u32, String> {
    let mut c = login(addr);
    c.select("INBOX");
    let lines = c.ok("UID FETCH 1:* (UID BODY.PEEK[HEADER.FIELDS (SUBJECT)])");
    let mut out = BTreeMap::new();
    let mut uid = None;
    for l in &lines {
        if l.starts_with("* ") && l.contains(" FETCH ") {
            let u: u32 = l.split("UID ").nth(1).unwrap().split([' ', ')']).next().unwrap().parse().unwrap();
            uid = Some(u);
        }
        if let Some(s) = l.find("Subject: ") {
            let subject = l[s + 9..].split(['\r', '\n']).next().unwrap().to_string();
            assert!(out.insert(uid.take().expect("a FETCH line first"), subject).is_none(), "a UID twice");
        }
    }
    out
}

/// uid -> subject, from `dovecot-uidlist` and the files of `cur/`.
fn on_disk(inbox: &Path) -> BTreeMap<u32, String> {
    let cur = support::files(&inbox.join("cur"));
    assert!(support::files(&inbox.join("new")).is_empty(), "new/ emptied by the syncs");
    let list = fs::read_to_string(inbox.join("dovecot-uidlist")).unwrap();
    let mut out = BTreeMap::new();
    let mut bases = HashSet::new();
    for line in list.lines().skip(1) {
        let uid: u32 = line.split(' ').next().unwrap().parse().unwrap();
        let base = line[line.find(':').unwrap() + 1..].split(':').next().unwrap().to_string();
        let Some(file) = cur.iter().find(|f| f.split(':').next() == Some(&base)) else { continue };
        assert!(bases.insert(base.clone()), "a file with two UIDs: {base}");
        let text = fs::read_to_string(inbox.join("cur").join(file)).unwrap();
        let subject = text.split("Subject: ").nth(1).unwrap().split('\r').next().unwrap().to_string();
        assert!(out.insert(uid, subject).is_none(), "UID {uid} twice in the uid list");
    }
    assert_eq!(bases.len(), cur.len(), "every file of cur/ has a UID");
    out
}

/// Whether a FETCH line is about `uid`.
fn has_uid(line: &str, uid: u32) -> bool {
    line.split("UID ").nth(1).and_then(|x| x.split([' ', ')']).next()) == Some(&uid.to_string())
}

fn highest(lines: &[String]) -> u64 {
    Client::code(lines, "HIGHESTMODSEQ").expect("HIGHESTMODSEQ").parse().unwrap()
}

#[test]
fn two_processes_share_one_maildir() {
    let a = Server::start(&[]);
    let b = second_on(&a);
    let inbox = a.maildir("alice");
    // Both processes know the mailbox before the rush.
    login(a.plain).select("INBOX");
    login(b.plain).select("INBOX");

    let acked = Arc::new(Mutex::new(Vec::new()));
    let mut threads = Vec::new();
    for (name, addr) in [("a", a.plain), ("b", b.plain)] {
        for s in 0..SESSIONS {
            let acked = acked.clone();
            threads.push(thread::spawn(move || {
                let mut c = login(addr);
                for n in 0..PER_SESSION {
                    let subject = format!("{name}{s}-{n}");
                    let lines = c.append("INBOX", "", &support::message(&subject));
                    assert!(lines.last().unwrap().contains(" OK "), "{subject}: {lines:?}");
                    let code = Client::code(&lines, "APPENDUID").expect("APPENDUID");
                    let uid: u32 = code.split(' ').nth(1).unwrap().parse().unwrap();
                    acked.lock().unwrap().push((uid, subject));
                }
            }));
        }
    }
    let new_dir = inbox.join("new");
    let tmp_dir = inbox.join("tmp");
    threads.push(thread::spawn(move || {
        for n in 0..DROPPED {
            let name = format!("17000000{n:02}.M{n}P4242.mta,S=0");
            fs::write(tmp_dir.join(&name), support::message(&format!("mta-{n}"))).unwrap();
            fs::rename(tmp_dir.join(&name), new_dir.join(&name)).unwrap();
            thread::sleep(std::time::Duration::from_millis(5));
        }
    }));
    for t in threads {
        t.join().unwrap();
    }

    let acked = acked.lock().unwrap().clone();
    let total = 2 * SESSIONS * PER_SESSION + DROPPED;
    let mut seen = HashSet::new();
    for (uid, _) in &acked {
        assert!(seen.insert(*uid), "APPENDUID {uid} given twice");
    }
    let va = view(a.plain);
    let vb = view(b.plain);
    assert_eq!(va.len(), total, "process a shows every message once");
    assert_eq!(va, vb, "both processes show the same messages under the same UIDs");
    assert_eq!(va, on_disk(&inbox), "and so does the disk");
    for (uid, subject) in &acked {
        assert_eq!(va.get(uid), Some(subject), "APPENDUID {uid} is the message's UID");
    }
    let subjects: HashSet<&String> = va.values().collect();
    assert_eq!(subjects.len(), total, "no message twice");

    // Flag changes through one process and the other in turn; a client
    // that moves between them after each sees HIGHESTMODSEQ rise.
    let mut ca = login(a.plain);
    let mut cb = login(b.plain);
    ca.ok("ENABLE CONDSTORE");
    cb.ok("ENABLE CONDSTORE");
    let mut last = highest(&ca.select("INBOX"));
    cb.select("INBOX");
    let uids: Vec<u32> = va.keys().copied().collect();
    for (i, uid) in uids.iter().take(12).enumerate() {
        let (this, other) = if i % 2 == 0 { (&mut ca, &mut cb) } else { (&mut cb, &mut ca) };
        let h = highest(&this.select("INBOX"));
        assert!(h >= last, "HIGHESTMODSEQ went back from {last} to {h} on moving to the other process");
        let stored = this.ok(&format!("UID STORE {uid} +FLAGS (\\Flagged)"));
        let m: u64 = stored
            .iter()
            .find_map(|l| l.split("MODSEQ (").nth(1).and_then(|x| x.split(')').next()))
            .expect("MODSEQ in STORE's FETCH")
            .parse()
            .unwrap();
        assert!(m > h, "the change's MODSEQ {m} is above the HIGHESTMODSEQ {h} shown before it");
        // The other process finds the change (its watcher sees the
        // rename) and reports it as changed since what its client saw.
        support::eventually("the other process reports the change", || {
            other.ok("NOOP");
            let lines = other.ok(&format!("UID FETCH 1:* (FLAGS) (CHANGEDSINCE {h})"));
            lines.iter().any(|l| has_uid(l, *uid) && l.contains("\\Flagged"))
        });
        let h2 = highest(&other.select("INBOX"));
        assert!(h2 >= m, "the other process's HIGHESTMODSEQ {h2} is at least the change's {m}");
        last = h2;
    }
}
