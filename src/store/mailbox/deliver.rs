//! APPEND and COPY: new files reach `cur/` only complete and on disk.
//!
//! A message is written to `tmp/<unique>`, fsynced, given its INTERNALDATE
//! as mtime, then renamed into `cur/<unique>,S=..,W=..:2,<flags>` with the
//! mailbox mutex and dotlock held, the directory is fsynced, and the UID is
//! assigned and the uid list written. A crash before the rename leaves only
//! a file in `tmp/`, which nothing lists; after it, the next sync gives the
//! file a UID.

use std::fs::{self, File, FileTimes, OpenOptions};
use std::io::{self, Read, Write};
use std::os::unix::fs::OpenOptionsExt;
use std::path::{Path, PathBuf};
use std::time::{SystemTime, UNIX_EPOCH};

use super::Commit;
use super::{Disk, MailboxShared};
use crate::store::error::{Result, StoreError};
use crate::store::filename::{self, Flags};

/// A file in `tmp/` that is removed unless it was moved away.
struct TmpFile {
    path: PathBuf,
    keep: bool,
}

impl Drop for TmpFile {
    fn drop(&mut self) {
        if !self.keep {
            let _ = fs::remove_file(&self.path);
        }
    }
}

/// A message ready in `tmp/` for [`MailboxShared::commit_new`].
pub(crate) struct Pending {
    tmp: TmpFile,
    base: String,
    system: u8,
    keywords: Vec<String>,
    /// The INTERNALDATE given to the file, seconds since the epoch.
    date: i64,
    /// The message GUID a copy keeps from its original (RFC 8474: the
    /// EMAILID stays), written as the uid list record's `G` field.
    guid: Option<String>,
}

impl MailboxShared {
    /// Appends a message read from `data`; returns (UIDVALIDITY, UID).
    /// `internal_date` defaults to now.
    pub fn append(
        &self,
        data: &mut dyn Read,
        system: u8,
        keywords: &[&str],
        internal_date: Option<SystemTime>,
    ) -> Result<(u32, u32)> {
        if !self.dir().join("cur").is_dir() {
            return Err(StoreError::NotFound(self.dir().display().to_string()));
        }
        let base = filename::unique_base();
        let tmp = TmpFile { path: self.dir().join("tmp").join(&base), keep: false };
        // O_EXCL and no link followed, whatever a user put in tmp/.
        let mut file = OpenOptions::new()
            .write(true)
            .create_new(true)
            .custom_flags(libc::O_NOFOLLOW)
            .open(&tmp.path)
            .map_err(|e| StoreError::io("creating a file in tmp/", e))?;
        crate::store::perms::fix_new_file(&file, self.dir());
        let (size, vsize) = copy_counting(data, &mut file)?;
        let when = internal_date.unwrap_or_else(SystemTime::now);
        file.set_times(FileTimes::new().set_modified(when).set_accessed(when))
            .and_then(|()| file.sync_all())
            .map_err(|e| StoreError::io("writing a file in tmp/", e))?;
        drop(file);
        let date = when.duration_since(UNIX_EPOCH).map(|d| d.as_secs() as i64).unwrap_or(0);
        let pending = Pending {
            tmp,
            base: filename::with_sizes(&base, size, Some(vsize)),
            system,
            keywords: keywords.iter().map(|k| k.to_string()).collect(),
            date,
            guid: None,
        };
        self.commit_queued(pending)
    }

    /// Commits `pending` with whatever other changes are waiting (see
    /// `commit.rs`); returns its (UIDVALIDITY, UID) once it is on disk.
    fn commit_queued(&self, pending: Pending) -> Result<(u32, u32)> {
        let (validity, uids) = self.commit_new(vec![pending])?;
        match uids.first() {
            Some(&uid) => Ok((validity, uid)),
            None => Err(StoreError::Corrupt("an appended message got no UID".into())),
        }
    }

    /// Appends a message held in memory; returns (UIDVALIDITY, UID).
    pub fn append_bytes(
        &self,
        data: &[u8],
        system: u8,
        keywords: &[&str],
        internal_date: Option<SystemTime>,
    ) -> Result<(u32, u32)> {
        let mut reader = data;
        self.append(&mut reader, system, keywords, internal_date)
    }

    /// Copies messages into `dest`, keeping flags, keywords and
    /// INTERNALDATE; returns (source UID, new UID) pairs for COPYUID and
    /// the destination's UIDVALIDITY. Messages already gone are skipped.
    pub fn copy_to(&self, uids: &[u32], dest: &MailboxShared) -> Result<(u32, Vec<(u32, u32)>)> {
        if !dest.dir().join("cur").is_dir() {
            return Err(StoreError::NotFound(dest.dir().display().to_string()));
        }
        let (entries, names, guids) = {
            let mut disk = self.lock_disk()?;
            self.freshen(&mut disk)?;
            let entries: Vec<_> = uids.iter().filter_map(|u| disk.entries.find(*u).cloned()).collect();
            let names: Vec<Vec<String>> = entries.iter().map(|e| disk.keywords.names_of(e.flags.keywords)).collect();
            let guids: Vec<String> =
                entries.iter().map(|e| super::objectid::guid_in(disk.list.as_ref(), e.uid, e.base())).collect();
            (entries, names, guids)
        };
        let mut pending = Vec::new();
        let mut sources = Vec::new();
        for ((entry, keywords), guid) in entries.into_iter().zip(names).zip(guids) {
            let base = filename::with_sizes(&filename::unique_base(), entry.size, entry.vsize);
            let tmp = TmpFile { path: dest.dir().join("tmp").join(&base), keep: false };
            let mut file = entry.file.clone();
            let mut done = false;
            for _ in 0..4 {
                match place_copy(&self.cur_path(&file), &tmp.path, self.internal_date(&entry)) {
                    Ok(()) => {
                        done = true;
                        break;
                    }
                    Err(e) if e.kind() == io::ErrorKind::NotFound => match self.refind(entry.base()) {
                        Some(name) => file = name.into(),
                        None => break,
                    },
                    Err(e) => return Err(StoreError::io(format!("copying message {}", entry.uid), e)),
                }
            }
            if done {
                sources.push(entry.uid);
                pending.push(Pending {
                    tmp,
                    base,
                    system: entry.flags.system,
                    keywords,
                    date: self.internal_date(&entry),
                    guid: Some(guid),
                });
            }
        }
        if pending.is_empty() {
            // Nothing to copy (every message gone meanwhile): the UIDVALIDITY
            // the destination last published will do. A sync here would list
            // a destination nobody has selected (unwatched, its times moved
            // by the last COPY) in full: a 200,000-message `Copies` folder
            // listed at every COPY of expunged messages (scenario 12e).
            let published = dest.snapshot().uidvalidity;
            let uidvalidity = if published != 0 { published } else { dest.sync()?.uidvalidity };
            return Ok((uidvalidity, Vec::new()));
        }
        let (uidvalidity, new_uids) = dest.commit_new(pending)?;
        Ok((uidvalidity, sources.into_iter().zip(new_uids).collect()))
    }

    /// Moves files from `tmp/` into `cur/` and gives them UIDs, in order,
    /// in a group commit with other writers' changes.
    fn commit_new(&self, pending: Vec<Pending>) -> Result<(u32, Vec<u32>)> {
        self.commit_job(move |mb, disk, commit| mb.place_new(disk, commit, pending))
    }

    /// The work of [`commit_new`](Self::commit_new), in a batch: the uid
    /// list is written and `cur/` fsynced at the batch's end.
    fn place_new(&self, disk: &mut Disk, commit: &mut Commit, pending: Vec<Pending>) -> Result<(u32, Vec<u32>)> {
        commit.dotlock(self)?;
        let (dirty, mut recent) = self.scan_if_needed(disk)?;
        commit.list_dirty |= dirty;
        // Before the files move into cur/, where a rescan would take them
        // for deliveries of its own.
        if let Some(r) = self.make_room(disk, pending.len())? {
            recent = r;
        }
        let mut placed = Vec::new();
        let mut dates = Vec::new();
        let mut guids = Vec::new();
        for mut p in pending {
            dates.push(p.date);
            guids.push(p.guid.take());
            let names: Vec<&str> = p.keywords.iter().map(String::as_str).collect();
            let mask = self.keyword_mask_locked(disk, &names)?;
            let flags = Flags { system: p.system, keywords: mask, other: String::new() };
            let file = filename::compose(&p.base, &flags);
            self.expect_event(false, true, &file);
            fs::rename(&p.tmp.path, self.cur_path(&file))
                .map_err(|e| StoreError::io("moving a new message into cur/", e))?;
            p.tmp.keep = true;
            placed.push(file);
        }
        self.vouch_own_changes(disk);
        commit.sync_cur = true;
        commit.list_dirty = true;
        let list = disk.list.as_mut().expect("loaded by scan_if_needed");
        let uidvalidity = list.uidvalidity;
        let uids: Vec<u32> = placed
            .iter()
            .zip(&guids)
            .map(|(file, guid)| {
                let uid = list.assign(file);
                // Dovecot's `G` record field: the GUID when it is not the
                // file's own base name.
                if let Some(g) = guid.as_deref().filter(|g| *g != filename::base_of(file)) {
                    if let Some(r) = list.records.last_mut() {
                        r.fields.push(format!("G{g}"));
                    }
                }
                uid
            })
            .collect();
        for ((file, &uid), &date) in placed.iter().zip(&uids).zip(&dates) {
            let entry = self.entry_for(uid, file, Some(date));
            // A hidden ($Service) message is nobody's recent message.
            if disk.add_new(entry) {
                recent.push(uid);
            }
        }
        commit.recent.extend(recent);
        Ok((uidvalidity, uids))
    }

    /// [`keyword_mask`](Self::keyword_mask) for a caller already holding the
    /// dotlock.
    fn keyword_mask_locked(&self, disk: &mut Disk, names: &[&str]) -> Result<u32> {
        let mut mask = 0;
        let mut changed = false;
        for name in names {
            let (i, new) = disk.keywords.get_or_allocate(name, || letters_in_use(&disk.entries, &disk.hidden))?;
            changed |= new;
            mask |= 1 << i;
        }
        if changed {
            self.save_keywords(disk)?;
        }
        Ok(mask)
    }
}

/// The keyword letters any message carries, hidden ones included.
pub(crate) fn letters_in_use(
    entries: &crate::store::entries::Entries,
    hidden: &std::collections::BTreeMap<u32, super::Entry>,
) -> u32 {
    entries.iter().chain(hidden.values()).fold(0, |m, e| m | e.flags.keywords)
}

/// Copies `data` into `out`; returns the size and the size with every bare
/// LF counted as CRLF (RFC822.SIZE).
fn copy_counting(data: &mut dyn Read, out: &mut File) -> Result<(u64, u64)> {
    // On the stack: a heap buffer this size, freed at once, makes glibc
    // consolidate its free lists at every APPEND.
    let mut buf = [0u8; 32 * 1024];
    let mut size = 0u64;
    let mut bare_lf = 0u64;
    let mut prev = 0u8;
    loop {
        let n = match data.read(&mut buf) {
            Ok(0) => break,
            Ok(n) => n,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(StoreError::io("reading the message", e)),
        };
        for &b in &buf[..n] {
            if b == b'\n' && prev != b'\r' {
                bare_lf += 1;
            }
            prev = b;
        }
        out.write_all(&buf[..n]).map_err(|e| StoreError::io("writing a file in tmp/", e))?;
        size += n as u64;
    }
    Ok((size, size + bare_lf))
}

/// Puts a copy of `src` at `dst`: a hard link when the file system allows,
/// else a real copy with the same mtime, fsynced.
fn place_copy(src: &Path, dst: &Path, mtime: i64) -> io::Result<()> {
    match fs::hard_link(src, dst) {
        // link(2) takes whatever the name is, links and FIFOs too (put in
        // place of the message after the listing): such a copy is no
        // message, and is taken back.
        Ok(()) if !fs::symlink_metadata(dst)?.is_file() => {
            let _ = fs::remove_file(dst);
            return Err(io::Error::other("not a regular file"));
        }
        Ok(()) => return Ok(()),
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Err(e),
        Err(_) => {}
    }
    // Never through a link, on either side.
    let mut from = crate::store::atomic::open_regular(src)?;
    let mut f = OpenOptions::new().write(true).create_new(true).custom_flags(libc::O_NOFOLLOW).open(dst)?;
    io::copy(&mut from, &mut f)?;
    let when = SystemTime::UNIX_EPOCH + std::time::Duration::from_secs(mtime.max(0) as u64);
    f.set_times(FileTimes::new().set_modified(when))?;
    f.sync_all()
}
