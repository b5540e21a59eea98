//! The registry of shared mailbox state ([`Store`]): one
//! [`MailboxShared`] per mailbox directory while anyone uses it (and a
//! while after, within a budget), and a session's [`Selection`] of one.
//! It knows mailboxes, not accounts: `account.rs` builds on it.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Duration;

use crossbeam_channel::Receiver;
use parking_lot::Mutex;

use super::mailbox::watch::Watcher;
use super::mailbox::MailboxShared;
use super::memory;

/// The registry of shared mailbox state: one per server.
pub struct Store {
    pub(super) boxes: Mutex<HashMap<PathBuf, Arc<MailboxShared>>>,
    watcher: Option<Arc<Watcher>>,
    /// Messages the syncs of its mailboxes found and numbered (see
    /// [`Store::noticed`]).
    noticed: Arc<AtomicU64>,
    /// When [`Store::select`] last weighed the held mailboxes against the
    /// budget (see [`memory::took_turn`]).
    budget_checked: AtomicU64,
}

/// How often a SELECT weighs the held mailboxes against the budget at
/// most: the sum walks every held mailbox under the registry's lock, which
/// every session's open takes.
const BUDGET_CHECK_EVERY: Duration = Duration::from_millis(250);

impl Store {
    /// A store with the inotify watcher; without it (logged) when inotify
    /// cannot start, and sessions then sync on each command.
    pub fn new() -> Arc<Store> {
        let watcher = match Watcher::start() {
            Ok(w) => Some(w),
            Err(e) => {
                log::warn!("inotify unavailable, sessions will poll: {e}");
                None
            }
        };
        Arc::new(Store {
            boxes: Mutex::new(HashMap::new()),
            watcher,
            noticed: Arc::default(),
            budget_checked: AtomicU64::new(0),
        })
    }

    /// A store that never starts a watcher.
    pub fn without_watcher() -> Arc<Store> {
        Arc::new(Store {
            boxes: Mutex::new(HashMap::new()),
            watcher: None,
            noticed: Arc::default(),
            budget_checked: AtomicU64::new(0),
        })
    }

    /// Whether changes are pushed by the watcher (else sessions must call
    /// [`MailboxShared::sync`] on each command and while idling).
    pub fn has_watcher(&self) -> bool {
        self.watcher.is_some()
    }

    /// The shared state of the mailbox directory `dir`. Mailboxes nobody
    /// uses are dropped from the registry now and then (see [`evict`]), so
    /// their files are closed however many mailboxes are opened over time.
    pub fn mailbox(&self, dir: &Path) -> Arc<MailboxShared> {
        let mut boxes = self.boxes.lock();
        let dropped = if !boxes.contains_key(dir) && (boxes.len() >= KEEP_OPEN || over_budget(&boxes)) {
            evict(&mut boxes)
        } else {
            Dropped::default()
        };
        let mb = boxes
            .entry(dir.to_path_buf())
            .or_insert_with(|| Arc::new(MailboxShared::counting(dir.to_path_buf(), self.noticed.clone())));
        mb.touch();
        let mb = mb.clone();
        drop(boxes);
        dropped_mailboxes(&dropped);
        mb
    }

    /// Messages the syncs of this store's mailboxes gave a UID: files this
    /// server did not store itself, so an MTA's deliveries into `new/` or
    /// another process's (the monitor's and SNMP's "deliveries noticed").
    pub fn noticed(&self) -> u64 {
        self.noticed.load(Ordering::Relaxed)
    }

    /// How many mailboxes the registry holds (for monitoring and tests).
    pub fn open_mailboxes(&self) -> usize {
        self.boxes.lock().len()
    }

    /// Drops the state of directories that were renamed or deleted, and
    /// wakes their sessions so they notice.
    pub(crate) fn forget(&self, dirs: &[PathBuf]) {
        let mut boxes = self.boxes.lock();
        for d in dirs {
            if let Some(mb) = boxes.remove(d) {
                mb.wake_all();
            }
        }
        drop(boxes);
        dropped_mailboxes(&Dropped { dirs: dirs.to_vec(), messages: 0 });
    }

    /// Starts a session's selection of a mailbox: registers a wake channel
    /// and, with the watcher, watches the mailbox while selected.
    pub fn select(&self, mailbox: &Arc<MailboxShared>) -> Selection {
        // A large mailbox selected (and so read) leaves less room for the
        // warm ones nobody uses; weighed a few times a second at most.
        let dropped = if memory::took_turn(&self.budget_checked, BUDGET_CHECK_EVERY, false) {
            let mut boxes = self.boxes.lock();
            if over_budget(&boxes) {
                evict(&mut boxes)
            } else {
                Dropped::default()
            }
        } else {
            Dropped::default()
        };
        dropped_mailboxes(&dropped);
        let (id, rx) = mailbox.add_waker();
        if let Some(w) = &self.watcher {
            w.watch(mailbox);
        }
        Selection { mailbox: mailbox.clone(), id, rx, watcher: self.watcher.clone(), writing: false }
    }
}

/// The registry keeps up to this many mailboxes before it drops unused ones.
const KEEP_OPEN: usize = 128;
/// Unused mailboxes touched this recently stay (a client that opens the
/// same few folders in turn keeps them warm).
const KEEP_WARM: Duration = Duration::from_secs(30);
/// Unused mailboxes touched this recently stay whatever the budget of
/// [`KEEP_WARM_MESSAGES`]: they are being worked with.
const KEEP_HOT: Duration = Duration::from_secs(5);

/// Unused mailboxes are kept warm while all mailboxes held, those in use
/// included, have no more than this many messages: the entries of a
/// 100,000-message INBOX are 30 MB, reading a mailbox back costs a fraction
/// of a second when it is opened again, and a server busy with a large
/// mailbox should not also hold the small ones nobody has open.
const KEEP_WARM_MESSAGES: usize = 20_000;

/// What [`evict`] dropped: the directories, and how many messages the
/// large ones (counted by the eviction budget) had.
#[derive(Default)]
pub(super) struct Dropped {
    pub(super) dirs: Vec<PathBuf>,
    pub(super) messages: usize,
}

/// Gives the memory the dropped mailboxes held back to the system when it
/// was much. (What others keep of a mailbox, such as the sort keys, holds
/// a weak handle on its state and lapses with it: no hook to call.)
fn dropped_mailboxes(dropped: &Dropped) {
    for dir in &dropped.dirs {
        // The file its dotlocks link goes with it (`linkfile.rs`).
        super::linkfile::forget(dir);
    }
    if !dropped.dirs.is_empty() {
        log::debug!("dropped {} unused mailboxes ({} messages)", dropped.dirs.len(), dropped.messages);
    }
    if dropped.messages >= 10_000 {
        memory::release_freed();
    }
}

fn unused(mb: &Arc<MailboxShared>) -> bool {
    Arc::strong_count(mb) == 1
}

/// Whether some mailbox nobody uses is held while all mailboxes held have
/// more than [`KEEP_WARM_MESSAGES`] messages.
fn over_budget(boxes: &HashMap<PathBuf, Arc<MailboxShared>>) -> bool {
    boxes.values().any(unused)
        && boxes.values().map(|mb| mb.snapshot().entries.len()).sum::<usize>() > KEEP_WARM_MESSAGES
}

/// Drops the mailboxes no session, selection or command holds: first those
/// not touched for [`KEEP_WARM`], all unused ones when that is not enough,
/// and then the least recently used ones but the last while all held
/// mailboxes, those in use included, have more than [`KEEP_WARM_MESSAGES`]
/// messages. Their
/// state is on disk (uid list, modseq sidecar, cache), so a later open
/// reads it back. Call [`dropped_mailboxes`] with what it returns once the
/// registry's lock is released.
fn evict(boxes: &mut HashMap<PathBuf, Arc<MailboxShared>>) -> Dropped {
    evict_within(boxes, KEEP_WARM_MESSAGES, KEEP_HOT)
}

/// [`evict`] with a budget of `warm_messages` messages; mailboxes used
/// within `hot` are not dropped for the budget.
pub(super) fn evict_within(
    boxes: &mut HashMap<PathBuf, Arc<MailboxShared>>,
    warm_messages: usize,
    hot: Duration,
) -> Dropped {
    let before = boxes.len();
    let mut dropped = Vec::new();
    let mut drop_if = |boxes: &mut HashMap<PathBuf, Arc<MailboxShared>>, f: &dyn Fn(&Arc<MailboxShared>) -> bool| {
        boxes.retain(|dir, mb| {
            let go = unused(mb) && f(mb);
            if go {
                dropped.push(dir.clone());
            }
            !go
        })
    };
    drop_if(boxes, &|mb| mb.idle_for() > KEEP_WARM);
    if boxes.len() >= KEEP_OPEN {
        drop_if(boxes, &|_| true);
    }
    let mut dropped_messages = 0;
    let mut idle: Vec<(std::time::Duration, PathBuf, usize)> = boxes
        .iter()
        .filter(|(_, mb)| unused(mb))
        .map(|(dir, mb)| (mb.idle_for(), dir.clone(), mb.snapshot().entries.len()))
        .collect();
    // Those in use a moment ago will be again: dropped, each use would
    // read them back (fifty sessions copying into their own folders).
    let hot_messages: usize = idle.iter().filter(|i| i.0 < hot).map(|i| i.2).sum();
    let before_hot = idle.len();
    idle.retain(|i| i.0 >= hot);
    let any_hot = idle.len() < before_hot;
    let in_use: usize = boxes.values().filter(|mb| !unused(mb)).map(|mb| mb.snapshot().entries.len()).sum();
    let mut held: usize = in_use + hot_messages + idle.iter().map(|i| i.2).sum::<usize>();
    // Longest idle first. The one used last stays whatever its size: the
    // folder a one-connection client (mutt) just left for another, and is
    // likely to come back to, is not read again from scratch.
    idle.sort_by_key(|i| std::cmp::Reverse(i.0));
    if !any_hot {
        idle.pop();
    }
    for (_, dir, messages) in idle {
        if held <= warm_messages {
            break;
        }
        boxes.remove(&dir);
        held -= messages;
        dropped_messages += messages;
        dropped.push(dir);
    }
    log::debug!("mailbox registry: {} of {before} kept", boxes.len());
    Dropped { dirs: dropped, messages: dropped_messages }
}

/// A session's hold on a selected mailbox; ends (unwatches) when dropped.
pub struct Selection {
    mailbox: Arc<MailboxShared>,
    id: u64,
    rx: Receiver<()>,
    watcher: Option<Arc<Watcher>>,
    /// Counted among the mailbox's read-write selections.
    writing: bool,
}

impl Selection {
    /// Marks the selection read-write (SELECT): while one is, the
    /// watcher's syncs move new messages from `new/` to `cur/`.
    pub fn writing(mut self) -> Selection {
        if !self.writing {
            self.writing = true;
            self.mailbox.writers.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        }
        self
    }

    /// The selected mailbox.
    pub fn mailbox(&self) -> &Arc<MailboxShared> {
        &self.mailbox
    }

    /// Receives `()` when the mailbox changed; usable in `select!` (IDLE).
    pub fn changes(&self) -> &Receiver<()> {
        &self.rx
    }

    /// Waits up to `timeout` for a change; true when one came.
    pub fn wait(&self, timeout: Duration) -> bool {
        self.rx.recv_timeout(timeout).is_ok()
    }
}

impl Drop for Selection {
    fn drop(&mut self) {
        self.mailbox.remove_waker(self.id);
        if self.writing {
            self.mailbox.writers.fetch_sub(1, std::sync::atomic::Ordering::Relaxed);
        }
        if let Some(w) = &self.watcher {
            w.unwatch(&self.mailbox);
        }
        // The mailbox a session just left is the most recently used one
        // (see `evict_within`).
        self.mailbox.touch();
    }
}
