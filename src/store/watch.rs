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
use inotify::{Inotify, WatchDescriptor, WatchMask, Watches};
use parking_lot::Mutex;

use super::mailbox::MailboxShared;

/// How long the sync thread gathers events before syncing.
const DEBOUNCE: Duration = Duration::from_millis(20);

struct State {
    watches: Watches,
    /// Mailbox directory → (number of selections, its two watches).
    by_dir: HashMap<PathBuf, (usize, Vec<WatchDescriptor>)>,
    /// Watch id → the mailbox it belongs to.
    by_wd: HashMap<c_int, Weak<MailboxShared>>,
}

/// The server's inotify watcher.
pub struct Watcher {
    state: Arc<Mutex<State>>,
}

impl Watcher {
    /// Starts the watcher threads; fails when inotify is not available.
    pub fn start() -> io::Result<Arc<Watcher>> {
        let inotify = Inotify::init()?;
        let state =
            Arc::new(Mutex::new(State { watches: inotify.watches(), by_dir: HashMap::new(), by_wd: HashMap::new() }));
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
        let mask = WatchMask::CREATE
            | WatchMask::MOVED_TO
            | WatchMask::MOVED_FROM
            | WatchMask::DELETE
            | WatchMask::DELETE_SELF;
        let mut wds = Vec::new();
        for sub in ["new", "cur"] {
            match st.watches.add(dir.join(sub), mask) {
                Ok(wd) => {
                    st.by_wd.insert(wd.get_watch_descriptor_id(), Arc::downgrade(mailbox));
                    wds.push(wd);
                }
                Err(e) => log::warn!("cannot watch {}/{sub}: {e}", dir.display()),
            }
        }
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

fn read_events(mut inotify: Inotify, state: Arc<Mutex<State>>, tx: Sender<Arc<MailboxShared>>) {
    let mut buf = vec![0u8; 16 * 1024];
    loop {
        let events = match inotify.read_events_blocking(&mut buf) {
            Ok(ev) => ev,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            Err(e) => {
                log::error!("inotify read failed, watcher stops: {e}");
                return;
            }
        };
        let st = state.lock();
        for ev in events {
            let id = ev.wd.get_watch_descriptor_id();
            if let Some(mb) = st.by_wd.get(&id).and_then(Weak::upgrade) {
                if tx.send(mb).is_err() {
                    return;
                }
            }
        }
    }
}

fn sync_changed(rx: Receiver<Arc<MailboxShared>>) {
    while let Ok(first) = rx.recv() {
        thread::sleep(DEBOUNCE);
        let mut todo = vec![first];
        for mb in rx.try_iter() {
            if !todo.iter().any(|t| Arc::ptr_eq(t, &mb)) {
                todo.push(mb);
            }
        }
        for mb in todo {
            if let Err(e) = mb.sync() {
                log::warn!("sync of {} after a change failed: {e}", mb.dir().display());
                // Let the sessions find out (e.g. the mailbox was deleted).
                mb.wake_all();
            }
        }
    }
}
