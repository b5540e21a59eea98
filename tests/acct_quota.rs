//! Issue 8, must-show item 8: QUOTA (RFC 9208). Usage after APPEND, COPY
//! and EXPUNGE as GETQUOTAROOT/GETQUOTA report it and as `maildirsize`
//! records it, against the files on disk; over-quota APPEND (in memory,
//! streamed, MULTIAPPEND) and COPY refused with `[OVERQUOTA]` leaving
//! nothing behind; MOVE inside the account allowed while over quota;
//! SETQUOTA by ordinary users, domain and server administrators.

mod support;

use std::path::Path;

use support::{Client, Server};

/// The accounts: (name, password, extra fields).
const ACCOUNTS: &[(&str, &str, &str)] = &[
    ("alice@example.org", "alice-pw", "userdb_quota_rule=*:storage=10K userdb_quota_rule2=*:messages=4"),
    ("bob@example.org", "bob-pw", "quota_rule=*:storage=1M"),
    ("erin@example.org", "erin-pw", "quota_rule=*:storage=500K"),
    ("dora@example.org", "dora-pw", "tegami_admin=domain"),
    ("carl@other.net", "carl-pw", ""),
    ("root@admin.net", "root-pw", "tegami_admin=server"),
];

/// Writes the passwd-file: SHA512-CRYPT hashes, homes, Dovecot extra fields.
fn passwd(d: &Path) {
    let mut text = String::new();
    for (user, pw, extra) in ACCOUNTS {
        let hash = tegami::auth::hash_password("SHA512-CRYPT", pw.as_bytes()).unwrap();
        let home = d.join("home").join(user);
        text.push_str(&format!("{user}:{hash}:{}::{}::{extra}\n", support::own_ids(), home.display()));
    }
    std::fs::write(d.join("passwd"), text).unwrap();
}

fn start() -> Server {
    Server::start_with(&["--quota", "storage=2M,messages=100"], passwd)
}

fn login(server: &Server, user: &str) -> Client {
    let pw = ACCOUNTS.iter().find(|a| a.0 == user).unwrap().1;
    let mut c = server.connect();
    c.ok(&format!("LOGIN {user} {pw}"));
    c
}

fn maildir(server: &Server, user: &str) -> std::path::PathBuf {
    server.dir.path().join("home").join(user).join("Maildir")
}

/// A message of exactly `size` octets.
fn message(size: usize, subject: &str) -> Vec<u8> {
    let mut m = format!("Subject: {subject}\r\n\r\n").into_bytes();
    while m.len() + 2 < size {
        let n = (size - m.len() - 2).min(76);
        m.extend(std::iter::repeat_n(b'x', n));
        m.extend_from_slice(b"\r\n");
    }
    m.resize(size, b'y');
    m
}

/// Octets and messages of every file in `cur/` and `new/` of every folder.
fn on_disk(root: &Path) -> (i64, i64) {
    let mut dirs = vec![root.to_path_buf()];
    for e in std::fs::read_dir(root).unwrap().flatten() {
        let n = e.file_name().into_string().unwrap();
        if n.starts_with('.') && !n.starts_with("..") && e.path().join("cur").is_dir() {
            dirs.push(e.path());
        }
    }
    let (mut bytes, mut count) = (0, 0);
    for d in dirs {
        for sub in ["cur", "new"] {
            for f in std::fs::read_dir(d.join(sub)).unwrap().flatten() {
                bytes += f.metadata().unwrap().len() as i64;
                count += 1;
            }
        }
    }
    (bytes, count)
}

/// The header and the summed deltas of `maildirsize`.
fn maildirsize(root: &Path) -> (String, i64, i64) {
    let text = std::fs::read_to_string(root.join("maildirsize")).unwrap();
    let mut lines = text.lines();
    let header = lines.next().unwrap().to_string();
    let (mut bytes, mut count) = (0, 0);
    for l in lines {
        let (b, c) = l.split_once(' ').unwrap();
        bytes += b.parse::<i64>().unwrap();
        count += c.parse::<i64>().unwrap();
    }
    (header, bytes, count)
}

/// Asserts that `maildirsize` sums to what is on disk.
fn agrees(root: &Path) {
    let (_, bytes, count) = maildirsize(root);
    assert_eq!((bytes, count), on_disk(root), "maildirsize against the files");
}

/// The untagged lines of GETQUOTAROOT INBOX.
/// The QUOTAROOT and QUOTA lines of GETQUOTAROOT INBOX. Other untagged
/// responses may ride along (a file removed behind the server's back is an
/// EXPUNGE of the selected INBOX whenever the watcher sees it).
fn quotaroot(c: &mut Client) -> Vec<String> {
    let lines = c.ok("GETQUOTAROOT INBOX");
    lines.into_iter().filter(|l| l.starts_with("* QUOTA")).collect()
}

fn alice_quota(storage: u64, messages: u64) -> Vec<String> {
    vec![
        "* QUOTAROOT INBOX #alice@example.org".to_string(),
        format!("* QUOTA #alice@example.org (STORAGE {storage} 10 MESSAGE {messages} 4)"),
    ]
}

fn tmp_is_empty(dir: &Path) {
    assert_eq!(support::files(&dir.join("tmp")), Vec::<String>::new(), "tmp/ of {}", dir.display());
}

#[test]
fn capability_lists_quota() {
    let server = start();
    let mut c = server.connect();
    let lines = c.ok("CAPABILITY");
    assert!(lines[0].contains(" QUOTA QUOTA=RES-STORAGE QUOTA=RES-MESSAGE QUOTASET"), "{lines:?}");
}

#[test]
fn usage_follows_append_copy_and_expunge() {
    let server = start();
    let mut c = login(&server, "alice@example.org");
    let root = maildir(&server, "alice@example.org");
    assert_eq!(quotaroot(&mut c), alice_quota(0, 0));
    assert_eq!(maildirsize(&root).0, "10240S,4C", "the limits head the file");

    let r = c.append("INBOX", "", &message(1500, "one"));
    assert!(r.last().unwrap().contains("OK [APPENDUID"), "{r:?}");
    assert_eq!(quotaroot(&mut c), alice_quota(2, 1), "1500 octets are 2 KiB, rounded up");
    agrees(&root);

    c.ok("SELECT INBOX");
    c.ok("COPY 1 Sent");
    assert_eq!(quotaroot(&mut c), alice_quota(3, 2));
    let lines = c.ok("GETQUOTA #alice@example.org");
    assert_eq!(lines[0], "* QUOTA #alice@example.org (STORAGE 3 10 MESSAGE 2 4)");
    agrees(&root);

    c.ok("STORE 1 +FLAGS.SILENT (\\Deleted)");
    c.ok("EXPUNGE");
    assert_eq!(quotaroot(&mut c), alice_quota(2, 1));
    agrees(&root);

    // UID EXPUNGE and CLOSE give the space back as well.
    c.ok("SELECT Sent");
    c.ok("UID STORE 1 +FLAGS.SILENT (\\Deleted)");
    c.ok("UID EXPUNGE 1");
    assert_eq!(quotaroot(&mut c), alice_quota(0, 0));
    c.append("Sent", "", &message(700, "two"));
    c.ok("STORE 1 +FLAGS.SILENT (\\Deleted)");
    c.ok("CLOSE");
    assert_eq!(quotaroot(&mut c), alice_quota(0, 0));
    agrees(&root);

    // A delivery behind the server's back (an MTA writing to new/) is
    // counted at the next look.
    std::fs::write(root.join("new").join("1700000000.M1P1.mta"), message(2000, "delivered")).unwrap();
    assert_eq!(quotaroot(&mut c), alice_quota(2, 1));
    agrees(&root);
    // A damaged file is counted again.
    std::fs::write(root.join("maildirsize"), "garbage").unwrap();
    assert_eq!(quotaroot(&mut c), alice_quota(2, 1));
    agrees(&root);
}

#[test]
fn over_quota_append_and_copy_store_nothing() {
    let server = start();
    let mut c = login(&server, "alice@example.org");
    let root = maildir(&server, "alice@example.org");
    c.append("INBOX", "", &message(4000, "a"));
    c.append("INBOX", "", &message(4000, "b"));
    assert_eq!(quotaroot(&mut c), alice_quota(8, 2));

    // One message too large for what is left.
    let tag = c.next_tag();
    let m = message(3000, "c");
    c.send(format!("{tag} APPEND INBOX {{{}}}\r\n", m.len()).as_bytes());
    assert!(c.line().starts_with('+'));
    c.send(&m);
    c.send(b"\r\n");
    assert_eq!(c.tagged(&tag), format!("{tag} NO [OVERQUOTA] Quota exceeded"));

    // MULTIAPPEND: each would fit, both together do not; none is stored.
    let small = message(1200, "d");
    let tag = c.next_tag();
    let mut cmd = format!("{tag} APPEND INBOX {{{}+}}\r\n", small.len()).into_bytes();
    cmd.extend_from_slice(&small);
    cmd.extend_from_slice(format!(" {{{}+}}\r\n", small.len()).as_bytes());
    cmd.extend_from_slice(&small);
    cmd.extend_from_slice(b"\r\n");
    c.send(&cmd);
    assert_eq!(c.tagged(&tag), format!("{tag} NO [OVERQUOTA] Quota exceeded"));

    // COPY of both messages into Sent would pass the limit.
    c.ok("SELECT INBOX");
    let lines = c.cmd("COPY 1:2 Sent");
    assert!(lines.last().unwrap().ends_with(" NO [OVERQUOTA] Quota exceeded"), "{lines:?}");
    let status = c.ok("STATUS Sent (MESSAGES)");
    assert_eq!(status[0], "* STATUS Sent (MESSAGES 0)");
    let status = c.ok("STATUS INBOX (MESSAGES)");
    assert_eq!(status[0], "* STATUS INBOX (MESSAGES 2)");
    assert_eq!(quotaroot(&mut c), alice_quota(8, 2));
    tmp_is_empty(&root);
    tmp_is_empty(&root.join(".Sent"));
    agrees(&root);

    // Over the limit (a delivery the server could not refuse): MOVE inside
    // the account still works, APPEND does not.
    std::fs::write(root.join("new").join("1700000000.M2P2.mta"), message(5000, "big")).unwrap();
    assert_eq!(quotaroot(&mut c), alice_quota(13, 3));
    c.ok("NOOP");
    let moved = c.ok("MOVE 1 Sent");
    assert!(moved.last().unwrap().contains("OK"), "{moved:?}");
    assert_eq!(c.ok("STATUS Sent (MESSAGES)")[0], "* STATUS Sent (MESSAGES 1)");
    assert_eq!(quotaroot(&mut c), alice_quota(13, 3), "a move changes no usage");
    agrees(&root);
    let tag = c.next_tag();
    let m = message(100, "e");
    c.send(format!("{tag} APPEND Sent {{{}+}}\r\n", m.len()).as_bytes());
    c.send(&m);
    c.send(b"\r\n");
    assert_eq!(c.tagged(&tag), format!("{tag} NO [OVERQUOTA] Quota exceeded"));
    let lines = c.cmd("COPY 1 Drafts");
    assert!(lines.last().unwrap().ends_with(" NO [OVERQUOTA] Quota exceeded"), "{lines:?}");
    tmp_is_empty(&root.join(".Sent"));
    tmp_is_empty(&root.join(".Drafts"));
    agrees(&root);

    // Over quota with a file older than 15 minutes, it is counted again
    // (Maildir++): a removal behind the server's back is seen.
    let big = ["cur", "new"]
        .iter()
        .flat_map(|d| std::fs::read_dir(root.join(d)).unwrap().flatten())
        .find(|e| e.metadata().unwrap().len() == 5000)
        .unwrap();
    std::fs::remove_file(big.path()).unwrap();
    let ago = |mins: u64| std::time::SystemTime::now() - std::time::Duration::from_secs(mins * 60);
    for folder in ["", ".Sent", ".Drafts", ".Trash", ".Junk", ".Archive"] {
        std::fs::File::open(root.join(folder).join("new")).unwrap().set_modified(ago(30)).unwrap();
    }
    std::fs::File::options().append(true).open(root.join("maildirsize")).unwrap().set_modified(ago(20)).unwrap();
    assert_eq!(quotaroot(&mut c), alice_quota(8, 2));
    agrees(&root);
}

#[test]
fn over_quota_streamed_append_stores_nothing() {
    let server = start();
    let mut c = login(&server, "erin@example.org");
    let root = maildir(&server, "erin@example.org");
    let big = message(300_000, "big");

    // A synchronizing literal over the limit is refused before the octets.
    let tag = c.next_tag();
    c.send(format!("{tag} APPEND INBOX {{{}}}\r\n", 600_000).as_bytes());
    assert_eq!(c.line(), format!("{tag} NO [OVERQUOTA] Quota exceeded"));

    // LITERAL+: the first message goes to the mailbox, the second does not
    // fit, and the first is taken back.
    let tag = c.next_tag();
    let mut cmd = format!("{tag} APPEND INBOX {{{}+}}\r\n", big.len()).into_bytes();
    cmd.extend_from_slice(&big);
    cmd.extend_from_slice(format!(" {{{}+}}\r\n", big.len()).as_bytes());
    cmd.extend_from_slice(&big);
    cmd.extend_from_slice(b"\r\n");
    c.send(&cmd);
    assert_eq!(c.tagged(&tag), format!("{tag} NO [OVERQUOTA] Quota exceeded"));
    assert_eq!(c.ok("STATUS INBOX (MESSAGES)")[0], "* STATUS INBOX (MESSAGES 0)");
    let lines = quotaroot(&mut c);
    assert_eq!(lines[1], "* QUOTA #erin@example.org (STORAGE 0 500)");
    tmp_is_empty(&root);
    agrees(&root);

    // One that fits is stored and counted.
    let r = c.append("INBOX", "", &big);
    assert!(r.last().unwrap().contains("OK [APPENDUID"), "{r:?}");
    assert_eq!(quotaroot(&mut c)[1], "* QUOTA #erin@example.org (STORAGE 293 500)");
    agrees(&root);
}

#[test]
fn setquota_needs_administrator_rights() {
    let mut server = start();
    let mut bob = login(&server, "bob@example.org");
    let mut lines = bob.ok("GETQUOTAROOT INBOX");
    lines.pop();
    assert_eq!(lines, ["* QUOTAROOT INBOX #bob@example.org", "* QUOTA #bob@example.org (STORAGE 0 1024)"]);
    let r = bob.cmd("SETQUOTA #bob@example.org (STORAGE 100)");
    assert_eq!(r, ["t3 NO [NOPERM] SETQUOTA needs domain or server administrator rights"]);
    let r = bob.cmd("GETQUOTA #alice@example.org");
    assert_eq!(r, ["t4 NO [NOPERM] Only your own quota root is open to you"]);
    let r = bob.cmd("GETQUOTA #nobody@example.org");
    assert_eq!(r, ["t5 NO [NOPERM] Only your own quota root is open to you"], "no hint whether it exists");

    // The domain administrator: accounts of example.org, nothing else.
    let mut dora = login(&server, "dora@example.org");
    let r = dora.cmd("SETQUOTA #bob@example.org (STORAGE 2048 MESSAGE 10)");
    assert_eq!(r, ["* QUOTA #bob@example.org (STORAGE 0 2048 MESSAGE 0 10)", "t2 OK SETQUOTA completed"]);
    let r = dora.cmd("GETQUOTA #alice@example.org");
    assert_eq!(r, ["* QUOTA #alice@example.org (STORAGE 0 10 MESSAGE 0 4)", "t3 OK GETQUOTA completed"]);
    let r = dora.cmd("SETQUOTA #carl@other.net (STORAGE 1)");
    assert_eq!(r, ["t4 NO [NOPERM] carl@other.net is outside the accounts you administer"]);
    let r = dora.cmd("GETQUOTA #carl@other.net");
    assert_eq!(r, ["t5 NO [NOPERM] carl@other.net is outside the accounts you administer"]);
    let r = dora.cmd("GETQUOTA #nobody@example.org");
    assert_eq!(r, ["t6 NO [NONEXISTENT] No such quota root #nobody@example.org: roots are # and an account name"]);
    let r = dora.cmd("SETQUOTA #bob@example.org (FOLDERS 3)");
    assert_eq!(r, ["t7 NO [CANNOT] Unsupported quota resource FOLDERS: tegami has STORAGE and MESSAGE"]);
    // A root holding CR LF (in a literal) is not echoed into the reply.
    let tag = dora.next_tag();
    dora.send(format!("{tag} GETQUOTA {{10+}}\r\n#x\r\n* BYE \r\n").as_bytes());
    assert_eq!(dora.line(), "t8 NO [NONEXISTENT] No such quota root: roots are # and an account name");
    let r = dora.cmd("SETQUOTA #bob@example.org (STORAGE 9223372036854775807)");
    assert_eq!(r, ["t9 BAD STORAGE limit too large"]);
    // Bob sees his new limits at once.
    assert_eq!(bob.ok("GETQUOTAROOT INBOX")[1], "* QUOTA #bob@example.org (STORAGE 0 2048 MESSAGE 0 10)");
    let bob_root = maildir(&server, "bob@example.org");
    assert_eq!(maildirsize(&bob_root).0, "2097152S,10C", "the maildirsize header follows");

    // The server administrator: any account, including one that never
    // logged in; carl had the --quota default.
    let mut root = login(&server, "root@admin.net");
    let r = root.cmd("GETQUOTA #carl@other.net");
    assert_eq!(r, ["* QUOTA #carl@other.net (STORAGE 0 2048 MESSAGE 0 100)", "t2 OK GETQUOTA completed"]);
    let r = root.cmd("SETQUOTA #carl@other.net (MESSAGE 1)");
    assert_eq!(r, ["* QUOTA #carl@other.net (MESSAGE 0 1)", "t3 OK SETQUOTA completed"]);

    // The limits last across a restart, taking precedence over quota_rule.
    server.restart(&["--quota", "storage=2M,messages=100"]);
    let mut carl = login(&server, "carl@other.net");
    assert_eq!(carl.ok("GETQUOTAROOT INBOX")[1], "* QUOTA #carl@other.net (MESSAGE 0 1)");
    carl.append("INBOX", "", &message(200, "one"));
    let tag = carl.next_tag();
    let m = message(200, "two");
    carl.send(format!("{tag} APPEND INBOX {{{}+}}\r\n", m.len()).as_bytes());
    carl.send(&m);
    carl.send(b"\r\n");
    assert_eq!(carl.tagged(&tag), format!("{tag} NO [OVERQUOTA] Quota exceeded"));
    let mut bob = login(&server, "bob@example.org");
    assert_eq!(bob.ok("GETQUOTAROOT INBOX")[1], "* QUOTA #bob@example.org (STORAGE 0 2048 MESSAGE 0 10)");
}
