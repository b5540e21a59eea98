//! Issue 11, Must show 6 and 8: a mailbox alias (`tegami alias`) is an
//! ordinary folder for Python's imaplib, mbsync and offlineimap; hostile
//! names, alias targets and ACL identifiers are refused and create nothing.

mod share_common;
mod support;

use std::path::{Path, PathBuf};
use std::process::Command;

use share_common::{login, message, ok, result, start, untagged, PASSWORD};
use support::Server;

fn tegami(server: &Server, args: &[&str]) -> (bool, String) {
    let passwd = server.dir.path().join("passwd");
    let out = Command::new(env!("CARGO_BIN_EXE_tegami"))
        .arg(args[0])
        .arg("-u")
        .arg(&passwd)
        .args(&args[1..])
        .output()
        .unwrap();
    let text = format!("{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
    (out.status.success(), text)
}

fn run(cmd: &mut Command) -> String {
    let out = cmd.output().unwrap_or_else(|e| panic!("{cmd:?}: {e} (install with contrib/test)"));
    let text = format!("{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
    assert!(out.status.success(), "{cmd:?} failed: {text}");
    text
}

/// Messages of a local maildir folder.
fn count(dir: &Path) -> usize {
    ["cur", "new"].iter().map(|s| support::files(&dir.join(s)).len()).sum()
}

/// bob's Projects with two messages, open to alice with `lrswi`, and
/// alice's alias Team for it.
fn shared() -> Server {
    let server = start();
    login(&server, "alice").ok("LOGOUT");
    let mut b = login(&server, "bob");
    b.ok("CREATE Projects");
    b.append("Projects", "", &message("first"));
    b.append("Projects", "", &message("second"));
    b.ok("SETACL Projects alice lrswi");
    let (done, out) = tegami(&server, &["alias", "alice", "add", "Team", "~bob/Projects"]);
    assert!(done, "{out}");
    let (done, out) = tegami(&server, &["alias", "alice", "list"]);
    assert!(done && out == "Team\t~bob/Projects\n", "{out}");
    server
}

const PY: &str = r#"
import imaplib, sys
M = imaplib.IMAP4("127.0.0.1", int(sys.argv[1]))
M.login("alice", sys.argv[2])
typ, data = M.list()
print("LIST", typ, [d.decode() for d in data if b"Team" in d])
typ, data = M.select("Team")
print("SELECT", typ, data[0].decode())
typ, data = M.append("Team", "(\\Seen)", None, b"From: a@example.org\r\nSubject: via alias\r\n\r\nhello\r\n")
print("APPEND", typ)
typ, data = M.fetch("1:*", "(BODY.PEEK[HEADER.FIELDS (SUBJECT)])")
print("FETCH", typ, sorted(d[1].decode().strip() for d in data if isinstance(d, tuple)))
M.logout()
"#;

#[test]
fn an_alias_is_an_ordinary_folder_for_imaplib_mbsync_and_offlineimap() {
    let server = shared();
    let out = run(Command::new("python3").args(["-c", PY, &server.plain.port().to_string(), PASSWORD]));
    let lines: Vec<&str> = out.lines().collect();
    assert_eq!(lines[0], "LIST OK ['(\\\\HasNoChildren) \"/\" Team']", "{out}");
    assert_eq!(lines[1], "SELECT OK 2", "{out}");
    assert_eq!(lines[2], "APPEND OK", "{out}");
    assert_eq!(lines[3], "FETCH OK ['Subject: first', 'Subject: second', 'Subject: via alias']", "{out}");
    // It went into bob's Projects.
    let mut b = login(&server, "bob");
    assert_eq!(untagged(&b.ok("STATUS Projects (MESSAGES)")), ["* STATUS Projects (MESSAGES 3)"]);

    // mbsync.
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    std::fs::create_dir_all(d.join("local")).unwrap();
    let rc = d.join("mbsyncrc");
    std::fs::write(
        &rc,
        format!(
            "IMAPAccount t\nHost 127.0.0.1\nPort {}\nUser alice\nPass {PASSWORD}\nSSLType None\nAuthMechs LOGIN\n\n\
             IMAPStore remote\nAccount t\n\nMaildirStore local\nPath {}/local/\nInbox {}/local/INBOX\n\n\
             Channel c\nFar :remote:\nNear :local:\nPatterns Team\nSync All\nCreate Both\nSyncState *\n",
            server.plain.port(),
            d.display(),
            d.display()
        ),
    )
    .unwrap();
    run(Command::new("mbsync").args(["-c", rc.to_str().unwrap(), "-a"]));
    assert_eq!(count(&d.join("local/Team")), 3);

    // offlineimap.
    let conf = d.join("offlineimaprc");
    std::fs::write(
        &conf,
        format!(
            "[general]\naccounts = t\nmetadata = {0}/meta\n\n[Account t]\nlocalrepository = L\nremoterepository = R\n\n\
             [Repository L]\ntype = Maildir\nlocalfolders = {0}/mail\n\n\
             [Repository R]\ntype = IMAP\nremotehost = 127.0.0.1\nremoteport = {1}\nremoteuser = alice\n\
             remotepass = {PASSWORD}\nssl = no\nstarttls = no\nfolderfilter = lambda f: f == 'Team'\n",
            d.display(),
            server.plain.port()
        ),
    )
    .unwrap();
    run(Command::new("offlineimap").args(["-c", conf.to_str().unwrap(), "-o", "-u", "quiet"]));
    assert_eq!(count(&d.join("mail/Team")), 3);
}

#[test]
fn a_dangling_alias_does_not_exist_and_aliases_do_not_chain() {
    let server = shared();
    let mut a = login(&server, "alice");
    a.ok("SELECT Team");
    a.ok("UNSELECT");
    let mut b = login(&server, "bob");
    b.ok("RENAME Projects Gone");
    let r = a.cmd("SELECT Team");
    assert_eq!(result(&r), "NO [NONEXISTENT] Mailbox does not exist");
    assert!(!a.ok("LIST \"\" \"*\"").iter().any(|l| l.contains("Team")));
    b.ok("RENAME Gone Projects");
    a.ok("SELECT Team");
    // The alias has the target's rights: without them, nothing.
    b.ok("SETACL Projects alice \"\"");
    a.ok("UNSELECT");
    assert!(result(&a.cmd("SELECT Team")).starts_with("NO [NONEXISTENT]"));
    // No alias of an alias, no alias over an existing mailbox.
    for (name, target) in [("Other", "Team"), ("Loop", "~alice/Team"), ("Drafts", "~bob/Projects")] {
        let (done, out) = tegami(&server, &["alias", "alice", "add", name, target]);
        if target.starts_with('~') && name != "Drafts" {
            // `~alice/Team` is accepted as a name but resolves to alice's own
            // mailbox Team, never to her alias: no loop.
            assert!(done, "{out}");
            assert!(result(&a.cmd("SELECT Loop")).starts_with("NO [NONEXISTENT]"));
        } else {
            assert!(!done, "{name} -> {target}: {out}");
        }
    }
}

/// Every path under `dir`, sorted (the log left out).
fn tree(dir: &Path) -> Vec<PathBuf> {
    let mut out: Vec<PathBuf> = walkdir::WalkDir::new(dir)
        .into_iter()
        .flatten()
        .map(|e| e.path().to_path_buf())
        .filter(|p| p.file_name().is_some_and(|n| n != "log"))
        .collect();
    out.sort();
    out
}

#[test]
fn hostile_names_aliases_and_identifiers_are_refused() {
    let server = shared();
    let mut a = login(&server, "alice");
    let mut b = login(&server, "bob");
    let before = tree(server.dir.path());
    let etc = support::files(Path::new("/etc"));
    for name in
        ["~../x", "~bob/../../etc", "~bob/../x", "~./x", "~bob/a/../../x", "~bob//x", "~b\\\\ob/x", "~..", "~bob/.."]
    {
        for cmd in ["SELECT", "EXAMINE", "CREATE", "DELETE", "STATUS", "MYRIGHTS", "GETACL"] {
            let line =
                if cmd == "STATUS" { format!("STATUS \"{name}\" (MESSAGES)") } else { format!("{cmd} \"{name}\"") };
            let r = a.cmd(&line);
            let res = result(&r);
            assert!(
                res.starts_with("NO [CANNOT] Invalid mailbox name") || res.starts_with("NO [NONEXISTENT]"),
                "{line}: {res}"
            );
        }
        let r = a.cmd(&format!("RENAME INBOX/x \"{name}\""));
        assert!(result(&r).starts_with("NO"), "{r:?}");
        let r = a.append(&format!("\"{name}\""), "", &message("x"));
        assert!(result(&r).starts_with("NO"), "{r:?}");
        let r = a.cmd(&format!("SETACL \"{name}\" alice lr"));
        assert!(result(&r).starts_with("NO"), "{r:?}");
    }
    let r = a.cmd("SELECT \"~../x\"");
    assert_eq!(result(&r), "NO [CANNOT] Invalid mailbox name: \".\" and \"..\" are not user names");
    let r = a.cmd("SELECT \"~bob/../../etc\"");
    assert_eq!(result(&r), "NO [CANNOT] Invalid mailbox name: \".\" and \"..\" are not mailbox names");
    // Identifiers.
    for id in ["\"a/b\"", "\"../../x\"", "{3+}\r\na\u{1}b", "{3+}\r\na\nb", "\"user=x\"", "\"a b\"", "\"\""] {
        let r = b.cmd(&format!("SETACL Projects {id} lr"));
        assert!(result(&r).starts_with("BAD Invalid identifier"), "{id:?}: {r:?}");
    }
    let r = b.cmd("SETACL Projects carol lrz");
    assert_eq!(result(&r), "BAD Invalid rights: unknown right \"z\"");
    // The administrator's commands refuse the same.
    for args in [
        &["alias", "alice", "add", "X", "~bob/../x"][..],
        &["alias", "alice", "add", "X", "~../x"],
        &["alias", "alice", "add", "../x", "~bob/Projects"],
        &["alias", "alice", "add", "X\u{1}", "~bob/Projects"],
        &["acl", "bob", "Projects", "a/b", "lr"],
        &["acl", "bob", "Projects", "eve\n", "lr"],
        &["acl", "bob", "../x", "eve", "lr"],
    ] {
        let (done, out) = tegami(&server, args);
        assert!(!done && (out.contains("refused") || out.contains("invalid")), "{args:?}: {out}");
    }
    // A hand-edited alias file with a bad target is ignored.
    let alice = server.dir.path().join("home/alice/Maildir");
    let aliases = std::fs::read_to_string(alice.join("tegami-aliases")).unwrap();
    std::fs::write(alice.join("tegami-aliases"), format!("{aliases}Evil\t~bob/../../x\n")).unwrap();
    assert!(result(&a.cmd("SELECT Evil")).starts_with("NO"));
    std::fs::write(alice.join("tegami-aliases"), aliases).unwrap();
    assert_eq!(tree(server.dir.path()), before, "the file system changed");
    assert_eq!(support::files(Path::new("/etc")), etc);
    assert!(ok(&a.cmd("NOOP")));
}
