//! The `\Seen` a FETCH sets (RFC 3501 6.4.5: a body fetch without PEEK),
//! set before any message is answered so the FLAGS sent already show it,
//! and refused as a whole when a BINARY part of one of those messages
//! cannot be decoded (a command that fails has no effect).

use super::Reply;
use crate::client::Ctx;
use crate::mail::fetch::{binary_data, Plan};
use crate::mail::message::Message;
use crate::mail::names::store_error;
use crate::mime;
use crate::proto::command::FetchAttr;
use crate::store::filename::SEEN;
use crate::store::FlagOp;

/// Sets `\Seen` on the targets that lack it, when the plan says so; the
/// UIDs it set it on (their responses add FLAGS, and with CONDSTORE UID
/// and MODSEQ).
pub(super) fn mark(s: &mut Ctx<'_>, plan: &Plan, targets: &[usize]) -> Result<Vec<u32>, Reply> {
    let mut seen_now = Vec::new();
    if !plan.mark_seen {
        return Ok(seen_now);
    }
    let view = s.state.view_mut()?;
    let unseen: Vec<u32> = targets.iter().filter(|&&i| !view.flags[i].has(SEEN)).map(|&i| view.uids[i]).collect();
    if unseen.is_empty() {
        return Ok(seen_now);
    }
    check_binary(plan, &unseen)?;
    for e in view.mailbox().store_flags(&unseen, FlagOp::Add, SEEN, &[]).map_err(store_error)? {
        seen_now.push(e.uid);
        view.note_flags(&e);
    }
    seen_now.sort_unstable();
    Ok(seen_now)
}

/// Refuses, before anything is changed, a BINARY fetch that would set
/// `\Seen` on messages whose parts cannot be decoded (`[UNKNOWN-CTE]`).
fn check_binary(plan: &Plan, uids: &[u32]) -> Result<(), Reply> {
    let parts: Vec<&Vec<u32>> = plan
        .items
        .iter()
        .filter_map(|a| match a {
            FetchAttr::Binary { part, .. } | FetchAttr::BinarySize { part } if !part.is_empty() => Some(part),
            _ => None,
        })
        .collect();
    if parts.is_empty() {
        return Ok(());
    }
    for &uid in uids {
        // A file that cannot be read is answered for by the fetch itself.
        let Ok(Some((file, _))) = plan.mailbox.open_message(uid) else { continue };
        // The map and one decoded part at a time (see --max-client-memory).
        let _held = crate::mail::held::message(&plan.budget, file.metadata().map_or(0, |m| m.len()), 2)?;
        let Ok(message) = Message::load(&file) else { continue };
        let tree = mime::scan(message.bytes());
        for part in &parts {
            binary_data(message.bytes(), Some(&tree), part)?;
        }
    }
    Ok(())
}
