//! Network streams: the stack of TCP, TLS (rustls or native-tls) and
//! DEFLATE with its deadlines ([`Stream`], [`Sock`]), the STARTTLS upgrade,
//! and certificate loading.

mod deflate;
pub mod proxy;
pub mod sock;
mod stream;

use std::io::Write;
use std::os::unix::fs::OpenOptionsExt;
use std::path::{Path, PathBuf};
use std::sync::Arc;

pub use sock::Sock;
pub use stream::{Stream, Tls};

use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer};
use rustls::server::{ClientHello, ResolvesServerCert};
use rustls::sign::CertifiedKey;
use rustls::ServerConfig;

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
pub struct CertFiles {
    cert: PathBuf,
    key: PathBuf,
    current: parking_lot::RwLock<Arc<CertifiedKey>>,
    /// The native-tls acceptor for the same pair, with `--tls-backend native`.
    #[cfg(feature = "native-tls")]
    native: parking_lot::RwLock<Option<Arc<native_tls::TlsAcceptor>>>,
}

// By hand: rustls wants Debug, and native-tls's acceptor has none.
impl std::fmt::Debug for CertFiles {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CertFiles").field("cert", &self.cert).field("key", &self.key).finish_non_exhaustive()
    }
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
        #[cfg(feature = "native-tls")]
        if self.native.read().is_some() {
            let acceptor = native_acceptor(&self.cert, &self.key)?;
            *self.native.write() = Some(Arc::new(acceptor));
        }
        *self.current.write() = Arc::new(fresh);
        Ok(())
    }

    /// The native-tls acceptor in use.
    #[cfg(feature = "native-tls")]
    pub fn native(&self) -> Result<Arc<native_tls::TlsAcceptor>, String> {
        self.native.read().clone().ok_or_else(|| "the native TLS backend is not loaded".to_string())
    }
}

/// Builds a native-tls acceptor from the PEM files (the key in PKCS#8).
#[cfg(feature = "native-tls")]
fn native_acceptor(cert: &Path, key: &Path) -> Result<native_tls::TlsAcceptor, String> {
    let c = std::fs::read(cert).map_err(|e| format!("{}: {e}", cert.display()))?;
    let k = std::fs::read(key).map_err(|e| format!("{}: {e}", key.display()))?;
    let id = native_tls::Identity::from_pkcs8(&c, &k).map_err(|e| {
        format!("{} and {}: native TLS cannot use them (the key must be PKCS#8): {e}", cert.display(), key.display())
    })?;
    native_tls::TlsAcceptor::new(id).map_err(|e| format!("native TLS: {e}"))
}

/// The TLS backends `--tls-backend` accepts.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Backend {
    /// rustls (the default).
    Rustls,
    /// native-tls, the system's OpenSSL (needs the `native-tls` feature).
    Native,
}

impl Backend {
    /// Parses a `--tls-backend` value.
    pub fn parse(s: &str) -> Result<Backend, String> {
        match s.to_ascii_lowercase().as_str() {
            "rustls" => Ok(Backend::Rustls),
            "native" if cfg!(feature = "native-tls") => Ok(Backend::Native),
            "native" => {
                Err("--tls-backend native: this build has no native TLS (build with --features native-tls)".into())
            }
            _ => Err(format!("--tls-backend {s}: expected rustls or native")),
        }
    }
}

/// Loads the certificate for `backend`: the handshake configuration and
/// the files SIGHUP reloads.
pub fn load_backend(backend: Backend, cert: &Path, key: &Path) -> Result<(Tls, Arc<CertFiles>), String> {
    let (config, files) = load_reloadable_tls(cert, key)?;
    match backend {
        Backend::Rustls => Ok((Tls::Rustls(config), files)),
        #[cfg(feature = "native-tls")]
        Backend::Native => {
            *files.native.write() = Some(Arc::new(native_acceptor(cert, key)?));
            Ok((Tls::Native(files.clone()), files))
        }
        #[cfg(not(feature = "native-tls"))]
        Backend::Native => Err("this build has no native TLS".into()),
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
        #[cfg(feature = "native-tls")]
        native: parking_lot::RwLock::new(None),
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
