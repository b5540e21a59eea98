//! Where a connection comes from: the client's own address, or the one a
//! trusted proxy reports (the ID fields of Dovecot's proxy from
//! `--trusted-networks`, or a PROXY protocol header on a `--listen-haproxy`
//! listener). The session keeps one [`Origin`]; its `peer` is the client's
//! address, which the log, `allow_nets`, the penalty, the per-address cap,
//! the monitor and fail2ban all read.

use std::net::{IpAddr, SocketAddr};
use std::sync::Arc;
use std::time::Duration;

use parking_lot::Mutex;

use crate::auth::policy::{canonical, Net};
use crate::net::proxy::Header;
use count::{IpGuard, PerIp};

pub mod count;
pub mod id;

/// The flags of issue 23's first part.
#[derive(Clone, Debug, Default)]
pub struct ProxyConfig {
    /// `--trusted-networks`: fronts whose ID fields name the client.
    pub trusted: Vec<Net>,
    /// `--haproxy-trusted-networks`: who may send a PROXY header.
    pub haproxy_trusted: Vec<Net>,
    /// `--listen-haproxy`: clear-text listeners behind HAProxy.
    pub listen: Vec<SocketAddr>,
    /// `--listen-tls-haproxy`: implicit-TLS listeners behind HAProxy.
    pub listen_tls: Vec<SocketAddr>,
    /// `--haproxy-timeout`: how long the header may take.
    pub header_timeout: Duration,
}

impl ProxyConfig {
    /// Reads the flags; an error names the flag at fault.
    pub fn from_matches(m: &getopts::Matches) -> Result<ProxyConfig, String> {
        let nets = |flag: &str| m.opt_str(flag).map(|v| parse_networks(flag, &v)).transpose();
        let addrs = |flag: &str| {
            m.opt_strs(flag)
                .iter()
                .map(|s| s.parse().map_err(|_| format!("--{flag} {s}: expected ADDR:PORT such as 0.0.0.0:143")))
                .collect::<Result<Vec<SocketAddr>, String>>()
        };
        let secs = match m.opt_str("haproxy-timeout") {
            None => 3,
            Some(v) => v
                .parse::<u64>()
                .ok()
                .filter(|&n| n > 0)
                .ok_or(format!("--haproxy-timeout {v}: expected seconds, at least 1"))?,
        };
        let c = ProxyConfig {
            trusted: nets("trusted-networks")?.unwrap_or_default(),
            haproxy_trusted: nets("haproxy-trusted-networks")?.unwrap_or_default(),
            listen: addrs("listen-haproxy")?,
            listen_tls: addrs("listen-tls-haproxy")?,
            header_timeout: Duration::from_secs(secs),
        };
        if c.haproxy_trusted.is_empty() && !(c.listen.is_empty() && c.listen_tls.is_empty()) {
            return Err("--listen-haproxy and --listen-tls-haproxy need --haproxy-trusted-networks".into());
        }
        Ok(c)
    }

    /// Whether `ip` may speak for its clients in ID fields.
    pub fn trusts(&self, ip: IpAddr) -> bool {
        self.trusted.iter().any(|n| n.contains(ip))
    }

    /// Whether `ip` may send a PROXY header.
    pub fn trusts_haproxy(&self, ip: IpAddr) -> bool {
        self.haproxy_trusted.iter().any(|n| n.contains(ip))
    }
}

/// Parses `CIDR,CIDR` (spaces allowed too, as Dovecot writes its lists).
pub fn parse_networks(flag: &str, v: &str) -> Result<Vec<Net>, String> {
    v.split([',', ' '])
        .filter(|s| !s.is_empty())
        .map(|s| match Net::parse(s) {
            Some(n @ Net::Cidr(..)) => Ok(n),
            _ => Err(format!("--{flag} {s}: expected an address or a network such as 10.0.0.0/8")),
        })
        .collect()
}

/// How the client's address is known.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Via {
    /// The connection comes from the client itself.
    Direct,
    /// From `--trusted-networks`, before (or without) an ID naming a client.
    Trusted,
    /// From `--trusted-networks`, the client named by ID fields.
    Id,
    /// A PROXY protocol header named it.
    Haproxy,
}

/// Where a session's connection comes from.
pub struct Origin {
    /// The address the TCP connection came from (the proxy, when there is one).
    pub connected_from: SocketAddr,
    /// The client's address: `connected_from`, or what a trusted proxy reported.
    pub client: SocketAddr,
    /// How `client` is known.
    pub via: Via,
    /// The server address the client reached, as the proxy reported it.
    pub reported_local: Option<IpAddr>,
    /// A PROXY v2 header's word on whether the client used TLS.
    pub client_tls: Option<bool>,
    /// The front's identifier of the connection, for the log.
    pub session_id: Option<String>,
    per_ip: PerIp,
    /// The per-address count held; the server empties it when the channel
    /// is given back.
    slot: Arc<Mutex<Option<IpGuard>>>,
}

impl Origin {
    /// A connection as accepted; `guard` is its per-address count (None
    /// from trusted fronts, counted once they name the client).
    pub fn accepted(peer: SocketAddr, trusted: bool, per_ip: PerIp, guard: Option<IpGuard>) -> Origin {
        Origin {
            connected_from: peer,
            client: peer,
            via: if trusted { Via::Trusted } else { Via::Direct },
            reported_local: None,
            client_tls: None,
            session_id: None,
            per_ip,
            slot: Arc::new(Mutex::new(guard)),
        }
    }

    /// A connection counted nowhere, straight from the client (for tests
    /// and tools that build a session by hand).
    pub fn direct(peer: SocketAddr) -> Origin {
        Origin::accepted(peer, false, PerIp::new(0), None)
    }

    /// The slot of the per-address count, which the server empties when
    /// it gives the channel back.
    pub fn count_slot(&self) -> Arc<Mutex<Option<IpGuard>>> {
        self.slot.clone()
    }

    /// Takes what a PROXY header says; false when the client's address is
    /// at `--max-channels-per-ip`.
    pub fn from_header(&mut self, h: Header) -> bool {
        self.via = Via::Haproxy;
        self.client_tls = h.client_tls;
        self.session_id = h.unique_id;
        self.reported_local = h.destination.map(|d| d.ip());
        self.client = h.source.unwrap_or(self.connected_from);
        self.count(self.client.ip())
    }

    /// Counts the connection against `ip`'s cap; false when it is full.
    fn count(&mut self, ip: IpAddr) -> bool {
        match self.per_ip.take(ip) {
            Some(g) => {
                *self.slot.lock() = Some(g);
                true
            }
            None => false,
        }
    }

    /// Whether clear-text login methods are allowed: over TLS; from a
    /// trusted front (Dovecot counts those connections secured: the front
    /// applied the rule to the client's own connection); behind HAProxy as
    /// its header reports the client's connection; otherwise by the flags
    /// (`--no-cleartext-login` clears `login`, `--allow-cleartext-login`
    /// sets `anywhere`), the server's own address (`local`) counting as a
    /// safe place.
    pub fn cleartext_allowed(&self, is_tls: bool, local: Option<SocketAddr>, login: bool, anywhere: bool) -> bool {
        if is_tls || matches!(self.via, Via::Trusted | Via::Id) || self.client_tls == Some(true) {
            return true;
        }
        let own = match self.via {
            Via::Haproxy => self.reported_local,
            _ => local.map(|l| l.ip()),
        };
        let same_host = own.is_some_and(|l| canonical(l) == canonical(self.client.ip()));
        login && (anywhere || same_host)
    }
}

#[cfg(test)]
mod tests;
