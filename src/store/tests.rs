//! Cross-file tests of the store: Dovecot compatibility, hierarchy,
//! delivery, concurrency.

use std::collections::HashSet;
use std::fs;
use std::path::Path;
use std::sync::Arc;
use std::thread;
use std::time::{Duration, UNIX_EPOCH};

use super::filename::{FLAGGED, REPLIED, SEEN, TRASHED};
use super::registry::evict_within;
use super::*;

fn write(path: &Path, text: &str) {
    fs::write(path, text).unwrap();
}

fn maildir(dir: &Path) {
    for s in ["cur", "new", "tmp"] {
        fs::create_dir_all(dir.join(s)).unwrap();
    }
}

fn account() -> (tempfile::TempDir, Account) {
    let dir = tempfile::tempdir().unwrap();
    let acc = Store::without_watcher().account(dir.path());
    acc.ensure_default_mailboxes().unwrap();
    (dir, acc)
}

#[test]
fn dovecot_maildir_keeps_uids_and_keywords() {
    let tmp = tempfile::tempdir().unwrap();
    let root = tmp.path();
    maildir(root);
    let uidlist = "3 V1700000000 N43 G3085f01b7f11094c501100008c4a11c1\n\
                   7 :1699990000.M1P1.host,S=10,W=12:2,S\n\
                   12 W2481 S2400 :1699990001.M2P1.host:2,F\n\
                   40 :1699990002.M3P1.host,S=5:2,\n";
    write(&root.join("dovecot-uidlist"), uidlist);
    write(&root.join("dovecot-keywords"), "0 $Junk\n1 $NonJunk\n3 $Label1\n");
    write(&root.join("cur/1699990000.M1P1.host,S=10,W=12:2,Sb"), "0123456789");
    write(&root.join("cur/1699990001.M2P1.host:2,Fad"), "x");
    write(&root.join("cur/1699990002.M3P1.host,S=5:2,"), "hello");

    let acc = Store::without_watcher().account(root);
    let mb = acc.open("INBOX").unwrap();
    let snap = mb.sync().unwrap();
    assert_eq!(snap.uidvalidity, 1700000000);
    assert_eq!(snap.uidnext, 43);
    let uids: Vec<u32> = snap.entries.iter().map(|e| e.uid).collect();
    assert_eq!(uids, vec![7, 12, 40]);
    assert_eq!(snap.keywords_of(&snap.entries[0]), vec!["$NonJunk"]);
    assert_eq!(snap.keywords_of(&snap.entries[1]), vec!["$Junk", "$Label1"]);
    assert_eq!(snap.entries[0].size, 10);
    assert_eq!(snap.entries[0].vsize, Some(12));
    // Nothing changed: the file is left exactly as Dovecot wrote it.
    assert_eq!(fs::read_to_string(root.join("dovecot-uidlist")).unwrap(), uidlist);

    let (v, uid) = mb.append_bytes(b"Subject: new\r\n\r\nbody\r\n", SEEN, &["$Media"], None).unwrap();
    assert_eq!((v, uid), (1700000000, 43));
    mb.store_flags(&[7], FlagOp::Add, 0, &["$Label1"]).unwrap();

    let text = fs::read_to_string(root.join("dovecot-uidlist")).unwrap();
    let list = uidlist::UidList::parse(&text).unwrap();
    // The new message's line was appended; the header stays as it was
    // (Dovecot's appends leave it too: readers take the last UID + 1).
    assert!(text.starts_with(&format!("{}\n", uidlist.lines().next().unwrap())), "{text}");
    assert!(text.starts_with(uidlist), "{text}");
    assert_eq!(list.next_uid, 44);
    assert!(text.contains("\n12 W2481 S2400 :1699990001.M2P1.host:2,F"));
    assert_eq!(list.records.iter().map(|r| r.uid).collect::<Vec<_>>(), vec![7, 12, 40, 43]);
    let kw = keywords::Keywords::parse(&fs::read_to_string(root.join("dovecot-keywords")).unwrap());
    assert_eq!(kw.index("$Junk"), Some(0));
    assert_eq!(kw.index("$Label1"), Some(3));
    assert_eq!(kw.index("$Media"), Some(2));
    let files: Vec<String> =
        fs::read_dir(root.join("cur")).unwrap().map(|e| e.unwrap().file_name().into_string().unwrap()).collect();
    assert!(files.contains(&"1699990000.M1P1.host,S=10,W=12:2,Sbd".to_string()), "{files:?}");
    assert!(files.iter().any(|f| f.ends_with(":2,Sc")));

    // A fresh store reads back what tegami wrote.
    let again = Store::without_watcher().account(root).open("INBOX").unwrap().sync().unwrap();
    // (Dates are read lazily, so one side may know more of them.)
    let key = |s: &Snapshot| -> Vec<(u32, String, Flags, u64)> {
        s.entries.iter().map(|e| (e.uid, e.file.to_string(), e.flags.clone(), e.size)).collect()
    };
    assert_eq!(key(&again), key(&mb.snapshot()));
    let st = acc.status("INBOX").unwrap();
    assert_eq!((st.messages, st.unseen, st.unseen_media), (4, 2, 0));
}

#[test]
fn hostile_names_create_nothing_outside() {
    let outer = tempfile::tempdir().unwrap();
    let root = outer.path().join("Maildir");
    fs::create_dir(&root).unwrap();
    let acc = Store::without_watcher().account(&root);
    let long = "z".repeat(10_000);
    for n in ["../x", "a/../../b", "/etc", "a\u{7}b", "..", "~other/INBOX", "a//b"] {
        assert!(matches!(acc.create(n), Err(StoreError::InvalidName(_))), "{n}");
        assert!(matches!(acc.rename("INBOX", n), Err(StoreError::InvalidName(_))));
    }
    assert!(matches!(acc.create(&long), Err(StoreError::TooLong)));
    assert!(matches!(acc.rename("INBOX", &long), Err(StoreError::TooLong)));
    let outside: Vec<_> = fs::read_dir(outer.path()).unwrap().collect();
    assert_eq!(outside.len(), 1, "only Maildir itself");
    assert!(fs::read_dir(&root).unwrap().all(|e| {
        let n = e.unwrap().file_name().into_string().unwrap();
        ["cur", "new", "tmp"].contains(&n.as_str())
    }));
}

#[test]
fn hierarchy_create_list_rename_delete() {
    let (_t, acc) = account();
    let names = |acc: &Account| -> Vec<(String, bool, bool)> {
        acc.list().unwrap().into_iter().map(|i| (i.name, i.selectable, i.has_children)).collect()
    };
    acc.create("a/b/c").unwrap();
    acc.create("dot.ted/ü").unwrap();
    assert!(matches!(acc.create("a/b"), Err(StoreError::AlreadyExists(_))));
    assert!(matches!(acc.create("inbox"), Err(StoreError::AlreadyExists(_))));
    let l = names(&acc);
    assert!(l.contains(&("a".into(), true, true)));
    assert!(l.contains(&("a/b/c".into(), true, false)));
    assert!(l.contains(&("dot.ted/ü".into(), true, false)));
    assert_eq!(l[0].0, "INBOX");
    let info = acc.list().unwrap();
    assert_eq!(info.iter().find(|i| i.name == "Trash").unwrap().special_use, vec![SpecialUse::Trash]);
    assert!(acc.root().join(".dot\\2eted.&APw-").is_dir());

    // A level that exists only as a parent is \Noselect.
    fs::create_dir_all(acc.root().join(".p.q/cur")).unwrap();
    assert!(names(&acc).contains(&("p".into(), false, true)));

    assert!(matches!(acc.delete("a"), Err(StoreError::HasChildren(_))));
    assert!(matches!(acc.delete("nope"), Err(StoreError::NotFound(_))));
    assert!(matches!(acc.delete("INBOX"), Err(StoreError::PermissionDenied(_))));

    let mb = acc.open("a/b/c").unwrap();
    mb.append_bytes(b"m", 0, &[], None).unwrap();
    assert!(matches!(acc.rename("a", "a/x"), Err(StoreError::InvalidName(_))));
    assert!(matches!(acc.rename("a", "Sent"), Err(StoreError::AlreadyExists(_))));
    acc.rename("a", "r/s").unwrap();
    let l = names(&acc);
    assert!(!l.iter().any(|(n, _, _)| n.starts_with("a")));
    assert!(l.contains(&("r/s/b/c".into(), true, false)));
    assert!(l.contains(&("r".into(), true, true)));
    assert_eq!(acc.status("r/s/b/c").unwrap().messages, 1);
    assert!(matches!(acc.open("a/b/c"), Err(StoreError::NotFound(_))));

    acc.delete("r/s/b/c").unwrap();
    acc.delete("r/s/b").unwrap();
    assert!(!names(&acc).iter().any(|(n, _, _)| n.starts_with("r/s/b")));
}

#[test]
fn rename_inbox_moves_messages() {
    let (_t, acc) = account();
    let inbox = acc.open("INBOX").unwrap();
    inbox.append_bytes(b"one", 0, &[], None).unwrap();
    write(&acc.root().join("new/1700000000.delivered.host"), "two");
    inbox.sync().unwrap();
    let next = inbox.snapshot().uidnext;
    acc.rename("INBOX", "Old").unwrap();
    assert_eq!(inbox.sync().unwrap().entries.len(), 0);
    assert_eq!(inbox.snapshot().uidnext, next, "UIDs are not reused");
    assert_eq!(acc.status("Old").unwrap().messages, 2);
    assert!(acc.exists("INBOX").unwrap());
}

#[test]
fn append_sets_date_and_ignores_tmp_leftovers() {
    let (_t, acc) = account();
    let mb = acc.open("Drafts").unwrap();
    // A crash in the middle of an APPEND leaves a file in tmp/ only.
    write(&mb.dir().join("tmp/1700000000.M1P9Q0.host"), "partial");
    let date = UNIX_EPOCH + Duration::from_secs(1_014_451_182);
    let (_, a) = mb.append_bytes(b"line\nline\n", SEEN | FLAGGED, &["$MDN"], Some(date)).unwrap();
    let (_, b) = mb.append(&mut &b"second"[..], 0, &[], None).unwrap();
    assert!(b > a);
    let snap = mb.sync().unwrap();
    assert_eq!(snap.entries.len(), 2);
    let e = snap.find(a).unwrap();
    assert_eq!(mb.internal_date(e), 1_014_451_182);
    assert_eq!((e.size, e.vsize), (10, Some(12)));
    assert!(e.file.ends_with(":2,FSa"), "{}", e.file);
    assert_eq!(snap.keywords_of(e), vec!["$MDN"]);
    let (mut f, _) = mb.open_message(a).unwrap().unwrap();
    let mut body = String::new();
    std::io::Read::read_to_string(&mut f, &mut body).unwrap();
    assert_eq!(body, "line\nline\n");
    assert_eq!(mb.claim_recent(), vec![a, b]);
    assert!(mb.claim_recent().is_empty());
    assert!(matches!(acc.open("Nope").and_then(|m| m.append_bytes(b"x", 0, &[], None)), Err(StoreError::NotFound(_))));
    let st = acc.status("Drafts").unwrap();
    assert_eq!(st.oldest, Some(1_014_451_182));
    assert_eq!(st.size, 12 + 6);
}

#[test]
fn copy_keeps_flags_keywords_and_date() {
    let (_t, acc) = account();
    let src = acc.open("INBOX").unwrap();
    let dst = acc.open("Archive").unwrap();
    dst.append_bytes(b"other", 0, &["$Other"], None).unwrap();
    let date = UNIX_EPOCH + Duration::from_secs(1_600_000_000);
    let (_, u1) = src.append_bytes(b"one", REPLIED, &["$Media"], Some(date)).unwrap();
    let (_, u2) = src.append_bytes(b"two", TRASHED, &[], None).unwrap();
    let (v, pairs) = src.copy_to(&[u1, u2, 999], &dst).unwrap();
    assert_eq!(v, dst.snapshot().uidvalidity);
    assert_eq!(pairs.iter().map(|p| p.0).collect::<Vec<_>>(), vec![u1, u2]);
    let snap = dst.snapshot();
    let c1 = snap.find(pairs[0].1).unwrap();
    assert_eq!(snap.keywords_of(c1), vec!["$Media"]);
    assert!(c1.flags.has(REPLIED));
    assert_eq!(dst.internal_date(c1), 1_600_000_000);
    assert!(snap.find(pairs[1].1).unwrap().flags.has(TRASHED));
    assert_eq!(src.expunge_deleted().unwrap(), vec![u2]);
    assert_eq!(src.snapshot().entries.len(), 1);
}

#[test]
fn flag_change_by_another_writer_is_kept() {
    let (_t, acc) = account();
    let mb = acc.open("INBOX").unwrap();
    let (_, uid) = mb.append_bytes(b"x", 0, &[], None).unwrap();
    let file = mb.snapshot().find(uid).unwrap().file.clone();
    // Another process marks it \Seen behind our back.
    let seen = file.replace(":2,", ":2,S");
    fs::rename(mb.dir().join("cur").join(&*file), mb.dir().join("cur").join(&seen)).unwrap();
    mb.store_flags(&[uid], FlagOp::Add, FLAGGED, &[]).unwrap();
    let e = mb.snapshot().find(uid).unwrap().clone();
    assert!(e.flags.has(SEEN) && e.flags.has(FLAGGED), "{}", e.file);
    assert!(mb.open_message(uid).unwrap().is_some());
    // And a reader follows a rename it has not seen.
    let now = mb.dir().join("cur").join(&*e.file);
    fs::rename(&now, mb.dir().join("cur").join(e.file.replace(":2,FS", ":2,DFS"))).unwrap();
    assert!(mb.open_message(uid).unwrap().is_some());
    assert_eq!(mb.sync().unwrap().entries.len(), 1);
}

#[test]
fn racing_flag_stores_are_consistent() {
    let (_t, acc) = account();
    let mb = acc.open("INBOX").unwrap();
    let (_, uid) = mb.append_bytes(b"x", 0, &[], None).unwrap();
    let threads: Vec<_> = [(SEEN, "$A"), (FLAGGED, "$B")]
        .into_iter()
        .map(|(flag, kw)| {
            let mb = mb.clone();
            thread::spawn(move || {
                for i in 0..200 {
                    let op = if i % 2 == 0 { FlagOp::Add } else { FlagOp::Remove };
                    mb.store_flags(&[uid], op, flag, &[kw]).unwrap();
                }
                // Last op of each thread: add.
                mb.store_flags(&[uid], FlagOp::Add, flag, &[kw]).unwrap();
            })
        })
        .collect();
    for t in threads {
        t.join().unwrap();
    }
    let snap = mb.sync().unwrap();
    assert_eq!(snap.entries.len(), 1);
    let e = snap.find(uid).unwrap();
    assert!(e.flags.has(SEEN) && e.flags.has(FLAGGED));
    // Which thread allocates its keyword letter first is a race.
    let mut keywords = snap.keywords_of(e);
    keywords.sort();
    assert_eq!(keywords, vec!["$A", "$B"]);
    assert_eq!(fs::read_dir(mb.dir().join("cur")).unwrap().count(), 1);
}

#[test]
fn concurrent_appends_expunges_and_deliveries() {
    let (_t, acc) = account();
    let mb = acc.open("INBOX").unwrap();
    let root = acc.root().to_path_buf();
    let appended = Arc::new(parking_lot::Mutex::new(Vec::new()));
    let mut handles = Vec::new();
    for t in 0..8 {
        let (mb, appended) = (mb.clone(), appended.clone());
        handles.push(thread::spawn(move || {
            for i in 0..50 {
                let body = format!("Subject: {t}-{i}\r\n\r\nbody\r\n");
                let (_, uid) = mb.append_bytes(body.as_bytes(), 0, &[], None).unwrap();
                appended.lock().push((uid, body));
            }
        }));
    }
    // An MTA delivering behind the store's back.
    let mta_root = root.clone();
    handles.push(thread::spawn(move || {
        for i in 0..60 {
            let name = format!("{}.M{i}P424242.mta", 1_700_000_000 + i);
            let tmp = mta_root.join("tmp").join(&name);
            fs::write(&tmp, format!("Subject: mta-{i}\r\n\r\n")).unwrap();
            fs::rename(&tmp, mta_root.join("new").join(&name)).unwrap();
            thread::sleep(Duration::from_millis(2));
        }
    }));
    let expunged = Arc::new(parking_lot::Mutex::new(HashSet::new()));
    for k in 0..2 {
        let (mb, expunged) = (mb.clone(), expunged.clone());
        handles.push(thread::spawn(move || {
            for _ in 0..40 {
                let snap = mb.sync().unwrap();
                let victims: Vec<u32> = snap.entries.iter().map(|e| e.uid).filter(|u| u % 7 == k).take(3).collect();
                let removed = mb.expunge(&victims).unwrap();
                let mut set = expunged.lock();
                for u in removed {
                    assert!(set.insert(u), "uid {u} removed twice");
                }
                drop(set);
                thread::sleep(Duration::from_millis(3));
            }
        }));
    }
    for h in handles {
        h.join().unwrap();
    }
    let snap = mb.sync().unwrap();
    let expunged = expunged.lock();
    let uids: Vec<u32> = snap.entries.iter().map(|e| e.uid).collect();
    assert!(uids.windows(2).all(|w| w[0] < w[1]));
    let appended = appended.lock();
    // Each thread's messages got increasing UIDs, in the order it sent them.
    for t in 0..8 {
        let mine: Vec<u32> =
            appended.iter().filter(|(_, b)| b.starts_with(&format!("Subject: {t}-"))).map(|(u, _)| *u).collect();
        assert_eq!(mine.len(), 50);
        assert!(mine.windows(2).all(|w| w[0] < w[1]));
    }
    let mut seen = HashSet::new();
    for (uid, body) in appended.iter() {
        assert!(seen.insert(*uid), "uid {uid} given twice");
        if expunged.contains(uid) {
            assert!(snap.find(*uid).is_none());
            continue;
        }
        let (mut f, _) = mb.open_message(*uid).unwrap().expect("acknowledged message present");
        let mut text = String::new();
        std::io::Read::read_to_string(&mut f, &mut text).unwrap();
        assert_eq!(&text, body);
    }
    // Every MTA message is there once, unless expunged.
    let files = fs::read_dir(root.join("cur")).unwrap().count();
    assert_eq!(files, snap.entries.len());
    assert_eq!(fs::read_dir(root.join("new")).unwrap().count(), 0);
    assert_eq!(snap.entries.len() + expunged.len(), 400 + 60);
    // A fresh store over the same directory agrees.
    let fresh = Store::without_watcher().account(&root).open("INBOX").unwrap().sync().unwrap();
    assert_eq!(fresh.uidvalidity, snap.uidvalidity);
    assert_eq!(fresh.uidnext, snap.uidnext);
    let a: Vec<(u32, String)> = fresh.entries.iter().map(|e| (e.uid, e.base().to_string())).collect();
    let b: Vec<(u32, String)> = snap.entries.iter().map(|e| (e.uid, e.base().to_string())).collect();
    assert_eq!(a, b);
}

#[test]
fn watcher_wakes_on_delivery() {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::new();
    if !store.has_watcher() {
        // No inotify here: sessions poll instead.
        assert!(!Path::new("/proc/sys/fs/inotify").exists(), "inotify exists but did not start");
        return;
    }
    let acc = store.account(dir.path());
    acc.ensure_default_mailboxes().unwrap();
    let mb = acc.open("INBOX").unwrap();
    mb.sync().unwrap();
    let sel = store.select(&mb);
    let sel2 = store.select(&mb);
    write(&acc.root().join("new/1700000000.M1P2.mta"), "hi");
    assert!(sel.wait(Duration::from_secs(5)), "woken by the watcher");
    assert!(sel2.wait(Duration::from_secs(5)));
    assert_eq!(mb.snapshot().entries.len(), 1);
    drop(sel);
    drop(sel2);
}

#[test]
fn own_changes_cost_no_rescan_and_foreign_ones_are_seen() {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::new();
    if !store.has_watcher() {
        assert!(!Path::new("/proc/sys/fs/inotify").exists(), "inotify exists but did not start");
        return;
    }
    let acc = store.account(dir.path());
    acc.ensure_default_mailboxes().unwrap();
    let mb = acc.open("INBOX").unwrap();
    mb.append_bytes(b"Subject: 1\r\n\r\n", 0, &[], None).unwrap();
    mb.sync().unwrap();
    let sel = store.select(&mb);
    assert!(mb.is_watched());
    let scans = mb.scans();
    mb.append_bytes(b"Subject: 2\r\n\r\n", 0, &[], None).unwrap();
    mb.store_flags(&[1, 2], FlagOp::Add, SEEN, &[]).unwrap();
    mb.expunge(&[1]).unwrap();
    let start = std::time::Instant::now();
    while mb.expects_events() {
        assert!(start.elapsed() < Duration::from_secs(30), "the watcher never saw our own events");
        thread::sleep(Duration::from_millis(10));
    }
    assert_eq!(mb.scans(), scans, "our own changes were not rescanned");
    // An MTA's delivery is foreign: scanned and seen.
    write(&acc.root().join("new/1700000000.M1P2.mta"), "hi");
    let start = std::time::Instant::now();
    while mb.snapshot().entries.len() != 2 {
        assert!(start.elapsed() < Duration::from_secs(30), "delivery not seen");
        thread::sleep(Duration::from_millis(10));
    }
    assert!(mb.scans() > scans);
    drop(sel);
    // The watch lingers a moment after the last selection (mailbox/watch.rs).
    let start = std::time::Instant::now();
    while mb.is_watched() {
        assert!(start.elapsed() < Duration::from_secs(30), "the watch outlived its linger");
        thread::sleep(Duration::from_millis(10));
    }
}

/// SELECT and STATUS right after our own changes (as a client loops
/// through them) list nothing, without waiting for the watcher to read
/// the changes' events; another process's change is still seen.
#[test]
fn syncs_right_after_own_changes_list_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::new();
    if !store.has_watcher() {
        assert!(!Path::new("/proc/sys/fs/inotify").exists(), "inotify exists but did not start");
        return;
    }
    let acc = store.account(dir.path());
    acc.ensure_default_mailboxes().unwrap();
    let mb = acc.open("INBOX").unwrap();
    mb.sync().unwrap();
    let sel = store.select(&mb);
    assert!(mb.is_watched());
    let scans = mb.scans();
    for i in 0..20 {
        mb.append_bytes(format!("Subject: {i}\r\n\r\n").as_bytes(), 0, &[], None).unwrap();
        mb.sync().unwrap();
        let uid = mb.snapshot().entries.iter().last().unwrap().uid;
        mb.store_flags(&[uid], FlagOp::Add, SEEN | TRASHED, &[]).unwrap();
        mb.status().unwrap();
        mb.expunge(&[uid]).unwrap();
        mb.sync().unwrap();
    }
    assert_eq!(mb.scans(), scans, "a sync after our own changes listed the mailbox");
    assert_eq!(mb.sync().unwrap().entries.len(), 0);
    write(&acc.root().join("new/1700000000.M1P2.mta"), "hi");
    let start = std::time::Instant::now();
    while mb.snapshot().entries.len() != 1 {
        assert!(start.elapsed() < Duration::from_secs(30), "delivery not seen");
        thread::sleep(Duration::from_millis(10));
    }
    drop(sel);
}

/// An expunge takes no uid list dotlock (a file made and removed each
/// time) unless the list must be read or rewritten: it completes while
/// another process holds the lock.
#[test]
fn an_expunge_needs_no_dotlock() {
    let (_t, acc) = account();
    let mb = acc.open("INBOX").unwrap();
    for i in 0..8 {
        mb.append_bytes(format!("Subject: {i}\r\n\r\n").as_bytes(), 0, &[], None).unwrap();
    }
    mb.sync().unwrap();
    let held = lock::DotLock::acquire(mb.dir()).unwrap();
    let (tx, rx) = crossbeam_channel::bounded(1);
    let worker = {
        let mb = mb.clone();
        thread::spawn(move || tx.send(mb.expunge(&[3]).map(|v| v.len())).unwrap())
    };
    // Generous: an expunge that waited for the lock would wait minutes.
    let done = rx.recv_timeout(Duration::from_secs(60));
    drop(held);
    worker.join().unwrap();
    assert_eq!(done.expect("the expunge waited for the dotlock").unwrap(), 1);
    assert_eq!(mb.sync().unwrap().entries.len(), 7);
}

/// The mod-sequence counter file stays open from change to change while
/// a session has the mailbox selected, and is closed when none has.
#[test]
fn the_counter_file_is_open_only_while_selected() {
    let (_t, acc) = account();
    let store = acc.store().clone();
    let mb = acc.open("INBOX").unwrap();
    mb.append_bytes(b"Subject: 1\r\n\r\n", 0, &[], None).unwrap();
    mb.sync().unwrap();
    assert!(!mb.counter_open(), "closed after a change with nothing selected");
    let sel = store.select(&mb);
    mb.store_flags(&[1], FlagOp::Add, SEEN, &[]).unwrap();
    assert!(mb.counter_open(), "kept open while selected");
    mb.store_flags(&[1], FlagOp::Remove, SEEN, &[]).unwrap();
    assert!(mb.counter_open());
    drop(sel);
    assert!(!mb.counter_open(), "closed when the last selection ends");
}

/// Writers that come while another commits are committed together, in
/// one batch with one `cur/` fsync and one uid list write: every APPEND,
/// STORE and EXPUNGE of the batch lands, UIDs and mod-sequences distinct
/// and increasing, each on disk (file in `cur/`, line in the uid list)
/// when its call returns.
#[test]
fn concurrent_changes_share_one_commit() {
    let (_t, acc) = account();
    let mb = acc.open("INBOX").unwrap();
    for i in 0..4 {
        mb.append_bytes(format!("Subject: old {i}\r\n\r\n").as_bytes(), 0, &[], None).unwrap();
    }
    let before = mb.sync().unwrap();
    let (batches, jobs) = mb.batches();
    const N: usize = 12;
    // The turn is held while the writers queue up behind it.
    let turn = mb.commit_turn.lock();
    let workers: Vec<_> = (0..N)
        .map(|i| {
            let mb = mb.clone();
            thread::spawn(move || match i {
                0 => {
                    mb.store_flags(&[1], FlagOp::Add, SEEN, &["$Label1"]).unwrap();
                    None
                }
                1 => {
                    mb.expunge(&[2]).unwrap();
                    None
                }
                _ => {
                    let (_, uid) = mb.append_bytes(format!("Subject: {i}\r\n\r\n").as_bytes(), 0, &[], None).unwrap();
                    // On disk when the call returns: the file and its line.
                    let path = mb.message_path(uid).unwrap();
                    assert!(path.starts_with(mb.dir().join("cur")) && path.exists());
                    let list = fs::read_to_string(mb.dir().join("dovecot-uidlist")).unwrap();
                    assert!(list.lines().any(|l| l.starts_with(&format!("{uid} "))), "{uid} not in the uid list");
                    Some(uid)
                }
            })
        })
        .collect();
    let start = std::time::Instant::now();
    while mb.jobs.lock().waiting.len() < N {
        assert!(start.elapsed() < Duration::from_secs(60), "the writers never queued");
        thread::sleep(Duration::from_millis(2));
    }
    drop(turn);
    let mut uids: Vec<u32> = workers.into_iter().filter_map(|w| w.join().unwrap()).collect();
    assert_eq!(mb.batches(), (batches + 1, jobs + N as u64), "one batch for all");
    uids.sort_unstable();
    uids.dedup();
    assert_eq!(uids.len(), N - 2, "distinct UIDs");
    let snap = mb.sync().unwrap();
    assert!(uids[0] > before.entries.iter().last().unwrap().uid);
    assert_eq!(snap.entries.len(), 4 - 1 + N - 2);
    assert!(snap.find(2).is_none());
    assert!(snap.find(1).unwrap().flags.has(SEEN));
    // Each change its own mod-sequence, all above the old ones.
    let mut modseqs: Vec<u64> =
        snap.entries.iter().filter(|e| e.uid == 1 || uids.contains(&e.uid)).map(|e| e.modseq).collect();
    let news: Vec<u64> = snap.entries.iter().filter(|e| uids.contains(&e.uid)).map(|e| e.modseq).collect();
    assert!(news.windows(2).all(|w| w[0] < w[1]), "mod-sequences increase with the UIDs: {news:?}");
    modseqs.sort_unstable();
    modseqs.dedup();
    assert_eq!(modseqs.len(), N - 1);
    assert!(modseqs[0] > before.highest_modseq);
    assert!(snap.highest_modseq >= *modseqs.last().unwrap());
}

#[test]
fn own_changes_just_before_the_last_selection_ends_cost_no_rescan() {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::new();
    if !store.has_watcher() {
        return;
    }
    let acc = store.account(dir.path());
    acc.ensure_default_mailboxes().unwrap();
    let mb = acc.open("INBOX").unwrap();
    for i in 0..3 {
        mb.append_bytes(format!("Subject: {i}\r\n\r\n").as_bytes(), 0, &[], None).unwrap();
    }
    // Old enough directory times, as a mailbox has that was not touched
    // for a while.
    thread::sleep(Duration::from_millis(50));
    mb.sync().unwrap();
    let sel = store.select(&mb);
    mb.store_flags(&[1, 2], FlagOp::Add, SEEN, &[]).unwrap();
    mb.expunge(&[3]).unwrap();
    // The session logs out before the watcher has read the events.
    drop(sel);
    let scans = mb.scans();
    let start = std::time::Instant::now();
    while mb.expects_events() {
        assert!(start.elapsed() < Duration::from_secs(30), "the lingering watch never saw our own events");
        thread::sleep(Duration::from_millis(10));
    }
    let snap = mb.sync().unwrap();
    assert_eq!(snap.entries.len(), 2);
    while mb.is_watched() {
        assert!(start.elapsed() < Duration::from_secs(30), "the watch outlived its linger");
        thread::sleep(Duration::from_millis(10));
    }
    // Vouched for again when the linger ended: nothing watches now, and
    // the times still need no listing.
    mb.sync().unwrap();
    assert_eq!(mb.scans(), scans, "our own changes were not listed again");
    // Another process's change after that is seen by its times.
    thread::sleep(Duration::from_millis(30));
    write(&acc.root().join("new/1700000000.M1P2.mta"), "hi");
    assert_eq!(mb.sync().unwrap().entries.len(), 3);
    assert!(mb.scans() > scans);
}

#[test]
fn uidvalidity_is_unique_per_mailbox() {
    let (_t, acc) = account();
    let mut seen = HashSet::new();
    for n in ["Drafts", "Sent", "Trash", "Junk", "Archive", "INBOX"] {
        assert!(seen.insert(acc.status(n).unwrap().uidvalidity), "{n}");
    }
    acc.delete("Junk").unwrap();
    acc.create("Junk").unwrap();
    assert!(seen.insert(acc.status("Junk").unwrap().uidvalidity));
}

#[test]
fn selections_are_woken_by_other_sessions() {
    let store = Store::without_watcher();
    let dir = tempfile::tempdir().unwrap();
    let acc = store.account(dir.path());
    acc.ensure_default_mailboxes().unwrap();
    let mb = acc.open("INBOX").unwrap();
    let before = mb.sync().unwrap().counter;
    let sel = store.select(&mb);
    assert!(!sel.wait(Duration::from_millis(10)));
    let writer = mb.clone();
    let t = thread::spawn(move || writer.append_bytes(b"x", 0, &[], None).unwrap());
    assert!(sel.wait(Duration::from_secs(5)));
    t.join().unwrap();
    assert!(mb.counter() > before);
    // Nothing changed: no new snapshot, no wake-up.
    let counter = mb.counter();
    mb.sync().unwrap();
    assert_eq!(mb.counter(), counter);
    assert!(!sel.wait(Duration::from_millis(10)));
}

#[test]
fn lock_of_a_dead_process_is_broken_and_locks_are_released() {
    let (_t, acc) = account();
    let mb = acc.open("INBOX").unwrap();
    let lock = acc.root().join("dovecot-uidlist.lock");
    // pid_max on Linux is at most 2^22, so this pid cannot be running.
    write(&lock, &format!("{}:{}\n", 4_999_999, filename::hostname()));
    let started = std::time::Instant::now();
    mb.append_bytes(b"x", 0, &["$k"], None).unwrap();
    mb.store_flags(&[1], FlagOp::Add, SEEN, &["$j"]).unwrap();
    mb.expunge(&[1]).unwrap();
    mb.sync().unwrap();
    assert!(started.elapsed() < Duration::from_secs(5));
    let leftovers: Vec<String> = fs::read_dir(acc.root())
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .filter(|n| n.ends_with(".lock") || n.ends_with(".tmp"))
        .collect();
    assert!(leftovers.is_empty(), "{leftovers:?}");
}

/// Sets a directory's modification time to a fixed moment in the past (to
/// make a scan "settled").
fn age_dir(dir: &Path) {
    let when = UNIX_EPOCH + Duration::from_secs(1_700_000_000);
    fs::File::open(dir).unwrap().set_modified(when).unwrap();
}

#[test]
fn sync_skips_unchanged_directories_and_sees_every_real_change() {
    let (_t, acc) = account();
    let mb = acc.open("INBOX").unwrap();
    mb.append_bytes(b"Subject: one\r\n\r\n", 0, &[], None).unwrap();
    let (cur, new) = (mb.dir().join("cur"), mb.dir().join("new"));
    age_dir(&cur);
    age_dir(&new);
    assert_eq!(mb.sync().unwrap().entries.len(), 1, "full scan, now settled");
    // A file slipped into cur/ with the directory time put back, which no
    // real writer can do: the skipped scan does not see it, which shows
    // that nothing was read.
    fs::write(cur.join("1700000000.M9P9.host:2,"), b"x").unwrap();
    age_dir(&cur);
    assert_eq!(mb.sync().unwrap().entries.len(), 1, "unchanged directories are not read");
    // Real changes move the directory times: a delivery into new/ ...
    fs::write(new.join("1700000001.M10P9.host"), b"y").unwrap();
    assert_eq!(mb.sync().unwrap().entries.len(), 3);
    // ... and a flag change by rename in cur/.
    age_dir(&cur);
    age_dir(&new);
    mb.sync().unwrap();
    let e = mb.snapshot().entries[0].clone();
    fs::rename(cur.join(&*e.file), cur.join(format!("{}:2,S", e.base()))).unwrap();
    assert!(mb.sync().unwrap().entries[0].flags.has(SEEN));
}

#[test]
fn inbox_in_any_case_is_refused_not_a_panic() {
    let (_t, acc) = account();
    for name in ["INBOX", "inbox", "Inbox"] {
        assert!(acc.delete(name).is_err(), "{name}");
    }
    assert!(acc.rename("Drafts", "inbox").is_err());
}

#[test]
fn writes_append_to_the_uid_list_and_flag_changes_leave_it_alone() {
    use std::os::unix::fs::MetadataExt;
    let (_t, acc) = account();
    let mb = acc.open("INBOX").unwrap();
    for i in 0..20 {
        mb.append_bytes(format!("Subject: {i}\r\n\r\n").as_bytes(), 0, &[], None).unwrap();
    }
    let path = mb.dir().join(uidlist::FILE);
    let stat = || {
        let m = fs::metadata(&path).unwrap();
        (m.ino(), m.len(), m.mtime_nsec(), m.mtime())
    };
    let before = stat();
    let text = fs::read_to_string(&path).unwrap();
    // A new message: one line appended to the same file.
    let (_, uid) = mb.append_bytes(b"Subject: x\r\n\r\n", 0, &[], None).unwrap();
    let after = fs::read_to_string(&path).unwrap();
    assert_eq!(stat().0, before.0, "appended, not replaced");
    let added = after.strip_prefix(text.as_str()).expect("old text kept");
    assert!(added.starts_with(&format!("{uid} :")) && added.ends_with('\n') && added.lines().count() == 1);
    // Flag changes: no write at all.
    let before = stat();
    mb.store_flags(&[1, 2, uid], FlagOp::Add, SEEN | FLAGGED, &[]).unwrap();
    mb.store_flags(&[3], FlagOp::Replace, REPLIED, &[]).unwrap();
    assert_eq!(stat(), before);
    // One expunge: the line stays until a rewrite, nothing is written.
    mb.expunge(&[4]).unwrap();
    assert_eq!(stat(), before);
    // The file read back (as Dovecot or a restart reads it) agrees.
    let fresh = Store::without_watcher().account(acc.root()).open("INBOX").unwrap();
    let snap = fresh.sync().unwrap();
    assert_eq!(snap.entries.len(), 20);
    assert_eq!(snap.uidnext, uid + 1);
    assert!(snap.find(4).is_none() && snap.find(1).unwrap().flags.has(SEEN));
    // Many expunges: the file is rewritten without their lines.
    let uids: Vec<u32> = (5..=15).collect();
    mb.expunge(&uids).unwrap();
    let text = fs::read_to_string(&path).unwrap();
    assert_ne!(stat().0, before.0, "rewritten");
    assert_eq!(text.lines().count(), 1 + 9, "{text}");
    assert!(text.starts_with(&format!("3 V{} N{} ", snap.uidvalidity, uid + 1)), "{text}");
}

#[test]
fn modseqs_survive_restarts_and_outside_changes_get_fresh_ones() {
    let (_t, acc) = account();
    let mb = acc.open("INBOX").unwrap();
    for i in 0..3 {
        mb.append_bytes(format!("Subject: {i}\r\n\r\n").as_bytes(), 0, &[], None).unwrap();
    }
    mb.store_flags(&[2], FlagOp::Add, SEEN, &[]).unwrap();
    let snap = mb.snapshot();
    let h1 = snap.highest_modseq;
    assert!(snap.entries.iter().all(|e| e.modseq <= h1));
    assert_eq!(snap.find(2).unwrap().modseq, h1, "the last change");
    let reopen = || Store::without_watcher().account(acc.root()).open("INBOX").unwrap();
    // A restart: the same modseqs, HIGHESTMODSEQ not lower.
    let mb2 = reopen();
    let s2 = mb2.sync().unwrap();
    for e in snap.entries.iter() {
        assert_eq!(s2.find(e.uid).unwrap().modseq, e.modseq);
    }
    assert!(s2.highest_modseq >= h1);
    // A change there, then behind tegami's back: a flag renamed by another
    // program and a message removed.
    mb2.store_flags(&[1], FlagOp::Add, FLAGGED, &[]).unwrap();
    let h2 = mb2.snapshot().highest_modseq;
    assert!(h2 > h1);
    let cur = acc.root().join("cur");
    let e3 = s2.find(3).unwrap().file.clone();
    fs::rename(cur.join(&*e3), cur.join(format!("{}:2,T", filename::base_of(&e3)))).unwrap();
    let e2 = mb2.snapshot().find(2).unwrap().file.clone();
    fs::remove_file(cur.join(&*e2)).unwrap();
    // A crash lost the last records (they are not fsynced): a torn line.
    let side = acc.root().join(modseq::FILE);
    let text = fs::read_to_string(&side).unwrap();
    fs::write(&side, &text[..text.len() - 3]).unwrap();
    let mb3 = reopen();
    let s3 = mb3.sync().unwrap();
    assert!(s3.highest_modseq > h2, "never backwards, never repeated");
    assert!(s3.find(3).unwrap().modseq > h2, "renamed behind our back");
    assert!(s3.find(1).unwrap().modseq > h1, "its lost record is recovered as a change");
    assert!(s3.find(2).is_none());
    let vanished = mb3.vanished_since(h2).unwrap();
    assert!(vanished.iter().any(|&(lo, hi)| lo <= 2 && 2 <= hi), "{vanished:?}");
    assert_eq!(mb3.vanished_since(s3.highest_modseq).unwrap(), vec![]);
}

#[test]
fn opening_hundreds_of_mailboxes_keeps_files_and_registry_flat() {
    let fds = || fs::read_dir("/proc/self/fd").map(|d| d.count()).unwrap_or(0);
    let (_t, acc) = account();
    let store = acc.store().clone();
    let open_some = |range: std::ops::Range<usize>| {
        for i in range {
            let name = format!("F{i}");
            acc.create(&name).unwrap();
            let mb = acc.open(&name).unwrap();
            mb.sync().unwrap();
            mb.with_cache(|c| c.flush());
        }
    };
    open_some(0..200);
    let (fds_then, held_then) = (fds(), store.open_mailboxes());
    open_some(200..500);
    // Other tests of this binary open files too: allow some slack, far
    // below one per mailbox.
    assert!(fds() <= fds_then + 50, "{} fds after, {fds_then} before", fds());
    assert!(store.open_mailboxes() <= held_then.max(KEEP_OPEN_FOR_TESTS) + 1, "{}", store.open_mailboxes());
    // A mailbox in use is never dropped.
    let kept = acc.open("F0").unwrap();
    let before = kept.scans();
    open_some(500..530);
    assert!(Arc::ptr_eq(&kept, &acc.open("F0").unwrap()));
    assert_eq!(kept.scans(), before);
}

const KEEP_OPEN_FOR_TESTS: usize = 128;

#[test]
fn unused_mailboxes_beyond_the_warm_budget_are_dropped_least_recent_first() {
    let (_t, acc) = account();
    let store = acc.store().clone();
    for (name, n) in [("Old", 4), ("Mid", 3), ("New", 2)] {
        acc.create(name).unwrap();
        let mb = acc.open(name).unwrap();
        for i in 0..n {
            mb.append_bytes(format!("Subject: {i}\r\n\r\n").as_bytes(), 0, &[], None).unwrap();
        }
        mb.sync().unwrap();
        thread::sleep(Duration::from_millis(5));
    }
    let inbox = acc.open("INBOX").unwrap();
    let held = |name: &str| store.boxes.lock().keys().any(|d| d.ends_with(format!(".{name}")));
    assert!(held("Old") && held("Mid") && held("New"));
    // 9 messages in unused mailboxes, 4 allowed: Old (4) goes, then Mid (3).
    evict_within(&mut store.boxes.lock(), 4, Duration::ZERO);
    assert!(!held("Old") && !held("Mid") && held("New"));
    // The one used last stays whatever the budget, until another is.
    evict_within(&mut store.boxes.lock(), 0, Duration::ZERO);
    assert!(held("New"));
    acc.create("Newer").unwrap();
    drop(acc.open("Newer").unwrap());
    evict_within(&mut store.boxes.lock(), 0, Duration::ZERO);
    assert!(!held("New") && held("Newer"));
    assert!(Arc::ptr_eq(&inbox, &acc.open("INBOX").unwrap()), "a mailbox in use is never dropped");
    // A dropped one reads its state back.
    assert_eq!(acc.open("Old").unwrap().sync().unwrap().entries.len(), 4);
}

/// Mailboxes used a moment ago are not dropped for the budget, however
/// many messages they hold: fifty sessions copying into folders of their
/// own would otherwise read them back at every COPY.
#[test]
fn mailboxes_used_a_moment_ago_stay_over_the_budget() {
    let (_t, acc) = account();
    let store = acc.store().clone();
    for name in ["A", "B", "C"] {
        acc.create(name).unwrap();
        let mb = acc.open(name).unwrap();
        for i in 0..3 {
            mb.append_bytes(format!("Subject: {i}\r\n\r\n").as_bytes(), 0, &[], None).unwrap();
        }
        mb.sync().unwrap();
    }
    let held = |name: &str| store.boxes.lock().keys().any(|d| d.ends_with(format!(".{name}")));
    let dropped = evict_within(&mut store.boxes.lock(), 0, Duration::from_secs(3600));
    assert!(dropped.dirs.is_empty() && held("A") && held("B") && held("C"));
    let dropped = evict_within(&mut store.boxes.lock(), 0, Duration::ZERO);
    assert_eq!(dropped.dirs.len(), 2, "without the hot time, all but the one used last go");
    assert!(held("C"));
}

#[test]
fn messages_of_mailboxes_in_use_leave_less_room_for_unused_ones() {
    let (_t, acc) = account();
    let store = acc.store().clone();
    acc.create("Old").unwrap();
    let old = acc.open("Old").unwrap();
    for i in 0..4 {
        old.append_bytes(format!("Subject: {i}\r\n\r\n").as_bytes(), 0, &[], None).unwrap();
    }
    old.sync().unwrap();
    let old_dir = old.dir().to_path_buf();
    drop(old);
    let inbox = acc.open("INBOX").unwrap();
    for i in 0..5 {
        inbox.append_bytes(format!("Subject: {i}\r\n\r\n").as_bytes(), 0, &[], None).unwrap();
    }
    inbox.sync().unwrap();
    // A session leaves an empty folder after Old: that one is used last.
    acc.create("Left").unwrap();
    let left = acc.open("Left").unwrap();
    let selection = store.select(&left);
    drop(left);
    thread::sleep(Duration::from_millis(5));
    drop(selection);
    let held = || store.boxes.lock().contains_key(&old_dir);
    // The unused Old (4) fits a budget of 6 alone, not with the INBOX's 5.
    let dropped = evict_within(&mut store.boxes.lock(), 9, Duration::ZERO);
    assert!(held() && dropped.dirs.is_empty());
    let dropped = evict_within(&mut store.boxes.lock(), 6, Duration::ZERO);
    assert_eq!(dropped.dirs, std::slice::from_ref(&old_dir));
    assert!(store.boxes.lock().keys().any(|d| d.ends_with(".Left")), "the one left last stays");
    assert!(!held());
    assert!(Arc::ptr_eq(&inbox, &acc.open("INBOX").unwrap()), "a mailbox in use is never dropped");
}

/// A read-only sync numbers a `new/` file and leaves it there; a flag
/// change made on the strength of that snapshot (another session's STORE
/// before any read-write sync) moves it into `cur/` with the flag, and an
/// expunge removes it from `new/`; a read-write sync then moves the rest.
#[test]
fn files_a_read_only_sync_left_in_new_can_be_changed() {
    let (dir, acc) = account();
    let mb = acc.open("INBOX").unwrap();
    let root = dir.path();
    write(&root.join("new/1700000000.M1P1.mta"), "Subject: a\r\n\r\na\r\n");
    write(&root.join("new/1700000001.M2P1.mta"), "Subject: b\r\n\r\nb\r\n");
    write(&root.join("new/1700000002.M3P1.mta"), "Subject: c\r\n\r\nc\r\n");
    let snap = mb.sync_keeping_new().unwrap();
    let uids: Vec<u32> = snap.entries.iter().map(|e| e.uid).collect();
    assert_eq!(uids.len(), 3);
    assert_eq!(fs::read_dir(root.join("new")).unwrap().count(), 3);
    assert_eq!(mb.peek_recent().len(), 3);
    mb.store_flags(&uids[..1], FlagOp::Add, SEEN, &[]).unwrap();
    assert!(root.join("cur/1700000000.M1P1.mta:2,S").is_file());
    assert_eq!(mb.expunge(&uids[1..2]).unwrap(), vec![uids[1]]);
    assert!(!root.join("new/1700000001.M2P1.mta").exists());
    let snap = mb.sync().unwrap();
    assert_eq!(snap.entries.iter().map(|e| e.uid).collect::<Vec<_>>(), vec![uids[0], uids[2]]);
    assert_eq!(fs::read_dir(root.join("new")).unwrap().count(), 0);
    assert!(root.join("cur/1700000002.M3P1.mta:2,").is_file());
    assert!(snap.entries[0].flags.has(SEEN));
}

#[test]
fn a_store_counts_the_messages_its_syncs_noticed_and_only_its_own() {
    let (dir, acc) = account();
    let other = Store::without_watcher();
    let mb = acc.open("INBOX").unwrap();
    mb.sync().unwrap();
    assert_eq!(acc.store().noticed(), 0);
    // Two deliveries by an MTA, one message stored by this server.
    write(&dir.path().join("new/1700000000.M1P1.mta"), "Subject: a\r\n\r\na\r\n");
    write(&dir.path().join("new/1700000001.M2P1.mta"), "Subject: b\r\n\r\nb\r\n");
    mb.sync().unwrap();
    mb.append_bytes(b"Subject: c\r\n\r\nc\r\n", 0, &[], None).unwrap();
    assert_eq!(mb.snapshot().entries.len(), 3);
    assert_eq!(acc.store().noticed(), 2);
    // The counter is the store's, passed to its mailboxes: another store
    // (another server in the same process, a test) counts apart.
    let same = other.account(dir.path()).open("INBOX").unwrap();
    same.sync().unwrap();
    assert_eq!(other.noticed(), 0);
    assert_eq!(acc.store().noticed(), 2);
}

/// A COPY whose messages were all expunged meanwhile copies nothing and
/// lists nothing: the destination, which nobody has selected (so no
/// watcher vouches for its times, which the previous COPY moved), was
/// listed in full at each such COPY, and a `Copies` folder of 200,000
/// messages made every command of scenario 12e five times dearer.
#[test]
fn a_copy_of_messages_gone_meanwhile_lists_no_destination() {
    let (_t, acc) = account();
    acc.create("Copies").unwrap();
    let (src, dest) = (acc.open("INBOX").unwrap(), acc.open("Copies").unwrap());
    let (_, a) = src.append_bytes(b"Subject: a\r\n\r\na\r\n", 0, &[], None).unwrap();
    let (_, b) = src.append_bytes(b"Subject: b\r\n\r\nb\r\n", 0, &[], None).unwrap();
    let (validity, copied) = src.copy_to(&[a], &dest).unwrap();
    assert_eq!(copied.len(), 1);
    src.expunge(&[b]).unwrap();
    let scans = dest.scans();
    let (again, none) = src.copy_to(&[b], &dest).unwrap();
    assert!(none.is_empty(), "{none:?}");
    assert_eq!(again, validity, "the destination's UIDVALIDITY");
    assert_eq!(dest.scans(), scans, "the destination was listed for a COPY of nothing");
}
