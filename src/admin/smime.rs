//! `tegami smime -u USERS [-m TEMPLATE] ACCOUNT set FILE | remove | show`:
//! the account's own S/MIME certificate, which `COPY ... ENCRYPTED *`
//! encrypts to. `set` checks the certificate (X.509, valid now, a key that
//! can encrypt) and stores only the certificate, as PEM, in the account's
//! maildir root ([`crate::smime::own`]).

use std::path::Path;
use std::time::SystemTime;

use der::EncodePem;

use crate::smime::{own, Recipient};

/// Synopsis for `--help` and the man page.
pub const SYNOPSIS: &str = "smime -u USERS [-m TEMPLATE] ACCOUNT set FILE | remove | show";

/// The paragraph of the man page.
pub const DOC: &str = "Sets, removes or shows the account's own S/MIME certificate, which COPY and MOVE with \
ENCRYPTED * encrypt to. FILE is a PEM or DER X.509 certificate with an RSA or EC P-256 key; set refuses one \
that is expired, not yet valid, or whose key cannot encrypt, and stores only the certificate (never a private \
key found in the file) as tegami-smime.pem in the account's maildir. USERS and TEMPLATE are the server's -u \
and -m.";

/// Runs the subcommand on the arguments after `smime`.
pub fn run(args: &[String]) -> Result<String, String> {
    let mut opts = getopts::Options::new();
    opts.reqopt("u", "users", "passwd-file", "FILE");
    opts.optopt("m", "mail", "maildir template", "TEMPLATE");
    let m = opts.parse(args).map_err(|e| format!("{e}\nusage: tegami {SYNOPSIS}"))?;
    let template = m.opt_str("m").unwrap_or_else(|| "%h/Maildir".into());
    let users = m.opt_str("u").unwrap_or_default();
    let (name, action, file) = match m.free.as_slice() {
        [name, action] if action == "remove" || action == "show" => (name, action.as_str(), None),
        [name, action, file] if action == "set" => (name, "set", Some(file)),
        _ => return Err(format!("usage: tegami {SYNOPSIS}")),
    };
    let (_, root) = super::account(Path::new(&users), &template, name)?;
    match (action, file) {
        ("set", Some(file)) => set(name, &root, Path::new(file)),
        ("remove", _) => match own::remove(&root) {
            Ok(true) => Ok(format!("removed the S/MIME certificate of {name}\n")),
            Ok(false) => Err(format!("{name} has no S/MIME certificate")),
            Err(e) => Err(format!("removing {}: {e}", own::path(&root).display())),
        },
        _ => show(name, &root),
    }
}

/// `set FILE`: check, then store the certificate alone as PEM.
fn set(name: &str, root: &Path, file: &Path) -> Result<String, String> {
    let data = std::fs::read(file).map_err(|e| format!("reading {}: {e}", file.display()))?;
    let recipient =
        Recipient::from_pem_or_der(&data, SystemTime::now()).map_err(|e| format!("{}: {e}", file.display()))?;
    if !root.is_dir() {
        return Err(format!(
            "the maildir of {name} ({}) does not exist yet: log in once, or create it",
            root.display()
        ));
    }
    let pem = recipient.cert.to_pem(der::pem::LineEnding::LF).map_err(|e| format!("encoding the certificate: {e}"))?;
    own::store(root, &pem).map_err(|e| format!("writing {}: {e}", own::path(root).display()))?;
    give_to_maildir_owner(root, &own::path(root));
    Ok(format!("{}set the S/MIME certificate of {name}\n", describe(&recipient)))
}

/// When run as root, the file goes to the maildir's owner, so a server
/// running as that user (`-U`) can read and replace it.
fn give_to_maildir_owner(root: &Path, file: &Path) {
    use std::os::unix::fs::MetadataExt;
    // SAFETY: geteuid has no preconditions and cannot fail.
    if unsafe { libc::geteuid() } != 0 {
        return;
    }
    if let Ok(meta) = std::fs::metadata(root) {
        let _ = std::os::unix::fs::chown(file, Some(meta.uid()), Some(meta.gid()));
    }
}

/// `show`: what the stored certificate is and whether it can be used now.
fn show(name: &str, root: &Path) -> Result<String, String> {
    let path = own::path(root);
    let data = match crate::store::atomic::read(&path) {
        Ok(d) => d,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(format!("{name} has no S/MIME certificate\n")),
        Err(e) => return Err(format!("reading {}: {e}", path.display())),
    };
    match Recipient::from_pem_or_der(&data, SystemTime::now()) {
        Ok(r) => Ok(format!("{}file: {}\nusable: yes\n", describe(&r), path.display())),
        Err(e) => Ok(format!("file: {}\nusable: no: {e}\n", path.display())),
    }
}

/// Subject, issuer, serial number, validity and key, one per line.
fn describe(r: &Recipient) -> String {
    let tbs = r.cert.tbs_certificate();
    format!(
        "subject: {}\nissuer: {}\nserial: {}\nvalid: {} to {}\nkey: {}\n",
        tbs.subject(),
        tbs.issuer(),
        tbs.serial_number(),
        tbs.validity().not_before,
        tbs.validity().not_after,
        r.key_description()
    )
}
