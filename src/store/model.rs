//! The store's model: what a mailbox holds as others see it (an [`Entry`]
//! per message, an immutable [`Snapshot`], the counts of [`Status`]) and
//! the UIDVALIDITY and GUID a new one gets, and a directory event the
//! watcher reports ([`FsEvent`]). Plain data: the files that keep and
//! change a mailbox (`mailbox/`: `mod.rs`, `sync.rs`, `commit.rs`, ...)
//! build these, and this file needs none of them.

use std::sync::atomic::{AtomicU32, Ordering};
use std::time::{SystemTime, UNIX_EPOCH};

use super::entries::Entries;
pub use super::entries::Entry;
use super::filename::{SEEN, TRASHED};
use super::keywords::Keywords;

/// The INTERNALDATE of an entry whose file has not been looked at yet.
pub const UNKNOWN_DATE: i64 = i64::MIN;

/// One directory event in `cur/` or `new/`, by name (from the watcher).
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct FsEvent {
    /// In `new/` (else `cur/`).
    pub in_new: bool,
    /// A name appeared (created, moved in); else it went away.
    pub appears: bool,
    /// The file name.
    pub name: String,
}

/// An immutable picture of a mailbox, cheap to share (`Arc`).
#[derive(Clone, Debug, Default)]
pub struct Snapshot {
    /// UIDVALIDITY.
    pub uidvalidity: u32,
    /// UIDNEXT.
    pub uidnext: u32,
    /// Change counter: grows by one with every published change.
    pub counter: u64,
    /// HIGHESTMODSEQ: the mod-sequence of the latest change.
    pub highest_modseq: u64,
    /// The messages, UIDs strictly increasing.
    pub entries: Entries,
    /// The keyword letters of this mailbox.
    pub keywords: Keywords,
}

impl Snapshot {
    /// The message with this UID.
    pub fn find(&self, uid: u32) -> Option<&Entry> {
        self.entries.find(uid)
    }

    /// The keyword names set on a message.
    pub fn keywords_of(&self, entry: &Entry) -> Vec<String> {
        self.keywords.names_of(entry.flags.keywords)
    }

    /// Counts for STATUS; `recent` is the number of unclaimed recent messages.
    pub fn status(&self, recent: usize) -> Status {
        let media = self.keywords.index("$Media");
        let unseen = |e: &&Entry| !e.flags.has(SEEN);
        Status {
            messages: self.entries.len(),
            recent,
            unseen: self.entries.iter().filter(unseen).count(),
            deleted: self.entries.iter().filter(|e| e.flags.has(TRASHED)).count(),
            uidnext: self.uidnext,
            uidvalidity: self.uidvalidity,
            size: self.entries.iter().map(|e| e.vsize.unwrap_or(e.size)).sum(),
            oldest: self.entries.iter().map(|e| e.internal_date).min(),
            highest_modseq: self.highest_modseq,
            unseen_media: match media {
                Some(i) => self.entries.iter().filter(unseen).filter(|e| e.flags.keywords & (1 << i) != 0).count(),
                None => 0,
            },
            mailbox_id: None,
        }
    }
}

/// Counts of a mailbox (STATUS and LIST-STATUS items).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Status {
    /// MESSAGES.
    pub messages: usize,
    /// RECENT: messages not yet claimed as recent by a session.
    pub recent: usize,
    /// UNSEEN: messages without `\Seen`.
    pub unseen: usize,
    /// DELETED (RFC 9051): messages with `\Deleted`.
    pub deleted: usize,
    /// UIDNEXT.
    pub uidnext: u32,
    /// UIDVALIDITY.
    pub uidvalidity: u32,
    /// INTERNALSIZE: sum of message sizes (CRLF size when known).
    pub size: u64,
    /// OLDEST: the smallest INTERNALDATE, seconds since the epoch.
    pub oldest: Option<i64>,
    /// UNSEENMEDIA: messages with `$Media` and without `\Seen`.
    pub unseen_media: usize,
    /// HIGHESTMODSEQ (RFC 7162).
    pub highest_modseq: u64,
    /// MAILBOXID (RFC 8474), filled in only when asked for.
    pub mailbox_id: Option<String>,
}

static LAST_UIDVALIDITY: AtomicU32 = AtomicU32::new(0);

/// A new UIDVALIDITY: the current time, but always above the last one given
/// in this process, so two mailboxes made in one second still differ.
pub fn new_uidvalidity() -> u32 {
    let now = SystemTime::now().duration_since(UNIX_EPOCH).map(|d| d.as_secs() as u32).unwrap_or(1).max(1);
    let mut last = LAST_UIDVALIDITY.load(Ordering::Relaxed);
    loop {
        let next = now.max(last.wrapping_add(1)).max(1);
        match LAST_UIDVALIDITY.compare_exchange(last, next, Ordering::Relaxed, Ordering::Relaxed) {
            Ok(_) => return next,
            Err(seen) => last = seen,
        }
    }
}

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
