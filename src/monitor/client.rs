//! The client side of the monitor listener, for `tegami who`, `kick` and
//! `stats`: one HTTP/1.1 request over std, with optional basic auth, in
//! plain HTTP or, with `--cacert`, HTTPS (the monitor speaks both on its
//! port when the server has `--cert`).

use std::io::{self, Read, Write};
use std::net::{TcpStream, ToSocketAddrs};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, ServerName};

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
    /// `--cacert`: speak HTTPS, trusting the certificates in this file.
    pub cacert: Option<PathBuf>,
}

/// The options every monitor subcommand takes.
pub fn options() -> getopts::Options {
    let mut o = getopts::Options::new();
    o.optopt("", "monitor", "the monitor listener (a bare port is on 127.0.0.1)", "[ADDR:]PORT");
    o.optopt("", "admin", "a server administrator (password in $TEGAMI_MONITOR_PASSWORD)", "USER");
    o.optopt("", "cacert", "speak HTTPS, trusting the certificates in FILE (e.g. the server's --cert)", "FILE");
    o
}

impl Target {
    /// The target from parsed options.
    pub fn from_matches(m: &getopts::Matches) -> Result<Target, String> {
        let given = m.opt_str("monitor").ok_or("give --monitor ADDR:PORT (the server's --monitor listener)")?;
        let cacert = m.opt_str("cacert").map(PathBuf::from);
        let addr = match given.strip_prefix("https://") {
            Some(_) if cacert.is_none() => {
                return Err("an https:// monitor needs --cacert FILE (its certificate, or the CA that signed it)".into())
            }
            Some(rest) => rest.trim_end_matches('/').to_string(),
            None => given,
        };
        // A bare port, as the server takes it, is on loopback.
        let addr = match addr.parse::<u16>() {
            Ok(port) => format!("127.0.0.1:{port}"),
            Err(_) => addr,
        };
        Ok(Target { addr, user: m.opt_str("admin"), cacert })
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
        let answer = match &self.cacert {
            None => exchange(&mut sock, &req)?,
            Some(ca) => exchange(&mut rustls::StreamOwned::new(tls_client(ca, &self.addr)?, sock), &req)?,
        };
        let text = String::from_utf8_lossy(&answer);
        let (head, body) = text.split_once("\r\n\r\n").ok_or("malformed answer from the monitor")?;
        let status = head.split(' ').nth(1).unwrap_or("");
        if status != "200" {
            return Err(format!("{}: {}", head.lines().next().unwrap_or(""), body.trim_end()));
        }
        Ok(body.to_string())
    }
}

/// Sends the request and reads the answer to the end (at most 64 MB).
fn exchange<S: Read + Write>(s: &mut S, req: &str) -> Result<Vec<u8>, String> {
    s.write_all(req.as_bytes()).and_then(|_| s.flush()).map_err(|e| format!("sending the request: {e}"))?;
    let mut answer = Vec::new();
    match s.take(64 * 1024 * 1024).read_to_end(&mut answer) {
        Ok(_) => Ok(answer),
        // A TLS peer that closes without close_notify after a whole
        // answer (Connection: close): the answer is complete.
        Err(e) if e.kind() == io::ErrorKind::UnexpectedEof && !answer.is_empty() => Ok(answer),
        Err(e) => Err(format!("reading the answer: {e}")),
    }
}

/// A TLS client for `addr` (its host part is the name checked against
/// the certificate) trusting only the certificates in `ca`.
fn tls_client(ca: &Path, addr: &str) -> Result<rustls::ClientConnection, String> {
    let bad = |e: &dyn std::fmt::Display| format!("--cacert {}: {e}", ca.display());
    let mut roots = rustls::RootCertStore::empty();
    for c in CertificateDer::pem_file_iter(ca).map_err(|e| bad(&e))? {
        roots.add(c.map_err(|e| bad(&e))?).map_err(|e| bad(&e))?;
    }
    if roots.is_empty() {
        return Err(bad(&"no certificate in the file"));
    }
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let config = rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(|e| e.to_string())?
        .with_root_certificates(roots)
        .with_no_client_auth();
    let host = addr.rsplit_once(':').map_or(addr, |(h, _)| h).trim_start_matches('[').trim_end_matches(']');
    let name = ServerName::try_from(host.to_string()).map_err(|e| format!("{host}: {e}"))?;
    rustls::ClientConnection::new(Arc::new(config), name).map_err(|e| e.to_string())
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

    #[test]
    fn https_needs_a_certificate_to_trust() {
        let args = |v: &[&str]| v.iter().map(|s| s.to_string()).collect::<Vec<_>>();
        let err = parse(&args(&["--monitor", "https://mail.example.org:8143/"])).err().unwrap();
        assert!(err.contains("--cacert"), "{err}");
        let (t, _) = parse(&args(&["--monitor", "https://mail.example.org:8143/", "--cacert", "c.pem"])).unwrap();
        assert_eq!((t.addr.as_str(), t.cacert), ("mail.example.org:8143", Some(PathBuf::from("c.pem"))));
    }
}
