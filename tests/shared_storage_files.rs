//! Issue 23, must-show 4: how `--shared-storage` treats files. A message
//! file another host truncates during FETCH does not take the server down;
//! messages are read, never mapped (`/proc/PID/maps`); a rename by another
//! process is seen by polling, with no inotify watch on the maildir; every
//! directory a session changes is fsynced after the change (`strace -y`).

mod shared_storage_support;
mod support;

use std::collections::BTreeMap;
use std::os::unix::fs::MetadataExt;
use std::path::{Path, PathBuf};
use std::thread;
use std::time::Duration;

use shared_storage_support::{deliver, with_id};
use support::{eventually, Client};

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
