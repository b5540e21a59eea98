//! FETCH and UID FETCH (RFC 3501 6.4.5, 6.4.8), in the parts Dovecot's
//! `imap-fetch.c` has: a plan made once ([`plan`]: items, CONDSTORE, which
//! messages), the `\Seen` it sets ([`seen`]), then the responses rendered
//! by `mail::fetch` (per message what the plan needs gathered, one
//! handler per item, literals straight from the map).
//!
//! A message another session expunged is answered from what the view and
//! the cache still hold (RFC 2180 4.1.2); only one whose items need the
//! gone file is left out, and the command ends `NO [EXPUNGEISSUED]`.

mod plan;
mod seen;

use super::{Outcome, Reply};
use crate::client::Ctx;
use crate::mail::fetch::{render, Shown};
use crate::proto::command::FetchAttr;
use crate::proto::response::Code;
use crate::proto::sequence::SequenceSet;

/// FETCH / UID FETCH.
pub fn fetch(
    s: &mut Ctx<'_>,
    uid: bool,
    set: &SequenceSet,
    items: &[FetchAttr],
    changed_since: Option<u64>,
    vanished: bool,
) -> Outcome {
    let (plan, targets) = plan::plan(s, uid, set, items, changed_since, vanished)?;
    // Set \Seen first, so the FLAGS sent below already show it.
    let seen_now = seen::mark(s, &plan, &targets)?;
    let tag = s.tag();
    let view = s.state.view_mut()?;
    let at = Shown { view: view.messages(), pending: &view.pending_entries, tag: &tag };
    let run = render(s.out, &at, &plan, &seen_now, &targets)?;
    // What Dovecot does with `imap_fetch_failure = no-after`: the other
    // messages are answered, then `NO [SERVERBUG]`. (Its default sends BYE
    // at once, which would come back at every `FETCH 1:*` and keep every
    // later message out of reach: the damage issue 19 item 8 forbids.) A
    // file that is gone is an expunge another process made, as before.
    if run.unreadable > 0 {
        return Err(Reply::no(Code::ServerBug, "Some of the requested messages could not be read"));
    }
    if run.missing > 0 {
        return Err(Reply::no(Code::ExpungeIssued, "Some of the requested messages no longer exist"));
    }
    Ok(if uid { "UID FETCH completed".into() } else { "FETCH completed".into() })
}
