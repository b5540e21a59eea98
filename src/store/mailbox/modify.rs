//! Flag changes and expunges: renames and unlinks in `cur/`.
//!
//! Another process (a MUA, Dovecot) may rename a message's file at any
//! time. When our rename or unlink finds the file gone, the message is
//! looked up again by its base name and the operation is applied to the
//! flags found there, so the other writer's change is kept.

use std::fs;
use std::io;

use super::Commit;
use super::{Disk, Entry, MailboxShared};
use crate::store::changes::ChangeKind;
use crate::store::error::{Result, StoreError};
use crate::store::filename::{self, Flags, TRASHED};
use crate::store::lock::DotLock;

/// How a STORE combines the given flags with a message's flags.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FlagOp {
    /// `FLAGS`: the message gets exactly these flags.
    Replace,
    /// `+FLAGS`: these flags are added.
    Add,
    /// `-FLAGS`: these flags are removed.
    Remove,
}

impl FlagOp {
    fn apply(self, old: &Flags, system: u8, keywords: u32) -> Flags {
        let (system, keywords) = match self {
            FlagOp::Replace => (system, keywords),
            FlagOp::Add => (old.system | system, old.keywords | keywords),
            FlagOp::Remove => (old.system & !system, old.keywords & !keywords),
        };
        Flags { system, keywords, other: old.other.clone() }
    }
}

/// How often a rename is retried after losing a race with another writer.
const RETRIES: usize = 8;

/// A STORE's arguments, owned (its job may run on another writer's thread).
struct FlagChange {
    uids: Vec<u32>,
    op: FlagOp,
    system: u8,
    keywords: Vec<String>,
    unchanged_since: Option<u64>,
}

impl MailboxShared {
    /// Brings the bookkeeping up to date if another process changed the uid
    /// list (or nothing is loaded yet); the caller holds the mutex.
    pub(crate) fn freshen(&self, disk: &mut Disk) -> Result<Vec<u32>> {
        if !self.needs_scan(disk) {
            self.reload_keywords(disk)?;
            return Ok(Vec::new());
        }
        let lock = DotLock::acquire(self.dir())?;
        let (dirty, recent) = self.scan_locked(disk)?;
        if dirty {
            self.save_list(disk, lock)?;
        }
        Ok(recent)
    }

    /// [`freshen`](Self::freshen) within a group commit: the dotlock is
    /// the batch's, and the list is written at its end.
    fn freshen_in(&self, disk: &mut Disk, commit: &mut Commit) -> Result<()> {
        if !self.needs_scan(disk) {
            return self.reload_keywords(disk);
        }
        commit.dotlock(self)?;
        let (dirty, recent) = self.scan_locked(disk)?;
        commit.list_dirty |= dirty;
        commit.recent.extend(recent);
        Ok(())
    }

    /// The keyword mask for names, allocating letters for new names (and
    /// writing `dovecot-keywords` under the batch's dotlock) when `allocate`.
    fn keyword_mask(&self, disk: &mut Disk, commit: &mut Commit, names: &[String], allocate: bool) -> Result<u32> {
        let mut mask = 0u32;
        let mut changed = false;
        for name in names {
            let index = if allocate {
                let (i, new) = disk
                    .keywords
                    .get_or_allocate(name, || super::deliver::letters_in_use(&disk.entries, &disk.hidden))?;
                changed |= new;
                Some(i)
            } else {
                disk.keywords.index(name)
            };
            if let Some(i) = index {
                mask |= 1 << i;
            }
        }
        if changed {
            commit.dotlock(self)?;
            self.save_keywords(disk)?;
        }
        Ok(mask)
    }

    /// Changes the flags of the given messages; returns the messages whose
    /// flags changed, as they are now. Unknown UIDs are skipped.
    pub fn store_flags(&self, uids: &[u32], op: FlagOp, system: u8, keywords: &[&str]) -> Result<Vec<Entry>> {
        self.store_flags_if(uids, op, system, keywords, None).map(|(changed, _)| changed)
    }

    /// [`store_flags`](Self::store_flags) with RFC 7162's UNCHANGEDSINCE:
    /// a message whose mod-sequence is above `unchanged_since` is left
    /// alone and returned in the second list (the MODIFIED set). Committed
    /// with other writers' changes (see `commit.rs`).
    pub fn store_flags_if(
        &self,
        uids: &[u32],
        op: FlagOp,
        system: u8,
        keywords: &[&str],
        unchanged_since: Option<u64>,
    ) -> Result<(Vec<Entry>, Vec<u32>)> {
        let change = FlagChange {
            uids: uids.to_vec(),
            op,
            system,
            keywords: keywords.iter().map(|k| k.to_string()).collect(),
            unchanged_since,
        };
        self.commit_job(move |mb, disk, commit| mb.store_in(disk, commit, change))
    }

    /// The work of a STORE, in a batch.
    fn store_in(&self, disk: &mut Disk, commit: &mut Commit, c: FlagChange) -> Result<(Vec<Entry>, Vec<u32>)> {
        let mut failed = Vec::new();
        self.freshen_in(disk, commit)?;
        let mask = self.keyword_mask(disk, commit, &c.keywords, c.op != FlagOp::Remove)?;
        let mut changed = Vec::new();
        for &uid in &c.uids {
            let Some(mut entry) = disk.entries.find(uid).cloned() else {
                continue;
            };
            if c.unchanged_since.is_some_and(|n| entry.modseq > n) {
                failed.push(uid);
                continue;
            }
            let before = entry.flags.clone();
            self.rename_flags(&mut entry, |old| c.op.apply(old, c.system, mask))?;
            let stored = disk.entries.find(uid).is_some_and(|e| e.file == entry.file);
            if !stored && entry.flags != before && disk.hides(&entry.flags) {
                // Hidden now ($Service): gone for every view, the file stays.
                disk.entries.remove(uid);
                entry.modseq = disk.change(uid, ChangeKind::Expunged);
                changed.push(entry.clone());
                disk.hidden.insert(uid, entry);
                continue;
            }
            if !stored {
                if entry.flags != before {
                    entry.modseq = disk.change(uid, ChangeKind::Flags);
                    changed.push(entry.clone());
                } else {
                    // Only the name we knew was stale.
                    disk.touched = true;
                }
                if let Some(e) = disk.entries.find_mut(uid) {
                    *e = entry;
                }
            }
        }
        if !changed.is_empty() {
            self.vouch_own_changes(disk);
            // Fsynced at the batch's end, before any OK.
            commit.sync_cur = true;
        }
        Ok((changed, failed))
    }

    /// Renames a message's file to the flags `apply` makes of its flags,
    /// following renames by other writers; `entry` is left as the file is.
    fn rename_flags(&self, entry: &mut Entry, apply: impl Fn(&Flags) -> Flags) -> Result<()> {
        for _ in 0..RETRIES {
            let new_flags = apply(&entry.flags);
            if new_flags == entry.flags {
                break;
            }
            let new_name = filename::compose(entry.base(), &new_flags);
            self.expect_event(false, false, &entry.file);
            self.expect_event(false, true, &new_name);
            // From new/ too, where a read-only sync may have left it.
            match fs::rename(self.file_path(&entry.file), self.cur_path(&new_name)) {
                Ok(()) => {
                    entry.file = new_name.into();
                    entry.flags = new_flags;
                    break;
                }
                Err(e) if e.kind() == io::ErrorKind::NotFound => {
                    match self.refind(entry.base()) {
                        // Someone else renamed it: start again from their flags.
                        Some(name) => {
                            entry.flags = filename::parse(&name).flags;
                            entry.file = name.into();
                        }
                        // Expunged by someone else; the next sync drops it.
                        None => break,
                    }
                }
                Err(e) => return Err(StoreError::io(format!("renaming message {}", entry.uid), e)),
            }
        }
        Ok(())
    }

    /// Removes the given messages; returns the UIDs whose files this call
    /// removed (a message already gone is dropped but not reported).
    /// Committed with other writers' changes (see `commit.rs`).
    pub fn expunge(&self, uids: &[u32]) -> Result<Vec<u32>> {
        let uids = uids.to_vec();
        self.commit_job(move |mb, disk, commit| mb.expunge_in(disk, commit, &uids))
    }

    /// The work of an EXPUNGE, in a batch.
    fn expunge_in(&self, disk: &mut Disk, commit: &mut Commit, uids: &[u32]) -> Result<Vec<u32>> {
        // An unlink needs no uid list lock (Dovecot takes none either):
        // the dotlock, a new file made and removed each time, is taken only
        // when the list must be read again or rewritten.
        self.freshen_in(disk, commit)?;
        let mut removed = Vec::new();
        let mut gone = Vec::new();
        for &uid in uids {
            let Some(mut file) = disk.entries.find(uid).map(|e| e.file.clone()) else {
                continue;
            };
            for _ in 0..RETRIES {
                self.expect_event(false, false, &file);
                match fs::remove_file(self.file_path(&file)) {
                    Ok(()) => {
                        removed.push(uid);
                        break;
                    }
                    Err(e) if e.kind() == io::ErrorKind::NotFound => match self.refind(filename::base_of(&file)) {
                        Some(name) => file = name.into(),
                        None => break,
                    },
                    Err(e) => return Err(StoreError::io(format!("removing message {uid}"), e)),
                }
            }
            gone.push(uid);
        }
        if !removed.is_empty() {
            self.vouch_own_changes(disk);
            // Fsynced at the batch's end, before any OK.
            commit.sync_cur = true;
        }
        if !gone.is_empty() {
            for &uid in &gone {
                disk.entries.remove(uid);
                disk.change(uid, ChangeKind::Expunged);
            }
            if let Some(list) = disk.list.as_mut() {
                list.remove_uids(&gone);
                // The expunged lines may stay in the file until a rewrite.
                commit.list_dirty |= list.should_rewrite();
            }
        }
        Ok(removed)
    }

    /// [`save_list`](Self::save_list) with the dotlock taken now when
    /// `lock` is `None`; when another process replaced the list since it
    /// was read, ours is not written (the next change reads theirs again,
    /// and a rewrite that only drops expunged lines can wait).
    pub(crate) fn save_list_locking(&self, disk: &mut Disk, lock: Option<DotLock>) -> Result<()> {
        let lock = match lock {
            Some(l) => l,
            None => {
                let l = DotLock::acquire(self.dir())?;
                if self.needs_scan(disk) {
                    return Ok(());
                }
                l
            }
        };
        self.save_list(disk, lock)
    }

    /// Removes every message flagged `\Deleted`; returns their UIDs.
    pub fn expunge_deleted(&self) -> Result<Vec<u32>> {
        // A full scan: another program may have set \Deleted by renaming a
        // file in cur/ without touching the uid list.
        let snap = self.sync()?;
        let uids: Vec<u32> = snap.entries.iter().filter(|e| e.flags.has(TRASHED)).map(|e| e.uid).collect();
        self.expunge(&uids)
    }

    /// Scans when needed, with the dotlock already held by the caller.
    pub(crate) fn scan_if_needed(&self, disk: &mut Disk) -> Result<(bool, Vec<u32>)> {
        if self.needs_scan(disk) {
            self.scan_locked(disk)
        } else {
            self.reload_keywords(disk)?;
            Ok((false, Vec::new()))
        }
    }
}
