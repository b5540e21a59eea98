//! The ID fields a trusted front sends before login (RFC 2971 with
//! Dovecot's `x-` keys): the client's address, the address it reached, the
//! front's session id and its proxy TTL.

use std::net::{IpAddr, SocketAddr};

use super::{Origin, ProxyConfig, Via};

/// The keys read here; other ID fields are the client's own business.
const KEYS: &[&str] =
    &["x-originating-ip", "x-originating-port", "x-connected-ip", "x-session-id", "x-session-ext-id", "x-proxy-ttl"];
/// The longest session id kept for the log.
const SESSION_ID_MAX: usize = 128;

/// A client a front named.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Named {
    /// Its address: the session's `peer` from now on.
    pub client: SocketAddr,
    /// The address is at `--max-channels-per-ip`: the session says BYE.
    pub over_cap: bool,
}

/// Where an ID command comes from, as far as its forwarding fields care.
#[derive(Clone, Copy)]
pub struct Context<'a> {
    /// The fronts trusted.
    pub proxy: &'a ProxyConfig,
    /// No login yet: the only time the fields count.
    pub before_login: bool,
    /// The session's log tag.
    pub tag: &'a str,
    /// `--max-channels-per-ip`, for the log.
    pub max_per_ip: usize,
}

/// Applies the forwarding fields of one ID command: from a trusted front,
/// before login and once per connection, they name the client; anywhere
/// else they are ignored (and logged at Low-Level). None when no client
/// was named.
pub fn apply(origin: &mut Origin, params: &[(Vec<u8>, Option<Vec<u8>>)], cx: &Context) -> Option<Named> {
    let field = |key: &str| {
        params
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(key.as_bytes()))
            .and_then(|(_, v)| v.as_deref())
            .map(|v| String::from_utf8_lossy(v).into_owned())
    };
    if !KEYS.iter().any(|k| field(k).is_some()) {
        return None;
    }
    let (from, tag) = (origin.connected_from, cx.tag);
    let why_not = if !cx.proxy.trusts(from.ip()) {
        Some(format!("{} is not in --trusted-networks", from.ip()))
    } else if !cx.before_login {
        Some("sent after login".to_string())
    } else if origin.via != Via::Trusted {
        Some("the client is already named".to_string())
    } else {
        None
    };
    if let Some(why) = why_not {
        log::debug!("{tag} [{}] ID forwarding fields ignored: {why}", origin.client);
        return None;
    }
    origin.via = Via::Id;
    // Dovecot 2.3 sends its own id as x-session-ext-id.
    origin.session_id = field("x-session-id").or_else(|| field("x-session-ext-id")).map(|v| printable(&v));
    origin.reported_local = field("x-connected-ip").and_then(|v| ip(&v));
    let ttl = field("x-proxy-ttl").map(|v| printable(&v));
    let Some(client_ip) = field("x-originating-ip").and_then(|v| ip(&v)) else {
        log::warn!("{tag} [{from}] ID from a trusted front without a usable x-originating-ip: its own address stands");
        return None;
    };
    let port = field("x-originating-port").and_then(|v| v.parse::<u16>().ok()).unwrap_or(0);
    let client = SocketAddr::new(client_ip, port);
    origin.client = client;
    let over_cap = !origin.count(client_ip);
    log::debug!(
        "{tag} [{client}] client named by the front {from} (session {:?}, proxy TTL {})",
        origin.session_id.as_deref().unwrap_or_default(),
        ttl.as_deref().unwrap_or("none")
    );
    if over_cap {
        log::warn!("{tag} [{client}] refused: {} connections from this address (--max-channels-per-ip)", cx.max_per_ip);
    }
    Some(Named { client, over_cap })
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
