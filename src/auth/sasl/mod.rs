//! Server sides of the SASL mechanisms: PLAIN, LOGIN, CRAM-MD5, SCRAM-SHA-256.
//!
//! Each mechanism is a small state machine fed the client's decoded
//! responses. The session does the base64 coding, the `*` cancel, and turns a
//! [`Step`] into `+ challenge`, `OK` or `NO`.

use super::directory::dummy_verify;
use super::{random_bytes, AccountLookup, MAX_SECRET};

pub mod cram_md5;
pub mod login;
pub mod plain;
pub mod scram;

pub use cram_md5::CramMd5;
pub use login::Login;
pub use plain::Plain;
pub use scram::ScramSha256;

/// Mechanism names in the order to advertise them (`AUTH=...`).
pub const MECHANISMS: &[&str] = &["PLAIN", "LOGIN", "CRAM-MD5", "SCRAM-SHA-256"];

/// The outcome of feeding one client response to a mechanism.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Step {
    /// Send these raw bytes as a `+` continuation (the session base64-encodes).
    Challenge(Vec<u8>),
    /// Authenticated as `authcid` (the name as in the passwd-file).
    Success {
        /// The authenticated user.
        authcid: String,
        /// The requested authorization identity, when the client gave one (equal to `authcid`).
        authzid: Option<String>,
    },
    /// Authentication failed; the reason is safe to show to the client.
    Failure(String),
}

/// One SASL exchange in progress, server side.
pub trait Mechanism: Send {
    /// Feeds the next client response; `None` is the first step without SASL-IR.
    fn step(&mut self, response: Option<&[u8]>, db: &dyn AccountLookup) -> Step;

    /// The user name the client gave so far, for logs and penalties.
    fn attempted_user(&self) -> Option<&str> {
        None
    }
}

/// The generic failure text: it must not tell whether the user exists.
pub const AUTH_FAILED: &str = "authentication failed";

/// A new server-side exchange for mechanism `name` (case-insensitive).
///
/// `hostname` goes into CRAM-MD5's challenge. `None` for an unknown mechanism.
pub fn new_mechanism(name: &str, hostname: &str) -> Option<Box<dyn Mechanism>> {
    let upper = name.to_ascii_uppercase();
    Some(match upper.as_str() {
        "PLAIN" => Box::new(Plain::new()),
        "LOGIN" => Box::new(Login::new()),
        "CRAM-MD5" => Box::new(CramMd5::new(hostname)),
        "SCRAM-SHA-256" => Box::new(ScramSha256::new()),
        _ => return None,
    })
}

/// Whether mechanism `name` sends the password in clear text (refused under LOGINDISABLED).
pub fn cleartext(name: &str) -> bool {
    name.eq_ignore_ascii_case("PLAIN") || name.eq_ignore_ascii_case("LOGIN")
}

/// `n` random bytes as printable text for nonces: base64 without `,`.
pub(crate) fn random_nonce(n: usize) -> String {
    use base64::Engine;
    let mut raw = vec![0u8; n];
    if random_bytes(&mut raw).is_err() {
        // No randomness means no safe nonce: a time-based one is still unique,
        // and the exchange can only fail or succeed with a valid proof anyway.
        let t = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_nanos())
            .unwrap_or_default();
        raw = t.to_be_bytes().to_vec();
        log::error!("random source failed; using a time-based nonce");
    }
    base64::engine::general_purpose::STANDARD_NO_PAD.encode(raw)
}

/// Verifies `password` for `user`; the account's canonical name on success.
///
/// Over-long input is refused before any hash; an unknown user, or one
/// without a usable password, is verified against a dummy hash so that it
/// takes as long as a known one.
pub fn check_password(db: &dyn AccountLookup, user: &str, password: &[u8]) -> Option<String> {
    if password.len() > MAX_SECRET || user.len() > MAX_SECRET {
        return None;
    }
    match db.lookup_account(user) {
        Some(account) if account.stored_password().is_some() || account.policy.nopassword => {
            account.verify(password).then(|| account.user.clone())
        }
        _ => {
            dummy_verify(password);
            None
        }
    }
}

/// A per-process secret for made-up values that must be stable (SCRAM
/// salts of unknown users) but not guessable from outside.
pub(crate) fn process_secret() -> &'static [u8; 32] {
    static SECRET: std::sync::OnceLock<[u8; 32]> = std::sync::OnceLock::new();
    SECRET.get_or_init(|| {
        let mut s = [0u8; 32];
        if random_bytes(&mut s).is_err() {
            log::error!("random source failed; the SCRAM salt secret is weak");
        }
        s
    })
}

#[cfg(test)]
pub(crate) mod test_support {
    use crate::auth::PasswdDb;

    /// A db with one account per storage kind the mechanisms care about.
    pub fn db() -> PasswdDb {
        PasswdDb::parse(concat!(
            "alice@example.org:{PLAIN}wonderland\n",
            "bob:{SHA256}i1qZbqZyATYJiy7zVKGVtpbFZ4LpmzBAf+dTo761WeA=\n", // digest-secret
            "user:{PLAIN}pencil\n",
            "scram@example.org:{SCRAM-SHA-256}4096,W22ZaJ0SNY7soEsUEjb6gQ==,WG5d8oPm3OtcPnkdi4Uo7BkeZkBFzpcXkuLmtbsT4qY=,wfPLwcE6nTWhTAmQ7tl2KeoiWGPlZqQxSrmfPwDl2dU=\n", // pencil
        ))
        .expect("test db parses")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_case_insensitive() {
        for name in MECHANISMS {
            assert!(new_mechanism(&name.to_ascii_lowercase(), "h").is_some());
        }
        assert!(new_mechanism("DIGEST-MD5", "h").is_none());
        assert!(new_mechanism("", "h").is_none());
    }

    #[test]
    fn cleartext_methods() {
        assert!(cleartext("plain") && cleartext("LOGIN"));
        assert!(!cleartext("CRAM-MD5") && !cleartext("SCRAM-SHA-256"));
    }

    #[test]
    fn nonces_differ_and_have_no_commas() {
        let a = random_nonce(18);
        let b = random_nonce(18);
        assert_ne!(a, b);
        assert!(!a.contains(',') && a.len() >= 24);
    }
}
