//! Sync: bring a mailbox's bookkeeping in line with its directories.
//!
//! Under the mailbox mutex and the uid list dotlock: read `dovecot-uidlist`
//! and `dovecot-keywords` again if another process replaced them, move
//! `new/` files into `cur/` (adding `:2,`), give UIDs to files not in the
//! list (in name order, which is delivery order for maildir names), drop
//! lines whose file is gone, and write the list only when it changed.
//! `new/` is read before `cur/`, so a file another process moves from one
//! to the other between the two reads is still seen; a file renamed by a
//! flag change while `cur/` is read may be missed by `readdir`, so a known
//! message missing from the listing is looked for in a second listing
//! before it is taken as expunged.

use std::collections::HashSet;
use std::fs;
use std::io;
use std::os::unix::fs::MetadataExt;
use std::sync::Arc;

use super::{new_uidvalidity, DirTimes, Disk, Entry, FileStamp, FsEvent, MailboxShared, Snapshot, UNKNOWN_DATE};
use crate::store::changes::ChangeKind;
use crate::store::entries::Entries;
use crate::store::error::{Result, StoreError};
use crate::store::filename;
use crate::store::keywords::{self, Keywords};
use crate::store::listing::{is_regular, Listing};
use crate::store::lock::DotLock;
use crate::store::modseq::{fresh_base, info_of, Counter, ModseqFile};
use crate::store::shared_storage;
use crate::store::uidlist::{self, UidList};

impl MailboxShared {
    /// Syncs with the directories and publishes the result.
    ///
    /// When neither `cur/` nor `new/` nor the uid list and keyword files
    /// changed since the last full scan, nothing is read: every way a
    /// message can arrive, go or change its flags (create, rename, unlink
    /// in those directories) updates their modification time. Times too
    /// close to the last scan to be told apart from a later change are not
    /// trusted (see [`settled`]).
    pub fn sync(&self) -> Result<Arc<Snapshot>> {
        self.sync_with(false, false)
    }

    /// [`Self::sync`] for a read-only session: files of `new/` stay there
    /// (numbered in the uid list under their `new/` name, as Dovecot does)
    /// and are recent; the next read-write sync moves them into `cur/`.
    pub fn sync_keeping_new(&self) -> Result<Arc<Snapshot>> {
        self.sync_with(false, true)
    }

    /// After the watcher saw these events (`unknown`: and others it cannot
    /// name): when every one was caused by our own renames and unlinks,
    /// nothing needs reading, and the directory times are vouched for
    /// anew; otherwise the mailbox is scanned whatever its times say.
    pub fn sync_after_events(&self, events: &[FsEvent], unknown: bool) -> Result<()> {
        // The mutex is taken before the events are checked off, so a sync
        // that waits for them (see `await_own_events`) finds the times
        // vouched for once it gets the mutex.
        let mut disk = self.lock_disk()?;
        let foreign = events.iter().fold(unknown, |f, ev| !self.own_event(ev) | f);
        if foreign {
            drop(disk);
            // Files in new/ are moved (and so taken from `\Recent` for
            // others) only for a read-write session (RFC 3501 2.3.2).
            let keep_new = self.writers.load(std::sync::atomic::Ordering::Relaxed) == 0;
            return self.sync_with(true, keep_new).map(drop);
        }
        if disk.dirs.is_some() && self.is_watched() {
            disk.dirs = Some(self.dir_times());
        }
        Ok(())
    }

    fn sync_with(&self, force: bool, keep_new: bool) -> Result<Arc<Snapshot>> {
        let (mut disk, mut now) = self.lock_with_times()?;
        let mut same = !force && self.unchanged(&disk, &now);
        if !force && !same && self.may_await_own_events(disk.entries.len()) {
            drop(disk);
            // The watcher may have our own changes' events still to check off.
            self.await_own_events();
            (disk, now) = self.lock_with_times()?;
            same = self.unchanged(&disk, &now);
        }
        if same {
            // Publishes only when another process's numbers moved ours on.
            return Ok(self.publish(&mut disk, &[]));
        }
        let lock = DotLock::acquire(self.dir())?;
        let (dirty, recent) = self.scan_with(&mut disk, keep_new)?;
        if dirty {
            self.save_list(&mut disk, lock)?;
        }
        let snapshot = self.publish(&mut disk, &recent);
        drop(disk);
        if snapshot.entries.len() >= TRIM_FROM {
            // The listing and the old entries are freed: megabytes.
            crate::store::memory::release_freed();
        }
        Ok(snapshot)
    }

    /// When the directory times moved only because of our own renames and
    /// unlinks whose events the watcher has yet to check off (a session
    /// that changed flags and logged out just before), a large mailbox is
    /// better waited for than listed again: waits (without the mutex,
    /// which the watcher's sync needs) until they are checked off, at most
    /// [`AWAIT_OWN`]. A small mailbox lists faster.
    fn await_own_events(&self) {
        let t = std::time::Instant::now();
        while self.expects_events() && t.elapsed() < AWAIT_OWN {
            std::thread::sleep(std::time::Duration::from_millis(2));
        }
    }

    /// Whether [`Self::await_own_events`] may wait for a mailbox of
    /// `messages`: when not, the sync goes on under the mutex it holds
    /// (letting it go and looking at the times again would find the same).
    fn may_await_own_events(&self, messages: usize) -> bool {
        messages >= AWAIT_OWN_FROM && self.is_watched()
    }

    /// The bookkeeping locked (caught up with the change log) and the
    /// directory times read under it; `NotFound` when `cur/` is not a
    /// directory (the mailbox was deleted). One `stat` each for `cur/` and
    /// `new/`, where [`Self::lock_disk`] and then the times took three.
    fn lock_with_times(&self) -> Result<(parking_lot::MutexGuard<'_, Disk>, DirTimes)> {
        let mut disk = self.disk.lock();
        disk.catch_up();
        let now = self.dir_times();
        if now.cur.is_none() {
            return Err(StoreError::NotFound(self.dir().display().to_string()));
        }
        Ok((disk, now))
    }

    /// Called when a lingering watch ends (see `watch.rs`): the times the
    /// watcher vouched for, still the directories' times, are vouched for
    /// as of now, so that they count as settled once nothing watches.
    /// Our last change is long enough ago that an event of another's change
    /// in the same clock tick would have been seen.
    pub(crate) fn vouch_again(&self) {
        let Ok(mut disk) = self.lock_disk() else { return };
        let now = self.dir_times();
        if let Some(d) = disk.dirs.as_mut() {
            if d.cur == now.cur && d.new == now.new {
                d.taken = now.taken;
            }
        }
    }

    /// After our own renames, unlinks and new files in `cur/` (mutex
    /// held): while the watcher watches, the directory times they moved are
    /// vouched for at once, so the next SELECT or STATUS lists nothing
    /// (without this, every sync within the watcher's debounce of a change
    /// listed the mailbox again). Another process's change made meanwhile
    /// still comes as an event the watcher does not know as ours, and its
    /// sync lists the mailbox, as for a change in the tick of the last
    /// vouched time (see [`Self::unchanged`]).
    pub(crate) fn vouch_own_changes(&self, disk: &mut Disk) {
        if disk.dirs.is_some() && self.is_watched() {
            disk.dirs = Some(self.dir_times());
        }
    }

    /// The times of `cur/` and `new/` now.
    /// `cur` is `None` unless it is a directory (as [`Self::lock_disk`] checks).
    fn dir_times(&self) -> DirTimes {
        let mtime = |d: &str, dir_only: bool| {
            let m = fs::metadata(self.dir().join(d)).ok().filter(|m| m.is_dir() || !dir_only)?;
            m.modified().ok()
        };
        DirTimes { cur: mtime("cur", true), new: mtime("new", false), taken: std::time::SystemTime::now() }
    }

    /// True when the last full scan still describes the mailbox.
    fn unchanged(&self, disk: &Disk, now: &DirTimes) -> bool {
        let Some(last) = disk.dirs else { return false };
        // While the watcher watches, a change in the same clock tick as the
        // last one vouched for still comes as an event (and a sync), so the
        // times need not be settled.
        let watched = self.is_watched();
        let settled = |t: Option<std::time::SystemTime>| t.is_some_and(|t| watched || settled(t, last.taken));
        disk.list.is_some()
            && last.cur == now.cur
            && last.new == now.new
            && settled(last.cur)
            && settled(last.new)
            && !self.needs_scan(disk)
            && FileStamp::of(&self.dir().join(keywords::FILE)) == disk.keywords_stamp
    }

    /// Whether the bookkeeping must be rebuilt from disk before a change:
    /// not loaded yet, or the uid list was replaced by another process.
    pub(crate) fn needs_scan(&self, disk: &Disk) -> bool {
        disk.list.is_none() || FileStamp::of(&self.dir().join(uidlist::FILE)) != disk.list_stamp
    }

    /// Reloads the keyword table if another process replaced it.
    pub(crate) fn reload_keywords(&self, disk: &mut Disk) -> Result<()> {
        let path = self.dir().join(keywords::FILE);
        let stamp = FileStamp::of(&path);
        if stamp == disk.keywords_stamp && disk.list.is_some() {
            return Ok(());
        }
        disk.keywords = match crate::store::atomic::read(&path) {
            Ok(data) => {
                let (keywords, dropped) = Keywords::parse_bytes(&data);
                if dropped > 0 {
                    // Once per version of the file (it is read again only
                    // when replaced), and without its bytes, which may be
                    // anything.
                    log::warn!(
                        "{}: {}: {dropped} unreadable or invalid lines ignored (their letters stay unused)",
                        self.dir().display(),
                        keywords::FILE
                    );
                }
                keywords
            }
            Err(e) if e.kind() == io::ErrorKind::NotFound => Keywords::default(),
            Err(e) => return Err(StoreError::io("reading dovecot-keywords", e)),
        };
        disk.keywords_stamp = stamp;
        Ok(())
    }

    /// Writes the keyword table (the caller holds the dotlock, as Dovecot
    /// requires for writing it).
    pub(crate) fn save_keywords(&self, disk: &mut Disk) -> Result<()> {
        let path = self.dir().join(keywords::FILE);
        crate::store::lock::replace_file(&path, disk.keywords.render().as_bytes())?;
        disk.keywords_stamp = FileStamp::of(&path);
        Ok(())
    }

    /// Writes the uid list, releasing the dotlock: new records are
    /// appended to the file as Dovecot appends them (so a new message costs
    /// one short write, and the file is a valid uid list at every instant);
    /// the whole file is rewritten only now and then (see
    /// [`UidList::should_rewrite`]). The caller has made sure under the
    /// lock that the file is the one last read or written.
    pub(crate) fn save_list(&self, disk: &mut Disk, lock: DotLock) -> Result<()> {
        let path = self.dir().join(uidlist::FILE);
        let Some(list) = disk.list.as_mut() else {
            return Ok(());
        };
        if list.should_rewrite() || disk.list_stamp.is_none() {
            lock.commit(list.render().as_bytes())?;
            list.rewritten();
        } else {
            let (text, n) = list.render_unwritten();
            if n > 0 {
                crate::store::atomic::append(&path, text.as_bytes(), true)
                    .map_err(|e| StoreError::io("appending to dovecot-uidlist", e))?;
                list.appended(n);
            }
            drop(lock);
        }
        disk.list_stamp = FileStamp::of(&path);
        Ok(())
    }

    /// The scan itself (mutex and dotlock held). Returns whether the uid
    /// list must be written and the UIDs given to new messages.
    pub(crate) fn scan_locked(&self, disk: &mut Disk) -> Result<(bool, Vec<u32>)> {
        self.scan_with(disk, false)
    }

    /// [`Self::scan_locked`]; with `keep_new`, `new/` is listed and left
    /// as it is (a read-only session's sync).
    fn scan_with(&self, disk: &mut Disk, keep_new: bool) -> Result<(bool, Vec<u32>)> {
        self.scans.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        self.reload_keywords(disk)?;
        let mut dirty = self.read_list(disk)?;
        let cur = self.list_dirs(disk, keep_new)?;
        let (numbered, mut new_uids) = self.number_files(disk, cur)?;
        dirty |= numbered;
        // The new list, and the changes that lead to it from the old one,
        // each with its own mod-sequence. A first load has no changes.
        let uidvalidity = disk.list.as_ref().map(|l| l.uidvalidity).unwrap_or(0);
        let first_load = disk.modseqs.as_ref().is_none_or(|m| m.uidvalidity != uidvalidity);
        let (mut changes, revealed) = self.rebuild_entries(disk, first_load);
        // Hidden messages are nobody's recent messages.
        new_uids.retain(|u| !disk.hidden.contains_key(u));
        // Not recent: nothing was delivered (and the process that renumbers
        // a revealed message, which may be `tegami service`, is chance).
        for (_, uid) in self.renumber(disk, &revealed) {
            changes.push((uid, ChangeKind::New));
            dirty = true;
        }
        if first_load {
            self.load_modseqs(disk, uidvalidity);
            // Revealed while no tegami watched: expunged, yet there.
            let back = self.expunged_but_present(disk);
            for (old, uid) in self.renumber(disk, &back) {
                disk.change(old, ChangeKind::Expunged);
                let modseq = disk.change(uid, ChangeKind::New);
                if let Some(e) = disk.entries.find_mut(uid) {
                    e.modseq = modseq;
                }
                dirty = true;
            }
        } else {
            changes.sort_by_key(|&(uid, kind)| (kind != ChangeKind::Expunged, uid));
            for (uid, kind) in changes {
                let modseq = disk.change(uid, kind);
                if let Some(e) = disk.entries.find_mut(uid) {
                    e.modseq = modseq;
                }
            }
        }
        Ok((dirty, new_uids))
    }

    /// Reads `dovecot-uidlist` again when it is not loaded or another
    /// process replaced it; returns whether ours must be written (there
    /// was none, or it was unreadable or removed under us).
    fn read_list(&self, disk: &mut Disk) -> Result<bool> {
        let list_path = self.dir().join(uidlist::FILE);
        let stamp = FileStamp::of(&list_path);
        if disk.list.is_some() && stamp == disk.list_stamp {
            return Ok(false);
        }
        let mut dirty = false;
        let loaded = match crate::store::atomic::read(&list_path) {
            Ok(data) => match UidList::parse(&data) {
                Ok(list) => {
                    if list.dropped_lines > 0 {
                        log::warn!(
                            "{}: {}: {} unreadable lines dropped (their messages get new UIDs)",
                            self.dir().display(),
                            uidlist::FILE,
                            list.dropped_lines
                        );
                    }
                    Some(list)
                }
                Err(e) => {
                    log::warn!("{}: {e}; starting a new UIDVALIDITY", self.dir().display());
                    None
                }
            },
            Err(e) if e.kind() == io::ErrorKind::NotFound => None,
            Err(e) => return Err(StoreError::io("reading dovecot-uidlist", e)),
        };
        match loaded {
            Some(list) => disk.list = Some(list),
            None if disk.list.is_some() => dirty = true, // removed under us: write ours back
            None => {
                disk.list = Some(UidList::new(new_uidvalidity()));
                dirty = true;
            }
        }
        disk.list_stamp = stamp;
        Ok(dirty)
    }

    /// Lists `new/` (moving its files into `cur/` unless `keep_new`) and
    /// then `cur/`, and notes the directory times that vouch for it.
    fn list_dirs(&self, disk: &mut Disk, keep_new: bool) -> Result<Listing> {
        // The directory times that will vouch for this scan are read after
        // our own moves out of new/ (which change them) and before the
        // listings that count: new/ once more, then cur/. A change after
        // that moment moves the times on (see `settled`); our own moves
        // are left a clock tick to age first.
        disk.dirs = None;
        let mut cur = if keep_new {
            // Not vouched for while new/ holds files: the next sync scans
            // again, and a read-write one moves them.
            let times = self.dir_times();
            let new = self.read_listing("new")?;
            if new.is_empty() {
                disk.dirs = Some(times);
            }
            new
        } else {
            if self.move_new_to_cur()? > 0 {
                std::thread::sleep(std::time::Duration::from_millis(25));
            }
            let times = self.dir_times();
            if self.move_new_to_cur()? == 0 {
                disk.dirs = Some(times);
            }
            Listing::default()
        };
        // cur/ after new/: a file moved between the two reads is seen, and
        // its cur/ name wins.
        cur.extend(self.read_cur()?);
        let list = disk.list.as_ref().expect("loaded by read_list");
        if list.records.iter().any(|r| !cur.contains(r.base())) {
            cur.extend(self.read_cur()?);
        }
        Ok(cur)
    }

    /// Matches the uid list with the listing: records of files gone are
    /// dropped, known files take their current names, new files get UIDs
    /// (in name order). Returns whether the list must be written and the
    /// new UIDs.
    fn number_files(&self, disk: &mut Disk, mut cur: Listing) -> Result<(bool, Vec<u32>)> {
        let hidden = disk.hidden.len();
        let list = disk.list.as_mut().expect("loaded by read_list");
        // Lines of messages that are gone stay in the file until a rewrite
        // (Dovecot's way too): nothing needs writing for an expunge.
        list.records.retain(|r| cur.contains(r.base()));
        let mut dirty = list.should_rewrite();
        // Known files leave the listing as their records take their names
        // (moved, not copied: with 100,000 messages every copy of the
        // names is megabytes), so what remains is the new files. A second
        // record with the same base name keeps the name it had.
        for r in &mut list.records {
            if let Some(file) = cur.take(r.base()) {
                r.file = file;
            }
        }
        let mut fresh: Vec<String> = cur.into_names();
        fresh.sort();
        // Room for the new files, and for every known message should all
        // need a new UID below (revealed, or expunged yet present).
        dirty |= restart_if_short(self.dir(), list, fresh.len() + hidden);
        let mut new_uids = Vec::with_capacity(fresh.len());
        self.noticed.fetch_add(fresh.len() as u64, std::sync::atomic::Ordering::Relaxed);
        for file in fresh {
            new_uids.push(list.assign(&file));
            dirty = true;
        }
        Ok((dirty, new_uids))
    }

    /// Builds the entries (and the hidden messages) anew from the uid
    /// list, reusing the old ones in one pass in UID order (no map of
    /// 100,000 copied names). Returns the changes from the old entries,
    /// and the UIDs of messages no longer hidden (they come back under a
    /// new UID).
    fn rebuild_entries(&self, disk: &mut Disk, first_load: bool) -> (Vec<(u32, ChangeKind)>, Vec<u32>) {
        let old_entries = std::mem::take(&mut disk.entries);
        let mut old = old_entries.iter().peekable();
        let mut old_hidden = std::mem::take(&mut disk.hidden);
        let list = disk.list.take().expect("loaded by read_list");
        let mut entries = Entries::default();
        let mut changes = Vec::new();
        // The old entry of a record: the one with its UID and base name.
        // Old entries passed over have no record left: expunged. One with
        // the UID and another name was renumbered by another process (a
        // new UID is a new message to a client).
        let mut take_old = |r: &uidlist::UidRecord, changes: &mut Vec<(u32, ChangeKind)>| {
            while let Some(e) = old.next_if(|e| e.uid < r.uid) {
                changes.push((e.uid, ChangeKind::Expunged));
            }
            match old.next_if(|e| e.uid == r.uid) {
                Some(e) if e.base() == r.base() => Some(e),
                Some(e) => {
                    changes.push((e.uid, ChangeKind::Expunged));
                    None
                }
                None => None,
            }
        };
        let mut revealed = Vec::new();
        for r in &list.records {
            let flags = filename::parse(&r.file).flags;
            if disk.hides(&flags) {
                let e = match take_old(r, &mut changes) {
                    // Hidden by a rename on disk: an expunge to every view.
                    Some(e) => {
                        changes.push((r.uid, ChangeKind::Expunged));
                        renamed(e, &r.file, flags)
                    }
                    None => match old_hidden.remove(&r.uid) {
                        Some(e) => Entry { file: r.file.as_str().into(), flags, ..e },
                        None => self.entry_for(r.uid, &r.file, None),
                    },
                };
                disk.hidden.insert(r.uid, e);
                continue;
            }
            if !first_load && old_hidden.get(&r.uid).is_some_and(|e| e.base() == r.base()) {
                revealed.push(r.uid);
                continue;
            }
            let e = match take_old(r, &mut changes) {
                Some(e) => {
                    if e.flags != flags {
                        changes.push((r.uid, ChangeKind::Flags));
                    }
                    if *e.file != *r.file {
                        disk.touched = true;
                    }
                    renamed(e, &r.file, flags)
                }
                None => {
                    changes.push((r.uid, ChangeKind::New));
                    self.entry_for(r.uid, &r.file, None)
                }
            };
            entries.push(e);
        }
        for e in old {
            changes.push((e.uid, ChangeKind::Expunged));
        }
        disk.list = Some(list);
        disk.entries = entries;
        (changes, revealed)
    }

    /// Makes room for `n` new UIDs (dotlock held, list loaded): when they
    /// would run out, starts a new UIDVALIDITY and rebuilds the entries
    /// under it (a first load: old UIDs mean nothing to anyone now).
    /// Returns the scan's new messages when it did.
    pub(crate) fn make_room(&self, disk: &mut Disk, n: usize) -> Result<Option<Vec<u32>>> {
        let hidden = disk.hidden.len();
        let Some(list) = disk.list.as_mut() else { return Ok(None) };
        if !restart_if_short(self.dir(), list, n + hidden) {
            return Ok(None);
        }
        Ok(Some(self.scan_locked(disk)?.1))
    }

    /// Gives every message its mod-sequence from the sidecar, and fresh
    /// ones to changes made while no tegami watched (see `modseq.rs`).
    fn load_modseqs(&self, disk: &mut Disk, uidvalidity: u32) {
        disk.touched = true;
        disk.pending.clear();
        let (mut file, map, found) = ModseqFile::load(self.dir(), uidvalidity);
        let floor = file.reserved.max(disk.highest_modseq);
        if disk.counter.is_none() {
            match Counter::open(self.dir(), floor) {
                Ok(c) => disk.counter = Some(c),
                Err(e) => log::error!("{}: opening {}: {e}", self.dir().display(), crate::store::modseq::COUNTER),
            }
        }
        disk.highest_modseq = floor;
        let result = if !found {
            disk.highest_modseq = fresh_base().max(floor);
            let base = disk.take_modseqs(1);
            disk.highest_modseq = base;
            disk.entries.update_where(|_| true, |e| e.modseq = base);
            file.floor = base;
            file.rewrite(&disk.entries, base)
        } else {
            let stale = |e: &Entry| map.get(&e.uid).is_none_or(|(_, info)| info != info_of(&e.file));
            let live: HashSet<u32> = disk.entries.iter().map(|e| e.uid).collect();
            let mut gone: Vec<u32> = map.keys().copied().filter(|u| !live.contains(u)).collect();
            gone.sort_unstable();
            let n = disk.entries.iter().filter(|e| stale(e)).count() + gone.len();
            if n > 0 {
                disk.highest_modseq = disk.take_modseqs(n as u64);
            }
            let mut next = disk.highest_modseq - n as u64;
            let mut text = String::new();
            disk.entries.update_where(
                |_| true,
                |e| match map.get(&e.uid) {
                    Some((m, info)) if info == info_of(&e.file) => e.modseq = *m,
                    _ => {
                        next += 1;
                        e.modseq = next;
                        text.push_str(&format!("m {} {next} {}\n", e.uid, info_of(&e.file)));
                    }
                },
            );
            for uid in gone {
                next += 1;
                file.push_expunge(uid, next);
                text.push_str(&format!("x {uid} {next}\n"));
            }
            let highest = disk.highest_modseq;
            file.reserve(highest + 1, &disk.entries).and_then(|()| file.append(&text, n, &disk.entries, highest))
        };
        if let Err(e) = result {
            log::error!("{}: writing {}: {e}", self.dir().display(), crate::store::modseq::FILE);
        }
        disk.modseqs = Some(file);
    }

    /// Builds an entry for a file seen for the first time: one stat when
    /// the name does not carry the size (`,S=`), none otherwise (the date
    /// is then read when first asked for).
    pub(crate) fn entry_for(&self, uid: u32, file: &str, date: Option<i64>) -> Entry {
        let parsed = filename::parse(file);
        let (size, internal_date) = match (parsed.size, date) {
            (Some(size), Some(d)) => (size, d),
            (Some(size), None) => (size, UNKNOWN_DATE),
            (None, d) => {
                let meta = fs::symlink_metadata(self.file_path(file)).ok();
                let size = meta.as_ref().map(|m| m.len()).unwrap_or(0);
                (size, d.unwrap_or_else(|| meta.map(|m| m.mtime()).unwrap_or_else(now_secs)))
            }
        };
        Entry {
            uid,
            file: file.into(),
            flags: parsed.flags.clone(),
            size,
            vsize: parsed.vsize,
            internal_date,
            modseq: 1,
        }
    }

    /// Moves every file of `new/` into `cur/` with an empty info part;
    /// returns how many it moved.
    fn move_new_to_cur(&self) -> Result<usize> {
        let new_dir = self.dir().join("new");
        let mut moved = 0;
        let rd = match fs::read_dir(&new_dir) {
            Ok(rd) => rd,
            Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(0),
            Err(e) => return Err(StoreError::io("reading new/", e)),
        };
        for ent in rd {
            let ent = ent.map_err(|e| StoreError::io("reading new/", e))?;
            let name = ent.file_name();
            let Some(name) = name.to_str() else { continue };
            if name.starts_with('.') || !is_regular(&ent) {
                continue;
            }
            let target = if name.contains(':') { name.to_string() } else { format!("{name}:2,") };
            self.expect_event(true, false, name);
            self.expect_event(false, true, &target);
            match fs::rename(ent.path(), self.cur_path(&target)) {
                Ok(()) => moved += 1,
                // Another process moved it first; it is in cur/ now.
                Err(e) if e.kind() == io::ErrorKind::NotFound => {}
                Err(e) => return Err(StoreError::io(format!("moving new/{name} to cur/"), e)),
            }
        }
        if moved > 0 {
            for sub in ["new", "cur"] {
                let dir = self.dir().join(sub);
                shared_storage::sync_dir(&dir).map_err(|e| StoreError::io(format!("syncing {sub}/"), e))?;
            }
        }
        Ok(moved)
    }

    /// `cur/`'s file names, found by base name.
    fn read_cur(&self) -> Result<Listing> {
        self.read_listing("cur")
    }

    /// The file names of `cur/` or `new/`, found by base name; a missing
    /// `new/` holds nothing, a missing `cur/` is no mailbox.
    fn read_listing(&self, sub: &str) -> Result<Listing> {
        let rd = match fs::read_dir(self.dir().join(sub)) {
            Ok(rd) => rd,
            Err(e) if e.kind() == io::ErrorKind::NotFound && sub == "new" => return Ok(Listing::default()),
            Err(e) if e.kind() == io::ErrorKind::NotFound => {
                return Err(StoreError::NotFound(self.dir().display().to_string()))
            }
            Err(e) => return Err(StoreError::io(format!("reading {sub}/"), e)),
        };
        let mut map = Listing::default();
        for ent in rd {
            let ent = ent.map_err(|e| StoreError::io(format!("reading {sub}/"), e))?;
            let name = ent.file_name();
            let Some(name) = name.to_str() else { continue };
            if name.starts_with('.') || !is_regular(&ent) {
                continue;
            }
            map.insert(name.to_string());
        }
        Ok(map)
    }
}

/// Starts a new UIDVALIDITY, numbering the messages from 1, when fewer
/// UIDs remain than `extra` new ones plus one for each listed message (so
/// that nothing short of a new UIDVALIDITY can run out; with 2^32 UIDs the
/// margin costs nothing). UID 0 and UIDs past 2^32-1 do not exist (RFC 3501
/// 2.3.1.1), and a UID is never given twice under one UIDVALIDITY, so a
/// new UIDVALIDITY is the only way on (Dovecot's documented remedy, which
/// its administrators apply by hand). Returns whether it restarted.
fn restart_if_short(dir: &std::path::Path, list: &mut UidList, extra: usize) -> bool {
    let needed = (extra + list.records.len()) as u64;
    if list.room() > needed {
        return false;
    }
    let (old, old_next) = (list.uidvalidity, list.next_uid);
    let mut fresh = new_uidvalidity();
    if fresh == old {
        fresh = new_uidvalidity();
    }
    list.restart_numbering(fresh);
    log::warn!(
        "{}: UIDs ran out (next UID {}), new UIDVALIDITY {fresh} (was {old}): {} messages numbered from 1",
        dir.display(),
        old_next,
        list.records.len()
    );
    true
}

/// An entry as it is now: `e` under its current file name and flags.
fn renamed(e: &Entry, file: &str, flags: filename::Flags) -> Entry {
    Entry {
        uid: e.uid,
        file: file.into(),
        flags,
        size: e.size,
        vsize: e.vsize,
        internal_date: e.internal_date,
        modseq: e.modseq,
    }
}

/// A full scan of this many messages is followed by a trim (see
/// `memory.rs`): the watcher's syncs run in no session.
const TRIM_FROM: usize = 10_000;

/// Mailboxes of this many messages wait for the events of our own changes
/// rather than list `cur/` again (a listing of 2,000 takes about as long as
/// the watcher's debounce).
const AWAIT_OWN_FROM: usize = 2000;
/// The longest such a wait: the watcher's debounce, with room.
const AWAIT_OWN: std::time::Duration = std::time::Duration::from_millis(200);

/// True when a directory time `t` read at `taken` is safely in the past:
/// a later change is bound to give a later time. Linux stamps inodes from a
/// clock that ticks every few milliseconds, so a change in the same tick as
/// the last one can leave the time as it was; a time with no sub-second part
/// comes from a file system with whole-second (or coarser) times.
fn settled(t: std::time::SystemTime, taken: std::time::SystemTime) -> bool {
    use std::time::{Duration, UNIX_EPOCH};
    let fine = t.duration_since(UNIX_EPOCH).is_ok_and(|d| d.subsec_nanos() != 0);
    let margin = if fine { Duration::from_millis(20) } else { Duration::from_secs(2) };
    t + margin < taken
}

/// Seconds since the epoch, now.
pub(crate) fn now_secs() -> i64 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.as_secs() as i64).unwrap_or(0)
}
