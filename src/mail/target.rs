//! Which messages of the selected mailbox a sequence set names, by
//! sequence number or by UID, given the UIDs the session's view holds by
//! sequence number.

use crate::proto::response::Reply;
use crate::proto::sequence::SequenceSet;

/// The saved search result (RFC 5182) `saved` when `set` is `$`; else
/// nothing (so the common case copies nothing).
pub fn saved_for(saved: &[u32], set: &SequenceSet) -> Vec<u32> {
    if set.is_saved() {
        saved.to_vec()
    } else {
        Vec::new()
    }
}

/// The view indexes (sequence number - 1) that `set` names among `uids`
/// (the view's UIDs, index 0 is message 1). A sequence number beyond the
/// mailbox is an error (RFC 9051 6.4.4 asks for BAD); a UID set may name
/// UIDs that do not exist (RFC 3501 6.4.8).
pub fn resolve(uids: &[u32], set: &SequenceSet, uid: bool, saved: &[u32]) -> Result<Vec<usize>, Reply> {
    if set.is_saved() {
        // `$` (RFC 5182): the saved UIDs still in the view, maybe none.
        return Ok(saved.iter().filter_map(|u| uids.binary_search(u).ok()).collect());
    }
    if uid {
        let max = uids.last().copied().unwrap_or(0);
        let mut out = Vec::new();
        for (lo, hi) in set.intervals(max) {
            let start = uids.partition_point(|&u| u < lo);
            let end = uids.partition_point(|&u| u <= hi);
            out.extend(start..end);
        }
        out.sort_unstable();
        out.dedup();
        return Ok(out);
    }
    let exists = uids.len() as u32;
    if exists == 0 {
        return Err(Reply::bad("No messages in the mailbox: message sequence numbers are invalid"));
    }
    if set.exceeds(exists) {
        return Err(Reply::bad(format!("Invalid message sequence number: the mailbox has {exists} messages")));
    }
    let mut out: Vec<usize> = set.iter(exists).map(|n| n as usize - 1).collect();
    out.sort_unstable();
    out.dedup();
    Ok(out)
}
