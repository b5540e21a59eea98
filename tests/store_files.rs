//! Issue 9, "Files": new files and directories get the modes of the
//! maildir root (a root open to the world when first made a maildir is
//! closed to 0700); files and folders inside a maildir are never reached
//! through symbolic links; a message file that shrinks while it is being
//! read cannot kill the server.

mod support;

use std::fs;
use std::os::unix::fs::{FileExt, PermissionsExt};
use std::path::Path;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::thread;

use support::Server;

fn mode(p: &Path) -> u32 {
    fs::symlink_metadata(p).unwrap_or_else(|e| panic!("{}: {e}", p.display())).permissions().mode() & 0o777
}

/// Every file and directory under `dir` (not following links) has mode
/// `dirs` or `files`.
fn assert_modes(dir: &Path, dirs: u32, files: u32) {
    for ent in fs::read_dir(dir).unwrap().flatten() {
        let p = ent.path();
        let t = ent.file_type().unwrap();
        if t.is_dir() {
            assert_eq!(mode(&p), dirs, "{}", p.display());
            assert_modes(&p, dirs, files);
        } else if t.is_file() {
            assert_eq!(mode(&p), files, "{}", p.display());
        }
    }
}

#[test]
fn new_files_and_directories_follow_the_root() {
    let s = Server::start_with(&[], |d| {
        // bob's root is made by the administrator, group-readable.
        let bob = d.join("home/bob/Maildir");
        fs::create_dir_all(&bob).unwrap();
        fs::set_permissions(&bob, fs::Permissions::from_mode(0o750)).unwrap();
    });
    for user in ["alice", "bob"] {
        let mut c = s.login(user);
        c.ok("CREATE Projects/Tegami");
        for mailbox in ["INBOX", "Projects/Tegami"] {
            let lines = c.append(mailbox, "(\\Seen $Label1)", &support::message("modes"));
            assert!(lines.last().unwrap().contains(" OK "), "{lines:?}");
            c.select(mailbox);
            c.ok("STORE 1 +FLAGS (\\Flagged)");
            c.ok("FETCH 1 (ENVELOPE BODY[])");
            c.ok("EXPUNGE");
        }
        c.ok("SUBSCRIBE Projects");
    }
    // alice's root was made by the server under its umask (022): a new
    // root open to the world is closed, then everything follows it.
    let alice = s.maildir("alice");
    assert_eq!(mode(&alice), 0o700);
    assert_modes(&alice, 0o700, 0o600);
    let bob = s.maildir("bob");
    assert_eq!(mode(&bob), 0o750, "an administrator's mode is kept");
    assert_modes(&bob, 0o750, 0o640);
    // The files that matter are there (so the walk checked them).
    for f in ["dovecot-uidlist", "tegami-modseq", "tegami-modseq.counter", ".Projects.Tegami/maildirfolder"] {
        assert_eq!(mode(&bob.join(f)), 0o640, "{f}");
    }
}

#[test]
fn symbolic_links_in_a_maildir_are_not_followed() {
    let s = Server::start(&[]);
    let outside = s.dir.path().join("outside");
    for sub in ["cur", "new", "tmp"] {
        fs::create_dir_all(outside.join(sub)).unwrap();
    }
    let secret = support::message("TOP-SECRET-OUTSIDE");
    fs::write(outside.join("cur/1700000000.M1P1.host:2,"), &secret).unwrap();
    fs::write(outside.join("secret.eml"), &secret).unwrap();

    let mut c = s.login("alice");
    c.append("INBOX", "", &support::message("inside"));
    let inbox = s.maildir("alice");
    std::os::unix::fs::symlink(&outside, inbox.join(".Evil")).unwrap();
    std::os::unix::fs::symlink(outside.join("secret.eml"), inbox.join("cur/1700000001.M2P2.host:2,")).unwrap();

    // The linked folder is neither listed nor selectable nor writable.
    let lines = c.ok("LIST \"\" *");
    assert!(!lines.iter().any(|l| l.contains("Evil")), "{lines:?}");
    for cmd in ["SELECT Evil", "STATUS Evil (MESSAGES)", "EXAMINE Evil"] {
        let lines = c.cmd(cmd);
        assert!(lines.last().unwrap().split(' ').nth(1) == Some("NO"), "{cmd}: {lines:?}");
    }
    let lines = c.append("Evil", "", &support::message("planted"));
    assert!(lines.last().unwrap().split(' ').nth(1) == Some("NO"), "{lines:?}");
    assert_eq!(support::files(&outside.join("cur")).len(), 1, "nothing written outside");
    assert!(support::files(&outside.join("tmp")).is_empty());

    // The linked message file is never read through its link.
    c.select("INBOX");
    let lines = c.cmd("FETCH 1:* (BODY[] RFC822.SIZE)");
    assert!(lines.iter().any(|l| l.contains("Subject: inside")), "the real message is read: {lines:?}");
    assert!(!lines.iter().any(|l| l.contains("TOP-SECRET")), "{lines:?}");
    let lines = c.cmd("SEARCH BODY TOP-SECRET");
    assert!(lines.iter().any(|l| l == "* SEARCH"), "{lines:?}");
    c.ok("NOOP");
}

#[test]
fn a_message_that_shrinks_while_read_does_not_kill_the_server() {
    let mut s = Server::start(&[]);
    let mut c = s.login("alice");
    // A large message (several MB: files this size used to be mapped).
    let mut big = support::message("big");
    let line = b"0123456789abcdefghijklmnopqrstuvwxyz0123456789abcdefghijklmnopqrstuvwxyz0123\r\n";
    while big.len() < 6 << 20 {
        big.extend_from_slice(line);
    }
    let lines = c.append("INBOX", "", &big);
    assert!(lines.last().unwrap().contains(" OK "), "{:?}", lines.last());
    c.select("INBOX");
    let cur = s.maildir("alice").join("cur");
    let file = cur.join(&support::files(&cur)[0]);

    // Another program truncates and rewrites the file in place, again and
    // again, while the server reads it.
    let stop = Arc::new(AtomicBool::new(false));
    let flipper = {
        let stop = stop.clone();
        let big = big.clone();
        thread::spawn(move || {
            let f = fs::OpenOptions::new().write(true).open(&file).unwrap();
            while !stop.load(Ordering::Relaxed) {
                f.set_len(100).unwrap();
                thread::sleep(std::time::Duration::from_micros(300));
                f.write_all_at(&big, 0).unwrap();
                thread::sleep(std::time::Duration::from_micros(300));
            }
        })
    };
    for _ in 0..40 {
        let lines = c.cmd("FETCH 1 (BODY.PEEK[] BODY.PEEK[TEXT]<0.5000000>)");
        let last = lines.last().unwrap();
        let status = last.split(' ').nth(1);
        assert!(status == Some("OK") || status == Some("NO"), "{last}");
        assert!(s.alive(), "the server died");
    }
    stop.store(true, Ordering::Relaxed);
    flipper.join().unwrap();
    c.ok("NOOP");
    assert!(s.alive());
}
