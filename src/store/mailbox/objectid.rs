//! Object identifiers (RFC 8474 OBJECTID): MAILBOXID and EMAILID.
//!
//! A mailbox's id is the GUID in the `G` field of its `dovecot-uidlist`
//! header, where Dovecot keeps its mailbox GUID too: it lives in the
//! mailbox directory, so it survives restarts and moves with RENAME, and
//! a new mailbox (even under an old name) gets a new one. A message's id
//! is derived from its GUID as Dovecot defines it for maildir: the base
//! name of its file (the part that never changes, unique in the maildir),
//! or the `G` field of its uid list record, which COPY and MOVE write so
//! that a copy keeps its original's id.

use crate::objectid::is_objectid;
use sha1::{Digest, Sha1};

use super::MailboxShared;
use crate::store::error::{Result, StoreError};
use crate::store::uidlist::UidList;

/// A message's GUID as Dovecot sees it: the `G` field of its uid list
/// record when there is one (a copy keeps its original's), else the base
/// name of its file.
pub fn guid_in(list: Option<&UidList>, uid: u32, base: &str) -> String {
    list.and_then(|l| l.records.binary_search_by_key(&uid, |r| r.uid).ok().map(|i| &l.records[i]))
        .and_then(|r| r.fields.iter().find_map(|f| f.strip_prefix('G')).filter(|g| !g.is_empty()))
        .map_or_else(|| base.to_string(), str::to_string)
}

/// The EMAILID of the message whose GUID is `guid` (see [`guid_in`]): `M`
/// and 24 hex digits of its SHA-1 (a base name has dots and other
/// characters the grammar does not allow).
pub fn email_id(guid: &str) -> String {
    let digest = Sha1::digest(guid.as_bytes());
    let mut id = String::with_capacity(25);
    id.push('M');
    for b in &digest[..12] {
        id.push_str(&format!("{b:02x}"));
    }
    id
}

impl MailboxShared {
    /// The EMAILID of a message of this mailbox.
    pub fn email_id(&self, uid: u32, base: &str) -> String {
        email_id(&guid_in(self.disk.lock().list.as_ref(), uid, base))
    }

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
    use crate::store::model::fresh_guid;

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
