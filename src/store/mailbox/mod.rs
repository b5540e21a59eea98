//! One mailbox's state shared by every session of the process.
//!
//! All sessions are threads of one process, so a mailbox has one
//! [`MailboxShared`] (kept by the [`Store`](super::Store) registry). It
//! holds the synced message list; every change (append, flags, expunge,
//! copy, or an outside change found by a sync) goes through it, publishes a
//! new [`Snapshot`], bumps the change counter and wakes the sessions that
//! wait on it. A session keeps its own sequence-number view and diffs it
//! against the latest snapshot.

mod commit;
pub mod deliver;
pub mod hidden;
pub mod modify;
pub mod objectid;
pub mod sync;
pub mod watch;

use std::collections::{BTreeMap, HashMap, HashSet};
use std::fs;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{SystemTime, UNIX_EPOCH};

use crossbeam_channel::{Receiver, Sender};
use parking_lot::{Mutex, MutexGuard, RwLock};

use super::cache::Cache;
use super::changes::{Change, ChangeKind, ChangeLog};
use super::entries::Entries;
use super::error::{Result, StoreError};
use super::filename::{self, Flags};
use super::keywords::Keywords;
pub use super::model::{new_uidvalidity, Entry, Snapshot, Status, UNKNOWN_DATE};
use super::modseq::{info_of, Counter, ModseqFile};
use super::uidlist::UidList;
use watch::FsEvent;

/// A change callback; see [`MailboxShared::add_hook`].
pub type Hook = std::sync::Arc<dyn Fn() + Send + Sync>;

/// The keyword that hides a message from IMAP (CommuniGate's service
/// messages, such as an account's settings): see [`Disk::hides`].
pub const SERVICE: &str = "$Service";

/// What the mutex of a mailbox guards: the on-disk bookkeeping.
pub(crate) struct Disk {
    /// The uid list as last read or written; `None` until first loaded.
    pub list: Option<UidList>,
    /// Identity of `dovecot-uidlist` as last read or written, to notice
    /// writes by other processes.
    pub list_stamp: Option<FileStamp>,
    /// The keyword table.
    pub keywords: Keywords,
    /// Identity of `dovecot-keywords` as last read or written.
    pub keywords_stamp: Option<FileStamp>,
    /// The messages IMAP sees, UIDs increasing.
    pub entries: Entries,
    /// The messages [`hides`](Disk::hides) keeps out of `entries` (they
    /// keep their uid list line and file; only the administrator's
    /// `tegami service` sees them).
    pub hidden: BTreeMap<u32, Entry>,
    /// The mod-sequence of the latest change.
    pub highest_modseq: u64,
    /// Changes not yet published, in order.
    pub pending: Vec<Change>,
    /// The mod-sequence sidecar, once loaded.
    pub modseqs: Option<ModseqFile>,
    /// The counter shared with other processes, once opened.
    pub counter: Option<Counter>,
    /// Entries changed in a way no mod-sequence counts (a new file name
    /// from a scan, a date read): the next publish must show them.
    pub touched: bool,
    /// The modification times of `cur/` and `new/` read just before the
    /// last full scan, and when that was; see [`MailboxShared::sync`].
    pub dirs: Option<DirTimes>,
}

/// Modification times of a mailbox's `cur/` and `new/` at a moment.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct DirTimes {
    pub cur: Option<SystemTime>,
    pub new: Option<SystemTime>,
    pub taken: SystemTime,
}

/// Enough of a file's metadata to tell that it was replaced.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct FileStamp {
    ino: u64,
    len: u64,
    mtime: Option<SystemTime>,
}

impl Disk {
    /// Whether flags hide a message from IMAP: the one place that decides.
    /// A hidden message is not in `entries`, so no snapshot, view, count or
    /// command ever sees it; becoming hidden is an expunge to every view,
    /// and a message that stops being hidden comes back under a new UID,
    /// as a new message (see the scan).
    pub fn hides(&self, flags: &Flags) -> bool {
        self.keywords.index(SERVICE).is_some_and(|i| flags.keywords & (1 << i) != 0)
    }

    /// Adds a message that just arrived with a UID above every other: to
    /// the visible messages (a `New` change), or to the hidden ones.
    /// Returns whether it is visible.
    pub fn add_new(&mut self, mut entry: Entry) -> bool {
        if self.hides(&entry.flags) {
            self.hidden.insert(entry.uid, entry);
            return false;
        }
        entry.modseq = self.change(entry.uid, ChangeKind::New);
        self.entries.push(entry);
        true
    }

    /// Gives a change to a message the next mod-sequence and queues it for
    /// the next publish; returns the mod-sequence.
    pub fn change(&mut self, uid: u32, kind: ChangeKind) -> u64 {
        self.highest_modseq = self.take_modseqs(1);
        self.pending.push(Change { modseq: self.highest_modseq, uid, kind });
        self.highest_modseq
    }
}

impl Disk {
    /// Takes `n` mod-sequences above the highest from the shared counter;
    /// returns the last (the new highest).
    pub fn take_modseqs(&mut self, n: u64) -> u64 {
        let local = self.highest_modseq + n;
        let Some(counter) = self.counter.as_mut() else { return local };
        counter.take(self.highest_modseq, n).unwrap_or_else(|e| {
            log::error!("taking mod-sequences from {}: {e}", super::modseq::COUNTER);
            local
        })
    }

    /// Raises the highest mod-sequence to the last one any process handed
    /// out: every change this process knows has a number at or below it,
    /// and any it finds later gets a number above, so a client that moves
    /// between processes never sees HIGHESTMODSEQ go backwards.
    pub fn catch_up(&mut self) {
        if let Some(last) = self.counter.as_mut().and_then(|c| c.last().ok()) {
            self.highest_modseq = self.highest_modseq.max(last);
        }
    }
}

impl FileStamp {
    /// The stamp of a file, `None` when it does not exist.
    pub fn of(path: &Path) -> Option<FileStamp> {
        use std::os::unix::fs::MetadataExt;
        let m = fs::symlink_metadata(path).ok()?;
        Some(FileStamp { ino: m.ino(), len: m.len(), mtime: m.modified().ok() })
    }
}

/// The shared state of one mailbox directory.
pub struct MailboxShared {
    dir: PathBuf,
    /// Serializes every writer of this process; the dotlock is taken
    /// inside it, so threads never poll the dotlock against each other.
    pub(crate) disk: Mutex<Disk>,
    current: RwLock<Arc<Snapshot>>,
    /// The published changes, for views to catch up with.
    log: RwLock<ChangeLog>,
    counter: AtomicU64,
    recent: Mutex<Vec<u32>>,
    wakers: Mutex<Vec<(u64, Sender<()>)>>,
    /// Callbacks run on every change (a session's IDLE eventfd).
    hooks: Mutex<Vec<(u64, Hook)>>,
    next_waker: AtomicU64,
    /// The sidecar cache, opened on first use.
    cache: Mutex<Option<Cache>>,
    /// Changes waiting for a group commit (see `commit.rs`).
    pub(crate) jobs: Mutex<commit::Queue>,
    /// Held by the one writer committing the queue.
    pub(crate) commit_turn: Mutex<()>,
    /// Whether inotify watches both `cur/` and `new/` (else sessions poll).
    watched: AtomicBool,
    /// How many full scans of the directories were made.
    pub(crate) scans: AtomicU64,
    /// When the registry last handed this mailbox out.
    last_used: Mutex<std::time::Instant>,
    /// Directory events our own renames and unlinks will cause, so the
    /// watcher does not rescan the mailbox for them.
    pub(crate) own_events: Mutex<HashMap<FsEvent, u32>>,
    /// Read-write selections in this process: without one, the watcher's
    /// syncs leave `new/` alone, as a read-only session's do.
    pub(crate) writers: AtomicUsize,
}

/// More expected events than this are forgotten (they were never
/// delivered: the mailbox was not watched).
const OWN_EVENTS_MAX: usize = 4096;

impl MailboxShared {
    /// State for the mailbox directory `dir` (holding `cur new tmp`); nothing
    /// is read until the first sync.
    pub fn new(dir: PathBuf) -> MailboxShared {
        MailboxShared {
            dir,
            disk: Mutex::new(Disk {
                list: None,
                list_stamp: None,
                keywords: Keywords::default(),
                keywords_stamp: None,
                entries: Entries::default(),
                hidden: BTreeMap::new(),
                highest_modseq: 0,
                pending: Vec::new(),
                modseqs: None,
                counter: None,
                touched: false,
                dirs: None,
            }),
            current: RwLock::new(Arc::new(Snapshot::default())),
            log: RwLock::new(ChangeLog::default()),
            counter: AtomicU64::new(0),
            recent: Mutex::new(Vec::new()),
            wakers: Mutex::new(Vec::new()),
            hooks: Mutex::new(Vec::new()),
            cache: Mutex::new(None),
            jobs: Mutex::new(commit::Queue::default()),
            commit_turn: Mutex::new(()),
            watched: AtomicBool::new(false),
            scans: AtomicU64::new(0),
            last_used: Mutex::new(std::time::Instant::now()),
            writers: AtomicUsize::new(0),
            own_events: Mutex::new(HashMap::new()),
            next_waker: AtomicU64::new(1),
        }
    }

    /// The mailbox directory.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// The latest published snapshot (not synced: call [`sync`](Self::sync)
    /// first when outside changes matter).
    pub fn snapshot(&self) -> Arc<Snapshot> {
        self.current.read().clone()
    }

    /// The change counter of the latest snapshot.
    pub fn counter(&self) -> u64 {
        self.counter.load(Ordering::Acquire)
    }

    /// Takes the messages that are recent and not yet given to a session:
    /// the first session to call this gets them, later ones get none.
    pub fn claim_recent(&self) -> Vec<u32> {
        std::mem::take(&mut *self.recent.lock())
    }

    /// The messages recent and not yet given to a session, left so: what
    /// a read-only (EXAMINE) session shows as `\Recent` without taking
    /// the flag from the next read-write session (RFC 3501 2.3.2).
    pub fn peek_recent(&self) -> Vec<u32> {
        self.recent.lock().clone()
    }

    /// How many recent messages no session has claimed yet.
    pub fn unclaimed_recent(&self) -> usize {
        self.recent.lock().len()
    }

    /// Status counts after a sync (every INTERNALDATE is read, for OLDEST).
    pub fn status(&self) -> Result<Status> {
        let mut snap = self.sync()?;
        if snap.entries.iter().any(|e| e.internal_date == UNKNOWN_DATE) {
            snap = self.fill_dates();
        }
        Ok(snap.status(self.unclaimed_recent()))
    }

    /// A message's INTERNALDATE (its file's mtime), read from the file the
    /// first time and remembered.
    pub fn internal_date(&self, entry: &Entry) -> i64 {
        if entry.internal_date != UNKNOWN_DATE {
            return entry.internal_date;
        }
        let mut disk = self.disk.lock();
        if let Some(e) = disk.entries.find_mut(entry.uid) {
            if e.internal_date == UNKNOWN_DATE {
                e.internal_date = self.mtime_of(&e.file.clone(), entry.base());
            }
            return e.internal_date;
        }
        self.mtime_of(&entry.file, entry.base())
    }

    /// The mtime of a message file, following a rename; now if it is gone.
    fn mtime_of(&self, file: &str, base: &str) -> i64 {
        use std::os::unix::fs::MetadataExt;
        let now = || SystemTime::now().duration_since(UNIX_EPOCH).map(|d| d.as_secs() as i64).unwrap_or(0);
        // The link itself, never what a link planted in cur/ points to.
        match fs::symlink_metadata(self.file_path(file)) {
            Ok(m) => m.mtime(),
            Err(_) => self
                .refind(base)
                .and_then(|name| fs::symlink_metadata(self.cur_path(&name)).ok())
                .map(|m| m.mtime())
                .unwrap_or_else(now),
        }
    }

    /// Reads every unknown INTERNALDATE and publishes the result.
    fn fill_dates(&self) -> Arc<Snapshot> {
        let mut disk = self.disk.lock();
        disk.entries.update_where(
            |e| e.internal_date == UNKNOWN_DATE,
            |e| e.internal_date = self.mtime_of(&e.file.clone(), e.base()),
        );
        disk.touched = true;
        self.publish(&mut disk, &[])
    }

    /// Runs `f` on the mailbox's sidecar cache (see [`super::cache`]),
    /// opening it on first use and dropping values of expunged messages.
    pub fn with_cache<R>(&self, f: impl FnOnce(&mut Cache) -> R) -> R {
        let mut guard = self.cache.lock();
        let cache = guard.get_or_insert_with(|| {
            let mut c = Cache::open(&self.dir);
            let snap = self.snapshot();
            // Only a synced picture tells which messages are gone.
            if snap.counter > 0 {
                c.retain(|uid| snap.find(uid).is_some());
            }
            c
        });
        f(cache)
    }

    /// Registers a callback run (on the changing thread; keep it short)
    /// whenever a new snapshot is published. Returns an id for
    /// [`remove_hook`](Self::remove_hook).
    pub fn add_hook(&self, hook: Hook) -> u64 {
        let id = self.next_waker.fetch_add(1, Ordering::Relaxed);
        self.hooks.lock().push((id, hook));
        id
    }

    /// Removes a callback added by [`add_hook`](Self::add_hook).
    pub fn remove_hook(&self, id: u64) {
        self.hooks.lock().retain(|(i, _)| *i != id);
    }

    /// Registers a wake channel that receives `()` whenever a new
    /// snapshot is published. Returns an id for [`remove_waker`](Self::remove_waker).
    pub fn add_waker(&self) -> (u64, Receiver<()>) {
        let (tx, rx) = crossbeam_channel::bounded(1);
        let id = self.next_waker.fetch_add(1, Ordering::Relaxed);
        self.wakers.lock().push((id, tx));
        (id, rx)
    }

    /// Unregisters a wake channel; returns how many remain. With none
    /// left, the mod-sequence counter file is closed (or by the next
    /// change, when a command holds the bookkeeping now).
    pub fn remove_waker(&self, id: u64) -> usize {
        let mut w = self.wakers.lock();
        w.retain(|(i, _)| *i != id);
        let left = w.len();
        drop(w);
        if left == 0 {
            if let Some(mut disk) = self.disk.try_lock() {
                if let Some(c) = disk.counter.as_mut() {
                    c.release();
                }
            }
        }
        left
    }

    /// Whether the mod-sequence counter file is open (for tests).
    #[cfg(test)]
    pub(crate) fn counter_open(&self) -> bool {
        self.disk.lock().counter.as_ref().is_some_and(|c| c.is_open())
    }

    /// Wakes every registered waiter.
    pub fn wake_all(&self) {
        for (_, hook) in self.hooks.lock().iter() {
            hook();
        }
        for (_, tx) in self.wakers.lock().iter() {
            // A full channel already holds a wake-up: nothing is lost.
            let _ = tx.try_send(());
        }
    }

    /// Locks the bookkeeping, loading it on first use.
    pub(crate) fn lock_disk(&self) -> Result<MutexGuard<'_, Disk>> {
        if !self.dir.join("cur").is_dir() {
            return Err(StoreError::NotFound(self.dir.display().to_string()));
        }
        Ok(self.disk.lock())
    }

    /// Publishes the bookkeeping as a new snapshot when it changed (its
    /// changes go to the change log), marks `new_recent` as recent, and
    /// wakes the waiters. Costs O(changes + chunks), not O(messages).
    pub(crate) fn publish(&self, disk: &mut Disk, new_recent: &[u32]) -> Arc<Snapshot> {
        let changes = std::mem::take(&mut disk.pending);
        let touched = std::mem::take(&mut disk.touched);
        self.persist(disk, &changes);
        // Kept open while a session has the mailbox selected (an open and
        // a close less per change), closed when none has.
        if self.wakers.lock().is_empty() {
            if let Some(c) = disk.counter.as_mut() {
                c.release();
            }
        }
        let Some(list) = disk.list.as_ref() else {
            return self.snapshot();
        };
        let mut log = self.log.write();
        let mut cur = self.current.write();
        if cur.uidvalidity != list.uidvalidity {
            // Old UIDs mean nothing under a new UIDVALIDITY.
            self.recent.lock().clear();
        }
        if !new_recent.is_empty() {
            self.recent.lock().extend_from_slice(new_recent);
        }
        if changes.is_empty()
            && !touched
            && cur.uidvalidity == list.uidvalidity
            && cur.uidnext == list.next_uid
            && cur.highest_modseq == disk.highest_modseq
            && cur.keywords == disk.keywords
        {
            return cur.clone();
        }
        if cur.uidvalidity != list.uidvalidity {
            // A new picture that no change in the log leads to.
            log.restart(disk.highest_modseq);
        }
        let expunged: HashSet<u32> = changes.iter().filter(|c| c.kind == ChangeKind::Expunged).map(|c| c.uid).collect();
        log.extend(changes);
        let counter = self.counter.fetch_add(1, Ordering::AcqRel) + 1;
        let snap = Arc::new(Snapshot {
            uidvalidity: list.uidvalidity,
            uidnext: list.next_uid,
            counter,
            highest_modseq: disk.highest_modseq,
            entries: disk.entries.clone(),
            keywords: disk.keywords.clone(),
        });
        *cur = snap.clone();
        drop(cur);
        drop(log);
        // Expunged messages are no longer recent for anyone, and their
        // cached values are dead (an unopened cache drops them at its open).
        if !expunged.is_empty() {
            self.recent.lock().retain(|u| !expunged.contains(u));
            if let Some(c) = self.cache.lock().as_mut() {
                c.forget(expunged.iter().copied());
            }
        }
        self.wake_all();
        snap
    }

    /// Whether the watcher sees every change of `cur/` and `new/`; when
    /// not, sessions must [`sync`](Self::sync) on each command and while
    /// idling.
    pub fn is_watched(&self) -> bool {
        self.watched.load(Ordering::Acquire)
    }

    /// How many times the directories were listed in full (for tests and
    /// monitoring: our own changes must not cost one).
    pub fn scans(&self) -> u64 {
        self.scans.load(Ordering::Relaxed)
    }

    /// Notes a use (by the registry).
    pub(crate) fn touch(&self) {
        *self.last_used.lock() = std::time::Instant::now();
    }

    /// How long since the registry last handed this mailbox out or a
    /// session left it.
    pub(crate) fn idle_for(&self) -> std::time::Duration {
        self.last_used.lock().elapsed()
    }

    /// Set by the watcher.
    pub(crate) fn set_watched(&self, on: bool) {
        self.watched.store(on, Ordering::Release);
    }

    /// Notes a directory event that our own rename or unlink is about to
    /// cause (`in_new`: in `new/`, else `cur/`).
    pub(crate) fn expect_event(&self, in_new: bool, appears: bool, name: &str) {
        if !self.is_watched() {
            // No event will come (a watch starting just now costs at most
            // one needless scan).
            return;
        }
        let mut own = self.own_events.lock();
        if own.len() >= OWN_EVENTS_MAX {
            own.clear();
        }
        *own.entry(FsEvent { in_new, appears, name: name.to_string() }).or_default() += 1;
    }

    /// Whether events of our own changes are still expected.
    pub fn expects_events(&self) -> bool {
        !self.own_events.lock().is_empty()
    }

    /// Takes an event off the expected ones; false when it was not ours.
    pub(crate) fn own_event(&self, ev: &FsEvent) -> bool {
        let mut own = self.own_events.lock();
        match own.get_mut(ev) {
            Some(n) => {
                *n -= 1;
                if *n == 0 {
                    own.remove(ev);
                }
                true
            }
            None => false,
        }
    }

    /// Records changes in the mod-sequence sidecar; the reservation that
    /// covers them is on disk before any client can see them.
    fn persist(&self, disk: &mut Disk, changes: &[Change]) {
        let Some(file) = disk.modseqs.as_mut() else { return };
        if changes.is_empty() {
            return;
        }
        if let Err(e) = file.reserve(disk.highest_modseq, &disk.entries) {
            log::error!("{}: reserving mod-sequences: {e}", self.dir.display());
        }
        let mut text = String::new();
        for c in changes {
            match c.kind {
                ChangeKind::Expunged => {
                    file.push_expunge(c.uid, c.modseq);
                    text.push_str(&format!("x {} {}\n", c.uid, c.modseq));
                }
                _ => {
                    if let Some(e) = disk.entries.find(c.uid) {
                        text.push_str(&format!("m {} {} {}\n", e.uid, e.modseq, info_of(&e.file)));
                    }
                }
            }
        }
        if let Err(e) = file.append(&text, changes.len(), &disk.entries, disk.highest_modseq) {
            log::warn!("{}: writing {}: {e}", self.dir.display(), super::modseq::FILE);
        }
    }

    /// UID ranges expunged with a mod-sequence above `modseq` (QRESYNC's
    /// VANISHED); `None` when the history does not reach back that far.
    pub fn vanished_since(&self, modseq: u64) -> Option<Vec<(u32, u32)>> {
        self.disk.lock().modseqs.as_ref().and_then(|f| f.vanished_since(modseq))
    }

    /// The published changes with a mod-sequence in `(from, to]`, `None`
    /// when the log no longer holds all of them.
    pub fn changes_between(&self, from: u64, to: u64) -> Option<Vec<Change>> {
        self.log.read().between(from, to)
    }

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
        for ent in rd.flatten().filter(sync::is_regular) {
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
        Ok(self.open_message_sized(uid)?.map(|(f, e, _)| (f, e)))
    }

    /// [`Self::open_message`] with the file's size when opened.
    pub fn open_message_sized(&self, uid: u32) -> Result<Option<(fs::File, Entry, u64)>> {
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
            let opened = super::atomic::open_regular_sized(&self.file_path(&entry.file));
            match opened {
                Ok((f, len)) => return Ok(Some((f, entry, len))),
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => match self.refind(entry.base()) {
                    Some(name) => {
                        entry.flags = filename::parse(&name).flags;
                        entry.file = name;
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
