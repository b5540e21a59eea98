//! STORE and UID STORE (RFC 3501 6.4.6, 6.4.8): flag changes are renames
//! that a racing session or MTA cannot lose (the store retries).

use super::flags::to_store;
use super::names::store_error;
use super::target::{resolve, saved_for};
use super::{Outcome, Reply};
use crate::proto::command::{Flag, StoreMode};
use crate::proto::sequence::SequenceSet;
use crate::session::Session;
use crate::store::FlagOp;

/// STORE / UID STORE.
pub fn store(s: &mut Session, uid: bool, set: &SequenceSet, mode: StoreMode, silent: bool, flags: &[Flag]) -> Outcome {
    let saved = saved_for(s, set);
    let mask = s.access.as_ref().map_or(u8::MAX, |a| a.flag_mask());
    let view = s.view_mut()?;
    if view.read_only {
        return Err(Reply::No("[READ-ONLY] The mailbox is read-only".into()));
    }
    let targets = resolve(view, set, uid, &saved)?;
    let (system, keywords) = to_store(flags)?;
    let keywords: Vec<&str> = keywords.iter().map(String::as_str).collect();
    let op = match mode {
        StoreMode::Replace => FlagOp::Replace,
        StoreMode::Add => FlagOp::Add,
        StoreMode::Remove => FlagOp::Remove,
    };
    let uids: Vec<u32> = targets.iter().map(|&i| view.uids[i]).collect();
    // RFC 4314 4: flags the user may not change are silently left alone.
    let changed =
        super::resolve::store_flags(view.mailbox(), &uids, op, system, &keywords, mask).map_err(store_error)?;
    // Our own changes are answered below (or not, with .SILENT); the view
    // must not report them again as someone else's.
    for e in changed {
        view.note_flags(e.uid, e.flags);
    }
    // New keywords change the FLAGS list: that comes first.
    s.report_changes(false);
    if !silent {
        let view = s.view_mut()?;
        let snap = view.mailbox().snapshot();
        let mut lines = Vec::new();
        for i in targets {
            let u = view.uids[i];
            if let Some(e) = snap.find(u) {
                view.note_flags(u, e.flags.clone());
                let uid_item = if uid { format!(" UID {u}") } else { String::new() };
                lines.push(format!("{} FETCH (FLAGS ({}){uid_item})", i + 1, view.flags_of(i)));
            }
        }
        for l in lines {
            s.untagged(&l);
        }
    }
    Ok(if uid { "UID STORE completed".into() } else { "STORE completed".into() })
}
