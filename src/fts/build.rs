//! Filling an index from the messages of a mailbox, in bounded batches:
//! each transaction holds at most [`BATCH_MESSAGES`] messages and
//! [`BATCH_BYTES`] of decoded text, which bounds the memory indexing takes
//! (the documents and SQLite's pending FTS5 terms) whatever the mailbox's size.

use std::io::Read;

use parking_lot::Mutex;

use super::db::{Index, Result};
use crate::search::document::{document, Document};
use crate::store::cache::stamp;
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

/// Indexes the messages `uids` (ascending) of `mailbox` that the index
/// still lacks (another writer may have added some meanwhile), batch
/// after batch. With `turn`, each batch holds it and the thread sleeps a
/// moment between batches: a SEARCH holding the turn waits at most one
/// batch of the background indexer, which then finds that work done.
/// What a batch lacks is looked up before the turn is taken too, so a
/// writer that finds everything done (the background indexer after a
/// SEARCH built the index) never holds it.
pub fn add(index: &mut Index, mailbox: &MailboxShared, uids: &[u32], turn: Option<&Mutex<()>>) -> Result<Added> {
    let mut out = Added::default();
    for chunk in uids.chunks(BATCH_MESSAGES) {
        if index.lacking(chunk)?.is_empty() {
            continue;
        }
        let guard = turn.map(|t| t.lock());
        let mut batch: Vec<(u32, u64, Document)> = Vec::new();
        let mut bytes = 0;
        for uid in index.lacking(chunk)? {
            let Some((raw, stamp)) = read(mailbox, uid) else {
                out.unread.push(uid);
                continue;
            };
            let doc = document(&raw);
            drop(raw);
            bytes += doc.len();
            batch.push((uid, stamp, doc));
            if bytes >= BATCH_BYTES {
                out.added += index.add(&batch)?;
                batch.clear();
                bytes = 0;
            }
        }
        if !batch.is_empty() {
            out.added += index.add(&batch)?;
        }
        drop(guard);
        if turn.is_some() {
            std::thread::sleep(std::time::Duration::from_millis(2));
        }
    }
    Ok(out)
}

/// The whole message file of `uid` and its stamp (`store::cache::stamp`,
/// which a SEARCH compares before it uses the stored text), or `None`
/// when it is gone.
fn read(mailbox: &MailboxShared, uid: u32) -> Option<(Vec<u8>, u64)> {
    let (mut file, entry) = mailbox.open_message(uid).ok()??;
    let mut v = Vec::new();
    file.read_to_end(&mut v).ok()?;
    Some((v, stamp(entry.base(), entry.size)))
}
