//! Network streams: plain TCP and rustls TLS, the STARTTLS upgrade, and
//! certificate loading.

use std::io::{self, Read, Write};
use std::net::TcpStream;
use std::os::fd::{AsRawFd, RawFd};
use std::os::unix::fs::OpenOptionsExt;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer};
use rustls::server::{ClientHello, ResolvesServerCert};
use rustls::sign::CertifiedKey;
use rustls::{ServerConfig, ServerConnection, StreamOwned};

/// A client connection, clear or encrypted.
pub enum Stream {
    /// Clear-text TCP.
    Plain(TcpStream),
    /// TLS over TCP (implicit TLS or after STARTTLS).
    Tls(Box<StreamOwned<ServerConnection, TcpStream>>),
}

impl Stream {
    /// The TCP socket under the stream.
    pub fn tcp(&self) -> &TcpStream {
        match self {
            Stream::Plain(s) => s,
            Stream::Tls(t) => &t.sock,
        }
    }

    /// True when the connection is encrypted.
    pub fn is_tls(&self) -> bool {
        matches!(self, Stream::Tls(_))
    }

    /// Runs a TLS server handshake over `sock` to completion, so handshake
    /// failures show at once rather than at the first read.
    pub fn accept_tls(sock: TcpStream, config: Arc<ServerConfig>) -> io::Result<Stream> {
        Stream::accept_tls_within(sock, config, Duration::from_secs(60))
    }

    /// [`Stream::accept_tls`] where each read of the handshake may wait at
    /// most `timeout`.
    pub fn accept_tls_within(sock: TcpStream, config: Arc<ServerConfig>, timeout: Duration) -> io::Result<Stream> {
        let mut conn = ServerConnection::new(config).map_err(io::Error::other)?;
        let mut sock = sock;
        sock.set_read_timeout(Some(timeout))?;
        while conn.is_handshaking() {
            conn.complete_io(&mut sock)?;
        }
        Ok(Stream::Tls(Box::new(StreamOwned::new(conn, sock))))
    }

    /// STARTTLS: turns a plain stream into TLS (the caller has already
    /// dropped any bytes the client pipelined after the command).
    pub fn upgrade(self, config: Arc<ServerConfig>) -> io::Result<Stream> {
        match self {
            Stream::Plain(sock) => Stream::accept_tls(sock, config),
            Stream::Tls(_) => Err(io::Error::other("already encrypted")),
        }
    }

    /// True when decrypted bytes wait inside the TLS layer, so a poll on the
    /// socket would not show them.
    pub fn has_pending_plaintext(&mut self) -> bool {
        match self {
            Stream::Plain(_) => false,
            Stream::Tls(t) => t.conn.process_new_packets().map(|s| s.plaintext_bytes_to_read() > 0).unwrap_or(false),
        }
    }

    /// Ends the connection politely: TLS sends its close_notify alert. The
    /// TCP close is left to the socket's owners (the worker frees the
    /// channel before the client can see it).
    pub fn close(&mut self) {
        if let Stream::Tls(t) = self {
            t.conn.send_close_notify();
            let _ = t.flush();
        }
    }

    /// The negotiated protocol and cipher, for link-level logs.
    pub fn tls_description(&self) -> Option<String> {
        match self {
            Stream::Plain(_) => None,
            Stream::Tls(t) => {
                Some(format!("{:?} {:?}", t.conn.protocol_version()?, t.conn.negotiated_cipher_suite()?.suite()))
            }
        }
    }
}

impl AsRawFd for Stream {
    fn as_raw_fd(&self) -> RawFd {
        self.tcp().as_raw_fd()
    }
}

impl Read for Stream {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        match self {
            Stream::Plain(s) => s.read(buf),
            Stream::Tls(t) => match t.read(buf) {
                // A peer that closes without close_notify is common for IMAP
                // clients after LOGOUT; treat it as an ordinary end.
                Err(e) if e.kind() == io::ErrorKind::UnexpectedEof => Ok(0),
                r => r,
            },
        }
    }
}

impl Write for Stream {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        match self {
            Stream::Plain(s) => s.write(buf),
            Stream::Tls(t) => t.write(buf),
        }
    }

    fn flush(&mut self) -> io::Result<()> {
        match self {
            Stream::Plain(s) => s.flush(),
            Stream::Tls(t) => t.flush(),
        }
    }
}

/// Loads a PEM certificate chain and private key into a rustls server
/// configuration using the ring provider.
pub fn load_tls(cert: &Path, key: &Path) -> Result<Arc<ServerConfig>, String> {
    let certs: Vec<CertificateDer<'static>> = CertificateDer::pem_file_iter(cert)
        .map_err(|e| format!("{}: {e}", cert.display()))?
        .collect::<Result<_, _>>()
        .map_err(|e| format!("{}: {e}", cert.display()))?;
    if certs.is_empty() {
        return Err(format!("{}: no certificate found", cert.display()));
    }
    let key = PrivateKeyDer::from_pem_file(key).map_err(|e| format!("{}: {e}", key.display()))?;
    tls_config(certs, key)
}

/// The certificate and key the TLS listeners present, re-read from their
/// files on SIGHUP. New handshakes use the new pair; sessions already
/// encrypted keep the one they started with.
#[derive(Debug)]
pub struct CertFiles {
    cert: PathBuf,
    key: PathBuf,
    current: parking_lot::RwLock<Arc<CertifiedKey>>,
}

impl ResolvesServerCert for CertFiles {
    fn resolve(&self, _hello: ClientHello<'_>) -> Option<Arc<CertifiedKey>> {
        Some(self.current.read().clone())
    }
}

impl CertFiles {
    /// Reads the files again; on any error the old pair stays in use.
    pub fn reload(&self) -> Result<(), String> {
        let fresh = certified_key(&self.cert, &self.key)?;
        *self.current.write() = Arc::new(fresh);
        Ok(())
    }
}

fn certified_key(cert: &Path, key: &Path) -> Result<CertifiedKey, String> {
    let chain = read_chain(cert)?;
    let der = PrivateKeyDer::from_pem_file(key).map_err(|e| format!("{}: {e}", key.display()))?;
    CertifiedKey::from_der(chain, der, &rustls::crypto::ring::default_provider())
        .map_err(|e| format!("{} and {}: certificate and key do not match: {e}", cert.display(), key.display()))
}

fn read_chain(cert: &Path) -> Result<Vec<CertificateDer<'static>>, String> {
    let certs: Vec<CertificateDer<'static>> = CertificateDer::pem_file_iter(cert)
        .map_err(|e| format!("{}: {e}", cert.display()))?
        .collect::<Result<_, _>>()
        .map_err(|e| format!("{}: {e}", cert.display()))?;
    if certs.is_empty() {
        return Err(format!("{}: no certificate found", cert.display()));
    }
    Ok(certs)
}

/// Like [`load_tls`], but the certificate can be replaced later through
/// the returned [`CertFiles`].
pub fn load_reloadable_tls(cert: &Path, key: &Path) -> Result<(Arc<ServerConfig>, Arc<CertFiles>), String> {
    let files = Arc::new(CertFiles {
        cert: cert.to_path_buf(),
        key: key.to_path_buf(),
        current: parking_lot::RwLock::new(Arc::new(certified_key(cert, key)?)),
    });
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let config = ServerConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(|e| e.to_string())?
        .with_no_client_auth()
        .with_cert_resolver(files.clone());
    Ok((Arc::new(config), files))
}

/// Builds a rustls server configuration from DER parts.
pub fn tls_config(
    certs: Vec<CertificateDer<'static>>,
    key: PrivateKeyDer<'static>,
) -> Result<Arc<ServerConfig>, String> {
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let config = ServerConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(|e| e.to_string())?
        .with_no_client_auth()
        .with_single_cert(certs, key)
        .map_err(|e| format!("certificate and key do not match: {e}"))?;
    Ok(Arc::new(config))
}

/// Writes a new self-signed certificate for `names` to `cert` and its key
/// to `key` (PEM), for the demo and for tests.
pub fn write_self_signed(names: &[&str], cert: &Path, key: &Path) -> Result<(), String> {
    let names: Vec<String> = names.iter().map(|s| s.to_string()).collect();
    let c = rcgen::generate_simple_self_signed(names).map_err(|e| e.to_string())?;
    std::fs::write(cert, c.cert.pem()).map_err(|e| format!("{}: {e}", cert.display()))?;
    // The private key is for the owner's eyes only (the server loads it
    // before dropping privileges).
    let mut f = std::fs::OpenOptions::new()
        .write(true)
        .create(true)
        .truncate(true)
        .mode(0o600)
        .open(key)
        .map_err(|e| format!("{}: {e}", key.display()))?;
    f.write_all(c.key_pair.serialize_pem().as_bytes()).map_err(|e| format!("{}: {e}", key.display()))?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn self_signed_certificate_loads() {
        let dir = tempfile::tempdir().unwrap();
        let (c, k) = (dir.path().join("c.pem"), dir.path().join("k.pem"));
        write_self_signed(&["localhost"], &c, &k).unwrap();
        assert!(load_tls(&c, &k).is_ok());
        use std::os::unix::fs::PermissionsExt;
        assert_eq!(std::fs::metadata(&k).unwrap().permissions().mode() & 0o077, 0, "key readable by others");
    }

    #[test]
    fn a_reload_keeps_the_old_pair_when_the_new_one_is_broken() {
        let dir = tempfile::tempdir().unwrap();
        let (c, k) = (dir.path().join("c.pem"), dir.path().join("k.pem"));
        write_self_signed(&["a"], &c, &k).unwrap();
        let (_, files) = load_reloadable_tls(&c, &k).unwrap();
        let first = files.current.read().cert.clone();
        write_self_signed(&["b"], &c, &k).unwrap();
        files.reload().unwrap();
        let second = files.current.read().cert.clone();
        assert_ne!(first, second);
        std::fs::write(&c, "not a certificate").unwrap();
        assert!(files.reload().is_err());
        assert_eq!(files.current.read().cert, second);
    }

    #[test]
    fn missing_or_mismatched_files_are_reported() {
        let dir = tempfile::tempdir().unwrap();
        let (c, k) = (dir.path().join("c.pem"), dir.path().join("k.pem"));
        assert!(load_tls(&c, &k).unwrap_err().contains("c.pem"));
        write_self_signed(&["a"], &c, &k).unwrap();
        let (c2, k2) = (dir.path().join("c2.pem"), dir.path().join("k2.pem"));
        write_self_signed(&["b"], &c2, &k2).unwrap();
        assert!(load_tls(&c, &k2).unwrap_err().contains("do not match"));
    }
}
