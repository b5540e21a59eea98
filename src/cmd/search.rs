//! SEARCH and UID SEARCH (RFC 3501 6.4.4) with ESEARCH return options
//! (RFC 4731). Message files are read only when a key needs their text.

use super::{Outcome, Reply};
use crate::mail::messages::{self, program, Want};
use crate::proto::command::{SearchKey, SearchReturn};
use crate::proto::untagged::Response;
use crate::search;
use crate::search::context::Context;
use crate::session::Session;

/// SEARCH / UID SEARCH.
pub fn search(
    s: &mut Session,
    tag: &str,
    uid: bool,
    returns: Option<&[SearchReturn]>,
    charset: Option<&str>,
    key: &SearchKey,
) -> Outcome {
    let d = s.dialect();
    if charset.is_some() && d.utf8 && !d.rev2 {
        // RFC 6855 3: after ENABLE UTF8=ACCEPT the strings are UTF-8; a
        // CHARSET would contradict that.
        return Err(Reply::bad("SEARCH CHARSET cannot be given once UTF8=ACCEPT is enabled"));
    }
    let save = returns.is_some_and(|r| r.contains(&SearchReturn::Save));
    let update = returns.is_some_and(|r| r.contains(&SearchReturn::Update));
    if update {
        s.contexts().map_or(Ok(()), |c| c.check_tag(tag))?;
    }
    let modseq_key = uses_modseq(key);
    if modseq_key {
        // RFC 7162 3.1: a CONDSTORE enabling command.
        s.condstore_on();
    }
    let index = s.shared.search_index.clone();
    let run = program(s.saved(), key, charset).and_then(|p| {
        let found =
            messages::find_indexed(&s.view_mut()?.messages(), &p, Want::default(), &|_, _| false, index.as_deref())?;
        Ok((found, p))
    });
    let (found, prog) = match run {
        Ok(f) => f,
        Err(e) => {
            // RFC 5182 2.1: a failed SEARCH ... SAVE leaves `$` empty.
            if save {
                s.set_saved(Vec::new());
            }
            return Err(e);
        }
    };
    let hits: Vec<u32> = found.iter().map(|m| if uid { m.uid } else { m.seq }).collect();
    if let (true, Some(r)) = (save, returns) {
        let uids: Vec<u32> = found.iter().map(|m| m.uid).collect();
        s.set_saved(search::saved_result(r, &uids));
    }
    // RFC 7162 3.1.5: the highest mod-sequence of the messages returned;
    // for ESEARCH's MIN or MAX only those messages (RFC 4731 3.2).
    let numbered: Vec<(u32, u64)> = found.iter().zip(&hits).map(|(m, &n)| (n, m.modseq)).collect();
    let top = match returns {
        Some(r) => search::returned_modseq(r, &numbered),
        None => numbered.iter().map(|h| h.1).max(),
    }
    .filter(|_| modseq_key);
    let mut line = match returns {
        // SEARCH or ESEARCH by the session's dialect: the writer decides.
        None => {
            s.respond(Response::Search { tag: tag.to_string(), uid, numbers: hits, modseq: top });
            None
        }
        // SAVE alone (or with CONTEXT, UPDATE) answers nothing but the
        // tagged OK (RFC 5182 2.4).
        Some(r) if r.contains(&SearchReturn::Save) && search::asks_no_result(r) => None,
        Some(r) => Some(search::esearch_response(tag, uid, r, &hits)),
    };
    if let (Some(top), Some(line)) = (top, line.as_mut()) {
        line.push_str(&format!(" MODSEQ {top}"));
    }
    if let Some(line) = line {
        s.respond(Response::Esearch(line));
    }
    if update {
        let results = found.iter().map(|m| m.uid).collect();
        let kept = Context { tag: tag.to_string(), uid, program: prog, criteria: None, results };
        let kept = s.selected_mut().map(|sel| sel.contexts.keep(kept, Some(sel.view.snapshot.counter)));
        if let Some(Err(refusal)) = kept {
            s.respond(Response::Condition(refusal));
        }
    }
    Ok(if uid { "UID SEARCH completed".into() } else { "SEARCH completed".into() })
}

/// Whether a search key uses MODSEQ (RFC 7162 3.1.5), anywhere inside.
fn uses_modseq(key: &SearchKey) -> bool {
    match key {
        SearchKey::ModSeq { .. } => true,
        SearchKey::And(keys) => keys.iter().any(uses_modseq),
        SearchKey::Not(k) => uses_modseq(k),
        SearchKey::Or(a, b) => uses_modseq(a) || uses_modseq(b),
        _ => false,
    }
}
