//! Issue 10, item 2: COMPRESS=DEFLATE (RFC 4978) with Python's imaplib
//! (wrapped in zlib's raw deflate), in clear text and under TLS, through
//! IDLE and a 25 MB APPEND; and with offlineimap's `usecompression`.

mod support;

use std::io::{Read, Write};
use std::process::{Command, Output};

use support::Server;

/// imaplib with a raw-deflate wrapper switched on by `compress()`; then a
/// second COMPRESS, a 25 MB APPEND fetched back, and IDLE woken by another
/// session's APPEND, all through the compressed stream.
const PY_COMPRESS: &str = r#"
import base64, hashlib, imaplib, os, ssl, sys
host, port, mode, cafile = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4]
from deflate_imap import wrapped

if mode == "tls":
    ctx = ssl.create_default_context(cafile=cafile)
    m = wrapped(imaplib.IMAP4_SSL)(host, port, ssl_context=ctx)
else:
    m = wrapped(imaplib.IMAP4)(host, port)
assert "COMPRESS=DEFLATE" in m.capabilities, m.capabilities
m.login("alice", "wonderland")
m.compress()
typ, data = m._simple_command("COMPRESS", "DEFLATE")
print("second:", typ, data[0].decode())
typ, data = m.select("INBOX")
assert typ == "OK", (typ, data)

body = base64.encodebytes(os.urandom(19 * 1024 * 1024)).replace(b"\n", b"\r\n")
msg = b"Subject: big\r\nFrom: a@example.com\r\n\r\n" + body
assert len(msg) > 25 * 1000 * 1000, len(msg)
typ, data = m.append("INBOX", None, None, msg)
assert typ == "OK", (typ, data)
print("append:", len(msg), data[0].decode())
typ, data = m.fetch("1", "(BODY.PEEK[])")
assert typ == "OK", (typ, data)
got = data[0][1]
print("fetched:", len(got), hashlib.sha256(got).hexdigest() == hashlib.sha256(msg).hexdigest())

other = imaplib.IMAP4(host, int(sys.argv[5]))
other.login("alice", "wonderland")
tag = m._new_tag()
m.send(tag + b" IDLE\r\n")
print("idle:", m.readline().decode().strip())
other.append("INBOX", None, None, b"Subject: small\r\n\r\nhello\r\n")
while True:
    line = m.readline().decode().strip()
    if line.endswith("EXISTS"):
        print("woken:", line)
        break
m.send(b"DONE\r\n")
while True:
    line = m.readline().decode().strip()
    if line.startswith(tag.decode() + " "):
        print("done:", line)
        break
other.logout()
print("wire:", m.wire_in, m.wire_out)
print("logout:", m.logout()[0])
"#;

fn python(server: &Server, mode: &str) -> String {
    let port = if mode == "tls" { server.tls.port() } else { server.plain.port() };
    let out: Output = Command::new("python3")
        .env("PYTHONPATH", support::python_path())
        .env("PYTHONDONTWRITEBYTECODE", "1")
        .arg("-c")
        .arg(PY_COMPRESS)
        .args(["localhost", &port.to_string(), mode])
        .arg(server.cert())
        .arg(server.plain.port().to_string())
        .output()
        .expect("python3 runs");
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    assert!(out.status.success(), "python failed: {stdout}\n{}", String::from_utf8_lossy(&out.stderr));
    println!("{mode}: {stdout}");
    stdout
}

fn check(stdout: &str) {
    let field = |name: &str| {
        stdout.lines().find_map(|l| l.strip_prefix(name)).unwrap_or_else(|| panic!("no {name}: {stdout}")).to_string()
    };
    assert_eq!(field("compress: "), "OK DEFLATE active");
    assert_eq!(field("second: "), "NO [COMPRESSIONACTIVE] DEFLATE is already active");
    assert!(field("append: ").contains("[APPENDUID "), "{stdout}");
    assert!(field("fetched: ").ends_with(" True"), "{stdout}");
    assert_eq!(field("idle: "), "+ idling");
    assert_eq!(field("woken: "), "* 2 EXISTS");
    assert!(field("done: ").ends_with("OK IDLE terminated"), "{stdout}");
    // The 25 MB went both ways through the deflate stream: base64 text
    // shrinks, so fewer octets crossed the wire than the message holds.
    let wire: Vec<u64> = field("wire: ").split(' ').map(|n| n.parse().unwrap()).collect();
    assert!(wire[0] < 25_000_000 && wire[1] < 25_000_000, "{wire:?}");
    assert_eq!(field("logout: "), "BYE");
}

#[test]
fn python_imaplib_through_compress_in_clear_text() {
    let server = Server::start_hashed(&[]);
    check(&python(&server, "plain"));
    assert!(server.log().contains("COMPRESS DEFLATE"), "{}", server.log());
}

#[test]
fn python_imaplib_through_compress_under_tls() {
    let server = Server::start_hashed(&[]);
    check(&python(&server, "tls"));
}

#[test]
fn compress_answers_exactly_and_only_after_login() {
    let server = Server::start_hashed(&[]);
    let mut c = server.connect();
    assert_eq!(c.cmd("COMPRESS DEFLATE"), ["t1 BAD COMPRESS needs a logged-in session: LOGIN first"]);
    c.ok("LOGIN alice wonderland");
    assert_eq!(c.cmd("COMPRESS LZMA"), ["t3 BAD Unknown compression mechanism LZMA (only DEFLATE)"]);
    assert_eq!(c.cmd("COMPRESS DEFLATE"), ["t4 OK DEFLATE active"]);
    // From here on both directions are raw deflate (flate2 plays the client).
    let Some(support::Conn::Plain(sock)) = Some(c.r.get_ref()) else { unreachable!() };
    let mut sock = sock.try_clone().unwrap();
    let mut out = flate2::Compress::new(flate2::Compression::default(), false);
    let mut wire = Vec::with_capacity(256);
    out.compress_vec(b"z1 COMPRESS DEFLATE\r\nz2 NOOP\r\n", &mut wire, flate2::FlushCompress::Sync).unwrap();
    sock.write_all(&wire).unwrap();
    let mut inflate = flate2::Decompress::new(false);
    let mut text = Vec::with_capacity(4096);
    let mut buf = [0u8; 4096];
    while !text.ends_with(b"z2 OK NOOP completed\r\n") {
        let n = sock.read(&mut buf).unwrap();
        assert!(n > 0, "closed: {}", String::from_utf8_lossy(&text));
        inflate.decompress_vec(&buf[..n], &mut text, flate2::FlushDecompress::None).unwrap();
    }
    // What was inflated goes to the independent parser too (issue 21).
    support::grammar::responses(&text);
    assert_eq!(
        String::from_utf8_lossy(&text),
        "z1 NO [COMPRESSIONACTIVE] DEFLATE is already active\r\nz2 OK NOOP completed\r\n"
    );
}

#[test]
fn offlineimap_syncs_through_compress() {
    let server = Server::start_hashed(&[]);
    let mut c = server.login("alice");
    let mut msgs = Vec::new();
    for i in 1..=3 {
        let m = format!(
            "From: a@example.com\r\nSubject: m{i}\r\nMessage-ID: <m{i}@example.com>\r\n\r\n{}\r\n",
            "body ".repeat(2000 * i)
        );
        assert!(c.append("INBOX", "", m.as_bytes()).last().unwrap().contains(" OK "));
        msgs.push(m);
    }
    c.ok("LOGOUT");
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path().display();
    let conf = dir.path().join("offlineimaprc");
    std::fs::write(
        &conf,
        format!(
            "[general]\naccounts = t\nmetadata = {d}/meta\n\n[Account t]\nlocalrepository = L\nremoterepository = R\n\n\
             [Repository L]\ntype = Maildir\nlocalfolders = {d}/mail\n\n\
             [Repository R]\ntype = IMAP\nremotehost = 127.0.0.1\nremoteport = {}\nremoteuser = alice\n\
             remotepass = wonderland\nssl = no\nstarttls = no\nusecompression = yes\n\
             folderfilter = lambda f: f == 'INBOX'\n",
            server.plain.port()
        ),
    )
    .unwrap();
    let run = |what: &str| {
        let out = Command::new("timeout")
            .args(["120", "offlineimap", "-c", conf.to_str().unwrap(), "-o", "-u", "quiet"])
            .output()
            .expect("offlineimap runs");
        assert!(
            out.status.success(),
            "offlineimap ({what}): {}\n{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
    };
    run("first sync");
    let mut local: Vec<Vec<u8>> = Vec::new();
    for sub in ["cur", "new"] {
        for e in std::fs::read_dir(dir.path().join("mail/INBOX").join(sub)).unwrap() {
            local.push(std::fs::read(e.unwrap().path()).unwrap());
        }
    }
    local.sort_by_key(|m| m.len());
    assert_eq!(local.len(), 3);
    for (got, want) in local.iter().zip(&msgs) {
        // offlineimap stores messages with LF line ends.
        assert!(got == want.replace("\r\n", "\n").as_bytes(), "message of {} octets differs", want.len());
    }
    // A message made locally goes up through the compressed stream too.
    let new = dir.path().join("mail/INBOX/new/1700000000.local.host");
    std::fs::write(&new, "From: b@example.com\r\nSubject: up\r\nMessage-ID: <up@example.com>\r\n\r\nup\r\n").unwrap();
    run("second sync");
    let mut c = server.login("alice");
    let lines = c.ok("SELECT INBOX");
    assert!(lines.iter().any(|l| l == "* 4 EXISTS"), "{lines:?}");
    let log = server.log();
    assert!(log.matches("COMPRESS DEFLATE").count() >= 2, "{log}");
    assert!(!log.contains("bad deflate data"), "{log}");
}
