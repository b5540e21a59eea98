//! Maildir++ quota usage: the `maildirsize` file at the maildir root, as
//! maildrop, Courier's deliverquota and Dovecot's LDA read and write it.
//!
//! The first line holds the limits (`10485760S,5000C`: bytes, messages;
//! a missing or zero part is no limit). Every further line is a delta
//! `bytes messages`, appended with one `write` so concurrent writers do not
//! interleave; the usage is the sum of the deltas. The file is rebuilt from
//! the folders (written to `tmp/`, then renamed over the old one) when it is
//! missing, damaged, longer than 5120 bytes, carries other limits than the
//! account's, or is older than a delivery that went around it: a `new/`
//! directory changed after the file did. An account over its limit with a
//! file older than 15 minutes is counted again too (Maildir++'s rule), so
//! removals by other programs are caught up.

use std::fs;
use std::io::{self, Write};
use std::path::Path;
use std::time::{Duration, SystemTime};

use parking_lot::Mutex;

use super::error::{Result, StoreError};
use super::filename;

/// The file's name at the maildir root.
pub const FILE: &str = "maildirsize";
/// Longer than this, the file is rebuilt (Maildir++).
const MAX_LEN: u64 = 5120;
/// An over-quota account with a file older than this is counted again.
const STALE_OVER_QUOTA: Duration = Duration::from_secs(15 * 60);

/// Serialize this process's rebuilds and appends per maildir, striped by
/// path so one account's recount never holds up another's (other
/// processes rely on `O_APPEND` and the atomic rename, as Maildir++ intends).
static WRITING: [Mutex<()>; 16] = [const { Mutex::new(()) }; 16];

fn lock(root: &Path) -> parking_lot::MutexGuard<'static, ()> {
    use std::hash::{Hash, Hasher};
    let mut h = std::collections::hash_map::DefaultHasher::new();
    root.hash(&mut h);
    WRITING[(h.finish() % WRITING.len() as u64) as usize].lock()
}

/// A limit as a signed count, so usage arithmetic cannot wrap.
fn signed(limit: u64) -> i64 {
    i64::try_from(limit).unwrap_or(i64::MAX)
}

/// Limits of one account: `None` is no limit.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Limits {
    /// Octets of all messages together.
    pub bytes: Option<u64>,
    /// Number of messages.
    pub messages: Option<u64>,
}

impl Limits {
    /// The header line (without the newline): `NNNS,NNNC`, a zero for no limit.
    pub fn header(&self) -> String {
        format!("{}S,{}C", self.bytes.unwrap_or(0), self.messages.unwrap_or(0))
    }

    /// Parses a header line; `None` when it is not one.
    pub fn parse_header(line: &str) -> Option<Limits> {
        let mut limits = Limits::default();
        if line.trim().is_empty() {
            return None;
        }
        for part in line.trim().split(',') {
            let (n, kind) = part.split_at(part.len().checked_sub(1)?);
            let n: u64 = n.parse().ok()?;
            let value = (n > 0).then_some(n);
            match kind {
                "S" => limits.bytes = value,
                "C" => limits.messages = value,
                _ => return None,
            }
        }
        Some(limits)
    }
}

/// What an account holds: bytes and messages (may go negative in a delta).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Usage {
    /// Octets (file sizes).
    pub bytes: i64,
    /// Messages.
    pub messages: i64,
}

impl Usage {
    /// Whether adding `more` to this usage stays within `limits`.
    pub fn fits(&self, more: Usage, limits: &Limits) -> bool {
        let within = |used: i64, add: i64, limit: Option<u64>| match limit {
            None => true,
            Some(l) => add <= 0 || used.saturating_add(add) <= signed(l),
        };
        within(self.bytes, more.bytes, limits.bytes) && within(self.messages, more.messages, limits.messages)
    }

    /// Whether this usage is over `limits`.
    pub fn over(&self, limits: &Limits) -> bool {
        limits.bytes.is_some_and(|l| self.bytes > signed(l))
            || limits.messages.is_some_and(|l| self.messages > signed(l))
    }
}

/// The parsed file.
struct Parsed {
    limits: Limits,
    usage: Usage,
    len: u64,
    modified: SystemTime,
}

fn read(root: &Path) -> Option<Parsed> {
    let path = root.join(FILE);
    let meta = fs::symlink_metadata(&path).ok()?;
    let text = super::atomic::read_to_string(&path).ok()?;
    // A last line without its newline is a write cut short: damaged.
    if !text.ends_with('\n') {
        return None;
    }
    let mut lines = text.lines();
    let limits = Limits::parse_header(lines.next()?)?;
    let mut usage = Usage::default();
    for line in lines {
        let mut it = line.split_ascii_whitespace();
        let (Some(b), Some(m), None) = (it.next(), it.next(), it.next()) else {
            return None;
        };
        usage.bytes = usage.bytes.checked_add(b.parse().ok()?)?;
        usage.messages = usage.messages.checked_add(m.parse().ok()?)?;
    }
    Some(Parsed { limits, usage, len: meta.len(), modified: meta.modified().ok()? })
}

/// The folder directories of a maildir: the root (INBOX) and every
/// Maildir++ `.folder` with a `cur/`.
fn folders(root: &Path) -> io::Result<Vec<std::path::PathBuf>> {
    let mut out = vec![root.to_path_buf()];
    for ent in fs::read_dir(root)? {
        let ent = ent?;
        let name = ent.file_name();
        let Some(name) = name.to_str() else { continue };
        // `..deleted.*` is a mailbox being deleted; `.` and `..` are not folders.
        if !name.starts_with('.') || name.starts_with("..") || name == "." {
            continue;
        }
        if ent.path().join("cur").is_dir() {
            out.push(ent.path());
        }
    }
    Ok(out)
}

/// Counts every message in `cur/` and `new/` of every folder; sizes from
/// the `,S=` of the file name, else from the file.
pub fn count(root: &Path) -> Result<Usage> {
    let ctx = |e| StoreError::io(format!("counting the messages of {}", root.display()), e);
    let mut usage = Usage::default();
    for folder in folders(root).map_err(ctx)? {
        for sub in ["cur", "new"] {
            let rd = match fs::read_dir(folder.join(sub)) {
                Ok(rd) => rd,
                Err(e) if e.kind() == io::ErrorKind::NotFound => continue,
                Err(e) => return Err(ctx(e)),
            };
            for ent in rd {
                let ent = ent.map_err(ctx)?;
                let name = ent.file_name();
                let Some(name) = name.to_str() else { continue };
                // What the mailbox's listing counts (regular files only).
                if name.starts_with('.') || !super::mailbox::sync::is_regular(&ent) {
                    continue;
                }
                let size = match filename::parse(name).size {
                    Some(s) => s,
                    // Gone since the listing: not counted.
                    None => match ent.metadata() {
                        Ok(m) if m.is_file() => m.len(),
                        _ => continue,
                    },
                };
                usage.bytes += size as i64;
                usage.messages += 1;
            }
        }
    }
    Ok(usage)
}

/// Counts the maildir and writes a fresh `maildirsize` with `limits`
/// (in `tmp/`, fsynced, renamed into place); returns the usage.
pub fn rebuild(root: &Path, limits: &Limits) -> Result<Usage> {
    let _w = lock(root);
    rebuild_locked(root, limits)
}

fn rebuild_locked(root: &Path, limits: &Limits) -> Result<Usage> {
    let usage = count(root)?;
    let ctx = |e| StoreError::io(format!("writing {}", root.join(FILE).display()), e);
    let text = format!("{}\n{} {}\n", limits.header(), usage.bytes, usage.messages);
    super::atomic::replace(&root.join(FILE), text.as_bytes()).map_err(ctx)?;
    Ok(usage)
}

/// Whether a `new/` directory changed at or after `since` (a delivery that
/// did not update the file). Equal times count: file times are coarse.
fn delivered_since(root: &Path, since: SystemTime) -> bool {
    let Ok(dirs) = folders(root) else { return true };
    dirs.iter().any(|d| fs::metadata(d.join("new")).and_then(|m| m.modified()).is_ok_and(|t| t >= since))
}

/// The account's usage, rebuilding the file when it is missing, damaged,
/// too long, has other limits than `limits` or missed a delivery, or when
/// the account is over quota and the file is old.
pub fn usage(root: &Path, limits: &Limits) -> Result<Usage> {
    let _w = lock(root);
    let Some(p) = read(root) else {
        return rebuild_locked(root, limits);
    };
    let age = SystemTime::now().duration_since(p.modified).unwrap_or_default();
    if p.len > MAX_LEN
        || p.limits != *limits
        || delivered_since(root, p.modified)
        || (p.usage.over(limits) && age > STALE_OVER_QUOTA)
        || p.usage.bytes < 0
        || p.usage.messages < 0
    {
        return rebuild_locked(root, limits);
    }
    Ok(p.usage)
}

/// Records a change (positive for stored messages, negative for removed
/// ones) by appending one line; a missing, damaged or full file is rebuilt
/// instead, which counts the change too. Without limits a missing file
/// stays missing: nothing needs the count.
pub fn add(root: &Path, limits: &Limits, delta: Usage) -> Result<()> {
    if delta == Usage::default() {
        return Ok(());
    }
    let _w = lock(root);
    match read(root) {
        None if *limits == Limits::default() && !root.join(FILE).exists() => return Ok(()),
        Some(p) if p.len <= MAX_LEN => {}
        _ => return rebuild_locked(root, limits).map(|_| ()),
    }
    let ctx = |e| StoreError::io(format!("updating {}", root.join(FILE).display()), e);
    let mut f = super::atomic::open_append(&root.join(FILE)).map_err(ctx)?;
    f.write_all(format!("{} {}\n", delta.bytes, delta.messages).as_bytes()).map_err(ctx)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn maildir() -> tempfile::TempDir {
        let d = tempfile::tempdir().unwrap();
        for sub in ["cur", "new", "tmp", ".Sent/cur", ".Sent/new", ".Sent/tmp"] {
            fs::create_dir_all(d.path().join(sub)).unwrap();
        }
        d
    }

    #[test]
    fn headers_round_trip() {
        let l = Limits { bytes: Some(1024), messages: None };
        assert_eq!(l.header(), "1024S,0C");
        assert_eq!(Limits::parse_header("1024S,0C"), Some(l));
        assert_eq!(Limits::parse_header("50C"), Some(Limits { bytes: None, messages: Some(50) }));
        assert_eq!(Limits::parse_header("12X"), None);
        assert_eq!(Limits::parse_header(""), None);
    }

    #[test]
    fn counts_every_folder_and_follows_deltas() {
        let d = maildir();
        fs::write(d.path().join("cur/1.a,S=100:2,S"), vec![b'x'; 3]).unwrap();
        fs::write(d.path().join("new/2.b"), vec![b'x'; 7]).unwrap();
        fs::write(d.path().join(".Sent/cur/3.c:2,"), vec![b'x'; 5]).unwrap();
        let limits = Limits { bytes: Some(1000), messages: Some(10) };
        assert_eq!(usage(d.path(), &limits).unwrap(), Usage { bytes: 112, messages: 3 });
        add(d.path(), &limits, Usage { bytes: -100, messages: -1 }).unwrap();
        let text = fs::read_to_string(d.path().join(FILE)).unwrap();
        assert_eq!(text, "1000S,10C\n112 3\n-100 -1\n");
    }

    #[test]
    fn a_long_file_is_folded_and_no_limits_need_no_file() {
        let d = maildir();
        fs::write(d.path().join("cur/1.a,S=10:2,"), b"").unwrap();
        add(d.path(), &Limits::default(), Usage { bytes: 10, messages: 1 }).unwrap();
        assert!(!d.path().join(FILE).exists(), "no limits, no file");
        let limits = Limits { bytes: None, messages: Some(9) };
        for _ in 0..600 {
            add(d.path(), &limits, Usage { bytes: 0, messages: 1 }).unwrap();
            add(d.path(), &limits, Usage { bytes: 0, messages: -1 }).unwrap();
        }
        let len = fs::metadata(d.path().join(FILE)).unwrap().len();
        assert!(len <= MAX_LEN + 16, "{len}");
        assert_eq!(usage(d.path(), &limits).unwrap(), Usage { bytes: 10, messages: 1 });
    }

    #[test]
    fn huge_limits_do_not_wrap() {
        let l = Limits { bytes: Some(u64::MAX), messages: None };
        assert!(Usage { bytes: 5, messages: 0 }.fits(Usage { bytes: 5, messages: 1 }, &l));
        assert!(!Usage { bytes: 5, messages: 0 }.over(&l));
    }

    #[test]
    fn damaged_or_foreign_files_are_rebuilt() {
        let d = maildir();
        fs::write(d.path().join("cur/1.a,S=10:2,"), b"").unwrap();
        let limits = Limits { bytes: Some(1000), messages: None };
        for bad in ["1000S,0C\n5 1\nxx\n", "1000S,0C\n5 1", "junk\n", "2000S,0C\n5 1\n"] {
            fs::write(d.path().join(FILE), bad).unwrap();
            assert_eq!(usage(d.path(), &limits).unwrap(), Usage { bytes: 10, messages: 1 }, "{bad:?}");
        }
    }
}
