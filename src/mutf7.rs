//! Modified UTF-7 for mailbox names (RFC 3501 section 5.1.3): the wire
//! form of IMAP4rev1 names and the directory names of Dovecot's Maildir++,
//! so both the protocol layer and the store use it.
//!
//! Printable ASCII stands for itself except `&`, written `&-`; everything
//! else is UTF-16, base64-encoded with `,` in place of `/`, between `&` and `-`.

use std::fmt;

/// Why a mailbox name is not valid modified UTF-7: what the name has
/// ("a control character"), in the server's words.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Utf7Error(pub String);

impl fmt::Display for Utf7Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for Utf7Error {}

const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+,";

fn b64_value(c: u8) -> Option<u32> {
    ALPHABET.iter().position(|&a| a == c).map(|p| p as u32)
}

/// Characters no mailbox name may hold: C0, DEL and C1 controls, the
/// Unicode line and paragraph separators, and the bidirectional controls
/// (which make a name display as another, "Trojan Source" style).
pub fn is_control_like(c: char) -> bool {
    c.is_control()
        || matches!(c, '\u{2028}' | '\u{2029}' | '\u{061c}' | '\u{200e}' | '\u{200f}')
        || ('\u{202a}'..='\u{202e}').contains(&c)
        || ('\u{2066}'..='\u{2069}').contains(&c)
}

/// Decode a modified UTF-7 name, strictly (RFC 3501 5.1.3): only printable
/// ASCII outside shifts, `&-` for `&`, and in a shift only characters that
/// could not stand for themselves (no printable ASCII, no control
/// character), zero padding bits, valid UTF-16, a closing `-`, and no shift
/// right after another (the encoder would have merged them). A lax decoder
/// lets `&AA0ACg-` smuggle CR LF and `&AC4ALgAv-` spell `../`.
pub fn decode(input: &[u8]) -> Result<String, Utf7Error> {
    let err = |m: &str| Err(Utf7Error(m.to_string()));
    let mut out = String::with_capacity(input.len());
    let mut i = 0;
    let mut after_shift = false;
    while i < input.len() {
        let c = input[i];
        if c != b'&' {
            if !(0x20..=0x7e).contains(&c) {
                return err("a byte outside printable ASCII");
            }
            out.push(c as char);
            i += 1;
            after_shift = false;
            continue;
        }
        i += 1;
        let start = i;
        while i < input.len() && input[i] != b'-' {
            i += 1;
        }
        if i == input.len() {
            return err("an unterminated &-shift");
        }
        let chunk = &input[start..i];
        i += 1; // the '-'
        if chunk.is_empty() {
            out.push('&');
            after_shift = false;
            continue;
        }
        if after_shift {
            return err("two &-shifts in a row");
        }
        after_shift = true;
        decode_shift(chunk, &mut out)?;
    }
    Ok(out)
}

/// One base64 run between `&` and `-`, appended to `out`.
fn decode_shift(chunk: &[u8], out: &mut String) -> Result<(), Utf7Error> {
    let err = |m: &str| Err(Utf7Error(m.to_string()));
    let mut units = Vec::with_capacity(chunk.len() * 6 / 16);
    let (mut acc, mut bits) = (0u32, 0u32);
    for &b in chunk {
        let Some(v) = b64_value(b) else {
            return err("invalid base64 in an &-shift");
        };
        acc = (acc << 6) | v;
        bits += 6;
        if bits >= 16 {
            bits -= 16;
            units.push((acc >> bits) as u16);
            acc &= (1 << bits) - 1;
        }
    }
    if bits >= 6 || acc != 0 || units.is_empty() {
        return err("a badly padded &-shift");
    }
    for ch in char::decode_utf16(units.iter().copied()) {
        match ch {
            // Printable ASCII must stand for itself, and no control
            // character belongs in a name at all.
            Ok(ch) if (ch as u32) < 0x80 => return err("ASCII inside an &-shift"),
            Ok(ch) if is_control_like(ch) => return err("a control character"),
            Ok(ch) => out.push(ch),
            Err(_) => return err("invalid UTF-16 in an &-shift"),
        }
    }
    Ok(())
}

/// Encode a name as modified UTF-7 (the minimal encoding).
pub fn encode(name: &str) -> String {
    let mut out = String::with_capacity(name.len());
    let mut pending: Vec<u16> = Vec::new();
    let flush = |pending: &mut Vec<u16>, out: &mut String| {
        if pending.is_empty() {
            return;
        }
        out.push('&');
        let (mut acc, mut bits) = (0u32, 0u32);
        for &u in pending.iter() {
            acc = (acc << 16) | u as u32;
            bits += 16;
            while bits >= 6 {
                bits -= 6;
                out.push(ALPHABET[((acc >> bits) & 63) as usize] as char);
            }
            acc &= (1 << bits) - 1;
        }
        if bits > 0 {
            out.push(ALPHABET[((acc << (6 - bits)) & 63) as usize] as char);
        }
        out.push('-');
        pending.clear();
    };
    for ch in name.chars() {
        if (' '..='~').contains(&ch) {
            flush(&mut pending, &mut out);
            if ch == '&' {
                out.push_str("&-");
            } else {
                out.push(ch);
            }
        } else {
            let mut buf = [0u16; 2];
            pending.extend_from_slice(ch.encode_utf16(&mut buf));
        }
    }
    flush(&mut pending, &mut out);
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn known_answers() {
        let cases = [
            ("INBOX", "INBOX"),
            ("a&b", "a&-b"),
            ("~peter/mail/台北/日本語", "~peter/mail/&U,BTFw-/&ZeVnLIqe-"),
            ("Entwürfe", "Entw&APw-rfe"),
            ("😀", "&2D3eAA-"),
        ];
        for (plain, wire) in cases {
            assert_eq!(encode(plain), wire);
            assert_eq!(decode(wire.as_bytes()).unwrap(), plain);
        }
        // Adjacent letters of one shift, and a shift after `&-`.
        assert_eq!(decode(b"&AOQA9g-").unwrap(), "äö");
        assert_eq!(decode(b"&-&AOQ-").unwrap(), "&ä");
    }

    #[test]
    fn rejects() {
        for bad in [&b"&"[..], b"a&b", b"&U,BTF-", b"&*-", b"&2D0-", b"\xc3\xbc", b"a\tb", b"&3gA-", b"&AGEA-"] {
            assert!(decode(bad).is_err(), "{:?}", String::from_utf8_lossy(bad));
        }
    }

    #[test]
    fn rejects_what_a_lax_decoder_lets_through() {
        let cases: [&[u8]; 9] = [
            b"&AGE-",               // "a": printable ASCII in base64
            b"x&AA0ACg-* 3 EXISTS", // CR LF
            b"&AC4ALgAv-",          // "../"
            b"&AAA-",               // NUL
            b"&AH8-",               // DEL
            b"&AIU-",               // NEL (C1)
            b"&ACY-",               // "&" must be "&-"
            b"&AOQ-&APY-",          // two shifts in a row
            b"&AOQ",                // unterminated
        ];
        for bad in cases {
            assert!(decode(bad).is_err(), "{:?}", String::from_utf8_lossy(bad));
        }
    }

    proptest! {
        #[test]
        fn round_trip(s in any::<String>().prop_filter("no controls", |s| !s.chars().any(is_control_like))) {
            prop_assert_eq!(decode(encode(&s).as_bytes()).unwrap(), s);
        }

        #[test]
        fn decode_never_panics(b in prop::collection::vec(any::<u8>(), 0..40)) {
            let _ = decode(&b);
        }
    }
}
