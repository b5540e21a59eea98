//! Mail is never touched as root (Dovecot's rule). A server running as root
//! without `--user` gives each session, once logged in, its account's uid
//! and gid (the passwd-file's columns 3 and 4, or `userdb_uid`/`userdb_gid`)
//! for file access: Linux's `setfsuid`/`setfsgid` and the raw `setgroups`
//! system call change only the calling thread, so each worker thread
//! touches files with the rights of the account it serves, and the
//! listener, watcher and monitor threads keep root's. Root's identity comes
//! back when the session ends ([`SessionGuard`], panics included), since
//! worker threads are reused.

use std::cell::RefCell;
use std::io;

use super::passwd::Account;

/// Root's identity, kept while a thread has an account's.
struct Saved {
    uid: libc::uid_t,
    gid: libc::gid_t,
    groups: Vec<libc::gid_t>,
}

thread_local! {
    /// The account identity in force on this thread, and root's to put back.
    static SWITCHED: RefCell<Option<((u32, u32), Saved)>> = const { RefCell::new(None) };
}

/// The identity a session of `account` must take, `None` when it keeps the
/// process's: the process is not root (it runs as `--user` or was started
/// as a user), the server runs `--demo` (its own accounts, in its own
/// directory), or the account is the process's own user. Refused (with the
/// reason, for the log) for an account that would be served as a uid below
/// `first_valid_uid`, or without a uid at all while the process is root.
pub fn decide(account: &Account, first_valid_uid: u32, demo: bool) -> Result<Option<(u32, u32)>, String> {
    // SAFETY: geteuid and getegid have no preconditions.
    let (euid, egid) = unsafe { (libc::geteuid(), libc::getegid()) };
    if euid != 0 || demo {
        return Ok(None);
    }
    let uid = account.uid.unwrap_or(euid);
    if uid < first_valid_uid {
        return Err(match account.uid {
            None => format!(
                "the account has no uid (passwd-file column 3 or userdb_uid) and the server runs as root, \
                 so its mail would be accessed as uid {uid}, below --first-valid-uid {first_valid_uid}"
            ),
            Some(_) => format!("its uid {uid} is below --first-valid-uid {first_valid_uid}"),
        });
    }
    let gid = match (account.gid, account.uid) {
        (Some(g), _) => g,
        (None, None) => egid,
        (None, Some(_)) => return Err(format!("it has uid {uid} but no gid (passwd-file column 4 or userdb_gid)")),
    };
    Ok(((uid, gid) != (euid, egid)).then_some((uid, gid)))
}

/// Gives this thread the file-access identity `uid`/`gid` (supplementary
/// groups: `gid` alone) until [`restore`]; checked after the change.
pub fn switch(uid: u32, gid: u32) -> io::Result<()> {
    restore();
    let saved = Saved { uid: fsuid(), gid: fsgid(), groups: groups()? };
    set_groups(&[gid])?;
    // SAFETY: plain system calls; they only change this thread.
    unsafe {
        libc::setfsgid(gid);
        libc::setfsuid(uid);
    }
    SWITCHED.with(|s| *s.borrow_mut() = Some(((uid, gid), saved)));
    if fsuid() != uid || fsgid() != gid {
        restore();
        return Err(io::Error::other(format!("setfsuid({uid})/setfsgid({gid}) did not take")));
    }
    Ok(())
}

/// Gives this thread back the identity it had before [`switch`] (nothing
/// when it has not switched).
pub fn restore() {
    let Some((_, saved)) = SWITCHED.with(|s| s.borrow_mut().take()) else { return };
    // SAFETY: plain system calls; they only change this thread. The uid
    // first: root's file capabilities come back with it.
    unsafe {
        libc::setfsuid(saved.uid);
        libc::setfsgid(saved.gid);
    }
    if let Err(e) = set_groups(&saved.groups) {
        log::warn!("cannot restore the worker thread's groups: {e}");
    }
}

/// The account identity in force on this thread, if any.
pub fn current() -> Option<(u32, u32)> {
    SWITCHED.with(|s| s.borrow().as_ref().map(|(ids, _)| *ids))
}

/// Restores root's identity when dropped: one per session, made before it
/// starts, so the thread is root again after the session however it ends.
pub struct SessionGuard(());

impl SessionGuard {
    /// The guard of a session starting on this thread.
    pub fn new() -> SessionGuard {
        restore();
        SessionGuard(())
    }
}

impl Default for SessionGuard {
    fn default() -> Self {
        SessionGuard::new()
    }
}

impl Drop for SessionGuard {
    fn drop(&mut self) {
        restore();
    }
}

/// Root's identity for a moment (reading the passwd-file, which the
/// accounts must not read), the account's again when dropped.
pub struct AsRoot(Option<(u32, u32)>);

/// Takes root's identity back until the returned guard is dropped.
pub fn as_root() -> AsRoot {
    let ids = current();
    if ids.is_some() {
        restore();
    }
    AsRoot(ids)
}

impl Drop for AsRoot {
    fn drop(&mut self) {
        if let Some((uid, gid)) = self.0 {
            if let Err(e) = switch(uid, gid) {
                log::warn!("cannot take the account's identity back: {e}");
            }
        }
    }
}

/// The identity of `dir`'s owner while the guard lives, for threads that
/// serve no session (the store's sync after inotify events): what they make
/// in a maildir belongs to its owner, and a link there gives them no more
/// than the owner's rights. Nothing changes when the process is not root,
/// the thread has an identity already, or root owns `dir`.
pub fn as_owner_of(dir: &std::path::Path) -> AsOwner {
    use std::os::unix::fs::MetadataExt;
    // SAFETY: geteuid has no preconditions.
    if unsafe { libc::geteuid() } != 0 || current().is_some() {
        return AsOwner(false);
    }
    match std::fs::symlink_metadata(dir) {
        Ok(m) if m.uid() != 0 => match switch(m.uid(), m.gid()) {
            Ok(()) => AsOwner(true),
            Err(e) => {
                log::warn!("cannot take the identity of the owner of {}: {e}", dir.display());
                AsOwner(false)
            }
        },
        _ => AsOwner(false),
    }
}

/// See [`as_owner_of`]; root's identity is back when dropped.
pub struct AsOwner(bool);

impl Drop for AsOwner {
    fn drop(&mut self) {
        if self.0 {
            restore();
        }
    }
}

fn fsuid() -> u32 {
    // SAFETY: an invalid id changes nothing and returns the current one.
    unsafe { libc::setfsuid(u32::MAX) as u32 }
}

fn fsgid() -> u32 {
    // SAFETY: as for fsuid.
    unsafe { libc::setfsgid(u32::MAX) as u32 }
}

/// This thread's supplementary groups.
fn groups() -> io::Result<Vec<libc::gid_t>> {
    // SAFETY: a zero-size query, then a buffer of the size it gave.
    let n = unsafe { libc::getgroups(0, std::ptr::null_mut()) };
    if n < 0 {
        return Err(io::Error::last_os_error());
    }
    let mut v = vec![0; n as usize];
    // SAFETY: `v` holds `n` entries.
    let n = unsafe { libc::getgroups(n, v.as_mut_ptr()) };
    if n < 0 {
        return Err(io::Error::last_os_error());
    }
    v.truncate(n as usize);
    Ok(v)
}

/// Sets this thread's supplementary groups: the system call itself, since
/// glibc's `setgroups` changes every thread of the process.
fn set_groups(list: &[libc::gid_t]) -> io::Result<()> {
    // SAFETY: `list` holds `len` gids.
    let rc = unsafe { libc::syscall(libc::SYS_setgroups, list.len() as libc::c_long, list.as_ptr()) };
    if rc != 0 {
        return Err(io::Error::last_os_error());
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_thread_takes_an_identity_alone_and_gives_it_back() {
        // SAFETY: geteuid has no preconditions.
        if unsafe { libc::geteuid() } != 0 {
            // As a user, setfsuid cannot change anything: nothing to show.
            assert!(switch(4242, 4242).is_err());
            return;
        }
        let d = tempfile::tempdir().unwrap();
        std::fs::set_permissions(d.path(), std::os::unix::fs::PermissionsExt::from_mode(0o777)).unwrap();
        let before = groups().unwrap();
        std::thread::scope(|s| {
            s.spawn(|| {
                let guard = SessionGuard::new();
                switch(4242, 4343).unwrap();
                assert_eq!(current(), Some((4242, 4343)));
                assert_eq!(groups().unwrap(), vec![4343]);
                std::fs::write(d.path().join("f"), "x").unwrap();
                {
                    let _root = as_root();
                    assert_eq!(fsuid(), 0);
                }
                assert_eq!(fsuid(), 4242);
                drop(guard);
                assert_eq!((fsuid(), current()), (0, None));
                assert_eq!(groups().unwrap(), before);
            });
        });
        // The file was made as the account; this thread never changed.
        let meta = std::fs::metadata(d.path().join("f")).unwrap();
        assert_eq!(
            (std::os::unix::fs::MetadataExt::uid(&meta), std::os::unix::fs::MetadataExt::gid(&meta)),
            (4242, 4343)
        );
        assert_eq!(fsuid(), 0);
        assert_eq!(groups().unwrap(), before);
    }

    #[test]
    fn a_session_that_panics_leaves_its_thread_root_again() {
        // SAFETY: geteuid has no preconditions.
        if unsafe { libc::geteuid() } != 0 {
            assert!(switch(4242, 4242).is_err());
            return;
        }
        std::thread::spawn(|| {
            let caught = std::panic::catch_unwind(|| {
                let _guard = SessionGuard::new();
                switch(4242, 4242).unwrap();
                panic!("a bug in the session");
            });
            assert!(caught.is_err());
            // The pooled thread serves the next session as root.
            assert_eq!((fsuid(), fsgid(), current()), (0, 0, None));
        })
        .join()
        .unwrap();
    }
}
