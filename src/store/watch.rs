//! One inotify watcher for the whole server.
//!
//! It watches `new/` and `cur/` of every mailbox that at least one session
//! has selected. A reader thread turns events into "mailbox changed" notes
//! for a sync thread, which waits a moment so that a burst of events (an
//! MTA delivering many messages, our own renames) gives one sync, then
//! syncs each mailbox once; the sync publishes and wakes the sessions only
//! when something changed. Both threads live as long as the process.

use std::collections::HashMap;
use std::ffi::c_int;
use std::io;
use std::path::PathBuf;
use std::sync::{Arc, Weak};
use std::thread;
use std::time::Duration;

use crossbeam_channel::{Receiver, Sender};
use inotify::{EventMask, Inotify, WatchDescriptor, WatchMask, Watches};
use parking_lot::Mutex;

use super::mailbox::MailboxShared;

/// How long the sync thread gathers events before syncing.
const DEBOUNCE: Duration = Duration::from_millis(20);

struct State {
    watches: Watches,
    /// Mailbox directory → (number of selections, its two watches).
    by_dir: HashMap<PathBuf, (usize, Vec<WatchDescriptor>)>,
    /// Watch id → the mailbox it belongs to, and whether it is `new/`.
    by_wd: HashMap<c_int, (Weak<MailboxShared>, bool)>,
    /// False once the reader thread died: nothing is watched any more.
    alive: bool,
}

/// One directory event, by name.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct FsEvent {
    /// In `new/` (else `cur/`).
    pub in_new: bool,
    /// A name appeared (created, moved in); else it went away.
    pub appears: bool,
    /// The file name.
    pub name: String,
}

/// What the reader tells the sync thread about a mailbox: an event, or
/// `None` for "something changed, no telling what" (an overflow).
type Note = (Arc<MailboxShared>, Option<FsEvent>);

/// The server's inotify watcher.
pub struct Watcher {
    state: Arc<Mutex<State>>,
}

impl Watcher {
    /// Starts the watcher threads; fails when inotify is not available.
    pub fn start() -> io::Result<Arc<Watcher>> {
        let inotify = Inotify::init()?;
        let state = Arc::new(Mutex::new(State {
            watches: inotify.watches(),
            by_dir: HashMap::new(),
            by_wd: HashMap::new(),
            alive: true,
        }));
        let (tx, rx) = crossbeam_channel::unbounded();
        let reader_state = state.clone();
        thread::Builder::new().name("store-watch".into()).spawn(move || read_events(inotify, reader_state, tx))?;
        thread::Builder::new().name("store-sync".into()).spawn(move || sync_changed(rx))?;
        Ok(Arc::new(Watcher { state }))
    }

    /// Starts watching a mailbox (counted: one call per selection).
    pub fn watch(&self, mailbox: &Arc<MailboxShared>) {
        let mut st = self.state.lock();
        let dir = mailbox.dir().to_path_buf();
        if let Some((count, _)) = st.by_dir.get_mut(&dir) {
            *count += 1;
            return;
        }
        if !st.alive {
            return;
        }
        let mask = WatchMask::CREATE
            | WatchMask::MOVED_TO
            | WatchMask::MOVED_FROM
            | WatchMask::DELETE
            | WatchMask::DELETE_SELF;
        let mut wds = Vec::new();
        for sub in ["new", "cur"] {
            match st.watches.add(dir.join(sub), mask) {
                Ok(wd) => {
                    st.by_wd.insert(wd.get_watch_descriptor_id(), (Arc::downgrade(mailbox), sub == "new"));
                    wds.push(wd);
                }
                Err(e) => log::warn!("cannot watch {}/{sub}: {e}; its sessions poll instead", dir.display()),
            }
        }
        mailbox.set_watched(wds.len() == 2);
        st.by_dir.insert(dir, (1, wds));
    }

    /// Stops watching a mailbox when its last selection ends.
    pub fn unwatch(&self, mailbox: &MailboxShared) {
        let mut st = self.state.lock();
        let dir = mailbox.dir();
        let Some((count, _)) = st.by_dir.get_mut(dir) else {
            return;
        };
        *count -= 1;
        if *count > 0 {
            return;
        }
        mailbox.set_watched(false);
        mailbox.own_events.lock().clear();
        if let Some((_, wds)) = st.by_dir.remove(dir) {
            for wd in wds {
                st.by_wd.remove(&wd.get_watch_descriptor_id());
                // Fails harmlessly when the directory is already gone.
                let _ = st.watches.remove(wd);
            }
        }
    }

    /// How many mailboxes are watched (for monitoring and tests).
    pub fn watched(&self) -> usize {
        self.state.lock().by_dir.len()
    }
}

fn read_events(mut inotify: Inotify, state: Arc<Mutex<State>>, tx: Sender<Note>) {
    let mut buf = vec![0u8; 16 * 1024];
    loop {
        let events = match inotify.read_events_blocking(&mut buf) {
            Ok(ev) => ev,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            Err(e) => {
                log::error!("inotify read failed, watcher stops; sessions poll from now on: {e}");
                let mut st = state.lock();
                st.alive = false;
                for (mb, _) in st.by_wd.values() {
                    if let Some(mb) = mb.upgrade() {
                        mb.set_watched(false);
                        mb.wake_all();
                    }
                }
                return;
            }
        };
        let st = state.lock();
        for ev in events {
            if ev.mask.contains(EventMask::Q_OVERFLOW) {
                log::warn!("inotify queue overflow: syncing every watched mailbox");
                for (mb, _) in st.by_wd.values() {
                    if let Some(mb) = mb.upgrade() {
                        if tx.send((mb, None)).is_err() {
                            return;
                        }
                    }
                }
                continue;
            }
            let id = ev.wd.get_watch_descriptor_id();
            if let Some((mb, in_new)) = st.by_wd.get(&id).and_then(|(w, n)| Some((w.upgrade()?, *n))) {
                let appears = ev.mask.intersects(EventMask::CREATE | EventMask::MOVED_TO);
                let note = match ev.name.and_then(|n| n.to_str().map(String::from)) {
                    Some(name) if !ev.mask.contains(EventMask::DELETE_SELF) => Some(FsEvent { in_new, appears, name }),
                    _ => None,
                };
                if tx.send((mb, note)).is_err() {
                    return;
                }
            }
        }
    }
}

fn sync_changed(rx: Receiver<Note>) {
    while let Ok(first) = rx.recv() {
        thread::sleep(DEBOUNCE);
        let mut todo: Vec<(Arc<MailboxShared>, Vec<FsEvent>, bool)> = Vec::new();
        for (mb, ev) in std::iter::once(first).chain(rx.try_iter()) {
            let i = match todo.iter().position(|t| Arc::ptr_eq(&t.0, &mb)) {
                Some(i) => i,
                None => {
                    todo.push((mb, Vec::new(), false));
                    todo.len() - 1
                }
            };
            match ev {
                Some(ev) => todo[i].1.push(ev),
                None => todo[i].2 = true,
            }
        }
        for (mb, events, unknown) in todo {
            if let Err(e) = mb.sync_after_events(&events, unknown) {
                log::warn!("sync of {} after a change failed: {e}", mb.dir().display());
                // Let the sessions find out (e.g. the mailbox was deleted).
                mb.wake_all();
            }
        }
    }
}
