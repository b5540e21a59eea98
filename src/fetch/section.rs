//! Body sections `BODY[section]<partial>` (RFC 3501 section 6.4.5) as byte
//! ranges of the message, so the server can send them from the mapped file.
//!
//! Part numbering: a message that is not multipart has its body as part 1;
//! the parts of a message/rfc822 part are numbered into the encapsulated
//! message; a non-multipart part also answers to `.1` as itself (Dovecot).
//! `HEADER`, `TEXT` and `HEADER.FIELDS` after a part number need a
//! message/rfc822 part. A part that does not exist, or a `HEADER`/`TEXT` of
//! a part that is not a message, gives an empty string, as Dovecot does
//! (RFC 3501 leaves this open; an empty string keeps clients going).
//!
//! Octets are counted as sent: where the stored bytes have bare LFs (maildir
//! files written by an MTA usually do) the section is converted to CRLF, so
//! sizes agree with BODYSTRUCTURE and RFC822.SIZE.

use crate::mime::crlf::bare_lfs;
use crate::mime::header::{fields, header_end};
use crate::mime::scan::crlf_size;
use crate::mime::{Kind, Part};
use crate::proto::section::{Partial, Section, SectionText};
use std::ops::Range;

/// The bytes of a section: a range of the message, or built bytes (for
/// `HEADER.FIELDS`, and for ranges with bare LFs converted to CRLF).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum SectionData {
    /// These octets of the message, unchanged.
    Range(Range<usize>),
    /// Bytes made for this answer.
    Owned(Vec<u8>),
}

impl SectionData {
    /// The bytes, given the message the ranges refer to.
    pub fn bytes<'a>(&'a self, msg: &'a [u8]) -> &'a [u8] {
        match self {
            SectionData::Range(r) => msg.get(r.clone()).unwrap_or(b""),
            SectionData::Owned(v) => v,
        }
    }

    /// Number of octets.
    pub fn len(&self) -> usize {
        match self {
            SectionData::Range(r) => r.len(),
            SectionData::Owned(v) => v.len(),
        }
    }

    /// True when there are no octets.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

/// The message's header block, through the blank line that ends it (all
/// of a message that has none). Every section [`header_only`] names, and
/// RFC822.HEADER, is the same of this block as of the whole message: a
/// cache can keep it instead of the file.
pub fn header_block(msg: &[u8]) -> &[u8] {
    &msg[..header_end(msg, 0, msg.len())]
}

/// Whether a section reads only the top-level header: `HEADER`,
/// `HEADER.FIELDS` and `HEADER.FIELDS.NOT` without a part number.
pub fn header_only(sec: &Section) -> bool {
    sec.part.is_empty()
        && matches!(
            sec.text,
            Some(SectionText::Header | SectionText::HeaderFields(_) | SectionText::HeaderFieldsNot(_))
        )
}

/// RFC822.SIZE: the message's size with bare LFs counted as CRLF.
pub fn rfc822_size(msg: &[u8]) -> usize {
    crlf_size(msg)
}

/// RFC822.HEADER (same as `BODY.PEEK[HEADER]`).
pub fn rfc822_header(msg: &[u8]) -> SectionData {
    crlf(msg, 0..header_end(msg, 0, msg.len()))
}

/// RFC822.TEXT (same as `BODY[TEXT]`).
pub fn rfc822_text(msg: &[u8]) -> SectionData {
    crlf(msg, header_end(msg, 0, msg.len())..msg.len())
}

/// The data of `BODY[section]<partial>` of `msg`, whose tree is `root`
/// (from [`crate::mime::scan`]).
pub fn section(msg: &[u8], root: &Part, sec: &Section, partial: Option<Partial>) -> SectionData {
    limit(whole_section(msg, root, sec), partial)
}

/// The octets of `data` that a `<start.length>` partial selects.
pub fn limit(data: SectionData, partial: Option<Partial>) -> SectionData {
    match partial {
        None => data,
        Some(p) => {
            let start = (p.start as usize).min(data.len());
            let end = start.saturating_add(p.length as usize).min(data.len());
            match data {
                SectionData::Range(r) => SectionData::Range(r.start + start..r.start + end),
                SectionData::Owned(mut v) => {
                    v.truncate(end);
                    v.drain(..start);
                    SectionData::Owned(v)
                }
            }
        }
    }
}

fn empty() -> SectionData {
    SectionData::Range(0..0)
}

/// The range as sent: itself, or a CRLF-converted copy if it has bare LFs.
pub fn crlf(msg: &[u8], r: Range<usize>) -> SectionData {
    let b = msg.get(r.clone()).unwrap_or(b"");
    let bare = bare_lfs(b);
    if bare == 0 {
        return SectionData::Range(r);
    }
    let mut v = Vec::with_capacity(b.len() + bare);
    crate::mime::crlf::crlf_after(&mut v, b, false);
    SectionData::Owned(v)
}

/// `BODY[]`: the whole message as sent (no part tree needed).
pub fn whole(msg: &[u8]) -> SectionData {
    crlf(msg, 0..msg.len())
}

/// Where a path walk stands: on a message (numbers select its body's
/// parts), on the body of a non-multipart message (only a message/rfc822
/// body can be entered further), or on a part of a multipart.
#[derive(Clone, Copy, PartialEq)]
enum At {
    Message,
    MessageBody,
    Part,
}

/// Follows a part path from the message `root`; `None` if it does not exist.
pub fn find_part<'a>(root: &'a Part, path: &[u32]) -> Option<&'a Part> {
    let mut cur = root;
    let mut at = At::Message;
    for &n in path {
        let i = (n as usize).checked_sub(1)?;
        let msg = match (&cur.kind, at) {
            (Kind::Message(inner), At::Part | At::MessageBody) => inner.as_ref(),
            (_, At::Message) => cur,
            (_, At::Part) => {
                // A leaf of a multipart answers to `.1` as itself (Dovecot).
                if i == 0 && !matches!(cur.kind, Kind::Multipart(_)) {
                    at = At::MessageBody;
                    continue;
                }
                cur
            }
            (_, At::MessageBody) => return None,
        };
        (cur, at) = match &msg.kind {
            Kind::Multipart(children) => (children.get(i)?, At::Part),
            _ if i == 0 => (msg, At::MessageBody),
            _ => return None,
        };
    }
    Some(cur)
}

fn whole_section(msg: &[u8], root: &Part, sec: &Section) -> SectionData {
    let Some(target) = find_part(root, &sec.part) else {
        return empty();
    };
    let top = sec.part.is_empty();
    // The message whose HEADER/TEXT is meant.
    let message = if top {
        Some(root)
    } else {
        match &target.kind {
            Kind::Message(inner) => Some(inner.as_ref()),
            _ => None,
        }
    };
    match &sec.text {
        None if top => crlf(msg, 0..msg.len()),
        None => crlf(msg, target.body.clone()),
        Some(SectionText::Mime) if top => empty(),
        Some(SectionText::Mime) => crlf(msg, target.header.clone()),
        Some(SectionText::Header) => message.map_or_else(empty, |m| crlf(msg, m.header.clone())),
        Some(SectionText::Text) => message.map_or_else(empty, |m| crlf(msg, m.body.clone())),
        Some(SectionText::HeaderFields(names)) => {
            message.map_or_else(empty, |m| header_fields(msg, m.header.clone(), names, true))
        }
        Some(SectionText::HeaderFieldsNot(names)) => {
            message.map_or_else(empty, |m| header_fields(msg, m.header.clone(), names, false))
        }
    }
}

/// The fields of the header at `r` whose names are (`keep`) or are not in
/// `names`, in message order, followed by a blank line.
fn header_fields(msg: &[u8], r: Range<usize>, names: &[Vec<u8>], keep: bool) -> SectionData {
    let mut out = Vec::new();
    header_fields_into(&mut out, msg.get(r).unwrap_or(b""), names, keep);
    SectionData::Owned(out)
}

/// Appends to `out` the fields of `hdr` whose names are (`keep`) or are
/// not in `names`, bare LFs made CRLF, and the blank line that ends them.
fn header_fields_into(out: &mut Vec<u8>, hdr: &[u8], names: &[Vec<u8>], keep: bool) {
    for f in fields(hdr) {
        if names.iter().any(|n| n.eq_ignore_ascii_case(f.name)) == keep {
            push_crlf(out, f.raw);
            if !f.raw.ends_with(b"\n") {
                out.extend_from_slice(b"\r\n");
            }
        }
    }
    // HEADER.FIELDS always ends with a blank line; HEADER.FIELDS.NOT keeps
    // the header's own blank line, if it has one (as Dovecot does).
    let has_blank = hdr == b"\n" || hdr == b"\r\n" || hdr.ends_with(b"\n\n") || hdr.ends_with(b"\n\r\n");
    if keep || has_blank {
        out.extend_from_slice(b"\r\n");
    }
}

/// Appends `b` to `out` with each LF not preceded by CR (in `b`, or as
/// the last octet of `out` for the first) made CRLF.
fn push_crlf(out: &mut Vec<u8>, b: &[u8]) {
    let cr_before = out.last() == Some(&b'\r');
    crate::mime::crlf::crlf_after(out, b, cr_before);
}

/// The octets of a section that [`header_only`] names (before any
/// partial), made from the top-level header alone: no part tree is built,
/// and `msg` may be the cached header block. Built octets go to `buf`
/// (emptied first), so a listing of many messages reuses one buffer.
/// Another section gives an empty string.
pub fn header_section<'a>(msg: &'a [u8], sec: &Section, buf: &'a mut Vec<u8>) -> &'a [u8] {
    buf.clear();
    let hdr = header_block(msg);
    match &sec.text {
        _ if !header_only(sec) => return b"",
        Some(SectionText::HeaderFields(names)) => header_fields_into(buf, hdr, names, true),
        Some(SectionText::HeaderFieldsNot(names)) => header_fields_into(buf, hdr, names, false),
        _ if bare_lfs(hdr) == 0 => return hdr,
        _ => push_crlf(buf, hdr),
    }
    buf
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sections() -> Vec<Section> {
        let names = |n: &[&str]| n.iter().map(|x| x.as_bytes().to_vec()).collect::<Vec<_>>();
        let mut v = vec![Section { part: vec![], text: Some(SectionText::Header) }];
        for n in [names(&["From", "subject", "Received", "X-None"]), names(&["Content-Type"]), names(&[])] {
            v.push(Section { part: vec![], text: Some(SectionText::HeaderFields(n.clone())) });
            v.push(Section { part: vec![], text: Some(SectionText::HeaderFieldsNot(n)) });
        }
        v
    }

    /// The header-only sections of every corpus message and of odd ones
    /// (bare LFs, no blank line, no header, empty) are the same bytes when
    /// made from the header block alone, partials too.
    #[test]
    fn header_sections_of_the_header_block_are_those_of_the_message() {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/corpus");
        let mut msgs: Vec<Vec<u8>> = std::fs::read_dir(dir)
            .unwrap()
            .map(|e| e.unwrap().path())
            .filter(|p| p.is_file())
            .map(|p| std::fs::read(p).unwrap())
            .collect();
        for odd in [
            &b"From: a\nSubject: b\n  folded\n\nbody\n"[..],
            b"From: a\r\nSubject: no blank line",
            b"Subject: ends at the blank\r\n\r\n",
            b"\r\nonly a body\r\n",
            b"Content-Type: multipart/mixed; boundary=x\r\n\r\n--x\r\nA: 1\r\n\r\nb\r\n--x--\r\n",
            b"",
        ] {
            msgs.push(odd.to_vec());
        }
        assert!(msgs.len() > 20);
        for msg in &msgs {
            let h = header_block(msg);
            let (mroot, hroot) = (crate::mime::scan(msg), crate::mime::scan(h));
            assert_eq!(rfc822_header(msg).bytes(msg), rfc822_header(h).bytes(h));
            for sec in sections() {
                assert!(header_only(&sec));
                for partial in
                    [None, Some(Partial { start: 0, length: 10 }), Some(Partial { start: 7, length: 1 << 20 })]
                {
                    let a = section(msg, &mroot, &sec, partial);
                    let b = section(h, &hroot, &sec, partial);
                    assert_eq!(a.bytes(msg), b.bytes(h), "{sec:?} of {:?}", String::from_utf8_lossy(msg));
                    // And without a tree, from the message or its block.
                    let whole = limit(whole_section(msg, &mroot, &sec), None);
                    for m in [&msg[..], h] {
                        let mut buf = b"left over".to_vec();
                        assert_eq!(header_section(m, &sec, &mut buf), whole.bytes(msg), "{sec:?}");
                    }
                }
            }
        }
        assert!(!header_only(&Section { part: vec![1], text: Some(SectionText::Header) }));
        assert!(!header_only(&Section { part: vec![], text: Some(SectionText::Text) }));
        assert!(!header_only(&Section { part: vec![], text: None }));
    }
}
