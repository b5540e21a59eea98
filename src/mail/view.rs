//! The selected mailbox's messages as the session's view last reported
//! them, borrowed: what the message walk reads, without the session.

use std::collections::HashSet;
use std::sync::Arc;

use crate::store::{Flags, MailboxShared, Snapshot};

/// A borrowed look at the selected mailbox: `uids`, `flags` and `modseqs`
/// are parallel, index 0 is message 1.
pub struct View<'a> {
    /// The shared mailbox.
    pub mailbox: &'a Arc<MailboxShared>,
    /// The snapshot the view was last brought up to date with.
    pub snapshot: &'a Snapshot,
    /// UIDs by sequence number.
    pub uids: &'a [u32],
    /// Flags as last reported.
    pub flags: &'a [Flags],
    /// Mod-sequences as last reported.
    pub modseqs: &'a [u64],
    /// The messages the session shows `\Recent`.
    pub recent: &'a HashSet<u32>,
}
