//! STORE and UID STORE (RFC 3501 6.4.6, 6.4.8): flag changes are renames
//! that a racing session or MTA cannot lose (the store retries).

use std::collections::HashSet;

use super::{Outcome, Reply};
use crate::client::Ctx;
use crate::mail::flags::to_store;
use crate::mail::names::store_error;
use crate::mail::target::{resolve, saved_for};
use crate::proto::command::{Flag, StoreMode};
use crate::proto::response::Code;
use crate::proto::sequence::SequenceSet;
use crate::proto::untagged::{FetchItem, Response};
use crate::store::FlagOp;

/// STORE / UID STORE, with RFC 7162's UNCHANGEDSINCE.
pub fn store(
    s: &mut Ctx<'_>,
    uid: bool,
    set: &SequenceSet,
    unchanged_since: Option<u64>,
    mode: StoreMode,
    silent: bool,
    flags: &[Flag],
) -> Outcome {
    if unchanged_since.is_some() {
        s.condstore_on();
    }
    let saved = saved_for(s.state.saved(), set);
    let mask = s.state.access().map_or(u8::MAX, |a| a.flag_mask());
    let view = s.state.view_mut()?;
    if view.read_only {
        return Err(Reply::no(Code::ReadOnly, "The mailbox is read-only"));
    }
    let targets = resolve(&view.uids, set, uid, &saved)?;
    let (system, keywords) = to_store(flags)?;
    let keywords: Vec<&str> = keywords.iter().map(String::as_str).collect();
    let op = match mode {
        StoreMode::Replace => FlagOp::Replace,
        StoreMode::Add => FlagOp::Add,
        StoreMode::Remove => FlagOp::Remove,
    };
    let uids: Vec<u32> = targets.iter().map(|&i| view.uids[i]).collect();
    // RFC 4314 4: flags the user may not change are silently left alone.
    let (changed, failed) =
        crate::mail::resolve::store_flags(view.mailbox(), &uids, op, system, &keywords, mask, unchanged_since)
            .map_err(store_error)?;
    // Our own changes are answered below (or not, with .SILENT); the view
    // must not report them again as someone else's.
    let changed_uids: HashSet<u32> = changed.iter().map(|e| e.uid).collect();
    for e in &changed {
        view.note_flags(e);
    }
    // New keywords change the FLAGS list: that comes first.
    s.sync_view(false);
    let view = s.state.view_mut()?;
    let condstore = view.ext.condstore;
    let failed: HashSet<u32> = failed.into_iter().collect();
    let mut lines = Vec::new();
    for i in targets {
        let u = view.uids[i];
        if failed.contains(&u) {
            continue;
        }
        if !silent {
            lines.push(view.fetch_flags(i, false, uid));
        } else if condstore && changed_uids.contains(&u) {
            // RFC 7162 3.1.3: the new mod-sequence even with .SILENT.
            let mut items = if uid { vec![FetchItem::Uid(u)] } else { Vec::new() };
            items.push(FetchItem::ModSeq(view.modseqs[i]));
            lines.push(Response::FetchFlags(i as u32 + 1, items));
        }
    }
    let modified: Vec<u32> = if uid {
        let mut v: Vec<u32> = failed.iter().copied().collect();
        v.sort_unstable();
        v
    } else {
        let mut v: Vec<u32> = failed.iter().filter_map(|&u| view.seq_of(u)).collect();
        v.sort_unstable();
        v
    };
    for r in lines {
        s.respond(r);
    }
    if !modified.is_empty() {
        return Ok(Reply::ok_code(Code::Modified(modified), "Conditional STORE failed"));
    }
    Ok(if uid { "UID STORE completed".into() } else { "STORE completed".into() })
}
