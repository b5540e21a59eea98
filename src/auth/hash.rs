//! Password schemes of Dovecot's passwd-file: `{SCHEME}value`, optionally
//! `{SCHEME.b64}` / `{SCHEME.hex}` to override the value's encoding.
//!
//! Verification goes through the `sha-crypt`, `bcrypt`, `argon2`, `sha1`,
//! `sha2`, `md-5`, `hmac` and `pbkdf2` crates; every final comparison that is
//! ours is constant-time (`subtle`).

use std::fmt;

use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use base64::engine::general_purpose::{GeneralPurpose, GeneralPurposeConfig, STANDARD};
use base64::engine::DecodePaddingMode;
use base64::Engine;
use hmac::{Hmac, Mac};
use sha2::{Digest, Sha256, Sha512};
use subtle::ConstantTimeEq;

use super::{random_bytes, AuthError};

/// Slow password hashes (the crypt family) computed since the start, the
/// dummy one for unknown names included: the monitor shows it, so a test
/// can see that every login path does the same hash work.
static SLOW_HASHES: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);

/// How many slow password hashes were computed since the start.
pub fn slow_hashes() -> u64 {
    SLOW_HASHES.load(std::sync::atomic::Ordering::Relaxed)
}

/// Base64 decoding that accepts values with or without `=` padding.
const B64_LENIENT: GeneralPurpose = GeneralPurpose::new(
    &base64::alphabet::STANDARD,
    GeneralPurposeConfig::new().with_decode_padding_mode(DecodePaddingMode::Indifferent),
);

/// Cost of new `BLF-CRYPT` hashes (bcrypt's log2 rounds).
const BCRYPT_COST: u32 = 10;
/// Iterations of new `SCRAM-SHA-256` entries (Dovecot's default, RFC 7677's minimum).
pub const SCRAM_ITERATIONS: u32 = 4096;

/// A password scheme named by Dovecot's `{SCHEME}` prefix.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scheme {
    /// `PLAIN`, `CLEAR`, `CLEARTEXT`: the password itself.
    Plain,
    /// `CRYPT` (and `ARGON2`): libc-style hash, kind told by its `$id$` prefix.
    Crypt,
    /// `SHA512-CRYPT`: `$6$salt$hash`.
    Sha512Crypt,
    /// `SHA256-CRYPT`: `$5$salt$hash`.
    Sha256Crypt,
    /// `BLF-CRYPT`: bcrypt, `$2y$cost$...` (also `$2a$`, `$2b$`, `$2x$`).
    BlfCrypt,
    /// `ARGON2I`: `$argon2i$v=19$m=..,t=..,p=..$salt$hash`.
    Argon2i,
    /// `ARGON2ID`: `$argon2id$v=19$...`.
    Argon2id,
    /// `SHA`, `SHA1`: unsalted SHA-1, base64 (hex detected).
    Sha1,
    /// `SSHA`: SHA-1 of password + salt, then the salt, base64.
    Ssha1,
    /// `SHA256`: unsalted SHA-256, base64 (hex detected).
    Sha256,
    /// `SSHA256`: salted SHA-256, base64.
    Ssha256,
    /// `SHA512`: unsalted SHA-512, base64 (hex detected).
    Sha512,
    /// `SSHA512`: salted SHA-512, base64.
    Ssha512,
    /// `PLAIN-MD5`: unsalted MD5, hex.
    PlainMd5,
    /// `LDAP-MD5`: unsalted MD5, base64.
    LdapMd5,
    /// `SMD5`: salted MD5, base64.
    Smd5,
    /// `SCRAM-SHA-256`: `iterations,salt,StoredKey,ServerKey` (base64 fields).
    ScramSha256,
}

impl Scheme {
    /// The scheme for a `{NAME}` (case-insensitive, with Dovecot's aliases).
    pub fn from_name(name: &str) -> Option<Scheme> {
        let upper = name.to_ascii_uppercase();
        Some(match upper.as_str() {
            "PLAIN" | "CLEAR" | "CLEARTEXT" => Scheme::Plain,
            "CRYPT" | "ARGON2" => Scheme::Crypt,
            "SHA512-CRYPT" => Scheme::Sha512Crypt,
            "SHA256-CRYPT" => Scheme::Sha256Crypt,
            "BLF-CRYPT" => Scheme::BlfCrypt,
            "ARGON2I" => Scheme::Argon2i,
            "ARGON2ID" => Scheme::Argon2id,
            "SHA" | "SHA1" => Scheme::Sha1,
            "SSHA" => Scheme::Ssha1,
            "SHA256" => Scheme::Sha256,
            "SSHA256" => Scheme::Ssha256,
            "SHA512" => Scheme::Sha512,
            "SSHA512" => Scheme::Ssha512,
            "PLAIN-MD5" => Scheme::PlainMd5,
            "LDAP-MD5" => Scheme::LdapMd5,
            "SMD5" => Scheme::Smd5,
            "SCRAM-SHA-256" => Scheme::ScramSha256,
            _ => return None,
        })
    }

    /// The canonical `{NAME}` of the scheme, without braces.
    pub fn name(self) -> &'static str {
        match self {
            Scheme::Plain => "PLAIN",
            Scheme::Crypt => "CRYPT",
            Scheme::Sha512Crypt => "SHA512-CRYPT",
            Scheme::Sha256Crypt => "SHA256-CRYPT",
            Scheme::BlfCrypt => "BLF-CRYPT",
            Scheme::Argon2i => "ARGON2I",
            Scheme::Argon2id => "ARGON2ID",
            Scheme::Sha1 => "SHA1",
            Scheme::Ssha1 => "SSHA",
            Scheme::Sha256 => "SHA256",
            Scheme::Ssha256 => "SSHA256",
            Scheme::Sha512 => "SHA512",
            Scheme::Ssha512 => "SSHA512",
            Scheme::PlainMd5 => "PLAIN-MD5",
            Scheme::LdapMd5 => "LDAP-MD5",
            Scheme::Smd5 => "SMD5",
            Scheme::ScramSha256 => "SCRAM-SHA-256",
        }
    }
}

impl fmt::Display for Scheme {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// An explicit encoding suffix: `{SCHEME.b64}` / `{SCHEME.base64}` / `{SCHEME.hex}`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Encoding {
    Base64,
    Hex,
}

/// A password as stored in the passwd-file: scheme plus value.
#[derive(Clone, PartialEq, Eq)]
pub struct StoredPassword {
    scheme: Scheme,
    encoding: Option<Encoding>,
    value: String,
}

/// Never print the hash or cleartext itself, not even in debug logs.
impl fmt::Debug for StoredPassword {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "StoredPassword({{{}}}...)", self.scheme)
    }
}

/// The keys a SCRAM-SHA-256 server needs, whether stored or derived.
#[derive(Clone, PartialEq, Eq)]
pub struct ScramKeys {
    /// PBKDF2 iteration count.
    pub iterations: u32,
    /// The salt, raw bytes.
    pub salt: Vec<u8>,
    /// H(ClientKey).
    pub stored_key: [u8; 32],
    /// HMAC(SaltedPassword, "Server Key").
    pub server_key: [u8; 32],
}

impl fmt::Debug for ScramKeys {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "ScramKeys(i={})", self.iterations)
    }
}

impl ScramKeys {
    /// Derives the keys from a cleartext password (RFC 5802 section 3).
    pub fn derive(password: &[u8], salt: &[u8], iterations: u32) -> ScramKeys {
        let mut salted = [0u8; 32];
        pbkdf2::pbkdf2_hmac::<Sha256>(password, salt, iterations, &mut salted);
        let client_key = hmac_sha256(&salted, b"Client Key");
        ScramKeys {
            iterations,
            salt: salt.to_vec(),
            stored_key: Sha256::digest(client_key).into(),
            server_key: hmac_sha256(&salted, b"Server Key"),
        }
    }
}

/// HMAC-SHA-256 of `data` under `key`.
pub(crate) fn hmac_sha256(key: &[u8], data: &[u8]) -> [u8; 32] {
    // HMAC takes keys of any length, so new_from_slice cannot fail.
    let mut mac = match <Hmac<Sha256> as Mac>::new_from_slice(key) {
        Ok(mac) => mac,
        Err(_) => unreachable!("HMAC accepts keys of any length"),
    };
    mac.update(data);
    mac.finalize().into_bytes().into()
}

/// Constant-time equality of two byte strings of possibly different length.
///
/// Both sides are hashed first so that neither their contents nor the
/// position of the first difference shows in the timing.
pub(crate) fn ct_eq_any_len(a: &[u8], b: &[u8]) -> bool {
    let ha = Sha256::digest(a);
    let hb = Sha256::digest(b);
    bool::from(ha.ct_eq(&hb)) && a.len() == b.len()
}

impl StoredPassword {
    /// Parses a passwd-file password field; no `{SCHEME}` prefix means `CRYPT`.
    pub fn parse(field: &str) -> Result<StoredPassword, AuthError> {
        let (name, value) = match field.strip_prefix('{').and_then(|r| r.split_once('}')) {
            Some((name, value)) => (name, value),
            None => return Ok(StoredPassword { scheme: Scheme::Crypt, encoding: None, value: field.to_string() }),
        };
        let (base, encoding) = match name.rsplit_once('.') {
            Some((base, suffix)) if suffix.eq_ignore_ascii_case("hex") => (base, Some(Encoding::Hex)),
            Some((base, suffix)) if suffix.eq_ignore_ascii_case("b64") || suffix.eq_ignore_ascii_case("base64") => {
                (base, Some(Encoding::Base64))
            }
            _ => (name, None),
        };
        let scheme = Scheme::from_name(base).ok_or_else(|| AuthError::UnknownScheme(name.into()))?;
        Ok(StoredPassword { scheme, encoding, value: value.to_string() })
    }

    /// The scheme the password is stored in.
    pub fn scheme(&self) -> Scheme {
        self.scheme
    }

    /// True when the stored secret is empty (`{PLAIN}` with nothing after
    /// it, or an encoding of nothing): such an entry never authenticates.
    pub fn is_empty(&self) -> bool {
        self.value.trim().is_empty() || self.text_bytes().is_ok_and(|b| b.is_empty())
    }

    /// The cleartext password if stored as `PLAIN` (CRAM-MD5 and SCRAM need it).
    pub fn plaintext(&self) -> Option<Vec<u8>> {
        if self.scheme != Scheme::Plain {
            return None;
        }
        self.text_bytes().ok()
    }

    /// The SCRAM-SHA-256 keys of a `{SCRAM-SHA-256}` entry; `None` for other schemes.
    pub fn scram_sha256_keys(&self) -> Option<Result<ScramKeys, AuthError>> {
        if self.scheme != Scheme::ScramSha256 {
            return None;
        }
        Some(self.text_bytes().and_then(|raw| self.parse_scram(&raw)))
    }

    /// Checks `password` against the stored value.
    ///
    /// `Ok(false)` is a wrong password; `Err` means the stored value itself is
    /// unusable (malformed, or a crypt variant tegami cannot verify).
    pub fn verify(&self, password: &[u8]) -> Result<bool, AuthError> {
        match self.scheme {
            Scheme::Plain => Ok(ct_eq_any_len(&self.text_bytes()?, password)),
            Scheme::Crypt
            | Scheme::Sha512Crypt
            | Scheme::Sha256Crypt
            | Scheme::BlfCrypt
            | Scheme::Argon2i
            | Scheme::Argon2id => {
                let raw = self.text_bytes()?;
                let text = std::str::from_utf8(&raw).map_err(|_| self.malformed("not UTF-8"))?;
                SLOW_HASHES.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                verify_crypt(self.scheme, text, password)
            }
            Scheme::Sha1 => self.verify_digest::<sha1::Sha1>(password, false, false),
            Scheme::Ssha1 => self.verify_digest::<sha1::Sha1>(password, true, false),
            Scheme::Sha256 => self.verify_digest::<Sha256>(password, false, false),
            Scheme::Ssha256 => self.verify_digest::<Sha256>(password, true, false),
            Scheme::Sha512 => self.verify_digest::<Sha512>(password, false, false),
            Scheme::Ssha512 => self.verify_digest::<Sha512>(password, true, false),
            Scheme::PlainMd5 => self.verify_digest::<md5::Md5>(password, false, true),
            Scheme::LdapMd5 => self.verify_digest::<md5::Md5>(password, false, false),
            Scheme::Smd5 => self.verify_digest::<md5::Md5>(password, true, false),
            Scheme::ScramSha256 => {
                let keys = self.parse_scram(&self.text_bytes()?)?;
                let derived = ScramKeys::derive(password, &keys.salt, keys.iterations);
                Ok(derived.stored_key.ct_eq(&keys.stored_key).into())
            }
        }
    }

    fn malformed(&self, reason: &str) -> AuthError {
        AuthError::MalformedHash { scheme: self.scheme.name().to_string(), reason: reason.to_string() }
    }

    /// The value for schemes whose default encoding is the text itself.
    fn text_bytes(&self) -> Result<Vec<u8>, AuthError> {
        match self.encoding {
            None => Ok(self.value.as_bytes().to_vec()),
            Some(enc) => self.decode(enc),
        }
    }

    fn decode(&self, encoding: Encoding) -> Result<Vec<u8>, AuthError> {
        match encoding {
            Encoding::Base64 => B64_LENIENT.decode(self.value.trim_end()).map_err(|_| self.malformed("invalid base64")),
            Encoding::Hex => decode_hex(&self.value).ok_or_else(|| self.malformed("invalid hex")),
        }
    }

    /// Digest schemes: `H(password + salt) + salt`, base64 unless told otherwise.
    fn verify_digest<D: Digest>(&self, password: &[u8], salted: bool, hex_default: bool) -> Result<bool, AuthError> {
        let len = <D as Digest>::output_size();
        let encoding = match self.encoding {
            Some(enc) => enc,
            None if hex_default => Encoding::Hex,
            // Dovecot accepts hex for the unsalted ones: tell it by the length.
            None if !salted && self.value.len() == 2 * len && self.value.bytes().all(|b| b.is_ascii_hexdigit()) => {
                Encoding::Hex
            }
            None => Encoding::Base64,
        };
        let raw = self.decode(encoding)?;
        let ok_len = if salted { raw.len() >= len } else { raw.len() == len };
        if !ok_len {
            return Err(self.malformed("wrong digest length"));
        }
        let (stored, salt) = raw.split_at(len);
        let mut hasher = D::new();
        hasher.update(password);
        hasher.update(salt);
        Ok(hasher.finalize().as_slice().ct_eq(stored).into())
    }

    /// `iterations,salt_b64,storedkey_b64,serverkey_b64`.
    fn parse_scram(&self, raw: &[u8]) -> Result<ScramKeys, AuthError> {
        let text = std::str::from_utf8(raw).map_err(|_| self.malformed("not UTF-8"))?;
        let fields: Vec<&str> = text.split(',').collect();
        let [iter, salt, stored, server] = fields.as_slice() else {
            return Err(self.malformed("expected 4 comma-separated fields"));
        };
        let iterations: u32 =
            iter.parse().ok().filter(|&i| i >= 1).ok_or_else(|| self.malformed("bad iteration count"))?;
        let salt = STANDARD.decode(salt).map_err(|_| self.malformed("bad salt"))?;
        let key = |s: &str| -> Result<[u8; 32], AuthError> {
            STANDARD
                .decode(s)
                .ok()
                .and_then(|v| <[u8; 32]>::try_from(v.as_slice()).ok())
                .ok_or_else(|| self.malformed("bad key"))
        };
        Ok(ScramKeys { iterations, salt, stored_key: key(stored)?, server_key: key(server)? })
    }
}

fn decode_hex(s: &str) -> Option<Vec<u8>> {
    let s = s.trim_end().as_bytes();
    if !s.len().is_multiple_of(2) {
        return None;
    }
    s.chunks(2)
        .map(|pair| {
            let hi = (pair[0] as char).to_digit(16)?;
            let lo = (pair[1] as char).to_digit(16)?;
            Some((hi * 16 + lo) as u8)
        })
        .collect()
}

/// Verifies a libc-crypt-style string, told apart by its `$id$` prefix.
fn verify_crypt(scheme: Scheme, hash: &str, password: &[u8]) -> Result<bool, AuthError> {
    let malformed =
        |reason: &str| AuthError::MalformedHash { scheme: scheme.name().to_string(), reason: reason.to_string() };
    if let Some(rest) = hash.strip_prefix("$6$") {
        let (rounds, salt, expected) = split_sha_crypt(rest).ok_or_else(|| malformed("bad $6$"))?;
        let params = sha_crypt::Sha512Params::new(rounds).map_err(|_| malformed("bad rounds"))?;
        let got =
            sha_crypt::sha512_crypt_b64(password, salt.as_bytes(), &params).map_err(|_| malformed("cannot compute"))?;
        Ok(got.as_bytes().ct_eq(expected.as_bytes()).into())
    } else if let Some(rest) = hash.strip_prefix("$5$") {
        let (rounds, salt, expected) = split_sha_crypt(rest).ok_or_else(|| malformed("bad $5$"))?;
        let params = sha_crypt::Sha256Params::new(rounds).map_err(|_| malformed("bad rounds"))?;
        let got =
            sha_crypt::sha256_crypt_b64(password, salt.as_bytes(), &params).map_err(|_| malformed("cannot compute"))?;
        Ok(got.as_bytes().ct_eq(expected.as_bytes()).into())
    } else if ["$2a$", "$2b$", "$2x$", "$2y$"].iter().any(|p| hash.starts_with(p)) {
        // bcrypt::verify compares in constant time itself.
        bcrypt::verify(password, hash).map_err(|e| malformed(&e.to_string()))
    } else if hash.starts_with("$argon2") {
        let parsed = PasswordHash::new(hash).map_err(|e| malformed(&e.to_string()))?;
        if parsed.hash.is_none() || parsed.salt.is_none() {
            return Err(malformed("no salt or hash"));
        }
        // The algorithm and parameters come from the hash itself.
        match argon2::Argon2::default().verify_password(password, &parsed) {
            Ok(()) => Ok(true),
            Err(argon2::password_hash::Error::Password) => Ok(false),
            Err(e) => Err(malformed(&e.to_string())),
        }
    } else {
        Err(AuthError::UnsupportedScheme(format!(
            "{} (only $6$, $5$, $2?$ and $argon2 hashes are supported)",
            scheme.name()
        )))
    }
}

/// Splits `[rounds=N$]salt$hash` (after the `$6$`/`$5$` id).
///
/// Rounds outside 1000..=999999999 are clamped, as glibc does.
fn split_sha_crypt(rest: &str) -> Option<(usize, &str, &str)> {
    let mut parts = rest.split('$');
    let mut first = parts.next()?;
    let mut rounds = sha_crypt::ROUNDS_DEFAULT;
    if let Some(n) = first.strip_prefix("rounds=") {
        let n: u64 = n.parse().ok()?;
        rounds = n.clamp(sha_crypt::ROUNDS_MIN as u64, sha_crypt::ROUNDS_MAX as u64) as usize;
        first = parts.next()?;
    }
    let hash = parts.next()?;
    if parts.next().is_some() || hash.is_empty() {
        return None;
    }
    Some((rounds, first, hash))
}

/// Characters of the crypt(3) salt alphabet.
const CRYPT_ALPHABET: &[u8; 64] = b"./0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";

fn crypt_salt() -> Result<String, AuthError> {
    let mut raw = [0u8; 16];
    random_bytes(&mut raw)?;
    // 64 divides 256, so taking the low six bits keeps the salt uniform.
    Ok(raw.iter().map(|b| CRYPT_ALPHABET[usize::from(b & 63)] as char).collect())
}

/// Hashes `password` as `{SCHEME}...` for the passwd-file.
///
/// Supported: PLAIN (switches to `PLAIN.b64` when the password would not
/// survive a passwd-file line), SHA512-CRYPT, SHA256-CRYPT, BLF-CRYPT,
/// ARGON2ID, ARGON2I, SHA1, SSHA, SHA256, SSHA256, SHA512, SSHA512 and
/// SCRAM-SHA-256.
pub fn hash_password(scheme: &str, password: &[u8]) -> Result<String, AuthError> {
    let parsed = Scheme::from_name(scheme).ok_or_else(|| AuthError::UnknownScheme(scheme.into()))?;
    let fail = |what: &str| AuthError::MalformedHash { scheme: parsed.name().to_string(), reason: what.to_string() };
    let body = match parsed {
        Scheme::Plain => {
            return Ok(match std::str::from_utf8(password) {
                Ok(s) if plain_is_safe(s) => format!("{{PLAIN}}{s}"),
                _ => format!("{{PLAIN.b64}}{}", STANDARD.encode(password)),
            })
        }
        Scheme::Sha512Crypt => {
            let salt = crypt_salt()?;
            let params = sha_crypt::Sha512Params::new(sha_crypt::ROUNDS_DEFAULT).map_err(|_| fail("rounds"))?;
            let h =
                sha_crypt::sha512_crypt_b64(password, salt.as_bytes(), &params).map_err(|_| fail("cannot compute"))?;
            format!("$6${salt}${h}")
        }
        Scheme::Sha256Crypt => {
            let salt = crypt_salt()?;
            let params = sha_crypt::Sha256Params::new(sha_crypt::ROUNDS_DEFAULT).map_err(|_| fail("rounds"))?;
            let h =
                sha_crypt::sha256_crypt_b64(password, salt.as_bytes(), &params).map_err(|_| fail("cannot compute"))?;
            format!("$5${salt}${h}")
        }
        Scheme::BlfCrypt => {
            let mut salt = [0u8; 16];
            random_bytes(&mut salt)?;
            bcrypt::hash_with_salt(password, BCRYPT_COST, salt)
                .map_err(|e| fail(&e.to_string()))?
                .format_for_version(bcrypt::Version::TwoY)
        }
        Scheme::Argon2id | Scheme::Argon2i => {
            let algorithm =
                if parsed == Scheme::Argon2id { argon2::Algorithm::Argon2id } else { argon2::Algorithm::Argon2i };
            let mut salt = [0u8; 16];
            random_bytes(&mut salt)?;
            let salt = SaltString::encode_b64(&salt).map_err(|e| fail(&e.to_string()))?;
            let hasher = argon2::Argon2::new(algorithm, argon2::Version::V0x13, argon2::Params::default());
            hasher.hash_password(password, &salt).map_err(|e| fail(&e.to_string()))?.to_string()
        }
        Scheme::Sha1 => STANDARD.encode(sha1::Sha1::digest(password)),
        Scheme::Sha256 => STANDARD.encode(Sha256::digest(password)),
        Scheme::Sha512 => STANDARD.encode(Sha512::digest(password)),
        Scheme::Ssha1 => salted_digest::<sha1::Sha1>(password)?,
        Scheme::Ssha256 => salted_digest::<Sha256>(password)?,
        Scheme::Ssha512 => salted_digest::<Sha512>(password)?,
        Scheme::ScramSha256 => {
            let mut salt = [0u8; 16];
            random_bytes(&mut salt)?;
            let k = ScramKeys::derive(password, &salt, SCRAM_ITERATIONS);
            format!(
                "{},{},{},{}",
                k.iterations,
                STANDARD.encode(&k.salt),
                STANDARD.encode(k.stored_key),
                STANDARD.encode(k.server_key)
            )
        }
        Scheme::Crypt | Scheme::PlainMd5 | Scheme::LdapMd5 | Scheme::Smd5 => {
            return Err(AuthError::UnsupportedScheme(parsed.name().to_string()))
        }
    };
    Ok(format!("{{{}}}{}", parsed.name(), body))
}

/// A cleartext password can be written as is unless it has a `:` (field
/// separator), control characters or surrounding blanks.
fn plain_is_safe(s: &str) -> bool {
    !s.contains(':') && !s.chars().any(char::is_control) && s.trim() == s
}

fn salted_digest<D: Digest>(password: &[u8]) -> Result<String, AuthError> {
    let mut salt = [0u8; 8];
    random_bytes(&mut salt)?;
    let mut hasher = D::new();
    hasher.update(password);
    hasher.update(salt);
    let mut out = hasher.finalize().to_vec();
    out.extend_from_slice(&salt);
    Ok(STANDARD.encode(out))
}

#[cfg(test)]
#[path = "hash_tests.rs"]
mod tests;
