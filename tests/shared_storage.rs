//! Issue 23, must-show 4: `--shared-storage`. Two backends on one maildir
//! tree (127.0.0.2 and 127.0.0.3), a user moved from A to B with `tegami
//! kick --user` while an MTA delivers (tmp/, fsync, rename into new/) and
//! four sessions append: nothing acknowledged is lost, no UID is given
//! twice, and both backends' views agree with the disk. The mode's file
//! handling is shown in `shared_storage_files.rs`.

mod proxy_support;
mod shared_storage_support;
mod support;

use std::collections::{BTreeMap, BTreeSet};
use std::io::Write;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::thread;
use std::time::Duration;

use proxy_support::{password, Backend, Site};
use shared_storage_support::{deliver, with_id};
use support::{eventually, Client};

/// A server administrator of the test site, for `tegami kick`.
const ADMIN: (&str, &str) = ("postmaster", "keys");

/// Adds [`ADMIN`] to the site's passwd-file.
fn add_admin(site: &Site) {
    let hash = tegami::auth::hash_password("SHA512-CRYPT", ADMIN.1.as_bytes()).unwrap();
    let home = site.path().join("home").join(ADMIN.0);
    let line = format!("{}:{hash}:{}::{}::tegami_admin=server\n", ADMIN.0, support::own_ids(), home.display());
    let mut f = std::fs::OpenOptions::new().append(true).open(site.path().join("passwd")).unwrap();
    f.write_all(line.as_bytes()).unwrap();
}

fn backend(site: &Site, name: &str, ip: &str) -> Backend {
    let listen = format!("{ip}:0");
    let args = [
        "-l",
        &listen,
        "--allow-cleartext-login",
        "--monitor",
        &listen,
        "--monitor-auth",
        "--shared-storage",
        "--poll-interval",
        "1",
    ];
    let b = Backend::start(site, name, &args, 1);
    assert!(b.monitor.is_some(), "no monitor line from {name}");
    b
}

fn inbox(site: &Site) -> PathBuf {
    site.path().join("home/alice/Maildir")
}

/// A logged-in session of alice on `addr`.
fn login(addr: SocketAddr) -> Client {
    let mut c = Client::plain(addr);
    c.ok(&format!("LOGIN alice {}", password("alice")));
    c
}

/// The Message-ID of a message's text.
fn message_id(text: &str) -> Option<String> {
    let at = text.find("Message-ID: <")? + "Message-ID: <".len();
    Some(text[at..at + text[at..].find('>')?].to_string())
}

/// UID -> Message-ID of every message of the selected mailbox.
fn view(c: &mut Client) -> BTreeMap<u32, String> {
    // The view catches up after a command, so FETCH after NOOP sees all.
    c.ok("NOOP");
    let lines = c.ok("UID FETCH 1:* (UID BODY.PEEK[HEADER.FIELDS (MESSAGE-ID)])");
    let mut out = BTreeMap::new();
    for l in lines.iter().filter(|l| l.contains("BODY[HEADER.FIELDS")) {
        let at = l.find("UID ").expect("UID in FETCH") + 4;
        let uid: u32 = l[at..].split(|c: char| !c.is_ascii_digit()).next().unwrap().parse().unwrap();
        let id = message_id(l).unwrap_or_else(|| panic!("no Message-ID in {l}"));
        assert!(out.insert(uid, id).is_none(), "UID {uid} twice in one view");
    }
    out
}

/// Message-ID of every file in cur/ and new/.
fn on_disk(maildir: &Path) -> Vec<String> {
    let mut ids = Vec::new();
    for sub in ["cur", "new"] {
        for e in std::fs::read_dir(maildir.join(sub)).unwrap() {
            let text = std::fs::read_to_string(e.unwrap().path()).unwrap();
            ids.push(message_id(&text).unwrap());
        }
    }
    ids.sort();
    ids
}

/// What one appender learnt: Message-IDs acknowledged with their UIDs, and
/// every Message-ID it tried (an APPEND cut off by the kick before its
/// answer may or may not have been stored).
#[derive(Default)]
struct Appended {
    acked: Vec<(u32, String, SocketAddr)>,
    tried: Vec<String>,
}

/// One APPEND that survives the server ending the session: the UID of
/// APPENDUID, or `None` when the session ended (BYE, closed) first.
fn append_once(c: &mut Client, msg: &[u8]) -> Option<u32> {
    let tag = c.next_tag();
    c.send_unchecked(format!("{tag} APPEND INBOX {{{}}}\r\n", msg.len()).as_bytes());
    loop {
        let l = c.line();
        if l.is_empty() || l.starts_with(&format!("{tag} ")) {
            return None;
        }
        if l.starts_with('+') {
            break;
        }
    }
    c.send_unchecked(msg);
    c.send_unchecked(b"\r\n");
    loop {
        let l = c.response();
        if l.is_empty() {
            return None;
        }
        if let Some(rest) = l.strip_prefix(&format!("{tag} OK [APPENDUID ")) {
            return rest.split([' ', ']']).nth(1)?.parse().ok();
        }
        assert!(!l.starts_with(&format!("{tag} ")), "APPEND refused: {l}");
    }
}

/// Appends until `stop`, on the backend the front's map names now;
/// reconnects there when its session ends.
fn appender(n: usize, map: Arc<Mutex<SocketAddr>>, stop: Arc<AtomicBool>, done: Arc<Vec<AtomicUsize>>) -> Appended {
    let mut out = Appended::default();
    let mut on = *map.lock().unwrap();
    let mut c = login(on);
    let mut i = 0;
    while !stop.load(Ordering::Acquire) {
        let id = format!("append-{n}-{i}@test");
        i += 1;
        out.tried.push(id.clone());
        match append_once(&mut c, &with_id(&id)) {
            Some(uid) => {
                out.acked.push((uid, id, on));
                done[n].fetch_add(1, Ordering::AcqRel);
            }
            // Kicked: the front's map sends the reconnect to the new backend.
            None => {
                on = *map.lock().unwrap();
                c = login(on);
            }
        }
    }
    out
}

/// True when each appender has at least `n` acknowledged APPENDs.
fn each_did(done: &[AtomicUsize], n: &[usize]) -> bool {
    done.iter().zip(n).all(|(d, n)| d.load(Ordering::Acquire) >= *n)
}

#[test]
fn a_user_moves_between_backends_while_an_mta_delivers_and_four_sessions_append() {
    let site = Site::new();
    add_admin(&site);
    let a = backend(&site, "a", "127.0.0.2");
    let b = backend(&site, "b", "127.0.0.3");
    let (addr_a, addr_b) = (a.addr("clear text"), b.addr("clear text"));
    let maildir = inbox(&site);

    // A session that looks on while the others work, and another user's,
    // which stays.
    let mut looker = login(addr_a);
    looker.select("INBOX");
    let mut bob = Client::plain(addr_a);
    bob.ok(&format!("LOGIN bob {}", password("bob")));

    let map = Arc::new(Mutex::new(addr_a));
    let stop = Arc::new(AtomicBool::new(false));
    let done: Arc<Vec<AtomicUsize>> = Arc::new((0..4).map(|_| AtomicUsize::new(0)).collect());
    let delivered = Arc::new(AtomicUsize::new(0));
    let mta = {
        let (stop, delivered, maildir) = (stop.clone(), delivered.clone(), maildir.clone());
        thread::spawn(move || {
            let mut ids = Vec::new();
            while !stop.load(Ordering::Acquire) {
                let id = format!("mta-{}@test", ids.len());
                deliver(&maildir, &format!("1700000000.M{}P1.mta", ids.len()), &with_id(&id));
                ids.push(id);
                delivered.fetch_add(1, Ordering::AcqRel);
                thread::sleep(Duration::from_millis(15));
            }
            ids
        })
    };
    let appenders: Vec<_> = (0..4)
        .map(|n| {
            let (map, stop, done) = (map.clone(), stop.clone(), done.clone());
            thread::spawn(move || appender(n, map, stop, done))
        })
        .collect();

    // On A: a share of the work, then its view before the move.
    eventually("appends and deliveries on A", || each_did(&done, &[5; 4]) && delivered.load(Ordering::Acquire) >= 10);
    let before = view(&mut looker);
    assert!(before.len() >= 20, "{before:?}");

    // The move: the front's map first, then the user's sessions on A end.
    *map.lock().unwrap() = addr_b;
    let kicked = kick_user(&site, &a);
    assert_eq!(kicked.lines().count(), 5, "the looker and four appenders: {kicked}");
    assert!(kicked.lines().all(|l| l.starts_with("IMAP-") && l.ends_with(" disconnected")), "{kicked}");
    let bye = looker.read_until(|l| l.starts_with("* BYE"));
    assert_eq!(bye.last().unwrap(), "* BYE Disconnected by the administrator");
    assert!(looker.closed());
    eventually("no session of alice left on A", || !a.sessions_json().contains("\"alice\""));
    bob.ok("NOOP");

    // On B: as much work again, deliveries going on meanwhile.
    let d0: Vec<usize> = done.iter().map(|d| d.load(Ordering::Acquire) + 5).collect();
    let m0 = delivered.load(Ordering::Acquire);
    eventually("appends and deliveries on B", || each_did(&done, &d0) && delivered.load(Ordering::Acquire) >= m0 + 10);
    stop.store(true, Ordering::Release);
    let mta_ids = mta.join().unwrap();
    let results: Vec<Appended> = appenders.into_iter().map(|t| t.join().unwrap()).collect();

    // A fresh SELECT on B: the disk, every message once.
    let mut fresh = login(addr_b);
    let lines = fresh.select("INBOX");
    let after = view(&mut fresh);
    let disk = on_disk(&maildir);
    assert_eq!(Client::number(&lines, "EXISTS"), Some(disk.len() as u32), "{lines:?}");
    let seen: Vec<String> = {
        let mut v: Vec<String> = after.values().cloned().collect();
        v.sort();
        v
    };
    assert_eq!(seen, disk, "B's view and the disk");
    // Nothing lost: every delivery, every acknowledged APPEND, with the UID
    // its APPENDUID gave (no UID reassigned); nothing that was not sent.
    let ids: BTreeSet<&String> = disk.iter().collect();
    assert_eq!(ids.len(), disk.len(), "a message stored twice");
    for id in &mta_ids {
        assert!(ids.contains(id), "delivery {id} lost");
    }
    let mut uids = BTreeSet::new();
    for r in &results {
        for (uid, id, _) in &r.acked {
            assert_eq!(after.get(uid), Some(id), "APPENDUID {uid} of {id}");
            assert!(uids.insert(*uid), "UID {uid} given twice");
        }
        for backend in [addr_a, addr_b] {
            assert!(r.acked.iter().any(|a| a.2 == backend), "each appender worked on both backends");
        }
    }
    let tried: BTreeSet<&String> = results.iter().flat_map(|r| &r.tried).chain(&mta_ids).collect();
    assert!(ids.iter().all(|id| tried.contains(id)), "a message nobody sent");
    // A's view before the move is part of B's after it, UID for UID.
    for (uid, id) in &before {
        assert_eq!(after.get(uid), Some(id), "UID {uid} on A before the move");
    }
    assert!(!a.log().contains("panicked") && !b.log().contains("panicked"));
}

/// `tegami kick --user alice` against the backend's monitor; its output.
fn kick_user(site: &Site, backend: &Backend) -> String {
    let mon = backend.monitor.unwrap().to_string();
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_tegami"))
        .args(["kick", "--monitor", &mon, "--admin", ADMIN.0, "--user", "alice"])
        .env("TEGAMI_MONITOR_PASSWORD", ADMIN.1)
        .current_dir(site.path())
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8(out.stdout).unwrap()
}
