//! Alert files on disk: one file per alert in a spool directory, written
//! atomically (a dot-named temporary file, fsync, rename), and the
//! per-account record of which domain and server alerts were shown.
//!
//! An alert file is two LF-terminated lines:
//!
//! ```text
//! to: @example.org
//! The server restarts at 22:00 for ten minutes.
//! ```
//!
//! `to:` names an account (`alice@example.org`, in the account's own spool),
//! a domain (`@example.org`) or every account (`*`). The file name is the
//! alert's id plus `.alert`; ids sort in the order the alerts were queued.

use std::collections::BTreeSet;
use std::fs::{self, File};
use std::io::{self, Write};
use std::os::fd::AsRawFd;
use std::os::unix::fs::OpenOptionsExt;
use std::path::{Path, PathBuf};
use std::time::{SystemTime, UNIX_EPOCH};

/// The spool directory inside an account's maildir.
pub const ACCOUNT_SPOOL: &str = "tegami-alerts";
/// The longest alert text, in octets.
pub const MAX_TEXT: usize = 1024;
/// File name suffix of a queued alert.
pub const SUFFIX: &str = ".alert";
/// The per-account record of domain and server alerts already shown.
const SEEN: &str = "seen";
/// Locks the seen record between sessions and processes (flock).
const LOCK: &str = ".lock";

/// Whom an alert is for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Target {
    /// One account (alerts in the account's own spool).
    Account(String),
    /// Every account of a domain (lower case, without the `@`).
    Domain(String),
    /// Every account of the server.
    All,
}

impl Target {
    /// Parses the value of the `to:` line.
    pub fn parse(s: &str) -> Option<Target> {
        let s = s.trim();
        if s == "*" {
            return Some(Target::All);
        }
        if let Some(d) = s.strip_prefix('@') {
            return valid_domain(d).then(|| Target::Domain(d.to_ascii_lowercase()));
        }
        (!s.is_empty()).then(|| Target::Account(s.to_string()))
    }

    /// Whether an account `user` of `domain` is among the alert's readers.
    /// An account alert is in that account's own spool, so it always is.
    pub fn reaches(&self, domain: Option<&str>) -> bool {
        match self {
            Target::Account(_) | Target::All => true,
            Target::Domain(d) => domain.is_some_and(|a| a.eq_ignore_ascii_case(d)),
        }
    }
}

impl std::fmt::Display for Target {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Target::Account(a) => f.write_str(a),
            Target::Domain(d) => write!(f, "@{d}"),
            Target::All => f.write_str("*"),
        }
    }
}

/// Whether `d` can be a mail domain: letters, digits, `-`, `.`, `_`.
pub fn valid_domain(d: &str) -> bool {
    !d.is_empty()
        && d.len() <= 253
        && !d.starts_with('.')
        && d.bytes().all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_'))
}

/// Checks an alert text: what `* OK [ALERT] text` can carry on one line.
pub fn check_text(text: &str) -> Result<(), String> {
    if text.contains(['\r', '\n']) {
        return Err("the text holds a line break (CR or LF); an alert is one line".into());
    }
    if let Some(c) = text.chars().find(|c| c.is_control()) {
        return Err(format!("the text holds the control character U+{:04X}", c as u32));
    }
    if text.trim().is_empty() {
        return Err("the text is empty".into());
    }
    if text.len() > MAX_TEXT {
        return Err(format!("the text is {} octets long; at most {MAX_TEXT} are allowed", text.len()));
    }
    Ok(())
}

/// One queued alert.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Alert {
    /// Its id: the file name without `.alert`.
    pub id: String,
    /// Whom it is for.
    pub target: Target,
    /// The text, checked by [`check_text`].
    pub text: String,
}

impl Alert {
    /// Parses an alert file's contents.
    pub fn parse(id: &str, contents: &[u8]) -> Result<Alert, String> {
        let s = std::str::from_utf8(contents).map_err(|_| "not UTF-8".to_string())?;
        let s = s.strip_suffix('\n').unwrap_or(s);
        let (to, text) = s.split_once('\n').ok_or("no text line")?;
        let to = to.strip_prefix("to:").ok_or("the first line is not \"to: ...\"")?;
        let target = Target::parse(to).ok_or("bad \"to:\" line")?;
        check_text(text)?;
        Ok(Alert { id: id.to_string(), target, text: text.to_string() })
    }

    fn render(&self) -> String {
        format!("to: {}\n{}\n", self.target, self.text)
    }
}

/// A fresh id: time of day in nanoseconds, process id and random bits, so
/// ids sort by time and never clash between processes.
pub fn new_id() -> String {
    let now = SystemTime::now().duration_since(UNIX_EPOCH).unwrap_or_default();
    let mut r = [0u8; 4];
    // Without randomness the pid and the nanoseconds still make it unique.
    let _ = getrandom::getrandom(&mut r);
    format!("{:011}.{:09}.P{}R{:08x}", now.as_secs(), now.subsec_nanos(), std::process::id(), u32::from_be_bytes(r))
}

/// Writes `alert` into `dir` atomically; `owner` (uid, gid) is given to the
/// file before it appears, so a server running as the mail user can remove
/// it. Returns the file's path.
pub fn write(dir: &Path, alert: &Alert, owner: Option<(u32, u32)>) -> io::Result<PathBuf> {
    let target = dir.join(format!("{}{SUFFIX}", alert.id));
    crate::store::atomic::replace_with(&target, |f| {
        f.write_all(alert.render().as_bytes())?;
        match owner {
            Some((uid, gid)) => std::os::unix::fs::fchown(&*f, Some(uid), Some(gid)),
            None => Ok(()),
        }
    })?;
    Ok(target)
}

/// Gives `path` to `uid:gid`.
pub fn chown(path: &Path, uid: u32, gid: u32) -> io::Result<()> {
    std::os::unix::fs::chown(path, Some(uid), Some(gid))
}

/// The alerts of a spool directory, oldest first. A missing directory has
/// none; a file that does not parse is logged and skipped.
pub fn list(dir: &Path) -> Vec<Alert> {
    let rd = match fs::read_dir(dir) {
        Ok(rd) => rd,
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Vec::new(),
        Err(e) => {
            log::warn!("cannot read the alert spool {}: {e}", dir.display());
            return Vec::new();
        }
    };
    let mut ids: Vec<String> = rd
        .flatten()
        .filter_map(|e| {
            let name = e.file_name().into_string().ok()?;
            let id = name.strip_suffix(SUFFIX)?;
            (!id.is_empty() && !id.starts_with('.')).then(|| id.to_string())
        })
        .collect();
    ids.sort();
    let mut out = Vec::new();
    for id in ids {
        let path = dir.join(format!("{id}{SUFFIX}"));
        match read_bounded(&path) {
            Ok(bytes) => match Alert::parse(&id, &bytes) {
                Ok(a) => out.push(a),
                Err(e) => log::warn!("alert file {} skipped: {e}", path.display()),
            },
            // Taken by another session meanwhile.
            Err(e) if e.kind() == io::ErrorKind::NotFound => {}
            Err(e) => log::warn!("cannot read the alert file {}: {e}", path.display()),
        }
    }
    out
}

/// Reads an alert file, or as much of it as an alert can be (the `to:`
/// line and the text) plus one octet, so a stray huge file costs little and
/// fails to parse.
fn read_bounded(path: &Path) -> io::Result<Vec<u8>> {
    use std::io::Read;
    const MOST: u64 = (MAX_TEXT + 512) as u64;
    let mut bytes = Vec::new();
    crate::store::atomic::open_regular(path)?.take(MOST + 1).read_to_end(&mut bytes)?;
    if bytes.len() as u64 > MOST {
        return Err(io::Error::new(io::ErrorKind::InvalidData, "longer than any alert"));
    }
    Ok(bytes)
}

/// Claims an account alert: removes its file. Only one of several sessions
/// racing for it succeeds, so it is shown once.
pub fn claim(dir: &Path, id: &str) -> bool {
    match fs::remove_file(dir.join(format!("{id}{SUFFIX}"))) {
        Ok(()) => true,
        Err(e) => {
            if e.kind() != io::ErrorKind::NotFound {
                log::warn!("cannot remove the alert {id} in {}: {e}", dir.display());
            }
            false
        }
    }
}

/// Of the domain and server alerts `candidates` (listed from the global
/// spool `global`), those that the account whose spool is `dir` has not
/// seen yet; they are recorded as seen before they are returned. Ids of
/// alerts no longer in `global` leave the record, so it never grows past
/// the spool. That is decided under the lock, from the spool itself: the
/// candidates were listed before it, and another session may have seen an
/// alert queued after that listing.
pub fn unseen(dir: &Path, global: &Path, candidates: Vec<Alert>) -> io::Result<Vec<Alert>> {
    // Never through a link: a dangling one would make root create its target.
    let lock = File::options()
        .create(true)
        .truncate(false)
        .write(true)
        .custom_flags(libc::O_NOFOLLOW | libc::O_NONBLOCK)
        .open(dir.join(LOCK))?;
    // SAFETY: flock on a descriptor we own; released when `lock` closes.
    if unsafe { libc::flock(lock.as_raw_fd(), libc::LOCK_EX) } != 0 {
        return Err(io::Error::last_os_error());
    }
    let seen_path = dir.join(SEEN);
    let seen: BTreeSet<String> = match crate::store::atomic::read_to_string(&seen_path) {
        Ok(s) => s.lines().map(str::to_string).collect(),
        Err(e) if e.kind() == io::ErrorKind::NotFound => BTreeSet::new(),
        Err(e) => return Err(e),
    };
    let queued: BTreeSet<String> = candidates.iter().map(|a| a.id.clone()).collect();
    let fresh: Vec<Alert> = candidates.into_iter().filter(|a| !seen.contains(&a.id)).collect();
    let kept: BTreeSet<&String> =
        seen.iter().filter(|id| queued.contains(*id) || global.join(format!("{id}{SUFFIX}")).exists()).collect();
    if fresh.is_empty() && kept.len() == seen.len() {
        return Ok(fresh);
    }
    let mut record = String::new();
    for id in kept.into_iter().chain(fresh.iter().map(|a| &a.id)) {
        record.push_str(id);
        record.push('\n');
    }
    crate::store::atomic::replace(&seen_path, record.as_bytes())?;
    Ok(fresh)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn texts_that_cannot_be_one_response_line_are_refused() {
        assert!(check_text("Maintenance tonight at 22:00").is_ok());
        assert!(check_text("メンテナンスは今夜です").is_ok());
        assert!(check_text(&"x".repeat(MAX_TEXT)).is_ok());
        for bad in ["a\r\nb", "a\nb", "a\rb", "bell\x07", "tab\there", "", "   ", "c1\u{85}"] {
            assert!(check_text(bad).is_err(), "{bad:?}");
        }
        assert!(check_text(&"x".repeat(MAX_TEXT + 1)).is_err());
    }

    #[test]
    fn files_round_trip_and_sort_by_queue_time() {
        let d = tempfile::tempdir().unwrap();
        let a = Alert { id: new_id(), target: Target::Domain("example.org".into()), text: "first".into() };
        let b = Alert { id: new_id(), target: Target::All, text: "second".into() };
        write(d.path(), &b, None).unwrap();
        write(d.path(), &a, None).unwrap();
        std::fs::write(d.path().join(".x.tmp"), "to: *\nhalf").unwrap();
        std::fs::write(d.path().join("junk.alert"), "no to line").unwrap();
        std::fs::write(d.path().join("huge.alert"), format!("to: *\n{}\n", "z".repeat(1 << 20))).unwrap();
        let got = list(d.path());
        assert_eq!(got, vec![a.clone(), b.clone()]);
        assert!(claim(d.path(), &a.id));
        assert!(!claim(d.path(), &a.id));
    }

    #[test]
    fn domain_targets_match_case_insensitively() {
        let t = Target::parse("@Example.ORG").unwrap();
        assert_eq!(t, Target::Domain("example.org".into()));
        assert!(t.reaches(Some("EXAMPLE.org")));
        assert!(!t.reaches(Some("example.com")));
        assert!(!t.reaches(None));
        assert!(Target::All.reaches(None));
        assert!(Target::parse("@bad/domain").is_none());
    }

    #[test]
    fn the_seen_record_shows_each_alert_once_and_forgets_removed_ones() {
        let d = tempfile::tempdir().unwrap();
        let a = Alert { id: new_id(), target: Target::All, text: "a".into() };
        let b = Alert { id: new_id(), target: Target::All, text: "b".into() };
        let g = tempfile::tempdir().unwrap();
        let (d, g) = (d.path(), g.path());
        assert_eq!(unseen(d, g, vec![a.clone()]).unwrap(), vec![a.clone()]);
        assert!(unseen(d, g, vec![a.clone()]).unwrap().is_empty());
        assert_eq!(unseen(d, g, vec![a.clone(), b.clone()]).unwrap(), vec![b.clone()]);
        assert!(unseen(d, g, vec![b.clone()]).unwrap().is_empty());
        assert_eq!(std::fs::read_to_string(d.join(SEEN)).unwrap(), format!("{}\n", b.id));
    }

    #[test]
    fn a_listing_older_than_the_record_does_not_forget_what_another_session_saw() {
        let d = tempfile::tempdir().unwrap();
        let g = tempfile::tempdir().unwrap();
        let (d, g) = (d.path(), g.path());
        let a = Alert { id: new_id(), target: Target::All, text: "a".into() };
        let b = Alert { id: new_id(), target: Target::All, text: "b".into() };
        write(g, &a, None).unwrap();
        // Session one lists the spool: only `a` is there.
        let old_listing = list(g);
        // `b` is queued, and session two shows both.
        write(g, &b, None).unwrap();
        assert_eq!(unseen(d, g, list(g)).unwrap(), vec![a.clone(), b.clone()]);
        // Session one now takes the lock with its old listing: nothing new,
        // and `b` stays recorded as seen (it is still queued).
        assert!(unseen(d, g, old_listing).unwrap().is_empty());
        assert!(unseen(d, g, list(g)).unwrap().is_empty(), "b shown twice");
        // Once the administrator removes `b`, it leaves the record.
        std::fs::remove_file(g.join(format!("{}{SUFFIX}", b.id))).unwrap();
        assert!(unseen(d, g, list(g)).unwrap().is_empty());
        assert_eq!(std::fs::read_to_string(d.join(SEEN)).unwrap(), format!("{}\n", a.id));
    }
}
