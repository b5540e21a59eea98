//! LOGIN (draft-murchison-sasl-login): `Username:` then `Password:`.

use super::{check_password, Mechanism, Step, AUTH_FAILED};
use crate::auth::AccountLookup;

/// Server side of LOGIN.
#[derive(Debug, Default)]
pub struct Login {
    user: Option<String>,
    tried: Option<String>,
    done: bool,
}

impl Login {
    /// A fresh exchange.
    pub fn new() -> Login {
        Login::default()
    }
}

impl Mechanism for Login {
    fn step(&mut self, response: Option<&[u8]>, db: &dyn AccountLookup) -> Step {
        if self.done {
            return Step::Failure("exchange already finished".into());
        }
        let Some(data) = response else {
            return if self.user.is_none() {
                Step::Challenge(b"Username:".to_vec())
            } else {
                Step::Challenge(b"Password:".to_vec())
            };
        };
        match self.user.take() {
            // An initial response (SASL-IR) is the user name.
            None => match std::str::from_utf8(data) {
                Ok(user) if !user.is_empty() && !user.contains('\0') => {
                    self.user = Some(user.to_string());
                    self.tried = Some(user.to_string());
                    Step::Challenge(b"Password:".to_vec())
                }
                _ => {
                    self.done = true;
                    Step::Failure("invalid user name".into())
                }
            },
            Some(user) => {
                self.done = true;
                match check_password(db, &user, data) {
                    Some(user) => Step::Success { authcid: user, authzid: None },
                    None => Step::Failure(AUTH_FAILED.into()),
                }
            }
        }
    }

    fn attempted_user(&self) -> Option<&str> {
        self.tried.as_deref()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::auth::sasl::test_support::db;

    #[test]
    fn two_challenges_then_success() {
        let db = db();
        let mut m = Login::new();
        assert_eq!(m.step(None, &db), Step::Challenge(b"Username:".to_vec()));
        assert_eq!(m.step(Some(b"bob"), &db), Step::Challenge(b"Password:".to_vec()));
        assert_eq!(m.step(Some(b"digest-secret"), &db), Step::Success { authcid: "bob".into(), authzid: None });
        assert!(matches!(m.step(Some(b"x"), &db), Step::Failure(_)));
    }

    #[test]
    fn initial_response_is_the_user_name() {
        let db = db();
        let mut m = Login::new();
        assert_eq!(m.step(Some(b"alice@example.org"), &db), Step::Challenge(b"Password:".to_vec()));
        assert!(matches!(m.step(Some(b"wonderland"), &db), Step::Success { .. }));
    }

    #[test]
    fn failures() {
        let db = db();
        let mut m = Login::new();
        m.step(None, &db);
        m.step(Some(b"bob"), &db);
        assert_eq!(m.step(Some(b"wrong"), &db), Step::Failure(AUTH_FAILED.into()));

        let mut m = Login::new();
        m.step(Some(b"ghost"), &db);
        assert_eq!(m.step(Some(b"digest-secret"), &db), Step::Failure(AUTH_FAILED.into()));

        let mut m = Login::new();
        assert!(matches!(m.step(Some(b""), &db), Step::Failure(_)));
        let mut m = Login::new();
        assert!(matches!(m.step(Some(b"\xff\xfe"), &db), Step::Failure(_)));
    }
}
