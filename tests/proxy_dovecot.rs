//! Issue 23, must-show 1: Debian's Dovecot as the IMAP proxy (contrib/proxy
//! dovecot.conf and passwd as written, ports and paths substituted) in
//! front of two tegami backends over one maildir root. Users are pinned by
//! host=; the backends take the client's address from Dovecot's ID fields
//! (--trusted-networks), so their logs, monitor, penalty, allow_nets,
//! per-address cap and fail2ban's filter see 127.0.0.5, the test's client;
//! the same fields from an untrusted address are ignored.

mod proxy_support;
mod support;

use std::net::{Ipv4Addr, SocketAddr};
use std::process::{Command, Stdio};

use proxy_support::{contrib, free_port, password, wait_listening, Backend, Daemon, Site};
use support::Client;

const CLIENT: Ipv4Addr = Ipv4Addr::new(127, 0, 0, 5);

/// Backend A on 127.0.0.2, B on 127.0.0.3, both trusting the proxy's
/// address, and Dovecot's proxy on 127.0.0.1 in front of them.
struct Front {
    site: Site,
    a: Backend,
    b: Backend,
    proxy: SocketAddr,
    _dovecot: Daemon,
}

fn backend(site: &Site, name: &str, ip: &str) -> Backend {
    let listen = format!("{ip}:0");
    let args = ["-l", &listen, "--trusted-networks", "127.0.0.1/32", "--monitor", &listen, "--auth-penalty", "50"];
    Backend::start(site, name, &args, 1)
}

fn start() -> Front {
    let site = Site::new();
    let a = backend(&site, "a", "127.0.0.2");
    let b = backend(&site, "b", "127.0.0.3");
    let d = site.path().join("dovecot");
    std::fs::create_dir_all(&d).unwrap();
    for f in ["cert.pem", "key.pem"] {
        std::fs::copy(site.path().join(f), d.join(f)).unwrap();
    }
    let port = free_port(Ipv4Addr::LOCALHOST);
    let dir = d.display().to_string();
    let conf =
        contrib("dovecot.conf", &[("/srv/dovecot-proxy", dir.clone()), ("port = 10143", format!("port = {port}"))]);
    std::fs::write(d.join("dovecot.conf"), conf).unwrap();
    let (pa, pb) = (a.addr("clear text").port(), b.addr("clear text").port());
    let passwd = contrib("passwd", &[("port=10144", format!("port={pa}")), ("port=10145", format!("port={pb}"))]);
    std::fs::write(d.join("passwd"), passwd).unwrap();
    let child = Command::new("/usr/sbin/dovecot")
        .args(["-F", "-c"])
        .arg(d.join("dovecot.conf"))
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("dovecot (install dovecot-imapd with contrib/test)");
    let proxy = SocketAddr::from((Ipv4Addr::LOCALHOST, port));
    let dovecot = Daemon(child);
    wait_listening(proxy);
    Front { site, a, b, proxy, _dovecot: dovecot }
}

impl Front {
    /// A client from `src` through the proxy, over STARTTLS (the proxy's
    /// ssl = required); its local address.
    fn client(&self, src: Ipv4Addr) -> (Client, SocketAddr) {
        let mut c = Client::plain_from(src, self.proxy);
        assert!(c.greeting.starts_with("* OK"), "{}", c.greeting);
        let me = match c.r.get_ref() {
            support::Conn::Plain(s) => s.local_addr().unwrap(),
            support::Conn::Tls(_) => unreachable!(),
        };
        c.starttls(&self.site.cert());
        (c, me)
    }

    /// LOGIN through the proxy from `src`; the tagged answer.
    fn login(&self, src: Ipv4Addr, user: &str, pass: &str) -> (Client, SocketAddr, String) {
        let (mut c, me) = self.client(src);
        let tagged = c.cmd(&format!("LOGIN {user} {pass}")).pop().unwrap();
        (c, me, tagged)
    }

    fn dovecot_log(&self) -> String {
        std::fs::read_to_string(self.site.path().join("dovecot/dovecot.log")).unwrap_or_default()
    }
}

#[test]
fn users_are_pinned_by_host_and_the_backends_see_the_client() {
    let f = start();
    let (mut alice, me, tagged) = f.login(CLIENT, "alice", password("alice"));
    assert!(tagged.contains(" OK"), "{tagged}\n{}", f.dovecot_log());
    alice.ok("SELECT INBOX");
    // While the session runs, A's monitor shows the client's address.
    let json = f.a.sessions_json();
    assert!(json.contains(&format!("\"address\":\"127.0.0.5\",\"port\":{}", me.port())), "{json}");
    assert!(!f.b.sessions_json().contains("127.0.0.5"));
    alice.ok("LOGOUT");
    let a_log = f.a.log();
    assert!(a_log.contains(&format!("[{me}] login alice")), "{a_log}");
    assert!(a_log.contains(&format!("[{me}] client named by the front 127.0.0.1:")), "{a_log}");
    assert!(!f.b.log().contains("login alice"), "{}", f.b.log());

    let (mut bob, me, tagged) = f.login(CLIENT, "bob", password("bob"));
    assert!(tagged.contains(" OK"), "{tagged}");
    bob.ok("LOGOUT");
    assert!(f.b.log().contains(&format!("[{me}] login bob")), "{}", f.b.log());
    assert!(!f.a.log().contains("login bob"));

    // One maildir root: A made alice's maildir, B made bob's, side by side.
    for u in ["alice", "bob"] {
        assert!(f.site.path().join("home").join(u).join("Maildir/cur").is_dir(), "{u}");
    }
}

#[test]
fn the_penalty_and_allow_nets_see_the_client() {
    let f = start();
    // Wrong passwords: the backend delays per client address. The delays
    // logged are computed, not measured: 50 ms for the first failure of a
    // name from an address, plus 50 ms a failure the address made before.
    let (_c, me, tagged) = f.login(CLIENT, "alice", "wrong");
    assert!(tagged.contains(" NO"), "{tagged}");
    let (_c, me2, _) = f.login(CLIENT, "alice", "wrong2");
    let (_c, other, _) = f.login(Ipv4Addr::new(127, 0, 0, 6), "carol", "wrong");
    let log = f.a.log();
    let line =
        |who: SocketAddr| log.lines().find(|l| l.contains(&format!("[{who}] login failed"))).unwrap_or("").to_string();
    assert!(line(me).contains("rip=127.0.0.5 user=<alice>") && line(me).contains("delay=50ms"), "{log}");
    // The address's failure (50) and the name's second (100).
    assert!(line(me2).contains("delay=150ms"), "{log}");
    // Another client of the same proxy is not slowed by 127.0.0.5's failures.
    assert!(line(other).contains("rip=127.0.0.6 user=<carol>") && line(other).contains("delay=50ms"), "{log}");

    // carol may log in from 127.0.0.6 only.
    let (_c, me, tagged) = f.login(CLIENT, "carol", password("carol"));
    assert!(tagged.contains(" NO"), "{tagged}");
    assert!(f.a.log().contains(&format!("[{me}] login failed: rip=127.0.0.5 user=<carol>")), "{}", f.a.log());
    let (mut c, me, tagged) = f.login(Ipv4Addr::new(127, 0, 0, 6), "carol", password("carol"));
    assert!(tagged.contains(" OK"), "{tagged}");
    c.ok("LOGOUT");
    assert!(f.a.log().contains(&format!("[{me}] login carol")), "{}", f.a.log());

    // fail2ban's filter (contrib/fail2ban) finds the clients, never the proxy.
    let ips = support::fail2ban_ips(&f.a.log);
    assert_eq!(ips, ["127.0.0.5", "127.0.0.5", "127.0.0.5", "127.0.0.6"], "{}", f.a.log());
}

#[test]
fn the_same_id_fields_from_an_untrusted_address_are_ignored() {
    let f = start();
    // Straight to backend A from 127.0.0.7, which is no trusted front.
    let mut c = Client::plain_from(Ipv4Addr::new(127, 0, 0, 7), f.a.addr("clear text"));
    let me = match c.r.get_ref() {
        support::Conn::Plain(s) => s.local_addr().unwrap(),
        support::Conn::Tls(_) => unreachable!(),
    };
    c.starttls(&f.site.cert());
    c.ok(r#"ID ("x-originating-ip" "127.0.0.6" "x-originating-port" "4444" "x-connected-ip" "127.0.0.2" "x-session-id" "forged")"#);
    let tagged = c.cmd(&format!("LOGIN carol {}", password("carol"))).pop().unwrap();
    assert!(tagged.contains(" NO"), "allow_nets must see 127.0.0.7: {tagged}");
    let log = f.a.log();
    assert!(
        log.contains(&format!("[{me}] ID forwarding fields ignored: 127.0.0.7 is not in --trusted-networks")),
        "{log}"
    );
    assert!(log.contains(&format!("[{me}] login failed: rip=127.0.0.7 user=<carol>")), "{log}");
    assert!(!log.contains("127.0.0.6:4444"), "{log}");
}

#[test]
fn the_per_address_cap_counts_the_client_a_front_names() {
    let site = Site::new();
    let args = ["-l", "127.0.0.2:0", "--trusted-networks", "127.0.0.1/32", "--max-channels-per-ip", "1"];
    let a = Backend::start(&site, "a", &args, 1);
    let front = Ipv4Addr::LOCALHOST;
    let id = |ip: &str| {
        format!(r#"ID ("x-originating-ip" "{ip}" "x-originating-port" "4000" "x-connected-ip" "127.0.0.1")"#)
    };
    // The front itself is not capped: it carries many clients.
    let mut first = Client::plain_from(front, a.addr("clear text"));
    let mut second = Client::plain_from(front, a.addr("clear text"));
    assert!(second.greeting.starts_with("* OK"), "{}", second.greeting);
    first.ok(&id("127.0.0.5"));
    // A second connection of 127.0.0.5 is one too many; 127.0.0.6 is not.
    let lines = second.cmd(&id("127.0.0.5"));
    assert_eq!(lines[0], "* BYE Too many connections from your address, try again later", "{lines:?}");
    assert!(second.closed());
    let mut third = Client::plain_from(front, a.addr("clear text"));
    third.ok(&id("127.0.0.6"));
    third.ok(&format!("LOGIN bob {}", password("bob")));
    // Once 127.0.0.5's session ends, its place is free again.
    first.ok("LOGOUT");
    assert!(first.closed(), "the close comes after the place is given back");
    let mut again = Client::plain_from(front, a.addr("clear text"));
    again.ok(&id("127.0.0.5"));
    assert!(
        a.log().contains("[127.0.0.5:4000] refused: 1 connections from this address (--max-channels-per-ip)"),
        "{}",
        a.log()
    );
}
