//! Issue 23, must-show 2: nginx's mail proxy (Debian's nginx with
//! libnginx-mod-mail) with contrib/proxy/nginx.conf as written (addresses
//! and paths substituted) in front of two tegami backends on one maildir
//! root, asking a third tegami's --auth-http. Logins, COMPRESS, a 20 MB
//! APPEND and IDLE pass through; a wrong password stops at the auth
//! endpoint; users spread over both backends by rendezvous hashing and
//! stay put; the backends see the client's address (nginx's PROXY header).

mod proxy_support;
mod support;

use std::io::{Read, Write};
use std::net::{Ipv4Addr, SocketAddr, TcpStream};
use std::process::{Command, Stdio};
use std::time::Duration;

use proxy_support::{contrib, free_port, wait_listening, Backend, Daemon, Site};
use support::Client;

/// Where the test's clients connect from.
const CLIENT: Ipv4Addr = Ipv4Addr::new(127, 0, 0, 5);
/// Accounts added for the spread: (name, password).
fn spread_users() -> Vec<(String, String)> {
    (0..12).map(|i| (format!("user{i}"), format!("secret-{i}"))).collect()
}

/// Accounts for the third backend's test, with [`MOVERS_PASSWORD`].
fn movers() -> Vec<String> {
    (0..30).map(|i| format!("mover{i}")).collect()
}
const MOVERS_PASSWORD: &str = "moving-on";

/// A backend named `name` on `ip` behind nginx (PROXY header from nginx
/// on 127.0.0.1), and the address of its PROXY listener.
fn backend(site: &Site, name: &str, ip: Ipv4Addr) -> (Backend, SocketAddr) {
    let addr = SocketAddr::from((ip, free_port(ip)));
    let (a, l) = (addr.to_string(), format!("{ip}:0"));
    let args =
        ["-l", &l, "--listen-haproxy", &a, "--haproxy-trusted-networks", "127.0.0.1/32", "--allow-cleartext-login"];
    (Backend::start(site, name, &args, 2), addr)
}

/// The auth endpoint on `addr`, choosing among `backends`.
fn auth_endpoint(site: &Site, name: &str, addr: SocketAddr, backends: &[SocketAddr], extra: &[&str]) -> Backend {
    let list: Vec<String> = backends.iter().map(|b| b.to_string()).collect();
    let (at, list) = (addr.to_string(), list.join(","));
    let mut args = vec!["-l", "127.0.0.4:0", "--auth-http", &at, "--backends", &list];
    args.extend(extra);
    let auth = Backend::start(site, name, &args, 1);
    wait_listening(addr);
    auth
}

/// nginx, the auth endpoint and the two backends, all stopped on drop.
struct Front {
    _nginx: Daemon,
    auth: Backend,
    backends: [Backend; 2],
    /// The backends' PROXY listeners, as given to --backends.
    addrs: [SocketAddr; 2],
    /// nginx's IMAP listener.
    imap: SocketAddr,
    /// The --auth-http address.
    auth_addr: SocketAddr,
}

fn start(site: &Site, auth_extra: &[&str]) -> Front {
    let ids = support::own_ids();
    let mut passwd = std::fs::read_to_string(site.path().join("passwd")).unwrap();
    let home = |u: &str| site.path().join("home").join(u);
    for (u, p) in spread_users() {
        let hash = tegami::auth::hash_password("SHA512-CRYPT", p.as_bytes()).unwrap();
        passwd.push_str(&format!("{u}:{hash}:{ids}::{}::\n", home(&u).display()));
    }
    // The movers share one password: one hash to compute, not thirty.
    let hash = tegami::auth::hash_password("SHA512-CRYPT", MOVERS_PASSWORD.as_bytes()).unwrap();
    for u in movers() {
        passwd.push_str(&format!("{u}:{hash}:{ids}::{}::\n", home(&u).display()));
    }
    // Pinned by host= and port= (nginx needs an IP address).
    let hash = tegami::auth::hash_password("SHA512-CRYPT", b"pinned-pw").unwrap();
    passwd.push_str(&format!("pinned:{hash}:{ids}::{}::host=127.0.0.9 port=2143\n", site.path().display()));
    std::fs::write(site.path().join("passwd"), passwd).unwrap();
    let (a, a_addr) = backend(site, "a", Ipv4Addr::new(127, 0, 0, 2));
    let (b, b_addr) = backend(site, "b", Ipv4Addr::new(127, 0, 0, 3));
    let auth_addr = SocketAddr::from(([127, 0, 0, 1], free_port(Ipv4Addr::LOCALHOST)));
    let auth = auth_endpoint(site, "auth", auth_addr, &[a_addr, b_addr], auth_extra);

    let dir = site.path().join("nginx");
    std::fs::create_dir(&dir).unwrap();
    let imap = SocketAddr::from(([127, 0, 0, 1], free_port(Ipv4Addr::LOCALHOST)));
    let cfg = contrib(
        "nginx.conf",
        &[
            ("/tmp/tegami-nginx", dir.display().to_string()),
            ("127.0.0.1:8144", auth_addr.to_string()),
            ("127.0.0.1:10143", imap.to_string()),
        ],
    );
    let conf = dir.join("nginx.conf");
    std::fs::write(&conf, cfg).unwrap();
    let err = std::fs::File::create(dir.join("stderr.log")).unwrap();
    let child = Command::new("nginx")
        .arg("-p")
        .arg(&dir)
        .arg("-c")
        .arg(&conf)
        .arg("-e")
        .arg(dir.join("error.log"))
        .stdout(Stdio::null())
        .stderr(err)
        .spawn()
        .expect("nginx (install nginx and libnginx-mod-mail with contrib/test)");
    let nginx = Daemon(child);
    wait_listening(imap);
    Front { _nginx: nginx, auth, backends: [a, b], addrs: [a_addr, b_addr], imap, auth_addr }
}

impl Front {
    /// Logs `user` in through nginx from [`CLIENT`]; the tagged answer.
    fn login(&self, user: &str, pass: &str) -> (Client, String) {
        let mut c = Client::plain_from(CLIENT, self.imap);
        let lines = c.cmd(&format!("LOGIN {user} {pass}"));
        (c, lines.last().unwrap().clone())
    }

    /// How many logins of `user` backend `i` logged.
    fn logins(&self, i: usize, user: &str) -> usize {
        let mark = format!("] login {user} (LOGIN)");
        self.backends[i].log().lines().filter(|l| l.contains(&mark)).count()
    }
}

#[test]
fn users_spread_over_both_backends_stay_put_and_arrive_with_the_clients_address() {
    let site = Site::new();
    let f = start(&site, &[]);
    for round in 0..2 {
        for (u, p) in spread_users() {
            let (mut c, last) = f.login(&u, &p);
            assert!(last.contains(" OK "), "round {round} {u}: {last}");
            c.ok("LOGOUT");
        }
    }
    let mut per_backend = [0, 0];
    for (u, _) in spread_users() {
        let want = tegami::authhttp::route::choose(&u, &f.addrs).unwrap();
        let i = f.addrs.iter().position(|a| *a == want).unwrap();
        assert_eq!((f.logins(i, &u), f.logins(1 - i, &u)), (2, 0), "{u} belongs on {want}");
        per_backend[i] += 1;
    }
    assert!(per_backend[0] > 0 && per_backend[1] > 0, "{per_backend:?}");
    // nginx's PROXY header carries the client's address to the backends.
    for b in &f.backends {
        let log = b.log();
        let line = log.lines().find(|l| l.contains("] login user")).expect("a login");
        assert!(line.contains(" [127.0.0.5:"), "{line}");
    }
    let auth = f.auth.log();
    assert!(auth.contains("auth-http [127.0.0.1:"), "{auth}");
    assert!(auth.contains("login: rip=127.0.0.5 user=<user0> backend="), "{auth}");
}

/// How many logins of `user` each of `backends` logged.
fn logged_on(backends: &[&Backend], user: &str) -> Vec<usize> {
    let mark = format!("] login {user} (LOGIN)");
    backends.iter().map(|b| b.log().lines().filter(|l| l.contains(&mark)).count()).collect()
}

/// A third backend added to the auth endpoint's list (the endpoint
/// restarted, nginx left running) takes about a third of the users, and
/// none moves between the two backends it had.
#[test]
fn a_third_backend_added_takes_about_a_third_of_the_users_and_moves_none_between_the_others() {
    let site = Site::new();
    let f = start(&site, &[]);
    let login_all = |f_imap: SocketAddr| {
        for u in movers() {
            let mut c = Client::plain_from(CLIENT, f_imap);
            let last = c.cmd(&format!("LOGIN {u} {MOVERS_PASSWORD}")).last().unwrap().clone();
            assert!(last.contains(" OK "), "{u}: {last}");
            c.ok("LOGOUT");
        }
    };
    login_all(f.imap);
    let Front { _nginx, auth, backends: [a, b], addrs, imap, auth_addr } = f;
    let before: Vec<usize> = movers()
        .iter()
        .map(|u| match logged_on(&[&a, &b], u)[..] {
            [1, 0] => 0,
            [0, 1] => 1,
            ref n => panic!("{u} logged in on the two backends {n:?} times"),
        })
        .collect();
    drop(auth);
    let (c, c_addr) = backend(&site, "c", Ipv4Addr::new(127, 0, 0, 6));
    let _auth = auth_endpoint(&site, "auth3", auth_addr, &[addrs[0], addrs[1], c_addr], &[]);
    login_all(imap);
    let mut moved = 0;
    for (u, was) in movers().iter().zip(before) {
        let on_c = logged_on(&[&c], u)[0];
        assert!(on_c <= 1, "{u} logged in {on_c} times on the third backend");
        moved += on_c;
        // Moved: its first login stays the only one on its old backend;
        // stayed: the second login is there too.
        let mut want = vec![0, 0, on_c];
        want[was] = 2 - on_c;
        assert_eq!(logged_on(&[&a, &b, &c], u), want, "{u} was on backend {was}");
    }
    // Rendezvous hashing: each user moves with chance 1/3 (10 of 30 on
    // average; outside 3..=18 with a chance under one in a thousand).
    assert!((3..=18).contains(&moved), "{moved} of 30 users moved to the third backend");
}

#[test]
fn a_wrong_password_stops_at_the_auth_endpoint() {
    let site = Site::new();
    let f = start(&site, &[]);
    let (mut c, last) = f.login("bob", "wrong");
    assert!(last.ends_with(" NO Invalid login or password"), "{last}");
    // nginx waits Auth-Wait and lets the client try again: now rightly.
    let again = c.cmd(&format!("LOGIN bob {}", proxy_support::password("bob")));
    assert!(again.last().unwrap().contains(" OK "), "{again:?}");
    c.ok("LOGOUT");
    let auth = f.auth.log();
    assert!(
        auth.contains("login failed: rip=127.0.0.5 user=<bob> method=PLAIN reason=\"wrong password\" attempt=1"),
        "{auth}"
    );
    let bob = tegami::authhttp::route::choose("bob", &f.addrs).unwrap();
    let i = f.addrs.iter().position(|a| *a == bob).unwrap();
    // Only the good login reached a backend; neither saw a failure.
    assert_eq!((f.logins(i, "bob"), f.logins(1 - i, "bob")), (1, 0));
    for b in &f.backends {
        let log = b.log();
        assert!(!log.contains("login failed") && !log.contains("wrong"), "{log}");
    }
}

/// One raw request to the auth endpoint from client 192.0.2.7; the response head.
fn ask(addr: SocketAddr, method: &str, user: &str, pass: &str, attempt: u32) -> String {
    ask_for("192.0.2.7", addr, method, user, pass, attempt)
}

/// One raw request to the auth endpoint for client `client`; the response head.
fn ask_for(client: &str, addr: SocketAddr, method: &str, user: &str, pass: &str, attempt: u32) -> String {
    let mut s = TcpStream::connect(addr).unwrap();
    s.set_read_timeout(Some(Duration::from_secs(60))).unwrap();
    write!(
        s,
        "GET /auth HTTP/1.0\r\nHost: localhost\r\nAuth-Method: {method}\r\nAuth-User: {user}\r\nAuth-Pass: {pass}\r\nAuth-Protocol: imap\r\nAuth-Login-Attempt: {attempt}\r\nClient-IP: {client}\r\nClient-Host: [UNAVAILABLE]\r\n\r\n"
    )
    .unwrap();
    let mut out = String::new();
    s.read_to_string(&mut out).unwrap();
    out
}

#[test]
fn the_auth_endpoint_answers_nginx_with_the_penalty_as_auth_wait() {
    let site = Site::new();
    // A first failure costs 1 s, so Auth-Wait shows the doubling.
    let f = start(&site, &["--auth-penalty", "1000"]);
    let refusal = |wait: &str| {
        format!("HTTP/1.0 200 OK\r\nAuth-Status: Invalid login or password\r\nAuth-Wait: {wait}\r\nContent-Length: 0\r\nConnection: close\r\n\r\n")
    };
    assert_eq!(ask(f.auth_addr, "plain", "alice", "nope", 1), refusal("1"));
    assert_eq!(ask(f.auth_addr, "plain", "alice", "nope%20again", 2), refusal("2"));
    assert_eq!(ask(f.auth_addr, "plain", "alice", "still%25wrong", 3), refusal("4"));
    // After 10 attempts nginx is told to close (no Auth-Wait).
    let last = ask(f.auth_addr, "plain", "nobody-here", "x", 10);
    assert!(last.contains("Auth-Status: Invalid login or password\r\n") && !last.contains("Auth-Wait"), "{last}");
    let cram = ask(f.auth_addr, "cram-md5", "alice", "x", 1);
    assert_eq!(
        cram,
        "HTTP/1.0 200 OK\r\nAuth-Status: Only plain (LOGIN, AUTHENTICATE PLAIN) is supported\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
    );
    // The right password (escaped as nginx escapes it) gets the backend.
    let good = ask(f.auth_addr, "plain", "alice", "wonderland", 1);
    let want = tegami::authhttp::route::choose("alice", &f.addrs).unwrap();
    assert_eq!(
        good,
        format!(
            "HTTP/1.0 200 OK\r\nAuth-Status: OK\r\nAuth-Server: {}\r\nAuth-Port: {}\r\nContent-Length: 0\r\nConnection: close\r\n\r\n",
            want.ip(),
            want.port()
        )
    );
    // A broken escape is a failed login (no password is guessed from it);
    // an oversized head gets 431 and the endpoint stays up.
    let broken = ask_for("203.0.113.9", f.auth_addr, "plain", "alice", "bad%zz", 1);
    assert!(broken.contains("Auth-Status: Invalid login or password\r\nAuth-Wait: 1\r\n"), "{broken}");
    let mut big = TcpStream::connect(f.auth_addr).unwrap();
    big.set_read_timeout(Some(Duration::from_secs(60))).unwrap();
    let _ = write!(big, "GET /auth HTTP/1.0\r\nAuth-User: {}\r\n\r\n", "a".repeat(10_000));
    let mut out = String::new();
    let _ = big.read_to_string(&mut out);
    assert!(out.starts_with("HTTP/1.0 431 Request Header Fields Too Large\r\n"), "{out}");

    // host= and port= pin an account; allow_nets is of Client-IP.
    let pinned = ask_for("198.51.100.1", f.auth_addr, "plain", "pinned", "pinned-pw", 1);
    assert!(pinned.contains("Auth-Status: OK\r\nAuth-Server: 127.0.0.9\r\nAuth-Port: 2143\r\n"), "{pinned}");
    let carol = proxy_support::password("carol");
    assert!(ask_for("127.0.0.6", f.auth_addr, "plain", "carol", carol, 1).contains("Auth-Status: OK\r\n"));
    let elsewhere = ask_for("198.51.100.2", f.auth_addr, "plain", "carol", carol, 1);
    assert!(elsewhere.contains("Auth-Status: Invalid login or password\r\nAuth-Wait: 1\r\n"), "{elsewhere}");
    let log = f.auth.log();
    assert!(log.contains("login failed: rip=192.0.2.7 user=<alice> method=PLAIN reason=\"wrong password\""), "{log}");
    assert!(log.contains("rip=198.51.100.2 user=<carol> method=PLAIN reason=\"allow_nets check failed"), "{log}");

    // fail2ban's filter (contrib/fail2ban) finds the clients nginx named.
    let ips = support::fail2ban_ips(&f.auth.log);
    assert_eq!(ips, ["192.0.2.7", "192.0.2.7", "192.0.2.7", "192.0.2.7", "198.51.100.2", "203.0.113.9"], "{log}");
}

/// From 127.0.0.5 through nginx: COMPRESS, a 20 MB APPEND fetched back,
/// and IDLE woken by a delivery an MTA writes into new/.
const PY: &str = r#"
import base64, hashlib, imaplib, os, socket, sys, time
host, port = sys.argv[1], int(sys.argv[2])
from deflate_imap import wrapped

class Z(wrapped(imaplib.IMAP4)):
    def _create_socket(self, timeout):
        return socket.create_connection((self.host, self.port), timeout, source_address=("127.0.0.5", 0))

m = Z(host, port)
print("login:", m.login("alice", "wonderland")[0])
m.compress()
typ, data = m.select("INBOX")
body = base64.encodebytes(os.urandom(15 * 1024 * 1024)).replace(b"\n", b"\r\n")
msg = b"Subject: big\r\nFrom: a@example.com\r\n\r\n" + body
assert len(msg) > 20 * 1000 * 1000, len(msg)
typ, data = m.append("INBOX", None, None, msg)
print("append:", typ, data[0].decode())
typ, data = m.fetch("1", "(BODY.PEEK[])")
print("fetched:", hashlib.sha256(data[0][1]).hexdigest() == hashlib.sha256(msg).hexdigest())
tag = m._new_tag()
m.send(tag + b" IDLE\r\n")
print("idle:", m.readline().decode().strip())
# A delivery as an MTA makes it: written into tmp/, then renamed into new/.
maildir = sys.argv[3]
name = "%d.M1P1.mta" % time.time()
with open(os.path.join(maildir, "tmp", name), "wb") as f:
    f.write(b"From: mta@example.com\nSubject: delivered\n\nhello\n")
    f.flush()
    os.fsync(f.fileno())
os.rename(os.path.join(maildir, "tmp", name), os.path.join(maildir, "new", name))
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
print("logout:", m.logout()[0])
"#;

#[test]
fn compress_a_20_mb_append_and_idle_pass_through_nginx() {
    let site = Site::new();
    let f = start(&site, &[]);
    let out = Command::new("python3")
        .env("PYTHONPATH", support::python_path())
        .env("PYTHONDONTWRITEBYTECODE", "1")
        .arg("-c")
        .arg(PY)
        .args([f.imap.ip().to_string(), f.imap.port().to_string()])
        .arg(site.path().join("home/alice/Maildir"))
        .output()
        .expect("python3 runs");
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    assert!(out.status.success(), "python failed: {stdout}\n{}", String::from_utf8_lossy(&out.stderr));
    let field = |name: &str| stdout.lines().find_map(|l| l.strip_prefix(name)).unwrap_or_else(|| panic!("{stdout}"));
    assert_eq!(field("login: "), "OK");
    assert_eq!(field("compress: "), "OK DEFLATE active");
    assert!(field("append: ").starts_with("OK [APPENDUID "), "{stdout}");
    assert_eq!(field("fetched: "), "True");
    assert_eq!(field("idle: "), "+ idling");
    assert_eq!(field("woken: "), "* 2 EXISTS");
    assert!(field("done: ").ends_with("OK IDLE terminated"), "{stdout}");
    assert_eq!(field("logout: "), "BYE");
    // All of it went to alice's backend, which saw the client's address.
    let want = tegami::authhttp::route::choose("alice", &f.addrs).unwrap();
    let i = f.addrs.iter().position(|a| *a == want).unwrap();
    assert_eq!((f.logins(i, "alice"), f.logins(1 - i, "alice")), (1, 0));
}
