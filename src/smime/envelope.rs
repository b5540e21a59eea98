//! CMS enveloped-data (RFC 5652 6) for one recipient: a fresh AES-256 key
//! encrypts the content in CBC mode, and the key is wrapped for the
//! recipient's certificate: RSA PKCS#1 v1.5 or RSAES-OAEP (RFC 8017, RFC
//! 4055) in a KeyTransRecipientInfo, or ephemeral-static ECDH on P-256
//! with the X9.63 KDF and AES-256 key wrap (RFC 5753, RFC 3394) in a
//! KeyAgreeRecipientInfo. The recipient is named by issuer and serial
//! number, which every S/MIME client understands.
//!
//! All cryptography comes from RustCrypto's crates; this file only puts
//! their output into the ASN.1 structures.

use aes::cipher::{block_padding::Pkcs7, BlockModeEncrypt, KeyIvInit};
use aes_kw::KwAes256;
use cms::cert::IssuerAndSerialNumber;
use cms::content_info::{CmsVersion, ContentInfo};
use cms::enveloped_data::{
    EncryptedContentInfo, EnvelopedData, KeyAgreeRecipientIdentifier, KeyAgreeRecipientInfo, KeyTransRecipientInfo,
    OriginatorIdentifierOrKey, OriginatorPublicKey, RecipientEncryptedKey, RecipientIdentifier, RecipientInfo,
    RecipientInfos,
};
use const_oid::db::{rfc5753, rfc5911, rfc5912};
use der::asn1::{BitString, OctetString};
use der::{Any, Decode, Encode, Sequence};
use p256::elliptic_curve::sec1::ToSec1Point;
use rsa::pkcs1::RsaOaepParamsOwned;
use rsa::{Oaep, Pkcs1v15Encrypt};
use sha2_011::{Sha256, Sha384, Sha512};
use spki::AlgorithmIdentifierOwned;

use super::{OaepHash, Recipient, RecipientKey};

/// Bytes of an AES-256 key and of an AES block (the CBC IV).
const KEY_LEN: usize = 32;
const IV_LEN: usize = 16;

/// The CMS `ContentInfo` (DER) of `content` enveloped for `recipient`.
pub fn enveloped_data(recipient: &Recipient, content: &[u8]) -> Result<Vec<u8>, String> {
    let mut key = [0u8; KEY_LEN];
    let mut iv = [0u8; IV_LEN];
    getrandom::getrandom(&mut key)
        .and_then(|()| getrandom::getrandom(&mut iv))
        .map_err(|e| format!("no random numbers: {e}"))?;
    let ciphertext = cbc::Encryptor::<aes::Aes256>::new(&key.into(), &iv.into()).encrypt_padded_vec::<Pkcs7>(content);
    let info = recipient_info(recipient, &key);
    key.fill(0);
    let info = info?;
    let der_err = |e: der::Error| format!("encoding the CMS structure: {e}");
    let data = EnvelopedData {
        // RFC 5652 6.1: 2 when any RecipientInfo is not version 0 (kari is 3).
        version: if matches!(info, RecipientInfo::Kari(_)) { CmsVersion::V2 } else { CmsVersion::V0 },
        originator_info: None,
        recip_infos: RecipientInfos::try_from(vec![info]).map_err(der_err)?,
        encrypted_content: EncryptedContentInfo {
            content_type: rfc5911::ID_DATA,
            content_enc_alg: AlgorithmIdentifierOwned {
                oid: rfc5911::ID_AES_256_CBC,
                parameters: Some(Any::encode_from(&OctetString::new(iv.to_vec()).map_err(der_err)?).map_err(der_err)?),
            },
            encrypted_content: Some(OctetString::new(ciphertext).map_err(der_err)?),
        },
        unprotected_attrs: None,
    };
    let info =
        ContentInfo { content_type: rfc5911::ID_ENVELOPED_DATA, content: Any::encode_from(&data).map_err(der_err)? };
    info.to_der().map_err(der_err)
}

/// The recipient's issuer and serial number, as CMS names it.
fn issuer_and_serial(recipient: &Recipient) -> IssuerAndSerialNumber {
    let tbs = recipient.cert.tbs_certificate();
    IssuerAndSerialNumber { issuer: tbs.issuer().clone(), serial_number: tbs.serial_number().clone() }
}

/// The RecipientInfo carrying `key` for `recipient`.
fn recipient_info(recipient: &Recipient, key: &[u8]) -> Result<RecipientInfo, String> {
    let mut rng = getrandom_04::SysRng;
    let ktri = |encrypted: Result<Vec<u8>, rsa::Error>, alg: AlgorithmIdentifierOwned| {
        let encrypted = encrypted.map_err(|e| format!("RSA encryption failed: {e}"))?;
        Ok(RecipientInfo::Ktri(KeyTransRecipientInfo {
            version: CmsVersion::V0,
            rid: RecipientIdentifier::IssuerAndSerialNumber(issuer_and_serial(recipient)),
            key_enc_alg: alg,
            enc_key: OctetString::new(encrypted).map_err(|e| e.to_string())?,
        }))
    };
    match &recipient.key {
        RecipientKey::Rsa(public) => ktri(
            public.encrypt(&mut rng, Pkcs1v15Encrypt, key),
            AlgorithmIdentifierOwned { oid: rfc5912::RSA_ENCRYPTION, parameters: Some(Any::null()) },
        ),
        RecipientKey::RsaOaep(public, hash) => {
            let encrypted = match hash {
                OaepHash::Sha1 => public.encrypt(&mut rng, Oaep::<sha1_011::Sha1>::new(), key),
                OaepHash::Sha256 => public.encrypt(&mut rng, Oaep::<Sha256>::new(), key),
                OaepHash::Sha384 => public.encrypt(&mut rng, Oaep::<Sha384>::new(), key),
                OaepHash::Sha512 => public.encrypt(&mut rng, Oaep::<Sha512>::new(), key),
            };
            ktri(
                encrypted,
                AlgorithmIdentifierOwned { oid: rfc5912::ID_RSAES_OAEP, parameters: Some(oaep_params(*hash)?) },
            )
        }
        RecipientKey::P256(public) => ecdh_p256(recipient, public, key),
    }
}

/// RFC 5753 7.2: the SharedInfo input of the KDF.
#[derive(Sequence)]
struct EccCmsSharedInfo {
    key_info: AlgorithmIdentifierOwned,
    #[asn1(context_specific = "0", tag_mode = "EXPLICIT", optional = "true")]
    entity_u_info: Option<OctetString>,
    #[asn1(context_specific = "2", tag_mode = "EXPLICIT")]
    supp_pub_info: OctetString,
}

/// A KeyAgreeRecipientInfo (RFC 5753 3.1.1): an ephemeral P-256 key, the
/// shared secret through the X9.63 KDF with SHA-256 to an AES-256 key
/// encryption key, and the content key wrapped with it.
fn ecdh_p256(recipient: &Recipient, public: &p256::PublicKey, key: &[u8]) -> Result<RecipientInfo, String> {
    use p256::elliptic_curve::Generate;
    let ephemeral = p256::ecdh::EphemeralSecret::try_generate_from_rng(&mut getrandom_04::SysRng)
        .map_err(|e| format!("no random numbers: {e}"))?;
    let shared = ephemeral.diffie_hellman(public);
    // RFC 3565 2.3.2 / RFC 5753 7.2: the AES wraps have absent parameters.
    let wrap = AlgorithmIdentifierOwned { oid: rfc5911::ID_AES_256_WRAP, parameters: None };
    let info = EccCmsSharedInfo {
        key_info: wrap.clone(),
        entity_u_info: None,
        supp_pub_info: OctetString::new((KEY_LEN as u32 * 8).to_be_bytes().to_vec()).map_err(|e| e.to_string())?,
    };
    let info = info.to_der().map_err(|e| e.to_string())?;
    let mut kek = [0u8; KEY_LEN];
    ansi_x963_kdf::derive_key_into::<Sha256>(shared.raw_secret_bytes(), &info, &mut kek)
        .map_err(|e| format!("key derivation failed: {e}"))?;
    let mut wrapped = [0u8; KEY_LEN + 8];
    let kw = <KwAes256 as aes::cipher::KeyInit>::new(&kek.into());
    kek.fill(0);
    let wrapped = kw.wrap_key(key, &mut wrapped).map_err(|e| format!("key wrap failed: {e}"))?.to_vec();
    let point = ephemeral.public_key().to_sec1_point(false);
    let der_err = |e: der::Error| e.to_string();
    Ok(RecipientInfo::Kari(KeyAgreeRecipientInfo {
        version: CmsVersion::V3,
        originator: OriginatorIdentifierOrKey::OriginatorKey(OriginatorPublicKey {
            // RFC 5753 7.1.2: id-ecPublicKey, parameters absent in originatorKey.
            algorithm: AlgorithmIdentifierOwned { oid: rfc5912::ID_EC_PUBLIC_KEY, parameters: None },
            public_key: BitString::from_bytes(point.as_bytes()).map_err(der_err)?,
        }),
        ukm: None,
        key_enc_alg: AlgorithmIdentifierOwned {
            oid: rfc5753::DH_SINGLE_PASS_STD_DH_SHA_256_KDF_SCHEME,
            parameters: Some(Any::encode_from(&wrap).map_err(der_err)?),
        },
        recipient_enc_keys: vec![RecipientEncryptedKey {
            rid: KeyAgreeRecipientIdentifier::IssuerAndSerialNumber(issuer_and_serial(recipient)),
            enc_key: OctetString::new(wrapped).map_err(der_err)?,
        }],
    }))
}

/// The OID of a hash of RSAES-OAEP.
fn hash_oid(hash: OaepHash) -> const_oid::ObjectIdentifier {
    match hash {
        OaepHash::Sha1 => rfc5912::ID_SHA_1,
        OaepHash::Sha256 => rfc5912::ID_SHA_256,
        OaepHash::Sha384 => rfc5912::ID_SHA_384,
        OaepHash::Sha512 => rfc5912::ID_SHA_512,
    }
}

/// RSAES-OAEP-params for `hash`, with MGF1 over the same hash and an empty
/// label (RFC 4055 4.1; SHA-1 is the all-defaults empty SEQUENCE).
fn oaep_params(hash: OaepHash) -> Result<Any, String> {
    let alg = AlgorithmIdentifierOwned { oid: hash_oid(hash), parameters: Some(Any::null()) };
    let mut params = RsaOaepParamsOwned::default();
    if hash != OaepHash::Sha1 {
        params.hash = alg.clone();
        params.mask_gen = spki::AlgorithmIdentifier { oid: rfc5912::ID_MGF_1, parameters: Some(alg) };
    }
    Any::encode_from(&params).map_err(|e| e.to_string())
}

/// The hash of a certificate's RSAES-OAEP key parameters: absent means the
/// SHA-1 defaults; MGF1 must use the same hash and the label must be empty.
pub fn oaep_hash(params: Option<&Any>) -> Result<OaepHash, String> {
    let Some(params) = params else {
        return Ok(OaepHash::Sha1);
    };
    if params.is_null() {
        return Ok(OaepHash::Sha1);
    }
    let params = RsaOaepParamsOwned::from_der(&params.to_der().map_err(|e| e.to_string())?)
        .map_err(|e| format!("The certificate's RSAES-OAEP parameters are damaged: {e}"))?;
    let hash = [OaepHash::Sha1, OaepHash::Sha256, OaepHash::Sha384, OaepHash::Sha512]
        .into_iter()
        .find(|&h| hash_oid(h) == params.hash.oid)
        .ok_or_else(|| format!("The certificate's RSAES-OAEP hash {} is not supported", params.hash.oid))?;
    let mgf_hash = params.mask_gen.parameters.as_ref().map(|a| a.oid);
    if params.mask_gen.oid != rfc5912::ID_MGF_1 || mgf_hash != Some(params.hash.oid) {
        return Err("The certificate's RSAES-OAEP mask generation is not MGF1 with its own hash".into());
    }
    let empty_label = params.p_source.parameters.as_ref().is_none_or(|p| p.value().is_empty());
    if params.p_source.oid != rfc5912::ID_P_SPECIFIED || !empty_label {
        return Err("The certificate's RSAES-OAEP parameters ask for a label, which is not supported".into());
    }
    Ok(hash)
}
