//! `tegami who`, `stats` and `kick` over HTTPS (issue 25, from the
//! monitor's open items): with `--cacert` (or an https:// monitor) they
//! speak TLS to the monitor, trusting only the given certificate, so the
//! administrator's password does not cross the network in clear text.

mod ops_common;
mod support;

use ops_common::{local_port, row, Ops};
use support::eventually;

#[test]
fn who_stats_and_kick_speak_https_to_the_monitor() {
    let ops = Ops::start(&["--monitor-auth"]);
    let cert = ops.cert().to_str().unwrap().to_string();
    let mon = format!("https://127.0.0.1:{}", ops.monitor.port());
    let mut bob = ops.login("bob");

    let (code, out, err) =
        ops.admin(&["who", "--monitor", &mon, "--cacert", &cert, "--admin", "alice"], Some("wonderland"));
    assert_eq!(code, 0, "{err}");
    assert!(out.lines().any(|l| l.starts_with("IMAP-") && l.contains("bob")), "{out}");
    // --cacert with a bare address is HTTPS too.
    let bare = ops.monitor.to_string();
    let (code, out, err) =
        ops.admin(&["stats", "--monitor", &bare, "--cacert", &cert, "--admin", "alice"], Some("wonderland"));
    assert_eq!(code, 0, "{err}");
    assert!(out.to_lowercase().contains("logins"), "{out}");

    let tag = row(&ops.sessions(), local_port(&bob)).unwrap()["tag"].as_str().unwrap().to_string();
    let (code, out, err) =
        ops.admin(&["kick", "--monitor", &mon, "--cacert", &cert, "--admin", "alice", &tag], Some("wonderland"));
    assert_eq!(code, 0, "{err}");
    assert!(out.contains(&tag), "{out}");
    assert_eq!(bob.line(), "* BYE Disconnected by the administrator");
    eventually("the row to go", || row(&ops.sessions(), local_port(&bob)).is_none());
}

#[test]
fn https_refuses_a_certificate_it_was_not_told_to_trust() {
    let ops = Ops::start(&[]);
    let mon = format!("https://127.0.0.1:{}", ops.monitor.port());
    // Another self-signed certificate: the monitor's does not chain to it.
    let other = tempfile::tempdir().unwrap();
    let (c, k) = (other.path().join("c.pem"), other.path().join("k.pem"));
    tegami::net::write_self_signed(&["localhost", "127.0.0.1"], &c, &k).unwrap();
    let (code, out, err) = ops.admin(&["who", "--monitor", &mon, "--cacert", c.to_str().unwrap()], None);
    assert_eq!(code, 1, "{out}");
    assert!(err.to_lowercase().contains("certificate"), "{err}");
    // https:// without a certificate to trust is refused before connecting.
    let (code, _, err) = ops.admin(&["who", "--monitor", &mon], None);
    assert_eq!(code, 1);
    assert!(err.contains("--cacert"), "{err}");
}
