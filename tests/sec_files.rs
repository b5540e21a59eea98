//! Issue 19 item 1: nothing outside the account's maildir can be read or
//! written, even when the server runs as root. Each test plays a hostile
//! local user against the real binary run as root (as in CI), on a home
//! and maildir that `nobody` owns, the account's uid and gid being
//! nobody's; the server runs with the default `--first-valid-uid` (500,
//! given explicitly: the test support lowers it for the other tests).

mod support;

use std::fs;
use std::os::unix::fs::{symlink, MetadataExt, PermissionsExt};
use std::path::{Path, PathBuf};

use support::{Client, Server};

const PASSWORD: &str = "wonderland";
/// Never a mailbox name or a message line by chance.
const MARKER: &str = "root-only-secret-7f3a9c";
const VICTIM: &[u8] = b"victim: precious root-owned content\n";

/// The user `nobody`: (uid, gid).
fn nobody() -> (u32, u32) {
    let name = std::ffi::CString::new("nobody").unwrap();
    // SAFETY: getpwnam with a valid name; the fields are copied at once.
    let pw = unsafe { libc::getpwnam(name.as_ptr()) };
    assert!(!pw.is_null(), "the user nobody exists in CI");
    // SAFETY: non-null, a valid passwd entry.
    unsafe { ((*pw).pw_uid, (*pw).pw_gid) }
}

/// Makes `dir` a maildir (`cur new tmp`).
fn maildir(dir: &Path) {
    for sub in ["cur", "new", "tmp"] {
        fs::create_dir_all(dir.join(sub)).unwrap();
    }
}

/// `chown -R uid:gid path`, links themselves included.
fn chown_r(path: &Path, uid: u32, gid: u32) {
    std::os::unix::fs::lchown(path, Some(uid), Some(gid)).unwrap();
    if fs::symlink_metadata(path).unwrap().is_dir() {
        for e in fs::read_dir(path).unwrap() {
            chown_r(&e.unwrap().path(), uid, gid);
        }
    }
}

/// A root-owned file in the temporary directory (outside every maildir).
fn root_file(d: &Path, name: &str, content: &[u8], mode: u32) -> PathBuf {
    let p = d.join(name);
    fs::write(&p, content).unwrap();
    fs::set_permissions(&p, fs::Permissions::from_mode(mode)).unwrap();
    p
}

/// A server run as root whose account `alice` is nobody's, with a home and
/// maildir nobody owns; `plant` runs (as root, the attacker's files then
/// given to nobody) before the server starts. `more_accounts` gives more
/// passwd lines, from the server's directory.
fn start(more_accounts: impl FnOnce(&Path) -> String, plant: impl FnOnce(&Path, &Path)) -> Server {
    // SAFETY: geteuid has no preconditions.
    assert_eq!(unsafe { libc::geteuid() }, 0, "these tests show what a server run as root does (CI runs as root)");
    let (uid, gid) = nobody();
    let dir = tempfile::tempdir().unwrap();
    // nobody must reach its home through the temporary directory.
    fs::set_permissions(dir.path(), fs::Permissions::from_mode(0o755)).unwrap();
    Server::start_in(dir, &["--first-valid-uid", "500"], move |d| {
        support::write_hashed_passwd_as(d, &[("alice", PASSWORD)], &format!("{uid}:{gid}"));
        let mut passwd = fs::read_to_string(d.join("passwd")).unwrap();
        passwd.push_str(&more_accounts(d));
        fs::write(d.join("passwd"), passwd).unwrap();
        let home = d.join("home/alice");
        maildir(&home.join("Maildir"));
        plant(d, &home.join("Maildir"));
        chown_r(&home, uid, gid);
    })
}

fn login(server: &Server) -> Client {
    let mut c = server.connect();
    c.ok(&format!("LOGIN alice {PASSWORD}"));
    c
}

fn assert_absent(lines: &[String], what: &str) {
    for l in lines {
        assert!(!l.contains(what), "{what} leaked: {lines:?}");
    }
}

#[test]
fn a_subscriptions_file_linked_to_a_root_only_file_is_never_read() {
    let server = start(
        |_| String::new(),
        |d, md| {
            let secret = root_file(d, "secret", format!("{MARKER}\n{MARKER}-2\n").as_bytes(), 0o600);
            symlink(&secret, md.join("subscriptions")).unwrap();
            // A message file linked to the secret as well.
            symlink(&secret, md.join("cur/1700000000.M1P1.host,S=40:2,")).unwrap();
        },
    );
    let mut c = login(&server);
    let mut seen = Vec::new();
    for cmd in
        ["LSUB \"\" \"*\"", "LIST \"\" \"*\"", "LIST (SUBSCRIBED) \"\" \"*\"", "LIST \"\" \"*\" RETURN (SUBSCRIBED)"]
    {
        seen.extend(c.cmd(cmd));
    }
    seen.extend(c.cmd("SELECT INBOX"));
    seen.extend(c.cmd("FETCH 1:* (BODY.PEEK[] RFC822.SIZE)"));
    assert_absent(&seen, MARKER);
    // The session goes on; a subscription replaces the link itself.
    c.ok("SUBSCRIBE Work");
    let lsub = c.ok("LSUB \"\" \"*\"");
    assert!(lsub.contains(&"* LSUB (\\Noselect) \"/\" Work".to_string()), "{lsub:?}");
    assert_eq!(fs::read_to_string(server.dir.path().join("secret")).unwrap(), format!("{MARKER}\n{MARKER}-2\n"));
    assert!(server.log().contains("not a regular file"), "{}", server.log());
}

#[test]
fn temporary_names_linked_to_a_victim_never_write_through() {
    let server = start(
        |_| String::new(),
        |d, md| {
            // Every name a predictable writer could use, each to its own victim.
            for (i, name) in ["subscriptions.tmp", "dovecot-keywords.tmp", "dovecot-uidlist.tmp"].iter().enumerate() {
                let victim = root_file(d, &format!("victim{i}"), VICTIM, 0o644);
                symlink(&victim, md.join(name)).unwrap();
            }
        },
    );
    // The ACL file's temporary name held the server's pid.
    let md = server.dir.path().join("home/alice/Maildir");
    let victim = root_file(server.dir.path(), "victim-acl", VICTIM, 0o644);
    symlink(&victim, md.join(format!(".dovecot-acl.tmp.{}", server.pid()))).unwrap();
    let mut c = login(&server);
    c.ok("SUBSCRIBE Work");
    let lsub = c.ok("LSUB \"\" \"*\"");
    assert!(lsub.contains(&"* LSUB (\\Noselect) \"/\" Work".to_string()), "{lsub:?}");
    c.select("INBOX");
    let appended = c.append("INBOX", "", &support::message("hello"));
    assert!(appended.last().unwrap().contains("OK"), "{appended:?}");
    c.ok("STORE 1 +FLAGS (Planted)");
    let fetched = c.ok("FETCH 1 FLAGS");
    assert!(fetched[0].contains("Planted"), "{fetched:?}");
    c.ok("SETACL INBOX bob lr");
    for name in ["victim0", "victim1", "victim2", "victim-acl"] {
        assert_eq!(fs::read(server.dir.path().join(name)).unwrap(), VICTIM, "{name} changed");
    }
    // What was written is in the maildir, as regular files.
    for name in ["subscriptions", "dovecot-keywords", "dovecot-uidlist", "dovecot-acl"] {
        assert!(fs::symlink_metadata(md.join(name)).unwrap().is_file(), "{name}");
    }
}

#[test]
fn a_maildir_replaced_by_a_link_to_another_accounts_gives_none_of_its_mail() {
    // bob's maildir belongs to bob (uid 4242 here), with a message.
    let server = start(
        |_| String::new(),
        |d, md| {
            let bob = d.join("home/bob/Maildir");
            maildir(&bob);
            fs::write(bob.join("cur/1700000000.M1P1.host,S=60:2,S"), format!("Subject: {MARKER}\r\n\r\n{MARKER}\r\n"))
                .unwrap();
            chown_r(&d.join("home/bob"), 4242, 4242);
            fs::set_permissions(d.join("home/bob"), fs::Permissions::from_mode(0o755)).unwrap();
            fs::remove_dir_all(md).unwrap();
            symlink(&bob, md).unwrap();
        },
    );
    let mut c = server.connect();
    let login = c.cmd(&format!("LOGIN alice {PASSWORD}"));
    let last = login.last().unwrap().clone();
    let mut seen = login;
    if last.split(' ').nth(1) == Some("OK") {
        seen.extend(c.cmd("SELECT INBOX"));
        seen.extend(c.cmd("FETCH 1:* (BODY.PEEK[])"));
        seen.extend(c.cmd("STATUS INBOX (MESSAGES)"));
    }
    assert_absent(&seen, MARKER);
    assert!(last.contains("NO [UNAVAILABLE]"), "the login is refused: {seen:?}");
    let log = server.log();
    assert!(log.contains("login of alice refused: the way to its maildir is not safe"), "{log}");
    assert!(log.contains("belongs to uid 4242, neither root nor the account"), "{log}");
}

#[test]
fn accounts_that_would_be_served_as_root_or_a_system_uid_are_refused() {
    let hash = tegami::auth::hash_password("SHA512-CRYPT", PASSWORD.as_bytes()).unwrap();
    let server = start(
        |d| {
            let home = |u: &str| d.join("home").join(u).display().to_string();
            format!(
                "nouid:{hash}::::{}::\nroot0:{hash}:0:0::{}::\nsys:{hash}:42:42::{}::\n",
                home("nouid"),
                home("root0"),
                home("sys")
            )
        },
        |_, _| {},
    );
    for user in ["nouid", "root0", "sys"] {
        let mut c = server.connect();
        let last = c.cmd(&format!("LOGIN {user} {PASSWORD}")).pop().unwrap();
        assert!(last.contains("NO [UNAVAILABLE]"), "{user}: {last}");
    }
    let log = server.log();
    assert!(log.contains("login of nouid refused: the account has no uid"), "{log}");
    assert!(log.contains("login of root0 refused: its uid 0 is below --first-valid-uid 500"), "{log}");
    assert!(log.contains("login of sys refused: its uid 42 is below --first-valid-uid 500"), "{log}");
    // nobody's account itself is served.
    login(&server).ok("NOOP");
}

#[test]
fn what_a_session_makes_belongs_to_the_account() {
    let server = start(|_| String::new(), |_, _| {});
    let (uid, gid) = nobody();
    let mut c = login(&server);
    c.ok("CREATE Projects");
    c.ok("SUBSCRIBE Projects");
    c.select("INBOX");
    let appended = c.append("INBOX", "(Kept)", &support::message("mine"));
    assert!(appended.last().unwrap().contains("OK"), "{appended:?}");
    let md = server.dir.path().join("home/alice/Maildir");
    let mut made: Vec<PathBuf> =
        ["cur", "new"].iter().flat_map(|s| fs::read_dir(md.join(s)).unwrap().map(|e| e.unwrap().path())).collect();
    assert_eq!(made.len(), 1, "{made:?}");
    made.extend(
        ["dovecot-uidlist", "dovecot-keywords", "subscriptions", ".Projects", ".Projects/cur"].map(|n| md.join(n)),
    );
    for p in made {
        let m = fs::symlink_metadata(&p).unwrap();
        assert_eq!((m.uid(), m.gid()), (uid, gid), "{}", p.display());
    }
}
