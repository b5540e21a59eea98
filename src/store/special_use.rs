//! Special use of a mailbox (RFC 6154), the one place that decides it: a
//! use given by `CREATE ... (USE (\Attr))` is kept in the sidecar file
//! `tegami-special-use` inside the mailbox directory (so it moves with
//! RENAME and goes with DELETE); without one, the default folders of
//! [`SpecialUse::DEFAULTS`] have theirs by name.

use std::fs;
use std::io::{self, Write};
use std::path::Path;

use super::account::SpecialUse;
use super::perms;

/// The sidecar's file name in a mailbox directory.
pub const FILE: &str = "tegami-special-use";

impl SpecialUse {
    /// The attribute without its backslash (`Sent`).
    pub fn attr(self) -> &'static str {
        match self {
            SpecialUse::Drafts => "Drafts",
            SpecialUse::Sent => "Sent",
            SpecialUse::Trash => "Trash",
            SpecialUse::Junk => "Junk",
            SpecialUse::Archive => "Archive",
        }
    }

    /// The use an attribute (without backslash, any case) names, if tegami
    /// supports it.
    pub fn from_attr(attr: &str) -> Option<SpecialUse> {
        SpecialUse::DEFAULTS.iter().map(|&(_, u)| u).find(|u| u.attr().eq_ignore_ascii_case(attr))
    }
}

/// The special use of the mailbox `name` in directory `dir`.
pub fn of(dir: &Path, name: &str) -> Option<SpecialUse> {
    match fs::read_to_string(dir.join(FILE)) {
        Ok(text) => SpecialUse::from_attr(text.trim().trim_start_matches('\\')),
        Err(_) => SpecialUse::of(name),
    }
}

/// Records the special use of the mailbox in `dir` (tmp, fsync, rename).
pub fn set(dir: &Path, usage: SpecialUse) -> io::Result<()> {
    let tmp = dir.join(format!(".{FILE}.{}.tmp", std::process::id()));
    let result = (|| {
        let mut f = fs::File::create(&tmp)?;
        perms::fix_new_file(&f, dir);
        f.write_all(format!("\\{}\n", usage.attr()).as_bytes())?;
        f.sync_all()?;
        fs::rename(&tmp, dir.join(FILE))
    })();
    if result.is_err() {
        let _ = fs::remove_file(&tmp);
    }
    result
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sidecar_wins_over_the_name() {
        let d = tempfile::tempdir().unwrap();
        assert_eq!(of(d.path(), "Sent"), Some(SpecialUse::Sent));
        assert_eq!(of(d.path(), "Outbox"), None);
        set(d.path(), SpecialUse::Archive).unwrap();
        assert_eq!(of(d.path(), "Sent"), Some(SpecialUse::Archive));
        assert_eq!(SpecialUse::from_attr("junk"), Some(SpecialUse::Junk));
        assert_eq!(SpecialUse::from_attr("Flagged"), None);
    }
}
