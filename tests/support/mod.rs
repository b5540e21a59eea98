//! Shared helpers for the integration tests: start the real `tegami` binary
//! on ephemeral loopback ports with a temporary maildir and passwd-file, and
//! talk to it with a scripted raw client over TCP or TLS.
#![allow(dead_code)]

pub mod dovecot;
pub mod grammar;

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::time::Duration;

/// A running server; killed when dropped, even when the test fails.
pub struct Server {
    child: Child,
    /// The temporary directory holding passwd, certificates, maildirs, log.
    pub dir: tempfile::TempDir,
    /// The clear-text listener.
    pub plain: SocketAddr,
    /// The implicit-TLS listener.
    pub tls: SocketAddr,
}

/// Accounts every test server has: (user, password).
pub const USERS: &[(&str, &str)] = &[("alice", "wonderland"), ("bob", "builder")];

impl Server {
    /// Starts a server with the default accounts and extra flags.
    pub fn start(extra: &[&str]) -> Server {
        Server::start_with(extra, |_| {})
    }

    /// Starts a server after `prepare` has had a chance to fill the
    /// directory (passwd-file at `dir/passwd`, homes at `dir/home/USER`).
    pub fn start_with(extra: &[&str], prepare: impl FnOnce(&Path)) -> Server {
        Server::start_in(tempfile::tempdir().expect("temp dir"), extra, prepare)
    }

    /// A second server process serving `first`'s homes (two processes on
    /// one maildir tree).
    pub fn start_beside(first: &Server, extra: &[&str]) -> Server {
        let home = first.dir.path().join("home");
        Server::start_with(extra, move |d| {
            let mut passwd = String::new();
            for (u, p) in USERS {
                passwd.push_str(&format!("{u}:{{PLAIN}}{p}:{}::{}::\n", own_ids(), home.join(u).display()));
            }
            std::fs::write(d.join("passwd"), passwd).unwrap();
        })
    }

    /// [`Server::start`] with the accounts as an administrator writes them
    /// (SHA512-CRYPT hashes, see [`write_hashed_passwd`]): for tests of
    /// real clients, which must not pass only with `{PLAIN}` secrets.
    pub fn start_hashed(extra: &[&str]) -> Server {
        Server::start_with(extra, |d| write_hashed_passwd(d, USERS))
    }

    /// [`Server::start_with`] in a temporary directory made by the caller.
    pub fn start_in(dir: tempfile::TempDir, extra: &[&str], prepare: impl FnOnce(&Path)) -> Server {
        let d = dir.path();
        let mut passwd = String::new();
        for (u, p) in USERS {
            passwd.push_str(&format!("{u}:{{PLAIN}}{p}:{}::{}::\n", own_ids(), d.join("home").join(u).display()));
        }
        std::fs::write(d.join("passwd"), passwd).unwrap();
        tegami::net::write_self_signed(&["localhost", "127.0.0.1"], &d.join("cert.pem"), &d.join("key.pem")).unwrap();
        prepare(d);
        let (child, plain, tls) = spawn_on(d, extra);
        Server { child, plain, tls, dir }
    }

    /// Like [`Server::start`], with the binary run under `wrapper` (e.g.
    /// `prlimit --nofile=1024:4096 --`).
    pub fn start_wrapped(wrapper: &[&str], extra: &[&str]) -> Server {
        let dir = tempfile::tempdir().expect("temp dir");
        let d = dir.path();
        let mut passwd = String::new();
        for (u, p) in USERS {
            passwd.push_str(&format!("{u}:{{PLAIN}}{p}:{}::{}::\n", own_ids(), d.join("home").join(u).display()));
        }
        std::fs::write(d.join("passwd"), passwd).unwrap();
        tegami::net::write_self_signed(&["localhost", "127.0.0.1"], &d.join("cert.pem"), &d.join("key.pem")).unwrap();
        let (child, plain, tls) = spawn_wrapped(d, extra, wrapper);
        Server { child, plain, tls, dir }
    }

    /// The server's log so far.
    pub fn log(&self) -> String {
        read_log(self.dir.path())
    }

    /// The maildir of a default account.
    pub fn maildir(&self, user: &str) -> PathBuf {
        self.dir.path().join("home").join(user).join("Maildir")
    }

    /// True while the server process runs.
    pub fn alive(&mut self) -> bool {
        matches!(self.child.try_wait(), Ok(None))
    }

    /// Kills the server at once (SIGKILL), as a crash would. A wrapper
    /// that runs the server as its child (`strace -f` detaches from its
    /// tracees when killed, and they run on) has its children killed
    /// first.
    pub fn kill(&mut self) {
        let pid = self.child.id();
        let children = std::fs::read_to_string(format!("/proc/{pid}/task/{pid}/children")).unwrap_or_default();
        for child in children.split_whitespace().filter_map(|c| c.parse::<i32>().ok()) {
            // SAFETY: a plain kill(2) of a process id read from /proc.
            unsafe { libc::kill(child, libc::SIGKILL) };
        }
        let _ = self.child.kill();
        let _ = self.child.wait();
    }

    /// A raw client on the clear-text port, greeting read.
    pub fn connect(&self) -> Client {
        Client::plain(self.plain)
    }

    /// A raw client on the TLS port, greeting read.
    pub fn connect_tls(&self) -> Client {
        Client::tls(self.tls, &self.dir.path().join("cert.pem"))
    }

    /// Path of the server's certificate.
    pub fn cert(&self) -> PathBuf {
        self.dir.path().join("cert.pem")
    }

    /// A logged-in client on the clear-text port.
    pub fn login(&self, user: &str) -> Client {
        let mut c = self.connect();
        let pw = USERS.iter().find(|(u, _)| *u == user).expect("known user").1;
        c.ok(&format!("LOGIN {user} {pw}"));
        c
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        self.kill();
    }
}

fn path(p: &Path) -> String {
    p.to_str().unwrap().to_string()
}

fn read_log(d: &Path) -> String {
    std::fs::read_to_string(d.join("log")).unwrap_or_default()
}

/// Either side of a client connection.
pub enum Conn {
    /// Clear text.
    Plain(TcpStream),
    /// TLS.
    Tls(Box<rustls::StreamOwned<rustls::ClientConnection, TcpStream>>),
}

impl Read for Conn {
    fn read(&mut self, b: &mut [u8]) -> std::io::Result<usize> {
        match self {
            Conn::Plain(s) => s.read(b),
            Conn::Tls(s) => s.read(b),
        }
    }
}

impl Write for Conn {
    fn write(&mut self, b: &[u8]) -> std::io::Result<usize> {
        match self {
            Conn::Plain(s) => s.write(b),
            Conn::Tls(s) => s.write(b),
        }
    }
    fn flush(&mut self) -> std::io::Result<()> {
        match self {
            Conn::Plain(s) => s.flush(),
            Conn::Tls(s) => s.flush(),
        }
    }
}

/// A scripted IMAP client that reads raw response lines.
pub struct Client {
    /// The buffered connection.
    pub r: BufReader<Conn>,
    /// The greeting line.
    pub greeting: String,
    n: u32,
    /// The independent parser every octet read through the methods below
    /// goes to (see `grammar`); reading `r` directly bypasses it.
    grammar: grammar::Stream,
}

/// A rustls client configuration trusting only the test certificate.
pub fn tls_client_config(cert: &Path) -> Arc<rustls::ClientConfig> {
    use rustls::pki_types::pem::PemObject;
    let mut roots = rustls::RootCertStore::empty();
    for c in rustls::pki_types::CertificateDer::pem_file_iter(cert).unwrap() {
        roots.add(c.unwrap()).unwrap();
    }
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    Arc::new(
        rustls::ClientConfig::builder_with_provider(provider)
            .with_safe_default_protocol_versions()
            .unwrap()
            .with_root_certificates(roots)
            .with_no_client_auth(),
    )
}

fn tls_wrap(sock: TcpStream, cert: &Path) -> Conn {
    let name = rustls::pki_types::ServerName::try_from("localhost").unwrap();
    let conn = rustls::ClientConnection::new(tls_client_config(cert), name).unwrap();
    Conn::Tls(Box::new(rustls::StreamOwned::new(conn, sock)))
}

impl Client {
    fn open(conn: Conn) -> Client {
        let mut c =
            Client { r: BufReader::new(conn), greeting: String::new(), n: 0, grammar: grammar::Stream::default() };
        c.greeting = c.line();
        c
    }

    /// Connects in clear text and reads the greeting.
    pub fn plain(addr: SocketAddr) -> Client {
        Client::open(Conn::Plain(tcp(addr)))
    }

    /// Connects in clear text from the local address `src` (e.g. 127.0.0.2,
    /// to test per-address rules) and reads the greeting.
    pub fn plain_from(src: std::net::Ipv4Addr, addr: SocketAddr) -> Client {
        Client::open(Conn::Plain(tcp_from(src, addr)))
    }

    /// Connects with implicit TLS and reads the greeting.
    pub fn tls(addr: SocketAddr, cert: &Path) -> Client {
        Client::open(tls_wrap(tcp(addr), cert))
    }

    /// Sends `STARTTLS`, expects OK, and runs the handshake.
    pub fn starttls(&mut self, cert: &Path) {
        let lines = self.cmd("STARTTLS");
        assert!(lines.last().unwrap().contains(" OK "), "{lines:?}");
        self.tls_handshake(cert);
    }

    /// Runs the client side of a TLS handshake on this clear connection (the
    /// STARTTLS command and its OK already exchanged).
    pub fn tls_handshake(&mut self, cert: &Path) {
        let placeholder = BufReader::new(Conn::Plain(self.tcp().try_clone().unwrap()));
        let old = std::mem::replace(&mut self.r, placeholder);
        assert!(old.buffer().is_empty(), "server sent bytes after STARTTLS OK");
        let Conn::Plain(sock) = old.into_inner() else { panic!("already TLS") };
        self.r = BufReader::new(tls_wrap(sock, cert));
    }

    fn tcp(&self) -> &TcpStream {
        match self.r.get_ref() {
            Conn::Plain(s) => s,
            Conn::Tls(s) => &s.sock,
        }
    }

    /// Reads one response line (without CRLF); empty at end of stream.
    pub fn line(&mut self) -> String {
        let mut v = Vec::new();
        let _ = self.r.read_until(b'\n', &mut v);
        self.grammar.feed(&v);
        String::from_utf8_lossy(&v).trim_end_matches(['\r', '\n']).to_string()
    }

    /// Reads one response line, with any literals it announces appended.
    pub fn response(&mut self) -> String {
        let mut line = self.line();
        while let Some(n) = announced(&line) {
            let mut buf = vec![0; n];
            self.r.read_exact(&mut buf).unwrap();
            self.grammar.feed(&buf);
            line.push_str("\r\n");
            line.push_str(&String::from_utf8_lossy(&buf));
            let rest = self.line();
            line.push_str(&rest);
        }
        line
    }

    /// Sends raw bytes.
    pub fn send(&mut self, bytes: &[u8]) {
        self.r.get_mut().write_all(bytes).unwrap();
        self.r.get_mut().flush().unwrap();
    }

    /// Sends raw bytes, ignoring a write error (a server that closes
    /// while the client still sends).
    pub fn send_unchecked(&mut self, bytes: &[u8]) {
        let _ = self.r.get_mut().write_all(bytes);
        let _ = self.r.get_mut().flush();
    }

    /// A fresh tag.
    pub fn next_tag(&mut self) -> String {
        self.n += 1;
        format!("t{}", self.n)
    }

    /// Sends `tag text` and reads responses up to the tagged one; returns
    /// every line (literals inline), the tagged line last.
    pub fn cmd(&mut self, text: &str) -> Vec<String> {
        let tag = self.next_tag();
        self.send(format!("{tag} {text}\r\n").as_bytes());
        self.until_tagged(&tag)
    }

    /// Reads responses until the line tagged `tag`.
    pub fn until_tagged(&mut self, tag: &str) -> Vec<String> {
        let mut lines = Vec::new();
        loop {
            let l = self.response();
            if l.is_empty() {
                panic!("connection closed while waiting for {tag}; got {lines:?}");
            }
            let done = l.starts_with(&format!("{tag} "));
            lines.push(l);
            if done {
                return lines;
            }
        }
    }

    /// Runs a command that must succeed; returns its lines.
    pub fn ok(&mut self, text: &str) -> Vec<String> {
        let lines = self.cmd(text);
        let last = lines.last().unwrap();
        assert!(last.split(' ').nth(1) == Some("OK"), "{text} failed: {lines:?}");
        lines
    }

    /// Everything the server sends until the socket has been quiet for
    /// `wait` (a bounded wait for something that must not come), given
    /// to the independent parser like every other read.
    pub fn quiet(&mut self, wait: Duration) -> Vec<u8> {
        let _ = self.tcp().set_read_timeout(Some(wait));
        let mut got = self.r.buffer().to_vec();
        self.r.consume(got.len());
        let mut buf = [0u8; 8192];
        while let Ok(n @ 1..) = self.r.get_mut().read(&mut buf) {
            got.extend_from_slice(&buf[..n]);
        }
        let _ = self.tcp().set_read_timeout(Some(Duration::from_secs(60)));
        self.grammar.feed(&got);
        got
    }

    /// True when the server has closed the connection (reads until EOF).
    pub fn closed(&mut self) -> bool {
        let _ = self.tcp().set_read_timeout(Some(Duration::from_secs(10)));
        let mut rest = Vec::new();
        let done = self.r.read_to_end(&mut rest);
        self.grammar.feed(&rest);
        if done.is_err() {
            return false;
        }
        // After TLS's close_notify, wait for the TCP close as well: the
        // server frees the channel before it closes the socket.
        if let Conn::Tls(s) = self.r.get_mut() {
            let mut raw = Vec::new();
            return (&s.sock).read_to_end(&mut raw).is_ok();
        }
        true
    }
}

fn tcp(addr: SocketAddr) -> TcpStream {
    let s = TcpStream::connect(addr).expect("connect");
    s.set_read_timeout(Some(Duration::from_secs(60))).unwrap();
    s
}

/// A TCP connection to `addr` from the local IPv4 address `src` (std has
/// no bind-before-connect, so through libc).
/// A TCP connection to `addr` from the local address `src` (127.0.0.x).
pub fn tcp_from(src: std::net::Ipv4Addr, addr: SocketAddr) -> TcpStream {
    use std::os::fd::FromRawFd;
    let SocketAddr::V4(dst) = addr else { panic!("IPv4 only") };
    let sin = |ip: std::net::Ipv4Addr, port: u16| libc::sockaddr_in {
        sin_family: libc::AF_INET as libc::sa_family_t,
        sin_port: port.to_be(),
        sin_addr: libc::in_addr { s_addr: u32::from(ip).to_be() },
        sin_zero: [0; 8],
    };
    let len = std::mem::size_of::<libc::sockaddr_in>() as libc::socklen_t;
    // SAFETY: plain socket calls on a descriptor this function owns; the
    // address structs live across the calls.
    let s = unsafe {
        let fd = libc::socket(libc::AF_INET, libc::SOCK_STREAM | libc::SOCK_CLOEXEC, 0);
        assert!(fd >= 0, "socket");
        let local = sin(src, 0);
        assert_eq!(libc::bind(fd, &local as *const _ as *const libc::sockaddr, len), 0, "bind {src}");
        let remote = sin(*dst.ip(), dst.port());
        assert_eq!(libc::connect(fd, &remote as *const _ as *const libc::sockaddr, len), 0, "connect {addr}");
        TcpStream::from_raw_fd(fd)
    };
    s.set_read_timeout(Some(Duration::from_secs(60))).unwrap();
    s
}

/// The size of a literal announced at the end of a response line.
fn announced(line: &str) -> Option<usize> {
    let l = line.strip_suffix('}')?;
    let open = l.rfind('{')?;
    l[open + 1..].parse().ok()
}

/// The passwd-file fixture: one account per hash scheme, made by tools
/// other than tegami (see the comments in the file).
pub fn fixture_passwd() -> String {
    std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/passwd")).unwrap()
}

/// The fixture's accounts with their passwords, read from the
/// `# password: ...` comment above each entry.
pub fn fixture_accounts() -> Vec<(String, String)> {
    let mut out = Vec::new();
    let mut password = None;
    for line in fixture_passwd().lines() {
        if let Some(rest) = line.strip_prefix("# password: ") {
            password = Some(rest.split("  ").next().unwrap().trim_end().to_string());
        } else if !line.starts_with('#') && !line.trim().is_empty() {
            let user = line.split(':').next().unwrap().to_string();
            out.push((user, password.take().expect("a password comment above every account")));
        }
    }
    out
}

impl Server {
    /// Starts a server whose accounts are the fixture's (plus nothing else).
    /// The fixture's accounts have no homes, so their maildirs go under
    /// `dir/mail/` (`-m`), and bob's `/home/bob` is moved into `dir/home/`.
    pub fn start_fixture(extra: &[&str]) -> Server {
        let dir = tempfile::tempdir().expect("temp dir");
        let template = dir.path().join("mail").join("%u");
        let mut args = vec!["-m", template.to_str().unwrap()];
        args.extend_from_slice(extra);
        let home = dir.path().join("home");
        let passwd = fixture_passwd()
            .replace(":/home/", &format!(":{}/", home.display()))
            .replace(":1001:1001:", &format!(":{}:", own_ids()));
        Server::start_in(dir, &args, |d| std::fs::write(d.join("passwd"), passwd).unwrap())
    }
}

impl Client {
    /// Reads responses up to the tagged one and returns the tagged line.
    pub fn tagged(&mut self, tag: &str) -> String {
        self.until_tagged(tag).pop().unwrap()
    }
}

// ---- Helpers for the mailbox tests (tests/mailbox_*.rs) ----

/// Starts the binary on the directory `d` (already prepared); returns the
/// child and its clear-text and TLS addresses.
fn spawn_on(d: &Path, extra: &[&str]) -> (Child, SocketAddr, SocketAddr) {
    spawn_wrapped(d, extra, &[])
}

/// [`spawn_on`] with the binary run under `wrapper`. TEGAMI_TLS_BACKEND,
/// when set, picks the TLS backend (`native` in CI's native-tls run).
fn spawn_wrapped(d: &Path, extra: &[&str], wrapper: &[&str]) -> (Child, SocketAddr, SocketAddr) {
    let log = std::fs::OpenOptions::new().create(true).append(true).open(d.join("log")).unwrap();
    let mut args: Vec<String> = vec![
        "-l".into(),
        "127.0.0.1:0".into(),
        "-L".into(),
        "127.0.0.1:0".into(),
        "--cert".into(),
        path(&d.join("cert.pem")),
        "--key".into(),
        path(&d.join("key.pem")),
        "-u".into(),
        path(&d.join("passwd")),
    ];
    if !extra.contains(&"--log-level") {
        args.extend(["--log-level".into(), "low-level".into()]);
    }
    // The accounts are the test process's own user (see `own_ids`).
    if !extra.contains(&"--first-valid-uid") {
        args.extend(["--first-valid-uid".into(), "0".into()]);
    }
    if let Ok(backend) = std::env::var("TEGAMI_TLS_BACKEND") {
        args.extend(["--tls-backend".to_string(), backend]);
    }
    args.extend(extra.iter().map(|s| s.to_string()));
    let mut cmd = match wrapper.split_first() {
        Some((first, rest)) => {
            let mut c = Command::new(first);
            c.args(rest).arg(env!("CARGO_BIN_EXE_tegami"));
            c
        }
        None => Command::new(env!("CARGO_BIN_EXE_tegami")),
    };
    // Run inside the temp dir: a relative path the server might still
    // make can never land in the checkout.
    let mut child = cmd.args(&args).current_dir(d).stdout(Stdio::piped()).stderr(log).spawn().expect("start tegami");
    let out = BufReader::new(child.stdout.take().unwrap());
    let (mut plain, mut tls) = (None, None);
    for line in out.lines() {
        let Ok(line) = line else { break };
        if let Some(rest) = line.strip_prefix("tegami: listening on ") {
            let (addr, kind) = rest.split_once(' ').unwrap();
            let addr: SocketAddr = addr.parse().unwrap();
            if kind.contains("TLS)") && !kind.contains("STARTTLS") {
                tls = Some(addr);
            } else {
                plain = Some(addr);
            }
        }
        if plain.is_some() && tls.is_some() {
            break;
        }
    }
    let plain = plain.unwrap_or_else(|| panic!("no clear-text listener; log: {}", read_log(d)));
    let tls = tls.unwrap_or_else(|| panic!("no TLS listener; log: {}", read_log(d)));
    (child, plain, tls)
}

impl Server {
    /// Kills the server (SIGKILL, if it still runs) and starts a new one on
    /// the same directory, as after a crash and restart.
    pub fn restart(&mut self, extra: &[&str]) {
        self.kill();
        let (child, plain, tls) = spawn_on(self.dir.path(), extra);
        self.child = child;
        self.plain = plain;
        self.tls = tls;
    }
}

impl Client {
    /// Reads responses until one satisfies `pred`; returns every line read,
    /// the matching one last. Panics at end of stream.
    pub fn read_until(&mut self, mut pred: impl FnMut(&str) -> bool) -> Vec<String> {
        let mut lines = Vec::new();
        loop {
            let l = self.response();
            if l.is_empty() {
                panic!("connection closed; got {lines:?}");
            }
            let done = pred(&l);
            lines.push(l);
            if done {
                return lines;
            }
        }
    }

    /// SELECTs a mailbox; returns the untagged lines and the tagged OK.
    pub fn select(&mut self, mailbox: &str) -> Vec<String> {
        self.ok(&format!("SELECT {mailbox}"))
    }

    /// Sends APPEND with a synchronizing literal, waiting for the
    /// continuation; returns every line, the tagged one last.
    pub fn append(&mut self, mailbox: &str, extra: &str, msg: &[u8]) -> Vec<String> {
        let tag = self.next_tag();
        let sp = if extra.is_empty() { "" } else { " " };
        self.send(format!("{tag} APPEND {mailbox}{sp}{extra} {{{}}}\r\n", msg.len()).as_bytes());
        let cont = self.line();
        assert!(cont.starts_with('+'), "no continuation: {cont}");
        self.send(msg);
        self.send(b"\r\n");
        self.until_tagged(&tag)
    }

    /// The number of the untagged response `* N WHAT` among `lines`.
    pub fn number(lines: &[String], what: &str) -> Option<u32> {
        lines.iter().find_map(|l| {
            let rest = l.strip_prefix("* ")?;
            let (n, w) = rest.split_once(' ')?;
            (w == what).then(|| n.parse().ok()).flatten()
        })
    }

    /// The value of a bracketed response code `[CODE value]` among `lines`.
    pub fn code(lines: &[String], code: &str) -> Option<String> {
        let pat = format!("[{code} ");
        lines.iter().find_map(|l| {
            let i = l.find(&pat)?;
            let rest = &l[i + pat.len()..];
            Some(rest[..rest.find(']')?].to_string())
        })
    }
}

/// Polls `cond` every 20 ms for up to 30 s (no timing is asserted: the
/// deadline only keeps a broken server from hanging the test).
pub fn eventually(what: &str, mut cond: impl FnMut() -> bool) {
    let start = std::time::Instant::now();
    while !cond() {
        assert!(start.elapsed() < Duration::from_secs(30), "timed out waiting for {what}");
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// A small RFC 5322 message with a subject.
pub fn message(subject: &str) -> Vec<u8> {
    format!("From: a@example.org\r\nTo: b@example.org\r\nSubject: {subject}\r\n\r\nBody of {subject}.\r\n").into_bytes()
}

/// File names of a maildir subdirectory (`cur`, `new`, `tmp`), sorted.
pub fn files(dir: &Path) -> Vec<String> {
    let mut v: Vec<String> = match std::fs::read_dir(dir) {
        Ok(rd) => rd.flatten().map(|e| e.file_name().to_string_lossy().into_owned()).collect(),
        Err(_) => Vec::new(),
    };
    v.sort();
    v
}

/// Renames the file of `cur/` whose base name starts with the file of the
/// uid list line for `uid` so that its flag letters are `letters`; returns
/// the new name. The uid list is read from `mailbox_dir/dovecot-uidlist`.
pub fn set_flags_on_disk(mailbox_dir: &Path, uid: u32, letters: &str) -> String {
    let list = std::fs::read_to_string(mailbox_dir.join("dovecot-uidlist")).unwrap();
    let line = list
        .lines()
        .skip(1)
        .find(|l| l.split(' ').next() == Some(&uid.to_string()))
        .unwrap_or_else(|| panic!("UID {uid} not in {list}"));
    let file = &line[line.find(':').unwrap() + 1..];
    let base = file.split(':').next().unwrap();
    let cur = mailbox_dir.join("cur");
    let now = files(&cur).into_iter().find(|f| f.split(':').next() == Some(base)).expect("file in cur/");
    let mut l: Vec<char> = letters.chars().collect();
    l.sort_unstable();
    let new = format!("{base}:2,{}", l.into_iter().collect::<String>());
    std::fs::rename(cur.join(&now), cur.join(&new)).unwrap();
    new
}

// ---- Message access tests (tests/msg_*.rs) ----

/// One message to put into a maildir before the server starts.
pub struct Seed<'a> {
    /// The message octets, written as they are.
    pub data: &'a [u8],
    /// The maildir info letters after `:2,` (`"S"`, `"FR"`, ...).
    pub info: &'a str,
    /// The file's mtime, which the server takes as INTERNALDATE (Unix time).
    pub mtime: i64,
}

/// Writes `seeds` into `cur/` of the maildir folder `dir` (made if
/// missing), named so that file-name order, and so UID order, is seed order.
pub fn seed_maildir(dir: &Path, seeds: &[Seed]) {
    for sub in ["cur", "new", "tmp"] {
        std::fs::create_dir_all(dir.join(sub)).unwrap();
    }
    for (i, s) in seeds.iter().enumerate() {
        let name = format!("{}.M{i}P1.tegami-test:2,{}", 1_100_000_000 + i, s.info);
        let p = dir.join("cur").join(name);
        std::fs::write(&p, s.data).unwrap();
        let t = std::time::UNIX_EPOCH + Duration::from_secs(s.mtime as u64);
        std::fs::File::options().write(true).open(&p).unwrap().set_modified(t).unwrap();
    }
}

impl Server {
    /// Starts a server whose user `alice` has `seeds` in INBOX (UIDs 1..).
    pub fn start_seeded(extra: &[&str], seeds: &[Seed]) -> Server {
        Server::start_with(extra, |d| seed_maildir(&d.join("home").join("alice").join("Maildir"), seeds))
    }
}

impl Client {
    /// Reads one response (line plus announced literals) as raw bytes,
    /// CRLFs included.
    pub fn response_bytes(&mut self) -> Vec<u8> {
        let mut out = Vec::new();
        loop {
            let start = out.len();
            let _ = self.r.read_until(b'\n', &mut out);
            self.grammar.feed(&out[start..]);
            if out.len() == start {
                return out;
            }
            let line = &out[start..];
            let line = line.strip_suffix(b"\r\n").unwrap_or(line);
            let Some(n) = std::str::from_utf8(line).ok().and_then(announced) else {
                return out;
            };
            let mut buf = vec![0; n];
            self.r.read_exact(&mut buf).unwrap();
            self.grammar.feed(&buf);
            out.extend_from_slice(&buf);
        }
    }

    /// Sends `tag text` and returns every response as raw bytes (CRLF
    /// included, literals inline), the tagged one last.
    pub fn cmd_bytes(&mut self, text: &str) -> Vec<Vec<u8>> {
        let tag = self.next_tag();
        self.send(format!("{tag} {text}\r\n").as_bytes());
        let mut out = Vec::new();
        loop {
            let r = self.response_bytes();
            assert!(!r.is_empty(), "connection closed waiting for {tag}");
            let done = r.starts_with(format!("{tag} ").as_bytes());
            out.push(r);
            if done {
                return out;
            }
        }
    }

    /// APPENDs one message with a synchronizing literal (flags in a list,
    /// an optional date); returns the lines.
    pub fn append_dated(&mut self, mailbox: &str, flags: &str, date: Option<&str>, data: &[u8]) -> Vec<String> {
        let tag = self.next_tag();
        let date = date.map(|d| format!(" \"{d}\"")).unwrap_or_default();
        self.send(format!("{tag} APPEND {mailbox} ({flags}){date} {{{}}}\r\n", data.len()).as_bytes());
        let cont = self.line();
        assert!(cont.starts_with('+'), "no continuation for APPEND: {cont}");
        self.send(data);
        self.send(b"\r\n");
        self.until_tagged(&tag)
    }
}

impl Server {
    /// The server's process id (for reading `/proc/PID`).
    pub fn pid(&self) -> u32 {
        self.child.id()
    }
}

/// The `.eml` messages of `tests/corpus`, in name order, each with an
/// INTERNALDATE spread over a few days (for SORT and THREAD models).
pub fn corpus_messages() -> Vec<(Vec<u8>, i64)> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/corpus");
    let mut names: Vec<_> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "eml"))
        .collect();
    names.sort();
    names
        .iter()
        .enumerate()
        .map(|(i, p)| (std::fs::read(p).unwrap(), 1_100_000_000 + ((i as i64 * 7919) % 97) * 3600))
        .filter(|(d, _)| !d.is_empty())
        .collect()
}

/// Seeds of messages with their dates, without flags.
pub fn seeds_of(msgs: &[(Vec<u8>, i64)]) -> Vec<Seed<'_>> {
    msgs.iter().map(|(d, t)| Seed { data: d, info: "", mtime: *t }).collect()
}

/// The test process's own `uid:gid`, for the passwd-file's columns 3 and
/// 4: a server run as root gives sessions their account's identity, and
/// the tests' files belong to whoever runs them (servers are started with
/// `--first-valid-uid 0`, so root's own accounts are served when CI runs
/// as root; `tests/sec_files.rs` shows the real rule).
pub fn own_ids() -> String {
    // SAFETY: getuid and getgid have no preconditions.
    unsafe { format!("{}:{}", libc::getuid(), libc::getgid()) }
}

/// Writes `dir/passwd` as an administrator's would: SHA512-CRYPT hashes,
/// homes under `dir/home`, and a Dovecot extra field.
pub fn write_hashed_passwd(dir: &Path, accounts: &[(&str, &str)]) {
    write_hashed_passwd_as(dir, accounts, &own_ids())
}

/// [`write_hashed_passwd`] with the accounts' `uid:gid` columns given.
pub fn write_hashed_passwd_as(dir: &Path, accounts: &[(&str, &str)], ids: &str) {
    let mut passwd = String::new();
    for (u, p) in accounts {
        let hash = tegami::auth::hash_password("SHA512-CRYPT", p.as_bytes()).expect("hash");
        let home = dir.join("home").join(u);
        passwd.push_str(&format!("{u}:{hash}:{ids}::{}::userdb_quota_rule=*:storage=1G\n", home.display()));
    }
    std::fs::write(dir.join("passwd"), passwd).unwrap();
}

/// The directory of the Python modules the tests share (`deflate_imap.py`),
/// for `PYTHONPATH`.
pub fn python_path() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/support")
}

/// The addresses Debian's `fail2ban-regex` finds in `log` with tegami's
/// filter from `contrib/fail2ban`, one per matched line, sorted.
pub fn fail2ban_ips(log: &Path) -> Vec<String> {
    let filter = Path::new(env!("CARGO_MANIFEST_DIR")).join("contrib/fail2ban/filter.d/tegami.conf");
    let out = Command::new("fail2ban-regex")
        .args(["--print-all-matched", "-o", "ip"])
        .arg(log)
        .arg(filter)
        .output()
        .expect("fail2ban-regex (Debian package fail2ban, installed by contrib/test)");
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let mut ips: Vec<String> = String::from_utf8_lossy(&out.stdout).lines().map(|l| l.trim().to_string()).collect();
    ips.sort();
    ips
}

/// The UIDs or numbers of the `* SEARCH` lines among `lines`, sorted.
pub fn searched(lines: &[String]) -> Vec<u32> {
    let mut v: Vec<u32> = lines
        .iter()
        .filter_map(|l| l.strip_prefix("* SEARCH"))
        .flat_map(|r| r.split_whitespace().map(|n| n.parse::<u32>().unwrap()).collect::<Vec<_>>())
        .collect();
    v.sort_unstable();
    v
}
