//! The base subject of RFC 5256 section 2.1, which SORT SUBJECT compares
//! and THREAD groups by.
//!
//! The subject is decoded (RFC 2047), its white space collapsed, and mapped
//! with i;unicode-casemap first (as Dovecot does), so the `Re`, `Fw`, `Fwd`
//! and `(fwd)` matches of the grammar, which are case-insensitive, become
//! plain comparisons with upper-case ASCII.

use crate::collate::casemap;
use crate::mime::decode::decode_rfc2047;
use crate::mime::header::unfold;

/// A base subject and whether extracting it removed a reply or forward
/// marker (`Re:`, `Fwd:`, `(fwd)`, `[fwd: ...]`), which THREAD needs.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BaseSubject {
    /// The base subject in i;unicode-casemap form.
    pub text: String,
    /// The subject was a reply or a forward.
    pub reply_or_forward: bool,
}

/// The base subject of a raw `Subject:` field value (folded, maybe with
/// encoded words); `None` (no field) gives the empty base subject.
pub fn base_subject(raw: Option<&[u8]>) -> BaseSubject {
    let decoded = raw.map(|r| decode_rfc2047(&unfold(r))).unwrap_or_default();
    base_of_decoded(&decoded)
}

/// Step (1) after decoding, then steps (2) to (7) of RFC 5256 2.1.
pub fn base_of_decoded(decoded: &str) -> BaseSubject {
    // (1) Tabs and continuations to a space, runs of spaces to one.
    let mut collapsed = String::with_capacity(decoded.len());
    for c in decoded.chars() {
        let c = if matches!(c, '\t' | '\r' | '\n') { ' ' } else { c };
        if c == ' ' && collapsed.ends_with(' ') {
            continue;
        }
        collapsed.push(c);
    }
    let mapped = casemap(&collapsed);
    let mut s: &str = &mapped;
    let mut reply = false;
    loop {
        // (2) Trailers: "(fwd)" and white space, repeatedly.
        loop {
            if let Some(t) = s.strip_suffix(' ') {
                s = t;
            } else if let Some(t) = s.strip_suffix("(FWD)") {
                s = t;
                reply = true;
            } else {
                break;
            }
        }
        // (3), (4), (5): leaders and blobs, until none is left.
        loop {
            let before = s.len();
            // (3) subj-leader, repeatedly: white space, or blobs + refwd.
            loop {
                if let Some(t) = s.strip_prefix(' ') {
                    s = t;
                } else if let Some(t) = strip_refwd_leader(s) {
                    s = t;
                    reply = true;
                } else {
                    break;
                }
            }
            // (4) One blob, if what follows is still a subj-base.
            if let Some(t) = strip_blob(s) {
                if t.chars().any(|c| c != ' ') {
                    s = t;
                }
            }
            if s.len() == before {
                break;
            }
        }
        // (6) "[fwd:" ... "]" around the whole, then again from (2).
        match s.strip_prefix("[FWD:").and_then(|t| t.strip_suffix(']')) {
            Some(t) => {
                s = t;
                reply = true;
            }
            None => break,
        }
    }
    BaseSubject { text: s.to_string(), reply_or_forward: reply }
}

/// `subj-blob = "[" *BLOBCHAR "]" *WSP`: the rest after one blob.
fn strip_blob(s: &str) -> Option<&str> {
    let rest = s.strip_prefix('[')?;
    let end = rest.find([']', '['])?;
    if rest.as_bytes()[end] != b']' {
        return None;
    }
    Some(rest[end + 1..].trim_start_matches(' '))
}

/// `*subj-blob subj-refwd`, where `subj-refwd = ("re" / ("fw" ["d"]))
/// *WSP [subj-blob] ":"`: the rest after it.
fn strip_refwd_leader(s: &str) -> Option<&str> {
    let mut t = s;
    while let Some(r) = strip_blob(t) {
        t = r;
    }
    let t = if let Some(r) = t.strip_prefix("RE") {
        r
    } else if let Some(r) = t.strip_prefix("FWD") {
        r
    } else {
        t.strip_prefix("FW")?
    };
    let t = t.trim_start_matches(' ');
    let t = strip_blob(t).unwrap_or(t);
    t.strip_prefix(':')
}

#[cfg(test)]
mod tests {
    use super::*;

    fn base(s: &str) -> (String, bool) {
        let b = base_of_decoded(s);
        (b.text, b.reply_or_forward)
    }

    fn b(s: &str) -> String {
        base(s).0
    }

    #[test]
    fn reply_and_forward_leaders() {
        assert_eq!(base("Re: hello"), ("HELLO".into(), true));
        assert_eq!(base("RE: Re: re:hello"), ("HELLO".into(), true));
        assert_eq!(base("Fw: hello"), ("HELLO".into(), true));
        assert_eq!(base("Fwd: hello"), ("HELLO".into(), true));
        assert_eq!(base("Re [list]: hello"), ("HELLO".into(), true));
        assert_eq!(base("Re  : hello"), ("HELLO".into(), true));
        assert_eq!(base("hello"), ("HELLO".into(), false));
        // "Re" without a colon is part of the subject.
        assert_eq!(base("Re hello"), ("RE HELLO".into(), false));
        assert_eq!(base("Rewrite: x"), ("REWRITE: X".into(), false));
    }

    #[test]
    fn blobs() {
        // A blob before a leader goes with it (step 3).
        assert_eq!(base("[list] Re: hello"), ("HELLO".into(), true));
        // A lone leading blob goes too (step 4), then leaders again (step 5).
        assert_eq!(base("[list] hello"), ("HELLO".into(), false));
        assert_eq!(base("[a][b] Re: [c] Fwd: hello"), ("HELLO".into(), true));
        assert_eq!(base("Re: [list] Re: hello"), ("HELLO".into(), true));
        // A blob that is the whole subject stays (the subj-base may be a blob).
        assert_eq!(b("[only a blob]"), "[ONLY A BLOB]");
        assert_eq!(b("Re: [only a blob]"), "[ONLY A BLOB]");
        assert_eq!(b("[a] [b]"), "[B]");
        // Brackets that are not a blob stay.
        assert_eq!(b("[unclosed hello"), "[UNCLOSED HELLO");
        assert_eq!(b("[a[b] hello"), "[A[B] HELLO");
    }

    #[test]
    fn trailers_and_fwd_wrappers() {
        assert_eq!(base("hello (fwd)"), ("HELLO".into(), true));
        assert_eq!(base("hello (fwd) (FWD)  "), ("HELLO".into(), true));
        assert_eq!(base("[Fwd: hello]"), ("HELLO".into(), true));
        assert_eq!(base("[fwd: Re: hello (fwd)]"), ("HELLO".into(), true));
        assert_eq!(base("Re: [fwd: [fwd: hello]]"), ("HELLO".into(), true));
        // Step 6 needs both ends.
        assert_eq!(b("[fwd: hello"), "[FWD: HELLO");
        assert_eq!(b("hello]"), "HELLO]");
    }

    #[test]
    fn white_space_and_empty() {
        assert_eq!(b("  hello \t  world  "), "HELLO WORLD");
        assert_eq!(b("hello\r\n world"), "HELLO WORLD");
        assert_eq!(base(""), ("".into(), false));
        assert_eq!(base("Re:"), ("".into(), true));
        assert_eq!(base("   "), ("".into(), false));
        assert_eq!(b("(fwd)"), "");
    }

    #[test]
    fn encoded_words_are_decoded_first() {
        assert_eq!(base_subject(Some(b"=?UTF-8?Q?Re=3A_caf=C3=A9?=")).text, casemap("CAFÉ"));
        assert_eq!(base_subject(Some(b"=?ISO-8859-1?Q?Fwd:_=E9t=E9?=")), base_subject(Some("Re: ÉTÉ".as_bytes())));
        assert_eq!(base_subject(Some(b"Re: two\r\n\tlines")).text, "TWO LINES");
        assert_eq!(base_subject(None).text, "");
    }
}
