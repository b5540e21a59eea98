//! Message IDs as THREAD compares them (RFC 5256 section 2.2: "MUST
//! normalize any msg-id in order to avoid false non-matches due to
//! differences in quoting"): the text between `<` and `>`, with quoting,
//! escapes, white space and comments taken out.

use crate::mime::header::unfold;

/// Every msg-id in a field value (References), in order.
pub fn all(value: &[u8]) -> Vec<Vec<u8>> {
    let v = unfold(value);
    let mut out = Vec::new();
    let mut i = 0;
    while let Some(start) = v[i..].iter().position(|&b| b == b'<') {
        let start = i + start + 1;
        let Some(len) = v[start..].iter().position(|&b| b == b'>') else { break };
        if let Some(id) = normalize(&v[start..start + len]) {
            out.push(id);
        }
        i = start + len + 1;
    }
    out
}

/// The first msg-id of a field value (Message-ID, In-Reply-To).
pub fn first(value: &[u8]) -> Option<Vec<u8>> {
    all(value).into_iter().next()
}

/// `id-left@id-right` without quotes, escapes, blanks and comments;
/// `None` unless it has text on both sides of one `@`.
fn normalize(inner: &[u8]) -> Option<Vec<u8>> {
    let mut out = Vec::with_capacity(inner.len());
    let mut depth = 0usize;
    let mut escaped = false;
    for &b in inner {
        if escaped {
            out.push(b);
            escaped = false;
            continue;
        }
        match b {
            b'\\' => escaped = true,
            b'(' => depth += 1,
            b')' if depth > 0 => depth -= 1,
            _ if depth > 0 => {}
            b'"' | b' ' | b'\t' | b'\r' | b'\n' => {}
            _ => out.push(b),
        }
    }
    let at = out.iter().position(|&b| b == b'@')?;
    (at > 0 && at + 1 < out.len()).then_some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quoting_does_not_matter() {
        assert_eq!(first(b"<\"01KF8JCEOCBS0045PS\"@xxx.yyy.com>"), first(b"<01KF8JCEOCBS0045PS@xxx.yyy.com>"));
        assert_eq!(all(b"<a@b> junk <c@d>\r\n <e@f>"), vec![b"a@b".to_vec(), b"c@d".to_vec(), b"e@f".to_vec()]);
        assert_eq!(all(b"<nope> <@x> <y@>"), Vec::<Vec<u8>>::new());
        assert_eq!(first(b"Message from x of ... <m@x>"), Some(b"m@x".to_vec()));
        assert_eq!(first(b"<unterminated@x"), None);
    }
}
