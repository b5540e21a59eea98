//! Issue 9, "Files": new files and directories get the modes of the
//! maildir root (a root open to the world when first made a maildir is
//! closed to 0700); files and folders inside a maildir are never reached
//! through symbolic links; a message file that shrinks while it is being
//! read (large ones are memory-mapped) cannot kill the server.

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
    shrinking_message(b"\r\n", "FETCH 1 (BODY.PEEK[] BODY.PEEK[TEXT]<0.5000000>)");
}

#[test]
fn a_bare_lf_multipart_message_rewritten_while_mapped_does_not_kill_the_server() {
    // LF line endings (as an MTA writes them) take the CRLF-converting path,
    // and the parts make the MIME scanner run over the mapped file.
    shrinking_message(b"\n", "FETCH 1 (BODYSTRUCTURE BODY.PEEK[1] BINARY.PEEK[2] BODY.PEEK[])");
}

/// A message of several MB (files this size are memory-mapped) that another
/// program truncates and rewrites in place again and again while `fetch`
/// runs 40 times: every FETCH is answered, the session and the server live.
fn shrinking_message(eol: &[u8], fetch: &str) {
    let mut s = Server::start(&[]);
    let mut c = s.login("alice");
    let mut big = Vec::new();
    for line in [
        "From: a@example.org",
        "To: b@example.org",
        "Subject: big",
        "MIME-Version: 1.0",
        "Content-Type: multipart/mixed; boundary=\"b\"",
        "",
        "--b",
        "Content-Type: text/plain",
        "",
        "Body of big.",
        "--b",
        "Content-Type: application/octet-stream",
        "Content-Transfer-Encoding: base64",
        "",
    ] {
        big.extend_from_slice(line.as_bytes());
        big.extend_from_slice(eol);
    }
    while big.len() < 6 << 20 {
        big.extend_from_slice(b"MDEyMzQ1Njc4OWFiY2RlZmdoaWprbG1ub3BxcnN0dXZ3eHl6MDEyMzQ1Njc4OWFiY2RlZmdo");
        big.extend_from_slice(eol);
    }
    big.extend_from_slice(b"--b--");
    big.extend_from_slice(eol);
    let lines = c.append("INBOX", "", &big);
    assert!(lines.last().unwrap().contains(" OK "), "{:?}", lines.last());
    c.select("INBOX");
    let cur = s.maildir("alice").join("cur");
    let file = cur.join(&support::files(&cur)[0]);

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
        let lines = c.cmd(fetch);
        let last = lines.last().unwrap();
        let status = last.split(' ').nth(1);
        assert!(status == Some("OK") || status == Some("NO"), "{last}");
        assert!(s.alive(), "the server died");
    }
    stop.store(true, Ordering::Relaxed);
    flipper.join().unwrap();
    c.ok("NOOP");
    assert!(s.alive());
    // How often a read caught the file short (the log says so each time).
    eprintln!("FETCHes that saw the file shrink: {}", s.log().matches("shrank while it was read").count());
}
