//! CONTEXT=SEARCH and CONTEXT=SORT (RFC 5267 section 4): a SEARCH or SORT
//! with `RETURN (UPDATE ...)` leaves its result behind as a context (kept
//! in [`crate::search::context::Contexts`]); as the selected mailbox
//! changes the session's sync after each command (`client::contexts`)
//! tells the client what joined and left the result, until CANCELUPDATE,
//! here, or the mailbox is left.

use super::{Outcome, Reply};
use crate::client::Ctx;

/// CANCELUPDATE (RFC 5267 4.3.5): the named contexts are dropped.
pub fn cancel_update(s: &mut Ctx<'_>, tags: &[String]) -> Outcome {
    let kept = |t: &String| s.state.contexts().is_some_and(|c| c.list.iter().any(|c| &c.tag == t));
    let unknown: Vec<&String> = tags.iter().filter(|t| !kept(t)).collect();
    if !unknown.is_empty() {
        let names: Vec<String> = unknown.iter().map(|t| quoted(t)).collect();
        return Err(Reply::no_text(format!("No updating search context has the tag {}", names.join(" "))));
    }
    if let Some(contexts) = s.state.contexts_mut() {
        contexts.list.retain(|c| !tags.contains(&c.tag));
    }
    Ok("CANCELUPDATE completed".into())
}

/// A tag as an IMAP quoted string (tags are ASTRING-CHARs: no quoting
/// inside is ever needed but `"` and `\` are escaped all the same).
fn quoted(tag: &str) -> String {
    let mut out = Vec::new();
    crate::proto::response::write_string(&mut out, tag.as_bytes());
    String::from_utf8_lossy(&out).into_owned()
}
