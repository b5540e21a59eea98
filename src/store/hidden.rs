//! The administrator's way to hidden (`$Service`) messages, which no IMAP
//! command can reach (see [`Disk::hides`](super::mailbox::Disk::hides)):
//! list them, read one, and clear the keyword so that the message comes
//! back to the clients as a new message under a new UID.

use std::fs;
use std::io;
use std::path::PathBuf;

use super::error::{Result, StoreError};
use super::filename;
use super::keywords::Keywords;
use super::lock::{sync_dir, DotLock};
use super::mailbox::{Entry, MailboxShared, SERVICE};

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
                    Some(name) if name != file => file = name,
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
}
