//! Issue 20: tegami's `dovecot-uidlist.lock`, made by linking the
//! process's own long-lived file of the directory (`store/linkfile.rs`), is
//! a live lock to Dovecot: a message `doveadm save` stores meanwhile gets
//! no UID (Dovecot only tries the lock when saving), and `doveadm
//! force-resync`, which must have the lock, waits for it past the seconds
//! after which Dovecot reads the holder's pid, then takes it once tegami
//! releases it and gives that message the next UID.

mod support;

use std::fs;
use std::io::Write;
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use support::dovecot::Dovecot;
use tegami::store::lock::DotLock;

fn message(subject: &str) -> String {
    format!("From: a@example.org\r\nTo: b@example.org\r\nSubject: {subject}\r\n\r\nbody\r\n")
}

/// Runs `doveadm save -u alice` with `subject`'s message, in the background.
fn save(conf: &Path, subject: &str) -> std::process::Child {
    let mut child = doveadm(conf, &["save", "-u", "alice", "-m", "INBOX"]);
    child.stdin.take().unwrap().write_all(message(subject).as_bytes()).unwrap();
    child
}

/// Runs `doveadm args`, in the background.
fn doveadm(conf: &Path, args: &[&str]) -> std::process::Child {
    Command::new("doveadm")
        .arg("-c")
        .arg(conf)
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("doveadm")
}

fn uids(md: &Path) -> Vec<String> {
    let list = fs::read_to_string(md.join("dovecot-uidlist")).unwrap_or_default();
    list.lines().skip(1).filter_map(|l| l.split(' ').next().map(str::to_string)).collect()
}

#[test]
fn dovecot_waits_for_a_live_tegami_lock_and_takes_it_after() {
    let dir = tempfile::tempdir().unwrap();
    let md = dir.path().join("home/alice/Maildir");
    for sub in ["cur", "new", "tmp"] {
        fs::create_dir_all(md.join(sub)).unwrap();
    }
    let _dovecot = Dovecot::start(dir.path(), &["alice"], "");
    let conf = dir.path().join("dovecot/dovecot.conf");
    // A first message through Dovecot: its uid list exists.
    let first = save(&conf, "one").wait_with_output().unwrap();
    assert!(first.status.success(), "{}", String::from_utf8_lossy(&first.stderr));
    assert_eq!(uids(&md), ["1"]);

    // Taken and released once, so the second lock links a file that is
    // older than the lock (what a long-running server does).
    drop(DotLock::acquire(&md).unwrap());
    let lock = DotLock::acquire(&md).unwrap();
    let lock_path = md.join("dovecot-uidlist.lock");
    // Dovecot's mail processes run as nobody (uid 65534), as tegami would:
    // they must be able to read the holder's pid.
    std::os::unix::fs::chown(&lock_path, Some(65534), Some(65534)).unwrap();
    let two = save(&conf, "two").wait_with_output().unwrap();
    assert!(two.status.success(), "{}", String::from_utf8_lossy(&two.stderr));
    assert_eq!(uids(&md), ["1"], "Dovecot saved without taking the live lock");
    let mut waiter = doveadm(&conf, &["force-resync", "-u", "alice", "INBOX"]);
    // Dovecot reads a lock's pid once the lock is 2 s old; hold well past.
    let start = Instant::now();
    while start.elapsed() < Duration::from_secs(5) {
        if waiter.try_wait().unwrap().is_some() {
            let out = waiter.wait_with_output().unwrap();
            let log = fs::read_to_string(dir.path().join("dovecot/dovecot.log")).unwrap_or_default();
            panic!("Dovecot did not wait for the live lock: {}\n{log}", String::from_utf8_lossy(&out.stderr));
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    assert!(fs::symlink_metadata(&lock_path).is_ok(), "Dovecot broke the live lock");
    assert_eq!(uids(&md), ["1"]);
    drop(lock);
    let out = waiter.wait_with_output().unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    assert_eq!(uids(&md), ["1", "2"], "Dovecot took the lock after the release");
    tegami::store::linkfile::remove_idle_in(&md);
}
