//! SEARCH and UID SEARCH (RFC 3501 6.4.4) with ESEARCH return options
//! (RFC 4731). Message files are read only when a key needs their text.

use super::messages::{self, Want};
use super::{Outcome, Reply};
use crate::proto::command::{SearchKey, SearchReturn};
use crate::search::{self, Program, SearchError};
use crate::session::Session;

/// The prepared search of a SEARCH, SORT or THREAD command, `$` standing
/// for the session's saved result (RFC 5182); an unknown CHARSET is
/// `NO [BADCHARSET (...)]`.
pub fn program(s: &Session, key: &SearchKey, charset: Option<&str>) -> Result<Program, Reply> {
    let p = search::prepare(key, charset).map_err(|e| match e {
        SearchError::BadCharset(_) => {
            Reply::No(format!("[BADCHARSET ({})] Unsupported charset", search::SUPPORTED_CHARSETS.join(" ")))
        }
    })?;
    Ok(p.with_saved(s.saved.clone()))
}

/// SEARCH / UID SEARCH.
pub fn search(
    s: &mut Session,
    tag: &str,
    uid: bool,
    returns: Option<&[SearchReturn]>,
    charset: Option<&str>,
    key: &SearchKey,
) -> Outcome {
    let save = returns.is_some_and(|r| r.contains(&SearchReturn::Save));
    let found = match program(s, key, charset).and_then(|p| messages::find(s, &p, Want::default(), &|_, _| false)) {
        Ok(f) => f,
        Err(e) => {
            // RFC 5182 2.1: a failed SEARCH ... SAVE leaves `$` empty.
            if save {
                s.saved.clear();
            }
            return Err(e);
        }
    };
    let hits: Vec<u32> = found.iter().map(|m| if uid { m.uid } else { m.seq }).collect();
    if let (true, Some(r)) = (save, returns) {
        let uids: Vec<u32> = found.iter().map(|m| m.uid).collect();
        s.saved = search::saved_result(r, &uids);
    }
    let line = match returns {
        None => Some(search::search_response(&hits)),
        // SAVE alone answers nothing but the tagged OK (RFC 5182 2.4).
        Some([SearchReturn::Save]) => None,
        Some(r) => Some(search::esearch_response(tag, uid, r, &hits)),
    };
    if let Some(line) = line {
        s.untagged(&line);
    }
    Ok(if uid { "UID SEARCH completed".into() } else { "SEARCH completed".into() })
}
