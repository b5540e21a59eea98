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
///
/// Runs of ASCII are only uppercased, and only the runs between them go
/// through the tables: an ASCII character decomposes to itself and is a
/// starter (combining class 0), and NFKD's reordering moves only
/// non-starters among themselves, so no result crosses it. Mail text is
/// mostly ASCII with a few other letters, which made the whole-string
/// mapping most of a SEARCH's time.
pub fn casemap(s: &str) -> String {
    if s.is_ascii() {
        return s.to_ascii_uppercase();
    }
    let mut out = String::with_capacity(s.len() + s.len() / 8);
    let mut rest = s;
    while !rest.is_empty() {
        // UTF-8 marks every byte of a non-ASCII character >= 0x80, so these
        // cuts fall between characters.
        let ascii = rest.bytes().position(|b| !b.is_ascii()).unwrap_or(rest.len());
        let start = out.len();
        out.push_str(&rest[..ascii]);
        out[start..].make_ascii_uppercase();
        rest = &rest[ascii..];
        let other = rest.bytes().position(|b| b.is_ascii()).unwrap_or(rest.len());
        out.extend(rest[..other].chars().map(titlecase).nfkd());
        rest = &rest[other..];
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// RFC 5051's mapping of the whole string at once.
    fn whole(s: &str) -> String {
        s.chars().map(titlecase).nfkd().collect()
    }

    /// Characters where the runs meet: ASCII, combining marks (classes
    /// 220 and 230, reordered by NFKD), letters that decompose into a
    /// base and marks or into ASCII, ligatures, Hangul, fullwidth forms,
    /// the digraphs, dotless i and the Kelvin sign (uppercase or NFKD
    /// give ASCII), and ß.
    fn mixed() -> impl Strategy<Value = String> {
        let chars = prop::sample::select(vec![
            'a', 'Z', 'e', ' ', '.', '\u{0}', '\u{7f}', '\u{0300}', '\u{0301}', '\u{0316}', '\u{0327}', '\u{0345}',
            'é', 'Å', 'ö', 'ǅ', 'ǆ', 'Ǳ', 'ı', 'K', 'ß', 'ﬁ', 'ａ', 'Ａ', '가', 'ᄀ', 'ᅡ', 'ά', 'ᾳ', 'ᾈ', 'Ω', '①',
            '\u{10D0}', '😀', '\u{212B}',
        ]);
        prop::collection::vec(chars, 0..24).prop_map(|v| v.into_iter().collect())
    }

    proptest! {
        #[test]
        fn runs_map_as_the_whole_string(s in mixed()) {
            prop_assert_eq!(casemap(&s), whole(&s));
        }

        #[test]
        fn any_string_maps_as_the_whole_string(s in any::<String>()) {
            prop_assert_eq!(casemap(&s), whole(&s));
        }
    }

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
