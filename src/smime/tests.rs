//! Certificate checks and the CMS structure, decrypted again with
//! RustCrypto's own decryption (the integration tests use openssl).

use std::time::{Duration, SystemTime};

use aes::cipher::{block_padding::Pkcs7, BlockModeDecrypt, KeyIvInit};
use cms::content_info::ContentInfo;
use cms::enveloped_data::{EnvelopedData, RecipientInfo};
use const_oid::db::{rfc5911, rfc5912};
use der::{Decode, Encode};
use rcgen::{CertificateParams, KeyPair, KeyUsagePurpose};
use rsa::{Oaep, PrivateKey as RsaPrivateKey};

use super::{message, CertError, OaepHash, Recipient, RecipientKey};

/// A self-signed P-256 certificate from rcgen, valid 2020 to 2040 unless
/// `edit` says otherwise; DER.
fn ec_cert(edit: impl FnOnce(&mut CertificateParams)) -> Vec<u8> {
    let mut params = CertificateParams::new(vec!["alice.example.org".into()]).unwrap();
    params.not_before = rcgen::date_time_ymd(2020, 1, 1);
    params.not_after = rcgen::date_time_ymd(2040, 1, 1);
    edit(&mut params);
    let key = KeyPair::generate().unwrap();
    params.self_signed(&key).unwrap().der().to_vec()
}

fn at(year: u64) -> SystemTime {
    SystemTime::UNIX_EPOCH + Duration::from_secs((year - 1970) * 365 * 86400 + 30 * 86400)
}

fn unusable(r: Result<Recipient, CertError>) -> String {
    match r {
        Err(CertError::Unusable(t)) => t,
        other => panic!("expected an unusable certificate, got {other:?}"),
    }
}

#[test]
fn checks_validity_period_key_type_and_usage() {
    let der = ec_cert(|_| {});
    let r = Recipient::from_der(&der, at(2030)).unwrap();
    assert!(matches!(r.key, RecipientKey::P256(_)));
    assert!(unusable(Recipient::from_der(&der, at(2041))).contains("expired"));
    assert!(unusable(Recipient::from_der(&der, at(2019))).contains("not valid before"));
    let sign_only = ec_cert(|p| p.key_usages = vec![KeyUsagePurpose::DigitalSignature]);
    assert!(unusable(Recipient::from_der(&sign_only, at(2030))).contains("no keyAgreement"));
    let agree = ec_cert(|p| p.key_usages = vec![KeyUsagePurpose::DigitalSignature, KeyUsagePurpose::KeyAgreement]);
    assert!(Recipient::from_der(&agree, at(2030)).is_ok());
    assert!(unusable(Recipient::from_der(b"\x30\x03\x02\x01\x01", at(2030))).contains("Not a valid X.509"));
}

#[test]
fn command_data_is_base64_or_pem() {
    use base64::Engine;
    let der = ec_cert(|p| p.not_after = rcgen::date_time_ymd(2999, 1, 1));
    let b64 = base64::engine::general_purpose::STANDARD.encode(&der);
    let folded: Vec<u8> = b64.as_bytes().chunks(64).flat_map(|c| [c, b"\r\n"].concat()).collect();
    assert!(Recipient::from_command(b64.as_bytes()).is_ok());
    assert!(Recipient::from_command(&folded).is_ok());
    let pem = format!("-----BEGIN CERTIFICATE-----\n{}-----END CERTIFICATE-----\n", String::from_utf8_lossy(&folded));
    assert!(Recipient::from_command(pem.as_bytes()).is_ok());
    assert!(matches!(Recipient::from_command(b"TUlJQ"), Err(CertError::Syntax(_))));
    assert!(unusable(Recipient::from_command(b"aGVsbG8gd29ybGQ=")).contains("Not a valid X.509"));
}

#[test]
fn oaep_parameters_of_a_certificate() {
    use super::envelope::oaep_hash;
    assert_eq!(oaep_hash(None), Ok(OaepHash::Sha1));
    assert_eq!(oaep_hash(Some(&der::Any::null())), Ok(OaepHash::Sha1));
    let params = |hash, mgf| {
        let alg = spki::AlgorithmIdentifierOwned { oid: hash, parameters: Some(der::Any::null()) };
        let mgf_alg = spki::AlgorithmIdentifierOwned { oid: mgf, parameters: Some(der::Any::null()) };
        let p = rsa::pkcs1::RsaOaepParamsOwned {
            hash: alg,
            mask_gen: spki::AlgorithmIdentifier { oid: rfc5912::ID_MGF_1, parameters: Some(mgf_alg) },
            ..Default::default()
        };
        der::Any::encode_from(&p).unwrap()
    };
    assert_eq!(oaep_hash(Some(&params(rfc5912::ID_SHA_256, rfc5912::ID_SHA_256))), Ok(OaepHash::Sha256));
    assert!(oaep_hash(Some(&params(rfc5912::ID_SHA_256, rfc5912::ID_SHA_1))).is_err());
    assert!(oaep_hash(Some(&params(rfc5912::ID_MD_5, rfc5912::ID_MD_5))).is_err());
}

/// Decodes a copy's EnvelopedData.
fn envelope_of(copy: &[u8]) -> EnvelopedData {
    use base64::Engine;
    let start = memchr::memmem::find(copy, b"\r\n\r\n").unwrap() + 4;
    let text: Vec<u8> = copy[start..].iter().copied().filter(|b| !b.is_ascii_whitespace()).collect();
    let der = base64::engine::general_purpose::STANDARD.decode(text).unwrap();
    let info = ContentInfo::from_der(&der).unwrap();
    assert_eq!(info.content_type, rfc5911::ID_ENVELOPED_DATA);
    EnvelopedData::from_der(&info.content.to_der().unwrap()).unwrap()
}

#[test]
fn rsa_oaep_round_trip() {
    let private = RsaPrivateKey::new(&mut getrandom_04::SysRng, 1024).unwrap();
    let cert = x509_cert::Certificate::from_der(&ec_cert(|_| {})).unwrap();
    let recipient = Recipient { cert, key: RecipientKey::RsaOaep(private.to_public_key(), OaepHash::Sha256) };
    let original = b"Subject: hi\r\n\r\nsecret body\r\n";
    let copy = message::encrypted_copy(&recipient, original).unwrap();
    let env = envelope_of(&copy);
    let RecipientInfo::Ktri(ktri) = env.recip_infos.0.iter().next().unwrap() else { panic!("ktri") };
    assert_eq!(ktri.key_enc_alg.oid, rfc5912::ID_RSAES_OAEP);
    assert_eq!(super::envelope::oaep_hash(ktri.key_enc_alg.parameters.as_ref()), Ok(OaepHash::Sha256));
    let key = private.decrypt(Oaep::<sha2_011::Sha256>::new(), ktri.enc_key.as_bytes()).unwrap();
    let content = &env.encrypted_content;
    assert_eq!(content.content_enc_alg.oid, rfc5911::ID_AES_256_CBC);
    let iv = der::asn1::OctetString::from_der(&content.content_enc_alg.parameters.as_ref().unwrap().to_der().unwrap())
        .unwrap();
    let plain = cbc::Decryptor::<aes::Aes256>::new_from_slices(&key, iv.as_bytes())
        .unwrap()
        .decrypt_padded_vec::<Pkcs7>(content.encrypted_content.as_ref().unwrap().as_bytes())
        .unwrap();
    assert_eq!(plain, original);
    assert!(copy.starts_with(b"Subject: hi\r\nMIME-Version: 1.0\r\n"));
}
