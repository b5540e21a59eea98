//! The background indexer: one thread at the lowest CPU priority that
//! brings the index of each mailbox it is told of up to that mailbox's
//! current snapshot, a batch at a time. It never holds a mailbox alive
//! (weak references) and skips a mailbox whose messages did not change
//! since it last caught up (flag changes wake it too).

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::Weak;

use crossbeam_channel::Receiver;

use super::db::Index;
use super::Turns;
use crate::store::MailboxShared;

/// Runs until every sender is gone (the server's `Shared` dropped).
pub(super) fn run(rx: Receiver<Weak<MailboxShared>>, turns: &Turns) {
    // SAFETY: setpriority has no memory preconditions; `who` 0 is the
    // calling thread on Linux. A failure leaves the normal priority.
    unsafe {
        libc::setpriority(libc::PRIO_PROCESS, 0, 19);
    }
    // (UIDVALIDITY, UIDNEXT, messages) each mailbox was last brought to.
    let mut done: HashMap<PathBuf, (u32, u32, usize)> = HashMap::new();
    while let Ok(first) = rx.recv() {
        let mut pending = vec![first];
        pending.extend(rx.try_iter());
        let mut seen: Vec<*const MailboxShared> = Vec::new();
        for weak in pending {
            if seen.contains(&weak.as_ptr()) {
                continue;
            }
            seen.push(weak.as_ptr());
            if let Some(mailbox) = weak.upgrade() {
                one(&mailbox, turns, &mut done);
            }
        }
    }
}

/// Brings one mailbox's index up to its current snapshot.
fn one(mailbox: &MailboxShared, turns: &Turns, done: &mut HashMap<PathBuf, (u32, u32, usize)>) {
    let snapshot = mailbox.snapshot();
    let state = (snapshot.uidvalidity, snapshot.uidnext, snapshot.entries.len());
    let dir = mailbox.dir().to_path_buf();
    if done.get(&dir) == Some(&state) {
        return;
    }
    let uids: Vec<u32> = snapshot.entries.iter().map(|e| e.uid).collect();
    // What this thread makes in a maildir belongs to its owner, not root.
    let _owner = crate::auth::identity::as_owner_of(&dir);
    let turn = turns.of(&dir);
    let run = Index::open(&dir, snapshot.uidvalidity)
        .and_then(|mut index| super::catch_up(&mut index, mailbox, &snapshot, &uids, Some(&turn)));
    match run {
        Ok(added) => {
            if added.added > 0 {
                log::debug!("search index of {}: {} messages added", dir.display(), added.added);
            }
            done.insert(dir, state);
        }
        Err(e) => log::warn!("search index of {}: {e}", dir.display()),
    }
}
