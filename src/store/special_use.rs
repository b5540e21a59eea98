//! Special use of a mailbox (RFC 6154), the one place that decides it: a
//! use given by `CREATE ... (USE (\Attr))` is kept in the sidecar file
//! `tegami-special-use` inside the mailbox directory (so it moves with
//! RENAME and goes with DELETE); without one, the default folders of
//! [`SpecialUse::DEFAULTS`] have theirs by name.

use std::io;
use std::path::Path;

/// RFC 6154 special use of a mailbox, given by its name.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SpecialUse {
    /// Drafts.
    Drafts,
    /// Sent mail.
    Sent,
    /// Deleted mail.
    Trash,
    /// Spam.
    Junk,
    /// Archived mail.
    Archive,
}

/// The sidecar's file name in a mailbox directory.
pub const FILE: &str = "tegami-special-use";

impl SpecialUse {
    /// The default folders, with their names.
    pub const DEFAULTS: [(&'static str, SpecialUse); 5] = [
        ("Drafts", SpecialUse::Drafts),
        ("Sent", SpecialUse::Sent),
        ("Trash", SpecialUse::Trash),
        ("Junk", SpecialUse::Junk),
        ("Archive", SpecialUse::Archive),
    ];

    /// The special use of a top-level mailbox name.
    pub fn of(name: &str) -> Option<SpecialUse> {
        SpecialUse::DEFAULTS.iter().find(|(n, _)| *n == name).map(|&(_, u)| u)
    }

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

/// The special uses of the mailbox `name` in directory `dir`.
pub fn of(dir: &Path, name: &str) -> Vec<SpecialUse> {
    match super::atomic::read_to_string(&dir.join(FILE)) {
        Ok(text) => text.lines().filter_map(|l| SpecialUse::from_attr(l.trim().trim_start_matches('\\'))).collect(),
        Err(_) => SpecialUse::of(name).into_iter().collect(),
    }
}

/// Records the special uses of the mailbox in `dir`, one attribute a line
/// (tmp, fsync, rename).
pub fn set(dir: &Path, uses: &[SpecialUse]) -> io::Result<()> {
    let text: String = uses.iter().map(|u| format!("\\{}\n", u.attr())).collect();
    super::atomic::replace(&dir.join(FILE), text.as_bytes())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sidecar_wins_over_the_name() {
        let d = tempfile::tempdir().unwrap();
        assert_eq!(of(d.path(), "Sent"), vec![SpecialUse::Sent]);
        assert_eq!(of(d.path(), "Outbox"), vec![]);
        set(d.path(), &[SpecialUse::Archive]).unwrap();
        assert_eq!(of(d.path(), "Sent"), vec![SpecialUse::Archive]);
        set(d.path(), &[SpecialUse::Drafts, SpecialUse::Sent]).unwrap();
        assert_eq!(of(d.path(), "x"), vec![SpecialUse::Drafts, SpecialUse::Sent]);
        assert_eq!(SpecialUse::from_attr("junk"), Some(SpecialUse::Junk));
        assert_eq!(SpecialUse::from_attr("Flagged"), None);
    }
}
