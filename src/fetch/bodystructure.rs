//! BODY and BODYSTRUCTURE (RFC 3501 section 7.4.2, `body` in section 9).
//!
//! Case is printed as Dovecot prints it: type, subtype, parameter names and
//! values, encoding and disposition exactly as sent; defaults in lower case
//! (`"text" "plain" ("charset" "us-ascii")`, `"7bit"`). A text part without
//! a charset gets `("charset" "us-ascii")` appended, as Dovecot does.

use super::envelope::write_envelope;
use crate::mime::params::Param;
use crate::mime::{scan, Kind, Part};
use crate::proto::response::{write_nstring, write_string};

/// BODYSTRUCTURE (`extended`) or BODY (not extended) of the message `msg`.
pub fn body_structure(msg: &[u8], extended: bool) -> Vec<u8> {
    let mut out = Vec::new();
    write_body(&mut out, msg, &scan(msg), extended);
    out
}

/// Appends the `body` of `part` (a part of `msg`). Recursion follows the
/// tree, whose depth the scanner bounds.
pub fn write_body(out: &mut Vec<u8>, msg: &[u8], part: &Part, extended: bool) {
    out.push(b'(');
    match &part.kind {
        Kind::Multipart(children) => {
            for c in children {
                write_body(out, msg, c, extended);
            }
            out.push(b' ');
            write_string(out, &part.subtype);
            if extended {
                out.push(b' ');
                write_params(out, &part.params);
                write_ext_tail(out, part);
            }
        }
        kind => {
            write_string(out, &part.ty);
            out.push(b' ');
            write_string(out, &part.subtype);
            out.push(b' ');
            if part.is_text() && part.param(b"charset").is_none() {
                let mut p = part.params.clone();
                p.push((b"charset".to_vec(), b"us-ascii".to_vec()));
                write_params(out, &p);
            } else {
                write_params(out, &part.params);
            }
            out.push(b' ');
            write_nstring(out, part.id.as_deref());
            out.push(b' ');
            write_nstring(out, part.description.as_deref());
            out.push(b' ');
            write_string(out, part.encoding.as_deref().unwrap_or(b"7bit"));
            out.extend_from_slice(format!(" {}", part.size).as_bytes());
            if let Kind::Message(inner) = kind {
                out.push(b' ');
                write_envelope(out, msg.get(inner.header.clone()).unwrap_or(b""));
                out.push(b' ');
                write_body(out, msg, inner, extended);
                out.extend_from_slice(format!(" {}", part.lines).as_bytes());
            } else if part.is_text() {
                out.extend_from_slice(format!(" {}", part.lines).as_bytes());
            }
            if extended {
                out.push(b' ');
                write_nstring(out, part.md5.as_deref());
                write_ext_tail(out, part);
            }
        }
    }
    out.push(b')');
}

/// ` disposition language location` of the extension data.
fn write_ext_tail(out: &mut Vec<u8>, part: &Part) {
    out.push(b' ');
    match &part.disposition {
        None => out.extend_from_slice(b"NIL"),
        Some((ty, params)) => {
            out.push(b'(');
            write_string(out, ty);
            out.push(b' ');
            write_params(out, params);
            out.push(b')');
        }
    }
    out.push(b' ');
    match &part.language {
        None => out.extend_from_slice(b"NIL"),
        Some(tags) => {
            out.push(b'(');
            for (i, t) in tags.iter().enumerate() {
                if i > 0 {
                    out.push(b' ');
                }
                write_string(out, t);
            }
            out.push(b')');
        }
    }
    out.push(b' ');
    write_nstring(out, part.location.as_deref());
}

/// `("name" "value" ...)` or `NIL` when empty.
fn write_params(out: &mut Vec<u8>, params: &[Param]) {
    if params.is_empty() {
        out.extend_from_slice(b"NIL");
        return;
    }
    out.push(b'(');
    for (i, (n, v)) in params.iter().enumerate() {
        if i > 0 {
            out.push(b' ');
        }
        write_string(out, n);
        out.push(b' ');
        write_string(out, v);
    }
    out.push(b')');
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plain_text() {
        let m = b"Subject: x\r\n\r\nhello\r\n";
        assert_eq!(body_structure(m, false), b"(\"text\" \"plain\" (\"charset\" \"us-ascii\") NIL NIL \"7bit\" 7 1)");
        assert_eq!(
            body_structure(m, true),
            b"(\"text\" \"plain\" (\"charset\" \"us-ascii\") NIL NIL \"7bit\" 7 1 NIL NIL NIL NIL)"
        );
    }
}
