//! The response writer's encoding rules: when a string may be an atom, when it
//! must be quoted, and when only a literal will do (RFC 3501 section 4.3 and the
//! `string`, `astring`, `nstring` rules of section 9); and [`Reply`], the
//! tagged NO or BAD every command handler may end with.

use std::fmt;

/// True when `b` may appear in an atom (`ATOM-CHAR`): not a control, not
/// space, not one of `( ) { % * " \ ]`, and 7-bit.
pub fn is_atom_char(b: u8) -> bool {
    b > 0x20 && b < 0x7f && !matches!(b, b'(' | b')' | b'{' | b'%' | b'*' | b'"' | b'\\' | b']')
}

/// True when `b` may appear in an `astring` without quoting (`ASTRING-CHAR`
/// adds `]` to the atom characters).
pub fn is_astring_char(b: u8) -> bool {
    is_atom_char(b) || b == b']'
}

/// True when `s` can be sent as a quoted string: 7-bit, no NUL, CR or LF.
pub fn quotable(s: &[u8]) -> bool {
    s.iter().all(|&b| b != 0 && b != b'\r' && b != b'\n' && b < 0x80)
}

/// Appends `s` as a `string`: quoted when possible, otherwise a literal.
pub fn write_string(out: &mut Vec<u8>, s: &[u8]) {
    if quotable(s) {
        out.push(b'"');
        for &b in s {
            if b == b'"' || b == b'\\' {
                out.push(b'\\');
            }
            out.push(b);
        }
        out.push(b'"');
    } else {
        write_literal(out, s);
    }
}

/// Appends `s` as a synchronizing literal `{n}\r\n...`.
pub fn write_literal(out: &mut Vec<u8>, s: &[u8]) {
    out.extend_from_slice(format!("{{{}}}\r\n", s.len()).as_bytes());
    out.extend_from_slice(s);
}

/// Appends `s` as an `astring`: a bare atom when every byte allows it and the
/// result is not the word `NIL`, otherwise as [`write_string`].
pub fn write_astring(out: &mut Vec<u8>, s: &[u8]) {
    if !s.is_empty() && s.iter().all(|&b| is_astring_char(b)) && !s.eq_ignore_ascii_case(b"NIL") {
        out.extend_from_slice(s);
    } else {
        write_string(out, s);
    }
}

/// Appends an `nstring`: `NIL` for `None`, otherwise a string.
pub fn write_nstring(out: &mut Vec<u8>, s: Option<&[u8]>) {
    match s {
        None => out.extend_from_slice(b"NIL"),
        Some(s) => write_string(out, s),
    }
}

/// Appends `s` as a quoted string, always (for human-readable text such as
/// ID values); bytes that cannot be quoted are replaced by `?`.
pub fn write_quoted_lossy(out: &mut Vec<u8>, s: &[u8]) {
    out.push(b'"');
    for &b in s {
        match b {
            b'"' | b'\\' => {
                out.push(b'\\');
                out.push(b);
            }
            0 | b'\r' | b'\n' => out.push(b'?'),
            b if b >= 0x80 => out.push(b'?'),
            b => out.push(b),
        }
    }
    out.push(b'"');
}

/// A tagged NO or BAD: the error side of every handler. The text carries
/// the response code, if any (`[NONEXISTENT] No such mailbox`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Reply {
    /// `NO text`: the command was understood and failed.
    No(String),
    /// `BAD text`: the command was not acceptable.
    Bad(String),
}

impl fmt::Display for Reply {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Reply::No(t) => write!(f, "NO {t}"),
            Reply::Bad(t) => write!(f, "BAD {t}"),
        }
    }
}

/// ` WORD` for naming a client's word in an error text, or nothing when
/// it is long or holds anything but letters, digits and `-._=+\`: a
/// `[` or `(` from the client would unbalance the text for strict
/// parsers, and long echoes serve only an attacker (issue 21, Fix 4).
pub fn shown(word: &str) -> String {
    let plain = |b: u8| b.is_ascii_alphanumeric() || b"-._=+\\".contains(&b);
    if !word.is_empty() && word.len() <= 32 && word.bytes().all(plain) {
        format!(" {word}")
    } else {
        String::new()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn s(f: impl Fn(&mut Vec<u8>)) -> String {
        let mut v = Vec::new();
        f(&mut v);
        String::from_utf8(v).unwrap()
    }

    #[test]
    fn astring_uses_atom_when_allowed() {
        assert_eq!(s(|o| write_astring(o, b"INBOX")), "INBOX");
        assert_eq!(s(|o| write_astring(o, b"a]b")), "a]b");
    }

    #[test]
    fn astring_quotes_specials_empty_and_nil() {
        assert_eq!(s(|o| write_astring(o, b"")), "\"\"");
        assert_eq!(s(|o| write_astring(o, b"a b")), "\"a b\"");
        assert_eq!(s(|o| write_astring(o, b"nil")), "\"nil\"");
        assert_eq!(s(|o| write_astring(o, b"a\"b\\")), "\"a\\\"b\\\\\"");
    }

    #[test]
    fn string_falls_back_to_literal_for_8bit_and_crlf() {
        assert_eq!(s(|o| write_string(o, b"a\r\nb")), "{4}\r\na\r\nb");
        assert_eq!(s(|o| write_string(o, "é".as_bytes())), "{2}\r\né");
    }

    #[test]
    fn nstring_none_is_nil() {
        assert_eq!(s(|o| write_nstring(o, None)), "NIL");
        assert_eq!(s(|o| write_nstring(o, Some(b"x"))), "\"x\"");
    }
}
