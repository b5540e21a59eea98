//! Helpers shared by the S/MIME tests (tests/smime_*.rs): a server whose
//! accounts have SHA512-CRYPT hashes, recipient certificates and keys made
//! at run time with openssl, and decryption of fetched copies by openssl.
#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use std::io::Write;

pub use crate::support::{Client, Server};

/// The accounts: (user, password); stored as SHA512-CRYPT.
pub const ACCOUNTS: &[(&str, &str)] = &[("alice", "wonderland"), ("bob", "builder")];

/// Starts a server whose passwd-file holds SHA512-CRYPT hashes, homes and
/// a Dovecot extra field, as an administrator's would.
pub fn start() -> Server {
    Server::start_with(&[], |d| {
        crate::support::write_hashed_passwd(d, ACCOUNTS);
    })
}

/// A logged-in client of an account of [`ACCOUNTS`].
pub fn login(server: &Server, user: &str) -> Client {
    let mut c = server.connect();
    let pw = ACCOUNTS.iter().find(|(u, _)| *u == user).expect("known user").1;
    c.ok(&format!("LOGIN {user} {pw}"));
    c
}

/// A recipient: certificate and private key files (PEM).
pub struct Keys {
    /// The certificate.
    pub cert: PathBuf,
    /// The private key.
    pub key: PathBuf,
}

/// Runs openssl with `args`; panics with its stderr when it fails.
pub fn openssl(args: &[&str]) -> Vec<u8> {
    let out = Command::new("openssl").args(args).output().expect("openssl is installed (contrib/test)");
    assert!(out.status.success(), "openssl {args:?}: {}", String::from_utf8_lossy(&out.stderr));
    out.stdout
}

/// A self-signed certificate for `cn` with a fresh key made by openssl:
/// `kind` is `"rsa"` (2048 bits) or `"ec"` (P-256); `ext` are extra
/// `-addext` values (e.g. `keyUsage=digitalSignature`).
pub fn make_keys(dir: &Path, name: &str, kind: &str, ext: &[&str]) -> Keys {
    let cert = dir.join(format!("{name}.crt"));
    let key = dir.join(format!("{name}.key"));
    let subj = format!("/CN={name}/emailAddress={name}@example.org");
    let mut args = vec!["req", "-x509", "-nodes", "-days", "30", "-subj", &subj];
    match kind {
        "rsa" => args.extend(["-newkey", "rsa:2048"]),
        "ec" => args.extend(["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256"]),
        other => panic!("unknown key kind {other}"),
    }
    for e in ext {
        args.extend(["-addext", e]);
    }
    let (c, k) = (cert.to_str().unwrap().to_string(), key.to_str().unwrap().to_string());
    args.extend(["-keyout", &k, "-out", &c]);
    openssl(&args);
    Keys { cert, key }
}

/// The base64 body of a PEM file, on one line: what a client sends after
/// ENCRYPTED.
pub fn base64_of(pem: &Path) -> String {
    let text = std::fs::read_to_string(pem).unwrap();
    text.lines().filter(|l| !l.starts_with("-----")).collect()
}

/// Decrypts a fetched S/MIME message with openssl (`cms -decrypt`, the
/// whole message as input); returns the plaintext.
pub fn decrypt(keys: &Keys, message: &[u8]) -> Vec<u8> {
    let mut child = Command::new("openssl")
        .args(["cms", "-decrypt", "-inform", "SMIME", "-binary", "-inkey"])
        .arg(&keys.key)
        .arg("-recip")
        .arg(&keys.cert)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("openssl");
    child.stdin.take().unwrap().write_all(message).unwrap();
    let out = child.wait_with_output().unwrap();
    assert!(out.status.success(), "openssl cms -decrypt: {}", String::from_utf8_lossy(&out.stderr));
    out.stdout
}

/// The literal of the first `BODY[]` in a FETCH response (raw bytes).
pub fn body_of(response: &[u8]) -> Vec<u8> {
    let open = response.windows(7).position(|w| w == b"BODY[] ").expect("BODY[] in the response") + 7;
    assert_eq!(response[open], b'{', "BODY[] is a literal");
    let close = open + response[open..].iter().position(|&b| b == b'}').unwrap();
    let n: usize = std::str::from_utf8(&response[open + 1..close]).unwrap().parse().unwrap();
    response[close + 3..close + 3 + n].to_vec()
}

/// Every message of `mailbox` as (UID, FLAGS text, INTERNALDATE text,
/// BODY[] bytes), in UID order; selects the mailbox.
pub fn fetch_all(c: &mut Client, mailbox: &str) -> Vec<(u32, String, String, Vec<u8>)> {
    c.ok(&format!("SELECT {mailbox}"));
    let mut out = Vec::new();
    for r in c.cmd_bytes("UID FETCH 1:* (UID FLAGS INTERNALDATE BODY.PEEK[])") {
        if !r.starts_with(b"* ") {
            continue;
        }
        let text = String::from_utf8_lossy(&r).into_owned();
        let uid: u32 = text.split("UID ").nth(1).unwrap().split([' ', ')']).next().unwrap().parse().unwrap();
        let flags = text.split("FLAGS (").nth(1).unwrap().split(')').next().unwrap().to_string();
        let date = text.split("INTERNALDATE \"").nth(1).unwrap().split('"').next().unwrap().to_string();
        out.push((uid, flags, date, body_of(&r)));
    }
    out
}

/// The header block of a message (up to the blank line) as text.
pub fn header_of(msg: &[u8]) -> String {
    let end = msg.windows(4).position(|w| w == b"\r\n\r\n").expect("a header block") + 4;
    String::from_utf8_lossy(&msg[..end]).into_owned()
}

/// The body of a message (after the blank line).
pub fn body_after_header(msg: &[u8]) -> &[u8] {
    let end = msg.windows(4).position(|w| w == b"\r\n\r\n").expect("a header block") + 4;
    &msg[end..]
}

/// Runs `tegami smime -u PASSWD ACCOUNT args...` against the server's
/// passwd-file; returns (success, stdout, stderr).
pub fn admin(server: &Server, account: &str, args: &[&str]) -> (bool, String, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_tegami"))
        .arg("smime")
        .arg("-u")
        .arg(server.dir.path().join("passwd"))
        .arg(account)
        .args(args)
        .output()
        .expect("run tegami smime");
    (
        out.status.success(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// A test message with distinctive words in its header and body; some
/// lines long, one with 8-bit bytes, so that byte-for-byte matters.
pub fn original(i: usize) -> Vec<u8> {
    let mut m = format!(
        "Return-Path: <carol@example.org>\r\n\
         Received: from mx.example.org by mail.example.org; Tue, 1 Dec 2026 10:00:{:02} +0000\r\n\
         Date: Tue, 1 Dec 2026 10:00:{:02} +0000\r\n\
         From: Carol <carol@example.org>\r\n\
         To: Alice <alice@example.org>\r\n\
         Cc: Dave <dave@example.org>\r\n\
         Subject: Quarterly numbers {i}\r\n\
         Message-ID: <q{i}@example.org>\r\n\
         X-Secret-Header: hidden-header-{i}\r\n\
         \r\n\
         The zanzibar figures for quarter {i} are attached.\r\n",
        i % 60,
        i % 60
    )
    .into_bytes();
    m.extend_from_slice(b"Caf\xc3\xa9 na\xefve 8-bit line\r\n");
    m.extend_from_slice(format!("{}\r\n", "x".repeat(300)).as_bytes());
    m.extend_from_slice(b"No final line end");
    m
}
