//! Mailbox names: validation and the Maildir++ directory name of a mailbox.
//!
//! A name reaches the store as UTF-8 with `/` between levels. On disk,
//! Dovecot's Maildir++ layout keeps each level in modified UTF-7 (RFC 3501
//! 5.1.3, Dovecot's default without the `UTF8` option), escapes `.` and `\`
//! the way its listescape plugin does (`\2e`, `\5c`), and joins the levels
//! with `.` after a leading `.`: `a/b.c` is the directory `.a.b\2ec`.

use super::error::{Result, StoreError};

/// Longest directory name a mailbox may have, with its leading dot and
/// its parents' levels (the usual file system limit).
pub const MAX_COMPONENT_BYTES: usize = 255;
/// Longest mailbox name, in bytes of UTF-8.
pub const MAX_NAME_BYTES: usize = 1000;
/// Deepest hierarchy accepted.
pub const MAX_LEVELS: usize = 32;

/// Whether `name` is INBOX, which is matched in any case.
pub fn is_inbox(name: &str) -> bool {
    name.eq_ignore_ascii_case("INBOX")
}

/// Checks a mailbox name and returns its levels; a first level spelled
/// `inbox` in any case comes back as `INBOX`.
pub fn validate(name: &str) -> Result<Vec<String>> {
    let bad = |why: &str| Err(StoreError::InvalidName(why.to_string()));
    if name.is_empty() {
        return bad("empty name");
    }
    if name.len() > MAX_NAME_BYTES {
        return Err(StoreError::TooLong);
    }
    if name.starts_with('/') {
        return bad("name must not begin with the hierarchy delimiter");
    }
    if name.starts_with('~') {
        return bad("shared mailboxes are not available yet");
    }
    if name.chars().any(crate::mutf7::is_control_like) {
        return bad("control characters are not allowed");
    }
    let mut levels = Vec::new();
    // Maildir++ keeps the whole path in one directory entry (`.a.b.c`),
    // so the sum of the levels must fit the file system's name limit:
    // checked here, before any parent is made.
    let mut dir_bytes = 0;
    for (i, level) in name.split('/').enumerate() {
        if level.is_empty() {
            return bad("empty hierarchy level");
        }
        if level == "." || level == ".." {
            return bad("\".\" and \"..\" are not mailbox names");
        }
        dir_bytes += 1 + encode_level(level).len();
        if dir_bytes > MAX_COMPONENT_BYTES {
            return Err(StoreError::TooLong);
        }
        if i == 0 && is_inbox(level) {
            levels.push("INBOX".to_string());
        } else {
            levels.push(level.to_string());
        }
    }
    if levels.len() > MAX_LEVELS {
        return bad("hierarchy too deep");
    }
    Ok(levels)
}

/// Normalizes a valid name: `inbox/x` becomes `INBOX/x`.
pub fn normalize(name: &str) -> Result<String> {
    Ok(validate(name)?.join("/"))
}

/// The directory name under the account root, or `None` for INBOX itself
/// (whose `cur new tmp` are in the root).
pub fn dir_name(name: &str) -> Result<Option<String>> {
    let levels = validate(name)?;
    if levels.len() == 1 && levels[0] == "INBOX" {
        return Ok(None);
    }
    let mut out = String::new();
    for level in &levels {
        out.push('.');
        out.push_str(&encode_level(level));
    }
    Ok(Some(out))
}

/// The mailbox name stored in a root directory entry such as `.a.b`; `None`
/// when the entry is not a Maildir++ folder or does not decode.
pub fn name_of_dir(dir: &str) -> Option<String> {
    let rest = dir.strip_prefix('.')?;
    if rest.is_empty() || rest == "." {
        return None;
    }
    let mut levels = Vec::new();
    for level in rest.split('.') {
        if level.is_empty() {
            return None;
        }
        levels.push(decode_level(level)?);
    }
    let name = levels.join("/");
    // A name that would not validate (hand-made directories) is not listed,
    // so that nothing listed can be refused when used.
    normalize(&name).ok()
}

/// One level as stored on disk: modified UTF-7, then listescape.
pub fn encode_level(level: &str) -> String {
    let utf7 = utf7_encode(level);
    let mut out = String::with_capacity(utf7.len());
    for c in utf7.chars() {
        match c {
            '.' => out.push_str("\\2e"),
            '\\' => out.push_str("\\5c"),
            c => out.push(c),
        }
    }
    out
}

/// Reverses [`encode_level`]; directory names of raw UTF-8 (made by other
/// tools) are accepted as they are.
pub fn decode_level(stored: &str) -> Option<String> {
    let bytes = stored.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'\\' && i + 2 < bytes.len() {
            let hex = std::str::from_utf8(&bytes[i + 1..i + 3]).ok()?;
            out.push(u8::from_str_radix(hex, 16).ok()?);
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    let unescaped = String::from_utf8(out).ok()?;
    if unescaped.is_ascii() {
        utf7_decode(&unescaped).or(Some(unescaped))
    } else {
        Some(unescaped)
    }
}

/// Modified UTF-7 of RFC 3501 5.1.3, the encoding Dovecot's Maildir++ uses
/// for folder directory names (the same code as the wire's).
fn utf7_encode(s: &str) -> String {
    crate::mutf7::encode(s)
}

/// Decodes modified UTF-7; `None` when malformed.
fn utf7_decode(s: &str) -> Option<String> {
    crate::mutf7::decode(s.as_bytes()).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hostile_names_are_refused() {
        let long = "x".repeat(10_000);
        let long_level = "y".repeat(300);
        for name in [
            "",
            "/etc",
            "../x",
            "a/../../b",
            "a/./b",
            "..",
            "a//b",
            "a/",
            "a\nb",
            "a\0b",
            "a\tb",
            "a\u{2028}b",
            "a\u{202e}b",
            "a\u{85}b",
            "~user/x",
        ] {
            assert!(matches!(validate(name), Err(StoreError::InvalidName(_))), "{name:?} accepted");
        }
        // Each level fits, the directory `.a.b...` does not.
        let deep = ["x".repeat(100), "y".repeat(100), "z".repeat(60)].join("/");
        for name in [long.as_str(), long_level.as_str(), deep.as_str()] {
            assert!(matches!(validate(name), Err(StoreError::TooLong)), "{name:?} accepted");
        }
        assert!(validate(&["x".repeat(100), "y".repeat(100), "z".repeat(50)].join("/")).is_ok());
    }

    #[test]
    fn dir_names() {
        assert_eq!(dir_name("InBoX").unwrap(), None);
        assert_eq!(dir_name("a/b").unwrap().unwrap(), ".a.b");
        assert_eq!(dir_name("a.b/c").unwrap().unwrap(), ".a\\2eb.c");
        assert_eq!(dir_name("inbox/x").unwrap().unwrap(), ".INBOX.x");
        assert_eq!(dir_name("a\\b").unwrap().unwrap(), ".a\\5cb");
        assert_eq!(dir_name("Entwürfe").unwrap().unwrap(), ".Entw&APw-rfe");
        assert_eq!(dir_name("R&D").unwrap().unwrap(), ".R&-D");
        // No stored name can contain a path separator or be "." / "..".
        for n in ["a.b", "..x", "x..", ".", "a/..b"] {
            if let Ok(Some(d)) = dir_name(n) {
                assert!(!d.contains('/'));
                assert!(!d[1..].split('.').any(|l| l.is_empty()), "{d}");
            }
        }
    }

    #[test]
    fn listescape_round_trips() {
        for name in ["a", "a/b/c", "a.b", "..x", "x\\y", "Entwürfe/日本語", "R&D", "a&b.c/d", "😀", "INBOX/sub"] {
            let dir = dir_name(name).unwrap().unwrap();
            assert_eq!(name_of_dir(&dir).as_deref(), Some(name), "{dir}");
        }
        assert_eq!(name_of_dir(".."), None);
        assert_eq!(name_of_dir("."), None);
        assert_eq!(name_of_dir(".a..b"), None);
    }
}

#[cfg(test)]
mod props {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        #[test]
        fn any_valid_name_round_trips(name in "[^\u{0}-\u{1f}\u{7f}/~]{1,20}(/[^\u{0}-\u{1f}\u{7f}/]{1,20}){0,3}") {
            if let Ok(Some(dir)) = dir_name(&name) {
                prop_assert!(!dir.contains('/'));
                prop_assert_eq!(name_of_dir(&dir), Some(normalize(&name).unwrap()));
            }
        }

        #[test]
        fn decoding_never_panics(dir in ".{0,40}") {
            let _ = name_of_dir(&dir);
        }
    }
}
