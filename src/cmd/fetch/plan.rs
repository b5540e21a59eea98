//! What the FETCH handler decides before a plan is made (Dovecot's
//! `imap_fetch_init_handler` step): the items after the implied ones are
//! added (RFC 7162 CHANGEDSINCE and MODSEQ, UID for UID FETCH) and which
//! messages are answered (VANISHED (EARLIER) sent first); the plan itself
//! is `mail::fetch::Plan`.

use super::Reply;
use crate::client::Ctx;
use crate::mail::fetch::plan::{implied, How, Plan};
use crate::mail::target::{resolve, saved_for};
use crate::proto::command::FetchAttr;
use crate::proto::sequence::SequenceSet;
use crate::proto::untagged::Response;

/// The items as the FETCH answers them: repeated ones dropped, MODSEQ
/// added by CHANGEDSINCE (enabling CONDSTORE, RFC 7162 3.1), UID first
/// for UID FETCH.
fn items_of(s: &mut Ctx<'_>, uid: bool, items: &[FetchAttr], changed_since: Option<u64>) -> Vec<FetchAttr> {
    let (items, condstore) = implied(items, uid, changed_since);
    if condstore {
        s.condstore_on();
    }
    items
}

/// The view indexes of the messages to answer, in order; with VANISHED,
/// the `VANISHED (EARLIER)` response is queued first (RFC 7162 3.2.6).
fn targets(
    s: &mut Ctx<'_>,
    uid: bool,
    set: &SequenceSet,
    changed_since: Option<u64>,
    vanished: bool,
) -> Result<Vec<usize>, Reply> {
    let saved = saved_for(s.state.saved(), set);
    let view = s.state.view_mut()?;
    let mut targets = resolve(&view.uids, set, uid, &saved)?;
    if let Some(since) = changed_since {
        if vanished {
            let max = view.uids.last().copied().unwrap_or(0).max(view.snapshot.uidnext.saturating_sub(1));
            let gone = view.vanished(since, &set.intervals(max));
            if !gone.is_empty() {
                s.respond(Response::Vanished { earlier: true, uids: gone });
            }
        }
        let view = s.state.view_mut()?;
        targets.retain(|&i| view.modseqs[i] > since);
    }
    Ok(targets)
}

/// Checks the arguments and makes the plan and the list of messages.
pub(super) fn plan(
    s: &mut Ctx<'_>,
    uid: bool,
    set: &SequenceSet,
    items: &[FetchAttr],
    changed_since: Option<u64>,
    vanished: bool,
) -> Result<(Plan, Vec<usize>), Reply> {
    if vanished && !uid {
        return Err(Reply::bad("VANISHED is valid only with UID FETCH"));
    }
    if vanished && !s.sync_ext.qresync {
        return Err(Reply::bad("VANISHED needs ENABLE QRESYNC first"));
    }
    let items = items_of(s, uid, items, changed_since);
    let targets = targets(s, uid, set, changed_since, vanished)?;
    // RFC 4314 4: reading sets \Seen only for a user with the "s" right.
    let may_see = crate::mail::resolve::selected_rights(s.state.access()).has(crate::acl::Right::Seen);
    let (dialect, budget, cap) = (s.dialect(), s.shared.budget.clone(), s.shared.config.net.max_fetch_buffer);
    let view = s.state.view_mut()?;
    let mark_seen = !view.read_only && may_see && items.iter().any(crate::fetch::sets_seen);
    let how = How { condstore: view.ext.condstore, dialect, cap, budget };
    Ok((Plan::new(items, view.mailbox().clone(), mark_seen, how), targets))
}
