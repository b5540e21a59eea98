//! Decoding for SEARCH: RFC 2047 encoded words in headers, and text bodies
//! through their transfer encoding and charset to UTF-8. Charset tables and
//! base64/quoted-printable come from mail-parser.

use super::header::{fields, header_end, unfold};
use super::scan::Part;
use mail_parser::decoders::base64::base64_decode;
use mail_parser::decoders::charsets::map::charset_decoder;
use mail_parser::decoders::quoted_printable::quoted_printable_decode;

/// Converts `bytes` in `charset` to UTF-8; unknown charsets and invalid
/// sequences fall back to lossy UTF-8.
pub fn to_utf8(charset: &[u8], bytes: &[u8]) -> String {
    let cs: &[u8] = charset.split(|&b| b == b'*').next().unwrap_or(b"");
    if cs.eq_ignore_ascii_case(b"utf-8") || cs.eq_ignore_ascii_case(b"us-ascii") || cs.is_empty() {
        return String::from_utf8_lossy(bytes).into_owned();
    }
    match charset_decoder(cs) {
        Some(dec) => dec(bytes),
        None => String::from_utf8_lossy(bytes).into_owned(),
    }
}

/// Decodes one encoded word's text `=?cs?enc?text?=`, or `None` if invalid.
fn decode_word(word: &[u8]) -> Option<String> {
    let inner = word.strip_prefix(b"=?")?.strip_suffix(b"?=")?;
    let mut it = inner.splitn(3, |&b| b == b'?');
    let (cs, enc, text) = (it.next()?, it.next()?, it.next()?);
    let bytes = match enc {
        b"B" | b"b" => base64_decode(text)?,
        b"Q" | b"q" => {
            let t: Vec<u8> = text.iter().map(|&b| if b == b'_' { b' ' } else { b }).collect();
            quoted_printable_decode(&t)?
        }
        _ => return None,
    };
    Some(to_utf8(cs, &bytes))
}

/// Decodes RFC 2047 encoded words in an unfolded header value. Blanks
/// between two adjacent encoded words are dropped; invalid words stay as
/// they are; 8-bit bytes are read as UTF-8 (lossy).
pub fn decode_rfc2047(v: &[u8]) -> String {
    let mut out = String::new();
    let mut i = 0;
    let mut pending_ws: Option<(usize, usize)> = None;
    let mut last_was_word = false;
    let mut plain_start = 0;
    while i < v.len() {
        if v[i] == b'=' && v.get(i + 1) == Some(&b'?') {
            if let Some(end) = find_word_end(v, i) {
                if let Some(text) = decode_word(&v[i..end]) {
                    // Flush plain text before this word, except blanks that
                    // separate two encoded words.
                    let flush_to = match pending_ws {
                        Some((ws, we)) if last_was_word && we == i && ws == plain_start => ws,
                        _ => i,
                    };
                    out.push_str(&String::from_utf8_lossy(&v[plain_start..flush_to]));
                    out.push_str(&text);
                    i = end;
                    plain_start = end;
                    last_was_word = true;
                    pending_ws = None;
                    continue;
                }
            }
        }
        if v[i] == b' ' || v[i] == b'\t' {
            let ws = i;
            while i < v.len() && (v[i] == b' ' || v[i] == b'\t') {
                i += 1;
            }
            pending_ws = Some((ws, i));
            continue;
        }
        last_was_word = false;
        i += 1;
    }
    out.push_str(&String::from_utf8_lossy(&v[plain_start..]));
    out
}

/// End (exclusive) of the encoded word starting at `i`: `=?cs?e?text?=`.
fn find_word_end(v: &[u8], i: usize) -> Option<usize> {
    // Encoded words are at most 75 octets (RFC 2047 section 2); allow more
    // but keep the search bounded.
    let limit = (i + 1000).min(v.len());
    let mut q = 0;
    let mut j = i + 2;
    while j < limit {
        match v[j] {
            b'?' => {
                q += 1;
                if q >= 3 && v.get(j + 1) == Some(&b'=') {
                    return Some(j + 2);
                }
            }
            b' ' | b'\t' => return None,
            _ => {}
        }
        j += 1;
    }
    None
}

/// The decoded text of every `name` field in the top-level header of `msg`
/// (RFC 2047 words decoded), occurrences joined by a line feed; empty when
/// there is none.
pub fn decoded_header_text(msg: &[u8], name: &str) -> String {
    let hdr = &msg[..header_end(msg, 0, msg.len())];
    let mut out = Vec::new();
    for f in fields(hdr).filter(|f| f.name.eq_ignore_ascii_case(name.as_bytes())) {
        out.push(decode_rfc2047(&unfold(f.value)));
    }
    out.join("\n")
}

/// The body of `part` (a part of `msg`) decoded from its transfer encoding
/// and charset to UTF-8. Non-text parts give an empty string.
pub fn decoded_body_text(msg: &[u8], part: &Part) -> String {
    if !part.is_text() {
        return String::new();
    }
    let raw = msg.get(part.body.clone()).unwrap_or(b"");
    let enc = part.encoding.as_deref().unwrap_or(b"7bit");
    let decoded;
    let bytes: &[u8] = if enc.eq_ignore_ascii_case(b"base64") {
        let clean: Vec<u8> = raw.iter().copied().filter(|b| !b.is_ascii_whitespace()).collect();
        decoded = base64_decode(&clean).unwrap_or_default();
        &decoded
    } else if enc.eq_ignore_ascii_case(b"quoted-printable") {
        decoded = quoted_printable_decode(raw).unwrap_or_else(|| raw.to_vec());
        &decoded
    } else {
        raw
    };
    to_utf8(part.param(b"charset").unwrap_or(b"us-ascii"), bytes)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rfc2047_words() {
        assert_eq!(decode_rfc2047(b"=?UTF-8?B?w4RyZ2Vy?= and =?UTF-8?Q?caf=C3=A9?="), "Ärger and café");
        assert_eq!(decode_rfc2047(b"=?ISO-8859-1?Q?a?= =?ISO-8859-1?Q?b_c?="), "ab c");
        assert_eq!(decode_rfc2047(b"=?koi8-r?Q?=F0=D2=C9=D7=C5=D4?="), "Привет");
        assert_eq!(decode_rfc2047(b"x =?bad?= y"), "x =?bad?= y");
    }

    #[test]
    fn header_and_body_decoding() {
        let m = b"Subject: =?utf-8?b?SGk=?=\r\nContent-Type: text/plain; charset=koi8-r\r\nContent-Transfer-Encoding: base64\r\n\r\n8NLJ18XU\r\n";
        assert_eq!(decoded_header_text(m, "subject"), "Hi");
        let p = crate::mime::scan(m);
        assert_eq!(decoded_body_text(m, &p), "Привет");
    }
}
