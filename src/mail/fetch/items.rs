//! One handler per FETCH item kind (as Dovecot's fetch handler table):
//! each writes its item, name and value, into the response queue from
//! what the message step gathered ([`One`]), and reads nothing itself.

use super::plan::Plan;
use super::write::{literal, partial_of, raw_literal, value_item, whole_literal};
use super::Sink;
use crate::fetch::{self as render, SectionData};
use crate::mail::cached;
use crate::mime;
use crate::proto::command::FetchAttr;
use crate::proto::datetime::DateTime;
use crate::proto::response::write_num;
use crate::proto::response::write_string;
use crate::proto::response::Reply;
use crate::proto::section::Section;
use crate::store::Entry;

/// What the handlers of one message's items answer from.
pub(super) struct One<'a> {
    /// The FETCH's plan.
    pub plan: &'a Plan,
    /// The message's UID.
    pub uid: u32,
    /// Its entry in the view's snapshot.
    pub entry: &'a Entry,
    /// The message text: the file, the cached header block (when only
    /// header sections read it), or empty.
    pub msg: &'a [u8],
    /// Its MIME tree, when the plan needs one.
    pub tree: Option<&'a mime::Part>,
    /// The values of the plan's cache fields (`fields[i]` has `values[i]`).
    pub fields: &'a [u8],
    /// See `fields`.
    pub values: &'a [Option<Vec<u8>>],
    /// Its flags as written, `(...)`.
    pub flags: &'a [u8],
    /// Its MODSEQ.
    pub modseq: u64,
    /// Each BINARY part decoded once, and whether it needs a literal8.
    pub decoded: &'a [Decoded<'a>],
}

impl One<'_> {
    /// The value of a cache field (`NIL` if there is none).
    fn value(&self, f: u8) -> &[u8] {
        self.fields.iter().position(|&x| x == f).and_then(|i| self.values[i].as_deref()).unwrap_or(b"NIL")
    }

    /// The decoded octets of a BINARY part, and whether they need a
    /// literal8.
    fn decoded(&self, part: &[u32]) -> Option<(&[u8], bool)> {
        self.decoded.iter().find(|d| d.part == part).map(|d| (d.data.bytes(self.msg), d.literal8))
    }
}

/// A BINARY part, decoded.
pub(super) struct Decoded<'a> {
    /// Its part number.
    pub part: &'a [u32],
    /// Its decoded octets.
    pub data: SectionData,
    /// RFC 3516 4.2: they are of the "binary" domain (NUL, bare CR or
    /// LF), found once for every item that cuts them.
    pub literal8: bool,
}

/// A handler: writes item `a`, echoed as `head` where the name depends on
/// arguments; `buf` is a scratch buffer the FETCH reuses.
pub(super) type Handler = fn(&mut dyn Sink, &One, &FetchAttr, &[u8], &mut Vec<u8>) -> Result<(), Reply>;

/// The handler of an item.
pub(super) fn handler(a: &FetchAttr) -> Handler {
    match a {
        FetchAttr::Flags => flags,
        FetchAttr::Uid => uid,
        FetchAttr::InternalDate => internal_date,
        FetchAttr::SaveDate => save_date,
        FetchAttr::EmailId => email_id,
        FetchAttr::ThreadId => thread_id,
        FetchAttr::Rfc822Size => rfc822_size,
        FetchAttr::Envelope | FetchAttr::Body | FetchAttr::BodyStructure => cached_value,
        FetchAttr::Rfc822 => rfc822,
        FetchAttr::Rfc822Header => rfc822_header,
        FetchAttr::Rfc822Text => rfc822_text,
        FetchAttr::BodySection { .. } => body_section,
        FetchAttr::ModSeq => modseq,
        FetchAttr::Binary { .. } => binary,
        FetchAttr::BinarySize { .. } => binary_size,
        FetchAttr::Preview { .. } | FetchAttr::Fuzzy { .. } => preview,
    }
}

fn flags(s: &mut dyn Sink, m: &One, _: &FetchAttr, _: &[u8], _: &mut Vec<u8>) -> Result<(), Reply> {
    let out = s.buffer();
    out.extend_from_slice(b"FLAGS ");
    out.extend_from_slice(m.flags);
    Ok(())
}

fn uid(s: &mut dyn Sink, m: &One, _: &FetchAttr, _: &[u8], _: &mut Vec<u8>) -> Result<(), Reply> {
    let out = s.buffer();
    out.extend_from_slice(b"UID ");
    write_num(out, u64::from(m.uid));
    Ok(())
}

fn date(s: &mut dyn Sink, name: &[u8], t: i64) {
    let out = s.buffer();
    out.extend_from_slice(name);
    out.extend_from_slice(format!(" \"{}\"", DateTime::from_unix(t, 0)).as_bytes());
}

fn internal_date(s: &mut dyn Sink, m: &One, _: &FetchAttr, _: &[u8], _: &mut Vec<u8>) -> Result<(), Reply> {
    date(s, b"INTERNALDATE", m.plan.mailbox.internal_date(m.entry));
    Ok(())
}

fn save_date(s: &mut dyn Sink, m: &One, _: &FetchAttr, _: &[u8], _: &mut Vec<u8>) -> Result<(), Reply> {
    date(s, b"SAVEDATE", crate::mail::messages::save_date(&m.plan.mailbox, m.entry));
    Ok(())
}

fn email_id(s: &mut dyn Sink, m: &One, _: &FetchAttr, _: &[u8], _: &mut Vec<u8>) -> Result<(), Reply> {
    let id = m.plan.mailbox.email_id(m.entry.uid, m.entry.base());
    let out = s.buffer();
    out.extend_from_slice(b"EMAILID (");
    out.extend_from_slice(id.as_bytes());
    out.push(b')');
    Ok(())
}

/// tegami keeps no thread ids: NIL, as RFC 8474 5.2 allows.
fn thread_id(s: &mut dyn Sink, _: &One, _: &FetchAttr, _: &[u8], _: &mut Vec<u8>) -> Result<(), Reply> {
    s.buffer().extend_from_slice(b"THREADID NIL");
    Ok(())
}

fn rfc822_size(s: &mut dyn Sink, m: &One, _: &FetchAttr, _: &[u8], _: &mut Vec<u8>) -> Result<(), Reply> {
    let size = match m.entry.vsize {
        Some(v) => v,
        None => std::str::from_utf8(m.value(cached::SIZE)).ok().and_then(|v| v.parse().ok()).unwrap_or(0),
    };
    let out = s.buffer();
    out.extend_from_slice(b"RFC822.SIZE ");
    write_num(out, size);
    Ok(())
}

/// ENVELOPE, BODY and BODYSTRUCTURE: rendered once and cached.
fn cached_value(s: &mut dyn Sink, m: &One, a: &FetchAttr, _: &[u8], _: &mut Vec<u8>) -> Result<(), Reply> {
    let (name, field): (&[u8], u8) = match a {
        FetchAttr::Envelope => (b"ENVELOPE ", cached::ENVELOPE),
        FetchAttr::Body => (b"BODY ", cached::BODY),
        _ => (b"BODYSTRUCTURE ", cached::BODYSTRUCTURE),
    };
    value_item(s, name, m.value(field))
}

fn rfc822(s: &mut dyn Sink, m: &One, _: &FetchAttr, _: &[u8], _: &mut Vec<u8>) -> Result<(), Reply> {
    s.buffer().extend_from_slice(b"RFC822 ");
    whole_literal(s, m.msg, m.plan.cap)
}

fn rfc822_header(s: &mut dyn Sink, m: &One, _: &FetchAttr, _: &[u8], _: &mut Vec<u8>) -> Result<(), Reply> {
    s.buffer().extend_from_slice(b"RFC822.HEADER ");
    literal(s, render::rfc822_header(m.msg).bytes(m.msg))
}

fn rfc822_text(s: &mut dyn Sink, m: &One, _: &FetchAttr, _: &[u8], _: &mut Vec<u8>) -> Result<(), Reply> {
    s.buffer().extend_from_slice(b"RFC822.TEXT ");
    literal(s, render::rfc822_text(m.msg).bytes(m.msg))
}

/// `BODY[section]<partial>`: the whole message without a tree, a
/// top-level header section from the header alone, a part from the tree.
fn body_section(s: &mut dyn Sink, m: &One, a: &FetchAttr, head: &[u8], buf: &mut Vec<u8>) -> Result<(), Reply> {
    let FetchAttr::BodySection { section, partial, .. } = a else { return Ok(()) };
    s.buffer().extend_from_slice(head);
    if render::section::header_only(section) {
        return literal(s, partial_of(render::section::header_section(m.msg, section, buf), *partial));
    }
    match m.tree {
        _ if *section == Section::default() && partial.is_none() => whole_literal(s, m.msg, m.plan.cap),
        Some(root) if *section != Section::default() => {
            literal(s, render::section(m.msg, root, section, *partial).bytes(m.msg))
        }
        _ => literal(s, render::section::limit(render::section::whole(m.msg), *partial).bytes(m.msg)),
    }
}

fn modseq(s: &mut dyn Sink, m: &One, _: &FetchAttr, _: &[u8], _: &mut Vec<u8>) -> Result<(), Reply> {
    let out = s.buffer();
    out.extend_from_slice(b"MODSEQ (");
    write_num(out, m.modseq);
    out.push(b')');
    Ok(())
}

/// RFC 3516 4.2: a literal8 when the part's decoded data is of the
/// "binary" domain (NUL, bare CR or LF), for every cut of it, as Dovecot
/// does; a plain literal otherwise.
fn binary(s: &mut dyn Sink, m: &One, a: &FetchAttr, head: &[u8], _: &mut Vec<u8>) -> Result<(), Reply> {
    let FetchAttr::Binary { part, partial, .. } = a else { return Ok(()) };
    s.buffer().extend_from_slice(head);
    let (whole, literal8) = m.decoded(part).unwrap_or((b"", false));
    let prefix: &[u8] = if literal8 { b"~" } else { b"" };
    raw_literal(s, prefix, partial_of(whole, *partial))
}

fn binary_size(s: &mut dyn Sink, m: &One, a: &FetchAttr, head: &[u8], _: &mut Vec<u8>) -> Result<(), Reply> {
    let FetchAttr::BinarySize { part } = a else { return Ok(()) };
    let size = m.decoded(part).map_or(0, |(d, _)| d.len());
    let out = s.buffer();
    out.extend_from_slice(head);
    write_num(out, size as u64);
    Ok(())
}

/// PREVIEW (RFC 8970), and the FUZZY forms of the drafts before it.
fn preview(s: &mut dyn Sink, m: &One, a: &FetchAttr, _: &[u8], _: &mut Vec<u8>) -> Result<(), Reply> {
    let out = s.buffer();
    match a {
        FetchAttr::Fuzzy { snippet } => {
            out.extend_from_slice(if *snippet { b"SNIPPET (FUZZY " } else { b"PREVIEW (FUZZY " });
            write_string(out, m.value(cached::PREVIEW));
            out.push(b')');
        }
        _ => {
            out.extend_from_slice(b"PREVIEW ");
            write_string(out, m.value(cached::PREVIEW));
        }
    }
    Ok(())
}
