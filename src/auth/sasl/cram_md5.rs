//! CRAM-MD5 (RFC 2195): challenge `<random.timestamp@hostname>`, response
//! `user SP hex(HMAC-MD5(password, challenge))`. Needs a cleartext-stored password.

use hmac::{Hmac, Mac};

use super::{random_nonce, Mechanism, Step, AUTH_FAILED};
use crate::auth::AccountLookup;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum State {
    Start,
    Sent,
    Done,
}

/// Server side of CRAM-MD5.
#[derive(Debug)]
pub struct CramMd5 {
    challenge: Vec<u8>,
    state: State,
    user: Option<String>,
}

impl CramMd5 {
    /// A fresh exchange with a random challenge naming `hostname`.
    pub fn new(hostname: &str) -> CramMd5 {
        let now =
            std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.as_secs()).unwrap_or_default();
        let random: String = random_nonce(12).chars().filter(char::is_ascii_alphanumeric).collect();
        CramMd5::with_challenge(&format!("<{random}.{now}@{hostname}>"))
    }

    /// An exchange with a fixed challenge (tests, RFC examples).
    pub fn with_challenge(challenge: &str) -> CramMd5 {
        CramMd5 { challenge: challenge.as_bytes().to_vec(), state: State::Start, user: None }
    }

    fn check(&mut self, response: &[u8], db: &dyn AccountLookup) -> Step {
        let Ok(text) = std::str::from_utf8(response) else {
            return Step::Failure("malformed CRAM-MD5 response".into());
        };
        // The user name may contain spaces; the digest is the last word.
        let Some((user, hex)) = text.rsplit_once(' ') else {
            return Step::Failure("malformed CRAM-MD5 response".into());
        };
        self.user = Some(user.to_string());
        let Some(digest) = decode_hex16(hex) else {
            return Step::Failure("malformed CRAM-MD5 response".into());
        };
        // An unknown user, or one whose password cannot serve CRAM-MD5, gets
        // the same HMAC computed over a made-up key, so all cost the same.
        let account = db.lookup_account(user);
        let password = account.and_then(|a| a.plaintext_password());
        if let (Some(a), None) = (account, &password) {
            log::warn!(
                "CRAM-MD5 refused for {}: the password is stored as {}, and CRAM-MD5 needs it in cleartext ({{PLAIN}}); use PLAIN or LOGIN over TLS, or SCRAM-SHA-256",
                a.user,
                a.scheme_name()
            );
        }
        let key = password.clone().unwrap_or_else(|| super::process_secret().to_vec());
        let Ok(mut mac) = <Hmac<md5::Md5> as Mac>::new_from_slice(&key) else {
            return Step::Failure(AUTH_FAILED.into());
        };
        mac.update(&self.challenge);
        // verify_slice compares in constant time.
        match (mac.verify_slice(&digest), account, password) {
            (Ok(()), Some(a), Some(_)) => Step::Success { authcid: a.user.clone(), authzid: None },
            _ => Step::Failure(AUTH_FAILED.into()),
        }
    }
}

fn decode_hex16(hex: &str) -> Option<[u8; 16]> {
    let bytes = hex.as_bytes();
    if bytes.len() != 32 {
        return None;
    }
    let mut out = [0u8; 16];
    for (o, pair) in out.iter_mut().zip(bytes.chunks(2)) {
        let hi = (pair[0] as char).to_digit(16)?;
        let lo = (pair[1] as char).to_digit(16)?;
        *o = (hi * 16 + lo) as u8;
    }
    Some(out)
}

impl Mechanism for CramMd5 {
    fn step(&mut self, response: Option<&[u8]>, db: &dyn AccountLookup) -> Step {
        match (self.state, response) {
            (State::Start, None) => {
                self.state = State::Sent;
                Step::Challenge(self.challenge.clone())
            }
            (State::Start, Some(_)) => {
                self.state = State::Done;
                Step::Failure("CRAM-MD5 does not take an initial response".into())
            }
            (State::Sent, Some(r)) => {
                self.state = State::Done;
                self.check(r, db)
            }
            (State::Sent, None) | (State::Done, _) => {
                self.state = State::Done;
                Step::Failure("exchange already finished".into())
            }
        }
    }

    fn attempted_user(&self) -> Option<&str> {
        self.user.as_deref()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::auth::sasl::test_support::db;
    use crate::auth::PasswdDb;

    const RFC_CHALLENGE: &str = "<1896.697170952@postoffice.reston.mci.net>";

    #[test]
    fn rfc2195_example() {
        let db = PasswdDb::parse("tim:{PLAIN}tanstaaftanstaaf\n").unwrap();
        let mut m = CramMd5::with_challenge(RFC_CHALLENGE);
        assert_eq!(m.step(None, &db), Step::Challenge(RFC_CHALLENGE.as_bytes().to_vec()));
        assert_eq!(
            m.step(Some(b"tim b913a602c7eda7a495b4e6e7334d3890"), &db),
            Step::Success { authcid: "tim".into(), authzid: None }
        );
        // Upper-case hex is accepted too.
        let mut m = CramMd5::with_challenge(RFC_CHALLENGE);
        m.step(None, &db);
        assert!(matches!(m.step(Some(b"tim B913A602C7EDA7A495B4E6E7334D3890"), &db), Step::Success { .. }));
    }

    #[test]
    fn random_challenge_shape() {
        let mut m = CramMd5::new("mail.example.org");
        let Step::Challenge(c) = m.step(None, &db()) else { panic!("expected a challenge") };
        let c = String::from_utf8(c).unwrap();
        assert!(c.starts_with('<') && c.ends_with("@mail.example.org>"), "{c}");
        assert_ne!(c, String::from_utf8(CramMd5::new("mail.example.org").challenge).unwrap());
    }

    #[test]
    fn failures() {
        let tim = PasswdDb::parse("tim:{PLAIN}tanstaaftanstaaf\n").unwrap();
        let run = |db: &PasswdDb, resp: &[u8]| {
            let mut m = CramMd5::with_challenge(RFC_CHALLENGE);
            m.step(None, db);
            m.step(Some(resp), db)
        };
        let fail = Step::Failure(AUTH_FAILED.into());
        assert_eq!(run(&tim, b"tim b913a602c7eda7a495b4e6e7334d3891"), fail);
        assert_eq!(run(&tim, b"tom b913a602c7eda7a495b4e6e7334d3890"), fail);
        // bob's password is hashed, so CRAM-MD5 cannot work for him.
        assert_eq!(run(&db(), b"bob b913a602c7eda7a495b4e6e7334d3890"), fail);
        assert!(matches!(run(&tim, b"tim"), Step::Failure(_)));
        assert!(matches!(run(&tim, b"tim b913"), Step::Failure(_)));
        assert!(matches!(run(&tim, b"tim zz13a602c7eda7a495b4e6e7334d3890"), Step::Failure(_)));
        assert!(matches!(run(&tim, b"\xff b913a602c7eda7a495b4e6e7334d3890"), Step::Failure(_)));
        let mut m = CramMd5::with_challenge(RFC_CHALLENGE);
        assert!(matches!(m.step(Some(b"tim x"), &tim), Step::Failure(_)));
    }
}
