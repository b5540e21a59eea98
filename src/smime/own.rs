//! An account's own S/MIME certificate, for `COPY ... ENCRYPTED *`: a PEM
//! file in the root of the account's maildir, written by `tegami smime`.

use std::fs;
use std::io;
use std::path::{Path, PathBuf};
use std::time::SystemTime;

use super::{CertError, Recipient};

/// The file name in the maildir root.
pub const FILE: &str = "tegami-smime.pem";

/// Where the certificate of the account with maildir `root` lives.
pub fn path(root: &Path) -> PathBuf {
    root.join(FILE)
}

/// The account's certificate, checked as of now; `Ok(None)` when it has none.
pub fn load(root: &Path) -> Result<Option<Recipient>, CertError> {
    let data = match crate::store::atomic::read(&path(root)) {
        Ok(d) => d,
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(CertError::Unusable(format!("The account's S/MIME certificate cannot be read: {e}"))),
    };
    Recipient::from_pem_or_der(&data, SystemTime::now())
        .map(Some)
        .map_err(|e| CertError::Unusable(format!("The account's S/MIME certificate cannot be used: {e}")))
}

/// Stores `pem` as the account's certificate: written to a temporary file
/// beside it, fsynced, then renamed over the old one.
pub fn store(root: &Path, pem: &str) -> io::Result<()> {
    crate::store::atomic::replace(&path(root), pem.as_bytes())
}

/// Removes the account's certificate; `Ok(false)` when there was none.
pub fn remove(root: &Path) -> io::Result<bool> {
    match fs::remove_file(path(root)) {
        Ok(()) => Ok(true),
        Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(false),
        Err(e) => Err(e),
    }
}
