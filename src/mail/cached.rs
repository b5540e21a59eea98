//! What the handlers keep in a mailbox's sidecar cache (`store::cache`),
//! field by field, and how each value is made from the message text.

use crate::fetch as render;
use crate::mime::header::fields;

/// ENVELOPE.
pub const ENVELOPE: u8 = 1;
/// BODY (the non-extensible structure).
pub const BODY: u8 = 2;
/// BODYSTRUCTURE.
pub const BODYSTRUCTURE: u8 = 3;
/// RFC822.SIZE, kept for files whose name lacks `,W=`.
pub const SIZE: u8 = 4;
/// The header fields SEARCH most often reads ([`SEARCH_FIELDS`]), raw.
pub const SEARCH_HEADER: u8 = 5;
/// PREVIEW (RFC 8970): the preview text, UTF-8.
pub const PREVIEW: u8 = 6;
/// The header block (see `fetch::section::header_block`), for the header
/// sections of a client's folder listing; kept only up to [`HEADER_MAX`].
pub const HEADER: u8 = 7;
/// Larger header blocks are not cached (each listing reads their file):
/// the cache holds every message's header, and is read whole when opened.
pub const HEADER_MAX: usize = 16 * 1024;

/// Header fields kept for SEARCH, lowercase: the address fields, subject,
/// date and the threading fields.
pub const SEARCH_FIELDS: &[&str] =
    &["bcc", "cc", "date", "from", "in-reply-to", "message-id", "references", "reply-to", "sender", "subject", "to"];

/// The value of `field` for a message.
pub fn compute(field: u8, msg: &[u8]) -> Vec<u8> {
    match field {
        ENVELOPE => render::envelope(msg),
        BODY => render::body_structure(msg, false),
        BODYSTRUCTURE => render::body_structure(msg, true),
        SIZE => render::rfc822_size(msg).to_string().into_bytes(),
        PREVIEW => render::preview::preview(msg).into_bytes(),
        HEADER => render::section::header_block(msg).to_vec(),
        _ => search_header(msg),
    }
}

/// The [`SEARCH_FIELDS`] of the message's header, as they stand (folding
/// kept), followed by the blank line that ends a header: a small message
/// of its own that header searches can read instead of the file.
pub fn search_header(msg: &[u8]) -> Vec<u8> {
    let end = crate::mime::header::header_end(msg, 0, msg.len());
    let mut out = Vec::new();
    for f in fields(&msg[..end]) {
        let name = String::from_utf8_lossy(f.name).to_ascii_lowercase();
        if SEARCH_FIELDS.contains(&name.as_str()) {
            out.extend_from_slice(f.raw);
            if !f.raw.ends_with(b"\n") {
                out.extend_from_slice(b"\r\n");
            }
        }
    }
    out.extend_from_slice(b"\r\n");
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn search_header_keeps_the_listed_fields_with_their_folding() {
        let m = b"Received: x\r\nFrom: A\r\n <a@b>\r\nX-Other: y\r\nSubject: s\r\n\r\nbody From: z\r\n";
        assert_eq!(search_header(m), b"From: A\r\n <a@b>\r\nSubject: s\r\n\r\n");
        assert_eq!(search_header(b"no header at all"), b"\r\n");
    }
}
