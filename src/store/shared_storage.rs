//! `--shared-storage`: maildirs on a network file system (NFS, CephFS)
//! that several backends reach, one user on one backend at a time.
//!
//! What changes in this mode, each where the work is done:
//! - message and cache files are read, never mapped (`mapped.rs`): another
//!   host may truncate a file, and a read only ever sees what is there;
//! - no inotify watcher (`Store::new`), which sees no other host's change:
//!   sessions look at the disk on each command and every
//!   `--poll-interval` while idling;
//! - every directory a rename, create or unlink changed is fsynced before
//!   the command answers ([`sync_dir`]), and appended sidecar files too;
//! - dotlocks without `flock` (`lock.rs`): a lock of this host is broken
//!   when its process is gone, one of another host only by age.
//!
//! The mode is a property of the file system under the whole process, set
//! once at start-up before any thread runs ([`enable`]), and read by code
//! that holds no `Store` (FETCH loading a message, the metadata lock): so
//! it is one process-wide switch, not a field passed down every path.
//! Tests of the library call the lower-level functions with the mode as an
//! argument instead of turning the switch.

use std::fs::File;
use std::io;
use std::path::Path;
use std::sync::atomic::{AtomicBool, Ordering};

static ON: AtomicBool = AtomicBool::new(false);

/// Turns the mode on for the process (at start-up, before any session).
pub fn enable() {
    ON.store(true, Ordering::Release);
}

/// Whether `--shared-storage` is in force.
pub fn on() -> bool {
    ON.load(Ordering::Acquire)
}

/// In shared-storage mode, fsyncs `dir` so that the names created,
/// renamed or removed in it reach the file server before the command that
/// made them answers; nothing otherwise.
pub fn sync_dir(dir: &Path) -> io::Result<()> {
    if on() {
        File::open(dir)?.sync_all()?;
    }
    Ok(())
}
