//! The client side of the monitor listener, for `tegami who`, `kick` and
//! `stats`: one HTTP/1.1 request over std, with optional basic auth.

use std::io::{Read, Write};
use std::net::{TcpStream, ToSocketAddrs};
use std::time::Duration;

use base64::Engine;

/// Environment variable holding the administrator's password, so it does
/// not show in `ps`.
pub const PASSWORD_ENV: &str = "TEGAMI_MONITOR_PASSWORD";

/// Where and as whom to ask.
pub struct Target {
    /// The monitor listener, `ADDR:PORT`.
    pub addr: String,
    /// A server administrator's account, when the monitor asks for one.
    pub user: Option<String>,
}

/// The options every monitor subcommand takes.
pub fn options() -> getopts::Options {
    let mut o = getopts::Options::new();
    o.optopt("", "monitor", "the monitor listener (a bare port is on 127.0.0.1)", "[ADDR:]PORT");
    o.optopt("", "admin", "a server administrator (password in $TEGAMI_MONITOR_PASSWORD)", "USER");
    o
}

impl Target {
    /// The target from parsed options.
    pub fn from_matches(m: &getopts::Matches) -> Result<Target, String> {
        let addr = m.opt_str("monitor").ok_or("give --monitor ADDR:PORT (the server's --monitor listener)")?;
        // A bare port, as the server takes it, is on loopback.
        let addr = match addr.parse::<u16>() {
            Ok(port) => format!("127.0.0.1:{port}"),
            Err(_) => addr,
        };
        Ok(Target { addr, user: m.opt_str("admin") })
    }

    /// Sends `method path` and returns the body of a 200 answer.
    pub fn request(&self, method: &str, path: &str) -> Result<String, String> {
        let addr = self
            .addr
            .to_socket_addrs()
            .map_err(|e| format!("{}: {e}", self.addr))?
            .next()
            .ok_or_else(|| format!("{}: no address", self.addr))?;
        let mut sock = TcpStream::connect_timeout(&addr, Duration::from_secs(5))
            .map_err(|e| format!("cannot reach the monitor at {addr}: {e}"))?;
        let _ = sock.set_read_timeout(Some(Duration::from_secs(15)));
        let mut req = format!("{method} {path} HTTP/1.1\r\nHost: {}\r\nConnection: close\r\n", self.addr);
        if let Some(user) = &self.user {
            let pw =
                std::env::var(PASSWORD_ENV).map_err(|_| format!("--admin needs the password in ${PASSWORD_ENV}"))?;
            let b64 = base64::engine::general_purpose::STANDARD.encode(format!("{user}:{pw}"));
            req.push_str(&format!("Authorization: Basic {b64}\r\n"));
        }
        if method == "POST" {
            // The monitor's guard against cross-site requests.
            req.push_str(&format!("{}: 1\r\nContent-Length: 0\r\n", super::api::CSRF_HEADER));
        }
        req.push_str("\r\n");
        sock.write_all(req.as_bytes()).map_err(|e| e.to_string())?;
        let mut answer = Vec::new();
        sock.take(64 * 1024 * 1024).read_to_end(&mut answer).map_err(|e| format!("reading the answer: {e}"))?;
        let text = String::from_utf8_lossy(&answer);
        let (head, body) = text.split_once("\r\n\r\n").ok_or("malformed answer from the monitor")?;
        let status = head.split(' ').nth(1).unwrap_or("");
        if status != "200" {
            return Err(format!("{}: {}", head.lines().next().unwrap_or(""), body.trim_end()));
        }
        Ok(body.to_string())
    }
}

/// Parses a subcommand's arguments: options plus free arguments.
pub fn parse(args: &[String]) -> Result<(Target, Vec<String>), String> {
    let m = options().parse(args).map_err(|e| e.to_string())?;
    Ok((Target::from_matches(&m)?, m.free.clone()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_bare_port_is_the_loopback_monitor() {
        let t = |a: &str| parse(&["--monitor".to_string(), a.to_string()]).unwrap().0.addr;
        assert_eq!(t("8143"), "127.0.0.1:8143");
        assert_eq!(t("[::1]:8143"), "[::1]:8143");
    }
}
