//! The argument types several commands share: mailbox names, flags and
//! FETCH items (FETCH and NOTIFY's MessageNew take the same items).

use crate::proto::section::{Partial, Section};

/// A mailbox name as sent: still modified UTF-7; the handler decodes it.
/// Any case of `INBOX` is normalised to `INBOX` (RFC 3501 `mailbox`).
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Mailbox(pub Vec<u8>);

impl Mailbox {
    /// True for the name `INBOX`.
    pub fn is_inbox(&self) -> bool {
        self.0 == b"INBOX"
    }
}

/// A message flag in STORE, APPEND or a flag list.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum Flag {
    /// `\Seen`
    Seen,
    /// `\Answered`
    Answered,
    /// `\Flagged`
    Flagged,
    /// `\Deleted`
    Deleted,
    /// `\Draft`
    Draft,
    /// A keyword atom such as `$MDN` or `NonJunk`, as sent.
    Keyword(String),
    /// Another `\word` (e.g. `\Recent`), without the backslash; not storable.
    Extension(String),
}

impl std::fmt::Display for Flag {
    /// The wire form: `\Seen`, `$MDN`, `\Recent`.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Flag::Seen => f.write_str("\\Seen"),
            Flag::Answered => f.write_str("\\Answered"),
            Flag::Flagged => f.write_str("\\Flagged"),
            Flag::Deleted => f.write_str("\\Deleted"),
            Flag::Draft => f.write_str("\\Draft"),
            Flag::Keyword(k) => f.write_str(k),
            Flag::Extension(e) => write!(f, "\\{e}"),
        }
    }
}

/// A FETCH data item. The macros ALL, FAST and FULL are expanded.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum FetchAttr {
    /// `FLAGS`
    Flags,
    /// `INTERNALDATE`
    InternalDate,
    /// `RFC822` (sets `\Seen`)
    Rfc822,
    /// `RFC822.HEADER`
    Rfc822Header,
    /// `RFC822.SIZE`
    Rfc822Size,
    /// `RFC822.TEXT` (sets `\Seen`)
    Rfc822Text,
    /// `UID`
    Uid,
    /// `SAVEDATE` (RFC 8514)
    SaveDate,
    /// `EMAILID` (RFC 8474)
    EmailId,
    /// `THREADID` (RFC 8474)
    ThreadId,
    /// `ENVELOPE`
    Envelope,
    /// `BODY` without a section: the non-extensible body structure.
    Body,
    /// `BODYSTRUCTURE`
    BodyStructure,
    /// `BODY[section]<partial>` or `BODY.PEEK[...]`.
    BodySection {
        /// `.PEEK`: do not set `\Seen`.
        peek: bool,
        /// Which part.
        section: Section,
        /// Which octets, if limited.
        partial: Option<Partial>,
    },
    /// `BINARY[part]<partial>` or `BINARY.PEEK[...]` (RFC 3516).
    Binary {
        /// `.PEEK`: do not set `\Seen`.
        peek: bool,
        /// Part numbers; empty for the whole message.
        part: Vec<u32>,
        /// Which octets, if limited.
        partial: Option<Partial>,
    },
    /// `BINARY.SIZE[part]`
    BinarySize {
        /// Part numbers; empty for the whole message.
        part: Vec<u32>,
    },
    /// `MODSEQ` (RFC 7162)
    ModSeq,
    /// `PREVIEW` or `PREVIEW (LAZY)` (RFC 8970).
    Preview {
        /// `LAZY`: the server may answer NIL when the preview is not at hand.
        lazy: bool,
    },
    /// The draft forms Dovecot still serves: `SNIPPET (FUZZY)` (answered
    /// `SNIPPET (FUZZY "text")`) and `PREVIEW (FUZZY)` (answered `PREVIEW
    /// (FUZZY "text")`), each also with `LAZY=FUZZY`.
    Fuzzy {
        /// SNIPPET rather than PREVIEW.
        snippet: bool,
    },
}
