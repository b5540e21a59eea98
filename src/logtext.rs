//! Text made fit for one line of a log: what the log writer and the
//! monitor's request log both need. A leaf, so that neither the monitor nor
//! anything else reaches into `server/` for it.

/// `s` with control characters written as `\r`, `\n`, `\t`, `\xNN` or
/// `\u{NNNN}`, and backslashes doubled so an escape cannot be faked: a
/// record is always one line. The Unicode line separators (which some
/// viewers break lines at) and the bidirectional controls (which make a
/// line display in another order) are escaped too.
pub fn escape(s: &str) -> String {
    let hidden = crate::mutf7::is_control_like;
    if !s.chars().any(|c| hidden(c) || c == '\\') {
        return s.to_string();
    }
    let mut out = String::with_capacity(s.len() + 8);
    for c in s.chars() {
        match c {
            '\r' => out.push_str("\\r"),
            '\n' => out.push_str("\\n"),
            '\t' => out.push_str("\\t"),
            '\\' => out.push_str("\\\\"),
            c if (c as u32) < 0x100 && c.is_control() => out.push_str(&format!("\\x{:02x}", c as u32)),
            c if hidden(c) => out.push_str(&format!("\\u{{{:04x}}}", c as u32)),
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::escape;

    #[test]
    fn control_characters_cannot_break_a_record() {
        assert_eq!(escape("a\r\nb"), "a\\r\\nb");
        assert_eq!(escape("x\u{1b}[31m\u{85}"), "x\\x1b[31m\\x85");
        assert_eq!(escape("back\\r"), "back\\\\r");
        assert_eq!(escape("plain text"), "plain text");
        assert_eq!(escape("a\u{2028}b\u{202e}c\u{2069}"), "a\\u{2028}b\\u{202e}c\\u{2069}");
    }
}
