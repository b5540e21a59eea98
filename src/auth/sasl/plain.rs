//! PLAIN (RFC 4616): one message `authzid NUL authcid NUL passwd`.

use super::{check_password, Mechanism, Step, AUTH_FAILED};
use crate::auth::passwd::same_user;
use crate::auth::AccountLookup;

/// Server side of PLAIN.
#[derive(Debug, Default)]
pub struct Plain {
    done: bool,
    user: Option<String>,
}

impl Plain {
    /// A fresh exchange.
    pub fn new() -> Plain {
        Plain::default()
    }
}

impl Mechanism for Plain {
    fn step(&mut self, response: Option<&[u8]>, db: &dyn AccountLookup) -> Step {
        if self.done {
            return Step::Failure("exchange already finished".into());
        }
        // Without SASL-IR the client waits for an empty challenge.
        let Some(message) = response else {
            return Step::Challenge(Vec::new());
        };
        self.done = true;
        let mut parts = message.splitn(3, |&b| b == 0);
        let (Some(authzid), Some(authcid), Some(passwd)) = (parts.next(), parts.next(), parts.next()) else {
            return Step::Failure("malformed PLAIN message".into());
        };
        let (Ok(authzid), Ok(authcid)) = (std::str::from_utf8(authzid), std::str::from_utf8(authcid)) else {
            return Step::Failure("user name is not UTF-8".into());
        };
        self.user = Some(authcid.to_string()).filter(|u| !u.is_empty());
        if authcid.is_empty() || passwd.contains(&0) {
            return Step::Failure("malformed PLAIN message".into());
        }
        if !authzid.is_empty() && !same_user(authzid, authcid) {
            return Step::Failure("proxy authorization not permitted".into());
        }
        match check_password(db, authcid, passwd) {
            Some(user) => Step::Success { authcid: user, authzid: (!authzid.is_empty()).then(|| authzid.to_string()) },
            None => Step::Failure(AUTH_FAILED.into()),
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

    fn run(msg: &[u8]) -> Step {
        Plain::new().step(Some(msg), &db())
    }

    #[test]
    fn success_without_and_with_authzid() {
        let ok = Step::Success { authcid: "alice@example.org".into(), authzid: None };
        assert_eq!(run(b"\0alice@example.org\0wonderland"), ok);
        assert_eq!(run(b"\0alice@EXAMPLE.org\0wonderland"), ok);
        assert_eq!(
            run(b"alice@example.org\0alice@example.org\0wonderland"),
            Step::Success { authcid: "alice@example.org".into(), authzid: Some("alice@example.org".into()) }
        );
        assert!(matches!(run(b"\0bob\0digest-secret"), Step::Success { .. }));
    }

    #[test]
    fn empty_challenge_without_initial_response() {
        let db = db();
        let mut m = Plain::new();
        assert_eq!(m.step(None, &db), Step::Challenge(Vec::new()));
        assert!(matches!(m.step(Some(b"\0bob\0digest-secret"), &db), Step::Success { .. }));
        assert!(matches!(m.step(Some(b"\0bob\0digest-secret"), &db), Step::Failure(_)));
    }

    #[test]
    fn failures() {
        let fail = Step::Failure(AUTH_FAILED.into());
        assert_eq!(run(b"\0alice@example.org\0wrong"), fail);
        assert_eq!(run(b"\0nobody\0wonderland"), fail);
        assert_eq!(run(b"\0alice@example.org\0"), fail);
        assert_eq!(
            run(b"bob\0alice@example.org\0wonderland"),
            Step::Failure("proxy authorization not permitted".into())
        );
        assert!(matches!(run(b"alice@example.org"), Step::Failure(_)));
        assert!(matches!(run(b"\0alice@example.org"), Step::Failure(_)));
        assert!(matches!(run(b"\0\0wonderland"), Step::Failure(_)));
        assert!(matches!(run(b"\0\xff\0wonderland"), Step::Failure(_)));
        assert!(matches!(run(b"\0alice@example.org\0wonderland\0x"), Step::Failure(_)));
        assert!(matches!(run(b""), Step::Failure(_)));
    }
}
