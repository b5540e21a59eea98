//! The response writer's encoding rules: when a string may be an atom, when it
//! must be quoted, and when only a literal will do (RFC 3501 section 4.3 and the
//! `string`, `astring`, `nstring` rules of section 9); numbers written
//! without a formatter; and [`Reply`], a status response with its typed
//! response [`Code`] (rendered in `code.rs`), the tagged OK, NO or BAD
//! every command handler ends with.

use std::borrow::Cow;
use std::fmt;

pub use super::untagged::Status;

#[path = "code.rs"]
mod code;
pub use code::{write_runs, Code};

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
    out.push(b'{');
    write_num(out, s.len() as u64);
    out.extend_from_slice(b"}\r\n");
    out.extend_from_slice(s);
}

/// Appends `n` in decimal, with no formatter and no allocation: numbers
/// are most of what a busy session writes (sequence numbers, UIDs, sizes).
pub fn write_num(out: &mut Vec<u8>, mut n: u64) {
    let mut digits = [0u8; 20];
    let mut i = digits.len();
    loop {
        i -= 1;
        digits[i] = b'0' + (n % 10) as u8;
        n /= 10;
        if n == 0 {
            break;
        }
    }
    out.extend_from_slice(&digits[i..]);
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

/// A status response: the tagged OK, NO or BAD of a command (the `Err`
/// side of every handler is a NO or BAD), or an untagged condition.
/// The code, when there is one, is written between the status word and
/// the text, by [`Reply::render`] alone.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reply {
    /// OK, NO or BAD.
    pub kind: Status,
    /// The response code (RFC 3501 7.1, RFC 5530 and the extensions').
    pub code: Option<Code>,
    /// Human-readable text.
    pub text: Cow<'static, str>,
}

impl Reply {
    /// A reply of `kind` with `code` and `text`.
    pub fn new(kind: Status, code: Option<Code>, text: impl Into<Cow<'static, str>>) -> Reply {
        Reply { kind, code, text: text.into() }
    }

    /// `OK text`.
    pub fn ok(text: impl Into<Cow<'static, str>>) -> Reply {
        Reply::new(Status::Ok, None, text)
    }

    /// `OK [code] text`.
    pub fn ok_code(code: Code, text: impl Into<Cow<'static, str>>) -> Reply {
        Reply::new(Status::Ok, Some(code), text)
    }

    /// `NO [code] text`.
    pub fn no(code: Code, text: impl Into<Cow<'static, str>>) -> Reply {
        Reply::new(Status::No, Some(code), text)
    }

    /// `NO text`, without a code.
    pub fn no_text(text: impl Into<Cow<'static, str>>) -> Reply {
        Reply::new(Status::No, None, text)
    }

    /// `BAD text`.
    pub fn bad(text: impl Into<Cow<'static, str>>) -> Reply {
        Reply::new(Status::Bad, None, text)
    }

    /// True for a NO carrying `code` (a caller that treats some failures
    /// apart, such as APPEND's quota refusals).
    pub fn is_no(&self, code: &Code) -> bool {
        self.kind == Status::No && self.code.as_ref() == Some(code)
    }

    /// Appends `OK|NO|BAD [code] text`, without CRLF.
    pub fn render(&self, out: &mut Vec<u8>) {
        out.extend_from_slice(self.kind.word().as_bytes());
        out.push(b' ');
        if let Some(code) = &self.code {
            code.render(out);
            out.push(b' ');
        }
        out.extend_from_slice(self.text.as_bytes());
    }
}

impl From<&'static str> for Reply {
    /// The text of a tagged OK.
    fn from(text: &'static str) -> Reply {
        Reply::ok(text)
    }
}

impl From<String> for Reply {
    /// The text of a tagged OK.
    fn from(text: String) -> Reply {
        Reply::ok(text)
    }
}

impl fmt::Display for Reply {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut out = Vec::new();
        self.render(&mut out);
        f.write_str(&String::from_utf8_lossy(&out))
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
    fn numbers_are_written_without_a_formatter() {
        for n in [0, 7, 10, 99, 4294967295, u64::MAX] {
            assert_eq!(s(|o| write_num(o, n)), n.to_string());
        }
        assert_eq!(s(|o| write_literal(o, b"abc")), "{3}\r\nabc");
    }

    #[test]
    fn nstring_none_is_nil() {
        assert_eq!(s(|o| write_nstring(o, None)), "NIL");
        assert_eq!(s(|o| write_nstring(o, Some(b"x"))), "\"x\"");
    }
}
