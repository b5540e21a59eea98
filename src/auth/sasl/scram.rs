//! SCRAM-SHA-256 (RFC 7677, RFC 5802) without channel binding.
//!
//! Works with `{SCRAM-SHA-256}` entries (keys stored) and with cleartext
//! entries (keys derived at auth time from a fresh salt). For an unknown user
//! the exchange runs to the end with made-up keys and then fails, so the
//! first server message does not tell whether the user exists.

use base64::engine::general_purpose::STANDARD;
use base64::Engine;
use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;

use super::{random_nonce, Mechanism, Step, AUTH_FAILED};
use crate::auth::hash::{hmac_sha256, ScramKeys, SCRAM_ITERATIONS};
use crate::auth::passwd::same_user;
use crate::auth::{random_bytes, AccountLookup};

/// Data kept between the server-first and the client-final message.
struct Pending {
    gs2_header: String,
    client_first_bare: String,
    server_first: String,
    nonce: String,
    /// The account's name, `None` when the exchange is doomed to fail.
    user: Option<String>,
    authzid: Option<String>,
    keys: ScramKeys,
}

enum State {
    Start,
    AwaitFirst,
    AwaitFinal(Box<Pending>),
    AwaitAck { user: String, authzid: Option<String> },
    Done,
}

/// Server side of SCRAM-SHA-256.
pub struct ScramSha256 {
    server_nonce: Option<String>,
    salt: Option<Vec<u8>>,
    state: State,
    user: Option<String>,
}

impl Default for ScramSha256 {
    fn default() -> Self {
        ScramSha256::new()
    }
}

impl ScramSha256 {
    /// A fresh exchange with random nonce and salt.
    pub fn new() -> ScramSha256 {
        ScramSha256 { server_nonce: None, salt: None, state: State::Start, user: None }
    }

    /// An exchange with a fixed server nonce and (for cleartext entries) salt: tests only.
    pub fn with_nonce_and_salt(server_nonce: &str, salt: &[u8]) -> ScramSha256 {
        ScramSha256 {
            server_nonce: Some(server_nonce.to_string()),
            salt: Some(salt.to_vec()),
            state: State::Start,
            user: None,
        }
    }

    fn client_first(&mut self, message: &[u8], db: &dyn AccountLookup) -> Result<Step, String> {
        let text = std::str::from_utf8(message).map_err(|_| "message is not UTF-8")?;
        let (flag, rest) = text.split_once(',').ok_or("malformed client-first message")?;
        match flag {
            "n" | "y" => {}
            _ if flag.starts_with("p=") => return Err("channel binding not supported".into()),
            _ => return Err("malformed gs2 header".into()),
        }
        let (authzid_field, bare) = rest.split_once(',').ok_or("malformed gs2 header")?;
        let authzid = match authzid_field {
            "" => None,
            a => Some(decode_saslname(a.strip_prefix("a=").ok_or("malformed authzid")?)?),
        };
        let gs2_header = text[..text.len() - bare.len()].to_string();

        let mut attrs = bare.split(',');
        let user_attr = attrs.next().unwrap_or_default();
        if user_attr.starts_with("m=") {
            return Err("mandatory extension not supported".into());
        }
        let user = decode_saslname(user_attr.strip_prefix("n=").ok_or("missing user name")?)?;
        let client_nonce = attrs
            .next()
            .and_then(|a| a.strip_prefix("r="))
            .filter(|n| valid_nonce(n))
            .ok_or("missing or invalid nonce")?;
        if user.is_empty() {
            return Err("empty user name".into());
        }
        self.user = Some(user.clone());
        if let Some(z) = &authzid {
            if !same_user(z, &user) {
                return Err("proxy authorization not permitted".into());
            }
        }

        let (canonical, keys) = self.keys_for(&user, db);
        let server_nonce = self.server_nonce.take().unwrap_or_else(|| random_nonce(18));
        let nonce = format!("{client_nonce}{server_nonce}");
        let server_first = format!("r={nonce},s={},i={}", STANDARD.encode(&keys.salt), keys.iterations);
        let challenge = server_first.clone().into_bytes();
        self.state = State::AwaitFinal(Box::new(Pending {
            gs2_header,
            client_first_bare: bare.to_string(),
            server_first,
            nonce,
            user: canonical,
            authzid,
            keys,
        }));
        Ok(Step::Challenge(challenge))
    }

    /// The account's name and SCRAM keys; made-up keys and no name when unusable.
    ///
    /// Salts are stable per user and process: a cleartext entry and an
    /// unknown user both get an HMAC of a process secret and the name, so
    /// the server-first message looks the same whether the user exists or
    /// not, and the same on every try. Both also pay for one key derivation.
    fn keys_for(&mut self, user: &str, db: &dyn AccountLookup) -> (Option<String>, ScramKeys) {
        let salt = self.salt.take().unwrap_or_else(|| stable_salt(user));
        if let Some(account) = db.lookup_account(user) {
            match account.stored_password().map(|p| (p, p.scram_sha256_keys())) {
                Some((_, Some(Ok(keys)))) => return (Some(account.user.clone()), keys),
                Some((_, Some(Err(e)))) => log::warn!("passwd-file user {}: {}", account.user, e),
                _ => match account.plaintext_password() {
                    Some(pw) => return (Some(account.user.clone()), ScramKeys::derive(&pw, &salt, SCRAM_ITERATIONS)),
                    None => log::warn!(
                        "SCRAM-SHA-256 refused for {}: the password is stored as {}, and SCRAM-SHA-256 needs {{PLAIN}} or {{SCRAM-SHA-256}}; use PLAIN or LOGIN over TLS",
                        account.user,
                        account.scheme_name()
                    ),
                },
            }
        }
        let mut fake = [0u8; 32];
        // A failed random source leaves zeros: the exchange fails anyway.
        let _ = random_bytes(&mut fake);
        let mut keys = ScramKeys::derive(&fake, &salt, SCRAM_ITERATIONS);
        keys.stored_key = fake;
        (None, keys)
    }

    fn client_final(&mut self, p: &Pending, message: &[u8]) -> Result<Step, String> {
        let text = std::str::from_utf8(message).map_err(|_| "message is not UTF-8")?;
        let (without_proof, proof) = text.rsplit_once(",p=").ok_or("missing proof")?;
        let mut attrs = without_proof.split(',');
        let binding = attrs.next().and_then(|a| a.strip_prefix("c=")).ok_or("missing channel binding")?;
        if binding != STANDARD.encode(&p.gs2_header) {
            return Err("channel binding mismatch".into());
        }
        let nonce = attrs.next().and_then(|a| a.strip_prefix("r=")).ok_or("missing nonce")?;
        if nonce != p.nonce {
            return Err("nonce mismatch".into());
        }
        let proof = STANDARD
            .decode(proof)
            .ok()
            .and_then(|v| <[u8; 32]>::try_from(v.as_slice()).ok())
            .ok_or("malformed proof")?;

        let auth_message = format!("{},{},{}", p.client_first_bare, p.server_first, without_proof);
        let signature = hmac_sha256(&p.keys.stored_key, auth_message.as_bytes());
        let mut client_key = proof;
        for (k, s) in client_key.iter_mut().zip(signature) {
            *k ^= s;
        }
        let stored: [u8; 32] = Sha256::digest(client_key).into();
        let matches: bool = stored.ct_eq(&p.keys.stored_key).into();
        match (&p.user, matches) {
            (Some(user), true) => {
                let server_sig = hmac_sha256(&p.keys.server_key, auth_message.as_bytes());
                self.state = State::AwaitAck { user: user.clone(), authzid: p.authzid.clone() };
                Ok(Step::Challenge(format!("v={}", STANDARD.encode(server_sig)).into_bytes()))
            }
            _ => Ok(Step::Failure(AUTH_FAILED.into())),
        }
    }
}

/// The salt for a user without stored SCRAM keys: 16 octets of an HMAC of
/// the process secret and the name.
fn stable_salt(user: &str) -> Vec<u8> {
    hmac_sha256(super::process_secret(), format!("scram-salt:{user}").as_bytes())[..16].to_vec()
}

/// printable = %x21-2B / %x2D-7E (RFC 5802).
fn valid_nonce(n: &str) -> bool {
    !n.is_empty() && n.bytes().all(|b| (0x21..=0x7e).contains(&b) && b != b',')
}

/// saslname: `=2C` is `,`, `=3D` is `=`, any other `=` is an error.
fn decode_saslname(s: &str) -> Result<String, String> {
    let mut out = String::with_capacity(s.len());
    let mut rest = s;
    while let Some(i) = rest.find('=') {
        out.push_str(&rest[..i]);
        let code = rest.get(i + 1..i + 3);
        match code {
            Some("2C") | Some("2c") => out.push(','),
            Some("3D") | Some("3d") => out.push('='),
            _ => return Err("malformed user name".into()),
        }
        rest = &rest[i + 3..];
    }
    out.push_str(rest);
    Ok(out)
}

impl Mechanism for ScramSha256 {
    fn step(&mut self, response: Option<&[u8]>, db: &dyn AccountLookup) -> Step {
        let state = std::mem::replace(&mut self.state, State::Done);
        let result = match (state, response) {
            (State::Start, None) => {
                self.state = State::AwaitFirst;
                Ok(Step::Challenge(Vec::new()))
            }
            (State::Start | State::AwaitFirst, Some(m)) => self.client_first(m, db),
            (State::AwaitFinal(p), Some(m)) => self.client_final(&p, m),
            (State::AwaitAck { user, authzid }, r) if r.is_none_or(<[u8]>::is_empty) => {
                Ok(Step::Success { authcid: user, authzid })
            }
            _ => Err("unexpected message".into()),
        };
        result.unwrap_or_else(Step::Failure)
    }

    fn attempted_user(&self) -> Option<&str> {
        self.user.as_deref()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::auth::PasswdDb;

    const SALT_B64: &str = "W22ZaJ0SNY7soEsUEjb6gQ==";
    const SNONCE: &str = "%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0";
    const CLIENT_FIRST: &[u8] = b"n,,n=user,r=rOprNGfwEbeRWgbNEkqO";
    const SERVER_FIRST: &str = "r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096";
    const CLIENT_FINAL: &[u8] =
        b"c=biws,r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,p=dHzbZapWIk4jUhN+Ute9ytag9zjfMHgsqmmiz7AndVQ=";
    const SERVER_FINAL: &str = "v=6rriTRBi23WpRR/wtup+mMhUZUn/dB5nLTJRsjl95G4=";
    /// RFC 7677's user/pencil as a Dovecot entry (keys computed with Python's hashlib).
    const STORED: &str = "user:{SCRAM-SHA-256}4096,W22ZaJ0SNY7soEsUEjb6gQ==,WG5d8oPm3OtcPnkdi4Uo7BkeZkBFzpcXkuLmtbsT4qY=,wfPLwcE6nTWhTAmQ7tl2KeoiWGPlZqQxSrmfPwDl2dU=\n";

    fn rfc_exchange(db: &PasswdDb) {
        let salt = STANDARD.decode(SALT_B64).unwrap();
        let mut m = ScramSha256::with_nonce_and_salt(SNONCE, &salt);
        assert_eq!(m.step(None, db), Step::Challenge(Vec::new()));
        assert_eq!(m.step(Some(CLIENT_FIRST), db), Step::Challenge(SERVER_FIRST.into()));
        assert_eq!(m.step(Some(CLIENT_FINAL), db), Step::Challenge(SERVER_FINAL.into()));
        assert_eq!(m.step(Some(b""), db), Step::Success { authcid: "user".into(), authzid: None });
        assert!(matches!(m.step(Some(b""), db), Step::Failure(_)));
    }

    #[test]
    fn rfc7677_with_cleartext_entry() {
        rfc_exchange(&PasswdDb::parse("user:{PLAIN}pencil\n").unwrap());
    }

    #[test]
    fn rfc7677_with_stored_keys() {
        rfc_exchange(&PasswdDb::parse(STORED).unwrap());
    }

    /// A minimal client for the paths the RFC example does not cover.
    fn client_final(first_bare: &str, gs2: &str, server_first: &str, password: &[u8]) -> Vec<u8> {
        let mut fields = server_first.split(',');
        let nonce = &fields.next().unwrap()[2..];
        let salt = STANDARD.decode(&fields.next().unwrap()[2..]).unwrap();
        let iter: u32 = fields.next().unwrap()[2..].parse().unwrap();
        let mut salted = [0u8; 32];
        pbkdf2::pbkdf2_hmac::<Sha256>(password, &salt, iter, &mut salted);
        let client_key = hmac_sha256(&salted, b"Client Key");
        let stored: [u8; 32] = Sha256::digest(client_key).into();
        let without = format!("c={},r={nonce}", STANDARD.encode(gs2));
        let auth = format!("{first_bare},{server_first},{without}");
        let sig = hmac_sha256(&stored, auth.as_bytes());
        let proof: Vec<u8> = client_key.iter().zip(sig).map(|(a, b)| a ^ b).collect();
        format!("{without},p={}", STANDARD.encode(proof)).into_bytes()
    }

    fn run(db: &PasswdDb, gs2: &str, bare: &str, password: &[u8]) -> Step {
        let mut m = ScramSha256::new();
        let first = format!("{gs2}{bare}");
        let Step::Challenge(sf) = m.step(Some(first.as_bytes()), db) else { panic!("no server-first") };
        let sf = String::from_utf8(sf).unwrap();
        match m.step(Some(&client_final(bare, gs2, &sf, password)), db) {
            Step::Challenge(v) if v.starts_with(b"v=") => m.step(Some(b""), db),
            other => other,
        }
    }

    #[test]
    fn random_nonce_and_authzid_and_escaped_name() {
        let db = PasswdDb::parse("a,b=c@example.org:{PLAIN}secret\nbob:{PLAIN}pw\n").unwrap();
        let name = "a=2Cb=3Dc@example.org";
        assert_eq!(
            run(&db, "y,,", &format!("n={name},r=abcdef"), b"secret"),
            Step::Success { authcid: "a,b=c@example.org".into(), authzid: None }
        );
        assert_eq!(
            run(&db, "n,a=bob,", "n=bob,r=xyz", b"pw"),
            Step::Success { authcid: "bob".into(), authzid: Some("bob".into()) }
        );
    }

    #[test]
    fn wrong_password_unknown_user_hashed_entry() {
        let db = PasswdDb::parse(&format!(
            "{STORED}bob:{{PLAIN}}pw\ncarol:{{SHA256}}i1qZbqZyATYJiy7zVKGVtpbFZ4LpmzBAf+dTo761WeA=\n"
        ))
        .unwrap();
        let fail = Step::Failure(AUTH_FAILED.into());
        assert_eq!(run(&db, "n,,", "n=user,r=abc", b"pen"), fail);
        assert_eq!(run(&db, "n,,", "n=bob,r=abc", b"wrong"), fail);
        assert_eq!(run(&db, "n,,", "n=ghost,r=abc", b"pw"), fail);
        assert_eq!(run(&db, "n,,", "n=carol,r=abc", b"digest-secret"), fail);
    }

    #[test]
    fn protocol_errors() {
        let db = PasswdDb::parse("bob:{PLAIN}pw\n").unwrap();
        let first = |msg: &[u8]| ScramSha256::new().step(Some(msg), &db);
        let is_fail = |s: Step, why: &str| match s {
            Step::Failure(r) => assert!(r.contains(why), "{r} lacks {why}"),
            other => panic!("expected failure, got {other:?}"),
        };
        is_fail(first(b"p=tls-unique,,n=bob,r=abc"), "channel binding");
        is_fail(first(b"n,,m=ext,n=bob,r=abc"), "extension");
        is_fail(first(b"n,a=alice,n=bob,r=abc"), "proxy");
        is_fail(first(b"n,,n=bob"), "nonce");
        is_fail(first(b"n,,n=bob,r="), "nonce");
        is_fail(first(b"n,,n=b=4F,r=abc"), "user name");
        is_fail(first(b"x,,n=bob,r=abc"), "gs2");
        is_fail(first(b"n"), "client-first");
        is_fail(first(b"\xff"), "UTF-8");

        // Tampered client-final messages.
        for bad in [
            &b"c=eSws,r=abcSNONCE,p=AAAA"[..],
            b"c=biws,r=other,p=AAAA",
            b"c=biws,r=abcSNONCE,p=!!",
            b"c=biws,r=abcSNONCE",
        ] {
            let mut m = ScramSha256::with_nonce_and_salt("SNONCE", b"salt");
            m.step(Some(b"n,,n=bob,r=abc"), &db);
            assert!(matches!(m.step(Some(bad), &db), Step::Failure(_)), "{bad:?}");
        }
        // A non-empty reply to the server-final message.
        let salt = STANDARD.decode(SALT_B64).unwrap();
        let db = PasswdDb::parse("user:{PLAIN}pencil\n").unwrap();
        let mut m = ScramSha256::with_nonce_and_salt(SNONCE, &salt);
        m.step(Some(CLIENT_FIRST), &db);
        m.step(Some(CLIENT_FINAL), &db);
        assert!(matches!(m.step(Some(b"x"), &db), Step::Failure(_)));
    }
}
