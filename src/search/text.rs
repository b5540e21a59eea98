//! The text that header and body keys search, decoded and case-mapped:
//! header fields with RFC 2047 words decoded, address fields also as parsed
//! addresses, and the text/* parts of the MIME tree through their transfer
//! encoding and charset.

use crate::fetch::address::parse_address_list;
use crate::mime::decode::{decode_rfc2047, decoded_body_text};
use crate::mime::header::{fields, header_end, unfold};
use crate::mime::{Kind, Part};

/// The top-level header block of `msg`.
fn top_header(msg: &[u8]) -> &[u8] {
    &msg[..header_end(msg, 0, msg.len())]
}

/// Decoded, case-mapped values of every `name` field in the top-level
/// header, or `None` when there is no such field.
pub(crate) fn header_values(msg: &[u8], name: &str) -> Option<Vec<String>> {
    let v: Vec<String> = fields(top_header(msg))
        .filter(|f| f.name.eq_ignore_ascii_case(name.as_bytes()))
        .map(|f| fold(decode_rfc2047(&unfold(f.value))))
        .collect();
    (!v.is_empty()).then_some(v)
}

/// The raw value of the first `name` field in the top-level header.
pub(crate) fn first_raw<'a>(msg: &'a [u8], name: &str) -> Option<&'a [u8]> {
    crate::mime::header::first(top_header(msg), name.as_bytes())
}

/// Searchable text of an address field: the decoded value as written, then
/// each parsed address as `name <mailbox@host>` with the name decoded (so
/// quoting and escapes in display names do not hide a match).
pub(crate) fn address_text(msg: &[u8], name: &str) -> Option<String> {
    let mut out = String::new();
    let mut any = false;
    for f in fields(top_header(msg)).filter(|f| f.name.eq_ignore_ascii_case(name.as_bytes())) {
        any = true;
        let value = unfold(f.value);
        out.push_str(&decode_rfc2047(&value));
        out.push('\n');
        let mut addrs = Vec::new();
        parse_address_list(&value, &mut addrs);
        for a in addrs {
            if let Some(n) = &a.name {
                out.push_str(&decode_rfc2047(n));
                out.push(' ');
            }
            out.push('<');
            out.push_str(&String::from_utf8_lossy(a.mailbox.as_deref().unwrap_or(b"")));
            if let Some(h) = &a.host {
                out.push('@');
                out.push_str(&String::from_utf8_lossy(h));
            }
            out.push_str(">\n");
        }
    }
    any.then(|| fold(out))
}

/// Every field of a header block as `name: decoded value` lines, case-mapped.
fn header_block_text(hdr: &[u8]) -> String {
    let mut out = String::new();
    for f in fields(hdr) {
        out.push_str(&String::from_utf8_lossy(f.name));
        out.push_str(": ");
        out.push_str(&decode_rfc2047(&unfold(f.value)));
        out.push('\n');
    }
    fold(out)
}

/// Search text in i;unicode-casemap form (RFC 5051, the comparator RFC
/// 5255 I18NLEVEL=1 asks of SEARCH): titlecase, then NFKD, as SORT
/// compares; the query is mapped the same way (`program.rs`), so a match
/// is a substring of the mapped forms. Plain ASCII (most mail) is only
/// uppercased.
pub(crate) fn fold(s: String) -> String {
    if s.is_ascii() {
        let mut s = s;
        s.make_ascii_uppercase();
        return s;
    }
    crate::collate::casemap(&s)
}

/// The top-level header as searchable text (for TEXT).
pub(crate) fn header_text(msg: &[u8]) -> String {
    header_block_text(top_header(msg))
}

/// Searchable body text: the decoded text of every text/* part, and the
/// header of every encapsulated message (it is body text of the outer
/// message), one string per part so no match spans two parts.
pub(crate) fn body_texts(msg: &[u8], root: &Part) -> Vec<String> {
    let mut out = Vec::new();
    collect(msg, root, &mut out);
    out
}

fn collect(msg: &[u8], part: &Part, out: &mut Vec<String>) {
    match &part.kind {
        Kind::Single => {
            if part.is_text() {
                out.push(fold(decoded_body_text(msg, part)));
            }
        }
        Kind::Multipart(children) => {
            for c in children {
                collect(msg, c, out);
            }
        }
        Kind::Message(inner) => {
            if let Some(h) = msg.get(inner.header.clone()) {
                out.push(header_block_text(h));
            }
            collect(msg, inner, out);
        }
    }
}
