//! FETCH and UID FETCH (RFC 3501 6.4.5, 6.4.8): message data from the
//! memory-mapped file, body parts sent as literals straight from the map.

use std::fs::File;

use super::cached;
use super::names::store_error;
use super::target::{resolve, saved_for};
use super::{select, Outcome, Reply};
use crate::fetch::{self as render, SectionData};
use crate::mime;
use crate::proto::command::FetchAttr;
use crate::proto::datetime::DateTime;
use crate::proto::response::{write_astring, write_literal, write_string};
use crate::proto::section::{Section, SectionText};
use crate::proto::sequence::SequenceSet;
use crate::proto::untagged::Response;
use crate::session::Session;
use crate::store::filename::SEEN;
use crate::store::mapped::{self, Mapped};
use crate::store::{cache, FlagOp};

/// A message's octets: read, or mapped from its file.
///
/// Large files are mapped (see `store::mapped`: a file another program
/// truncates under the map reads as zeros past its new end, and the map
/// says it was damaged, instead of killing the server with SIGBUS).
pub enum Message {
    /// Read into memory.
    Read(Vec<u8>),
    /// Mapped from the file.
    Mapped(Mapped),
}

impl Message {
    /// Reads or maps an open message file.
    pub fn load(file: &File) -> std::io::Result<Message> {
        Message::load_into(file, Vec::new())
    }

    /// [`Message::load`], reading into `spare` (emptied first): a FETCH of
    /// many messages reuses one buffer instead of faulting in fresh pages
    /// for each (a freed large buffer goes back to the system).
    pub fn load_into(file: &File, mut spare: Vec<u8>) -> std::io::Result<Message> {
        let len = file.metadata()?.len();
        if len >= mapped::MAP_FROM {
            if let Some(map) = Mapped::map(file)? {
                return Ok(Message::Mapped(map));
            }
        }
        spare.clear();
        // One octet more than the file, so the read that finds its end
        // needs no second buffer.
        spare.reserve((len.min(1 << 30) as usize).saturating_add(1));
        std::io::Read::read_to_end(&mut &*file, &mut spare)?;
        Ok(Message::Read(spare))
    }

    /// The read buffer back, for the next [`Message::load_into`] (none
    /// when mapped, or too large to keep).
    pub fn into_spare(self) -> Vec<u8> {
        match self {
            Message::Read(v) if v.capacity() <= 2 * mapped::MAP_FROM as usize => v,
            _ => Vec::new(),
        }
    }

    /// The message octets.
    pub fn bytes(&self) -> &[u8] {
        match self {
            Message::Read(v) => v,
            Message::Mapped(m) => m.bytes(),
        }
    }

    /// True when the file shrank while mapped, so what was read of it is
    /// not the message (some of it read as zeros).
    pub fn damaged(&self) -> bool {
        matches!(self, Message::Mapped(m) if m.damaged())
    }
}

/// Whether an item needs the message text (not only the file name).
fn needs_text(a: &FetchAttr) -> bool {
    !matches!(
        a,
        FetchAttr::Flags
            | FetchAttr::InternalDate
            | FetchAttr::Uid
            | FetchAttr::Rfc822Size
            | FetchAttr::SaveDate
            | FetchAttr::EmailId
            | FetchAttr::ThreadId
    )
}

/// The sidecar cache field of an item whose value is costly and kept.
fn cache_field(a: &FetchAttr) -> Option<u8> {
    match a {
        FetchAttr::Envelope => Some(cached::ENVELOPE),
        FetchAttr::Body => Some(cached::BODY),
        FetchAttr::BodyStructure => Some(cached::BODYSTRUCTURE),
        FetchAttr::Preview { .. } | FetchAttr::Fuzzy { .. } => Some(cached::PREVIEW),
        // Read from the header block alone (see `header_block`).
        FetchAttr::Rfc822Header => Some(cached::HEADER),
        FetchAttr::BodySection { section, .. } if render::section::header_only(section) => Some(cached::HEADER),
        _ => None,
    }
}

/// Whether an item sets `\Seen` (RFC 3501: every body fetch without PEEK).
pub(super) fn sets_seen(a: &FetchAttr) -> bool {
    matches!(
        a,
        FetchAttr::Rfc822
            | FetchAttr::Rfc822Text
            | FetchAttr::BodySection { peek: false, .. }
            | FetchAttr::Binary { peek: false, .. }
    )
}

/// The section as echoed in the response: `1.2.HEADER.FIELDS (FROM)`.
pub fn section_name(sec: &Section) -> Vec<u8> {
    let mut out: Vec<u8> = sec.part.iter().map(|n| n.to_string()).collect::<Vec<_>>().join(".").into_bytes();
    let Some(text) = &sec.text else { return out };
    if !out.is_empty() {
        out.push(b'.');
    }
    let (word, fields): (&[u8], Option<&Vec<Vec<u8>>>) = match text {
        SectionText::Header => (b"HEADER", None),
        SectionText::HeaderFields(f) => (b"HEADER.FIELDS", Some(f)),
        SectionText::HeaderFieldsNot(f) => (b"HEADER.FIELDS.NOT", Some(f)),
        SectionText::Text => (b"TEXT", None),
        SectionText::Mime => (b"MIME", None),
    };
    out.extend_from_slice(word);
    if let Some(fields) = fields {
        out.extend_from_slice(b" (");
        for (i, f) in fields.iter().enumerate() {
            if i > 0 {
                out.push(b' ');
            }
            write_astring(&mut out, &f.to_ascii_uppercase());
        }
        out.push(b')');
    }
    out
}

/// A part path as echoed in `BINARY[1.2]`.
fn part_name(part: &[u32]) -> String {
    part.iter().map(|n| n.to_string()).collect::<Vec<_>>().join(".")
}

/// Literals at least this long go from the mapped file straight to the
/// client instead of through the response buffer.
const DIRECT_LITERAL: usize = 64 * 1024;

fn write_failed(e: std::io::Error) -> Reply {
    Reply::No(format!("write failed: {e}"))
}

/// Queues `data` as a literal; a large one is written straight from its
/// source (the mapped file) after what is queued so far. A literal may not
/// hold NUL (RFC 3501 `CHAR8`): a message stored with NULs (APPEND of a
/// `~{n}` literal) has them sent as 0x80 here, as Dovecot does; BINARY
/// sends them unchanged in a `literal8`.
fn literal(s: &mut Session, data: &[u8]) -> Result<(), Reply> {
    if memchr::memchr(0, data).is_none() {
        return raw_literal(s, b"", data);
    }
    let clean = |chunk: &[u8]| -> Vec<u8> { chunk.iter().map(|&b| if b == 0 { 0x80 } else { b }).collect() };
    if data.len() < DIRECT_LITERAL {
        return raw_literal(s, b"", &clean(data));
    }
    // A large one is cleaned a piece at a time, never copied whole.
    s.writer.buffer().extend_from_slice(format!("{{{}}}\r\n", data.len()).as_bytes());
    for chunk in data.chunks(DIRECT_LITERAL) {
        s.write_direct(&clean(chunk)).map_err(write_failed)?;
    }
    Ok(())
}

/// Queues the whole message as a literal, as [`literal`] of
/// `section::whole(msg)` would, converting bare LFs to CRLF straight into
/// the response queue (written out each time it holds `cap` octets)
/// instead of into a copy of the message.
fn whole_literal(s: &mut Session, msg: &[u8], cap: usize) -> Result<(), Reply> {
    let bare = crate::mime::scan::bare_lfs(msg);
    if bare == 0 {
        return literal(s, msg);
    }
    let n = msg.len() + bare;
    s.writer.buffer().extend_from_slice(format!("{{{n}}}\r\n").as_bytes());
    let nul = memchr::memchr(0, msg).is_some();
    // Octets still owed: a mapped file rewritten between the count and
    // this pass must not change the length announced.
    let mut owed = n;
    // A piece of the file at a time, so the queue stays near `cap`.
    let step = cap.clamp(4096, 1 << 20);
    let mut from = 0;
    while from < msg.len() && owed > 0 {
        let to = (from + step).min(msg.len());
        let out = s.writer.buffer();
        let at = out.len();
        crlf_into(out, msg, from, to);
        out.truncate(at + (out.len() - at).min(owed));
        if nul {
            // RFC 3501 CHAR8: NUL goes as 0x80 (see `literal`).
            out[at..].iter_mut().filter(|b| **b == 0).for_each(|b| *b = 0x80);
        }
        owed -= out.len() - at;
        from = to;
        if s.writer.queued() >= cap {
            s.flush().map_err(write_failed)?;
        }
    }
    // Short only when the file changed under its map: filled up, so the
    // client still reads the octets it was promised.
    let end = s.writer.queued() + owed;
    s.writer.buffer().resize(end, 0x80);
    Ok(())
}

/// Appends `msg[from..to]` to `out` with bare LFs made CRLF (an LF at
/// `from` is bare unless the octet before it, even outside the piece, is CR).
fn crlf_into(out: &mut Vec<u8>, msg: &[u8], from: usize, to: usize) {
    out.reserve(to - from + (to - from) / 16);
    let mut start = from;
    for i in memchr::memchr_iter(b'\n', &msg[from..to]).map(|i| i + from) {
        if i == 0 || msg[i - 1] != b'\r' {
            out.extend_from_slice(&msg[start..i]);
            out.extend_from_slice(b"\r\n");
            start = i + 1;
        }
    }
    out.extend_from_slice(&msg[start..to]);
}

/// Queues `NAME value` for a value rendered in memory (ENVELOPE, BODY,
/// BODYSTRUCTURE); a large one (a 10 MB Subject makes a 10 MB ENVELOPE)
/// is written from where it lies instead of being copied into the queue.
fn value_item(s: &mut Session, name: &[u8], value: &[u8]) -> Result<(), Reply> {
    s.writer.buffer().extend_from_slice(name);
    if value.len() < DIRECT_LITERAL {
        s.writer.buffer().extend_from_slice(value);
        return Ok(());
    }
    s.write_direct(value).map_err(write_failed)
}

/// `data` cut to `partial` as `section::limit` cuts it, without a copy.
fn partial_of(data: &[u8], partial: Option<crate::proto::section::Partial>) -> &[u8] {
    let Some(p) = partial else { return data };
    let start = (p.start as usize).min(data.len());
    let end = start.saturating_add(p.length as usize).min(data.len());
    &data[start..end]
}

/// Queues `data` as a literal announced by `prefix{n}` (`~` for literal8).
fn raw_literal(s: &mut Session, prefix: &[u8], data: &[u8]) -> Result<(), Reply> {
    if data.len() < DIRECT_LITERAL && prefix.is_empty() {
        write_literal(s.writer.buffer(), data);
        return Ok(());
    }
    s.writer.buffer().extend_from_slice(prefix);
    s.writer.buffer().extend_from_slice(format!("{{{}}}\r\n", data.len()).as_bytes());
    if data.len() < DIRECT_LITERAL {
        s.writer.buffer().extend_from_slice(data);
        return Ok(());
    }
    s.write_direct(data).map_err(write_failed)
}

/// Refuses, before anything is changed, a BINARY fetch that would set
/// `\Seen` on messages whose parts cannot be decoded (`[UNKNOWN-CTE]`):
/// a command that fails has no effect.
fn check_binary(
    mb: &crate::store::MailboxShared,
    uids: &[u32],
    items: &[FetchAttr],
    budget: &std::sync::Arc<crate::budget::Budget>,
) -> Result<(), Reply> {
    let parts: Vec<&Vec<u32>> = items
        .iter()
        .filter_map(|a| match a {
            FetchAttr::Binary { part, .. } | FetchAttr::BinarySize { part } if !part.is_empty() => Some(part),
            _ => None,
        })
        .collect();
    if parts.is_empty() {
        return Ok(());
    }
    for &uid in uids {
        // A file that cannot be read is answered for by the fetch itself.
        let Ok(Some((file, _))) = mb.open_message(uid) else { continue };
        // The map and one decoded part at a time (see --max-client-memory).
        let _held = super::held::message(budget, file.metadata().map_or(0, |m| m.len()), 2)?;
        let Ok(message) = Message::load(&file) else { continue };
        let tree = mime::scan(message.bytes());
        for part in &parts {
            binary_data(message.bytes(), Some(&tree), part)?;
        }
    }
    Ok(())
}

/// The decoded data of a `BINARY[part]` or `BINARY.SIZE[part]` item.
fn binary_data(msg: &[u8], tree: Option<&mime::Part>, part: &[u32]) -> Result<SectionData, Reply> {
    let data = match tree {
        _ if part.is_empty() => Ok(render::binary::whole_message(msg)),
        Some(root) => render::binary::binary(msg, root, part),
        None => render::binary::binary(msg, &mime::scan(msg), part),
    };
    data.map_err(|e| Reply::No(format!("[UNKNOWN-CTE] Cannot decode content-transfer-encoding {}", e.0)))
}

/// FETCH / UID FETCH.
pub fn fetch(
    s: &mut Session,
    uid: bool,
    set: &SequenceSet,
    items: &[FetchAttr],
    changed_since: Option<u64>,
    vanished: bool,
) -> Outcome {
    if vanished && !uid {
        return Err(Reply::Bad("VANISHED is valid only with UID FETCH".into()));
    }
    if vanished && !s.sync_ext.qresync {
        return Err(Reply::Bad("VANISHED needs ENABLE QRESYNC first".into()));
    }
    let mut items = items.to_vec();
    super::held::dedup(&mut items);
    let budget = s.shared.budget.clone();
    if changed_since.is_some() || items.contains(&FetchAttr::ModSeq) {
        // RFC 7162 3.1: both are CONDSTORE enabling; CHANGEDSINCE implies MODSEQ.
        select::condstore_on(s);
        if !items.contains(&FetchAttr::ModSeq) {
            items.push(FetchAttr::ModSeq);
        }
    }
    let saved = saved_for(s, set);
    let dialect = s.dialect();
    let view = s.view_mut()?;
    let mut targets = resolve(view, set, uid, &saved)?;
    if let Some(since) = changed_since {
        if vanished {
            let max = view.uids.last().copied().unwrap_or(0).max(view.snapshot.uidnext.saturating_sub(1));
            let gone = view.vanished(since, &set.intervals(max));
            if !gone.is_empty() {
                s.respond(Response::Vanished { earlier: true, uids: gone });
            }
        }
        let view = s.view_mut()?;
        targets.retain(|&i| view.modseqs[i] > since);
    }
    // RFC 4314 4: reading sets \Seen only for a user with the "s" right.
    let may_see = super::resolve::selected_rights(s).has(crate::acl::Right::Seen);
    let view = s.view_mut()?;
    if uid && !items.contains(&FetchAttr::Uid) {
        items.insert(0, FetchAttr::Uid);
    }
    let mut item_fields: Vec<u8> = items.iter().filter_map(cache_field).collect();
    item_fields.sort_unstable();
    item_fields.dedup();
    let wants_size = items.contains(&FetchAttr::Rfc822Size);
    let text_beyond_cache = items.iter().any(|a| needs_text(a) && cache_field(a).is_none());
    let mark_seen = !view.read_only && may_see && items.iter().any(sets_seen);
    // Set \Seen first, so the FLAGS sent below already show it.
    let mut seen_now = Vec::new();
    if mark_seen {
        let unseen: Vec<u32> = targets.iter().filter(|&&i| !view.flags[i].has(SEEN)).map(|&i| view.uids[i]).collect();
        if !unseen.is_empty() {
            check_binary(view.mailbox(), &unseen, &items, &budget)?;
            for e in view.mailbox().store_flags(&unseen, FlagOp::Add, SEEN, &[]).map_err(store_error)? {
                seen_now.push(e.uid);
                view.note_flags(&e);
            }
        }
    }
    let (mut missing, mut unreadable) = (0, 0);
    let cap = s.shared.config.net.max_fetch_buffer;
    // The read buffer, passed from one message to the next.
    let mut spare = Vec::new();
    for i in targets {
        let view = s.view_mut()?;
        let uid_i = view.uids[i];
        let Some(entry) = view.snapshot.find(uid_i).cloned().or_else(|| view.mailbox().snapshot().find(uid_i).cloned())
        else {
            missing += 1;
            continue;
        };
        let stamp = cache::stamp(entry.base(), entry.size);
        let mut fields = item_fields.clone();
        if wants_size && entry.vsize.is_none() {
            fields.push(cached::SIZE);
        }
        let mut values: Vec<Option<Vec<u8>>> = if fields.is_empty() {
            Vec::new()
        } else {
            view.mailbox().with_cache(|c| fields.iter().map(|&f| c.get(uid_i, f, stamp)).collect())
        };
        let computing = values.iter().any(Option::is_none);
        let text = text_beyond_cache || computing;
        // The map (or copy) of a large message, the values made from it
        // and those read from the cache (the ENVELOPE of a 10 MB header is
        // as large) are held against --max-client-memory until it is
        // answered. Cached values are counted once read: what the cache
        // holds is bounded by the message, and they go at once if refused.
        let mut held = super::held::message(&budget, entry.size, u64::from(text) + 2 * u64::from(computing))?;
        super::held::grow(&budget, &mut held, values.iter().flatten().map(Vec::len).sum())?;
        let message = if text {
            // One message that cannot be read fails itself only (see the
            // end of this function).
            match view.mailbox().open_message(uid_i) {
                Ok(Some((file, _))) => match Message::load_into(&file, std::mem::take(&mut spare)) {
                    Ok(m) => Some(m),
                    Err(e) => {
                        log::warn!("{} reading the file of UID {uid_i}: {e}", s.tag());
                        unreadable += 1;
                        continue;
                    }
                },
                Ok(None) => {
                    missing += 1;
                    continue;
                }
                Err(e) => {
                    log::warn!("{} {e}", s.tag());
                    unreadable += 1;
                    continue;
                }
            }
        } else {
            None
        };
        let mut msg = message.as_ref().map(Message::bytes).unwrap_or(b"");
        let mut missing_values: Vec<(u8, Vec<u8>)> = fields
            .iter()
            .zip(values.iter_mut())
            .filter(|(_, v)| v.is_none())
            .map(|(&f, v)| {
                let value = cached::compute(f, msg);
                *v = Some(value.clone());
                (f, value)
            })
            .collect();
        if missing_values.iter().any(|(f, _)| *f == cached::ENVELOPE) {
            // A listing is usually followed by header searches: keep what
            // they read while the message is at hand.
            missing_values.push((cached::SEARCH_HEADER, cached::search_header(msg)));
        }
        // A header block too large to keep is read from the file each time.
        missing_values.retain(|(f, v)| *f != cached::HEADER || v.len() <= cached::HEADER_MAX);
        // Values computed from a file that shrank under its map are not the
        // message's: sent this once, never cached.
        let damaged = message.as_ref().is_some_and(Message::damaged);
        if !missing_values.is_empty() && !damaged {
            view.mailbox().with_cache(|c| {
                for (f, v) in &missing_values {
                    c.put(uid_i, *f, stamp, v);
                }
            });
        }
        let value_of = |f: u8| -> &[u8] {
            fields.iter().position(|&x| x == f).and_then(|i| values[i].as_deref()).unwrap_or(b"NIL")
        };
        if message.is_none() && fields.contains(&cached::HEADER) {
            // Only header sections read the text: the cached header block
            // stands for the message, and gives the same bytes.
            msg = value_of(cached::HEADER);
        }
        let tree = if items.iter().any(|a| match a {
            FetchAttr::BodySection { section, .. } => *section != Section::default(),
            FetchAttr::Binary { part, .. } | FetchAttr::BinarySize { part } => !part.is_empty(),
            _ => false,
        }) {
            Some(mime::scan(msg))
        } else {
            None
        };
        let mut flags_text = Vec::new();
        view.flags_of(i).render(&dialect, &mut flags_text);
        let modseq = view.modseqs[i];
        let condstore = view.ext.condstore;
        let uid_sent = items.contains(&FetchAttr::Uid);
        let mut modseq_sent = false;
        let date = if items.contains(&FetchAttr::InternalDate) { view.mailbox().internal_date(&entry) } else { 0 };
        let saved =
            if items.contains(&FetchAttr::SaveDate) { super::messages::save_date(view.mailbox(), &entry) } else { 0 };
        let email_id = if items.contains(&FetchAttr::EmailId) {
            view.mailbox().email_id(entry.uid, entry.base())
        } else {
            String::new()
        };
        // Decode BINARY items before the response starts, so an
        // undecodable part fails the command with no half-written line.
        // Each part is decoded once, whatever the items that name it.
        let mut decoded: Vec<(&[u32], SectionData)> = Vec::new();
        for a in &items {
            if let FetchAttr::Binary { part, .. } | FetchAttr::BinarySize { part } = a {
                if !decoded.iter().any(|(p, _)| *p == &part[..]) {
                    let data = binary_data(msg, tree.as_ref(), part)?;
                    if let SectionData::Owned(v) = &data {
                        super::held::grow(&budget, &mut held, v.len())?;
                    }
                    decoded.push((part, data));
                }
            }
        }
        let decoded_of = |part: &[u32]| decoded.iter().find(|(p, _)| *p == part).map(|(_, d)| d.bytes(msg));
        let mut first = true;
        let mut flags_sent = false;
        s.writer.buffer().extend_from_slice(format!("* {} FETCH (", i + 1).as_bytes());
        for a in &items {
            // --max-fetch-buffer: written as it is made, inside one
            // message's response too.
            if s.writer.queued() >= cap {
                s.flush().map_err(write_failed)?;
            }
            if !first {
                s.writer.buffer().push(b' ');
            }
            first = false;
            let out = s.writer.buffer();
            match a {
                FetchAttr::Flags => {
                    flags_sent = true;
                    out.extend_from_slice(b"FLAGS ");
                    out.extend_from_slice(&flags_text);
                }
                FetchAttr::Uid => out.extend_from_slice(format!("UID {uid_i}").as_bytes()),
                FetchAttr::InternalDate => {
                    out.extend_from_slice(format!("INTERNALDATE \"{}\"", DateTime::from_unix(date, 0)).as_bytes())
                }
                FetchAttr::SaveDate => {
                    out.extend_from_slice(format!("SAVEDATE \"{}\"", DateTime::from_unix(saved, 0)).as_bytes())
                }
                FetchAttr::EmailId => out.extend_from_slice(format!("EMAILID ({email_id})").as_bytes()),
                // tegami keeps no thread ids: NIL, as RFC 8474 5.2 allows.
                FetchAttr::ThreadId => out.extend_from_slice(b"THREADID NIL"),
                FetchAttr::Rfc822Size => {
                    let size = match entry.vsize {
                        Some(v) => v,
                        None => {
                            std::str::from_utf8(value_of(cached::SIZE)).ok().and_then(|v| v.parse().ok()).unwrap_or(0)
                        }
                    };
                    out.extend_from_slice(format!("RFC822.SIZE {size}").as_bytes());
                }
                FetchAttr::Envelope => value_item(s, b"ENVELOPE ", value_of(cached::ENVELOPE))?,
                FetchAttr::Body => value_item(s, b"BODY ", value_of(cached::BODY))?,
                FetchAttr::BodyStructure => value_item(s, b"BODYSTRUCTURE ", value_of(cached::BODYSTRUCTURE))?,
                FetchAttr::Rfc822 => {
                    out.extend_from_slice(b"RFC822 ");
                    whole_literal(s, msg, cap)?;
                }
                FetchAttr::Rfc822Header => {
                    out.extend_from_slice(b"RFC822.HEADER ");
                    literal(s, render::rfc822_header(msg).bytes(msg))?;
                }
                FetchAttr::Rfc822Text => {
                    out.extend_from_slice(b"RFC822.TEXT ");
                    literal(s, render::rfc822_text(msg).bytes(msg))?;
                }
                FetchAttr::BodySection { section, partial, .. } => {
                    out.extend_from_slice(b"BODY[");
                    out.extend_from_slice(&section_name(section));
                    out.push(b']');
                    if let Some(p) = partial {
                        out.extend_from_slice(format!("<{}>", p.start).as_bytes());
                    }
                    out.push(b' ');
                    match &tree {
                        Some(root) => literal(s, render::section(msg, root, section, *partial).bytes(msg))?,
                        // BODY[] needs no part tree, nor a copy.
                        None if partial.is_none() => whole_literal(s, msg, cap)?,
                        None => literal(s, render::section::limit(render::section::whole(msg), *partial).bytes(msg))?,
                    }
                }
                FetchAttr::ModSeq => {
                    modseq_sent = true;
                    out.extend_from_slice(format!("MODSEQ ({modseq})").as_bytes());
                }
                FetchAttr::Binary { part, partial, .. } => {
                    out.extend_from_slice(b"BINARY[");
                    out.extend_from_slice(part_name(part).as_bytes());
                    out.push(b']');
                    if let Some(p) = partial {
                        out.extend_from_slice(format!("<{}>", p.start).as_bytes());
                    }
                    out.push(b' ');
                    let whole = decoded_of(part).unwrap_or(b"");
                    // RFC 3516 4.2: a literal8 when the part's decoded data is
                    // of the "binary" domain (NUL, bare CR or LF), for every
                    // cut of it, as Dovecot does; a plain literal otherwise.
                    let prefix: &[u8] = if render::binary::needs_literal8(whole) { b"~" } else { b"" };
                    let bytes = partial_of(whole, *partial);
                    raw_literal(s, prefix, bytes)?;
                }
                FetchAttr::BinarySize { part } => {
                    let size = decoded_of(part).map_or(0, <[u8]>::len);
                    out.extend_from_slice(format!("BINARY.SIZE[{}] {size}", part_name(part)).as_bytes());
                }
                FetchAttr::Preview { .. } => {
                    out.extend_from_slice(b"PREVIEW ");
                    write_string(out, value_of(cached::PREVIEW));
                }
                FetchAttr::Fuzzy { snippet } => {
                    out.extend_from_slice(if *snippet { b"SNIPPET (FUZZY " } else { b"PREVIEW (FUZZY " });
                    write_string(out, value_of(cached::PREVIEW));
                    out.push(b')');
                }
            }
        }
        if seen_now.contains(&uid_i) {
            // RFC 3501: the \Seen it set; RFC 7162 3.1: with UID and MODSEQ.
            if !flags_sent {
                s.writer.buffer().extend_from_slice(b" FLAGS ");
                s.writer.buffer().extend_from_slice(&flags_text);
            }
            if condstore && !uid_sent {
                s.writer.buffer().extend_from_slice(format!(" UID {uid_i}").as_bytes());
            }
            if condstore && !modseq_sent {
                s.writer.buffer().extend_from_slice(format!(" MODSEQ ({modseq})").as_bytes());
            }
        }
        s.writer.buffer().extend_from_slice(b")\r\n");
        if message.as_ref().is_some_and(Message::damaged) {
            log::warn!(
                "{} the file of UID {uid_i} shrank while it was read (changed outside the maildir rules); the client got NULs for the missing part",
                s.tag()
            );
        }
        // --max-fetch-buffer: what FETCH may hold before it writes.
        if s.writer.queued() >= s.shared.config.net.max_fetch_buffer {
            s.flush().map_err(write_failed)?;
        }
        spare = message.map(Message::into_spare).unwrap_or_default();
    }
    if !item_fields.is_empty() || wants_size {
        s.view_mut()?.mailbox().with_cache(|c| c.flush());
    }
    // What Dovecot does with `imap_fetch_failure = no-after`: the other
    // messages are answered, then `NO [SERVERBUG]`. (Its default sends BYE
    // at once, which would come back at every `FETCH 1:*` and keep every
    // later message out of reach: the damage issue 19 item 8 forbids.) A
    // file that is gone is an expunge another process made, as before.
    if unreadable > 0 {
        return Err(Reply::No("[SERVERBUG] Some of the requested messages could not be read".into()));
    }
    if missing > 0 {
        return Err(Reply::No("[EXPUNGEISSUED] Some of the requested messages no longer exist".into()));
    }
    Ok(if uid { "UID FETCH completed".into() } else { "FETCH completed".into() })
}
