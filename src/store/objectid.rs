//! Object identifiers (RFC 8474 OBJECTID): MAILBOXID and EMAILID.
//!
//! A mailbox's id is the GUID in the `G` field of its `dovecot-uidlist`
//! header, where Dovecot keeps its mailbox GUID too: it lives in the
//! mailbox directory, so it survives restarts and moves with RENAME, and
//! a new mailbox (even under an old name) gets a new one. A message's id
//! is derived from its file's base name, the part of a maildir file name
//! that never changes (Dovecot takes its maildir GUIDs from it as well);
//! base names are unique within a maildir, so ids are never reused.

use sha1::{Digest, Sha1};

use super::error::{Result, StoreError};
use super::mailbox::MailboxShared;

/// A fresh mailbox GUID: 32 lower-case hex digits, as Dovecot writes them.
pub fn fresh_guid() -> String {
    let mut guid = [0u8; 16];
    if getrandom::getrandom(&mut guid).is_err() {
        // Without randomness, time and pid still make a usable GUID.
        let t = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap_or_default().as_nanos();
        guid = (t ^ (u128::from(std::process::id()) << 64)).to_be_bytes();
    }
    guid.iter().map(|b| format!("{b:02x}")).collect()
}

/// Whether `s` is an RFC 8474 `objectid`: 1*255(ALPHA / DIGIT / "_" / "-").
pub fn is_objectid(s: &[u8]) -> bool {
    !s.is_empty() && s.len() <= 255 && s.iter().all(|b| b.is_ascii_alphanumeric() || *b == b'_' || *b == b'-')
}

/// The EMAILID of the message whose file has base name `base`: `M` and
/// 24 hex digits of its SHA-1 (a base name has dots and other characters
/// the grammar does not allow).
pub fn email_id(base: &str) -> String {
    let digest = Sha1::digest(base.as_bytes());
    let mut id = String::with_capacity(25);
    id.push('M');
    for b in &digest[..12] {
        id.push_str(&format!("{b:02x}"));
    }
    id
}

impl MailboxShared {
    /// The mailbox's MAILBOXID (syncs first if the uid list was not read).
    pub fn mailbox_id(&self) -> Result<String> {
        if self.disk.lock().list.is_none() {
            self.sync()?;
        }
        let disk = self.disk.lock();
        disk.list
            .as_ref()
            .and_then(|l| l.guid())
            .filter(|g| is_objectid(g.as_bytes()))
            .map(str::to_string)
            .ok_or_else(|| StoreError::Corrupt(format!("{}: no mailbox GUID in dovecot-uidlist", self.dir().display())))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_follow_the_grammar_and_the_base_name() {
        let a = email_id("1276528487.M364837P9451.kurkku,S=1355,W=1394");
        assert!(is_objectid(a.as_bytes()) && a.len() == 25, "{a}");
        assert_eq!(a, email_id("1276528487.M364837P9451.kurkku,S=1355,W=1394"));
        assert_ne!(a, email_id("1276528487.M364838P9451.kurkku,S=1355,W=1394"));
        let g = fresh_guid();
        assert!(is_objectid(g.as_bytes()) && g.len() == 32);
        assert_ne!(g, fresh_guid());
        assert!(!is_objectid(b"") && !is_objectid(b"a.b") && !is_objectid(&[b'a'; 256]));
    }
}
