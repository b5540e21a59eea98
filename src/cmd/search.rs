//! SEARCH and UID SEARCH (RFC 3501 6.4.4) with ESEARCH return options
//! (RFC 4731). Message files are read only when a key needs their text.

use super::messages::{self, Want};
use super::{Outcome, Reply};
use crate::proto::command::{SearchKey, SearchReturn};
use crate::search::{self, Program, SearchError};
use crate::session::Session;

/// The prepared search of a SEARCH, SORT or THREAD command; an unknown
/// CHARSET is `NO [BADCHARSET (...)]`.
pub fn program(key: &SearchKey, charset: Option<&str>) -> Result<Program, Reply> {
    search::prepare(key, charset).map_err(|e| match e {
        SearchError::BadCharset(_) => {
            Reply::No(format!("[BADCHARSET ({})] Unsupported charset", search::SUPPORTED_CHARSETS.join(" ")))
        }
    })
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
    if returns.is_some_and(|r| r.contains(&SearchReturn::Save)) {
        return Err(Reply::Bad("SEARCH RETURN (SAVE) is not supported".into()));
    }
    let program = program(key, charset)?;
    let found = messages::find(s, &program, Want::default())?;
    let hits: Vec<u32> = found.iter().map(|m| if uid { m.uid } else { m.seq }).collect();
    let line = match returns {
        None => search::search_response(&hits),
        Some(r) => search::esearch_response(tag, uid, r, &hits),
    };
    s.untagged(&line);
    Ok(if uid { "UID SEARCH completed".into() } else { "SEARCH completed".into() })
}
