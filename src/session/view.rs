//! A session's view of its selected mailbox: sequence numbers to UIDs, the
//! flags it last told the client, and the `\Recent` messages it owns. Other
//! sessions' changes (and the MTA's deliveries) reach the client as the
//! difference between this view and the mailbox's newest snapshot, reported
//! only when the command table allows (RFC 3501 section 7.4.1).

use std::collections::HashSet;
use std::sync::Arc;

use super::idle::Notifier;
use crate::cmd::flags::flag_list;
use crate::store::{Flags, MailboxShared, Selection, Snapshot};

/// The selected mailbox as this session sees it.
pub struct MailboxView {
    /// The mailbox name (UTF-8, `/` delimiter), as the client selected it.
    pub name: String,
    /// EXAMINE, or the account may not write.
    pub read_only: bool,
    /// The registration that wakes this session on changes; dropped on
    /// unselect, which ends the watch.
    pub selection: Selection,
    /// UIDs by sequence number (index 0 is message 1).
    pub uids: Vec<u32>,
    /// Flags as last reported, parallel to `uids`.
    pub flags: Vec<Flags>,
    /// The messages this session holds `\Recent` for.
    pub recent: HashSet<u32>,
    /// The snapshot the view was last brought up to date with.
    pub snapshot: Arc<Snapshot>,
    /// UIDs expunged by others but not yet reported (the client may not
    /// learn of them during FETCH, STORE or SEARCH).
    pub pending_expunge: HashSet<u32>,
    /// The change callback registered for this view (pokes IDLE).
    hook: u64,
}

impl Drop for MailboxView {
    fn drop(&mut self) {
        self.mailbox().remove_hook(self.hook);
    }
}

impl MailboxView {
    /// A view of the mailbox as it is now; claims the recent messages.
    pub fn open(
        name: String,
        read_only: bool,
        selection: Selection,
        snapshot: Arc<Snapshot>,
        notifier: Arc<Notifier>,
    ) -> MailboxView {
        let hook = selection.mailbox().add_hook(Arc::new(move || notifier.notify()));
        let recent = if read_only { HashSet::new() } else { selection.mailbox().claim_recent().into_iter().collect() };
        MailboxView {
            name,
            read_only,
            uids: snapshot.entries.iter().map(|e| e.uid).collect(),
            flags: snapshot.entries.iter().map(|e| e.flags.clone()).collect(),
            recent,
            snapshot,
            selection,
            pending_expunge: HashSet::new(),
            hook,
        }
    }

    /// The shared mailbox.
    pub fn mailbox(&self) -> &Arc<MailboxShared> {
        self.selection.mailbox()
    }

    /// Number of messages in the view (EXISTS).
    pub fn exists(&self) -> u32 {
        self.uids.len() as u32
    }

    /// The sequence number of a UID.
    pub fn seq_of(&self, uid: u32) -> Option<u32> {
        self.uids.binary_search(&uid).ok().map(|i| i as u32 + 1)
    }

    /// The FLAGS list of the message at index `i`, `\Recent` included.
    pub fn flags_of(&self, i: usize) -> String {
        let uid = self.uids[i];
        flag_list(&self.flags[i], &self.snapshot.keywords, self.recent.contains(&uid))
    }

    /// Brings the view up to date with the mailbox's newest snapshot and
    /// returns the untagged responses that tell the client. Expunges are
    /// reported only when `expunge_ok`; otherwise they wait. Only the
    /// messages named in the change log since the view's last snapshot are
    /// looked at (every message only when the view is too far behind).
    pub fn update(&mut self, expunge_ok: bool) -> Vec<String> {
        let snap = self.mailbox().snapshot();
        let mut out = Vec::new();
        if snap.counter == self.snapshot.counter && self.pending_expunge.is_empty() {
            return out;
        }
        let old_keywords = self.snapshot.keywords.all();
        // The messages that changed, in UID order; `None`: maybe any.
        let touched: Option<Vec<u32>> = if snap.uidvalidity == self.snapshot.uidvalidity {
            self.mailbox().changes_between(self.snapshot.highest_modseq, snap.highest_modseq).map(|changes| {
                let mut uids: Vec<u32> = changes.iter().map(|c| c.uid).collect();
                uids.sort_unstable();
                uids.dedup();
                uids
            })
        } else {
            None
        };
        let candidates: Vec<u32> = match &touched {
            Some(uids) => uids.iter().copied().filter(|&u| self.seq_of(u).is_some()).collect(),
            None => self.uids.clone(),
        };
        // Expunged: in the view, gone from the snapshot.
        for &uid in &candidates {
            if snap.find(uid).is_none() {
                self.pending_expunge.insert(uid);
            }
        }
        if expunge_ok && !self.pending_expunge.is_empty() {
            let mut gone: Vec<u32> = self.pending_expunge.drain().collect();
            gone.sort_unstable();
            for uid in gone.into_iter().rev() {
                if let Some(seq) = self.seq_of(uid) {
                    let i = seq as usize - 1;
                    out.push(format!("{seq} EXPUNGE"));
                    self.recent.remove(&uid);
                    self.uids.remove(i);
                    self.flags.remove(i);
                }
            }
        }
        let keywords_changed = snap.keywords.all() != old_keywords;
        self.snapshot = snap.clone();
        if keywords_changed {
            let all = crate::cmd::flags::all_flags(&snap.keywords);
            out.push(format!("FLAGS ({all})"));
            if !self.read_only {
                out.push(format!("OK [PERMANENTFLAGS ({all} \\*)] Flags permitted"));
            }
        }
        // Flag changes of messages still there.
        for uid in candidates {
            let (Some(seq), Some(e)) = (self.seq_of(uid), snap.find(uid)) else { continue };
            let i = seq as usize - 1;
            if e.flags != self.flags[i] {
                self.flags[i] = e.flags.clone();
                out.push(format!("{seq} FETCH (UID {uid} FLAGS ({}))", self.flags_of(i)));
            }
        }
        // New messages: above the highest UID the view holds.
        let top = self.uids.last().copied().unwrap_or(0);
        let before = self.uids.len();
        for e in snap.entries.after(top) {
            self.uids.push(e.uid);
            self.flags.push(e.flags.clone());
        }
        if self.uids.len() > before {
            if !self.read_only {
                self.recent.extend(self.mailbox().claim_recent());
            }
            out.push(format!("{} EXISTS", self.uids.len()));
            out.push(format!("{} RECENT", self.recent_count()));
        }
        out
    }

    /// Messages in the view with `\Recent` for this session.
    pub fn recent_count(&self) -> usize {
        self.uids.iter().filter(|u| self.recent.contains(u)).count()
    }

    /// Records flags this session itself set, so they are not reported
    /// again as someone else's change.
    pub fn note_flags(&mut self, uid: u32, flags: Flags) {
        if let Some(seq) = self.seq_of(uid) {
            self.flags[seq as usize - 1] = flags;
        }
    }
}
