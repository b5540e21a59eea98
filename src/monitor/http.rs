//! The monitor's HTTP/1.1 listener: a small blocking server over std on its
//! own thread, one short-lived thread per request (at most
//! [`MAX_CLIENTS`] at once). Every response closes the connection. A request
//! head is at most [`MAX_HEAD`] octets and must arrive within
//! [`REQUEST_TIME`], so a hostile client costs little. When the server has
//! a certificate, a connection that starts with a TLS handshake gets HTTPS
//! with it (the same port serves both).

use std::io::{self, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::thread;
use std::time::{Duration, Instant};

use base64::Engine;

use super::{registry, render};
use crate::net::Stream;
use crate::shared::Shared;

/// Requests served at once; more are closed unanswered.
pub const MAX_CLIENTS: usize = 8;
/// Longest request line plus headers.
pub const MAX_HEAD: usize = 8 * 1024;
/// Longest request body accepted (the API takes none).
const MAX_BODY: usize = 1024;
/// Time a client has to send its request.
pub const REQUEST_TIME: Duration = Duration::from_secs(10);

/// The passwd-file extra field that makes an account a server administrator.
pub const ADMIN_FIELD: &str = "tegami_admin";

/// Starts the listener's thread.
pub fn start(listener: TcpListener, shared: Arc<Shared>) -> io::Result<()> {
    let busy = Arc::new(AtomicUsize::new(0));
    thread::Builder::new().name("tegami-monitor".into()).spawn(move || loop {
        let sock = match listener.accept() {
            Ok((s, _)) => s,
            Err(e) => {
                log::warn!("monitor: accept failed: {e}");
                thread::sleep(Duration::from_millis(100));
                continue;
            }
        };
        if busy.fetch_add(1, Ordering::SeqCst) >= MAX_CLIENTS {
            busy.fetch_sub(1, Ordering::SeqCst);
            continue;
        }
        let (shared, done) = (shared.clone(), busy.clone());
        let spawned = thread::Builder::new().name("tegami-monitor-req".into()).spawn(move || {
            connection(sock, &shared);
            done.fetch_sub(1, Ordering::SeqCst);
        });
        if spawned.is_err() {
            busy.fetch_sub(1, Ordering::SeqCst);
            log::warn!("monitor: cannot start a request thread");
        }
    })?;
    Ok(())
}

/// A parsed request head.
struct Request {
    method: String,
    path: String,
    authorization: Option<String>,
    content_length: usize,
}

/// The first octet of a TLS handshake record.
const TLS_HANDSHAKE: u8 = 0x16;

fn connection(sock: TcpStream, shared: &Shared) {
    let _ = sock.set_write_timeout(Some(REQUEST_TIME));
    let _ = sock.set_read_timeout(Some(REQUEST_TIME));
    let mut first = [0u8; 1];
    let starts_tls = matches!(sock.peek(&mut first), Ok(1) if first[0] == TLS_HANDSHAKE);
    let mut stream = match (starts_tls, shared.tls.clone()) {
        (true, Some(tls)) => match Stream::accept_tls_within(sock, tls, REQUEST_TIME) {
            Ok(s) => s,
            Err(e) => {
                log::warn!("monitor: TLS handshake failed: {e}");
                return;
            }
        },
        _ => Stream::plain_tcp(sock),
    };
    serve(&mut stream, shared);
    stream.close();
}

fn serve(sock: &mut Stream, shared: &Shared) {
    let (status, kind, body, unread) = match read_request(sock) {
        Ok(req) => {
            let (status, kind, body) = respond(&req, shared);
            (status, kind, body, false)
        }
        Err(e) => (400, "text/plain", format!("{e}\n"), true),
    };
    let reason = match status {
        200 => "OK",
        400 => "Bad Request",
        401 => "Unauthorized",
        404 => "Not Found",
        405 => "Method Not Allowed",
        _ => "Error",
    };
    let mut head = format!(
        "HTTP/1.1 {status} {reason}\r\nContent-Type: {kind}\r\nContent-Length: {}\r\nCache-Control: no-store\r\nX-Content-Type-Options: nosniff\r\nConnection: close\r\n",
        body.len()
    );
    if status == 401 {
        head.push_str("WWW-Authenticate: Basic realm=\"tegami monitor\", charset=\"UTF-8\"\r\n");
    }
    head.push_str("\r\n");
    let _ = sock.write_all(head.as_bytes()).and_then(|_| sock.write_all(body.as_bytes()));
    let _ = sock.flush();
    if unread {
        // Closing with unread input would reset the connection and lose the
        // answer; read (a bounded amount, briefly) what the client still sends.
        if !sock.is_tls() {
            let _ = sock.tcp().shutdown(std::net::Shutdown::Write);
        }
        let _ = sock.tcp().set_read_timeout(Some(Duration::from_secs(1)));
        let _ = io::copy(&mut sock.take(MAX_DRAIN), &mut io::sink());
    }
}

/// Input read after a refused request, at most.
const MAX_DRAIN: u64 = 256 * 1024;

fn read_request(sock: &mut Stream) -> Result<Request, String> {
    let deadline = Instant::now() + REQUEST_TIME;
    let mut buf = Vec::with_capacity(1024);
    let mut chunk = [0u8; 1024];
    let end = loop {
        if let Some(p) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
            break p;
        }
        if buf.len() > MAX_HEAD {
            return Err("request head too long".into());
        }
        let left = deadline.saturating_duration_since(Instant::now());
        if left.is_zero() {
            return Err("request too slow".into());
        }
        let _ = sock.tcp().set_read_timeout(Some(left));
        match sock.read(&mut chunk) {
            Ok(0) => return Err("connection closed".into()),
            Ok(n) => buf.extend_from_slice(&chunk[..n]),
            Err(e) => return Err(format!("reading the request: {e}")),
        }
    };
    let head = std::str::from_utf8(&buf[..end]).map_err(|_| "request head is not UTF-8".to_string())?;
    let mut lines = head.split("\r\n");
    let first = lines.next().unwrap_or("");
    let mut parts = first.split(' ');
    let (Some(method), Some(path), Some(version), None) = (parts.next(), parts.next(), parts.next(), parts.next())
    else {
        return Err("malformed request line".into());
    };
    if !version.starts_with("HTTP/1.") {
        return Err("HTTP/1.x only".into());
    }
    let mut req =
        Request { method: method.to_string(), path: path.to_string(), authorization: None, content_length: 0 };
    for l in lines {
        let Some((name, value)) = l.split_once(':') else { return Err("malformed header".into()) };
        let value = value.trim();
        if name.eq_ignore_ascii_case("authorization") {
            req.authorization = Some(value.to_string());
        } else if name.eq_ignore_ascii_case("content-length") {
            req.content_length = value.parse().map_err(|_| "bad Content-Length".to_string())?;
        } else if name.eq_ignore_ascii_case("transfer-encoding") {
            return Err("request bodies must have a Content-Length".into());
        }
    }
    if req.content_length > MAX_BODY {
        return Err("request body too large".into());
    }
    // The body is not used; it is read so the close does not reset the
    // connection before the client reads the answer.
    let mut have = buf.len() - end - 4;
    while have < req.content_length {
        let left = deadline.saturating_duration_since(Instant::now());
        if left.is_zero() {
            return Err("request too slow".into());
        }
        let _ = sock.tcp().set_read_timeout(Some(left));
        match sock.read(&mut chunk) {
            Ok(0) | Err(_) => return Err("request body cut short".into()),
            Ok(n) => have += n,
        }
    }
    Ok(req)
}

/// True when the request carries the credentials of a server administrator.
fn authorized(req: &Request, shared: &Shared) -> bool {
    let Some(b64) = req.authorization.as_deref().and_then(|a| a.strip_prefix("Basic ")) else { return false };
    let Ok(raw) = base64::engine::general_purpose::STANDARD.decode(b64.trim()) else { return false };
    let Some(colon) = raw.iter().position(|&b| b == b':') else { return false };
    let Ok(user) = std::str::from_utf8(&raw[..colon]) else { return false };
    let Some(account) = shared.account(user) else { return false };
    account.extra_field(ADMIN_FIELD) == Some("server") && account.verify(&raw[colon + 1..])
}

fn respond(req: &Request, shared: &Shared) -> (u16, &'static str, String) {
    if shared.config.monitor_auth && !authorized(req, shared) {
        log::warn!("monitor: {} {} refused: not a server administrator", req.method, clean(&req.path));
        return (401, "text/plain", "server administrator credentials needed\n".into());
    }
    let (path, query) = req.path.split_once('?').unwrap_or((&req.path, ""));
    let snap = || registry().snapshot(shared.config.max_channels);
    match (req.method.as_str(), path) {
        ("GET", "/") => {
            let sort = query.split('&').find_map(|kv| kv.strip_prefix("sort=")).and_then(|v| v.parse().ok());
            (200, "text/html; charset=utf-8", render::page(&snap(), sort))
        }
        ("GET", "/sessions.json") => (200, "application/json", render::sessions_json(&snap())),
        ("GET", "/stats.json") => (200, "application/json", render::stats_json(&snap())),
        ("GET", "/sessions.txt") => (200, "text/plain; charset=utf-8", render::table(&snap())),
        ("GET", "/stats.txt") => (200, "text/plain; charset=utf-8", render::stats_text(&snap())),
        ("GET", "/metrics") => (200, "text/plain; version=0.0.4; charset=utf-8", render::metrics(&snap())),
        ("POST", p) if p.starts_with("/kick/") => {
            let id = p["/kick/".len()..].trim_start_matches("IMAP-").parse::<u64>().ok();
            match id {
                Some(id) if registry().kick(id, "Disconnected by the administrator") => {
                    log::error!("IMAP-{id:05} disconnected by the administrator through the monitor");
                    (200, "text/plain", format!("IMAP-{id:05} disconnected\n"))
                }
                _ => (404, "text/plain", "no such session\n".into()),
            }
        }
        (_, "/" | "/sessions.json" | "/stats.json" | "/sessions.txt" | "/stats.txt" | "/metrics") => {
            (405, "text/plain", "GET only\n".into())
        }
        _ => (404, "text/plain", "not found\n".into()),
    }
}

/// A request path fit for a log line.
fn clean(s: &str) -> String {
    crate::server::logger::escape(s)
}
