//! A session's view of its selected mailbox: sequence numbers to UIDs, the
//! flags it last told the client, and the `\Recent` messages it owns. Other
//! sessions' changes (and the MTA's deliveries) reach the client as the
//! difference between this view and the mailbox's newest snapshot, reported
//! only when the command table allows (RFC 3501 section 7.4.1).

use std::collections::{HashMap, HashSet};
use std::sync::Arc;

use crate::mail::flags::{mailbox_flags, message_flags};
use crate::notifier::Notifier;
use crate::proto::response::{Code, Reply};
pub use crate::proto::untagged::{ranges_of, set_text};
use crate::proto::untagged::{FetchItem, FlagList, Response};
use crate::store::{Entry, Flags, MailboxShared, Selection, Snapshot};

/// Which RFC 7162 extensions the session has enabled (ENABLE, or a
/// CONDSTORE enabling command).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct SyncExt {
    /// CONDSTORE: FETCH responses carry MODSEQ, SELECT sends HIGHESTMODSEQ.
    pub condstore: bool,
    /// QRESYNC (implies CONDSTORE): expunges are reported as VANISHED.
    pub qresync: bool,
}

/// The untagged OK telling a mailbox's highest mod-sequence, or that it
/// has none (`NOMODSEQ`, RFC 7162 3.1.2.2): mod-sequences are never 0.
pub fn highest_line(highest: u64) -> Response {
    Response::Condition(if highest == 0 {
        Reply::ok_code(Code::NoModSeq, "No permanent modsequences")
    } else {
        Reply::ok_code(Code::HighestModSeq(highest), "Highest")
    })
}

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
    /// Mod-sequences as last reported (or known), parallel to `uids`.
    pub modseqs: Vec<u64>,
    /// CONDSTORE / QRESYNC as enabled by the session.
    pub ext: SyncExt,
    /// The messages this session holds `\Recent` for; always messages of
    /// the view (`uids`), so counting them costs nothing however many.
    pub recent: HashSet<u32>,
    /// `\Recent` messages claimed before the view holds them (they
    /// arrived after its snapshot); they join `recent` when they do.
    recent_later: Vec<u32>,
    /// Messages of `recent` a read-only view only shows (unclaimed, so
    /// the next read-write session takes them): not this session's own.
    shown: HashSet<u32>,
    /// The snapshot the view was last brought up to date with.
    pub snapshot: Arc<Snapshot>,
    /// UIDs expunged by others but not yet reported (the client may not
    /// learn of them during FETCH, STORE or SEARCH).
    pub pending_expunge: HashSet<u32>,
    /// Their entries, kept from the snapshot before: FETCH still answers
    /// them from what is held (RFC 2180 4.1.2).
    pub pending_entries: HashMap<u32, Entry>,
    /// The change callback registered for this view (pokes IDLE).
    hook: u64,
}

impl Drop for MailboxView {
    fn drop(&mut self) {
        self.mailbox().remove_hook(self.hook);
    }
}

impl MailboxView {
    /// A view of the mailbox as it is now; claims the recent messages, or
    /// when read-only shows them recent and leaves them unclaimed.
    pub fn open(
        name: String,
        read_only: bool,
        selection: Selection,
        snapshot: Arc<Snapshot>,
        notifier: Arc<Notifier>,
        ext: SyncExt,
    ) -> MailboxView {
        let hook = selection.mailbox().add_hook(Arc::new(move || notifier.notify()));
        let claimed = if read_only { Vec::new() } else { selection.mailbox().claim_recent() };
        let peeked = if read_only { selection.mailbox().peek_recent() } else { Vec::new() };
        let mut view = MailboxView {
            name,
            read_only,
            uids: snapshot.entries.iter().map(|e| e.uid).collect(),
            flags: snapshot.entries.iter().map(|e| e.flags.clone()).collect(),
            modseqs: snapshot.entries.iter().map(|e| e.modseq).collect(),
            ext,
            recent: HashSet::new(),
            recent_later: Vec::new(),
            shown: HashSet::new(),
            snapshot,
            selection,
            pending_expunge: HashSet::new(),
            pending_entries: HashMap::new(),
            hook,
        };
        view.hold_recent(claimed);
        view.show_recent(peeked);
        view
    }

    /// Shows `\Recent` for the unclaimed recent messages `peeked` that the
    /// view holds, without owning them (a read-only view; those still to
    /// arrive are peeked again when they do).
    fn show_recent(&mut self, peeked: Vec<u32>) {
        for uid in peeked {
            if self.seq_of(uid).is_some() && self.recent.insert(uid) {
                self.shown.insert(uid);
            }
        }
    }

    /// Takes `\Recent` for `claimed`: those in the view at once, those
    /// above its highest UID when they arrive; the rest are gone already.
    pub fn hold_recent(&mut self, claimed: Vec<u32>) {
        let top = self.uids.last().copied().unwrap_or(0);
        for uid in claimed {
            if self.seq_of(uid).is_some() {
                self.recent.insert(uid);
            } else if uid > top {
                self.recent_later.push(uid);
            }
        }
    }

    /// The messages as the mail layer reads them (see `mail::View`).
    pub fn messages(&self) -> crate::mail::View<'_> {
        crate::mail::View {
            mailbox: self.mailbox(),
            snapshot: &self.snapshot,
            uids: &self.uids,
            flags: &self.flags,
            modseqs: &self.modseqs,
            recent: &self.recent,
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
    pub fn flags_of(&self, i: usize) -> FlagList {
        let uid = self.uids[i];
        message_flags(&self.flags[i], &self.snapshot.keywords, self.recent.contains(&uid))
    }

    /// The FLAGS response of the mailbox, and PERMANENTFLAGS with
    /// `permanent`, what this session may set (`None`: nothing).
    pub fn mailbox_flags(&self, permanent: Option<FlagList>) -> [Response; 2] {
        let all = mailbox_flags(&self.snapshot.keywords);
        let flags = Response::Flags(FlagList { names: all, recent: false, star: false });
        let perm = match permanent {
            Some(list) => Response::PermanentFlags(list, "Flags permitted".into()),
            None => Response::PermanentFlags(FlagList::default(), "Read-only mailbox".into()),
        };
        [flags, perm]
    }

    /// The FETCH response telling the flags of the message at index `i`:
    /// `UID u FLAGS (...)` when `uid_first` (as updates are told),
    /// otherwise `FLAGS (...)` and `UID u` only when `uid` (as STORE answers),
    /// then MODSEQ once CONDSTORE is on.
    pub fn fetch_flags(&self, i: usize, uid_first: bool, uid: bool) -> Response {
        let mut items = Vec::new();
        if uid_first {
            items.push(FetchItem::Uid(self.uids[i]));
        }
        items.push(FetchItem::Flags(self.flags_of(i)));
        if uid && !uid_first {
            items.push(FetchItem::Uid(self.uids[i]));
        }
        if self.ext.condstore {
            items.push(FetchItem::ModSeq(self.modseqs[i]));
        }
        Response::FetchFlags(i as u32 + 1, items)
    }

    /// Brings the view up to date with the mailbox's newest snapshot and
    /// returns the untagged responses that tell the client. Expunges are
    /// reported only when `expunge_ok`; otherwise they wait. Only the
    /// messages named in the change log since the view's last snapshot are
    /// looked at (every message only when the view is too far behind).
    pub fn update(&mut self, expunge_ok: bool) -> Vec<Response> {
        let snap = self.mailbox().snapshot();
        let mut out = Vec::new();
        if snap.counter == self.snapshot.counter && self.pending_expunge.is_empty() {
            return out;
        }
        let old_keywords = self.snapshot.keywords.all();
        let candidates = self.candidates(&snap);
        // Expunged: in the view, gone from the snapshot.
        for &uid in &candidates {
            if snap.find(uid).is_none() {
                self.pending_expunge.insert(uid);
                if let Some(e) = self.snapshot.find(uid) {
                    self.pending_entries.entry(uid).or_insert_with(|| e.clone());
                }
            }
        }
        let mut arrived_or_gone = false;
        if expunge_ok {
            if let Some(told) = self.take_expunged() {
                arrived_or_gone = true;
                out.push(told);
            }
        }
        let keywords_changed = snap.keywords.all() != old_keywords;
        self.snapshot = snap.clone();
        if keywords_changed {
            let all = FlagList { names: mailbox_flags(&snap.keywords), recent: false, star: true };
            let [flags, perm] = self.mailbox_flags(Some(all));
            out.push(flags);
            if !self.read_only {
                out.push(perm);
            }
        }
        // Flag changes of messages still there.
        for uid in candidates {
            let (Some(seq), Some(e)) = (self.seq_of(uid), snap.find(uid)) else { continue };
            let i = seq as usize - 1;
            if e.flags != self.flags[i] || (self.ext.condstore && e.modseq > self.modseqs[i]) {
                self.flags[i] = e.flags.clone();
                self.modseqs[i] = e.modseq;
                out.push(self.fetch_flags(i, true, true));
            }
        }
        if self.take_new(&snap) {
            arrived_or_gone = true;
            out.push(Response::Exists(self.uids.len() as u32));
            out.push(Response::Recent(self.recent_count() as u32));
        }
        // New and expunged messages carry no MODSEQ of their own: tell a
        // CONDSTORE client how far it is now up to date (never while an
        // expunge still waits to be told).
        if self.ext.condstore && arrived_or_gone && self.pending_expunge.is_empty() {
            out.push(Response::Condition(Reply::ok_code(Code::HighestModSeq(snap.highest_modseq), "Highest")));
        }
        out
    }

    /// The messages of the view that changed since its snapshot, in UID
    /// order, from the change log; every message of the view when the log
    /// no longer reaches back that far or UIDVALIDITY changed.
    fn candidates(&self, snap: &Snapshot) -> Vec<u32> {
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
        match touched {
            Some(uids) => uids.into_iter().filter(|&u| self.seq_of(u).is_some()).collect(),
            None => self.uids.clone(),
        }
    }

    /// Drops the messages expunged by others from the view; the EXPUNGE
    /// responses that tell them, from the top, so each sequence number is
    /// still right when told.
    fn take_expunged(&mut self) -> Option<Response> {
        if self.pending_expunge.is_empty() {
            return None;
        }
        let mut gone: Vec<u32> = self.pending_expunge.drain().collect();
        self.pending_entries.clear();
        gone.sort_unstable();
        let mut told = Vec::new();
        for &uid in gone.iter().rev() {
            if let Some(seq) = self.seq_of(uid) {
                let i = seq as usize - 1;
                told.push((seq, uid));
                self.recent.remove(&uid);
                self.shown.remove(&uid);
                self.uids.remove(i);
                self.flags.remove(i);
                self.modseqs.remove(i);
            }
        }
        (!told.is_empty()).then_some(Response::Expunged(told))
    }

    /// Adds the snapshot's messages above the highest UID the view holds,
    /// and takes (or, read-only, shows) `\Recent` for them; whether any
    /// came.
    fn take_new(&mut self, snap: &Snapshot) -> bool {
        let top = self.uids.last().copied().unwrap_or(0);
        let before = self.uids.len();
        for e in snap.entries.after(top) {
            self.uids.push(e.uid);
            self.flags.push(e.flags.clone());
            self.modseqs.push(e.modseq);
        }
        if self.uids.len() == before {
            return false;
        }
        let mut claimed = std::mem::take(&mut self.recent_later);
        if !self.read_only {
            claimed.extend(self.mailbox().claim_recent());
        }
        self.hold_recent(claimed);
        if self.read_only {
            let peeked = self.mailbox().peek_recent();
            self.show_recent(peeked);
        }
        true
    }

    /// Every message this session holds `\Recent` for, in the view or
    /// still to arrive (kept when it selects the same mailbox again); not
    /// those a read-only view only shows.
    pub fn held_recent(&self) -> Vec<u32> {
        let own = self.recent.iter().filter(|u| !self.shown.contains(u));
        own.chain(&self.recent_later).copied().collect()
    }

    /// Messages in the view with `\Recent` for this session.
    pub fn recent_count(&self) -> usize {
        // `recent` holds only messages of the view: this runs at every new
        // message, and a first session may hold every message recent.
        self.recent.len()
    }

    /// Records flags this session itself set (with their mod-sequence), so
    /// they are not reported again as someone else's change.
    pub fn note_flags(&mut self, entry: &Entry) {
        if let Some(seq) = self.seq_of(entry.uid) {
            let i = seq as usize - 1;
            self.flags[i] = entry.flags.clone();
            self.modseqs[i] = self.modseqs[i].max(entry.modseq);
        }
    }

    /// UIDs of `within` (intervals, UID order) expunged with a mod-sequence
    /// above `since` (QRESYNC's VANISHED (EARLIER)). When the mailbox's
    /// history does not reach back that far, every UID of `within` that is
    /// not in the mailbox is named: more than needed, never too few.
    pub fn vanished(&self, since: u64, within: &[(u32, u32)]) -> Vec<(u32, u32)> {
        let top = self.snapshot.uidnext.saturating_sub(1);
        let mut out = Vec::new();
        match self.mailbox().vanished_since(since) {
            Some(history) => {
                for &(lo, hi) in &history {
                    for &(a, b) in within {
                        let (l, h) = (lo.max(a), hi.min(b));
                        if l <= h {
                            out.push((l, h));
                        }
                    }
                }
            }
            None => {
                for &(a, b) in within {
                    let (a, b) = (a, b.min(top));
                    let mut next = a;
                    let start = self.uids.partition_point(|&u| u < a);
                    for &u in self.uids[start..].iter().take_while(|&&u| u <= b) {
                        if u > next {
                            out.push((next, u - 1));
                        }
                        next = u + 1;
                    }
                    if next <= b {
                        out.push((next, b));
                    }
                }
            }
        }
        out.sort_unstable();
        // Nothing the view still holds is reported vanished.
        out.into_iter()
            .flat_map(|(l, h)| {
                let mut parts = Vec::new();
                let mut next = l;
                let start = self.uids.partition_point(|&u| u < l);
                for &u in self.uids[start..].iter().take_while(|&&u| u <= h) {
                    if u > next {
                        parts.push((next, u - 1));
                    }
                    next = u.saturating_add(1);
                }
                if next <= h && next > 0 {
                    parts.push((next, h));
                }
                parts
            })
            .collect()
    }
}
