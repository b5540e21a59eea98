//! The acceptor's part of issue 23: listeners behind HAProxy, who is
//! counted against `--max-channels-per-ip` (the client, not its front),
//! and the PROXY header read before anything else.

use std::net::SocketAddr;
use std::time::Instant;

use crate::config::Config;
use crate::net::{proxy, Sock};
use crate::origin::Origin;
use crate::shared::Shared;

use super::limits::PerIp;

/// What a listener expects of its connections.
#[derive(Debug, Clone, Copy)]
pub struct Listener {
    /// Implicit TLS.
    pub tls: bool,
    /// A PROXY protocol header first (`--listen-haproxy`, `--listen-tls-haproxy`).
    pub haproxy: bool,
}

impl Listener {
    /// Every listener address of the configuration, with its kind.
    pub fn all(c: &Config) -> [(&Vec<SocketAddr>, Listener); 4] {
        let kind = |tls, haproxy| Listener { tls, haproxy };
        [
            (&c.listen, kind(false, false)),
            (&c.listen_tls, kind(true, false)),
            (&c.proxy.listen, kind(false, true)),
            (&c.proxy.listen_tls, kind(true, true)),
        ]
    }
}

/// The acceptor's decision on a new connection.
pub enum Admission {
    /// Serve it.
    Go(Origin),
    /// Its address is at `--max-channels-per-ip`: refuse with BYE.
    Full,
    /// Close it at once.
    Closed,
}

/// Decides on a connection before it takes a channel. Fronts (trusted
/// networks, HAProxy) are not counted per address: their clients are,
/// once named.
pub fn admit(kind: Listener, peer: SocketAddr, per_ip: &PerIp, shared: &Shared) -> Admission {
    let proxy = &shared.config.proxy;
    if kind.haproxy {
        if !proxy.trusts_haproxy(peer.ip()) {
            log::warn!("[{peer}] refused: not in --haproxy-trusted-networks (a PROXY protocol listener)");
            return Admission::Closed;
        }
        return Admission::Go(Origin::accepted(peer, false, per_ip.clone(), None));
    }
    if proxy.trusts(peer.ip()) {
        return Admission::Go(Origin::accepted(peer, true, per_ip.clone(), None));
    }
    match per_ip.take(peer.ip()) {
        Some(guard) => Admission::Go(Origin::accepted(peer, false, per_ip.clone(), Some(guard))),
        None => {
            log::warn!(
                "[{peer}] refused: {} connections from this address (--max-channels-per-ip)",
                shared.config.net.max_per_ip
            );
            Admission::Full
        }
    }
}

/// Reads the PROXY header within `--haproxy-timeout` (and the login
/// deadline) and applies it to `origin`. None when the connection must
/// close; else whether the client's address is still under its cap.
pub fn read_header(sock: &mut Sock, origin: &mut Origin, id: u64, shared: &Shared, login: Instant) -> Option<bool> {
    let peer = origin.connected_from;
    let deadline = login.min(Instant::now() + shared.config.proxy.header_timeout);
    sock.set_timing(Some(deadline), None);
    let header = match proxy::read_header(sock) {
        Ok(h) => h,
        Err(e) => {
            log::warn!("IMAP-{id:05} [{peer}] closed: no valid PROXY protocol header ({e})");
            return None;
        }
    };
    let counted = origin.from_header(header);
    log::debug!(
        "IMAP-{id:05} [{}] client named by the PROXY header from {peer}{}",
        origin.client,
        origin.session_id.as_deref().map(|u| format!(" (unique id {u})")).unwrap_or_default()
    );
    if !counted {
        log::warn!(
            "IMAP-{id:05} [{}] refused: {} connections from this address (--max-channels-per-ip)",
            origin.client,
            shared.config.net.max_per_ip
        );
    }
    Some(counted)
}
