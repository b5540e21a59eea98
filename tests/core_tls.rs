//! Issue 2, item 3: STARTTLS and implicit TLS, with our own rustls client,
//! Python's imaplib and `openssl s_client`. With TEGAMI_TLS_BACKEND=native
//! (and `--features native-tls`), every test here runs against
//! `--tls-backend native` (issue 10, item 6).

mod support;

use std::process::{Command, Output};

use support::Server;

#[test]
fn starttls_then_login_inside_tls() {
    let server = Server::start(&[]);
    let mut c = server.connect();
    c.starttls(&server.cert());
    let lines = c.ok("LOGIN alice wonderland");
    assert!(lines.last().unwrap().contains("[CAPABILITY "), "{lines:?}");
    c.ok("NOOP");
    c.ok("LOGOUT");
    assert!(c.closed());
}

#[test]
fn bytes_pipelined_after_starttls_are_discarded() {
    let server = Server::start(&[]);
    let mut c = server.connect();
    c.send(b"s1 STARTTLS\r\nx NOOP\r\n");
    let lines = c.until_tagged("s1");
    assert_eq!(lines.len(), 1, "{lines:?}");
    assert!(lines[0].starts_with("s1 OK"), "{lines:?}");
    c.tls_handshake(&server.cert());
    // Inside TLS, the `x` command is never answered: the first thing the
    // server says is the answer to our own next command.
    let after = c.cmd("NOOP");
    assert!(after.iter().all(|l| !l.starts_with("x ")), "pipelined command was run: {after:?}");
    assert_eq!(after.len(), 1, "{after:?}");
    c.ok("LOGIN alice wonderland");
    assert!(server.log().contains("dropped"), "the drop is logged: {}", server.log());
}

#[test]
fn implicit_tls_greets_and_logs_in() {
    let server = Server::start(&[]);
    let mut c = server.connect_tls();
    assert!(c.greeting.starts_with("* OK "), "{}", c.greeting);
    c.ok("LOGIN bob builder");
    c.ok("LOGOUT");
    assert!(c.closed());
}

#[test]
fn a_clear_text_client_on_the_tls_port_does_not_hurt_the_server() {
    use std::io::{Read, Write};
    let server = Server::start(&[]);
    let mut sock = std::net::TcpStream::connect(server.tls).unwrap();
    sock.set_read_timeout(Some(std::time::Duration::from_secs(30))).unwrap();
    sock.write_all(b"a LOGIN alice wonderland\r\n").unwrap();
    // The server takes our IMAP line for a bad ClientHello: no IMAP
    // greeting, at most a TLS alert, then the close.
    let mut got = Vec::new();
    let _ = sock.read_to_end(&mut got);
    assert!(!got.starts_with(b"* OK"), "{got:?}");
    server.connect_tls().ok("LOGIN alice wonderland");
    assert!(server.log().contains("TLS handshake failed"), "{}", server.log());
}

fn python(script: &str, args: &[&str]) -> Output {
    Command::new("python3").arg("-c").arg(script).args(args).output().expect("python3 runs")
}

const PY_STARTTLS: &str = r#"
import imaplib, ssl, sys
host, port, cafile = sys.argv[1], int(sys.argv[2]), sys.argv[3]
ctx = ssl.create_default_context(cafile=cafile)
m = imaplib.IMAP4(host, port)
print("before:", " ".join(m.capabilities))
m.starttls(ssl_context=ctx)
typ, data = m.login("alice", "wonderland")
assert typ == "OK", (typ, data)
typ, data = m.capability()
assert typ == "OK", (typ, data)
print("after:", data[0].decode())
print("logout:", m.logout()[0])
"#;

const PY_SSL: &str = r#"
import imaplib, ssl, sys
host, port, cafile = sys.argv[1], int(sys.argv[2]), sys.argv[3]
ctx = ssl.create_default_context(cafile=cafile)
m = imaplib.IMAP4_SSL(host, port, ssl_context=ctx)
print("before:", " ".join(m.capabilities))
typ, data = m.login("bob", "builder")
assert typ == "OK", (typ, data)
typ, data = m.capability()
print("after:", data[0].decode())
print("logout:", m.logout()[0])
"#;

fn check_python(out: Output, starttls_before: bool) {
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "python failed: {stdout}\n{}", String::from_utf8_lossy(&out.stderr));
    let before = stdout.lines().find_map(|l| l.strip_prefix("before: ")).expect(&stdout);
    assert!(before.contains("IMAP4REV1") && before.contains("AUTH=PLAIN"), "{before}");
    assert_eq!(before.contains("STARTTLS"), starttls_before, "{before}");
    let after = stdout.lines().find_map(|l| l.strip_prefix("after: ")).expect(&stdout);
    assert!(after.contains("IMAP4rev1") && !after.contains("STARTTLS"), "{after}");
    assert!(stdout.contains("logout: BYE"), "{stdout}");
}

#[test]
fn python_imaplib_with_starttls() {
    let server = Server::start(&[]);
    let port = server.plain.port().to_string();
    let cert = server.cert();
    check_python(python(PY_STARTTLS, &["localhost", &port, cert.to_str().unwrap()]), true);
}

#[test]
fn python_imaplib_with_implicit_tls() {
    let server = Server::start(&[]);
    let port = server.tls.port().to_string();
    let cert = server.cert();
    check_python(python(PY_SSL, &["localhost", &port, cert.to_str().unwrap()]), false);
}

/// Runs `openssl s_client` with a script on its standard input; the final
/// LOGOUT makes the server close, which ends s_client (`-quiet` implies
/// `-ign_eof`). `timeout` guards against a hang.
fn s_client(addr: std::net::SocketAddr, cert: &std::path::Path, starttls: bool) -> String {
    use std::io::Write;
    let mut cmd = Command::new("timeout");
    cmd.args(["60", "openssl", "s_client", "-quiet", "-verify_return_error", "-verify_hostname", "localhost"])
        .arg("-CAfile")
        .arg(cert)
        .arg("-connect")
        .arg(addr.to_string());
    if starttls {
        cmd.args(["-starttls", "imap"]);
    }
    let mut child = cmd
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("openssl runs");
    child
        .stdin
        .take()
        .unwrap()
        .write_all(b"a CAPABILITY\r\nb LOGIN alice wonderland\r\nc CAPABILITY\r\nd LOGOUT\r\n")
        .unwrap();
    let out = child.wait_with_output().unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    assert!(out.status.success(), "s_client: {stdout}\n{}", String::from_utf8_lossy(&out.stderr));
    stdout
}

fn check_s_client(out: &str) {
    let caps: Vec<&str> = out.lines().filter(|l| l.starts_with("* CAPABILITY ")).collect();
    assert_eq!(caps.len(), 2, "{out}");
    assert!(caps[0].contains("AUTH=PLAIN") && !caps[0].contains("STARTTLS"), "{out}");
    assert!(!caps[1].contains("AUTH=PLAIN"), "{out}");
    for tag in ["a", "b", "c", "d"] {
        assert!(out.lines().any(|l| l.starts_with(&format!("{tag} OK"))), "{tag} not OK: {out}");
    }
}

#[test]
fn openssl_s_client_with_starttls() {
    let server = Server::start(&[]);
    check_s_client(&s_client(server.plain, &server.cert(), true));
}

#[test]
fn openssl_s_client_with_implicit_tls() {
    let server = Server::start(&[]);
    let out = s_client(server.tls, &server.cert(), false);
    assert!(out.starts_with("* OK [CAPABILITY "), "{out}");
    check_s_client(&out);
}

#[test]
fn the_tls_backend_asked_for_is_the_one_that_answers() {
    let server = Server::start(&["--log-level", "all-info"]);
    let mut c = server.connect_tls();
    c.ok("LOGOUT");
    let mut c = server.connect();
    c.starttls(&server.cert());
    c.ok("LOGOUT");
    let native = std::env::var("TEGAMI_TLS_BACKEND").is_ok_and(|b| b == "native");
    let want = if native { "with TLS native-tls" } else { "with TLS TLSv1_3" };
    let started = if native { "TLS started: native-tls" } else { "TLS started: TLSv1_3" };
    let log = server.log();
    assert!(log.contains(want) && log.contains(started), "{log}");
}
