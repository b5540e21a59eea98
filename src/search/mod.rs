//! SEARCH evaluation (RFC 3501 6.4.4, RFC 9051 6.4.4, RFC 4731 ESEARCH).
//!
//! A pure library: the handler turns the parsed [`SearchKey`] into a
//! [`Program`] once with [`prepare`] (charset conversion, case folding,
//! cheap keys first), then asks [`matches()`] for every message through a
//! [`MessageContext`] it fills from the store. The evaluator never opens a
//! file itself: message bytes are asked for only when a header or body key
//! is actually reached, so flag-only searches never read a message.
//!
//! Dates: `BEFORE`/`ON`/`SINCE` compare the INTERNALDATE's calendar day in
//! UTC (the server's view); `SENTBEFORE`/`SENTON`/`SENTSINCE` compare the
//! day written in the `Date:` header, in its own zone, falling back to the
//! INTERNALDATE (UTC day) when the header is missing or unparsable, as
//! Dovecot does.
//!
//! [`SearchKey`]: crate::proto::command::SearchKey

pub mod context;
pub mod document;
mod eval;
pub mod narrow;
mod program;
mod response;
pub(crate) mod sentdate;
pub mod stored;
mod text;

#[cfg(test)]
mod tests;

pub use eval::matches;
pub use program::{prepare, Program, SearchError, SUPPORTED_CHARSETS};
pub use response::{
    asks_no_result, esearch_head, esearch_response, partial_item, returned_modseq, saved_result, search_response,
    sequence_set_string, window,
};
pub use sentdate::sent_date;

use std::cell::OnceCell;

/// The system flags of one message as the store knows them.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct SystemFlags {
    /// `\Seen`
    pub seen: bool,
    /// `\Answered`
    pub answered: bool,
    /// `\Flagged`
    pub flagged: bool,
    /// `\Deleted`
    pub deleted: bool,
    /// `\Draft`
    pub draft: bool,
    /// `\Recent` (this session's view)
    pub recent: bool,
}

/// What the evaluator may know about one message; the handler implements it
/// over its mailbox view and store.
pub trait MessageContext {
    /// Message sequence number (1-based).
    fn seq(&self) -> u32;
    /// The message's UID.
    fn uid(&self) -> u32;
    /// Largest sequence number in the mailbox, what `*` means in a sequence set.
    fn max_seq(&self) -> u32;
    /// Largest UID in the mailbox, what `*` means in `UID set`.
    fn max_uid(&self) -> u32;
    /// System flags.
    fn flags(&self) -> SystemFlags;
    /// Keyword names exactly as the client sees them in FLAGS (e.g.
    /// `$Forwarded`, even when the store keeps it as a maildir letter).
    fn keywords(&self) -> &[String];
    /// INTERNALDATE as seconds since the epoch.
    fn internal_date(&self) -> i64;
    /// RFC822.SIZE in octets.
    fn size(&self) -> u64;
    /// When the message was saved into its mailbox (RFC 8514 SAVEDATE),
    /// seconds since the epoch; the INTERNALDATE unless told.
    fn save_date(&self) -> i64 {
        self.internal_date()
    }
    /// The message's mod-sequence (RFC 7162), if CONDSTORE is in use.
    fn modseq(&self) -> Option<u64> {
        None
    }
    /// The message's EMAILID (RFC 8474); empty when not known.
    fn email_id(&self) -> &str {
        ""
    }
    /// The raw message, loaded on first call and kept by the implementor;
    /// `None` when it cannot be read (e.g. expunged by another process).
    fn raw(&self) -> Option<&[u8]>;
    /// The message's header text as a search index stored it (the same
    /// strings the evaluator would make from [`Self::raw`]), when one is
    /// at hand: header keys then compare against it, not the file.
    fn stored_head(&self) -> Option<&stored::Head> {
        None
    }
    /// The message's body texts as a search index stored them, when at
    /// hand: BODY and TEXT then compare against them.
    fn stored_bodies(&self) -> Option<&[String]> {
        None
    }
}

/// Produces a message's stored text, called at most once.
type StoredLoader<'a, T> = Box<dyn Fn() -> Option<T> + 'a>;

/// A ready-made [`MessageContext`]: plain fields, and the message bytes
/// produced on demand by a loader closure (called at most once).
pub struct Message<'a> {
    /// Sequence number.
    pub seq: u32,
    /// UID.
    pub uid: u32,
    /// Largest sequence number in the mailbox.
    pub max_seq: u32,
    /// Largest UID in the mailbox.
    pub max_uid: u32,
    /// System flags.
    pub flags: SystemFlags,
    /// Keyword names as shown in FLAGS.
    pub keywords: Vec<String>,
    /// INTERNALDATE, seconds since the epoch.
    pub internal_date: i64,
    /// RFC822.SIZE.
    pub size: u64,
    /// The save date (RFC 8514), seconds since the epoch.
    pub save_date: i64,
    /// Mod-sequence, if known.
    pub modseq: Option<u64>,
    /// EMAILID (RFC 8474), empty if not known.
    pub email_id: String,
    loader: Box<dyn Fn() -> Option<Vec<u8>> + 'a>,
    loaded: OnceCell<Option<Vec<u8>>>,
    head_loader: Option<StoredLoader<'a, stored::Head>>,
    head: OnceCell<Option<stored::Head>>,
    bodies_loader: Option<StoredLoader<'a, Vec<String>>>,
    bodies: OnceCell<Option<Vec<String>>>,
}

impl<'a> Message<'a> {
    /// A message with no flags, keywords, date or size yet, whose bytes come
    /// from `loader` the first time a header or body key needs them.
    pub fn new(seq: u32, uid: u32, loader: impl Fn() -> Option<Vec<u8>> + 'a) -> Message<'a> {
        Message {
            seq,
            uid,
            max_seq: seq,
            max_uid: uid,
            flags: SystemFlags::default(),
            keywords: Vec::new(),
            internal_date: 0,
            size: 0,
            save_date: 0,
            modseq: None,
            email_id: String::new(),
            loader: Box::new(loader),
            loaded: OnceCell::new(),
            head_loader: None,
            head: OnceCell::new(),
            bodies_loader: None,
            bodies: OnceCell::new(),
        }
    }

    /// Gives the message its stored text (a search index's): `head` and
    /// `bodies` are called the first time a key needs them, and when they
    /// give `None` the message is read through the loader as without them.
    pub fn with_stored(
        mut self,
        head: impl Fn() -> Option<stored::Head> + 'a,
        bodies: impl Fn() -> Option<Vec<String>> + 'a,
    ) -> Message<'a> {
        self.head_loader = Some(Box::new(head));
        self.bodies_loader = Some(Box::new(bodies));
        self
    }

    /// True once the loader has been called.
    pub fn was_loaded(&self) -> bool {
        self.loaded.get().is_some()
    }
}

impl MessageContext for Message<'_> {
    fn seq(&self) -> u32 {
        self.seq
    }
    fn uid(&self) -> u32 {
        self.uid
    }
    fn max_seq(&self) -> u32 {
        self.max_seq
    }
    fn max_uid(&self) -> u32 {
        self.max_uid
    }
    fn flags(&self) -> SystemFlags {
        self.flags
    }
    fn keywords(&self) -> &[String] {
        &self.keywords
    }
    fn internal_date(&self) -> i64 {
        self.internal_date
    }
    fn size(&self) -> u64 {
        self.size
    }
    fn save_date(&self) -> i64 {
        self.save_date
    }
    fn modseq(&self) -> Option<u64> {
        self.modseq
    }
    fn email_id(&self) -> &str {
        &self.email_id
    }
    fn raw(&self) -> Option<&[u8]> {
        self.loaded.get_or_init(|| (self.loader)()).as_deref()
    }
    fn stored_head(&self) -> Option<&stored::Head> {
        self.head.get_or_init(|| self.head_loader.as_ref().and_then(|f| f())).as_ref()
    }
    fn stored_bodies(&self) -> Option<&[String]> {
        self.bodies.get_or_init(|| self.bodies_loader.as_ref().and_then(|f| f())).as_deref()
    }
}
