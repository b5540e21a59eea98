//! SIGHUP and SIGTERM (issue 14, must-show 5): a renewed certificate is used
//! by new TLS connections while open ones keep working; a broken one is
//! refused and the old one stays; SIGTERM says BYE to every session and
//! exits 0.

mod ops_common;
mod support;

use ops_common::Ops;
use support::{eventually, Client, Conn};

/// The certificate the server presented on `c`.
fn presented(c: &Client) -> Vec<u8> {
    let Conn::Tls(t) = c.r.get_ref() else { panic!("not TLS") };
    t.conn.peer_certificates().unwrap()[0].to_vec()
}

/// The DER of the first certificate of a PEM file.
fn der(path: &std::path::Path) -> Vec<u8> {
    use rustls::pki_types::pem::PemObject;
    rustls::pki_types::CertificateDer::pem_file_iter(path).unwrap().next().unwrap().unwrap().to_vec()
}

#[test]
fn sighup_renews_the_certificate_and_keeps_it_when_the_new_one_is_broken() {
    let ops = Ops::start(&[]);
    let d = ops.dir.path();
    let old_cert = d.join("old.pem");
    std::fs::copy(ops.cert(), &old_cert).unwrap();
    let mut open = Client::tls(ops.tls, &old_cert);
    open.ok("LOGIN bob builder");
    assert_eq!(presented(&open), der(&old_cert));

    // Renewed: same paths, new pair.
    tegami::net::write_self_signed(&["localhost", "127.0.0.1"], &ops.cert(), &d.join("key.pem")).unwrap();
    let new_cert = d.join("new.pem");
    std::fs::copy(ops.cert(), &new_cert).unwrap();
    ops.signal(libc::SIGHUP);
    eventually("the reload", || ops.log().contains("TLS certificate reloaded"));
    let mut fresh = Client::tls(ops.tls, &new_cert);
    assert!(fresh.greeting.starts_with("* OK"), "{}", fresh.greeting);
    assert_eq!(presented(&fresh), der(&new_cert));
    assert_ne!(der(&new_cert), der(&old_cert));
    fresh.ok("LOGIN alice wonderland");
    // STARTTLS takes the new one too.
    let mut upgraded = ops.connect();
    upgraded.starttls(&new_cert);
    upgraded.ok("NOOP");
    assert_eq!(presented(&upgraded), der(&new_cert));
    // The session opened before keeps working with its own.
    open.ok("SELECT INBOX");
    assert_eq!(presented(&open), der(&old_cert));

    // Broken: refused with a log line, the last good one stays.
    std::fs::write(ops.cert(), "-----BEGIN CERTIFICATE-----\nbroken\n-----END CERTIFICATE-----\n").unwrap();
    ops.signal(libc::SIGHUP);
    eventually("the refusal", || ops.log().contains("TLS certificate not reloaded, keeping the old one"));
    let mut after = Client::tls(ops.tls, &new_cert);
    assert!(after.greeting.starts_with("* OK"), "{}", after.greeting);
    assert_eq!(presented(&after), der(&new_cert));
    after.ok("NOOP");
    // A key that does not match the certificate is refused as well.
    let (c2, k2) = (d.join("c2.pem"), d.join("k2.pem"));
    tegami::net::write_self_signed(&["other"], &c2, &k2).unwrap();
    std::fs::copy(&new_cert, ops.cert()).unwrap();
    std::fs::copy(&k2, d.join("key.pem")).unwrap();
    ops.signal(libc::SIGHUP);
    eventually("the mismatch", || ops.log().contains("do not match"));
    let mut last = Client::tls(ops.tls, &new_cert);
    last.ok("NOOP");
    assert_eq!(presented(&last), der(&new_cert));
}

#[test]
fn sigterm_says_bye_to_every_session_and_exits_0() {
    let mut ops = Ops::start(&[]);
    let mut resting = ops.login("alice");
    resting.ok("SELECT INBOX");
    let mut idling = ops.login("bob");
    idling.ok("SELECT INBOX");
    idling.send(b"i IDLE\r\n");
    assert!(idling.line().starts_with("+ "));
    let mut anon = Client::tls(ops.tls, &ops.cert());
    anon.ok("NOOP");
    eventually("three sessions", || ops.sessions().len() == 3);

    ops.signal(libc::SIGTERM);
    for c in [&mut resting, &mut idling, &mut anon] {
        assert_eq!(c.line(), "* BYE Server shutting down");
        assert!(c.closed());
    }
    let mut status = None;
    eventually("the server to exit", || {
        status = ops.child.try_wait().unwrap();
        status.is_some()
    });
    assert!(status.unwrap().success(), "{status:?}");
    let log = ops.log();
    assert!(log.contains("SIGTERM: shutting down (3 sessions)"), "{log}");
    assert!(log.lines().last().unwrap().ends_with("stopped"), "{log}");
    assert!(std::net::TcpStream::connect(ops.plain).is_err(), "still accepting");
}

#[test]
fn sigterm_lets_a_running_append_finish_first() {
    let mut ops = Ops::start(&[]);
    let mut c = ops.login("bob");
    // Large enough to be streamed to tmp/ as it arrives (a running command).
    let mut msg = b"Subject: finishing\r\n\r\n".to_vec();
    msg.resize(400_000, b'x');
    c.send(format!("a1 APPEND INBOX {{{}}}\r\n", msg.len()).as_bytes());
    assert!(c.line().starts_with("+ "));
    c.send(&msg[..100_000]);
    eventually("the APPEND to run", || ops.sessions().first().is_some_and(|r| r["state"] == "APPEND"));
    ops.signal(libc::SIGTERM);
    eventually("the shutdown to begin", || ops.log().contains("SIGTERM: shutting down"));
    assert!(std::net::TcpStream::connect(ops.plain).is_err(), "still accepting");
    c.send(&msg[100_000..]);
    c.send(b"\r\n");
    let done = c.until_tagged("a1");
    assert!(done.last().unwrap().starts_with("a1 OK"), "{done:?}");
    assert_eq!(c.line(), "* BYE Server shutting down");
    let mut status = None;
    eventually("the server to exit", || {
        status = ops.child.try_wait().unwrap();
        status.is_some()
    });
    assert!(status.unwrap().success());
    let cur = ops.dir.path().join("home/bob/Maildir/cur");
    let sizes: Vec<u64> = std::fs::read_dir(cur).unwrap().map(|e| e.unwrap().metadata().unwrap().len()).collect();
    assert_eq!(sizes, [400_000]);
}
