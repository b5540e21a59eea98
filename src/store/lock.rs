//! The `dovecot-uidlist.lock` dotlock, and atomic replacement of files.
//!
//! One mechanism for all writers: the dotlock is what Dovecot (deliver,
//! imap, doveadm) takes before it scans a maildir or rewrites its uid list,
//! so taking the same lock keeps tegami and Dovecot from assigning the same
//! UID twice when both serve one maildir. Threads of this process
//! serialize on a mutex first (see `mailbox.rs`), so the dotlock only ever
//! waits on other processes.
//!
//! How tegami's locks tell a dead holder from a live one at once:
//! - the lock is made as Dovecot makes it: a temporary file holding
//!   `pid:host` is linked into place, so the lock is never seen empty.
//!   The file is the process's own file of that directory, kept from one
//!   lock to the next (`linkfile.rs`), so a lock makes and frees no inode;
//! - before linking, tegami takes an OS lock (`flock`) on that file and
//!   holds it while it holds the dotlock. The kernel drops it when the
//!   process dies, so a waiter that can take the OS lock on a tegami
//!   dotlock knows its holder is gone;
//! - a commit writes the new contents to a separate temporary file and
//!   renames that over the target; the dotlock keeps its `pid:host` until
//!   it is removed.
//!
//! Locks left by Dovecot (which holds no OS lock on them) follow Dovecot's
//! rules: broken when the `pid:host` names a process of this host that no
//! longer runs, or when neither the lock nor the file it guards changed for
//! [`STALE_AFTER`]. A live holder is waited for, however slow.
//!
//! With `--shared-storage` no OS lock is taken or asked about (`flock` on
//! NFS is either local to one client or held by the server past a crash),
//! and every lock, tegami's too, follows those rules: a holder of this
//! host by its pid, one of another host by the lock's age.
//! There a lock is a temporary file of its own, linked and then removed,
//! as Dovecot makes it.

use std::fs::{self, File, OpenOptions};
use std::io::{self, Read, Write};
use std::os::unix::fs::{MetadataExt, OpenOptionsExt};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::thread;
use std::time::{Duration, Instant, SystemTime};

use super::error::{Result, StoreError};
use super::filename::raw_hostname;
use super::linkfile::{self, owner, process_exists};

/// A lock that did not change for this long, and whose holder cannot be
/// checked, is taken to be left by a crashed process (Dovecot's rule and
/// time for the uid list lock).
pub const STALE_AFTER: Duration = Duration::from_secs(120);
/// How long to wait for a holder that makes no progress (the lock is not
/// replaced) before giving up; far beyond any real writer's work.
const WAIT_AT_MOST: Duration = Duration::from_secs(600);
/// How long a wait goes before it is logged.
const LOG_WAIT_AFTER: Duration = Duration::from_secs(10);

static TEMP_COUNTER: AtomicU64 = AtomicU64::new(0);

/// A held dotlock (`<file>.lock`); removed when dropped.
pub struct DotLock {
    path: PathBuf,
    target: PathBuf,
    /// The lock file, open and `flock`ed while held (a file of its own).
    file: Option<File>,
    /// The process's file of the directory, linked as the lock (its OS
    /// lock held while this use is).
    hold: Option<linkfile::Hold>,
    /// Identity of the lock file, so only our own lock is ever removed.
    id: (u64, u64),
}

impl DotLock {
    /// Takes `dovecot-uidlist.lock` of the mailbox directory `dir`.
    pub fn acquire(dir: &Path) -> Result<DotLock> {
        DotLock::acquire_for(&dir.join(super::uidlist::FILE))
    }

    /// Takes the dotlock `<target>.lock` that guards rewriting `target`.
    pub fn acquire_for(target: &Path) -> Result<DotLock> {
        DotLock::acquire_with(target, STALE_AFTER)
    }

    /// [`acquire_for`](Self::acquire_for) with another time after which a
    /// lock whose holder cannot be checked is stale.
    pub fn acquire_with(target: &Path, stale_after: Duration) -> Result<DotLock> {
        DotLock::acquire_in(target, stale_after, !super::shared_storage::on())
    }

    /// [`acquire_with`](Self::acquire_with), taking and asking about OS
    /// locks only when `os_locks` (never in shared-storage mode).
    fn acquire_in(target: &Path, stale_after: Duration, os_locks: bool) -> Result<DotLock> {
        let mut lock_name = target.as_os_str().to_owned();
        lock_name.push(".lock");
        let path = PathBuf::from(lock_name);
        let err = |what: &str, e| StoreError::io(format!("{what} {}", path.display()), e);
        let source = Source::new(&path, os_locks).map_err(|e| err("creating the temporary file of", e))?;
        let mut watch = Watch::new(stale_after, os_locks);
        let mut pause = Duration::from_millis(1);
        let result = loop {
            match fs::hard_link(source.path(), &path) {
                Ok(()) => break Ok(None),
                Err(e) if e.kind() == io::ErrorKind::AlreadyExists => {}
                // File systems without hard links: create the lock itself,
                // take the OS lock on it and write the owner at once.
                Err(e) if matches!(e.raw_os_error(), Some(libc::EPERM | libc::EOPNOTSUPP | libc::EMLINK)) => {
                    match create_exclusive(&path, os_locks) {
                        Ok(Some(f)) => break Ok(Some(f)),
                        Ok(None) => {}
                        Err(e) => break Err(err("creating", e)),
                    }
                }
                Err(e) => break Err(err("linking", e)),
            }
            match watch.inspect(&path, target) {
                Ok(Holder::Gone) => pause = Duration::from_millis(1),
                Ok(Holder::Waiting) => {
                    if watch.waited() > WAIT_AT_MOST {
                        break Err(StoreError::Io(
                            format!("timeout waiting for {}", path.display()),
                            io::Error::from(io::ErrorKind::TimedOut),
                        ));
                    }
                    thread::sleep(pause);
                    pause = (pause * 2).min(Duration::from_millis(50));
                }
                Err(e) => break Err(err("checking", e)),
            }
        };
        let target = target.to_path_buf();
        let (file, hold) = match source {
            Source::Linked(hold) => match result? {
                None => return Ok(DotLock { path, target, file: None, id: hold.id(), hold: Some(hold) }),
                Some(own) => (own, None),
            },
            Source::Temp(temp_path, temp) => {
                let _ = fs::remove_file(&temp_path);
                (result?.unwrap_or(temp), None)
            }
        };
        let m = file.metadata().map_err(|e| err("checking", e))?;
        Ok(DotLock { path, target, file: Some(file), hold, id: (m.dev(), m.ino()) })
    }

    /// Replaces the guarded file with `contents`: written to a temporary
    /// file, fsynced, renamed over the target, the directory fsynced; the
    /// lock is released after that.
    pub fn commit(self, contents: &[u8]) -> Result<()> {
        replace_file(&self.target, contents)
    }

    /// The path of the guarded file.
    pub fn target(&self) -> &Path {
        &self.target
    }
}

impl Drop for DotLock {
    fn drop(&mut self) {
        // Remove the lock only if it is still ours (a waiter that wrongly
        // took it for stale may have replaced it).
        let ours = fs::symlink_metadata(&self.path).is_ok_and(|m| (m.dev(), m.ino()) == self.id);
        if ours {
            let removed = fs::remove_file(&self.path);
            if removed.is_err_and(|e| e.kind() != io::ErrorKind::NotFound) {
                // Left in place: the directory's file must not stay
                // locked under it, or no waiter could ever break it.
                if let Some(h) = &self.hold {
                    h.retire();
                }
            }
        }
        // Closing the file (or the last use of the directory's file)
        // releases the OS lock, after the unlink.
        drop(self.file.take());
        drop(self.hold.take());
    }
}

/// What is linked into place as the lock.
enum Source {
    /// The process's file of the directory (`linkfile.rs`).
    Linked(linkfile::Hold),
    /// A temporary file of this lock alone, removed once linked (shared
    /// storage, where no OS lock is taken).
    Temp(PathBuf, File),
}

impl Source {
    fn new(lock: &Path, os_locks: bool) -> io::Result<Source> {
        if os_locks {
            Ok(Source::Linked(linkfile::hold(lock.parent().unwrap_or(Path::new(".")))?))
        } else {
            let (path, file) = make_temp(lock, false)?;
            Ok(Source::Temp(path, file))
        }
    }

    fn path(&self) -> &Path {
        match self {
            Source::Linked(h) => h.path(),
            Source::Temp(p, _) => p,
        }
    }
}

/// A new temporary file beside the lock (Dovecot's `.temp.<host>.<pid>.`
/// naming), holding `pid:host`, with the OS lock taken on it when
/// `os_locks`.
fn make_temp(lock: &Path, os_locks: bool) -> io::Result<(PathBuf, File)> {
    let dir = lock.parent().unwrap_or(Path::new("."));
    let host = raw_hostname();
    loop {
        let n = TEMP_COUNTER.fetch_add(1, Ordering::Relaxed);
        let name = format!(".temp.{}.{}.{n}", host.replace('/', "_"), super::filename::pid());
        let path = dir.join(name);
        match OpenOptions::new().write(true).read(true).create_new(true).mode(0o600).open(&path) {
            Ok(mut f) => {
                if os_locks {
                    f.lock()?;
                }
                f.write_all(owner().as_bytes())?;
                return Ok((path, f));
            }
            Err(e) if e.kind() == io::ErrorKind::AlreadyExists => continue,
            Err(e) => return Err(e),
        }
    }
}

/// Creates the lock file directly (no hard links); `None` when it exists.
fn create_exclusive(path: &Path, os_locks: bool) -> io::Result<Option<File>> {
    match OpenOptions::new().write(true).read(true).create_new(true).mode(0o600).open(path) {
        Ok(mut f) => {
            if os_locks {
                f.lock()?;
            }
            f.write_all(owner().as_bytes())?;
            Ok(Some(f))
        }
        Err(e) if e.kind() == io::ErrorKind::AlreadyExists => Ok(None),
        Err(e) => Err(e),
    }
}

/// What a waiter concluded about the lock it found.
enum Holder {
    /// The lock is gone (released or broken): try again at once.
    Gone,
    /// A live holder, or one not yet known to be dead: wait.
    Waiting,
}

/// Device, inode, size and mtime of a file.
type Stamp = (u64, u64, u64, i64);

/// A waiter's memory of the lock it waits for: Dovecot's rule for locks
/// whose holder cannot be checked is "no change for the stale time".
struct Watch {
    stale_after: Duration,
    /// Whether holders' OS locks are asked about (not in shared-storage mode).
    os_locks: bool,
    start: Instant,
    last: Option<(Stamp, Stamp)>,
    last_change: SystemTime,
    logged: bool,
}

impl Watch {
    fn new(stale_after: Duration, os_locks: bool) -> Watch {
        Watch {
            stale_after,
            os_locks,
            start: Instant::now(),
            last: None,
            last_change: SystemTime::now(),
            logged: false,
        }
    }

    /// How long the current holder has been waited for.
    fn waited(&self) -> Duration {
        self.start.elapsed()
    }

    /// Looks at the lock at `path` (guarding `target`) and breaks it when
    /// its holder is known to be dead or it is stale.
    fn inspect(&mut self, path: &Path, target: &Path) -> io::Result<Holder> {
        let mut f = match OpenOptions::new().read(true).custom_flags(libc::O_NOFOLLOW).open(path) {
            Ok(f) => f,
            Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(Holder::Gone),
            Err(e) => return Err(e),
        };
        let meta = f.metadata()?;
        let identity = |m: &fs::Metadata| -> Stamp { (m.dev(), m.ino(), m.len(), m.mtime()) };
        let target_id = fs::metadata(target).map(|m| identity(&m)).unwrap_or_default();
        let seen = (identity(&meta), target_id);
        if self.last.is_none_or(|l| l.0 .0 != seen.0 .0 || l.0 .1 != seen.0 .1) {
            // A new holder: its wait and its stale time start afresh.
            self.start = Instant::now();
            self.logged = false;
            self.last_change = meta.modified().unwrap_or_else(|_| SystemTime::now()).min(SystemTime::now());
        } else if self.last != Some(seen) {
            self.last_change = SystemTime::now();
        }
        self.last = Some(seen);
        // A tegami holder keeps the OS lock for as long as it lives.
        let os_lock_free = match self.os_locks.then(|| f.try_lock()) {
            Some(Ok(())) => true,
            Some(Err(fs::TryLockError::WouldBlock)) => {
                self.log_wait(path, "its holder is alive and working");
                return Ok(Holder::Waiting);
            }
            // No OS locks here (some network file systems, or not asked
            // in shared-storage mode): Dovecot's rules.
            Some(Err(fs::TryLockError::Error(_))) | None => false,
        };
        // The OS lock we now hold is on the file we opened; the name may
        // have been released and taken again meanwhile.
        let still = fs::symlink_metadata(path).is_ok_and(|m| (m.dev(), m.ino()) == (meta.dev(), meta.ino()));
        if !still {
            return Ok(Holder::Gone);
        }
        let mut buf = Vec::new();
        (&mut f).take(512).read_to_end(&mut buf)?;
        let reason = match local_pid(&buf) {
            Some(pid) if !process_exists(pid) => {
                remove_temps_of(path, pid);
                Some(format!("its holder, process {pid} of this host, is gone"))
            }
            Some(pid) if os_lock_free && (pid == super::filename::pid() as i32 || is_tegami(pid)) => {
                Some(format!("its holder (pid {pid}) holds no OS lock on it: a tegami that died, its pid reused"))
            }
            // A live holder that takes no OS lock (Dovecot): wait for it.
            Some(_) => None,
            None => {
                let age = SystemTime::now().duration_since(self.last_change).unwrap_or_default();
                (age > self.stale_after).then(|| format!("neither it nor its file changed for {}s", age.as_secs()))
            }
        };
        let Some(reason) = reason else {
            self.log_wait(path, "its holder cannot be checked yet");
            return Ok(Holder::Waiting);
        };
        let free = if os_lock_free { " (its OS lock was free)" } else { "" };
        log::warn!("breaking lock {}: {reason}{free}", path.display());
        // We hold its OS lock, so no other tegami breaks it at the same time.
        let still = fs::symlink_metadata(path).is_ok_and(|m| (m.dev(), m.ino()) == (meta.dev(), meta.ino()));
        if still {
            match fs::remove_file(path) {
                Ok(()) => {}
                Err(e) if e.kind() == io::ErrorKind::NotFound => {}
                Err(e) => return Err(e),
            }
        }
        Ok(Holder::Gone)
    }

    fn log_wait(&mut self, path: &Path, why: &str) {
        if !self.logged && self.start.elapsed() > LOG_WAIT_AFTER {
            self.logged = true;
            log::warn!("waiting for lock {}: {why}", path.display());
        }
    }
}

/// Removes the temporary lock files a dead process of this host left
/// beside `lock` (it died between making one and linking it).
fn remove_temps_of(lock: &Path, pid: i32) {
    let Some(dir) = lock.parent() else { return };
    let prefix = format!(".temp.{}.{pid}.", raw_hostname().replace('/', "_"));
    let Ok(rd) = fs::read_dir(dir) else { return };
    for ent in rd.flatten() {
        if ent.file_name().to_str().is_some_and(|n| n.starts_with(&prefix)) {
            let _ = fs::remove_file(ent.path());
        }
    }
}

/// The pid of a `pid:host` lock of this host (Dovecot's format; a trailing
/// newline is allowed).
fn local_pid(content: &[u8]) -> Option<i32> {
    let text = std::str::from_utf8(content).ok()?;
    let text = text.strip_suffix('\n').unwrap_or(text);
    let (pid, host) = text.split_once(':')?;
    if host != raw_hostname() {
        return None;
    }
    pid.parse::<i32>().ok().filter(|&p| p > 0)
}

/// Whether the process is a tegami that holds the OS lock on any dotlock
/// it holds: not one started with `--shared-storage`, which takes none
/// (its lock without an OS lock is no sign of death).
fn is_tegami(pid: i32) -> bool {
    let shared = |args: Vec<u8>| args.split(|&b| b == 0).any(|a| a == b"--shared-storage");
    fs::read_to_string(format!("/proc/{pid}/comm")).is_ok_and(|c| c.trim_end() == "tegami")
        && !fs::read(format!("/proc/{pid}/cmdline")).is_ok_and(shared)
}

/// Replaces `target` atomically with `contents` (see `atomic.rs`: no
/// predictable temporary name, no link followed).
pub fn replace_file(target: &Path, contents: &[u8]) -> Result<()> {
    super::atomic::replace(target, contents).map_err(|e| StoreError::io(format!("replacing {}", target.display()), e))
}

/// fsyncs a directory, so that a rename or link in it survives a crash.
pub fn sync_dir(dir: &Path) -> Result<()> {
    File::open(dir)
        .and_then(|d| d.sync_all())
        .map_err(|e| StoreError::io(format!("syncing directory {}", dir.display()), e))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lock_path(dir: &Path) -> PathBuf {
        dir.join("f.lock")
    }

    #[test]
    fn the_lock_carries_its_owner_from_the_first_instant_and_is_removed() {
        let t = tempfile::tempdir().unwrap();
        let target = t.path().join("f");
        let lock = DotLock::acquire_for(&target).unwrap();
        assert_eq!(fs::read_to_string(lock_path(t.path())).unwrap(), owner());
        lock.commit(b"new").unwrap();
        assert_eq!(fs::read(&target).unwrap(), b"new");
        linkfile::remove_idle_in(t.path());
        let left: Vec<_> = fs::read_dir(t.path()).unwrap().map(|e| e.unwrap().file_name()).collect();
        assert_eq!(left, vec![std::ffi::OsString::from("f")]);
    }

    #[test]
    fn a_lock_makes_and_frees_no_inode() {
        let t = tempfile::tempdir().unwrap();
        let target = t.path().join("f");
        let ino = |p: &Path| fs::symlink_metadata(p).unwrap().ino();
        let first = DotLock::acquire_for(&target).unwrap();
        let kept = ino(&lock_path(t.path()));
        drop(first);
        assert!(!lock_path(t.path()).exists(), "released");
        for _ in 0..3 {
            let again = DotLock::acquire_for(&target).unwrap();
            assert_eq!(ino(&lock_path(t.path())), kept, "the same file, linked again");
            assert_eq!(fs::read_to_string(lock_path(t.path())).unwrap(), owner());
            drop(again);
        }
        // Another lock of the same directory, held at the same time, links
        // the same file; each is released alone.
        let a = DotLock::acquire_for(&target).unwrap();
        let b = DotLock::acquire_for(&t.path().join("g")).unwrap();
        assert_eq!(ino(&t.path().join("g.lock")), kept);
        drop(a);
        assert!(t.path().join("g.lock").exists() && !lock_path(t.path()).exists());
        drop(b);
        linkfile::remove_idle_in(t.path());
    }

    #[test]
    fn a_link_of_our_file_left_behind_is_broken_once_the_file_is_retired() {
        let t = tempfile::tempdir().unwrap();
        let target = t.path().join("f");
        // What a release whose unlink failed leaves: the lock linked to the
        // directory's file of this live process.
        let hold = linkfile::hold(t.path()).unwrap();
        fs::hard_link(hold.path(), lock_path(t.path())).unwrap();
        let old = hold.path().to_path_buf();
        hold.retire();
        drop(hold);
        assert!(!old.exists(), "a retired file goes at its last use");
        // Its OS lock is free and it names our pid: broken at once.
        let lock = DotLock::acquire_with(&target, Duration::from_secs(3600)).unwrap();
        drop(lock);
        // A dead tegami's kept file, linked as its lock: broken at once,
        // both names gone.
        let host = raw_hostname().replace('/', "_");
        let t2 = tempfile::tempdir().unwrap();
        let dead = t2.path().join(format!(".temp.{host}.4999999.0"));
        fs::write(&dead, format!("4999999:{}", raw_hostname())).unwrap();
        fs::hard_link(&dead, lock_path(t2.path())).unwrap();
        drop(DotLock::acquire_with(&t2.path().join("f"), Duration::from_secs(3600)).unwrap());
        assert!(!dead.exists() && !lock_path(t2.path()).exists());
        linkfile::remove_idle_in(t.path());
        linkfile::remove_idle_in(t2.path());
    }

    #[test]
    fn a_held_lock_is_waited_for_then_taken() {
        let t = tempfile::tempdir().unwrap();
        let target = t.path().join("f");
        let lock = DotLock::acquire_for(&target).unwrap();
        let (tx, rx) = std::sync::mpsc::channel();
        let tgt = target.clone();
        let waiter = thread::spawn(move || {
            let l = DotLock::acquire_with(&tgt, Duration::from_millis(1)).unwrap();
            tx.send(()).unwrap();
            drop(l);
        });
        // Our own process's live lock is never broken, even when the stale
        // time is tiny: the waiter finds its OS lock held.
        assert!(rx.recv_timeout(Duration::from_millis(300)).is_err());
        drop(lock);
        rx.recv_timeout(Duration::from_secs(30)).unwrap();
        waiter.join().unwrap();
    }

    #[test]
    fn a_dead_holders_lock_is_broken_at_once_and_dovecot_style_locks_age() {
        let t = tempfile::tempdir().unwrap();
        let target = t.path().join("f");
        // pid_max on Linux is at most 2^22, so this pid cannot be running.
        fs::write(lock_path(t.path()), format!("4999999:{}", raw_hostname())).unwrap();
        let litter = t.path().join(format!(".temp.{}.4999999.3", raw_hostname().replace('/', "_")));
        fs::write(&litter, "4999999").unwrap();
        DotLock::acquire_with(&target, Duration::from_secs(3600)).unwrap();
        assert!(!litter.exists(), "the dead holder's temporary file is removed");
        // Our own pid without an OS lock: left by an earlier process that
        // had the same pid.
        fs::write(lock_path(t.path()), owner()).unwrap();
        DotLock::acquire_with(&target, Duration::from_secs(3600)).unwrap();
        // Empty (a Dovecot lock being written) and foreign-host locks are
        // broken only when stale.
        for text in ["", "1:some.other.host"] {
            fs::write(lock_path(t.path()), text).unwrap();
            let old = SystemTime::now() - Duration::from_secs(30);
            File::options().write(true).open(lock_path(t.path())).unwrap().set_modified(old).unwrap();
            DotLock::acquire_with(&target, Duration::from_secs(10)).unwrap();
        }
        fs::write(lock_path(t.path()), "").unwrap();
        let tgt = target.clone();
        let waiter = thread::spawn(move || DotLock::acquire_with(&tgt, Duration::from_secs(3600)).map(drop));
        thread::sleep(Duration::from_millis(200));
        assert!(!waiter.is_finished(), "a fresh lock of unknown holder is waited for");
        fs::remove_file(lock_path(t.path())).unwrap();
        waiter.join().unwrap().unwrap();
    }

    #[test]
    fn in_shared_storage_mode_no_os_lock_is_taken_and_holders_go_by_pid_and_age() {
        let t = tempfile::tempdir().unwrap();
        let target = t.path().join("f");
        let held = DotLock::acquire_in(&target, STALE_AFTER, false).unwrap();
        // No OS lock on it: another host's client could not see one anyway.
        let probe = File::open(lock_path(t.path())).unwrap();
        probe.try_lock().expect("no flock in shared-storage mode");
        probe.unlock().unwrap();
        // A live holder of this host is waited for, however short the
        // stale time: it is judged by its pid, not by the free OS lock.
        let tgt = target.clone();
        let waiter = thread::spawn(move || DotLock::acquire_in(&tgt, Duration::from_millis(1), false).map(drop));
        thread::sleep(Duration::from_millis(300));
        assert!(!waiter.is_finished(), "a live local holder's lock was broken");
        drop(held);
        waiter.join().unwrap().unwrap();
        // A dead holder of this host: broken at once.
        fs::write(lock_path(t.path()), format!("4999999:{}", raw_hostname())).unwrap();
        DotLock::acquire_in(&target, Duration::from_secs(3600), false).unwrap();
        // Another host's: waited for while fresh, broken once aged.
        fs::write(lock_path(t.path()), "77:other.host.example").unwrap();
        let tgt = target.clone();
        let waiter = thread::spawn(move || DotLock::acquire_in(&tgt, Duration::from_secs(3600), false).map(drop));
        thread::sleep(Duration::from_millis(300));
        assert!(!waiter.is_finished(), "a fresh lock of another host was broken");
        fs::remove_file(lock_path(t.path())).unwrap();
        waiter.join().unwrap().unwrap();
        fs::write(lock_path(t.path()), "77:other.host.example").unwrap();
        let old = SystemTime::now() - Duration::from_secs(30);
        File::options().write(true).open(lock_path(t.path())).unwrap().set_modified(old).unwrap();
        DotLock::acquire_in(&target, Duration::from_secs(10), false).unwrap();
    }

    #[test]
    fn local_pid_follows_dovecots_format() {
        let host = raw_hostname();
        assert_eq!(local_pid(format!("12:{host}").as_bytes()), Some(12));
        assert_eq!(local_pid(format!("12:{host}\n").as_bytes()), Some(12));
        assert_eq!(local_pid(b"12:elsewhere"), None);
        assert_eq!(local_pid(b""), None);
        assert_eq!(local_pid(format!("3 V1 N2\n1 :{host}").as_bytes()), None);
    }
}
