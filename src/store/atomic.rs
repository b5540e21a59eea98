//! Files the server writes whole, and files it reads, without ever going
//! through a link a user planted.
//!
//! The maildir belongs to its user, who may put a symbolic link anywhere in
//! it; a server running as root that followed one would read or overwrite
//! any file of the host. So:
//! - a file is replaced through a temporary file made with
//!   `O_CREAT|O_EXCL|O_NOFOLLOW` under an unpredictable name in the target's
//!   directory (a link planted under a predictable name is never opened),
//!   written, fsynced, renamed over the target (a rename replaces a link
//!   itself, never what it points to), the directory fsynced; the temporary
//!   file is removed on any failure;
//! - files are opened with `O_NOFOLLOW|O_NONBLOCK` and must be regular
//!   files, so a link is never read through and a FIFO never blocks.

use std::fs::{File, OpenOptions};
use std::io::{self, Read, Write};
use std::os::fd::{AsRawFd, FromRawFd};
use std::os::unix::fs::OpenOptionsExt;
use std::path::Path;

/// Replaces `target` atomically with `contents` (see the module comment).
/// The new file gets the mode its directory calls for (`perms.rs`).
pub fn replace(target: &Path, contents: &[u8]) -> io::Result<()> {
    replace_with(target, |f| f.write_all(contents))
}

/// [`replace`], the new file filled by `fill` (which may also set its mode
/// or owner: it runs before the file takes the target's name).
pub fn replace_with(target: &Path, fill: impl FnOnce(&mut File) -> io::Result<()>) -> io::Result<()> {
    let dir = match target.parent() {
        Some(d) if !d.as_os_str().is_empty() => d,
        _ => Path::new("."),
    };
    let name = target.file_name().ok_or_else(|| io::Error::new(io::ErrorKind::InvalidInput, "no file name"))?;
    let mut prefix = std::ffi::OsString::from(".");
    prefix.push(name);
    prefix.push(".");
    // tempfile picks a random name and retries on a clash; the open itself
    // is ours, so the flags are the ones this module promises.
    let mut tmp = tempfile::Builder::new().prefix(&prefix).suffix(".tmp").make_in(dir, |path| {
        OpenOptions::new()
            .write(true)
            .create_new(true)
            .mode(0o600)
            .custom_flags(libc::O_NOFOLLOW | libc::O_CLOEXEC)
            .open(path)
    })?;
    super::perms::fix_new_file(tmp.as_file(), dir);
    fill(tmp.as_file_mut())?;
    #[cfg(test)]
    note_written(tmp.as_file().metadata()?.len());
    tmp.as_file().sync_all()?;
    // On failure the temporary file is dropped, which removes it.
    tmp.persist(target).map_err(|e| e.error)?;
    File::open(dir)?.sync_all()
}

/// Opens `path` for reading only if it is a regular file itself: never
/// through a symbolic link (`O_NOFOLLOW`), never blocking on a FIFO or a
/// device (`O_NONBLOCK`, then the type checked on the open descriptor).
pub fn open_regular(path: &Path) -> io::Result<File> {
    open_regular_sized(path).map(|(f, _)| f)
}

/// [`open_regular`] with the file's size, from the same `fstat` that
/// checked its type (a reader that needs the size asks no second time).
pub fn open_regular_sized(path: &Path) -> io::Result<(File, u64)> {
    regular_sized(OpenOptions::new().read(true).custom_flags(libc::O_NOFOLLOW | libc::O_NONBLOCK).open(path)?)
}

/// `f` with its size, if it is a regular file.
fn regular_sized(f: File) -> io::Result<(File, u64)> {
    let m = f.metadata()?;
    if !m.is_file() {
        return Err(io::Error::new(io::ErrorKind::InvalidData, "not a regular file"));
    }
    Ok((f, m.len()))
}

/// Opens the directory `path` to open files in it with
/// [`open_regular_sized_at`]; never through a symbolic link as its last
/// component.
pub fn open_dir(path: &Path) -> io::Result<File> {
    OpenOptions::new().read(true).custom_flags(libc::O_DIRECTORY | libc::O_NOFOLLOW).open(path)
}

/// [`open_regular_sized`] of the file `name` of the directory `dir`: the
/// kernel looks up one name instead of every component of a path (a
/// FETCH of a thousand messages opens a thousand files).
pub fn open_regular_sized_at(dir: &File, name: &str) -> io::Result<(File, u64)> {
    if name.contains('/') {
        return Err(io::Error::new(io::ErrorKind::InvalidInput, "not a file name"));
    }
    let name = std::ffi::CString::new(name).map_err(|e| io::Error::new(io::ErrorKind::InvalidInput, e))?;
    let flags = libc::O_RDONLY | libc::O_NOFOLLOW | libc::O_NONBLOCK | libc::O_CLOEXEC;
    // SAFETY: `dir` is an open descriptor and `name` a NUL-terminated
    // string, both alive for the call.
    let fd = unsafe { libc::openat(dir.as_raw_fd(), name.as_ptr(), flags) };
    if fd < 0 {
        return Err(io::Error::last_os_error());
    }
    // SAFETY: `fd` was just opened and nothing else owns it.
    regular_sized(unsafe { File::from_raw_fd(fd) })
}

/// Opens `path` for appending, never through a symbolic link.
pub fn open_append(path: &Path) -> io::Result<File> {
    OpenOptions::new().append(true).custom_flags(libc::O_NOFOLLOW | libc::O_NONBLOCK).open(path)
}

/// Appends `data` to `path` with one write (so concurrent appenders do not
/// interleave), never through a symbolic link; fsynced when `sync`.
pub fn append(path: &Path, data: &[u8], sync: bool) -> io::Result<()> {
    let mut f = open_append(path)?;
    f.write_all(data)?;
    note_written(data.len() as u64);
    if sync {
        f.sync_data()?;
    }
    Ok(())
}

#[cfg(test)]
thread_local! {
    static WRITTEN: std::cell::Cell<u64> = const { std::cell::Cell::new(0) };
}

/// Counts `n` bytes written to a sidecar file by this thread (in tests
/// only: they show that a change costs the same however long a mailbox
/// has lived).
pub(crate) fn note_written(n: u64) {
    #[cfg(test)]
    WRITTEN.with(|w| w.set(w.get() + n));
    #[cfg(not(test))]
    let _ = n;
}

/// Bytes this thread wrote to sidecar files so far (see [`note_written`]).
#[cfg(test)]
pub(crate) fn written() -> u64 {
    WRITTEN.with(|w| w.get())
}

/// Opens (and makes, if missing) a file read and written in place, such as
/// a lock or counter file, never through a symbolic link. Its contents are
/// kept.
pub fn open_in_place(path: &Path) -> io::Result<File> {
    OpenOptions::new().read(true).write(true).create(true).truncate(false).custom_flags(libc::O_NOFOLLOW).open(path)
}

/// Reads a sidecar file whole. One that is a symbolic link or not a regular
/// file is logged and reported as missing (`NotFound`), so every reader
/// treats it as absent and the next write replaces the link itself.
pub fn read(path: &Path) -> io::Result<Vec<u8>> {
    let mut f = match open_regular(path) {
        Ok(f) => f,
        Err(e) if e.raw_os_error() == Some(libc::ELOOP) || e.kind() == io::ErrorKind::InvalidData => {
            log::warn!("{}: ignored, not a regular file (a symbolic link is never followed)", path.display());
            return Err(io::Error::new(io::ErrorKind::NotFound, "not a regular file"));
        }
        Err(e) => return Err(e),
    };
    let mut data = Vec::new();
    f.read_to_end(&mut data)?;
    Ok(data)
}

/// [`read`] as text; invalid UTF-8 is an `InvalidData` error, as with
/// `fs::read_to_string`.
pub fn read_to_string(path: &Path) -> io::Result<String> {
    String::from_utf8(read(path)?).map_err(|e| io::Error::new(io::ErrorKind::InvalidData, e))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::fs;

    fn names(dir: &Path) -> Vec<String> {
        let mut v: Vec<String> =
            fs::read_dir(dir).unwrap().map(|e| e.unwrap().file_name().to_string_lossy().into_owned()).collect();
        v.sort();
        v
    }

    #[test]
    fn a_file_is_replaced_and_nothing_else_is_left() {
        let d = tempfile::tempdir().unwrap();
        let target = d.path().join("f");
        fs::write(&target, "old").unwrap();
        replace(&target, b"new").unwrap();
        assert_eq!(fs::read(&target).unwrap(), b"new");
        assert_eq!(names(d.path()), ["f"]);
    }

    #[test]
    fn a_failed_write_removes_its_temporary_and_keeps_the_old_file() {
        let d = tempfile::tempdir().unwrap();
        let target = d.path().join("f");
        fs::write(&target, "old").unwrap();
        let err = replace_with(&target, |f| {
            f.write_all(b"half")?;
            Err(io::Error::other("disk full"))
        })
        .unwrap_err();
        assert_eq!(err.to_string(), "disk full");
        assert_eq!(fs::read(&target).unwrap(), b"old");
        assert_eq!(names(d.path()), ["f"]);
    }

    #[test]
    fn planted_links_are_never_written_through() {
        let d = tempfile::tempdir().unwrap();
        let victim = d.path().join("victim");
        fs::write(&victim, "precious").unwrap();
        let target = d.path().join("f");
        // Links under every name a predictable writer might use, and the
        // target itself a link: the victim stays, the link is replaced.
        for name in ["f.tmp", ".f.tmp", "f"] {
            std::os::unix::fs::symlink(&victim, d.path().join(name)).unwrap();
        }
        replace(&target, b"mine").unwrap();
        assert_eq!(fs::read(&victim).unwrap(), b"precious");
        assert!(fs::symlink_metadata(&target).unwrap().file_type().is_file());
        assert_eq!(fs::read(&target).unwrap(), b"mine");
        assert_eq!(names(d.path()), [".f.tmp", "f", "f.tmp", "victim"]);
    }

    #[test]
    fn links_and_fifos_are_never_read() {
        let d = tempfile::tempdir().unwrap();
        let secret = d.path().join("secret");
        fs::write(&secret, "marker").unwrap();
        let link = d.path().join("link");
        std::os::unix::fs::symlink(&secret, &link).unwrap();
        assert_eq!(read(&link).unwrap_err().kind(), io::ErrorKind::NotFound);
        assert_eq!(read_to_string(&secret).unwrap(), "marker");
        let fifo = d.path().join("fifo");
        let c = std::ffi::CString::new(fifo.as_os_str().as_encoded_bytes()).unwrap();
        // SAFETY: a valid NUL-terminated path.
        assert_eq!(unsafe { libc::mkfifo(c.as_ptr(), 0o600) }, 0);
        assert_eq!(read(&fifo).unwrap_err().kind(), io::ErrorKind::NotFound);
        assert_eq!(open_regular(&fifo).unwrap_err().kind(), io::ErrorKind::InvalidData);
        assert_eq!(open_append(&link).unwrap_err().raw_os_error(), Some(libc::ELOOP));
    }

    #[test]
    fn files_opened_in_a_directory_are_never_links_fifos_or_paths() {
        let d = tempfile::tempdir().unwrap();
        let cur = d.path().join("cur");
        fs::create_dir(&cur).unwrap();
        fs::write(d.path().join("secret"), "marker").unwrap();
        fs::write(cur.join("1.M1P1.h,S=5:2,"), "hello").unwrap();
        std::os::unix::fs::symlink(d.path().join("secret"), cur.join("link")).unwrap();
        let c = std::ffi::CString::new(cur.join("fifo").as_os_str().as_encoded_bytes()).unwrap();
        // SAFETY: a valid NUL-terminated path.
        assert_eq!(unsafe { libc::mkfifo(c.as_ptr(), 0o600) }, 0);
        let dir = open_dir(&cur).unwrap();
        let (mut f, len) = open_regular_sized_at(&dir, "1.M1P1.h,S=5:2,").unwrap();
        let mut text = String::new();
        f.read_to_string(&mut text).unwrap();
        assert_eq!((text.as_str(), len), ("hello", 5));
        assert_eq!(open_regular_sized_at(&dir, "link").unwrap_err().raw_os_error(), Some(libc::ELOOP));
        assert_eq!(open_regular_sized_at(&dir, "fifo").unwrap_err().kind(), io::ErrorKind::InvalidData);
        assert_eq!(open_regular_sized_at(&dir, "../secret").unwrap_err().kind(), io::ErrorKind::InvalidInput);
        // A cur/ that is itself a link is not opened.
        let other = d.path().join("other");
        std::os::unix::fs::symlink(&cur, &other).unwrap();
        assert_eq!(open_dir(&other).unwrap_err().raw_os_error(), Some(libc::ENOTDIR));
    }
}
