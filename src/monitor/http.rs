//! The monitor's HTTP/1.1 listener: a small blocking server over std on its
//! own thread, one short-lived thread per connection, one request per
//! connection. Request heads are parsed by `httparse` (hyper's parser); the
//! limits are ours: a head of at most [`MAX_HEAD`] octets within
//! [`REQUEST_TIME`], at most [`MAX_CLIENTS`] connections at once.
//!
//! Idle clients cannot block the monitor: when every slot is taken, the
//! connection that has waited longest without being worked on (still
//! sending its head, sitting out a login penalty, or not reading its
//! answer) is closed to make room. When the server has a certificate, a
//! connection that starts with a TLS handshake gets HTTPS with it (the
//! same port serves both).

use std::io::{self, Read, Write};
use std::net::{Shutdown, SocketAddr, TcpListener, TcpStream};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::thread;
use std::time::{Duration, Instant};

use parking_lot::{Condvar, Mutex};

use super::api;
use crate::net::Stream;
use crate::shared::Shared;

/// Connections served at once; beyond it the longest-idle one is closed.
pub const MAX_CLIENTS: usize = 32;
/// Longest request line plus headers.
pub const MAX_HEAD: usize = 8 * 1024;
/// Header fields accepted in one request.
const MAX_HEADERS: usize = 32;
/// Longest request body accepted (the API takes none).
const MAX_BODY: usize = 1024;
/// Time a client has to send its request.
pub const REQUEST_TIME: Duration = Duration::from_secs(10);

/// The passwd-file extra field that makes an account a server administrator.
pub const ADMIN_FIELD: &str = "tegami_admin";

/// One connection's place in the table.
struct Slot {
    id: u64,
    sock: TcpStream,
    /// Since when the connection has been idle (`None`: being worked on).
    idle_since: Option<Instant>,
    wake: Arc<Wake>,
}

/// Wakes a connection's thread out of a penalty wait when it is closed.
#[derive(Default)]
struct Wake {
    closed: Mutex<bool>,
    cv: Condvar,
}

/// The connections being served.
#[derive(Default)]
pub(crate) struct Slots {
    list: Mutex<Vec<Slot>>,
    next: AtomicU64,
}

impl Slots {
    /// Takes a slot for `sock`, closing the longest-idle connection when
    /// all are taken; `None` when every one is being worked on.
    pub(crate) fn admit(self: &Arc<Self>, sock: &TcpStream) -> Option<Ticket> {
        let handle = sock.try_clone().ok()?;
        let mut list = self.list.lock();
        if list.len() >= MAX_CLIENTS {
            let oldest = list.iter().enumerate().filter_map(|(i, s)| s.idle_since.map(|t| (t, i))).min()?.1;
            let gone = list.swap_remove(oldest);
            *gone.wake.closed.lock() = true;
            gone.wake.cv.notify_all();
            let _ = gone.sock.shutdown(Shutdown::Both);
        }
        let id = self.next.fetch_add(1, Ordering::Relaxed);
        let wake = Arc::new(Wake::default());
        list.push(Slot { id, sock: handle, idle_since: Some(Instant::now()), wake: wake.clone() });
        Some(Ticket { slots: self.clone(), id, wake })
    }

    fn set_idle(&self, id: u64, idle: bool) {
        if let Some(s) = self.list.lock().iter_mut().find(|s| s.id == id) {
            s.idle_since = idle.then(Instant::now);
        }
    }
}

/// A connection's hold on its slot; dropping it frees the slot.
pub struct Ticket {
    slots: Arc<Slots>,
    id: u64,
    wake: Arc<Wake>,
}

impl Ticket {
    /// Marks the connection as waiting on its client (it may be closed to
    /// make room) or as being worked on.
    pub(crate) fn idle(&self, idle: bool) {
        self.slots.set_idle(self.id, idle);
    }

    /// Waits `d` as an idle connection; false when it was closed meanwhile.
    pub fn pause(&self, d: Duration) -> bool {
        self.idle(true);
        let deadline = Instant::now() + d;
        let mut closed = self.wake.closed.lock();
        while !*closed && Instant::now() < deadline {
            self.wake.cv.wait_until(&mut closed, deadline);
        }
        let open = !*closed;
        drop(closed);
        self.idle(false);
        open
    }
}

impl Drop for Ticket {
    fn drop(&mut self) {
        self.slots.list.lock().retain(|s| s.id != self.id);
    }
}

/// Starts the listener's thread.
pub fn start(listener: TcpListener, shared: Arc<Shared>) -> io::Result<()> {
    let slots = Arc::new(Slots::default());
    thread::Builder::new().name("tegami-monitor".into()).spawn(move || loop {
        let sock = match listener.accept() {
            Ok((s, _)) => s,
            Err(e) => {
                log::warn!("monitor: accept failed: {e}");
                thread::sleep(Duration::from_millis(100));
                continue;
            }
        };
        let Some(ticket) = slots.admit(&sock) else { continue };
        let shared = shared.clone();
        let spawned = thread::Builder::new().name("tegami-monitor-req".into()).spawn(move || {
            connection(sock, &shared, &ticket);
        });
        if spawned.is_err() {
            log::warn!("monitor: cannot start a request thread");
        }
    })?;
    Ok(())
}

/// A parsed request head.
pub struct Request {
    /// The method, e.g. `GET`.
    pub method: String,
    /// The request target, e.g. `/sessions.json?x=1`.
    pub path: String,
    /// Header fields (name lower-cased, value as sent, when UTF-8).
    pub headers: Vec<(String, String)>,
    /// The client.
    pub peer: SocketAddr,
    /// The address the client connected to.
    pub local: SocketAddr,
    /// Whether the request came over TLS.
    pub tls: bool,
}

impl Request {
    /// The value of header `name` (lower case), when sent exactly once.
    pub fn header(&self, name: &str) -> Option<&str> {
        let mut found = self.headers.iter().filter(|(n, _)| n == name);
        match (found.next(), found.next()) {
            (Some((_, v)), None) => Some(v.as_str()),
            _ => None,
        }
    }

    /// True when header `name` was sent at all.
    pub fn has(&self, name: &str) -> bool {
        self.headers.iter().any(|(n, _)| n == name)
    }
}

/// The first octet of a TLS handshake record.
const TLS_HANDSHAKE: u8 = 0x16;

fn connection(sock: TcpStream, shared: &Shared, ticket: &Ticket) {
    let _ = sock.set_write_timeout(Some(REQUEST_TIME));
    let _ = sock.set_read_timeout(Some(REQUEST_TIME));
    let (Ok(peer), Ok(local)) = (sock.peer_addr(), sock.local_addr()) else { return };
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
    let answer = match read_request(&mut stream, peer, local) {
        Ok(req) => {
            ticket.idle(false);
            let a = api::respond(&req, shared, ticket);
            ticket.idle(true);
            Some(a)
        }
        Err(HeadError::Gone) => None,
        Err(HeadError::Bad(status, why)) => Some(api::Answer::text(status, format!("{why}\n"))),
    };
    if let Some(a) = answer {
        let unread = a.status == 400 || a.status == 431 || a.status == 413;
        write_answer(&mut stream, &a, unread);
    }
    stream.close();
}

fn reason(status: u16) -> &'static str {
    match status {
        200 => "OK",
        400 => "Bad Request",
        401 => "Unauthorized",
        403 => "Forbidden",
        404 => "Not Found",
        405 => "Method Not Allowed",
        413 => "Content Too Large",
        421 => "Misdirected Request",
        431 => "Request Header Fields Too Large",
        _ => "Error",
    }
}

fn write_answer(sock: &mut Stream, a: &api::Answer, unread: bool) {
    let mut head = format!(
        "HTTP/1.1 {} {}\r\nContent-Type: {}\r\nContent-Length: {}\r\nCache-Control: no-store\r\nX-Content-Type-Options: nosniff\r\nX-Frame-Options: DENY\r\nConnection: close\r\n",
        a.status,
        reason(a.status),
        a.kind,
        a.body.len()
    );
    if a.status == 401 {
        head.push_str("WWW-Authenticate: Basic realm=\"tegami monitor\", charset=\"UTF-8\"\r\n");
    }
    head.push_str("\r\n");
    let _ = sock.write_all(head.as_bytes()).and_then(|_| sock.write_all(a.body.as_bytes()));
    let _ = sock.flush();
    if unread {
        // Closing with unread input would reset the connection and lose the
        // answer; read (a bounded amount, briefly) what the client still sends.
        if !sock.is_tls() {
            let _ = sock.tcp().shutdown(Shutdown::Write);
        }
        let _ = sock.tcp().set_read_timeout(Some(Duration::from_secs(1)));
        let _ = io::copy(&mut sock.take(MAX_DRAIN), &mut io::sink());
    }
}

/// Input read after a refused request, at most.
const MAX_DRAIN: u64 = 256 * 1024;

/// Why no request came.
pub(crate) enum HeadError {
    /// The client went away or was closed: nothing to answer.
    Gone,
    /// A request to refuse with this status and text.
    Bad(u16, String),
}

/// Reads until `buf` holds a complete head; its parsed form and length.
fn read_head(sock: &mut Stream, buf: &mut Vec<u8>, deadline: Instant) -> Result<usize, HeadError> {
    let mut chunk = [0u8; 1024];
    loop {
        let mut fields = [httparse::EMPTY_HEADER; MAX_HEADERS];
        match httparse::Request::new(&mut fields).parse(buf) {
            Ok(httparse::Status::Complete(n)) => return Ok(n),
            Ok(httparse::Status::Partial) => {}
            Err(httparse::Error::TooManyHeaders) => {
                return Err(HeadError::Bad(431, "too many header fields".into()));
            }
            Err(e) => return Err(HeadError::Bad(400, format!("malformed request: {e}"))),
        }
        if buf.len() > MAX_HEAD {
            return Err(HeadError::Bad(431, "request head too long".into()));
        }
        let left = deadline.saturating_duration_since(Instant::now());
        if left.is_zero() {
            return Err(HeadError::Bad(400, "request too slow".into()));
        }
        let _ = sock.tcp().set_read_timeout(Some(left));
        match sock.read(&mut chunk) {
            Ok(0) => return Err(HeadError::Gone),
            Ok(n) => buf.extend_from_slice(&chunk[..n]),
            Err(e) if matches!(e.kind(), io::ErrorKind::WouldBlock | io::ErrorKind::TimedOut) => {
                return Err(HeadError::Bad(400, "request too slow".into()));
            }
            Err(_) => return Err(HeadError::Gone),
        }
    }
}

pub(crate) fn read_request(sock: &mut Stream, peer: SocketAddr, local: SocketAddr) -> Result<Request, HeadError> {
    let deadline = Instant::now() + REQUEST_TIME;
    let mut buf = Vec::with_capacity(1024);
    let end = read_head(sock, &mut buf, deadline)?;
    let mut fields = [httparse::EMPTY_HEADER; MAX_HEADERS];
    let mut parsed = httparse::Request::new(&mut fields);
    if parsed.parse(&buf).is_err() {
        return Err(HeadError::Bad(400, "malformed request".into()));
    }
    let (Some(method), Some(path)) = (parsed.method, parsed.path) else {
        return Err(HeadError::Bad(400, "malformed request line".into()));
    };
    let mut headers = Vec::new();
    for h in parsed.headers.iter() {
        let Ok(value) = std::str::from_utf8(h.value) else {
            return Err(HeadError::Bad(400, format!("header {} is not UTF-8", h.name)));
        };
        headers.push((h.name.to_ascii_lowercase(), value.trim().to_string()));
    }
    let req = Request { method: method.to_string(), path: path.to_string(), headers, peer, local, tls: sock.is_tls() };
    if req.has("transfer-encoding") {
        return Err(HeadError::Bad(400, "request bodies must have a Content-Length".into()));
    }
    let length = match req.headers.iter().filter(|(n, _)| n == "content-length").count() {
        0 => 0,
        1 => req
            .header("content-length")
            .and_then(|v| v.parse::<usize>().ok())
            .ok_or_else(|| HeadError::Bad(400, "bad Content-Length".into()))?,
        _ => return Err(HeadError::Bad(400, "more than one Content-Length".into())),
    };
    if length > MAX_BODY {
        return Err(HeadError::Bad(413, "request body too large".into()));
    }
    // The body is not used; it is read so the close does not reset the
    // connection before the client reads the answer.
    let mut have = buf.len() - end;
    let mut chunk = [0u8; 1024];
    while have < length {
        let left = deadline.saturating_duration_since(Instant::now());
        if left.is_zero() {
            return Err(HeadError::Bad(400, "request too slow".into()));
        }
        let _ = sock.tcp().set_read_timeout(Some(left));
        match sock.read(&mut chunk) {
            Ok(0) | Err(_) => return Err(HeadError::Bad(400, "request body cut short".into())),
            Ok(n) => have += n,
        }
    }
    Ok(req)
}
