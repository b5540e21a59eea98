//! What the monitor answers: the Host check (against DNS rebinding), the
//! guard on state-changing requests (against cross-site requests), the
//! administrator login of `--monitor-auth`, then the pages.

use std::net::IpAddr;

use super::http::{Request, Ticket};
use super::{login, render};
use crate::activity::Snapshot;
use crate::shared::Shared;

/// The header a state-changing request must carry. A cross-site form or a
/// script of another origin cannot send it without a CORS preflight,
/// which the monitor never grants.
pub const CSRF_HEADER: &str = "X-Tegami-Monitor";

/// One answer: status, content type and body.
pub struct Answer {
    /// The HTTP status code.
    pub status: u16,
    /// The Content-Type.
    pub kind: &'static str,
    /// The body.
    pub body: String,
}

impl Answer {
    /// A plain-text answer.
    pub fn text(status: u16, body: String) -> Answer {
        Answer { status, kind: "text/plain; charset=utf-8", body }
    }

    fn ok(kind: &'static str, body: String) -> Answer {
        Answer { status: 200, kind, body }
    }
}

/// Answers one request.
pub fn respond(req: &Request, shared: &Shared, ticket: &Ticket) -> Answer {
    if let Err(refused) = host_allowed(req, shared) {
        log::warn!("monitor [{}] {} refused: {refused}", req.peer, clean(&req.path));
        return Answer::text(421, format!("{refused}\n"));
    }
    // POST is the only method that changes anything (others get 405).
    if req.method == "POST" {
        if let Err(refused) = change_allowed(req, shared) {
            log::warn!("monitor [{}] {} {} refused: {refused}", req.peer, req.method, clean(&req.path));
            return Answer::text(403, format!("{refused}\n"));
        }
    }
    if shared.config.monitor_auth {
        if let Err(status) = login::administrator(req, shared, ticket) {
            return Answer::text(status, "server administrator credentials needed\n".into());
        }
    }
    route(req, shared)
}

fn route(req: &Request, shared: &Shared) -> Answer {
    let (path, query) = req.path.split_once('?').unwrap_or((&req.path, ""));
    let snap = || snapshot(shared);
    match (req.method.as_str(), path) {
        ("GET", "/") => {
            let sort = query.split('&').find_map(|kv| kv.strip_prefix("sort=")).and_then(|v| v.parse().ok());
            Answer::ok("text/html; charset=utf-8", render::page(&snap(), sort))
        }
        ("GET", "/sessions.json") => Answer::ok("application/json", render::sessions_json(&snap())),
        ("GET", "/stats.json") => Answer::ok("application/json", render::stats_json(&snap())),
        ("GET", "/sessions.txt") => Answer::ok("text/plain; charset=utf-8", render::table(&snap())),
        ("GET", "/stats.txt") => Answer::ok("text/plain; charset=utf-8", render::stats_text(&snap())),
        ("GET", "/metrics") => Answer::ok("text/plain; version=0.0.4; charset=utf-8", render::metrics(&snap())),
        ("POST", p) if p.starts_with("/kick/") => {
            let id = p["/kick/".len()..].trim_start_matches("IMAP-").parse::<u64>().ok();
            match id {
                Some(id) if shared.monitor.kick(id, "Disconnected by the administrator") => {
                    log::error!("IMAP-{id:05} disconnected by the administrator through the monitor");
                    Answer::text(200, format!("IMAP-{id:05} disconnected\n"))
                }
                _ => Answer::text(404, "no such session\n".into()),
            }
        }
        ("POST", p) if p.starts_with("/kick-user/") => kick_user(shared, &p["/kick-user/".len()..]),
        (_, "/" | "/sessions.json" | "/stats.json" | "/sessions.txt" | "/stats.txt" | "/metrics") => {
            Answer::text(405, "GET only\n".into())
        }
        _ => Answer::text(404, "not found\n".into()),
    }
}

/// `POST /kick-user/ACCOUNT` (percent-escaped): ends every session logged
/// in as the account (moving a user to another backend), one line each.
fn kick_user(shared: &Shared, escaped: &str) -> Answer {
    let Some(user) = unescape(escaped) else {
        return Answer::text(400, "bad account name\n".into());
    };
    let ids: Vec<u64> = snapshot(shared)
        .sessions
        .iter()
        .filter(|r| r.account.as_deref() == Some(user.as_str()))
        .map(|r| r.id)
        .collect();
    let mut out = String::new();
    for id in ids {
        // One that ended meanwhile is not listed.
        if shared.monitor.kick(id, "Disconnected by the administrator") {
            log::error!("IMAP-{id:05} ({user}) disconnected by the administrator through the monitor");
            out.push_str(&format!("IMAP-{id:05} disconnected\n"));
        }
    }
    if out.is_empty() {
        out = format!("no session of {user}\n");
    }
    Answer::text(200, out)
}

/// Undoes `%XX` escapes of a path segment; `None` when one is broken or
/// the result is not UTF-8.
fn unescape(v: &str) -> Option<String> {
    let b = v.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'%' {
            let hex = std::str::from_utf8(b.get(i + 1..i + 3)?).ok()?;
            // Two hex digits only: from_str_radix alone would take a sign.
            if !hex.bytes().all(|h| h.is_ascii_hexdigit()) {
                return None;
            }
            out.push(u8::from_str_radix(hex, 16).ok()?);
            i += 3;
        } else {
            out.push(b[i]);
            i += 1;
        }
    }
    String::from_utf8(out).ok()
}

/// The table and statistics, with the login counters of the shared state
/// (the AgentX subagent answers from the same copy).
pub fn snapshot(shared: &Shared) -> Snapshot {
    let mut s = shared.monitor.snapshot(shared.config.max_channels);
    s.penalty_entries = shared.penalty.len();
    s.noticed = shared.store.noticed();
    s
}

/// The Host header must name this listener (any port): its address as
/// the client reached it, `localhost` when that is a loopback address, or a name
/// given with `--monitor-host`. A page of another site whose name was made
/// to resolve to this address (DNS rebinding) sends its own name.
fn host_allowed(req: &Request, shared: &Shared) -> Result<(), &'static str> {
    let Some(host) = req.header("host") else { return Err("a single Host header is required") };
    let host = host.to_ascii_lowercase();
    // The name is what rebinding forges; the port may differ behind a
    // forwarded port, and is not checked.
    let (name, _port) = split_host(&host).ok_or("malformed Host header")?;
    let ip = name.trim_start_matches('[').trim_end_matches(']').parse::<IpAddr>().ok();
    let ours = ip == Some(req.local.ip())
        || (name == "localhost" && req.local.ip().is_loopback())
        || shared.config.monitor_hosts.iter().any(|h| h.eq_ignore_ascii_case(name));
    if ours {
        Ok(())
    } else {
        Err("Host is not this monitor (see --monitor-host)")
    }
}

/// `name[:port]` or `[v6][:port]`.
fn split_host(host: &str) -> Option<(&str, Option<u16>)> {
    let (name, port) = match host.rfind(':') {
        Some(i) if !host[i..].contains(']') && (host.starts_with('[') || host[..i].find(':').is_none()) => {
            (&host[..i], Some(host[i + 1..].parse().ok()?))
        }
        _ => (host, None),
    };
    (!name.is_empty()).then_some((name, port))
}

/// A request that changes something (`POST /kick/N`) needs `--monitor-auth`
/// (so an administrator asked for it), the [`CSRF_HEADER`], and no Origin
/// but this monitor's own.
fn change_allowed(req: &Request, shared: &Shared) -> Result<(), &'static str> {
    if !shared.config.monitor_auth {
        return Err("state-changing requests need --monitor-auth on the server");
    }
    if req.header(&CSRF_HEADER.to_ascii_lowercase()) != Some("1") {
        return Err("the X-Tegami-Monitor: 1 header is required");
    }
    if let Some(origin) = req.header("origin") {
        let host = req.header("host").unwrap_or("").to_ascii_lowercase();
        let scheme = if req.tls { "https://" } else { "http://" };
        if origin.to_ascii_lowercase() != format!("{scheme}{host}") {
            return Err("cross-site request");
        }
    }
    Ok(())
}

/// A request path fit for a log line.
fn clean(s: &str) -> String {
    crate::logtext::escape(s)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kick_user_names_are_unescaped_strictly() {
        assert_eq!(unescape("alice%40example.org").as_deref(), Some("alice@example.org"));
        assert_eq!(unescape("a%20b").as_deref(), Some("a b"));
        assert_eq!(unescape("a%2"), None);
        assert_eq!(unescape("a%+1"), None);
        assert_eq!(unescape("%FF"), None);
    }

    #[test]
    fn hosts_split_into_name_and_port() {
        assert_eq!(split_host("localhost:8143"), Some(("localhost", Some(8143))));
        assert_eq!(split_host("127.0.0.1"), Some(("127.0.0.1", None)));
        assert_eq!(split_host("[::1]:8143"), Some(("[::1]", Some(8143))));
        assert_eq!(split_host("[::1]"), Some(("[::1]", None)));
        assert_eq!(split_host("a:b"), None);
        assert_eq!(split_host(":80"), None);
    }
}
