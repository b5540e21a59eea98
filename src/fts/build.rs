//! Filling an index from the messages of a mailbox, in bounded batches:
//! each transaction holds at most [`BATCH_MESSAGES`] messages and
//! [`BATCH_BYTES`] of decoded text, which bounds the memory indexing takes
//! (the documents and SQLite's pending FTS5 terms) whatever the mailbox's size.

use std::io::Read;

use super::db::{Index, Result};
use crate::search::document::{document, Document};
use crate::store::MailboxShared;

/// Messages per transaction at most.
pub const BATCH_MESSAGES: usize = 256;

/// Decoded text per transaction at most (one larger message is a batch
/// of its own).
pub const BATCH_BYTES: usize = 8 << 20;

/// What a run of [`add`] did.
#[derive(Clone, Debug, Default)]
pub struct Added {
    /// Messages added to the index.
    pub added: usize,
    /// UIDs that could not be read (expunged meanwhile): not in the index.
    pub unread: Vec<u32>,
}

/// Indexes the messages `uids` of `mailbox`, batch after batch; `pause`
/// runs between batches (the background indexer yields there).
pub fn add(index: &mut Index, mailbox: &MailboxShared, uids: &[u32], pause: &dyn Fn()) -> Result<Added> {
    let mut out = Added::default();
    let mut batch: Vec<(u32, Document)> = Vec::new();
    let mut bytes = 0;
    for &uid in uids {
        let Some(raw) = read(mailbox, uid) else {
            out.unread.push(uid);
            continue;
        };
        let doc = document(&raw);
        drop(raw);
        bytes += doc.len();
        batch.push((uid, doc));
        if batch.len() >= BATCH_MESSAGES || bytes >= BATCH_BYTES {
            out.added += index.add(&batch)?;
            batch.clear();
            bytes = 0;
            pause();
        }
    }
    if !batch.is_empty() {
        out.added += index.add(&batch)?;
    }
    Ok(out)
}

/// The whole message file of `uid`, or `None` when it is gone.
fn read(mailbox: &MailboxShared, uid: u32) -> Option<Vec<u8>> {
    let (mut file, _) = mailbox.open_message(uid).ok()??;
    let mut v = Vec::new();
    file.read_to_end(&mut v).ok()?;
    Some(v)
}
