//! CATENATE (RFC 4469) with URL-PARTIAL (RFC 5550): an APPEND whose message
//! is put together from literals and from parts of messages already on the
//! server, named by IMAP URLs (RFC 5092).
//!
//! Only URLs relative to this server are taken, in the absolute-path form
//! `/mailbox[;UIDVALIDITY=n]/;UID=n[/;SECTION=s][/;PARTIAL=o[.l]]`, naming
//! a mailbox of the session's own account; anything else, or a message
//! that is not there, is `NO [BADURL url]`. A section is sent as
//! `BODY.PEEK[section]<partial>` would send it.

use std::sync::Arc;

use super::fetch::Message;
use super::names::{self, store_error};
use super::Reply;
use crate::fetch as render;
use crate::mime;
use crate::proto::command::{AppendMessage, CatPart, CommandBody, FetchAttr, Mailbox};
use crate::proto::parse::parse_command;
use crate::proto::response::Code;
use crate::proto::section::{Partial, Section};
use crate::server::budget::{Budget, Reservation};
use crate::session::Session;

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

fn bad_url(url: &[u8], why: &str) -> Reply {
    let mut shown = String::from_utf8_lossy(url).into_owned();
    shown.retain(|c| !c.is_control() && c != ']');
    Reply::no(Code::BadUrl(shown), why.to_string())
}

/// The octets a URL names, from the session's own mailboxes.
fn fetch_url(s: &Session, url: &[u8]) -> Result<Vec<u8>, Reply> {
    let Some(u) = parse_url(url) else {
        return Err(bad_url(url, "Only URLs like /INBOX;UIDVALIDITY=n/;UID=n/;SECTION=1 to this account are taken"));
    };
    read_part(&s.user()?.mail, &u)?.map_err(|why| bad_url(url, why))
}

/// The octets a parsed URL names in one account's mailboxes, or why there
/// are none (for CATENATE and URLFETCH).
pub fn read_part(mail: &crate::store::Account, u: &PartUrl) -> Result<Result<Vec<u8>, &'static str>, Reply> {
    Ok(read_part_held(mail, u, None)?.map(|(data, _)| data))
}

/// A part's octets with what they hold of the server's memory budget.
pub type HeldPart = (Vec<u8>, Option<Reservation>);

/// [`read_part`], with the message and the copy of the part held against
/// `budget` (URLFETCH): the reservation comes back with the octets and
/// gives them back when dropped; `NO [LIMIT]` when they do not fit.
pub fn read_part_held(
    mail: &crate::store::Account,
    u: &PartUrl,
    budget: Option<&Arc<Budget>>,
) -> Result<Result<HeldPart, &'static str>, Reply> {
    let (message, held) = match load_message(mail, u, budget)? {
        Ok(loaded) => loaded,
        Err(why) => return Ok(Err(why)),
    };
    let msg = message.bytes();
    let data = if u.section == Section::default() {
        render::section::limit(render::section::whole(msg), u.partial)
    } else {
        render::section(msg, &mime::scan(msg), &u.section, u.partial)
    };
    let octets = data.bytes(msg).to_vec();
    if message.damaged() {
        // Never used: the octets hold NULs where the file shrank.
        return Ok(Err("The message changed while it was read; try again"));
    }
    Ok(Ok((octets, held)))
}

/// The message a URL names, mapped, with twice its size held against
/// `budget` (the map and what is made from it), or why it is not there.
pub fn load_message(
    mail: &crate::store::Account,
    u: &PartUrl,
    budget: Option<&Arc<Budget>>,
) -> Result<Result<(Message, Option<Reservation>), &'static str>, Reply> {
    let name = names::decode(&Mailbox(crate::proto::utf7::encode(&u.mailbox).into_bytes()))?;
    let mb = match mail.open(&name) {
        Ok(mb) => mb,
        Err(_) => return Ok(Err("No such mailbox")),
    };
    let uidvalidity = mb.sync().map_err(store_error)?.uidvalidity;
    if u.uidvalidity.is_some_and(|v| v != uidvalidity) {
        return Ok(Err("UIDVALIDITY does not match"));
    }
    let Some((file, _)) = mb.open_message(u.uid).map_err(store_error)? else {
        return Ok(Err("No such message"));
    };
    let held = match budget {
        // The map and the copy of (at most) all of it.
        Some(b) => super::held::message(b, file.metadata().map_or(0, |m| m.len()), 2)?,
        None => None,
    };
    let message = Message::load(&file).map_err(|e| super::names::server_bug(&e))?;
    Ok(Ok((message, held)))
}

/// Puts together the messages of an APPEND that were given by CATENATE;
/// others pass unchanged. `max` is the largest message taken.
pub fn assemble(s: &Session, messages: Vec<AppendMessage>, max: u64) -> Result<Vec<AppendMessage>, Reply> {
    let mut out = Vec::with_capacity(messages.len());
    for mut m in messages {
        let Some(parts) = m.catenate.take() else {
            out.push(m);
            continue;
        };
        let mut data = Vec::new();
        for part in &parts {
            match part {
                CatPart::Text { data: text, binary } => {
                    m.binary |= *binary;
                    data.extend_from_slice(text);
                }
                CatPart::Url(url) => {
                    let bytes = fetch_url(s, url)?;
                    m.binary |= bytes.contains(&0);
                    data.extend_from_slice(&bytes);
                }
            }
            if data.len() as u64 > max {
                return Err(Reply::no(Code::TooBig, format!("The catenated message exceeds {max} octets")));
            }
        }
        m.data = data;
        out.push(m);
    }
    Ok(out)
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
