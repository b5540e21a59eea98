//! One inotify watcher for the whole server.
//!
//! It watches `new/` and `cur/` of every mailbox that at least one session
//! has selected. A reader thread turns events into "mailbox changed" notes
//! for a sync thread, which waits a moment so that a burst of events (an
//! MTA delivering many messages, our own renames) gives one sync, then
//! syncs each mailbox once; the sync publishes and wakes the sessions only
//! when something changed. Both threads live as long as the process.
//!
//! When the last selection of a mailbox ends, its watch lingers a moment,
//! until the events of our own changes still on their way have been read
//! (a client that flags messages and logs out at once; at most [`LINGER`]):
//! seen as ours, they vouch for the directory times, and the next SELECT of
//! a large mailbox need not list it again; removed at once, they would be
//! lost and the times unexplained.

use std::collections::HashMap;
use std::ffi::c_int;
use std::io;
use std::path::PathBuf;
use std::sync::{Arc, Weak};
use std::thread;
use std::time::{Duration, Instant};

use crossbeam_channel::{Receiver, Sender};
use inotify::{EventMask, Inotify, WatchDescriptor, WatchMask, Watches};
use parking_lot::Mutex;

use super::MailboxShared;
use crate::store::model::FsEvent;

/// How long the sync thread gathers events before syncing.
const DEBOUNCE: Duration = Duration::from_millis(20);
/// How long the reader pauses after each read, so that the events of a
/// busy server come in batches (one wake for many) rather than one by one;
/// well under [`DEBOUNCE`], which the sync thread waits anyway.
const READ_PAUSE: Duration = Duration::from_millis(4);
/// How long a watch without selections waits for our own events at most.
const LINGER: Duration = Duration::from_secs(1);
/// How long it stays at least: a client that logs out and comes back at
/// once (a QRESYNC resync) finds the mailbox still watched, and a change by
/// another process in the clock tick of our last one is seen as an event.
const LINGER_MIN: Duration = Duration::from_millis(100);

struct State {
    watches: Watches,
    /// Mailbox directory → (number of selections, its two watches).
    by_dir: HashMap<PathBuf, (usize, Vec<WatchDescriptor>)>,
    /// Watch id → the mailbox it belongs to, and whether it is `new/`.
    by_wd: HashMap<c_int, (Weak<MailboxShared>, bool)>,
    /// False once the reader thread died: nothing is watched any more.
    alive: bool,
    /// Mailboxes with no selection left whose watch waits for the events
    /// of our own changes, since when.
    lingering: HashMap<PathBuf, (Weak<MailboxShared>, Instant)>,
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
            lingering: HashMap::new(),
        }));
        let (tx, rx) = crossbeam_channel::unbounded();
        let reader_state = state.clone();
        thread::Builder::new().name("store-watch".into()).spawn(move || read_events(inotify, reader_state, tx))?;
        let sync_state = state.clone();
        thread::Builder::new().name("store-sync".into()).spawn(move || sync_changed(rx, sync_state))?;
        Ok(Arc::new(Watcher { state }))
    }

    /// Starts watching a mailbox (counted: one call per selection).
    pub fn watch(&self, mailbox: &Arc<MailboxShared>) {
        let mut st = self.state.lock();
        let dir = mailbox.dir().to_path_buf();
        // A lingering watch of an older state of this directory (the
        // registry dropped it since) would give its events to the old one.
        if st.lingering.get(&dir).is_some_and(|(old, _)| !std::ptr::eq(old.as_ptr(), Arc::as_ptr(mailbox))) {
            drop_watches(&mut st, &dir);
        }
        if let Some((count, _)) = st.by_dir.get_mut(&dir) {
            *count += 1;
            st.lingering.remove(&dir);
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
    pub fn unwatch(&self, mailbox: &Arc<MailboxShared>) {
        let mut st = self.state.lock();
        let dir = mailbox.dir();
        let Some((count, _)) = st.by_dir.get_mut(dir) else {
            return;
        };
        *count -= 1;
        if *count > 0 {
            return;
        }
        if st.alive {
            st.lingering.insert(dir.to_path_buf(), (Arc::downgrade(mailbox), Instant::now()));
            return;
        }
        remove_watch(&mut st, mailbox);
    }

    /// How many mailboxes are watched (for monitoring and tests).
    pub fn watched(&self) -> usize {
        self.state.lock().by_dir.len()
    }
}

/// Ends the watch of a mailbox that has no selection left.
fn remove_watch(st: &mut State, mailbox: &MailboxShared) {
    mailbox.set_watched(false);
    mailbox.own_events.lock().clear();
    drop_watches(st, mailbox.dir());
}

/// Removes the inotify watches of a mailbox directory.
fn drop_watches(st: &mut State, dir: &std::path::Path) {
    st.lingering.remove(dir);
    if let Some((_, wds)) = st.by_dir.remove(dir) {
        for wd in wds {
            st.by_wd.remove(&wd.get_watch_descriptor_id());
            // Fails harmlessly when the directory is already gone.
            let _ = st.watches.remove(wd);
        }
    }
}

/// Ends the lingering watches whose events have all come (and that
/// lingered [`LINGER_MIN`]), or that waited [`LINGER`] (an expected event
/// that never comes, say of a rename that failed, must not keep a watch for
/// ever). The mailboxes' times are vouched for again without the watcher's
/// lock held (a sync holds a mailbox's mutex and may want it).
fn end_lingering(state: &Mutex<State>) {
    let done: Vec<(PathBuf, Option<Arc<MailboxShared>>)> = state
        .lock()
        .lingering
        .iter()
        .filter_map(|(dir, (mb, since))| {
            let mb = mb.upgrade();
            let quiet = mb.as_ref().is_none_or(|mb| !mb.expects_events());
            let over = quiet && since.elapsed() >= LINGER_MIN || since.elapsed() >= LINGER;
            over.then(|| (dir.clone(), mb))
        })
        .collect();
    for mb in done.iter().filter_map(|(_, mb)| mb.as_ref()) {
        if !mb.expects_events() {
            mb.vouch_again();
        }
    }
    let mut st = state.lock();
    for (dir, mb) in done {
        // A selection that came meanwhile keeps the watch.
        if st.lingering.remove(&dir).is_none() {
            continue;
        }
        match mb {
            Some(mb) => remove_watch(&mut st, &mb),
            None => drop_watches(&mut st, &dir),
        }
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
        drop(st);
        thread::sleep(READ_PAUSE);
    }
}

fn sync_changed(rx: Receiver<Note>, state: Arc<Mutex<State>>) {
    loop {
        // A watch that starts lingering while this thread waits must end
        // without an event to wake it (a read-only session's mailbox,
        // whose syncs move nothing, gets none): so it never waits longer
        // than LINGER, and checks more often while watches linger.
        let lingering = !state.lock().lingering.is_empty();
        let first = match rx.recv_timeout(if lingering { DEBOUNCE * 5 } else { LINGER }) {
            Ok(note) => note,
            Err(crossbeam_channel::RecvTimeoutError::Timeout) => {
                end_lingering(&state);
                continue;
            }
            Err(crossbeam_channel::RecvTimeoutError::Disconnected) => return,
        };
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
            // Files this thread makes belong to the maildir's owner, not root.
            let _owner = crate::auth::identity::as_owner_of(mb.dir());
            if let Err(e) = mb.sync_after_events(&events, unknown) {
                log::warn!("sync of {} after a change failed: {e}", mb.dir().display());
                // Let the sessions find out (e.g. the mailbox was deleted).
                mb.wake_all();
            }
        }
        end_lingering(&state);
    }
}
