//! Issue 23, must-show 4: `--shared-storage`. Two backends on one maildir
//! tree (127.0.0.2 and 127.0.0.3), a user moved from A to B with `tegami
//! kick --user` while an MTA delivers (tmp/, fsync, rename into new/) and
//! four sessions append: nothing acknowledged is lost, no UID is given
//! twice, and both backends' views agree with the disk. A message file
//! another host truncates during FETCH does not take the server down, and
//! a rename by another process is seen by polling, with no inotify watch.
//! Messages are read, never mapped (`/proc/PID/maps`), and every directory
//! a session changes is fsynced after the change (`strace -y`).

mod proxy_support;
mod support;

use std::collections::{BTreeMap, BTreeSet};
use std::io::Write;
use std::net::SocketAddr;
use std::os::unix::fs::MetadataExt;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::thread;
use std::time::Duration;

use proxy_support::{password, Backend, Site};
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

/// Delivers as an MTA does: written to tmp/, fsynced, renamed into new/,
/// the directory fsynced.
fn deliver(maildir: &Path, name: &str, msg: &[u8]) {
    let tmp = maildir.join("tmp").join(name);
    let mut f = std::fs::File::create(&tmp).unwrap();
    f.write_all(msg).unwrap();
    f.sync_all().unwrap();
    std::fs::rename(&tmp, maildir.join("new").join(name)).unwrap();
    std::fs::File::open(maildir.join("new")).unwrap().sync_all().unwrap();
}

fn with_id(id: &str) -> Vec<u8> {
    format!("From: a@example.org\r\nMessage-ID: <{id}>\r\nSubject: {id}\r\n\r\nBody of {id}.\r\n").into_bytes()
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

/// Reads one FETCH answer of `UID FETCH 1 BODY[]` whatever it is: the
/// literal must be as long as announced; the tagged status.
fn fetch_whatever(c: &mut Client, tag: &str) -> String {
    loop {
        let r = c.response_bytes();
        assert!(!r.is_empty(), "the connection ended during FETCH");
        let text = String::from_utf8_lossy(&r);
        if text.starts_with(&format!("{tag} ")) {
            return text.trim_end().to_string();
        }
        if text.starts_with("* ") && text.contains(" FETCH (") {
            // response_bytes read exactly the announced literal (as much
            // of the file as was read, 24 MB or less); the line after it
            // closes the FETCH.
            assert!(text.contains(" BODY[] {"), "{}", &text[..text.len().min(80)]);
            assert!(text.ends_with(")\r\n"), "{}", &text[text.len().saturating_sub(80)..]);
        }
    }
}

#[test]
fn a_message_truncated_by_another_host_during_fetch_does_not_crash_the_server() {
    let server = support::Server::start(&["--shared-storage"]);
    let maildir = server.maildir("alice");
    let mut c = server.login("alice");
    c.ok("SELECT INBOX");
    for round in 0..4 {
        // 24 MB, so reading it takes a while: the truncation lands before,
        // during or after the read, and each must be served.
        let big: Vec<u8> = with_id(&format!("big-{round}@test"))
            .into_iter()
            .chain(std::iter::repeat_n(b'x', 24 << 20))
            .chain(*b"\r\n")
            .collect();
        deliver(&maildir, &format!("1700000001.M{round}P2.other"), &big);
        let lines = c.ok("NOOP");
        assert!(lines.iter().any(|l| l.ends_with(" EXISTS")), "{lines:?}");
        let tag = c.next_tag();
        c.send(format!("{tag} UID FETCH {} BODY.PEEK[]\r\n", round + 1).as_bytes());
        let file = std::fs::read_dir(maildir.join("cur"))
            .unwrap()
            .map(|e| e.unwrap().path())
            .find(|p| p.to_string_lossy().contains(&format!(".M{round}P2.")))
            .unwrap_or_else(|| {
                panic!("{:?} {:?}", support::files(&maildir.join("cur")), support::files(&maildir.join("new")))
            });
        thread::sleep(Duration::from_millis(round as u64 * 3));
        // "Another host" cuts the file.
        std::fs::OpenOptions::new().write(true).open(&file).unwrap().set_len(100).unwrap();
        let tagged = fetch_whatever(&mut c, &tag);
        assert!(tagged.starts_with(&format!("{tag} OK")) || tagged.starts_with(&format!("{tag} NO")), "{tagged}");
        c.ok("NOOP");
    }
    let mut next = server.login("alice");
    next.ok("SELECT INBOX");
    assert!(!server.log().contains("panicked"), "{}", server.log());
}

/// Inodes of every inotify watch the process holds (`/proc/PID/fdinfo`).
fn inotify_watched_inodes(pid: u32) -> Vec<u64> {
    let mut out = Vec::new();
    for e in std::fs::read_dir(format!("/proc/{pid}/fdinfo")).unwrap() {
        let text = std::fs::read_to_string(e.unwrap().path()).unwrap_or_default();
        for l in text.lines().filter(|l| l.starts_with("inotify wd:")) {
            let ino = l.split_whitespace().find_map(|w| w.strip_prefix("ino:")).unwrap();
            out.push(u64::from_str_radix(ino, 16).unwrap());
        }
    }
    out
}

#[test]
fn polling_sees_a_file_another_process_renames_without_inotify() {
    let server = support::Server::start(&["--shared-storage", "--poll-interval", "1"]);
    let maildir = server.maildir("alice");
    let mut c = server.login("alice");
    c.ok("SELECT INBOX");
    deliver(&maildir, "1700000002.M1P3.other", &with_id("one@test"));
    let lines = c.ok("NOOP");
    assert!(lines.contains(&"* 1 EXISTS".to_string()), "{lines:?}");
    let cur = std::fs::read_dir(maildir.join("cur")).unwrap().map(|e| e.unwrap().path()).collect::<Vec<_>>();
    let [file] = cur.as_slice() else { panic!("{cur:?}") };

    // Nothing of the maildir is watched by inotify in this mode.
    let dirs: Vec<u64> = ["cur", "new", ""].iter().map(|d| std::fs::metadata(maildir.join(d)).unwrap().ino()).collect();
    let watched = inotify_watched_inodes(server.pid());
    assert!(dirs.iter().all(|d| !watched.contains(d)), "{watched:?} {dirs:?}");

    c.send(b"i1 IDLE\r\n");
    assert!(c.line().starts_with('+'));
    // Another process marks it seen (a rename in cur/), as another
    // backend's STORE would.
    let seen = PathBuf::from(format!("{}S", file.display()));
    std::fs::rename(file, &seen).unwrap();
    let got = c.read_until(|l| l.starts_with("* 1 FETCH"));
    assert_eq!(got.last().unwrap(), "* 1 FETCH (UID 1 FLAGS (\\Seen \\Recent))");
    c.send(b"DONE\r\n");
    c.until_tagged("i1");
}

/// True when the process has a file whose name contains `part` mapped.
fn maps_file(pid: u32, part: &str) -> bool {
    std::fs::read_to_string(format!("/proc/{pid}/maps")).unwrap().lines().any(|l| l.contains(part))
}

/// Starts a FETCH of a 24 MB message and reads its first megabyte only,
/// so the server is still writing the literal (the socket buffers hold far
/// less); whether the message file is mapped then, and the rest read.
fn mapped_while_sent(extra: &[&str]) -> bool {
    let server = support::Server::start(extra);
    let maildir = server.maildir("alice");
    let big: Vec<u8> = with_id("mapped@test").into_iter().chain(std::iter::repeat_n(b'x', 24 << 20)).collect();
    let mut c = server.login("alice");
    deliver(&maildir, "1700000003.M1P4.mapcheck", &big);
    c.ok("SELECT INBOX");
    c.send(b"f1 UID FETCH 1 BODY.PEEK[]\r\n");
    let head = c.line();
    assert!(head.ends_with(&format!("{{{}}}", big.len())), "{head}");
    let mut first = vec![0u8; 1 << 20];
    std::io::Read::read_exact(&mut c.r, &mut first).unwrap();
    let mapped = maps_file(server.pid(), "1700000003.M1P4.mapcheck");
    let mut rest = vec![0u8; big.len() - first.len()];
    std::io::Read::read_exact(&mut c.r, &mut rest).unwrap();
    assert_eq!(c.line(), ")");
    assert!(c.line().starts_with("f1 OK"));
    mapped
}

#[test]
fn a_message_is_read_not_mapped_on_shared_storage() {
    // Without the mode, a large message is mapped while it is sent (which
    // shows that the check below would see a map).
    assert!(mapped_while_sent(&[]));
    assert!(!mapped_while_sent(&["--shared-storage"]));
}

/// The directories a traced server changed (renamed or removed a name in,
/// made a directory in) that no later fsync covered, with the last such
/// change, from `strace -y`'s lines: message files in cur/ and new/, and the maildir root's mailboxes.
fn unsynced_changes(trace: &str, root: &Path) -> BTreeMap<PathBuf, String> {
    let root = root.display().to_string();
    let mut pending = BTreeMap::new();
    for line in trace.lines() {
        let call = line.split_once(' ').map_or(line, |(_, rest)| rest.trim_start());
        if call.starts_with("fsync(") || call.starts_with("fdatasync(") {
            if let Some(path) = call.split_once('<').and_then(|(_, rest)| rest.split_once('>')).map(|(p, _)| p) {
                pending.remove(Path::new(path));
            }
            continue;
        }
        let changes = ["rename", "unlink", "mkdir"].iter().any(|c| call.starts_with(c));
        if !changes || call.contains("= -1") {
            continue;
        }
        // The quoted paths: absolute here, as tegami names every file.
        for path in call.split('"').skip(1).step_by(2).filter(|p| p.starts_with(&root)) {
            let path = Path::new(path);
            let parent = path.parent().unwrap();
            let name = path.file_name().unwrap().to_string_lossy();
            let message = parent.ends_with("cur") || parent.ends_with("new");
            // A folder `.Name`; not a lock's or a replaced file's temporary
            // name, nor a deleted folder on its way out.
            let temporary = ["..deleted.", ".temp."].iter().any(|p| name.starts_with(p)) || name.ends_with(".tmp");
            let mailbox = parent == Path::new(&root) && name.starts_with('.') && !temporary;
            if message || mailbox || call.starts_with("mkdir") && parent == Path::new(&root) {
                pending.insert(parent.to_path_buf(), call.to_string());
            }
        }
    }
    pending
}

/// Runs a session's worth of changes under strace; the directories left
/// unsynced (see [`unsynced_changes`]).
fn unsynced_after_a_session(extra: &[&str]) -> BTreeMap<PathBuf, String> {
    let calls = "trace=rename,renameat,renameat2,unlink,unlinkat,rmdir,mkdir,mkdirat,fsync,fdatasync";
    // The server runs in its temporary directory: the trace lands there.
    let wrapper = ["strace", "-f", "-qq", "-y", "-e", calls, "-o", "trace.txt", "--"];
    let mut server = support::Server::start_wrapped(&wrapper, extra);
    let maildir = server.maildir("alice");
    let mut c = server.login("alice");
    c.ok("SELECT INBOX");
    deliver(&maildir, "1700000004.M1P5.mta", &with_id("synced-1@test"));
    // Without the mode the watcher's sync comes a moment later.
    eventually("the delivery seen", || c.ok("NOOP").contains(&"* 1 EXISTS".to_string()));
    c.ok("STORE 1 +FLAGS (\\Flagged)");
    c.append("INBOX", "", &with_id("synced-2@test"));
    c.ok("STORE 2 +FLAGS (\\Deleted)");
    c.ok("EXPUNGE");
    c.ok("CREATE Foo");
    c.ok("RENAME Foo Bar");
    c.ok("DELETE Bar");
    c.ok("LOGOUT");
    server.kill();
    let trace = std::fs::read_to_string(server.dir.path().join("trace.txt")).unwrap();
    assert!(trace.contains("renameat") || trace.contains("rename("), "no trace: {trace}");
    unsynced_changes(&trace, &maildir)
}

#[test]
fn every_directory_change_is_fsynced_on_shared_storage() {
    // Without the mode, new/ after the move into cur/ and the root after a
    // mailbox's rename are left to the file system (which shows the check
    // can tell).
    let left = unsynced_after_a_session(&[]);
    let dirs: Vec<String> = left.keys().map(|d| d.file_name().unwrap().to_string_lossy().into_owned()).collect();
    assert_eq!(dirs, ["Maildir", "new"], "{left:?}");
    let left = unsynced_after_a_session(&["--shared-storage"]);
    assert!(left.is_empty(), "changed and not fsynced: {left:?}");
}
