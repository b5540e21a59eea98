//! Accounts and authentication: passwd-file, hash schemes, SASL.
//!
//! - [`passwd`]: Dovecot's passwd-file format, loaded into a [`PasswdDb`] of
//!   [`Account`]s that can be reloaded when the file changes.
//! - [`hash`]: the password schemes (`{SHA512-CRYPT}`, `{BLF-CRYPT}`, ...),
//!   verified in constant time through well-kept crates.
//! - [`sasl`]: server sides of PLAIN, LOGIN, CRAM-MD5 and SCRAM-SHA-256 as
//!   small state machines; the session does the base64 and the `*` cancel.
//! - [`policy`]: Dovecot's passdb fields (`nologin`, `fail`, `allow_nets`,
//!   referral fields) and the verdict on a login whose password checked out.
//! - [`directory`]: the passwd-file and router file as logins see them
//!   (re-read on change, username format, aliases).
//! - [`referral`]: RFC 2221 referrals and CommuniGate's router records.
//! - [`penalty`]: failed-login delays across connections.

use std::fmt;
use std::io;
use std::path::PathBuf;

pub mod directory;
pub mod hash;
pub mod identity;
pub mod passwd;
pub mod penalty;
pub mod policy;
pub mod referral;
pub mod sasl;

pub use directory::{Accounts, Directory, UsernameFormat};
pub use hash::{hash_password, Scheme, StoredPassword};
pub use passwd::{Account, PasswdDb};
pub use sasl::{cleartext, new_mechanism, Mechanism, Step, MECHANISMS};

/// The `user=<…>` part and the reason of a refused login's log line, one
/// shape for IMAP and the monitor (fail2ban's filter reads both): the name
/// is written only when the account exists, and never the password.
pub fn refusal_words<'a>(dir: &Accounts, login: Option<&str>, why: &'a str) -> (String, &'a str) {
    let account = login.and_then(|l| dir.resolve(l)).map(|a| format!(" user=<{}>", a.user)).unwrap_or_default();
    let why = match why {
        sasl::AUTH_FAILED if account.is_empty() => "no such account",
        sasl::AUTH_FAILED => "wrong password",
        other => other,
    };
    (account, why)
}

/// The longest password, user name or SASL message accepted, in octets.
/// Longer ones are refused before any hash is computed: SHA-crypt costs
/// grow with the square of the password's length.
pub const MAX_SECRET: usize = 1024;

/// Anything that finds an account by login name: the passwd-file, or a test double.
pub trait AccountLookup {
    /// The account for `user`, as [`PasswdDb::lookup`] matches names.
    fn lookup_account(&self, user: &str) -> Option<&Account>;
}

/// What can go wrong loading accounts or handling password hashes.
#[derive(Debug)]
pub enum AuthError {
    /// The passwd-file could not be read.
    Io {
        /// The file that was being read.
        path: PathBuf,
        /// The underlying error.
        error: io::Error,
    },
    /// A line of the passwd-file is malformed.
    Parse {
        /// 1-based line number.
        line: usize,
        /// What is wrong with it.
        message: String,
    },
    /// A `{SCHEME}` name that tegami does not know.
    UnknownScheme(String),
    /// A known scheme that cannot be used for the requested job (e.g. hashing with `CRYPT`).
    UnsupportedScheme(String),
    /// A stored hash that does not have the shape its scheme requires.
    MalformedHash {
        /// The scheme the hash claims to be.
        scheme: String,
        /// What is wrong with it.
        reason: String,
    },
    /// The operating system's random source failed.
    Random(String),
}

impl fmt::Display for AuthError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            AuthError::Io { path, error } => write!(f, "{}: {}", path.display(), error),
            AuthError::Parse { line, message } => write!(f, "line {line}: {message}"),
            AuthError::UnknownScheme(name) => write!(f, "unknown password scheme {{{name}}}"),
            AuthError::UnsupportedScheme(name) => {
                write!(f, "password scheme {{{name}}} is not supported for this use")
            }
            AuthError::MalformedHash { scheme, reason } => {
                write!(f, "malformed {{{scheme}}} password hash: {reason}")
            }
            AuthError::Random(reason) => write!(f, "random source failed: {reason}"),
        }
    }
}

impl std::error::Error for AuthError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            AuthError::Io { error, .. } => Some(error),
            _ => None,
        }
    }
}

/// Fills `buf` from the operating system's random source.
pub(crate) fn random_bytes(buf: &mut [u8]) -> Result<(), AuthError> {
    getrandom::getrandom(buf).map_err(|e| AuthError::Random(e.to_string()))
}
