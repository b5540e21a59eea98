//! SEARCH and UID SEARCH (RFC 3501 6.4.4) with ESEARCH return options
//! (RFC 4731). Message files are read only when a key needs their text.

use std::io::Read;

use super::cached;
use super::flags::FORWARDED;
use super::{Outcome, Reply};
use crate::proto::command::{SearchKey, SearchReturn};
use crate::search::{self, Message, SearchError, SystemFlags};
use crate::session::Session;
use crate::store::cache;
use crate::store::filename::{DRAFT, FLAGGED, PASSED, REPLIED, SEEN, TRASHED};

/// SEARCH / UID SEARCH.
pub fn search(
    s: &mut Session,
    tag: &str,
    uid: bool,
    returns: Option<&[SearchReturn]>,
    charset: Option<&str>,
    key: &SearchKey,
) -> Outcome {
    if returns.is_some_and(|r| r.contains(&SearchReturn::Save)) {
        return Err(Reply::Bad("SEARCH RETURN (SAVE) is not supported".into()));
    }
    let modseq_key = uses_modseq(key);
    if modseq_key {
        // RFC 7162 3.1: a CONDSTORE enabling command.
        super::select::condstore_on(s);
    }
    let program = search::prepare(key, charset).map_err(|e| match e {
        SearchError::BadCharset(_) => {
            Reply::No(format!("[BADCHARSET ({})] Unsupported charset", search::SUPPORTED_CHARSETS.join(" ")))
        }
    })?;
    let view = s.view_mut()?;
    let max_seq = view.exists();
    let max_uid = view.uids.last().copied().unwrap_or(0);
    let mailbox = view.mailbox().clone();
    let dates = program.needs_internal_date();
    // A search of only the usual header fields reads the cached subset of
    // them instead of the message files.
    let header_only = program
        .header_fields()
        .is_some_and(|f| !f.is_empty() && f.iter().all(|n| cached::SEARCH_FIELDS.contains(&n.as_str())));
    let mut hits = Vec::new();
    let mut top_modseq = 0;
    for i in 0..view.uids.len() {
        let u = view.uids[i];
        let Some(entry) = view.snapshot.find(u) else { continue };
        let f = &view.flags[i];
        let mut keywords = view.snapshot.keywords.names_of(f.keywords);
        if f.has(PASSED) {
            keywords.push(FORWARDED.into());
        }
        let mb = &mailbox;
        let stamp = cache::stamp(entry.base(), entry.size);
        let mut msg = Message::new(i as u32 + 1, u, move || {
            if header_only {
                if let Some(h) = mb.with_cache(|c| c.get(u, cached::SEARCH_HEADER, stamp)) {
                    return Some(h);
                }
            }
            let (mut file, _) = mb.open_message(u).ok()??;
            let mut v = Vec::new();
            file.read_to_end(&mut v).ok()?;
            if header_only {
                let h = cached::search_header(&v);
                mb.with_cache(|c| c.put(u, cached::SEARCH_HEADER, stamp, &h));
                return Some(h);
            }
            Some(v)
        });
        msg.max_seq = max_seq;
        msg.max_uid = max_uid;
        msg.flags = SystemFlags {
            seen: f.has(SEEN),
            answered: f.has(REPLIED),
            flagged: f.has(FLAGGED),
            deleted: f.has(TRASHED),
            draft: f.has(DRAFT),
            recent: view.recent.contains(&u),
        };
        msg.keywords = keywords;
        if dates {
            msg.internal_date = mailbox.internal_date(entry);
        }
        msg.size = entry.vsize.unwrap_or(entry.size);
        msg.modseq = Some(view.modseqs[i]);
        if search::matches(&program, &msg) {
            hits.push(if uid { u } else { i as u32 + 1 });
            top_modseq = top_modseq.max(view.modseqs[i]);
        }
    }
    if header_only {
        mailbox.with_cache(|c| c.flush());
    }
    let mut line = match returns {
        None => search::search_response(&hits),
        Some(r) => search::esearch_response(tag, uid, r, &hits),
    };
    // RFC 7162 3.1.5: the highest mod-sequence of the messages found.
    if modseq_key && !hits.is_empty() {
        line.push_str(&match returns {
            None => format!(" (MODSEQ {top_modseq})"),
            Some(_) => format!(" MODSEQ {top_modseq}"),
        });
    }
    s.untagged(&line);
    Ok(if uid { "UID SEARCH completed".into() } else { "SEARCH completed".into() })
}

/// Whether a search key asks for mod-sequences anywhere inside it.
fn uses_modseq(key: &SearchKey) -> bool {
    match key {
        SearchKey::ModSeq { .. } => true,
        SearchKey::And(keys) => keys.iter().any(uses_modseq),
        SearchKey::Not(k) => uses_modseq(k),
        SearchKey::Or(a, b) => uses_modseq(a) || uses_modseq(b),
        _ => false,
    }
}
