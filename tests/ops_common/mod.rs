//! Helpers for the operations tests (tests/ops_*.rs): a server started with
//! `--monitor` on a free loopback port, accounts with hashed passwords (one
//! server administrator), and a small HTTP client.
#![allow(dead_code)]

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use crate::support::{Client, Conn};

/// Accounts: (user, password, extra fields). alice administers the server.
pub const ACCOUNTS: &[(&str, &str, &str)] =
    &[("alice", "wonderland", "tegami_admin=server"), ("bob", "builder", "quota_rule=*:storage=1G")];

/// A running server with its monitor; killed when dropped.
pub struct Ops {
    /// The process.
    pub child: Child,
    /// passwd, certificate, homes, log.
    pub dir: tempfile::TempDir,
    /// Clear-text IMAP.
    pub plain: SocketAddr,
    /// Implicit-TLS IMAP.
    pub tls: SocketAddr,
    /// The monitor's HTTP listener.
    pub monitor: SocketAddr,
    /// The credentials [`Ops::get`] sends: alice's with `--monitor-auth`.
    pub admin: Option<(&'static str, &'static str)>,
}

impl Drop for Ops {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Writes the passwd-file and certificate into `d`.
pub fn prepare(d: &Path) {
    let mut passwd = String::new();
    for (u, p, extra) in ACCOUNTS {
        let hash = tegami::auth::hash_password("SHA512-CRYPT", p.as_bytes()).unwrap();
        let home = d.join("home").join(u);
        // The test process's own ids, served as they are with --first-valid-uid 0.
        // SAFETY: getuid and getgid have no preconditions.
        let ids = unsafe { format!("{}:{}", libc::getuid(), libc::getgid()) };
        passwd.push_str(&format!("{u}:{hash}:{ids}::{}::{extra}\n", home.display()));
    }
    std::fs::write(d.join("passwd"), passwd).unwrap();
    tegami::net::write_self_signed(&["localhost", "127.0.0.1"], &d.join("cert.pem"), &d.join("key.pem")).unwrap();
}

impl Ops {
    /// Starts tegami with `--monitor 127.0.0.1:0` and `extra` flags, after
    /// `seed` has had a chance to fill the directory.
    pub fn start_with(extra: &[&str], seed: impl FnOnce(&Path)) -> Ops {
        let dir = tempfile::tempdir().unwrap();
        let d = dir.path();
        prepare(d);
        seed(d);
        let log = std::fs::File::create(d.join("log")).unwrap();
        let p = |f: &str| d.join(f).to_str().unwrap().to_string();
        let mut args: Vec<String> = ["-l", "127.0.0.1:0", "-L", "127.0.0.1:0", "--monitor", "127.0.0.1:0"]
            .iter()
            .map(|s| s.to_string())
            .collect();
        args.extend(["--cert".into(), p("cert.pem"), "--key".into(), p("key.pem"), "-u".into(), p("passwd")]);
        args.extend(["--first-valid-uid".into(), "0".into()]);
        if !extra.contains(&"--log-level") {
            args.extend(["--log-level".into(), "low-level".into()]);
        }
        args.extend(extra.iter().map(|s| s.to_string()));
        let mut child =
            Command::new(env!("CARGO_BIN_EXE_tegami")).args(&args).stdout(Stdio::piped()).stderr(log).spawn().unwrap();
        let out = BufReader::new(child.stdout.take().unwrap());
        let (mut plain, mut tls, mut monitor) = (None, None, None);
        for line in out.lines() {
            let Ok(line) = line else { break };
            if let Some(rest) = line.strip_prefix("tegami: monitor on http://") {
                monitor = Some(rest.trim_end_matches('/').parse().unwrap());
            } else if let Some(rest) = line.strip_prefix("tegami: listening on ") {
                let (a, kind) = rest.split_once(' ').unwrap();
                if kind == "(TLS)" {
                    tls = Some(a.parse().unwrap());
                } else {
                    plain = Some(a.parse().unwrap());
                }
            }
            if plain.is_some() && tls.is_some() {
                break;
            }
        }
        let log = std::fs::read_to_string(d.join("log")).unwrap_or_default();
        let (Some(plain), Some(tls), Some(monitor)) = (plain, tls, monitor) else { panic!("did not start: {log}") };
        let admin = extra.contains(&"--monitor-auth").then_some(("alice", "wonderland"));
        Ops { child, dir, plain, tls, monitor, admin }
    }

    /// Starts tegami with `--monitor` and `extra`.
    pub fn start(extra: &[&str]) -> Ops {
        Ops::start_with(extra, |_| {})
    }

    /// The server's log so far.
    pub fn log(&self) -> String {
        std::fs::read_to_string(self.dir.path().join("log")).unwrap_or_default()
    }

    /// The certificate's path.
    pub fn cert(&self) -> PathBuf {
        self.dir.path().join("cert.pem")
    }

    /// A clear-text client, greeting read.
    pub fn connect(&self) -> Client {
        Client::plain(self.plain)
    }

    /// A logged-in clear-text client.
    pub fn login(&self, user: &str) -> Client {
        let pw = ACCOUNTS.iter().find(|a| a.0 == user).unwrap().1;
        let mut c = self.connect();
        c.ok(&format!("LOGIN {user} {pw}"));
        c
    }

    /// `GET path` on the monitor, as alice with `--monitor-auth`.
    pub fn get(&self, path: &str) -> (u16, String) {
        http(self.monitor, "GET", path, self.admin)
    }

    /// `GET path`, expecting 200; the body.
    pub fn get_ok(&self, path: &str) -> String {
        let (status, body) = self.get(path);
        assert_eq!(status, 200, "GET {path}: {body}");
        body
    }

    /// `/sessions.json`, parsed.
    pub fn sessions(&self) -> Vec<serde_json::Value> {
        serde_json::from_str::<serde_json::Value>(&self.get_ok("/sessions.json")).unwrap().as_array().unwrap().clone()
    }

    /// Sends a signal to the server.
    pub fn signal(&self, sig: i32) {
        // SAFETY: kill(2) on our own child's pid.
        assert_eq!(unsafe { libc::kill(self.child.id() as i32, sig) }, 0);
    }

    /// Runs `tegami ARGS` (an administration subcommand); status, stdout,
    /// stderr.
    pub fn admin(&self, args: &[&str], password: Option<&str>) -> (i32, String, String) {
        let mut c = Command::new(env!("CARGO_BIN_EXE_tegami"));
        c.args(args).env_remove("TEGAMI_MONITOR_PASSWORD");
        if let Some(p) = password {
            c.env("TEGAMI_MONITOR_PASSWORD", p);
        }
        let out = c.output().unwrap();
        (
            out.status.code().unwrap_or(-1),
            String::from_utf8_lossy(&out.stdout).into_owned(),
            String::from_utf8_lossy(&out.stderr).into_owned(),
        )
    }
}

/// One HTTP/1.1 request as `tegami kick` sends it (Host the monitor's
/// address, POST with the X-Tegami-Monitor header); the status and body.
pub fn http(addr: SocketAddr, method: &str, path: &str, auth: Option<(&str, &str)>) -> (u16, String) {
    let mut headers = vec![format!("Host: {addr}")];
    if method == "POST" {
        headers.push("X-Tegami-Monitor: 1".into());
        headers.push("Content-Length: 0".into());
    }
    if let Some(a) = auth {
        headers.push(basic(a));
    }
    let headers: Vec<&str> = headers.iter().map(String::as_str).collect();
    raw_http(addr, method, path, &headers)
}

/// The Authorization header of `(user, password)`.
pub fn basic((u, p): (&str, &str)) -> String {
    use base64::Engine;
    format!("Authorization: Basic {}", base64::engine::general_purpose::STANDARD.encode(format!("{u}:{p}")))
}

/// One HTTP/1.1 request with exactly these header lines; the status
/// (0 when the connection was closed unanswered) and body.
pub fn raw_http(addr: SocketAddr, method: &str, path: &str, headers: &[&str]) -> (u16, String) {
    raw_http_on(TcpStream::connect(addr).unwrap(), method, path, headers)
}

/// [`raw_http`] on a connection already made (e.g. from 127.0.0.2).
pub fn raw_http_on(mut s: TcpStream, method: &str, path: &str, headers: &[&str]) -> (u16, String) {
    s.set_read_timeout(Some(Duration::from_secs(60))).unwrap();
    let mut req = format!("{method} {path} HTTP/1.1\r\nConnection: close\r\n");
    for h in headers {
        req.push_str(h);
        req.push_str("\r\n");
    }
    req.push_str("\r\n");
    // A refused connection shows as status 0.
    let _ = s.write_all(req.as_bytes());
    let mut answer = Vec::new();
    let _ = s.read_to_end(&mut answer);
    let text = String::from_utf8_lossy(&answer).into_owned();
    let (head, body) = text.split_once("\r\n\r\n").unwrap_or((&text, ""));
    let status = head.split(' ').nth(1).and_then(|s| s.parse().ok()).unwrap_or(0);
    (status, body.to_string())
}

/// The client's own port (the row's port in the table).
pub fn local_port(c: &Client) -> u16 {
    match c.r.get_ref() {
        Conn::Plain(s) => s.local_addr().unwrap().port(),
        Conn::Tls(t) => t.sock.local_addr().unwrap().port(),
    }
}

/// The row of the session on client port `port`.
pub fn row(rows: &[serde_json::Value], port: u16) -> Option<serde_json::Value> {
    rows.iter().find(|r| r["port"] == port).cloned()
}

/// The log tag of the session that logged a line containing `marker`.
pub fn tag_of(log: &str, marker: &str) -> Option<String> {
    log.lines()
        .filter(|l| l.contains(marker))
        .find_map(|l| l.split_whitespace().find(|w| w.starts_with("IMAP-")).map(str::to_string))
}
