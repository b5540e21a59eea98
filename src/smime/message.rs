//! The stored copy: an `application/pkcs7-mime` message (RFC 8551 3.3)
//! whose body is the base64 enveloped-data. From, To, Date, Subject and
//! Message-ID are kept from the original so that a mailbox listing still
//! shows who wrote what and when; everything else, the body included, is
//! only inside the encrypted part.

use base64::Engine;

use super::{envelope, Recipient};
use crate::mime::header;

/// The header fields kept in the clear, in the order they are written.
pub const KEPT_FIELDS: [&str; 5] = ["Date", "From", "To", "Subject", "Message-ID"];

/// Base64 line length of the body (RFC 2045 6.8: at most 76).
const LINE: usize = 76;

/// The S/MIME message that stores `original` encrypted for `recipient`:
/// the original, byte for byte, is the enveloped content.
pub fn encrypted_copy(recipient: &Recipient, original: &[u8]) -> Result<Vec<u8>, String> {
    let cms = envelope::enveloped_data(recipient, original)?;
    let mut out = Vec::with_capacity(cms.len() * 4 / 3 + cms.len() / 38 + 1024);
    let head = &original[..header::header_end(original, 0, original.len())];
    for name in KEPT_FIELDS {
        if let Some(field) = header::fields(head).find(|f| f.name.eq_ignore_ascii_case(name.as_bytes())) {
            push_crlf(&mut out, field.raw);
        }
    }
    out.extend_from_slice(
        b"MIME-Version: 1.0\r\n\
          Content-Type: application/pkcs7-mime; smime-type=enveloped-data; name=smime.p7m\r\n\
          Content-Transfer-Encoding: base64\r\n\
          Content-Disposition: attachment; filename=smime.p7m\r\n\
          \r\n",
    );
    let text = base64::engine::general_purpose::STANDARD.encode(&cms);
    for line in text.as_bytes().chunks(LINE) {
        out.extend_from_slice(line);
        out.extend_from_slice(b"\r\n");
    }
    Ok(out)
}

/// An estimate (from above, for usual headers) of the size of the copy of
/// a message of `size` bytes,
/// for a quota check before the copy is made: base64 with line ends of the
/// content, its padding and the CMS structure, and the header.
pub fn size_estimate(size: u64) -> u64 {
    let cms = size + 16 + 2048; // CBC padding; recipient info, certificate names
    cms.div_ceil(3) * 4 * 78 / 76 + 4096
}

/// Appends a raw header field with every line end made CRLF, and a final
/// CRLF when the field had none (a header without a body).
fn push_crlf(out: &mut Vec<u8>, raw: &[u8]) {
    let mut prev = 0u8;
    for &b in raw {
        if b == b'\n' && prev != b'\r' {
            out.push(b'\r');
        }
        out.push(b);
        prev = b;
    }
    if prev != b'\n' {
        out.extend_from_slice(b"\r\n");
    }
}
