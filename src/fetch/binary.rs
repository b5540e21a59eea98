//! `BINARY[part]` and `BINARY.SIZE[part]` (RFC 3516): a part's body with its
//! content-transfer-encoding removed.
//!
//! base64 and quoted-printable are decoded; 7bit and 8bit (and a part
//! without the header) are line-oriented text and go out with CRLF line
//! ends, as `BODY[part]` does; `binary` goes out exactly as stored. Any
//! other encoding is refused with `[UNKNOWN-CTE]`. Decoded base64 is sent
//! as it decodes, whatever the part's type: RFC 3516 returns the content
//! with the encoding removed, so a bare CR or LF in a `text/*` part is
//! data, and [`needs_literal8`] sends it in a `~{n}` literal8.
//! `BINARY[]` is the whole message ([`whole_message`]):
//! a message has no transfer encoding of its own to remove (its top-level
//! body is `BINARY[1]`). A part that does not exist is empty, as for BODY.

use super::section::{crlf, find_part, SectionData};
use crate::mime::header::{header_end, last};
use crate::mime::Part;

/// The part's encoding is one tegami cannot decode; holds its name.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct UnknownCte(pub String);

/// The decoded data of `BINARY[path]` of `msg`, whose tree is `root`.
pub fn binary(msg: &[u8], root: &Part, path: &[u32]) -> Result<SectionData, UnknownCte> {
    if path.is_empty() {
        return Ok(whole_message(msg));
    }
    let Some(part) = find_part(root, path) else {
        return Ok(SectionData::Range(0..0));
    };
    let enc = part.encoding.as_deref().unwrap_or(b"7bit").to_ascii_lowercase();
    let raw = msg.get(part.body.clone()).unwrap_or(b"");
    match enc.as_slice() {
        b"7bit" | b"8bit" => Ok(crlf(msg, part.body.clone())),
        b"binary" => Ok(SectionData::Range(part.body.clone())),
        b"base64" => Ok(SectionData::Owned(base64(raw))),
        b"quoted-printable" => {
            let text = crlf(msg, part.body.clone());
            Ok(SectionData::Owned(quoted_printable(text.bytes(msg))))
        }
        other => Err(UnknownCte(String::from_utf8_lossy(other).into_owned())),
    }
}

/// `BINARY[]`: the message with CRLF line ends, as `BODY[]` sends it,
/// except a message whose own encoding is `binary` or that holds NUL (one
/// APPENDed as a `~{n}` literal8): its octets are sent exactly as stored,
/// since a bare LF in binary data is data.
pub fn whole_message(msg: &[u8]) -> SectionData {
    let hdr = &msg[..header_end(msg, 0, msg.len())];
    let binary_cte =
        last(hdr, b"content-transfer-encoding").is_some_and(|v| v.trim_ascii().eq_ignore_ascii_case(b"binary"));
    if binary_cte || memchr::memchr(0, msg).is_some() {
        SectionData::Range(0..msg.len())
    } else {
        crlf(msg, 0..msg.len())
    }
}

/// Whether decoded `data` must go out as a `~{n}` literal8: its domain is
/// "binary" (RFC 2045 2.8: holds NUL, or CR or LF other than as a CRLF
/// pair), which RFC 3516 4.2 does not allow in an ordinary literal.
pub fn needs_literal8(data: &[u8]) -> bool {
    memchr::memchr3_iter(0, b'\r', b'\n', data).any(|i| match data[i] {
        0 => true,
        b'\r' => data.get(i + 1) != Some(&b'\n'),
        _ => i == 0 || data[i - 1] != b'\r',
    })
}

fn b64_value(b: u8) -> Option<u32> {
    Some(match b {
        b'A'..=b'Z' => b - b'A',
        b'a'..=b'z' => b - b'a' + 26,
        b'0'..=b'9' => b - b'0' + 52,
        b'+' => 62,
        b'/' => 63,
        _ => return None,
    } as u32)
}

/// Decodes base64 leniently, as mail readers do: characters outside the
/// alphabet (line breaks, blanks, junk) are skipped, decoding stops at the
/// first `=`, and a trailing incomplete group gives the octets it holds.
pub fn base64(raw: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(raw.len() / 4 * 3);
    let (mut acc, mut bits) = (0u32, 0u32);
    for &b in raw {
        if b == b'=' {
            break;
        }
        let Some(v) = b64_value(b) else { continue };
        acc = (acc << 6) | v;
        bits += 6;
        if bits >= 8 {
            bits -= 8;
            out.push((acc >> bits) as u8);
            acc &= (1 << bits) - 1;
        }
    }
    out
}

fn hex(b: u8) -> Option<u8> {
    (b as char).to_digit(16).map(|d| d as u8)
}

/// Decodes quoted-printable (RFC 2045 6.7): `=XX` octets, soft line breaks
/// (`=` at a line end, blanks after it allowed), blanks before a hard line
/// break dropped; an `=` that starts neither is kept as it is. Hard line
/// breaks stay as they are in `text` (the caller gives CRLF).
pub fn quoted_printable(text: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(text.len());
    for line in text.split_inclusive(|&b| b == b'\n') {
        let (body, end): (&[u8], &[u8]) = match line.strip_suffix(b"\r\n") {
            Some(b) => (b, b"\r\n"),
            None => match line.strip_suffix(b"\n") {
                Some(b) => (b, b"\n"),
                None => (line, b""),
            },
        };
        let trimmed = trim_blanks(body);
        let (body, soft) = match trimmed.strip_suffix(b"=") {
            Some(b) => (b, true),
            None => (trimmed, false),
        };
        let mut i = 0;
        while i < body.len() {
            let b = body[i];
            if b == b'=' {
                if let (Some(h), Some(l)) =
                    (body.get(i + 1).and_then(|&c| hex(c)), body.get(i + 2).and_then(|&c| hex(c)))
                {
                    out.push(h << 4 | l);
                    i += 3;
                    continue;
                }
            }
            out.push(b);
            i += 1;
        }
        if !soft {
            out.extend_from_slice(end);
        }
    }
    out
}

fn trim_blanks(b: &[u8]) -> &[u8] {
    let n = b.iter().rposition(|&c| c != b' ' && c != b'\t').map_or(0, |i| i + 1);
    &b[..n]
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::mime::scan;

    proptest::proptest! {
        #[test]
        fn random_parts_decode_without_panic(body in proptest::collection::vec(proptest::prelude::any::<u8>(), 0..300),
                                             cte in proptest::sample::select(vec!["base64", "quoted-printable", "binary", "8bit", "x-y"])) {
            let mut m = format!("Content-Type: text/plain\r\nContent-Transfer-Encoding: {cte}\r\n\r\n").into_bytes();
            m.extend_from_slice(&body);
            let root = scan(&m);
            let _ = binary(&m, &root, &[1]);
            let _ = binary(&m, &root, &[1, 2, 3]);
            let _ = whole_message(&m);
            let _ = quoted_printable(&body);
        }

        #[test]
        fn base64_round_trips(data in proptest::collection::vec(proptest::prelude::any::<u8>(), 0..300)) {
            use base64::Engine;
            let text = base64::engine::general_purpose::STANDARD.encode(&data);
            proptest::prop_assert_eq!(base64(text.as_bytes()), data);
        }
    }

    #[test]
    fn base64_is_lenient() {
        assert_eq!(base64(b"aGVs\r\nbG8=\r\n"), b"hello");
        assert_eq!(base64(b"AAEC/w=="), [0, 1, 2, 255]);
        assert_eq!(base64(b"AA EC!/w"), [0, 1, 2, 255]);
    }

    #[test]
    fn quoted_printable_rules() {
        assert_eq!(quoted_printable(b"caf=C3=A9 =\r\nau lait  \r\nx=3D1=\r\n"), "café au lait\r\nx=1".as_bytes());
        assert_eq!(quoted_printable(b"a=ZZ= \r\nb"), b"a=ZZb");
    }

    #[test]
    fn literal8_is_for_nul_and_bare_line_ends() {
        for clean in [&b""[..], b"text\r\nmore\r\n", b"\r\n", b"caf\xc3\xa9 \xff"] {
            assert!(!needs_literal8(clean), "{clean:?}");
        }
        for raw in [&b"\0"[..], b"a\nb", b"\n", b"a\r", b"\rb", b"x\r\n\n", b"x\r\r\n", b"ab\0\r\n"] {
            assert!(needs_literal8(raw), "{raw:?}");
        }
    }

    #[test]
    fn base64_text_keeps_bare_line_ends() {
        let m = b"Content-Type: text/x-myown; charset=us-ascii\r\nContent-Transfer-Encoding: base64\r\n\r\nYWJjZGVmZw1oaWprbA0KbW5vCnBxcnN0dXZxeHl6\r\n";
        let data = binary(m, &scan(m), &[1]).unwrap();
        assert_eq!(data.bytes(m), b"abcdefg\rhijkl\r\nmno\npqrstuvqxyz");
    }

    #[test]
    fn parts_are_decoded_by_their_encoding() {
        let m = b"Content-Type: multipart/mixed; boundary=b\r\n\r\n--b\r\nContent-Transfer-Encoding: base64\r\nContent-Type: application/octet-stream\r\n\r\nAAEK\r\n--b\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\n=E2=82=AC=\r\n1\r\n--b\r\nContent-Transfer-Encoding: x-uuencode\r\n\r\nbegin\r\n--b--\r\n";
        let root = scan(m);
        assert_eq!(binary(m, &root, &[1]).unwrap().bytes(m), [0, 1, b'\n']);
        assert_eq!(binary(m, &root, &[2]).unwrap().bytes(m), "€1".as_bytes());
        assert_eq!(binary(m, &root, &[3]), Err(UnknownCte("x-uuencode".into())));
        assert!(binary(m, &root, &[9]).unwrap().is_empty());
    }
}
