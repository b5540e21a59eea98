//! S/MIME for COPY ... ENCRYPTED: a recipient's X.509 certificate, checked
//! once, then each copied message made into an `application/pkcs7-mime`
//! enveloped-data message (RFC 8551, RFC 5652) that only the holder of the
//! certificate's private key can read.
//!
//! [`Recipient`] parses and checks a certificate (validity period, key type,
//! key usage); [`envelope`] builds the CMS structure; [`message`] wraps it
//! in the MIME message that is stored; [`own`] keeps an account's own
//! certificate (`*`) in its maildir.

pub mod envelope;
pub mod message;
pub mod own;

use std::fmt;
use std::time::SystemTime;

use base64::Engine;
use const_oid::db::rfc5912;
use der::{Decode, DecodePem};
use rsa::pkcs1::DecodeRsaPublicKey;
use rsa::PublicKey as RsaPublicKey;
use x509_cert::ext::pkix::KeyUsage;
use x509_cert::Certificate;

/// Why a certificate cannot be used.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CertError {
    /// The certificate data is not base64 or PEM at all (a syntax error: BAD).
    Syntax(String),
    /// It decodes, but cannot be used: not X.509, expired, a key that
    /// cannot encrypt (NO).
    Unusable(String),
}

impl fmt::Display for CertError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            CertError::Syntax(t) | CertError::Unusable(t) => f.write_str(t),
        }
    }
}

impl std::error::Error for CertError {}

/// The hash of RSAES-OAEP (RFC 8017 A.2.1), for its digest and its MGF1.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OaepHash {
    /// SHA-1 (the RFC 8017 default, when the parameters are absent).
    Sha1,
    /// SHA-256.
    Sha256,
    /// SHA-384.
    Sha384,
    /// SHA-512.
    Sha512,
}

/// The recipient's public key, as the content-encryption key is wrapped for it.
#[derive(Debug, Clone)]
pub enum RecipientKey {
    /// RSA with PKCS#1 v1.5 (`rsaEncryption`, what every S/MIME client reads).
    Rsa(RsaPublicKey),
    /// RSA with RSAES-OAEP, when the certificate's key says `id-RSAES-OAEP`.
    RsaOaep(RsaPublicKey, OaepHash),
    /// NIST P-256: ephemeral-static ECDH (RFC 5753).
    P256(p256::PublicKey),
}

/// A checked recipient certificate: what [`envelope::enveloped_data`] needs.
#[derive(Debug, Clone)]
pub struct Recipient {
    /// The certificate (its issuer and serial number name the recipient).
    pub cert: Certificate,
    /// The key the content-encryption key is wrapped with.
    pub key: RecipientKey,
}

impl Recipient {
    /// Parses the `certificateData` of COPY ... ENCRYPTED: base64 of the
    /// DER certificate (blanks and line ends ignored), or a PEM block.
    pub fn from_command(data: &[u8]) -> Result<Recipient, CertError> {
        let text: Vec<u8> = data.iter().copied().filter(|b| !b.is_ascii_whitespace()).collect();
        if text.starts_with(b"-----BEGIN") {
            return Recipient::from_pem_or_der(data, SystemTime::now());
        }
        let der = base64::engine::general_purpose::STANDARD
            .decode(&text)
            .map_err(|e| CertError::Syntax(format!("Certificate data is not valid base64: {e}")))?;
        Recipient::from_der(&der, SystemTime::now())
    }

    /// Parses a certificate file's contents: PEM (the first CERTIFICATE
    /// block) or DER, checked against `now`.
    pub fn from_pem_or_der(data: &[u8], now: SystemTime) -> Result<Recipient, CertError> {
        let trimmed = data.trim_ascii_start();
        if trimmed.starts_with(b"-----BEGIN") {
            let start = find(data, b"-----BEGIN CERTIFICATE-----")
                .ok_or_else(|| CertError::Unusable("The PEM data holds no CERTIFICATE block".into()))?;
            let end_tag = b"-----END CERTIFICATE-----";
            let end = find(&data[start..], end_tag)
                .map(|i| start + i + end_tag.len())
                .ok_or_else(|| CertError::Syntax("The PEM CERTIFICATE block has no END line".into()))?;
            let cert = Certificate::from_pem(&data[start..end])
                .map_err(|e| CertError::Syntax(format!("The PEM certificate does not decode: {e}")))?;
            return Recipient::check(cert, now);
        }
        Recipient::from_der(data, now)
    }

    /// Parses a DER certificate, checked against `now`.
    pub fn from_der(der: &[u8], now: SystemTime) -> Result<Recipient, CertError> {
        let cert = Certificate::from_der(der)
            .map_err(|e| CertError::Unusable(format!("Not a valid X.509 certificate: {e}")))?;
        Recipient::check(cert, now)
    }

    /// Checks the validity period, the key type and the key usage.
    fn check(cert: Certificate, now: SystemTime) -> Result<Recipient, CertError> {
        let tbs = cert.tbs_certificate();
        let validity = tbs.validity();
        if now < validity.not_before.to_system_time() {
            return Err(CertError::Unusable(format!("The certificate is not valid before {}", validity.not_before)));
        }
        if now > validity.not_after.to_system_time() {
            return Err(CertError::Unusable(format!("The certificate expired on {}", validity.not_after)));
        }
        let spki = tbs.subject_public_key_info();
        let key_bits = spki
            .subject_public_key
            .as_bytes()
            .ok_or_else(|| CertError::Unusable("The certificate's public key is not a whole number of bytes".into()))?;
        let bad_key =
            |e: &dyn fmt::Display| CertError::Unusable(format!("The certificate's public key is damaged: {e}"));
        let key = if spki.algorithm.oid == rfc5912::RSA_ENCRYPTION {
            RecipientKey::Rsa(RsaPublicKey::from_pkcs1_der(key_bits).map_err(|e| bad_key(&e))?)
        } else if spki.algorithm.oid == rfc5912::ID_RSAES_OAEP {
            let hash = envelope::oaep_hash(spki.algorithm.parameters.as_ref()).map_err(CertError::Unusable)?;
            RecipientKey::RsaOaep(RsaPublicKey::from_pkcs1_der(key_bits).map_err(|e| bad_key(&e))?, hash)
        } else if spki.algorithm.oid == rfc5912::ID_EC_PUBLIC_KEY {
            let curve =
                spki.algorithm.parameters.as_ref().and_then(|p| p.decode_as::<const_oid::ObjectIdentifier>().ok());
            if curve != Some(rfc5912::SECP_256_R_1) {
                return Err(CertError::Unusable(
                    "The certificate's elliptic curve is not supported (only P-256 is)".into(),
                ));
            }
            RecipientKey::P256(p256::PublicKey::from_sec1_bytes(key_bits).map_err(|e| bad_key(&e))?)
        } else {
            return Err(CertError::Unusable(format!(
                "The certificate's key type ({}) cannot encrypt: RSA and EC P-256 keys can",
                spki.algorithm.oid
            )));
        };
        let usage = tbs
            .get_extension::<KeyUsage>()
            .map_err(|e| CertError::Unusable(format!("The certificate's key usage extension is damaged: {e}")))?;
        if let Some((_, usage)) = usage {
            let ok = match key {
                RecipientKey::Rsa(_) | RecipientKey::RsaOaep(..) => usage.key_encipherment(),
                RecipientKey::P256(_) => usage.key_agreement(),
            };
            if !ok {
                let needed = if matches!(key, RecipientKey::P256(_)) { "keyAgreement" } else { "keyEncipherment" };
                return Err(CertError::Unusable(format!(
                    "The certificate's key usage does not allow encryption (no {needed})"
                )));
            }
        }
        Ok(Recipient { cert, key })
    }

    /// The certificate's subject, for messages.
    pub fn subject(&self) -> String {
        self.cert.tbs_certificate().subject().to_string()
    }

    /// What the key is, for messages (`RSA 2048`, `EC P-256`).
    pub fn key_description(&self) -> String {
        use rsa::traits::PublicKeyParts;
        match &self.key {
            RecipientKey::Rsa(k) => format!("RSA {} (PKCS#1 v1.5)", k.n().bit_width()),
            RecipientKey::RsaOaep(k, h) => format!("RSA {} (OAEP {h:?})", k.n().bit_width()),
            RecipientKey::P256(_) => "EC P-256 (ECDH)".into(),
        }
    }

    /// The last day of the certificate's validity, for messages.
    pub fn not_after(&self) -> String {
        self.cert.tbs_certificate().validity().not_after.to_string()
    }
}

fn find(hay: &[u8], needle: &[u8]) -> Option<usize> {
    memchr::memmem::find(hay, needle)
}

#[cfg(test)]
mod tests;
