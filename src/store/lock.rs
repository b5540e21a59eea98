//! The `dovecot-uidlist.lock` dotlock, and atomic replacement of files.
//!
//! One mechanism for all writers: the dotlock is what Dovecot (deliver,
//! imap, doveadm) takes before it scans a maildir or rewrites its uid list,
//! so taking the same lock keeps tegami and Dovecot from assigning the same
//! UID twice when both serve one maildir. `flock` would not be seen by
//! Dovecot and is unreliable on NFS. Threads of this process serialize on a
//! mutex first (see `mailbox.rs`), so the dotlock only ever waits on
//! other processes.

use std::fs::{self, File, OpenOptions};
use std::io::{self, Write};
use std::path::{Path, PathBuf};
use std::thread;
use std::time::{Duration, Instant, SystemTime};

use super::error::{Result, StoreError};

/// A lock older than this is taken to be left by a crashed process
/// (Dovecot uses two minutes for the uid list lock as well).
const STALE_AFTER: Duration = Duration::from_secs(120);
/// How long to wait for another process before giving up.
const WAIT_AT_MOST: Duration = Duration::from_secs(60);

/// A held dotlock (`<file>.lock`); removed when dropped.
pub struct DotLock {
    path: PathBuf,
    target: PathBuf,
    held: bool,
}

impl DotLock {
    /// Takes `dovecot-uidlist.lock` of the mailbox directory `dir`.
    pub fn acquire(dir: &Path) -> Result<DotLock> {
        DotLock::acquire_for(&dir.join(super::uidlist::FILE))
    }

    /// Takes the dotlock `<target>.lock` that guards rewriting `target`.
    pub fn acquire_for(target: &Path) -> Result<DotLock> {
        let mut lock_name = target.as_os_str().to_owned();
        lock_name.push(".lock");
        let path = PathBuf::from(lock_name);
        let start = Instant::now();
        let mut pause = Duration::from_millis(1);
        loop {
            match OpenOptions::new().write(true).create_new(true).open(&path) {
                Ok(mut f) => {
                    // Dovecot's dotlocks carry the owner's pid and host.
                    let _ = writeln!(f, "{}:{}", std::process::id(), super::filename::hostname());
                    return Ok(DotLock { path, target: target.to_path_buf(), held: true });
                }
                Err(e) if e.kind() == io::ErrorKind::AlreadyExists => {
                    if is_stale(&path) {
                        log::warn!("removing stale lock {}", path.display());
                        let _ = fs::remove_file(&path);
                        continue;
                    }
                    if start.elapsed() > WAIT_AT_MOST {
                        return Err(StoreError::Io(
                            format!("timeout waiting for {}", path.display()),
                            io::Error::from(io::ErrorKind::TimedOut),
                        ));
                    }
                    thread::sleep(pause);
                    pause = (pause * 2).min(Duration::from_millis(50));
                }
                Err(e) => return Err(StoreError::io(format!("creating {}", path.display()), e)),
            }
        }
    }
}

impl DotLock {
    /// Replaces the guarded file with `contents` the way Dovecot does: the
    /// lock file itself is written, fsynced and renamed over the target,
    /// which releases the lock in the same atomic step.
    pub fn commit(mut self, contents: &[u8]) -> Result<()> {
        let ctx = |what: &str| format!("{what} {}", self.target.display());
        let mut f = OpenOptions::new()
            .write(true)
            .truncate(true)
            .open(&self.path)
            .map_err(|e| StoreError::io(ctx("opening lock of"), e))?;
        f.write_all(contents).and_then(|()| f.sync_all()).map_err(|e| StoreError::io(ctx("writing"), e))?;
        drop(f);
        fs::rename(&self.path, &self.target).map_err(|e| StoreError::io(ctx("renaming over"), e))?;
        self.held = false;
        if let Some(dir) = self.target.parent() {
            sync_dir(dir)?;
        }
        Ok(())
    }
}

impl Drop for DotLock {
    fn drop(&mut self) {
        if self.held {
            let _ = fs::remove_file(&self.path);
        }
    }
}

/// A lock is stale when its owner (the `pid:host` it holds, as Dovecot
/// writes too) is a process of this host that no longer runs, or when it
/// has not been touched for [`STALE_AFTER`].
fn is_stale(path: &Path) -> bool {
    if let Ok(text) = fs::read_to_string(path) {
        if let Some((pid, host)) = text.trim().split_once(':') {
            if host == super::filename::hostname() {
                if let Ok(pid) = pid.parse::<i32>() {
                    // SAFETY: signal 0 only checks whether the process exists.
                    let rc = unsafe { libc::kill(pid, 0) };
                    let gone = rc == -1 && io::Error::last_os_error().raw_os_error() == Some(libc::ESRCH);
                    if gone && pid > 0 {
                        return true;
                    }
                }
            }
        }
    }
    fs::metadata(path)
        .and_then(|m| m.modified())
        .ok()
        .and_then(|t| SystemTime::now().duration_since(t).ok())
        .is_some_and(|age| age > STALE_AFTER)
}

/// Replaces `target` atomically with `contents`: write a temporary file,
/// fsync it, rename it over the target, fsync the directory. Callers hold
/// the dotlock, so the temporary name cannot clash.
pub fn replace_file(target: &Path, contents: &[u8]) -> Result<()> {
    let ctx = |what: &str| format!("{what} {}", target.display());
    let mut tmp_name = target.as_os_str().to_owned();
    tmp_name.push(".tmp");
    let tmp = PathBuf::from(tmp_name);
    let mut f = File::create(&tmp).map_err(|e| StoreError::io(ctx("creating temporary for"), e))?;
    f.write_all(contents).and_then(|()| f.sync_all()).map_err(|e| StoreError::io(ctx("writing"), e))?;
    drop(f);
    fs::rename(&tmp, target).map_err(|e| StoreError::io(ctx("renaming over"), e))?;
    if let Some(dir) = target.parent() {
        sync_dir(dir)?;
    }
    Ok(())
}

/// fsyncs a directory, so that a rename or link in it survives a crash.
pub fn sync_dir(dir: &Path) -> Result<()> {
    File::open(dir)
        .and_then(|d| d.sync_all())
        .map_err(|e| StoreError::io(format!("syncing directory {}", dir.display()), e))
}
