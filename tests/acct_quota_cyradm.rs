//! Issue 8, must-show item 9: a real, packaged client program shows the
//! quota. Cyrus's `cyradm` speaks standard
//! IMAP QUOTA to any server: `listquotaroot` (GETQUOTAROOT) and
//! `listquota` (GETQUOTA) print the root with "used/limit (percent%)".
//!
//! cyradm is the shell of the Perl module Cyrus::IMAP::Shell (Debian's
//! libcyrus-imap-perl); `/usr/bin/cyradm` of the cyrus-admin package only
//! calls it, and that package would bring the Cyrus server and an MTA
//! along, so the test runs the module's shell with perl directly.
//!
//! cyradm reads only a QUOTA answer with a single resource (its pattern
//! is `(NAME USED LIMIT)`), so the account has a storage limit alone.

mod support;

use std::io::Write;
use std::path::Path;
use std::process::{Command, Stdio};

use support::{Client, Server};

fn passwd(d: &Path) {
    let hash = tegami::auth::hash_password("SHA512-CRYPT", b"alice-pw").unwrap();
    let home = d.join("home").join("alice@example.org");
    let line = format!(
        "alice@example.org:{hash}:{}::{}::userdb_quota_rule=*:storage=1M\n",
        support::own_ids(),
        home.display()
    );
    std::fs::write(d.join("passwd"), line).unwrap();
}

/// Runs cyradm against the server with `commands` on its standard input
/// and returns what it printed.
fn cyradm(server: &Server, commands: &str) -> String {
    let port = server.plain.port().to_string();
    let mut cmd = Command::new("perl");
    cmd.args([
        "-MCyrus::IMAP::Shell",
        "-e",
        "shell",
        "--",
        "--norc",
        "--tlskey",
        "--cafile",
        server.cert().to_str().unwrap(),
        "--auth",
        "PLAIN",
        "--user",
        "alice@example.org",
        "--password",
        "alice-pw",
        "--port",
        &port,
        "127.0.0.1",
    ])
    // Nothing of the developer's own (~/.cyradmrc.pl) comes in.
    .env("HOME", server.dir.path())
    .stdin(Stdio::piped())
    .stdout(Stdio::piped())
    .stderr(Stdio::piped());
    let mut child = cmd
        .spawn()
        .unwrap_or_else(|e| panic!("cannot run cyradm: {e} (bash contrib/test installs libcyrus-imap-perl)"));
    child.stdin.take().unwrap().write_all(commands.as_bytes()).unwrap();
    let out = child.wait_with_output().unwrap();
    let stdout = String::from_utf8(out.stdout).unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "cyradm failed: {stdout}{stderr}");
    assert!(stderr.is_empty(), "cyradm complained: {stderr}");
    stdout
}

/// A message of exactly `size` octets.
fn message(size: usize) -> Vec<u8> {
    let mut msg = b"Subject: quota\r\n\r\n".to_vec();
    msg.resize(size, b'x');
    msg
}

fn append(c: &mut Client, size: usize) {
    let r = c.append("INBOX", "", &message(size));
    assert!(r.last().unwrap().contains("OK"), "{r:?}");
}

/// What cyradm prints for `listquotaroot INBOX` and `listquota ROOT`, with
/// its prompt before each command and at the end of its input.
fn shown(used_kib: u32) -> String {
    let pct = format!("{}", f64::from(used_kib) * 100.0 / 1024.0);
    format!(
        "127.0.0.1> #alice@example.org STORAGE {used_kib}/1024 ({pct}%)\n\
         127.0.0.1>  STORAGE {used_kib}/1024 ({pct}%)\n\
         127.0.0.1> "
    )
}

/// The account's limit is 1M (`*:storage=1M`): cyradm shows 1024 KiB, and
/// the usage follows APPEND and EXPUNGE.
#[test]
fn cyradm_shows_the_quota_after_append_and_expunge() {
    // The password goes only over TLS: cyradm starts TLS (--tlskey with
    // no key) and the server refuses clear-text logins.
    let server = Server::start_with(&["--no-cleartext-login"], passwd);
    let commands = "listquotaroot INBOX\nlistquota #alice@example.org\n";
    assert_eq!(cyradm(&server, commands), shown(0));

    let mut c = server.connect_tls();
    c.ok("LOGIN alice@example.org alice-pw");
    append(&mut c, 300 * 1024);
    append(&mut c, 100 * 1024);
    let out = cyradm(&server, commands);
    assert_eq!(out, shown(400));
    assert!(out.contains("STORAGE 400/1024 (39.0625%)"), "{out}");

    c.select("INBOX");
    c.ok("STORE 1 +FLAGS (\\Deleted)");
    c.ok("EXPUNGE");
    let out = cyradm(&server, commands);
    assert_eq!(out, shown(100));
    assert!(out.contains("STORAGE 100/1024 (9.765625%)"), "{out}");
}
