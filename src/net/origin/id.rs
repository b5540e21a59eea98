//! The ID fields a trusted front sends before login (RFC 2971 with
//! Dovecot's `x-` keys): the client's address, the address it reached, the
//! front's session id and its proxy TTL.

use std::net::{IpAddr, SocketAddr};

use super::Via;
use crate::proto::untagged::Response;
use crate::session::{Session, State};

/// The keys read here; other ID fields are the client's own business.
const KEYS: &[&str] =
    &["x-originating-ip", "x-originating-port", "x-connected-ip", "x-session-id", "x-session-ext-id", "x-proxy-ttl"];
/// The longest session id kept for the log.
const SESSION_ID_MAX: usize = 128;

/// Applies the forwarding fields of one ID command: from a trusted front,
/// before login and once per connection, they name the client; anywhere
/// else they are ignored (and logged at Low-Level). A client whose address
/// is at `--max-channels-per-ip` is told BYE.
pub fn apply_id(s: &mut Session, params: &[(Vec<u8>, Option<Vec<u8>>)]) {
    let field = |key: &str| {
        params
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(key.as_bytes()))
            .and_then(|(_, v)| v.as_deref())
            .map(|v| String::from_utf8_lossy(v).into_owned())
    };
    if !KEYS.iter().any(|k| field(k).is_some()) {
        return;
    }
    let from = s.origin.connected_from;
    let why_not = if !s.shared.config.proxy.trusts(from.ip()) {
        Some(format!("{} is not in --trusted-networks", from.ip()))
    } else if s.state != State::NotAuthenticated {
        Some("sent after login".to_string())
    } else if s.origin.via != Via::Trusted {
        Some("the client is already named".to_string())
    } else {
        None
    };
    if let Some(why) = why_not {
        log::debug!("{} [{}] ID forwarding fields ignored: {why}", s.tag(), s.peer);
        return;
    }
    let origin = &mut s.origin;
    origin.via = Via::Id;
    // Dovecot 2.3 sends its own id as x-session-ext-id.
    origin.session_id = field("x-session-id").or_else(|| field("x-session-ext-id")).map(|v| printable(&v));
    origin.reported_local = field("x-connected-ip").and_then(|v| ip(&v));
    let ttl = field("x-proxy-ttl").map(|v| printable(&v));
    let Some(client_ip) = field("x-originating-ip").and_then(|v| ip(&v)) else {
        log::warn!(
            "{} [{from}] ID from a trusted front without a usable x-originating-ip: its own address stands",
            s.tag()
        );
        return;
    };
    let port = field("x-originating-port").and_then(|v| v.parse::<u16>().ok()).unwrap_or(0);
    let client = SocketAddr::new(client_ip, port);
    origin.client = client;
    let counted = origin.count(client_ip);
    let session = origin.session_id.clone().unwrap_or_default();
    s.peer = client;
    s.monitor.set_peer(client);
    log::debug!(
        "{} [{client}] client named by the front {from} (session {session:?}, proxy TTL {})",
        s.tag(),
        ttl.as_deref().unwrap_or("none")
    );
    if !counted {
        log::warn!(
            "{} [{client}] refused: {} connections from this address (--max-channels-per-ip)",
            s.tag(),
            s.shared.config.net.max_per_ip
        );
        s.respond(Response::Bye("Too many connections from your address, try again later".into()));
        s.state = State::Logout;
    }
}

/// An address as fronts write it (IPv6 possibly in brackets).
fn ip(v: &str) -> Option<IpAddr> {
    let v = v.trim();
    v.strip_prefix('[').and_then(|x| x.strip_suffix(']')).unwrap_or(v).parse().ok()
}

/// A value for the log: printable ASCII, bounded.
fn printable(v: &str) -> String {
    v.chars().take(SESSION_ID_MAX).map(|c| if c.is_ascii_graphic() { c } else { '?' }).collect()
}
