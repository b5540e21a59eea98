//! What the proxy tests share: tegami backends on chosen loopback
//! addresses over one maildir root, the contrib/proxy files with their
//! ports and paths substituted, and a few raw clients.
#![allow(dead_code)]

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{Ipv4Addr, SocketAddr, TcpListener, TcpStream};
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

/// Accounts of every proxy test: (user, password, extra passdb fields).
pub const ACCOUNTS: &[(&str, &str, &str)] = &[
    ("alice", "wonderland", ""),
    ("bob", "builder", ""),
    // May log in from 127.0.0.6 only.
    ("carol", "singer", "allow_nets=127.0.0.6/32"),
];

/// The password of one of [`ACCOUNTS`].
pub fn password(user: &str) -> &'static str {
    ACCOUNTS.iter().find(|a| a.0 == user).expect("known account").1
}

/// A test site: a directory holding the passwd-file with SHA512-CRYPT
/// hashes, the homes every backend shares, a certificate, and the logs.
pub struct Site {
    /// The temporary directory.
    pub dir: tempfile::TempDir,
}

impl Site {
    /// Writes the accounts and a certificate for `localhost`.
    pub fn new() -> Site {
        let dir = tempfile::tempdir().expect("temp dir");
        let d = dir.path();
        // Dovecot's processes run as their own users and read the files.
        std::fs::set_permissions(d, std::fs::Permissions::from_mode(0o755)).unwrap();
        let ids = super::support::own_ids();
        let mut passwd = String::new();
        for (u, p, extra) in ACCOUNTS {
            let hash = tegami::auth::hash_password("SHA512-CRYPT", p.as_bytes()).expect("hash");
            let home = d.join("home").join(u);
            passwd.push_str(&format!("{u}:{hash}:{ids}::{}::{extra}\n", home.display()));
        }
        std::fs::write(d.join("passwd"), passwd).unwrap();
        tegami::net::write_self_signed(&["localhost", "127.0.0.1"], &d.join("cert.pem"), &d.join("key.pem")).unwrap();
        Site { dir }
    }

    /// The directory.
    pub fn path(&self) -> &Path {
        self.dir.path()
    }

    /// The certificate every server here presents.
    pub fn cert(&self) -> PathBuf {
        self.path().join("cert.pem")
    }
}

/// A tegami process; killed on drop.
pub struct Backend {
    child: Child,
    /// Its log file.
    pub log: PathBuf,
    /// Every listener as printed at start, with its description.
    pub listeners: Vec<(SocketAddr, String)>,
    /// The monitor's address, when started with one.
    pub monitor: Option<SocketAddr>,
}

impl Drop for Backend {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Backend {
    /// Starts tegami on the site's accounts with `args` (listeners among
    /// them), logging at Low-Level to `NAME.log`; waits for `listeners`
    /// listening lines.
    pub fn start(site: &Site, name: &str, args: &[&str], listeners: usize) -> Backend {
        let d = site.path();
        let log = d.join(format!("{name}.log"));
        let err = std::fs::File::create(&log).unwrap();
        let mut child = Command::new(env!("CARGO_BIN_EXE_tegami"))
            .arg("-u")
            .arg(d.join("passwd"))
            .arg("--cert")
            .arg(d.join("cert.pem"))
            .arg("--key")
            .arg(d.join("key.pem"))
            .args(["--log-level", "low-level", "--first-valid-uid", "0"])
            .args(args)
            .current_dir(d)
            .stdout(Stdio::piped())
            .stderr(err)
            .spawn()
            .expect("start tegami");
        let mut out = BufReader::new(child.stdout.take().unwrap());
        let (mut found, mut monitor) = (Vec::new(), None);
        while found.len() < listeners {
            let mut line = String::new();
            if out.read_line(&mut line).unwrap_or(0) == 0 {
                panic!("tegami {name} ended; log: {}", std::fs::read_to_string(&log).unwrap_or_default());
            }
            if let Some(rest) = line.trim_end().strip_prefix("tegami: listening on ") {
                let (addr, kind) = rest.split_once(' ').unwrap();
                found.push((addr.parse().unwrap(), kind.to_string()));
            } else if let Some(rest) = line.trim_end().strip_prefix("tegami: monitor on http://") {
                monitor = Some(rest.trim_end_matches('/').parse().unwrap());
            }
        }
        // The rest of its output is read away, so it never blocks.
        std::thread::spawn(move || std::io::copy(&mut out, &mut std::io::sink()));
        Backend { child, log, listeners: found, monitor }
    }

    /// The address of the listener whose description contains `kind`.
    pub fn addr(&self, kind: &str) -> SocketAddr {
        self.listeners.iter().find(|(_, k)| k.contains(kind)).unwrap_or_else(|| panic!("no {kind} listener")).0
    }

    /// The log so far.
    pub fn log(&self) -> String {
        std::fs::read_to_string(&self.log).unwrap_or_default()
    }

    /// The monitor's session table as JSON.
    pub fn sessions_json(&self) -> String {
        let addr = self.monitor.expect("started with --monitor");
        let mut s = TcpStream::connect(addr).unwrap();
        s.set_read_timeout(Some(Duration::from_secs(30))).unwrap();
        write!(s, "GET /sessions.json HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n").unwrap();
        let mut body = String::new();
        let _ = s.read_to_string(&mut body);
        body
    }
}

/// A port free on `ip` now (bound and let go), for the configuration
/// files of Dovecot and HAProxy, which cannot report theirs.
pub fn free_port(ip: Ipv4Addr) -> u16 {
    TcpListener::bind((ip, 0)).unwrap().local_addr().unwrap().port()
}

/// A file of contrib/proxy with each (from, to) replaced; panics when a
/// `from` is not in it, so the tests follow the file as written.
pub fn contrib(name: &str, subs: &[(&str, String)]) -> String {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("contrib/proxy").join(name);
    let mut text = std::fs::read_to_string(&path).unwrap();
    for (from, to) in subs {
        assert!(text.contains(from), "{name} no longer contains {from}");
        text = text.replace(from, to);
    }
    text
}

/// A child process killed on drop (Dovecot, HAProxy).
pub struct Daemon(pub Child);

impl Drop for Daemon {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// Waits until something listens on `addr`.
pub fn wait_listening(addr: SocketAddr) {
    super::support::eventually(&format!("a listener on {addr}"), || TcpStream::connect(addr).is_ok());
}

/// An implicit-TLS connection from the local address `src`, the greeting
/// read: lines in, commands out.
pub struct TlsFrom {
    r: BufReader<rustls::StreamOwned<rustls::ClientConnection, TcpStream>>,
    /// The greeting line.
    pub greeting: String,
}

impl TlsFrom {
    /// Connects from `src` to `addr` and runs the handshake for `localhost`.
    pub fn connect(src: Ipv4Addr, addr: SocketAddr, cert: &Path) -> TlsFrom {
        let sock = super::support::tcp_from(src, addr);
        let name = rustls::pki_types::ServerName::try_from("localhost").unwrap();
        let conn = rustls::ClientConnection::new(super::support::tls_client_config(cert), name).unwrap();
        let mut c = TlsFrom { r: BufReader::new(rustls::StreamOwned::new(conn, sock)), greeting: String::new() };
        c.greeting = c.line();
        c
    }

    /// One line, without CRLF; empty at the end.
    pub fn line(&mut self) -> String {
        let mut l = String::new();
        let _ = self.r.read_line(&mut l);
        l.trim_end().to_string()
    }

    /// Sends `tag text`; the lines up to the tagged one.
    pub fn cmd(&mut self, tag: &str, text: &str) -> Vec<String> {
        self.r.get_mut().write_all(format!("{tag} {text}\r\n").as_bytes()).unwrap();
        self.r.get_mut().flush().unwrap();
        let mut lines = Vec::new();
        loop {
            let l = self.line();
            assert!(!l.is_empty(), "closed while waiting for {tag}: {lines:?}");
            let done = l.starts_with(&format!("{tag} "));
            lines.push(l);
            if done {
                return lines;
            }
        }
    }
}
