//! The administrator's way to hidden (`$Service`) messages, which no IMAP
//! command can reach (see [`Disk::hides`](super::Disk::hides)):
//! list them, read one, and clear the keyword so that the message comes
//! back to the clients as a new message under a new UID.

use std::fs;
use std::io;
use std::path::PathBuf;

use super::{Disk, Entry, MailboxShared, SERVICE};
use crate::store::error::{Result, StoreError};
use crate::store::filename;
use crate::store::keywords::Keywords;
use crate::store::lock::{sync_dir, DotLock};

impl MailboxShared {
    /// The hidden messages after a sync, UIDs increasing, with the keyword
    /// table that names their keywords.
    pub fn hidden(&self) -> Result<(Vec<Entry>, Keywords)> {
        self.sync()?;
        let disk = self.lock_disk()?;
        Ok((disk.hidden.values().cloned().collect(), disk.keywords.clone()))
    }

    /// The current path of a hidden message's file, following renames.
    pub fn hidden_path(&self, uid: u32) -> Result<Option<PathBuf>> {
        self.sync()?;
        let Some(file) = self.lock_disk()?.hidden.get(&uid).map(|e| e.file.clone()) else {
            return Ok(None);
        };
        let path = self.cur_path(&file);
        if path.exists() {
            return Ok(Some(path));
        }
        Ok(self.refind(filename::base_of(&file)).map(|n| self.cur_path(&n)))
    }

    /// Clears `$Service` on the hidden message `uid`: its file is renamed
    /// without the keyword's letter, and the scan that follows gives it a
    /// new UID, so every session sees it arrive. Returns the new UID;
    /// `None` when no hidden message has this UID.
    pub fn reveal(&self, uid: u32) -> Result<Option<u32>> {
        self.sync()?;
        let mut disk = self.lock_disk()?;
        let Some(entry) = disk.hidden.get(&uid).cloned() else {
            return Ok(None);
        };
        let Some(bit) = disk.keywords.index(SERVICE) else {
            return Ok(None);
        };
        let mut file = entry.file.clone();
        loop {
            let mut flags = filename::parse(&file).flags;
            flags.keywords &= !(1 << bit);
            let new_name = filename::compose(entry.base(), &flags);
            self.expect_event(false, false, &file);
            self.expect_event(false, true, &new_name);
            match fs::rename(self.cur_path(&file), self.cur_path(&new_name)) {
                Ok(()) => break,
                Err(e) if e.kind() == io::ErrorKind::NotFound => match self.refind(entry.base()) {
                    // Renamed by another writer meanwhile: from its name.
                    Some(name) if *name != *file => file = name.into(),
                    _ => return Ok(None),
                },
                Err(e) => return Err(StoreError::io(format!("renaming message {uid}"), e)),
            }
        }
        sync_dir(&self.dir().join("cur"))?;
        let lock = DotLock::acquire(self.dir())?;
        let (dirty, recent) = self.scan_locked(&mut disk)?;
        if dirty {
            self.save_list(&mut disk, lock)?;
        }
        self.publish(&mut disk, &recent);
        let new = disk.entries.iter().rev().find(|e| e.base() == entry.base()).map(|e| e.uid);
        Ok(new)
    }

    /// Gives each of `uids` (uid list records, increasing) the next UID,
    /// as a message that stopped being hidden: a UID once gone stays gone
    /// for the clients. Its entry (if any) goes, a new one comes last, and
    /// the list is to be rewritten so that the old line goes. Returns the
    /// (old, new) UIDs.
    pub(crate) fn renumber(&self, disk: &mut Disk, uids: &[u32]) -> Vec<(u32, u32)> {
        let Some(list) = disk.list.as_mut().filter(|_| !uids.is_empty()) else {
            return Vec::new();
        };
        let files: Vec<(u32, String)> = list
            .records
            .iter()
            .filter(|r| uids.binary_search(&r.uid).is_ok())
            .map(|r| (r.uid, r.file.clone()))
            .collect();
        list.records.retain(|r| uids.binary_search(&r.uid).is_err());
        list.needs_rewrite = true;
        let pairs: Vec<(u32, u32, String)> =
            files.into_iter().map(|(old, file)| (old, list.assign(&file), file)).collect();
        let mut out = Vec::new();
        for (old, uid, file) in pairs {
            disk.entries.remove(old);
            disk.entries.push(self.entry_for(uid, &file, None));
            out.push((old, uid));
        }
        out
    }

    /// Visible messages whose UID the mod-sequence sidecar records as
    /// expunged: hidden, then cleared while no tegami was running.
    pub(crate) fn expunged_but_present(&self, disk: &Disk) -> Vec<u32> {
        let Some(file) = disk.modseqs.as_ref() else { return Vec::new() };
        let mut gone: Vec<(u32, u32)> = file.expunged.iter().map(|&(lo, hi, _)| (lo, hi)).collect();
        if gone.is_empty() {
            return Vec::new();
        }
        gone.sort_unstable();
        // Ranges by their lowest UID, each with the highest UID of it and
        // every range before: a UID is covered when that reaches it.
        let mut reach = 0;
        for r in &mut gone {
            reach = reach.max(r.1);
            r.1 = reach;
        }
        disk.entries
            .iter()
            .map(|e| e.uid)
            .filter(|&u| {
                let i = gone.partition_point(|r| r.0 <= u);
                i > 0 && gone[i - 1].1 >= u
            })
            .collect()
    }
}
