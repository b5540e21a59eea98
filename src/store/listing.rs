//! A listing of `cur/`: every file name once, found by its base name.
//!
//! A sync of a 100,000-message mailbox holds the whole listing while it
//! matches it against the uid list. Keyed by a copy of each base name
//! (a map from base to file name), it held every name twice; here each
//! file name is stored once and hashed and compared by its base part.

use std::borrow::Borrow;
use std::collections::HashSet;
use std::hash::{Hash, Hasher};

use super::filename::base_of;

/// A file name that hashes and compares as its base name, and can be
/// looked up by one (its `Borrow<str>` is the base, which hashes and
/// compares the same way, as `Borrow` requires).
#[derive(Debug)]
struct ByBase(String);

impl Hash for ByBase {
    fn hash<H: Hasher>(&self, h: &mut H) {
        base_of(&self.0).hash(h);
    }
}

impl PartialEq for ByBase {
    fn eq(&self, other: &ByBase) -> bool {
        base_of(&self.0) == base_of(&other.0)
    }
}

impl Eq for ByBase {}

impl Borrow<str> for ByBase {
    fn borrow(&self) -> &str {
        base_of(&self.0)
    }
}

/// File names by base name; a later name with the same base replaces the
/// earlier (a later listing knows the newer flags).
#[derive(Debug, Default)]
pub struct Listing(HashSet<ByBase>);

impl Listing {
    /// Adds a file name (replacing the one with the same base).
    pub fn insert(&mut self, file: String) {
        self.0.replace(ByBase(file));
    }

    /// Adds every name of another listing (they replace ours).
    pub fn extend(&mut self, other: Listing) {
        for f in other.0 {
            self.0.replace(f);
        }
    }

    /// Whether a file with this base name is listed.
    pub fn contains(&self, base: &str) -> bool {
        self.0.contains(base)
    }

    /// Takes out the file name with this base name.
    pub fn take(&mut self, base: &str) -> Option<String> {
        self.0.take(base).map(|f| f.0)
    }

    /// The file names left, in no order.
    pub fn into_names(self) -> Vec<String> {
        self.0.into_iter().map(|f| f.0).collect()
    }

    /// Number of names.
    pub fn len(&self) -> usize {
        self.0.len()
    }

    /// True when there are none.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

/// Whether a directory entry is a regular file, by its `d_type` (an
/// `lstat` only where the file system leaves that unknown), links not
/// followed. A directory, FIFO, socket or symbolic link named like a
/// message is no message: opening a FIFO to read it would block, and a
/// link may lead out of the maildir. Such entries stay where they are.
pub(crate) fn is_regular(ent: &std::fs::DirEntry) -> bool {
    ent.file_type().is_ok_and(|t| t.is_file())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_found_by_base_and_replaced_by_later_ones() {
        let mut l = Listing::default();
        l.insert("1.M1P1.h,S=5:2,S".into());
        l.insert("2.M2P2.h:2,".into());
        l.insert("3.M3P3.h".into());
        assert_eq!(l.len(), 3);
        assert!(l.contains("1.M1P1.h,S=5") && l.contains("3.M3P3.h"));
        assert!(!l.contains("1.M1P1.h") && !l.contains("1.M1P1.h,S=5:2,S"), "the base, not a prefix or the name");
        // The same message renamed with other flags: one entry, the new name.
        l.insert("1.M1P1.h,S=5:2,FS".into());
        assert_eq!(l.len(), 3);
        let mut later = Listing::default();
        later.insert("2.M2P2.h:2,T".into());
        l.extend(later);
        assert_eq!(l.len(), 3);
        assert_eq!(l.take("1.M1P1.h,S=5").as_deref(), Some("1.M1P1.h,S=5:2,FS"));
        assert_eq!(l.take("1.M1P1.h,S=5"), None, "taken once");
        let mut rest = l.into_names();
        rest.sort();
        assert_eq!(rest, vec!["2.M2P2.h:2,T".to_string(), "3.M3P3.h".to_string()]);
    }
}
