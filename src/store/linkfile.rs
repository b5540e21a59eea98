//! The file a tegami process links into place as its dotlocks: one per
//! directory, made once and kept, so taking and releasing a dotlock
//! allocates and frees no inode.
//!
//! Dovecot's dotlock (its `file-dotlock.c`, the `dovecot-uidlist.lock` of
//! a maildir) is a file holding `pid:host`, made either with `O_EXCL` or as
//! a temporary file linked into place. Both make a new inode per lock and
//! free it at the release; on ext4 without a journal each allocation steps
//! past every recently freed inode of its group, which made the dotlock the
//! largest maker of inodes under many sessions (issue 20, scenario 12c).
//!
//! Here the temporary file (`.temp.<host>.<pid>.<n>`, Dovecot's naming, in
//! the lock's directory) lives as long as the process uses the directory:
//! a lock is a hard link to it, a release unlinks that name only. What a
//! lock tells its readers is unchanged:
//! - it holds `pid:host` from the first instant (written once, never
//!   truncated), so Dovecot and tegami judge a local holder by its pid;
//! - its OS lock (`flock`) is held exactly while this process holds some
//!   dotlock linked to it (a count per file; the file is open only then),
//!   so a tegami waiter that finds the OS lock free knows the holder gone,
//!   as with a file per lock;
//! - its mtime is set to now at every lock, so a reader that goes by the
//!   lock's age (Dovecot with `mail_nfs_storage`, a tegami of another host
//!   in shared-storage mode) sees a fresh lock, as it would a new file.
//!
//! The files of a process that died are removed by the next tegami that
//! makes its own in that directory (and by a waiter that breaks a dead
//! holder's lock, `lock.rs`). A directory's file goes when the store stops
//! holding its mailbox ([`forget`]), and idle files beyond [`KEEP_IDLE`]
//! directories at their release, so the files and descriptors kept stay
//! bounded. The registry is per process by nature (the pid in each file),
//! so it is a static, as the temporary-name counter of `lock.rs` is.

use std::collections::HashMap;
use std::fs::{self, File, OpenOptions};
use std::io::{self, Write};
use std::os::unix::fs::{MetadataExt, OpenOptionsExt};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::SystemTime;

use super::filename::raw_hostname;

/// How many directories keep their file while no lock of theirs is held.
pub const KEEP_IDLE: usize = 256;

static COUNTER: AtomicU64 = AtomicU64::new(0);
static FILES: Mutex<Option<HashMap<PathBuf, Arc<Entry>>>> = Mutex::new(None);

/// One directory's file.
struct Entry {
    path: PathBuf,
    /// The process that made it, whose pid it holds (a child of a fork
    /// makes its own).
    pid: u32,
    /// Identity of the file (device, inode).
    id: (u64, u64),
    /// Dotlocks linked to the file that this process holds, and the file
    /// open (with its OS lock) while there are any: an idle directory
    /// keeps its file on disk, not a descriptor.
    holds: Mutex<(usize, Option<File>)>,
    /// Taken out of use (a lock linked to it could not be removed): no new
    /// lock links it, and it is removed at its last use.
    retired: AtomicBool,
}

/// A use of a directory's file by one dotlock: the file's OS lock is held
/// while any use is; dropped at the lock's release, after the unlink.
pub struct Hold {
    entry: Arc<Entry>,
}

fn guard<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(PoisonError::into_inner)
}

/// Takes a use of the file of `dir` (made when there is none), with its
/// OS lock held and its mtime set to now.
pub fn hold(dir: &Path) -> io::Result<Hold> {
    match hold_once(dir) {
        // Its file was removed under us (by hand): make another.
        Err(e) if e.kind() == io::ErrorKind::NotFound => {
            if let Some(map) = guard(&FILES).as_mut() {
                map.remove(dir);
            }
            hold_once(dir)
        }
        r => r,
    }
}

fn hold_once(dir: &Path) -> io::Result<Hold> {
    let entry = {
        let mut files = guard(&FILES);
        let map = files.get_or_insert_with(HashMap::new);
        match map.get(dir) {
            Some(e) if e.pid == super::filename::pid() => e.clone(),
            _ => {
                let e = Arc::new(make(dir)?);
                map.insert(dir.to_path_buf(), e.clone());
                e
            }
        }
    };
    let mut state = guard(&entry.holds);
    let file = match state.1.take() {
        Some(f) => f,
        None => {
            let f = reopen(&entry)?;
            // A waiter of another process may hold it for an instant while
            // it looks at a lock we released: wait for it.
            f.lock()?;
            f
        }
    };
    let touched = file.set_modified(SystemTime::now());
    state.1 = Some(file);
    state.0 += 1;
    drop(state);
    let hold = Hold { entry };
    touched?;
    Ok(hold)
}

/// Opens the entry's file again, if it is still the one made.
fn reopen(entry: &Entry) -> io::Result<File> {
    let f = OpenOptions::new().read(true).write(true).custom_flags(libc::O_NOFOLLOW).open(&entry.path)?;
    let m = f.metadata()?;
    if (m.dev(), m.ino()) != entry.id {
        return Err(io::Error::from(io::ErrorKind::NotFound));
    }
    Ok(f)
}

impl Hold {
    /// The file to link into place.
    pub fn path(&self) -> &Path {
        &self.entry.path
    }

    /// Device and inode of the file, which a lock linked to it has.
    pub fn id(&self) -> (u64, u64) {
        self.entry.id
    }

    /// Takes the file out of use: a lock linked to it that could not be
    /// removed would otherwise stay under an OS lock this process holds
    /// while it lives, and no waiter could break it. Later locks make a new
    /// file; this one is removed at its last use, its OS lock released, so
    /// the link left behind is broken as a dead holder's.
    pub fn retire(&self) {
        self.entry.retired.store(true, Ordering::Relaxed);
        let mut files = guard(&FILES);
        let Some(map) = files.as_mut() else { return };
        if let Some(dir) = self.entry.path.parent() {
            if map.get(dir).is_some_and(|e| Arc::ptr_eq(e, &self.entry)) {
                map.remove(dir);
            }
        }
    }
}

impl Drop for Hold {
    fn drop(&mut self) {
        let idle = {
            let mut state = guard(&self.entry.holds);
            state.0 = state.0.saturating_sub(1);
            if state.0 == 0 {
                // Closing it releases the OS lock.
                drop(state.1.take());
            }
            state.0 == 0
        };
        if !idle {
            return;
        }
        if self.entry.retired.load(Ordering::Relaxed) {
            let _ = fs::remove_file(&self.entry.path);
            return;
        }
        let mut files = guard(&FILES);
        let Some(map) = files.as_mut() else { return };
        // Only the map and this use hold the entry: no other thread can
        // take a new use while the map's mutex is held.
        if map.len() > KEEP_IDLE && Arc::strong_count(&self.entry) == 2 && guard(&self.entry.holds).0 == 0 {
            if let Some(dir) = self.entry.path.parent() {
                map.remove(dir);
            }
            let _ = fs::remove_file(&self.entry.path);
        }
    }
}

/// Makes the file of `dir`, removing first the ones dead processes of this
/// host left there.
fn make(dir: &Path) -> io::Result<Entry> {
    remove_dead_files(dir);
    let host = raw_hostname().replace('/', "_");
    loop {
        let n = COUNTER.fetch_add(1, Ordering::Relaxed);
        let path = dir.join(format!(".temp.{host}.{}.{n}", super::filename::pid()));
        match OpenOptions::new().write(true).read(true).create_new(true).mode(0o600).open(&path) {
            Ok(mut file) => {
                // It stays while the mailbox is open: the mode of the
                // directory's other files.
                super::perms::fix_new_file(&file, dir);
                // Closed when made: it is opened again at each first hold.
                let written = file.write_all(owner().as_bytes()).and_then(|()| file.metadata());
                let meta = match written {
                    Ok(m) => m,
                    Err(e) => {
                        let _ = fs::remove_file(&path);
                        return Err(e);
                    }
                };
                let id = (meta.dev(), meta.ino());
                return Ok(Entry {
                    path,
                    pid: super::filename::pid(),
                    id,
                    holds: Mutex::new((0, None)),
                    retired: AtomicBool::new(false),
                });
            }
            Err(e) if e.kind() == io::ErrorKind::AlreadyExists => continue,
            Err(e) => return Err(e),
        }
    }
}

/// What a lock holds: `pid:host`, as Dovecot writes and reads it.
pub fn owner() -> String {
    format!("{}:{}", super::filename::pid(), raw_hostname())
}

/// Removes the `.temp.<host>.<pid>.*` files of `dir` whose process of this
/// host no longer runs (a lock one of them is linked to keeps its own name
/// and is judged by its waiters).
fn remove_dead_files(dir: &Path) {
    let prefix = format!(".temp.{}.", raw_hostname().replace('/', "_"));
    let Ok(rd) = fs::read_dir(dir) else { return };
    for ent in rd.flatten() {
        let name = ent.file_name();
        let Some(pid) = name.to_str().and_then(|n| dead_pid_of(n, &prefix)) else { continue };
        if !process_exists(pid) {
            let _ = fs::remove_file(ent.path());
        }
    }
}

/// The pid of a temporary file name `<prefix><pid>.<n>`.
fn dead_pid_of(name: &str, prefix: &str) -> Option<i32> {
    let (pid, _) = name.strip_prefix(prefix)?.split_once('.')?;
    pid.parse::<i32>().ok().filter(|&p| p > 0)
}

/// Whether a process with this pid runs (on this host).
pub fn process_exists(pid: i32) -> bool {
    // SAFETY: signal 0 only checks whether the process exists.
    let rc = unsafe { libc::kill(pid, 0) };
    rc == 0 || io::Error::last_os_error().raw_os_error() != Some(libc::ESRCH)
}

/// Removes the file of `dir` if no lock uses it now: the store calls it
/// for each mailbox it stops holding, so the files kept follow its own
/// bound on open mailboxes.
pub fn forget(dir: &Path) {
    let mut files = guard(&FILES);
    let Some(map) = files.as_mut() else { return };
    let idle = map.get(dir).is_some_and(|e| Arc::strong_count(e) == 1 && guard(&e.holds).0 == 0);
    if let Some(e) = idle.then(|| map.remove(dir)).flatten() {
        let _ = fs::remove_file(&e.path);
    }
}

/// Removes every file of this process that no lock uses now (a server
/// stopping).
pub fn remove_idle() {
    remove_idle_in(Path::new("/"));
}

/// Removes the files of this process under `dir` that no lock uses now.
pub fn remove_idle_in(dir: &Path) {
    let mut files = guard(&FILES);
    let Some(map) = files.as_mut() else { return };
    map.retain(|d, e| {
        let busy = !d.starts_with(dir) || Arc::strong_count(e) > 1 || guard(&e.holds).0 > 0;
        if !busy {
            let _ = fs::remove_file(&e.path);
        }
        busy
    });
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    #[test]
    fn one_file_serves_every_lock_of_a_directory_and_its_os_lock_follows_the_holds() {
        let t = tempfile::tempdir().unwrap();
        let a = hold(t.path()).unwrap();
        let b = hold(t.path()).unwrap();
        assert_eq!(a.path(), b.path());
        assert_eq!(fs::read_to_string(a.path()).unwrap(), owner());
        let probe = File::open(a.path()).unwrap();
        assert!(probe.try_lock().is_err(), "held while a use is");
        drop(a);
        assert!(probe.try_lock().is_err(), "held while the second use is");
        drop(b);
        probe.try_lock().expect("free once no use is left");
        probe.unlock().unwrap();
        // Taken again: the same file, its time set to now.
        let old = SystemTime::now() - Duration::from_secs(3600);
        File::options().write(true).open(probe_path(t.path())).unwrap().set_modified(old).unwrap();
        let c = hold(t.path()).unwrap();
        let age = SystemTime::now().duration_since(fs::metadata(c.path()).unwrap().modified().unwrap());
        assert!(age.unwrap_or_default() < Duration::from_secs(60), "a lock's time is now");
        forget(t.path());
        assert!(c.path().exists(), "a file in use stays when its mailbox is dropped");
        drop(c);
        forget(t.path());
        assert_eq!(fs::read_dir(t.path()).unwrap().count(), 0, "an idle file goes with its mailbox");
    }

    fn probe_path(dir: &Path) -> PathBuf {
        let mut names = fs::read_dir(dir).unwrap().map(|e| e.unwrap().path());
        names.next().unwrap()
    }

    #[test]
    fn files_of_dead_processes_go_and_live_ones_stay() {
        let t = tempfile::tempdir().unwrap();
        let host = raw_hostname().replace('/', "_");
        // pid_max on Linux is at most 2^22, so this pid cannot be running.
        let dead = t.path().join(format!(".temp.{host}.4999999.7"));
        let live = t.path().join(format!(".temp.{host}.1.7"));
        let other = t.path().join(".temp.elsewhere.4999999.7");
        for p in [&dead, &live, &other] {
            fs::write(p, "x").unwrap();
        }
        let h = hold(t.path()).unwrap();
        assert!(!dead.exists(), "a dead process's file is removed");
        assert!(live.exists() && other.exists(), "a live process's and another host's stay");
        drop(h);
        assert_eq!(dead_pid_of(&format!(".temp.{host}.12.0"), &format!(".temp.{host}.")), Some(12));
        assert_eq!(dead_pid_of(".temp.x.y", &format!(".temp.{host}.")), None);
    }
}
