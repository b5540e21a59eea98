//! The full-text search index (issue 24): one SQLite FTS5 file per
//! mailbox beside it ([`db::FILE`]), holding the decoded text the SEARCH
//! evaluator reads (`search::document`), keyed by UID under the mailbox's
//! UIDVALIDITY.
//!
//! The index only narrows: the message walk (`mail::messages`) asks it
//! for the UIDs whose text may satisfy a search (`search::narrow`) and
//! the evaluator still tests each of them, so answers are the scan's.
//! Messages the index lacks are added by the SEARCH that needs them, and
//! before that by one background thread ([`SearchIndex`], held in
//! `Shared`) woken by the changes of mailboxes searched before. A missing,
//! damaged or foreign index is built again; on any error the search reads
//! the messages as if there were no index.

pub mod build;
pub mod db;
mod worker;

#[cfg(test)]
mod tests;

use std::collections::{HashMap, HashSet};
use std::path::PathBuf;
use std::sync::{Arc, Weak};

use crossbeam_channel::{bounded, Sender};
use parking_lot::Mutex;

use crate::search::narrow::Need;
use crate::store::{MailboxShared, Snapshot};
use db::Index;

/// Mailboxes waiting for the background indexer at most; a change that
/// finds the queue full is left to the next change or SEARCH.
const QUEUE: usize = 64;

/// The index service: the background indexer's queue and the mailboxes
/// whose changes wake it.
pub struct SearchIndex {
    queue: Sender<Weak<MailboxShared>>,
    watched: Mutex<HashMap<PathBuf, Weak<MailboxShared>>>,
    turns: Arc<Turns>,
}

/// Per mailbox directory, the turn to write its index in this process:
/// a SEARCH holds it while it adds what it lacks, the background indexer
/// one batch at a time, so the two never decode the same messages twice.
#[derive(Default)]
pub(crate) struct Turns(Mutex<HashMap<PathBuf, Arc<Mutex<()>>>>);

impl Turns {
    /// The turn of the mailbox directory `dir`.
    pub(crate) fn of(&self, dir: &std::path::Path) -> Arc<Mutex<()>> {
        let mut map = self.0.lock();
        if map.len() > 1024 {
            // Turns nobody holds or waits for are made again when needed.
            map.retain(|_, t| Arc::strong_count(t) > 1);
        }
        map.entry(dir.to_path_buf()).or_default().clone()
    }
}

impl SearchIndex {
    /// Starts the background indexer thread (without it, when the thread
    /// cannot start, indexing happens in SEARCH alone).
    pub fn start() -> Arc<SearchIndex> {
        let (queue, rx) = bounded(QUEUE);
        let turns = Arc::new(Turns::default());
        let theirs = turns.clone();
        if let Err(e) = std::thread::Builder::new().name("search-index".into()).spawn(move || worker::run(rx, &theirs))
        {
            log::warn!("search indexer not started, SEARCH indexes what it needs: {e}");
        }
        Arc::new(SearchIndex { queue, watched: Mutex::new(HashMap::new()), turns })
    }

    /// The UIDs among `uids` (the view's, under `snapshot`) that may
    /// satisfy `need`: the index's answer plus any message it could not
    /// index, with the index for their stored text. Indexes the messages
    /// it lacks first. `None` (read every message) when the index cannot
    /// be used.
    pub fn candidates(
        &self,
        mailbox: &Arc<MailboxShared>,
        snapshot: &Snapshot,
        uids: &[u32],
        need: &Need,
    ) -> Option<Candidates> {
        self.watch(mailbox);
        let turn = self.turns.of(mailbox.dir());
        let held = turn.lock();
        let found = candidates(mailbox, snapshot, uids, need);
        drop(held);
        match found {
            Ok(set) => Some(set),
            Err(e) => {
                log::warn!("search index of {}: {e}; reading the messages", mailbox.dir().display());
                if db::damaged(&e) {
                    // A page damaged past what opening checks: the next
                    // SEARCH builds it again.
                    db::Index::remove(&db::path(mailbox.dir()));
                }
                None
            }
        }
    }

    /// Asks the background indexer to bring `mailbox`'s index up to date
    /// now and whenever the mailbox changes from now on.
    pub fn watch(&self, mailbox: &Arc<MailboxShared>) {
        let mut watched = self.watched.lock();
        let dir = mailbox.dir().to_path_buf();
        if watched.get(&dir).and_then(Weak::upgrade).is_some_and(|m| Arc::ptr_eq(&m, mailbox)) {
            return;
        }
        watched.retain(|_, w| w.strong_count() > 0);
        let weak = Arc::downgrade(mailbox);
        watched.insert(dir, weak.clone());
        let queue = self.queue.clone();
        // The hook holds the mailbox weakly: it lives in the mailbox.
        let hook_weak = weak.clone();
        mailbox.add_hook(Arc::new(move || {
            let _ = queue.try_send(hook_weak.clone());
        }));
        let _ = self.queue.try_send(weak);
    }
}

/// What the index says of a search: the messages that may match, and
/// the index, which holds their text for the evaluator (`Index::head`,
/// `Index::bodies`).
pub struct Candidates {
    /// The UIDs that may match.
    pub uids: HashSet<u32>,
    /// The open index.
    pub index: Index,
}

/// See [`SearchIndex::candidates`].
fn candidates(mailbox: &MailboxShared, snapshot: &Snapshot, uids: &[u32], need: &Need) -> db::Result<Candidates> {
    let mut index = Index::open(mailbox.dir(), snapshot.uidvalidity)?;
    let added = catch_up(&mut index, mailbox, snapshot, uids, None)?;
    let mut set: HashSet<u32> = index.matching(need)?.into_iter().collect();
    set.extend(added.unread);
    Ok(Candidates { uids: set, index })
}

/// Brings `index` up to `snapshot`: drops the UIDs expunged in it (but not
/// those of `uids`, a view that still shows them) and adds the messages of
/// `uids` it lacks (a batch per `turn` when given, see [`build::add`]).
pub fn catch_up(
    index: &mut Index,
    mailbox: &MailboxShared,
    snapshot: &Snapshot,
    uids: &[u32],
    turn: Option<&Mutex<()>>,
) -> db::Result<build::Added> {
    if index.holds_exactly(uids)? {
        return Ok(build::Added::default());
    }
    let have = index.indexed()?;
    let gone: Vec<u32> = have
        .iter()
        .copied()
        .filter(|&u| u < snapshot.uidnext && snapshot.find(u).is_none() && uids.binary_search(&u).is_err())
        .collect();
    if !gone.is_empty() {
        index.remove_uids(&gone)?;
    }
    let missing: Vec<u32> = uids.iter().copied().filter(|u| have.binary_search(u).is_err()).collect();
    if missing.is_empty() {
        return Ok(build::Added::default());
    }
    build::add(index, mailbox, &missing, turn)
}
