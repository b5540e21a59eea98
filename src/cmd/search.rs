//! SEARCH and UID SEARCH (RFC 3501 6.4.4) with ESEARCH return options
//! (RFC 4731). Message files are read only when a key needs their text.

use std::io::Read;

use super::flags::FORWARDED;
use super::{Outcome, Reply};
use crate::proto::command::{SearchKey, SearchReturn};
use crate::search::{self, Message, SearchError, SystemFlags};
use crate::session::Session;
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
    let program = search::prepare(key, charset).map_err(|e| match e {
        SearchError::BadCharset(_) => {
            Reply::No(format!("[BADCHARSET ({})] Unsupported charset", search::SUPPORTED_CHARSETS.join(" ")))
        }
    })?;
    let view = s.view_mut()?;
    let max_seq = view.exists();
    let max_uid = view.uids.last().copied().unwrap_or(0);
    let mailbox = view.mailbox().clone();
    let mut hits = Vec::new();
    for i in 0..view.uids.len() {
        let u = view.uids[i];
        let Some(entry) = view.snapshot.find(u) else { continue };
        let f = &view.flags[i];
        let mut keywords = view.snapshot.keywords.names_of(f.keywords);
        if f.has(PASSED) {
            keywords.push(FORWARDED.into());
        }
        let mb = &mailbox;
        let mut msg = Message::new(i as u32 + 1, u, move || {
            let (mut file, _) = mb.open_message(u).ok()??;
            let mut v = Vec::new();
            file.read_to_end(&mut v).ok()?;
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
        msg.internal_date = mailbox.internal_date(entry);
        msg.size = entry.vsize.unwrap_or(entry.size);
        if search::matches(&program, &msg) {
            hits.push(if uid { u } else { i as u32 + 1 });
        }
    }
    let line = match returns {
        None => search::search_response(&hits),
        Some(r) => search::esearch_response(tag, uid, r, &hits),
    };
    s.untagged(&line);
    Ok(if uid { "UID SEARCH completed".into() } else { "SEARCH completed".into() })
}
