//! Alerts (the manual's "Alerts"; RFC 3501 7.1's `[ALERT]` code): texts an
//! administrator queues with `tegami alert`, shown to the account as
//! `* OK [ALERT] text`.
//!
//! - An account's own alerts are files in `tegami-alerts/` in its maildir;
//!   domain and server alerts are files in the `--alerts-dir` spool (see
//!   [`spool`] for the format).
//! - A session looks for alerts right after login and, whenever the hub
//!   says a spool changed, before the tagged reply of the next command and
//!   at once in IDLE. The hub is one inotify instance for the server (the
//!   kernel allows 128 per user by default, so not one per session),
//!   started at the first login and held in `Shared` as [`Alerts`]; it
//!   watches the global spool and the spools of logged-in accounts.
//! - Shown once per account: an account alert is claimed by removing its
//!   file, so of several open sessions of one account the first that looks
//!   shows it and the others do not. A domain or server alert is recorded
//!   in the account's `tegami-alerts/seen` under a lock; it reaches every
//!   account it names that logs in (or is logged in) while its file is in
//!   the spool, accounts created later included, and stops when the
//!   administrator removes the file.

pub mod spool;

use std::collections::HashMap;
use std::ffi::c_int;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, OnceLock};
use std::thread;

use inotify::{EventMask, Inotify, WatchDescriptor, WatchMask, Watches};
use parking_lot::Mutex;

use crate::notifier::Notifier;
use spool::Alert;

/// What a session waits on: a flag the hub raises and the session's notifier.
struct Listener {
    due: AtomicBool,
    notifier: Arc<Notifier>,
    /// The account spool it looks at (canonical path).
    dir: PathBuf,
}

struct Watched {
    watches: Watches,
    /// Spool directory → (sessions watching it, its watch).
    dirs: HashMap<PathBuf, (usize, WatchDescriptor)>,
    /// Watch id → the account spool, or `None` for the global spool.
    by_wd: HashMap<c_int, Option<PathBuf>>,
    listeners: Vec<Arc<Listener>>,
}

/// The server's alerts: the global spool and, once a session has logged
/// in, the watcher.
pub struct Alerts {
    global: Option<PathBuf>,
    hub: OnceLock<Arc<Hub>>,
}

impl Alerts {
    /// Alerts from the account spools and from the global spool `global`
    /// (`--alerts-dir`); nothing is watched until the first [`Alerts::watch`].
    pub fn new(global: Option<PathBuf>) -> Alerts {
        Alerts { global, hub: OnceLock::new() }
    }

    /// Starts watching for the alerts of account `user` (of `domain`) whose
    /// maildir is `maildir`; `notifier` wakes the session in IDLE. The
    /// first [`Watch::take`] looks at every spool (alerts queued before login).
    pub fn watch(&self, user: &str, domain: Option<&str>, maildir: &Path, notifier: Arc<Notifier>) -> Watch {
        let hub = self.hub.get_or_init(|| Arc::new(Hub::start(self.global.as_deref()))).clone();
        Watch::start(hub, user, domain, maildir, notifier)
    }
}

/// The alert watcher of one server.
struct Hub {
    global: Option<PathBuf>,
    /// `None` when inotify is not available: sessions then look at every command.
    watched: Option<Arc<Mutex<Watched>>>,
}

/// Mask for spool directories: an alert appears by rename, or by a tool
/// that writes the file in place.
fn mask() -> WatchMask {
    WatchMask::MOVED_TO | WatchMask::CLOSE_WRITE
}

impl Hub {
    fn start(global: Option<&Path>) -> Hub {
        let global = global.map(|g| {
            if let Err(e) = std::fs::create_dir_all(g) {
                log::warn!("cannot create the alert spool {}: {e}", g.display());
            }
            g.canonicalize().unwrap_or_else(|_| g.to_path_buf())
        });
        if crate::store::shared_storage::on() {
            // inotify sees no other host's alert.
            return Hub { global, watched: None };
        }
        let inotify = match Inotify::init() {
            Ok(i) => i,
            Err(e) => {
                log::warn!("no inotify for alerts ({e}): sessions look for them at every command");
                return Hub { global, watched: None };
            }
        };
        let mut w =
            Watched { watches: inotify.watches(), dirs: HashMap::new(), by_wd: HashMap::new(), listeners: Vec::new() };
        if let Some(g) = &global {
            match w.watches.add(g, mask()) {
                Ok(wd) => {
                    w.by_wd.insert(wd.get_watch_descriptor_id(), None);
                }
                Err(e) => log::warn!("cannot watch the alert spool {}: {e}", g.display()),
            }
        }
        let watched = Arc::new(Mutex::new(w));
        let reader = watched.clone();
        if let Err(e) = thread::Builder::new().name("alert-watch".into()).spawn(move || read_events(inotify, reader)) {
            log::warn!("cannot start the alert watcher ({e}): sessions look for alerts at every command");
            return Hub { global, watched: None };
        }
        Hub { global, watched: Some(watched) }
    }
}

fn read_events(mut inotify: Inotify, watched: Arc<Mutex<Watched>>) {
    let mut buf = vec![0u8; 16 * 1024];
    loop {
        let events = match inotify.read_events_blocking(&mut buf) {
            Ok(ev) => ev,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
            Err(e) => {
                log::error!("inotify read failed, the alert watcher stops: {e}");
                return;
            }
        };
        let w = watched.lock();
        let mut woken: Vec<&Arc<Listener>> = Vec::new();
        for ev in events {
            let poke_all = ev.mask.contains(EventMask::Q_OVERFLOW);
            let is_alert = ev.name.and_then(|n| n.to_str()).is_some_and(|n| n.ends_with(spool::SUFFIX));
            if !poke_all && !is_alert {
                continue;
            }
            let which = if poke_all { Some(&None) } else { w.by_wd.get(&ev.wd.get_watch_descriptor_id()) };
            let Some(which) = which else { continue };
            for l in &w.listeners {
                if which.as_ref().is_none_or(|dir| *dir == l.dir) {
                    l.due.store(true, Ordering::SeqCst);
                    woken.push(l);
                }
            }
        }
        // Every flag is up before any session wakes: a session that shows
        // an alert proves that all the others will at their next command.
        for l in woken {
            l.notifier.notify();
        }
    }
}

/// A logged-in session's subscription to its account's alerts; dropping it
/// ends the watch.
pub struct Watch {
    hub: Arc<Hub>,
    listener: Arc<Listener>,
    user: String,
    domain: Option<String>,
}

impl Watch {
    /// See [`Alerts::watch`].
    fn start(hub: Arc<Hub>, user: &str, domain: Option<&str>, maildir: &Path, notifier: Arc<Notifier>) -> Watch {
        let dir = maildir.join(spool::ACCOUNT_SPOOL);
        // A relative maildir would put the spool in the working directory.
        if !maildir.is_absolute() {
            log::warn!("no alerts for {user}: the maildir {} is not an absolute path", maildir.display());
        } else {
            let existed = dir.is_dir();
            match std::fs::create_dir_all(&dir) {
                // Private like the maildir it belongs to (Dovecot's rule).
                Ok(()) if !existed => {
                    crate::store::perms::fix_new_dir(&dir, maildir);
                    if let Err(e) = crate::store::shared_storage::sync_dir(maildir) {
                        log::warn!("cannot fsync {}: {e}", maildir.display());
                    }
                }
                Ok(()) => {}
                Err(e) => log::warn!("cannot create the alert spool {}: {e}", dir.display()),
            }
        }
        let dir = dir.canonicalize().unwrap_or(dir);
        let listener = Arc::new(Listener { due: AtomicBool::new(true), notifier, dir: dir.clone() });
        if let Some(watched) = &hub.watched {
            let mut w = watched.lock();
            if let Some((count, _)) = w.dirs.get_mut(&dir) {
                *count += 1;
            } else {
                match w.watches.add(&dir, mask()) {
                    Ok(wd) => {
                        w.by_wd.insert(wd.get_watch_descriptor_id(), Some(dir.clone()));
                        w.dirs.insert(dir, (1, wd));
                    }
                    Err(e) => log::warn!("cannot watch the alert spool {}: {e}", dir.display()),
                }
            }
            w.listeners.push(listener.clone());
        }
        Watch { hub, listener, user: user.to_string(), domain: domain.map(str::to_string) }
    }

    /// The alerts to show now, oldest first, each claimed or recorded as
    /// seen so that no other session of the account shows it again.
    /// Cheap when nothing changed since the last call.
    pub fn take(&self) -> Vec<Alert> {
        let always = self.hub.watched.is_none();
        if !self.listener.due.swap(false, Ordering::SeqCst) && !always {
            return Vec::new();
        }
        let dir = &self.listener.dir;
        if !dir.is_absolute() {
            return Vec::new();
        }
        let mut out: Vec<Alert> = spool::list(dir).into_iter().filter(|a| spool::claim(dir, &a.id)).collect();
        if let Some(global) = &self.hub.global {
            let named: Vec<Alert> =
                spool::list(global).into_iter().filter(|a| a.target.reaches(self.domain.as_deref())).collect();
            // Called even when none is named, so removed alerts leave the record.
            match spool::unseen(dir, global, named) {
                Ok(fresh) => out.extend(fresh),
                Err(e) => log::warn!("alert record of {} in {}: {e}", self.user, dir.display()),
            }
        }
        out.sort_by(|a, b| a.id.cmp(&b.id));
        out
    }
}

impl Drop for Watch {
    fn drop(&mut self) {
        let Some(watched) = &self.hub.watched else { return };
        let mut w = watched.lock();
        w.listeners.retain(|l| !Arc::ptr_eq(l, &self.listener));
        let dir = &self.listener.dir;
        let Some((count, _)) = w.dirs.get_mut(dir) else { return };
        *count -= 1;
        if *count == 0 {
            if let Some((_, wd)) = w.dirs.remove(dir) {
                w.by_wd.remove(&wd.get_watch_descriptor_id());
                // Fails harmlessly when the directory is already gone.
                let _ = w.watches.remove(wd);
            }
        }
    }
}

/// An alert due in a session: what the log says of it and the text to
/// send as `* OK [ALERT] text`. The session queues it; alerts know no
/// session.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Shown {
    /// For the log: which alert, for whom, reaching which accounts.
    pub log: String,
    /// The text, fit for the session's dialect.
    pub text: String,
}

impl Watch {
    /// The alerts to show now (see [`Watch::take`]), their text in UTF-8
    /// when `utf8` (IMAP4rev2 enabled), else 7-bit.
    pub fn to_show(&self, utf8: bool) -> Vec<Shown> {
        let shown = |a: Alert| Shown {
            log: format!("alert {} ({}) shown to {}", a.id, a.target, self.user),
            text: if utf8 { a.text } else { seven_bit(&a.text) },
        };
        self.take().into_iter().map(shown).collect()
    }
}

/// The text an IMAP4rev1 session can be sent: RFC 9051's `text` holds
/// UTF-8 only after `ENABLE IMAP4rev2`, and RFC 3501's is 7-bit, so each
/// other character is shown as `?`.
fn seven_bit(text: &str) -> String {
    text.chars().map(|c| if c.is_ascii() { c } else { '?' }).collect()
}
