//! Issue 23, must-show 3: HAProxy (Debian's package) in TCP mode in front
//! of tegami with contrib/proxy/haproxy.cfg as written (ports substituted):
//! the PROXY header (v2, and v1 on its own frontend) brings the client's
//! real address; implicit TLS and STARTTLS work behind it; a header from
//! an address outside --haproxy-trusted-networks, or none, closes the
//! connection.

mod proxy_support;
mod support;

use std::io::{Read, Write};
use std::net::{Ipv4Addr, SocketAddr};
use std::process::{Command, Stdio};

use proxy_support::{contrib, free_port, wait_listening, Backend, Daemon, Site, TlsFrom};
use support::{tcp_from, Client};

const PROXY: Ipv4Addr = Ipv4Addr::new(127, 0, 0, 1);

/// A backend on 127.0.0.2 with both HAProxy listeners, and HAProxy on
/// 127.0.0.1 in front: (backend, imap v2, imaps v2, imap v1).
fn start(site: &Site, extra: &[&str]) -> (Backend, Daemon, [SocketAddr; 3]) {
    let mut args = vec![
        "-l",
        "127.0.0.2:0",
        "--listen-haproxy",
        "127.0.0.2:0",
        "--listen-tls-haproxy",
        "127.0.0.2:0",
        "--haproxy-trusted-networks",
        "127.0.0.1/32",
        "--monitor",
        "127.0.0.2:0",
    ];
    args.extend(extra);
    let backend = Backend::start(site, "backend", &args, 3);
    let plain = backend.addr("PROXY protocol, then clear text");
    let tls = backend.addr("PROXY protocol, then TLS");
    let ports = [free_port(PROXY), free_port(PROXY), free_port(PROXY)];
    let cfg = contrib(
        "haproxy.cfg",
        &[
            ("127.0.0.1:10143", format!("127.0.0.1:{}", ports[0])),
            ("127.0.0.1:10993", format!("127.0.0.1:{}", ports[1])),
            ("127.0.0.1:10144", format!("127.0.0.1:{}", ports[2])),
            ("127.0.0.2:11143", plain.to_string()),
            ("127.0.0.2:11993", tls.to_string()),
        ],
    );
    let path = site.path().join("haproxy.cfg");
    std::fs::write(&path, cfg).unwrap();
    let log = std::fs::File::create(site.path().join("haproxy.log")).unwrap();
    let child = Command::new("haproxy")
        .arg("-db")
        .arg("-f")
        .arg(&path)
        .stdout(Stdio::null())
        .stderr(log)
        .spawn()
        .expect("haproxy (install it with contrib/test)");
    let fronts = ports.map(|p| SocketAddr::from((PROXY, p)));
    for f in fronts {
        wait_listening(f);
    }
    (backend, Daemon(child), fronts)
}

fn local_of(c: &Client) -> SocketAddr {
    match c.r.get_ref() {
        support::Conn::Plain(s) => s.local_addr().unwrap(),
        support::Conn::Tls(s) => s.sock.local_addr().unwrap(),
    }
}

#[test]
fn the_clients_address_arrives_through_haproxy_with_starttls_and_implicit_tls() {
    let site = Site::new();
    let (backend, _haproxy, [imap, imaps, imap_v1]) = start(&site, &[]);

    // v2, STARTTLS: from 127.0.0.5 through HAProxy.
    let mut c = Client::plain_from(Ipv4Addr::new(127, 0, 0, 5), imap);
    assert!(c.greeting.starts_with("* OK "), "{}", c.greeting);
    let me = local_of(&c);
    // In clear text the client's own connection is not safe for a password.
    assert!(c.greeting.contains("LOGINDISABLED"), "{}", c.greeting);
    c.starttls(&site.cert());
    c.ok("LOGIN alice wonderland");
    let json = backend.sessions_json();
    assert!(json.contains("\"address\":\"127.0.0.5\""), "{json}");
    assert!(json.contains(&format!("\"port\":{}", me.port())), "{json}");
    c.ok("LOGOUT");
    let log = backend.log();
    assert!(log.contains(&format!("[{me}] login alice")), "{log}");
    assert!(log.contains(&format!("[{me}] client named by the PROXY header from 127.0.0.1:")), "{log}");

    // v2, implicit TLS, from 127.0.0.6.
    let mut t = TlsFrom::connect(Ipv4Addr::new(127, 0, 0, 6), imaps, &site.cert());
    assert!(t.greeting.starts_with("* OK "), "{}", t.greeting);
    let lines = t.cmd("a1", "LOGIN bob builder");
    assert!(lines.last().unwrap().starts_with("a1 OK"), "{lines:?}");
    t.cmd("a2", "LOGOUT");
    support::eventually("bob's login in the log", || backend.log().contains("[127.0.0.6:"));
    assert!(backend.log().lines().any(|l| l.contains("[127.0.0.6:") && l.contains("login bob")));

    // v1, STARTTLS, from 127.0.0.7.
    let mut c = Client::plain_from(Ipv4Addr::new(127, 0, 0, 7), imap_v1);
    let me = local_of(&c);
    c.starttls(&site.cert());
    c.ok("LOGIN alice wonderland");
    c.ok("LOGOUT");
    assert!(backend.log().contains(&format!("[{me}] login alice")), "{}", backend.log());
}

#[test]
fn a_header_from_outside_the_trusted_networks_or_none_closes_the_connection() {
    let site = Site::new();
    let (backend, _haproxy, _) = start(&site, &[]);
    let plain = backend.addr("PROXY protocol, then clear text");

    // A well-formed header, from an address that may not send one.
    let mut s = tcp_from(Ipv4Addr::new(127, 0, 0, 9), plain);
    let me = s.local_addr().unwrap();
    let _ = s.write_all(b"PROXY TCP4 203.0.113.1 127.0.0.2 4000 143\r\n");
    let mut got = Vec::new();
    let _ = s.read_to_end(&mut got);
    assert!(got.is_empty(), "{}", String::from_utf8_lossy(&got));
    support::eventually("the refusal in the log", || {
        backend.log().contains(&format!("[{me}] refused: not in --haproxy-trusted-networks"))
    });

    // From the trusted address, but no header: IMAP straight away.
    let mut s = tcp_from(PROXY, plain);
    let me = s.local_addr().unwrap();
    let _ = s.write_all(b"a1 CAPABILITY\r\n");
    let mut got = Vec::new();
    let _ = s.read_to_end(&mut got);
    assert!(got.is_empty(), "{}", String::from_utf8_lossy(&got));
    let log = backend.log();
    assert!(
        log.contains(&format!("[{me}] closed: no valid PROXY protocol header (no PROXY protocol header)")),
        "{log}"
    );
    // HAProxy's health checks send their header and are never refused.
    assert_eq!(log.matches("closed: no valid PROXY protocol header").count(), 1, "{log}");

    // An oversized v1 line, and half a header that never ends (closed at
    // --haproxy-timeout): both closed without a word, the server unharmed.
    let mut s = tcp_from(PROXY, plain);
    let _ = s.write_all(format!("PROXY TCP4 {}\r\n", "1".repeat(200)).as_bytes());
    let mut got = Vec::new();
    let _ = s.read_to_end(&mut got);
    assert!(got.is_empty(), "{}", String::from_utf8_lossy(&got));
    let mut s = tcp_from(PROXY, plain);
    let me = s.local_addr().unwrap();
    s.write_all(b"\r\n\r\n\0\r\nQUIT\n\x21\x11\x00\x0c\xc0").unwrap();
    let mut got = Vec::new();
    let _ = s.read_to_end(&mut got);
    assert!(got.is_empty(), "{}", String::from_utf8_lossy(&got));
    assert!(backend.log().contains(&format!("[{me}] closed: no valid PROXY protocol header")), "{}", backend.log());

    // From the trusted address with a header: its client is the session's.
    let mut s = tcp_from(PROXY, plain);
    s.write_all(b"PROXY TCP4 198.51.100.7 127.0.0.2 5555 143\r\n").unwrap();
    let mut greeting = [0u8; 5];
    s.read_exact(&mut greeting).unwrap();
    assert_eq!(&greeting, b"* OK ");
    let json = backend.sessions_json();
    assert!(json.contains("\"address\":\"198.51.100.7\",\"port\":5555"), "{json}");
    drop(s);
}

#[test]
fn the_per_address_cap_counts_the_client_behind_haproxy() {
    let site = Site::new();
    let (backend, _haproxy, [imap, _, _]) = start(&site, &["--max-channels-per-ip", "1"]);
    let mut first = Client::plain_from(Ipv4Addr::new(127, 0, 0, 5), imap);
    assert!(first.greeting.starts_with("* OK "), "{}", first.greeting);
    // HAProxy's own address (and its health checks) is not what is counted.
    let mut other = Client::plain_from(Ipv4Addr::new(127, 0, 0, 6), imap);
    assert!(other.greeting.starts_with("* OK "), "{}", other.greeting);
    let mut second = Client::plain_from(Ipv4Addr::new(127, 0, 0, 5), imap);
    assert_eq!(second.greeting, "* BYE Too many connections from your address, try again later");
    assert!(second.closed());
    first.ok("LOGOUT");
    other.ok("LOGOUT");
    assert!(backend.log().contains("refused: 1 connections from this address"), "{}", backend.log());
}
