//! IMAP URLs to a message or a part of one (RFC 5092 `imessagepart`, with
//! URL-PARTIAL's `ipartial`, RFC 5550), in the relative form CATENATE and
//! URLAUTH take: `/mailbox[;UIDVALIDITY=n]/;UID=n[/;SECTION=s][/;PARTIAL=o[.l]]`.
//! Syntax only; what a URL names is looked up by its users.

use crate::proto::command::{CommandBody, FetchAttr};
use crate::proto::parse::parse_command;
use crate::proto::section::{Partial, Section};

/// A parsed URL to a message or a part of one.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PartUrl {
    /// The mailbox name, decoded (UTF-8).
    pub mailbox: String,
    /// `;UIDVALIDITY=`, if given.
    pub uidvalidity: Option<u32>,
    /// `;UID=`.
    pub uid: u32,
    /// `;SECTION=`, parsed as an IMAP section (empty: the whole message).
    pub section: Section,
    /// `;PARTIAL=`.
    pub partial: Option<Partial>,
}

/// `bchar` of RFC 5092 (besides `%`, which starts `pct-encoded`).
fn is_bchar(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b"-._~!$'()*+,&=:@/".contains(&b)
}

/// Decodes `1*bchar` with `%XX` escapes; `None` for any other octet.
fn pct_decode(s: &[u8]) -> Option<Vec<u8>> {
    if s.is_empty() {
        return None;
    }
    let mut out = Vec::with_capacity(s.len());
    let mut i = 0;
    while i < s.len() {
        match s[i] {
            b'%' => {
                let hex = std::str::from_utf8(s.get(i + 1..i + 3)?).ok()?;
                out.push(u8::from_str_radix(hex, 16).ok()?);
                i += 3;
            }
            b if is_bchar(b) => {
                out.push(b);
                i += 1;
            }
            _ => return None,
        }
    }
    Some(out)
}

fn nz_number(s: &[u8]) -> Option<u32> {
    if s.is_empty() || s[0] == b'0' || !s.iter().all(u8::is_ascii_digit) {
        return None;
    }
    std::str::from_utf8(s).ok()?.parse().ok().filter(|&n| n > 0)
}

fn number(s: &[u8]) -> Option<u32> {
    if s.is_empty() || !s.iter().all(u8::is_ascii_digit) {
        return None;
    }
    std::str::from_utf8(s).ok()?.parse().ok()
}

/// Parses a relative IMAP URL to a message (`imessagepart` after `/`, RFC
/// 5092 section 11, with `ipartial` of URL-PARTIAL).
pub fn parse_url(url: &[u8]) -> Option<PartUrl> {
    let rest = url.strip_prefix(b"/")?;
    // `;` is no bchar, so the first `;` ends the mailbox name.
    let semi = rest.iter().position(|&b| b == b';')?;
    let (mut mailbox_raw, mut rest) = (&rest[..semi], &rest[semi..]);
    let mut uidvalidity = None;
    if let Some(r) = strip_ci(rest, b";UIDVALIDITY=") {
        let end = r.iter().position(|&b| b == b'/')?;
        uidvalidity = Some(nz_number(&r[..end])?);
        rest = &r[end..];
    } else {
        // Without UIDVALIDITY the mailbox ends with the `/` before `;UID=`.
        mailbox_raw = mailbox_raw.strip_suffix(b"/")?;
    }
    let rest = if uidvalidity.is_some() { rest.strip_prefix(b"/")? } else { rest };
    let r = strip_ci(rest, b";UID=")?;
    let end = r.iter().position(|&b| b == b'/').unwrap_or(r.len());
    let uid = nz_number(&r[..end])?;
    let mut rest = &r[end..];
    let mut section = Section::default();
    if let Some(r) = strip_ci(rest, b"/;SECTION=") {
        let end = r.iter().position(|&b| b == b'/').unwrap_or(r.len());
        section = parse_section(&pct_decode(&r[..end])?)?;
        rest = &r[end..];
    }
    let mut partial = None;
    if let Some(r) = strip_ci(rest, b"/;PARTIAL=") {
        let (start, length) = match r.iter().position(|&b| b == b'.') {
            Some(dot) => (number(&r[..dot])?, nz_number(&r[dot + 1..])?),
            None => (number(r)?, u32::MAX),
        };
        partial = Some(Partial { start, length });
        rest = b"";
    }
    if !rest.is_empty() {
        return None;
    }
    let name = String::from_utf8(pct_decode(mailbox_raw)?).ok()?;
    let mailbox = if name.eq_ignore_ascii_case("INBOX") { "INBOX".to_string() } else { name };
    Some(PartUrl { mailbox, uidvalidity, uid, section, partial })
}

fn strip_ci<'a>(s: &'a [u8], prefix: &[u8]) -> Option<&'a [u8]> {
    let head = s.get(..prefix.len())?;
    head.eq_ignore_ascii_case(prefix).then(|| &s[prefix.len()..])
}

/// An IMAP `section-spec` (RFC 5092 `enc-section`, decoded), read by the
/// FETCH grammar itself: exactly one `BODY[...]` with nothing after it.
fn parse_section(text: &[u8]) -> Option<Section> {
    if text.iter().any(|&b| b == b']' || b == b'\r' || b == b'\n' || b == b'{') {
        return None;
    }
    let mut cmd = b"x FETCH 1 BODY.PEEK[".to_vec();
    cmd.extend_from_slice(text);
    cmd.push(b']');
    match parse_command(&cmd).ok()?.body {
        CommandBody::Fetch { items, .. } => match items.as_slice() {
            [FetchAttr::BodySection { section, partial: None, .. }] => Some(section.clone()),
            _ => None,
        },
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::proto::section::SectionText;

    proptest::proptest! {
        #[test]
        fn random_urls_never_panic(url in proptest::collection::vec(proptest::prelude::any::<u8>(), 0..80)) {
            let _ = parse_url(&url);
            let mut u = b"/INBOX/;UID=1/;SECTION=".to_vec();
            u.extend_from_slice(&url);
            let _ = parse_url(&u);
        }
    }

    #[test]
    fn urls_of_rfc_4469_and_5092() {
        let u = parse_url(b"/INBOX;UIDVALIDITY=385759045/;UID=20/;SECTION=1.2").unwrap();
        assert_eq!((u.mailbox.as_str(), u.uidvalidity, u.uid), ("INBOX", Some(385759045), 20));
        assert_eq!(u.section.part, vec![1, 2]);
        let u = parse_url(b"/Drafts;UIDVALIDITY=385773000/;UID=30").unwrap();
        assert_eq!((u.mailbox.as_str(), u.uid, u.section.clone()), ("Drafts", 30, Section::default()));
        let u = parse_url(b"/a%20b/c/;UID=7/;SECTION=HEADER.FIELDS%20(FROM%20TO)/;PARTIAL=0.1024").unwrap();
        assert_eq!(u.mailbox, "a b/c");
        assert_eq!(u.section.text, Some(SectionText::HeaderFields(vec![b"FROM".to_vec(), b"TO".to_vec()])));
        assert_eq!(u.partial, Some(Partial { start: 0, length: 1024 }));
        for bad in [
            &b"imap://joe@example.com/INBOX/;UID=1"[..],
            b"/INBOX;UIDVALIDITY=0/;UID=1",
            b"/INBOX/;UID=0",
            b"/INBOX",
            b"/INBOX/;UID=1/;SECTION=1]<0.5>",
            b"/INBOX/;UID=1/;SECTION=BOGUS",
            b"/IN BOX/;UID=1",
            b"/INBOX/;UID=1/;PARTIAL=1.0",
            b"/INBOX/;UID=1/junk",
        ] {
            assert_eq!(parse_url(bad), None, "{}", String::from_utf8_lossy(bad));
        }
    }
}
