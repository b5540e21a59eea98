//! nginx's mail proxy asks this endpoint (`--auth-http`, its `auth_http`
//! URL) whether a login is good and where the user lives; the answer is in
//! the headers of an HTTP/1.0 response (nginx's ngx_mail_auth_http_module
//! protocol). The listener is the monitor's: the same admission table, head
//! parser and limits (an 8 KiB head within 10 seconds, 32 connections).
//!
//! - [`login`]: the password check (an IMAP LOGIN's) and the answer.
//! - [`route`]: rendezvous hashing over `--backends`.

use std::io::{self, Write};
use std::net::{IpAddr, TcpListener};
use std::sync::Arc;
use std::thread;
use std::time::Duration;

use crate::monitor::http::{read_request, HeadError, Slots, REQUEST_TIME};
use crate::net::Stream;
use crate::shared::Shared;

pub mod login;
pub mod route;

pub use crate::config::AuthHttpConfig;

/// Binds `--auth-http` (when given), says so on standard output, and starts
/// its listener thread.
pub fn start(shared: &Arc<Shared>) -> Result<(), String> {
    let Some(addr) = shared.config.auth_http.addr else { return Ok(()) };
    let listener = TcpListener::bind(addr).map_err(|e| format!("cannot listen on {addr} (--auth-http): {e}"))?;
    let bound = listener.local_addr().map_err(|e| format!("--auth-http: {e}"))?;
    println!("tegami: auth_http on http://{bound}/");
    let _ = io::stdout().flush();
    let slots = Arc::new(Slots::default());
    let shared = shared.clone();
    let spawned = thread::Builder::new().name("tegami-auth-http".into()).spawn(move || loop {
        let sock = match listener.accept() {
            Ok((s, _)) => s,
            Err(e) => {
                log::warn!("auth-http: accept failed: {e}");
                thread::sleep(Duration::from_millis(100));
                continue;
            }
        };
        let Some(ticket) = slots.admit(&sock) else { continue };
        let shared = shared.clone();
        let spawned = thread::Builder::new().name("tegami-auth-req".into()).spawn(move || {
            let _ = sock.set_write_timeout(Some(REQUEST_TIME));
            let (Ok(peer), Ok(local)) = (sock.peer_addr(), sock.local_addr()) else { return };
            let mut stream = Stream::plain_tcp(sock);
            let head = match read_request(&mut stream, peer, local) {
                Ok(req) => {
                    ticket.idle(false);
                    let answer = login::answer(&req, &shared, &ticket);
                    answer.head()
                }
                Err(HeadError::Gone) => return,
                Err(HeadError::Bad(status, why)) => {
                    log::info!("auth-http [{peer}] refused request: {why}");
                    let phrase = if status == 431 { "Request Header Fields Too Large" } else { "Bad Request" };
                    format!("HTTP/1.0 {status} {phrase}\r\nContent-Length: 0\r\nConnection: close\r\n\r\n")
                }
            };
            let _ = stream.write_all(head.as_bytes());
            let _ = stream.flush();
            stream.close();
        });
        if spawned.is_err() {
            log::warn!("auth-http: cannot start a request thread");
        }
    });
    spawned.map(|_| ()).map_err(|e| format!("auth-http: {e}"))
}

/// What nginx is told: `Auth-Status`, and either where to connect or how
/// long to wait before the client may try again.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Answer {
    /// `OK`, or the text nginx shows the client.
    pub status: String,
    /// `Auth-Server` and `Auth-Port` of a good login.
    pub server: Option<(IpAddr, u16)>,
    /// `Auth-Wait` in seconds; without it nginx closes the client.
    pub wait: Option<u64>,
}

impl Answer {
    /// A refusal after which nginx closes the client's connection.
    pub fn closing(status: &str) -> Answer {
        Answer { status: status.into(), server: None, wait: None }
    }

    /// The response head (nginx reads headers only; the body is empty).
    pub fn head(&self) -> String {
        // The status text is ours, but keep it one header line regardless.
        let status: String = self.status.chars().filter(|c| !c.is_control()).collect();
        let mut h = format!("HTTP/1.0 200 OK\r\nAuth-Status: {status}\r\n");
        if let Some((ip, port)) = self.server {
            h.push_str(&format!("Auth-Server: {ip}\r\nAuth-Port: {port}\r\n"));
        }
        if let Some(w) = self.wait {
            h.push_str(&format!("Auth-Wait: {w}\r\n"));
        }
        h.push_str("Content-Length: 0\r\nConnection: close\r\n\r\n");
        h
    }
}
