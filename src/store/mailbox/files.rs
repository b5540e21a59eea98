//! Finding and opening a mailbox's message files: in `cur/` (or `new/`,
//! where a read-only sync left a new message), following the renames of
//! other writers, and never through a symbolic link.

use std::fs;
use std::path::PathBuf;

use super::{Entry, MailboxShared};
use crate::store::error::{Result, StoreError};
use crate::store::filename;

impl MailboxShared {
    /// Path of a file of `cur/`.
    pub(crate) fn cur_path(&self, file: &str) -> PathBuf {
        self.dir.join("cur").join(file)
    }

    /// Where a message's file is to be read: in `cur/`, or in `new/` for
    /// a name without an info part that a read-only sync left there.
    pub(crate) fn file_path(&self, file: &str) -> PathBuf {
        let cur = self.cur_path(file);
        if file.contains(':') || fs::symlink_metadata(&cur).is_ok() {
            return cur;
        }
        let new = self.dir.join("new").join(file);
        if fs::symlink_metadata(&new).is_ok() {
            new
        } else {
            cur
        }
    }

    /// The current file name in `cur/` of a base name, by reading the
    /// directory (used when a rename by another writer made ours stale).
    pub(crate) fn refind(&self, base: &str) -> Option<String> {
        let rd = fs::read_dir(self.dir.join("cur")).ok()?;
        for ent in rd.flatten().filter(crate::store::listing::is_regular) {
            let name = ent.file_name();
            let name = name.to_string_lossy();
            if filename::base_of(&name) == base {
                return Some(name.into_owned());
            }
        }
        None
    }

    /// Opens a message for reading, following renames by other writers;
    /// `None` when the message is gone (expunged).
    pub fn open_message(&self, uid: u32) -> Result<Option<(fs::File, Entry)>> {
        Ok(self.open_message_sized(None, uid)?.map(|(f, e, _)| (f, e)))
    }

    /// `cur/` opened, for [`Self::open_message_sized`] of many messages.
    pub fn open_cur(&self) -> std::io::Result<fs::File> {
        crate::store::atomic::open_dir(&self.dir.join("cur"))
    }

    /// [`Self::open_message`] with the file's size when opened; a file of
    /// `cur/` is opened in `cur` when given (from [`Self::open_cur`]).
    pub fn open_message_sized(&self, cur: Option<&fs::File>, uid: u32) -> Result<Option<(fs::File, Entry, u64)>> {
        let snap = self.snapshot();
        let Some(entry) = snap.find(uid) else {
            return Ok(None);
        };
        let mut entry = entry.clone();
        // The newest name we know may be newer than the snapshot's.
        {
            let disk = self.disk.lock();
            if let Some(e) = disk.entries.find(uid) {
                entry = e.clone();
            }
        }
        for _ in 0..3 {
            // Never through a symbolic link: a link planted in cur/ must
            // not make the server read outside the maildir.
            let opened = match cur {
                Some(dir) if entry.file.contains(':') => crate::store::atomic::open_regular_sized_at(dir, &entry.file),
                _ => crate::store::atomic::open_regular_sized(&self.file_path(&entry.file)),
            };
            match opened {
                Ok((f, len)) => return Ok(Some((f, entry, len))),
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => match self.refind(entry.base()) {
                    Some(name) => {
                        entry.flags = filename::parse(&name).flags;
                        entry.file = name.into();
                    }
                    None => return Ok(None),
                },
                Err(e) => return Err(StoreError::io(format!("opening message {uid}"), e)),
            }
        }
        Ok(None)
    }

    /// The current path of a message's file, following renames.
    pub fn message_path(&self, uid: u32) -> Option<PathBuf> {
        let file = {
            let disk = self.disk.lock();
            disk.entries.find(uid)?.file.clone()
        };
        let path = self.file_path(&file);
        if path.exists() {
            return Some(path);
        }
        self.refind(filename::base_of(&file)).map(|n| self.cur_path(&n))
    }
}
