//! The one walk over the selected mailbox that SEARCH, SORT and THREAD
//! share: every message of the view is tested against a prepared search
//! [`Program`], and the matches come back with what the caller asked for
//! (INTERNALDATE, the cached header fields). Message files are opened only
//! when a key needs text the cache does not hold.

use std::collections::HashSet;
use std::io::Read;

use super::cached;
use super::flags::FORWARDED;
use super::View;
use crate::fts::{Candidates, SearchIndex};
use crate::proto::command::SearchKey;
use crate::proto::response::{Code, Reply};
use crate::search::{self, Message, MessageContext, Program, SearchError, SystemFlags};
use crate::store::cache;
use crate::store::filename::{DRAFT, FLAGGED, PASSED, REPLIED, SEEN, TRASHED};

/// What a caller needs of each matching message besides its numbers.
#[derive(Clone, Copy, Debug, Default)]
pub struct Want {
    /// The INTERNALDATE (a stat of the file the first time).
    pub internal_date: bool,
    /// The header fields of [`cached::SEARCH_FIELDS`] (subject, date,
    /// addresses, message-id, references...), from the cache when it has them.
    pub header: bool,
}

/// One message that matched.
#[derive(Clone, Debug)]
pub struct Found {
    /// Sequence number.
    pub seq: u32,
    /// UID.
    pub uid: u32,
    /// INTERNALDATE, when asked for (else 0; see [`internal_dates`]).
    pub internal_date: i64,
    /// The cache stamp of the message's file (name and size).
    pub stamp: u64,
    /// RFC822.SIZE.
    pub size: u64,
    /// The message's mod-sequence (RFC 7162).
    pub modseq: u64,
    /// The cached header fields, when asked for (else empty); an unreadable
    /// message (expunged by another process meanwhile) has an empty header.
    pub header: Vec<u8>,
}

/// The prepared search of a SEARCH, SORT or THREAD command, `$` standing
/// for the session's saved result `saved` (RFC 5182); an unknown CHARSET
/// is `NO [BADCHARSET (...)]`.
pub fn program(saved: &[u32], key: &SearchKey, charset: Option<&str>) -> Result<Program, Reply> {
    let p = search::prepare(key, charset).map_err(|e| match e {
        SearchError::BadCharset(_) => Reply::no(Code::BadCharset(search::SUPPORTED_CHARSETS), "Unsupported charset"),
    })?;
    Ok(p.with_saved(saved.to_vec()))
}

/// The messages of the selected mailbox (`view`) that satisfy `program`,
/// in sequence order. `known(uid, stamp)` says the caller has what it needs
/// of that message's header already: its header is then not loaded.
pub fn find(view: &View, program: &Program, want: Want, known: &dyn Fn(u32, u64) -> bool) -> Result<Vec<Found>, Reply> {
    walk(view, program, want, known, None)
}

/// [`find`], with the full-text `index` (when there is one) narrowing the
/// messages a text search reads to those it names: the evaluator still
/// tests each, so the answer is the same, only cheaper.
pub fn find_indexed(
    view: &View,
    program: &Program,
    want: Want,
    known: &dyn Fn(u32, u64) -> bool,
    index: Option<&SearchIndex>,
) -> Result<Vec<Found>, Reply> {
    let candidates = index.and_then(|index| {
        let need = search::narrow::need(program)?;
        index.candidates(view.mailbox, view.snapshot, view.uids, &need)
    });
    walk(view, program, want, known, candidates.as_ref())
}

/// [`find`] over the messages of `candidates` alone (every one when `None`).
fn walk(
    view: &View,
    program: &Program,
    want: Want,
    known: &dyn Fn(u32, u64) -> bool,
    candidates: Option<&Candidates>,
) -> Result<Vec<Found>, Reply> {
    let max_seq = view.uids.len() as u32;
    let max_uid = view.uids.last().copied().unwrap_or(0);
    let mailbox = view.mailbox.clone();
    let dates = want.internal_date || program.needs_internal_date();
    // A search of only the usual header fields reads the cached subset of
    // them instead of the message files.
    let header_only = program
        .header_fields()
        .is_some_and(|f| !f.is_empty() && f.iter().all(|n| cached::SEARCH_FIELDS.contains(&n.as_str())));
    let mut hits: Vec<Found> = Vec::new();
    // Hits whose header comes from the cache or the file, after the walk.
    let mut todo: Vec<usize> = Vec::new();
    let cache_used = header_only || want.header;
    let saves = program.needs_save_date();
    let email_ids = program.needs_email_id();
    // The view's positions of the candidates, ascending: the walk visits
    // those alone, not every message asking the set.
    let picked: Option<Vec<usize>> = candidates.map(|c| positions(view.uids, &c.uids));
    for k in 0..picked.as_ref().map_or(view.uids.len(), Vec::len) {
        let i = picked.as_ref().map_or(k, |p| p[k]);
        let u = view.uids[i];
        let Some(entry) = view.snapshot.find(u) else { continue };
        let f = &view.flags[i];
        let mut keywords = view.snapshot.keywords.names_of(f.keywords);
        if f.has(PASSED) {
            keywords.push(FORWARDED.into());
        }
        let mb = &mailbox;
        let stamp = cache::stamp(entry.base(), entry.size);
        let mut msg = Message::new(i as u32 + 1, u, move || load(mb, u, stamp, header_only));
        if let Some(c) = candidates {
            // The index's text of the message, made from this file (its
            // stamp): the evaluator compares it instead of reading the file.
            msg = msg.with_stored(move || c.index.head(u, stamp), move || c.index.bodies(u, stamp));
        }
        msg.max_seq = max_seq;
        msg.max_uid = max_uid;
        msg.flags = system_flags(f, view.recent.contains(&u));
        msg.keywords = keywords;
        if dates {
            msg.internal_date = mailbox.internal_date(entry);
        }
        msg.size = entry.vsize.unwrap_or(entry.size);
        msg.modseq = Some(view.modseqs[i]);
        if saves {
            msg.save_date = save_date(&mailbox, entry);
        }
        if email_ids {
            msg.email_id = mailbox.email_id(entry.uid, entry.base());
        }
        if !search::matches(program, &msg) {
            continue;
        }
        let header = if !want.header || (!msg.was_loaded() && known(u, stamp)) {
            Vec::new()
        } else if msg.was_loaded() {
            // The search read the message (or its cached header) already.
            loaded_header(&mailbox, u, stamp, msg.raw().unwrap_or(b""), header_only)
        } else {
            // Fetched below, for all such messages at once.
            todo.push(hits.len());
            Vec::new()
        };
        hits.push(Found {
            seq: i as u32 + 1,
            uid: u,
            internal_date: msg.internal_date,
            stamp,
            size: msg.size,
            modseq: view.modseqs[i],
            header,
        });
    }
    if let Some(c) = candidates {
        c.index.end_reads();
    }
    if !todo.is_empty() {
        fill_headers(&mailbox, &mut hits, todo);
    }
    if cache_used {
        mailbox.with_cache(|c| c.flush());
    }
    Ok(hits)
}

/// The positions in `uids` (ascending) of the UIDs of `set`, ascending.
fn positions(uids: &[u32], set: &HashSet<u32>) -> Vec<usize> {
    let mut out: Vec<usize> = set.iter().filter_map(|u| uids.binary_search(u).ok()).collect();
    out.sort_unstable();
    out
}

/// The bytes a search reads of message `uid`: with `header_only`, its
/// search header fields from the cache (put there on the first read),
/// else its file.
fn load(mb: &crate::store::MailboxShared, uid: u32, stamp: u64, header_only: bool) -> Option<Vec<u8>> {
    if !header_only {
        return read_file(mb, uid);
    }
    if let Some(h) = mb.with_cache(|c| c.get(uid, cached::SEARCH_HEADER, stamp)) {
        return Some(h);
    }
    let h = cached::search_header(&read_header(mb, uid)?);
    mb.with_cache(|c| c.put(uid, cached::SEARCH_HEADER, stamp, &h));
    Some(h)
}

/// The system flags of a message's maildir flags, `\Recent` as told.
fn system_flags(f: &crate::store::Flags, recent: bool) -> SystemFlags {
    SystemFlags {
        seen: f.has(SEEN),
        answered: f.has(REPLIED),
        flagged: f.has(FLAGGED),
        deleted: f.has(TRASHED),
        draft: f.has(DRAFT),
        recent,
    }
}

/// The cached header fields of a message the search has read already
/// (its file, or with `header_only` the cached fields themselves); what
/// was read from the file goes into the cache.
fn loaded_header(mb: &crate::store::MailboxShared, uid: u32, stamp: u64, raw: &[u8], header_only: bool) -> Vec<u8> {
    if header_only {
        return raw.to_vec();
    }
    let h = cached::search_header(raw);
    mb.with_cache(|c| c.put(uid, cached::SEARCH_HEADER, stamp, &h));
    h
}

/// The header fields of the hits at `todo`, fetched together (see
/// [`fetch_headers`]); those read from files are cached.
fn fill_headers(mb: &crate::store::MailboxShared, hits: &mut [Found], todo: Vec<usize>) {
    let wanted: Vec<(u32, u64)> = todo.iter().map(|&h| (hits[h].uid, hits[h].stamp)).collect();
    let fetched = fetch_headers(mb, &wanted);
    mb.with_cache(|c| {
        for ((uid, stamp), (h, from_file)) in wanted.iter().zip(&fetched) {
            if *from_file && !h.is_empty() {
                c.put(*uid, cached::SEARCH_HEADER, *stamp, h);
            }
        }
    });
    for (h, (header, _)) in todo.into_iter().zip(fetched) {
        hits[h].header = header;
    }
}

/// The cached header fields of each `(uid, stamp)`, from the cache or
/// else the file (then `true`: the caller caches it). Files are read by a
/// few threads at once when there are many: the first SORT of a large
/// mailbox waits on open(2) and read(2), which the cores can share.
fn fetch_headers(mb: &crate::store::MailboxShared, wanted: &[(u32, u64)]) -> Vec<(Vec<u8>, bool)> {
    let one = |&(uid, stamp): &(u32, u64)| match mb.with_cache(|c| c.get(uid, cached::SEARCH_HEADER, stamp)) {
        Some(h) => (h, false),
        None => (read_header(mb, uid).map(|v| cached::search_header(&v)).unwrap_or_default(), true),
    };
    let workers = std::thread::available_parallelism().map_or(1, |n| n.get()).min(4);
    if workers < 2 || wanted.len() < 256 {
        return wanted.iter().map(one).collect();
    }
    let chunk = wanted.len().div_ceil(workers);
    std::thread::scope(|scope| {
        let parts: Vec<_> =
            wanted.chunks(chunk).map(|part| scope.spawn(move || part.iter().map(one).collect::<Vec<_>>())).collect();
        // A worker that panicked (a bug) leaves its messages without header.
        let mut out = Vec::with_capacity(wanted.len());
        for (p, part) in parts.into_iter().zip(wanted.chunks(chunk)) {
            match p.join() {
                Ok(v) => out.extend(v),
                Err(_) => out.extend(part.iter().map(|_| (Vec::new(), false))),
            }
        }
        out
    })
}

/// The INTERNALDATEs of `uids` (a stat of each file the first time; 0 for
/// a message no longer in the view).
pub fn internal_dates(view: &View, uids: &[u32]) -> Vec<i64> {
    uids.iter().map(|&u| view.snapshot.find(u).map_or(0, |e| view.mailbox.internal_date(e))).collect()
}

/// When a message was saved into its mailbox (RFC 8514 SAVEDATE): the
/// time at the start of its maildir file name, which the MTA, APPEND, COPY
/// and MOVE write when they make the file (flag changes keep it); the
/// INTERNALDATE when the name does not start with one.
pub fn save_date(mailbox: &crate::store::MailboxShared, entry: &crate::store::Entry) -> i64 {
    let base = entry.base();
    let digits = base.bytes().take_while(u8::is_ascii_digit).count();
    match base[..digits].parse::<i64>() {
        Ok(t) if digits > 0 && digits <= 12 && base[digits..].starts_with('.') => t,
        _ => mailbox.internal_date(entry),
    }
}

/// The start of the message file of `uid` up to and including the blank
/// line that ends its header (or the whole file, when it has none), read
/// in growing chunks so a large body is never read; `None` when it is gone.
fn read_header(mb: &crate::store::MailboxShared, uid: u32) -> Option<Vec<u8>> {
    let (mut file, _) = mb.open_message(uid).ok()??;
    // One read(2) of 8 kB holds most headers; a longer one grows the buffer.
    let mut v = vec![0u8; 8 * 1024];
    let mut len = 0;
    loop {
        if len == v.len() {
            v.resize(v.len() * 2, 0);
        }
        let got = match file.read(&mut v[len..]) {
            Ok(n) => n,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
            Err(_) => return None,
        };
        len += got;
        let end = crate::mime::header::header_end(&v[..len], 0, len);
        if got == 0 || end < len {
            v.truncate(end);
            return Some(v);
        }
    }
}

/// The whole message file of `uid`, or `None` when it is gone.
fn read_file(mb: &crate::store::MailboxShared, uid: u32) -> Option<Vec<u8>> {
    let (mut file, _) = mb.open_message(uid).ok()??;
    let mut v = Vec::new();
    file.read_to_end(&mut v).ok()?;
    Some(v)
}
