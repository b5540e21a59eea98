//! The i;unicode-casemap collation (RFC 5051), which SORT and THREAD use to
//! compare subjects and addresses (RFC 5256 section 2.1).
//!
//! RFC 5051 maps every character to its simplified titlecase (UnicodeData's
//! field 14) and then decomposes the result with NFKD; two strings compare
//! as the UTF-8 octets of their mapped forms. The standard library has no
//! titlecase table, so [`titlecase`] takes the simple uppercase mapping
//! (`char::to_uppercase` when it gives one character) and corrects the
//! characters whose titlecase differs from it: the Latin digraphs (U+01C4
//! to U+01CC, U+01F1 to U+01F3) and the Georgian Mkhedruli letters, which
//! titlecase to themselves. Characters whose only uppercase is a sequence
//! (`ß`, the Greek iota-subscript letters) stay as they are, which is what
//! their simple titlecase is except for U+1F80..U+1FAF and U+1FB3/C3/F3,
//! where the simple titlecase is a single letter with prosgegrammeni: the
//! one known approximation.

use unicode_normalization::UnicodeNormalization;

/// The simplified titlecase of one character (see the module comment).
pub fn titlecase(c: char) -> char {
    match c {
        '\u{01C4}'..='\u{01C6}' => '\u{01C5}',
        '\u{01C7}'..='\u{01C9}' => '\u{01C8}',
        '\u{01CA}'..='\u{01CC}' => '\u{01CB}',
        '\u{01F1}'..='\u{01F3}' => '\u{01F2}',
        // Georgian Mkhedruli and its extensions: titlecase is the letter.
        '\u{10D0}'..='\u{10FA}' | '\u{10FD}'..='\u{10FF}' => c,
        _ if c.is_ascii() => c.to_ascii_uppercase(),
        _ => {
            let mut up = c.to_uppercase();
            match (up.next(), up.next()) {
                (Some(u), None) => u,
                _ => c,
            }
        }
    }
}

/// The collation key of `s`: titlecase, then NFKD. Keys compare as strings
/// (octet order of their UTF-8, which is code point order).
pub fn casemap(s: &str) -> String {
    if s.is_ascii() {
        return s.to_ascii_uppercase();
    }
    s.chars().map(titlecase).nfkd().collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ascii_is_uppercased() {
        assert_eq!(casemap("Hello, World"), "HELLO, WORLD");
        assert_eq!(casemap(""), "");
    }

    #[test]
    fn titlecase_and_compatibility_decomposition() {
        // é decomposes to E + combining acute after titlecasing.
        assert_eq!(casemap("é"), "E\u{0301}");
        assert_eq!(casemap("É"), casemap("é"));
        // The ligature "ﬁ" becomes "fi" under NFKD, then titlecase did nothing.
        assert_eq!(casemap("\u{FB01}"), "fi");
        // Digraphs titlecase to their title form, not the uppercase one.
        assert_eq!(titlecase('\u{01C6}'), '\u{01C5}');
        assert_eq!(casemap("\u{01C4}"), casemap("\u{01C6}"));
        // ß has no single-character titlecase.
        assert_eq!(titlecase('ß'), 'ß');
        // Georgian keeps its letters.
        assert_eq!(titlecase('\u{10D0}'), '\u{10D0}');
        // Fullwidth letters fold to ASCII by NFKD.
        assert_eq!(casemap("\u{FF41}"), "A");
        assert_eq!(casemap("ÅNGSTRÖM"), casemap("ångström"));
    }
}
