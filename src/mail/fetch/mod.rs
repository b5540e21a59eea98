//! FETCH responses (RFC 3501 7.4.2), rendered from a plan ([`plan`]) for
//! messages of a view, in the parts Dovecot's `imap-fetch.c` has: per
//! message what the plan needs gathered (cached values, the header block,
//! the file, a MIME tree) and one handler per item ([`items`]) writing
//! into the response queue ([`write`]); body parts go as literals straight
//! from the map. The FETCH handler and NOTIFY's FETCH of new messages
//! (the session's sync) both render through here.
//!
//! A message another session expunged is answered from what the view and
//! the cache still hold (RFC 2180 4.1.2); only one whose items need the
//! gone file is left out (counted in [`Run`]).

mod items;
pub mod plan;
mod write;

use std::collections::HashMap;
use std::io;

pub use plan::Plan;
use write::write_failed;

use super::flags::message_flags;
use super::message::Message;
use super::{cached, View};
use crate::budget::Reservation;
use crate::fetch::{self as render, SectionData};
use crate::mime;
use crate::proto::command::FetchAttr;
use crate::proto::response::{write_num, Code, Reply};
use crate::store::cache;
use crate::store::mailbox::UNKNOWN_DATE;
use crate::store::{Entry, Flags};
use items::One;

/// Where FETCH responses go: the session's response queue, written by the
/// session's writer (the only code that writes to the stream).
pub trait Sink {
    /// The queue itself; whatever is appended must be complete wire data.
    fn buffer(&mut self) -> &mut Vec<u8>;
    /// Octets queued and not yet written.
    fn queued(&self) -> usize;
    /// Writes every queued response to the client.
    fn flush(&mut self) -> io::Result<()>;
    /// Writes what is queued, then `data` without copying it (large
    /// literals from a mapped message file).
    fn write_direct(&mut self, data: &[u8]) -> io::Result<()>;
}

/// The messages FETCH answers from: the view as last reported, the
/// entries it keeps of messages expunged since, and the session's log tag.
pub struct Shown<'a> {
    /// The view.
    pub view: View<'a>,
    /// Entries of messages others expunged that the view has not told yet.
    pub pending: &'a HashMap<u32, Entry>,
    /// The session's name in the log.
    pub tag: &'a str,
}

/// Writes `* n FETCH (...)` for the messages at view indexes `targets`;
/// `seen_now` (sorted) are the UIDs whose `\Seen` this FETCH set. What
/// could not be answered is counted in the result.
pub fn render(s: &mut dyn Sink, at: &Shown, plan: &Plan, seen_now: &[u32], targets: &[usize]) -> Result<Run, Reply> {
    let mut run = Run::default();
    for &i in targets {
        answer(s, at, plan, seen_now, i, &mut run)?;
    }
    if !plan.fields.is_empty() || plan.wants_size {
        plan.mailbox.with_cache(|c| c.flush());
    }
    Ok(run)
}

/// What one FETCH carries from message to message: buffers reused for
/// each, and the messages it could not answer.
#[derive(Default)]
pub struct Run {
    /// The read buffer of the message files.
    spare: Vec<u8>,
    /// Scratch for sections built from the header (HEADER.FIELDS).
    buf: Vec<u8>,
    /// The message's flags as written.
    flags: Vec<u8>,
    /// The flags and `\Recent` that `flags` shows.
    flags_of: Option<(Flags, bool)>,
    /// The cache fields of this message: the plan's, and SIZE when its
    /// file name does not tell it.
    fields: Vec<u8>,
    /// Their values, read from the cache or made from the text.
    values: Vec<Option<Vec<u8>>>,
    /// The mailbox's `cur/`, opened at the first message file read (the
    /// files are opened in it: one name looked up each, not a path).
    cur: Option<Option<std::fs::File>>,
    /// Messages gone (expunged by another session) whose items needed
    /// the file.
    pub missing: usize,
    /// Messages whose file could not be read.
    pub unreadable: usize,
}

/// Answers the message at view index `i`.
fn answer(s: &mut dyn Sink, at: &Shown, plan: &Plan, seen_now: &[u32], i: usize, run: &mut Run) -> Result<(), Reply> {
    let view = &at.view;
    let uid = view.uids[i];
    let snap = view.snapshot;
    let kept;
    // A message another session expunged, this one not yet told: its entry
    // is kept by the view, and its values by the cache until its next
    // compaction (RFC 2180 4.1.2). The mailbox's newest picture may hold a
    // message the view's has not.
    let entry = match snap.find(uid) {
        Some(e) => e,
        None => match at.pending.get(&uid).cloned().or_else(|| plan.mailbox.snapshot().find(uid).cloned()) {
            Some(e) => {
                kept = e;
                &kept
            }
            None => {
                run.missing += 1;
                return Ok(());
            }
        },
    };
    // Most messages of a listing have the flags of the one before: written
    // again only when they differ.
    let key = (&view.flags[i], view.recent.contains(&uid));
    if run.flags_of.as_ref().is_none_or(|(f, r)| (f, *r) != key) {
        run.flags_of = Some((key.0.clone(), key.1));
        run.flags.clear();
        message_flags(&view.flags[i], &view.snapshot.keywords, key.1).render(&plan.dialect, &mut run.flags);
    }
    let modseq = view.modseqs[i];
    let stamp = cache::stamp(entry.base(), entry.size);
    read_cached(plan, run, entry, stamp);
    let Some((message, mut held)) = load(at.tag, plan, run, entry)? else { return Ok(()) };
    let damaged = message.as_ref().is_some_and(Message::damaged);
    if let Some(m) = &message {
        compute_missing(plan, run, entry, stamp, m.bytes(), damaged);
    }
    let msg: &[u8] = match &message {
        Some(m) => m.bytes(),
        // Only header sections read the text: the cached header block
        // stands for the message, and gives the same bytes.
        None => header_value(&run.fields, &run.values),
    };
    let tree = plan.needs_tree.then(|| mime::scan(msg));
    // Decode BINARY items before the response starts, so an undecodable
    // part fails the command with no half-written line.
    let decoded = decode_binary(plan, msg, tree.as_ref(), &mut held)?;
    let one = One {
        plan,
        uid,
        entry,
        msg,
        tree: tree.as_ref(),
        fields: &run.fields,
        values: &run.values,
        flags: &run.flags,
        modseq,
        decoded: &decoded,
    };
    respond(s, &one, i, seen_now.binary_search(&uid).is_ok(), &mut run.buf)?;
    if damaged {
        log::warn!(
            "{} the file of UID {uid} shrank while it was read (changed outside the maildir rules); the client got NULs for the missing part",
            at.tag
        );
    }
    // --max-fetch-buffer: what FETCH may hold before it writes.
    if s.queued() >= plan.cap {
        s.flush().map_err(write_failed)?;
    }
    run.spare = message.map(Message::into_spare).unwrap_or_default();
    Ok(())
}

/// The cached header block among the values (empty if none).
fn header_value<'a>(fields: &[u8], values: &'a [Option<Vec<u8>>]) -> &'a [u8] {
    fields.iter().position(|&f| f == cached::HEADER).and_then(|k| values[k].as_deref()).unwrap_or(b"")
}

/// Fills `run.fields` and `run.values` with what the cache holds (for a
/// message expunged since, what it kept of it).
fn read_cached(plan: &Plan, run: &mut Run, entry: &Entry, stamp: u64) {
    run.fields.clear();
    run.fields.extend_from_slice(&plan.fields);
    if plan.wants_size && entry.vsize.is_none() {
        run.fields.push(cached::SIZE);
    }
    run.values.clear();
    if run.fields.is_empty() {
        return;
    }
    let (fields, values) = (&run.fields, &mut run.values);
    // Every message of the view may be read, also one expunged since
    // (whether or not the view knows yet): the stamp ties each value to
    // its very file.
    plan.mailbox.with_cache(|c| values.extend(fields.iter().map(|&f| c.get_expunged(entry.uid, f, stamp))));
}

/// The message text when read, and the memory held for the message.
type Loaded = (Option<Message>, Option<Reservation>);

/// The message file when the items need it (or a value the cache lacks),
/// and the memory held for it; `None` when the message is left out
/// (counted in `run`).
fn load(tag: &str, plan: &Plan, run: &mut Run, entry: &Entry) -> Result<Option<Loaded>, Reply> {
    let computing = run.values.iter().any(Option::is_none);
    let text = plan.needs_file || computing;
    // The map (or copy) of a large message, the values made from it and
    // those read from the cache (the ENVELOPE of a 10 MB header is as
    // large) are held against --max-client-memory until it is answered.
    // Cached values are counted once read: what the cache holds is
    // bounded by the message, and they go at once if refused.
    let mut held = crate::mail::held::message(&plan.budget, entry.size, u64::from(text) + 2 * u64::from(computing))?;
    crate::mail::held::grow(&plan.budget, &mut held, run.values.iter().flatten().map(Vec::len).sum())?;
    if !text {
        // RFC 2180 4.1.2: a message another session expunged is answered
        // from what is held, unless an item needs its gone file.
        let dated = plan.wants_date || plan.wants_saved;
        if dated && entry.internal_date == UNKNOWN_DATE && plan.mailbox.snapshot().find(entry.uid).is_none() {
            run.missing += 1;
            return Ok(None);
        }
        return Ok(Some((None, held)));
    }
    // One message that cannot be read fails itself only (see `fetch`).
    let uid = entry.uid;
    let cur = run.cur.get_or_insert_with(|| plan.mailbox.open_cur().ok()).as_ref();
    match plan.mailbox.open_message_sized(cur, uid) {
        Ok(Some((file, _, len))) => match Message::load_into(&file, len, std::mem::take(&mut run.spare)) {
            Ok(m) => Ok(Some((Some(m), held))),
            Err(e) => {
                log::warn!("{tag} reading the file of UID {uid}: {e}");
                run.unreadable += 1;
                Ok(None)
            }
        },
        Ok(None) => {
            run.missing += 1;
            Ok(None)
        }
        Err(e) => {
            log::warn!("{tag} {e}");
            run.unreadable += 1;
            Ok(None)
        }
    }
}

/// Makes from the message text the values the cache lacked, and keeps
/// them (not those of a file that shrank under its map: they are not the
/// message's, sent this once).
fn compute_missing(plan: &Plan, run: &mut Run, entry: &Entry, stamp: u64, msg: &[u8], damaged: bool) {
    let mut made = 0u32;
    for (k, &f) in run.fields.iter().enumerate() {
        if run.values[k].is_none() {
            run.values[k] = Some(cached::compute(f, msg));
            made |= 1 << k;
        }
    }
    if made == 0 || damaged {
        return;
    }
    let (fields, values) = (&run.fields, &run.values);
    plan.mailbox.with_cache(|c| {
        for (k, (&f, v)) in fields.iter().zip(values).enumerate() {
            let Some(v) = v.as_deref().filter(|_| made & (1 << k) != 0) else { continue };
            // A header block too large to keep is read from the file each time.
            if f == cached::HEADER && v.len() > cached::HEADER_MAX {
                continue;
            }
            c.put(entry.uid, f, stamp, v);
            if f == cached::ENVELOPE {
                // A listing is usually followed by header searches: keep
                // what they read while the message is at hand.
                c.put(entry.uid, cached::SEARCH_HEADER, stamp, &cached::search_header(msg));
            }
        }
    });
}

/// The BINARY parts the items name, each decoded once.
fn decode_binary<'a>(
    plan: &'a Plan,
    msg: &[u8],
    tree: Option<&mime::Part>,
    held: &mut Option<Reservation>,
) -> Result<Vec<items::Decoded<'a>>, Reply> {
    let mut decoded: Vec<items::Decoded> = Vec::new();
    for a in &plan.items {
        if let FetchAttr::Binary { part, .. } | FetchAttr::BinarySize { part } = a {
            if !decoded.iter().any(|d| d.part == &part[..]) {
                let data = binary_data(msg, tree, part)?;
                if let SectionData::Owned(v) = &data {
                    crate::mail::held::grow(&plan.budget, held, v.len())?;
                }
                // Looked for once, and only when a BINARY item sends it.
                let sent = plan.items.iter().any(|x| matches!(x, FetchAttr::Binary { part: p, .. } if p == part));
                let literal8 = sent && crate::fetch::binary::needs_literal8(data.bytes(msg));
                decoded.push(items::Decoded { part, data, literal8 });
            }
        }
    }
    Ok(decoded)
}

/// Writes `* n FETCH (...)` for one message: each item by its handler,
/// then what a `\Seen` set by this FETCH adds.
fn respond(s: &mut dyn Sink, one: &One, i: usize, seen_now: bool, buf: &mut Vec<u8>) -> Result<(), Reply> {
    let plan = one.plan;
    let out = s.buffer();
    out.extend_from_slice(b"* ");
    write_num(out, i as u64 + 1);
    out.extend_from_slice(b" FETCH (");
    for (k, (a, (handler, head))) in plan.items.iter().zip(&plan.handlers).enumerate() {
        // --max-fetch-buffer: written as it is made, inside one message's
        // response too.
        if s.queued() >= plan.cap {
            s.flush().map_err(write_failed)?;
        }
        if k > 0 {
            s.buffer().push(b' ');
        }
        handler(s, one, a, head, buf)?;
    }
    let out = s.buffer();
    if seen_now {
        // RFC 3501: the \Seen it set; RFC 7162 3.1: with UID and MODSEQ.
        if !plan.has_flags {
            out.extend_from_slice(b" FLAGS ");
            out.extend_from_slice(one.flags);
        }
        if plan.condstore && !plan.has_uid {
            out.extend_from_slice(b" UID ");
            write_num(out, u64::from(one.uid));
        }
        if plan.condstore && !plan.has_modseq {
            out.extend_from_slice(b" MODSEQ (");
            write_num(out, one.modseq);
            out.push(b')');
        }
    }
    out.extend_from_slice(b")\r\n");
    Ok(())
}

/// The decoded data of a `BINARY[part]` or `BINARY.SIZE[part]` item.
pub fn binary_data(msg: &[u8], tree: Option<&mime::Part>, part: &[u32]) -> Result<SectionData, Reply> {
    let data = match tree {
        _ if part.is_empty() => Ok(render::binary::whole_message(msg)),
        Some(root) => render::binary::binary(msg, root, part),
        None => render::binary::binary(msg, &mime::scan(msg), part),
    };
    data.map_err(|e| Reply::no(Code::UnknownCte, format!("Cannot decode content-transfer-encoding {}", e.0)))
}
