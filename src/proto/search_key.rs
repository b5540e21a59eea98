//! The search, sort and thread arguments of SEARCH, SORT, THREAD and
//! their UID forms (RFC 3501 `search-key`, RFC 5256, and the extensions').

use crate::proto::datetime::Date;
use crate::proto::sequence::SequenceSet;

/// ESEARCH return options (RFC 4731, RFC 5182).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum SearchReturn {
    /// `MIN`
    Min,
    /// `MAX`
    Max,
    /// `COUNT`
    Count,
    /// `ALL`
    All,
    /// `SAVE` (RFC 5182)
    Save,
    /// `CONTEXT` (RFC 5267 4.2): a hint only; it asks for nothing.
    Context,
    /// `UPDATE` (RFC 5267 4.3): keep the result and report its changes.
    Update,
    /// `PARTIAL low:high` (RFC 5267 4.4), positions of the result, 1-based,
    /// low <= high.
    Partial(u32, u32),
}

/// The entry of a `MODSEQ` search key: a flag's metadata entry and type.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ModSeqEntry {
    /// Entry name, e.g. `/flags/\Seen`.
    pub name: Vec<u8>,
    /// `priv`, `shared` or `all`, lowercased.
    pub kind: String,
}

/// A search key (RFC 3501 `search-key` and extensions).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum SearchKey {
    /// Several keys that must all match (top level, or a parenthesised group).
    And(Vec<SearchKey>),
    /// `ALL`
    All,
    /// `ANSWERED`
    Answered,
    /// `BCC string`
    Bcc(Vec<u8>),
    /// `BEFORE date` (internal date)
    Before(Date),
    /// `BODY string`
    Body(Vec<u8>),
    /// `CC string`
    Cc(Vec<u8>),
    /// `DELETED`
    Deleted,
    /// `DRAFT`
    Draft,
    /// `FLAGGED`
    Flagged,
    /// `FROM string`
    From(Vec<u8>),
    /// `HEADER field-name string`
    Header(Vec<u8>, Vec<u8>),
    /// `KEYWORD flag`
    Keyword(String),
    /// `LARGER n`
    Larger(u32),
    /// `NEW` (recent and unseen)
    New,
    /// `NOT key`
    Not(Box<SearchKey>),
    /// `OLD`
    Old,
    /// `OLDER seconds` (RFC 5032)
    Older(u32),
    /// `ON date`
    On(Date),
    /// `OR key key`
    Or(Box<SearchKey>, Box<SearchKey>),
    /// `RECENT`
    Recent,
    /// `SEEN`
    Seen,
    /// `SENTBEFORE date`
    SentBefore(Date),
    /// `SENTON date`
    SentOn(Date),
    /// `SENTSINCE date`
    SentSince(Date),
    /// A bare sequence set (message numbers), or `$`.
    SequenceSet(SequenceSet),
    /// `SINCE date`
    Since(Date),
    /// `SMALLER n`
    Smaller(u32),
    /// `SUBJECT string`
    Subject(Vec<u8>),
    /// `TEXT string`
    Text(Vec<u8>),
    /// `TO string`
    To(Vec<u8>),
    /// `UID set`
    Uid(SequenceSet),
    /// `UNANSWERED`
    Unanswered,
    /// `UNDELETED`
    Undeleted,
    /// `UNDRAFT`
    Undraft,
    /// `UNFLAGGED`
    Unflagged,
    /// `UNKEYWORD flag`
    Unkeyword(String),
    /// `UNSEEN`
    Unseen,
    /// `YOUNGER seconds` (RFC 5032)
    Younger(u32),
    /// `SAVEDBEFORE date` (RFC 8514)
    SavedBefore(Date),
    /// `SAVEDON date` (RFC 8514)
    SavedOn(Date),
    /// `SAVEDSINCE date` (RFC 8514)
    SavedSince(Date),
    /// `SAVEDATESUPPORTED` (RFC 8514)
    SaveDateSupported,
    /// `EMAILID objectid` (RFC 8474)
    EmailId(String),
    /// `THREADID objectid` (RFC 8474)
    ThreadId(String),
    /// `MODSEQ [entry type] n` (RFC 7162)
    ModSeq {
        /// The optional entry name and type.
        entry: Option<ModSeqEntry>,
        /// The smallest mod-sequence that matches.
        modseq: u64,
    },
}

/// A SORT key (RFC 5256, RFC 5957).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum SortKey {
    /// `ARRIVAL`
    Arrival,
    /// `CC`
    Cc,
    /// `DATE`
    Date,
    /// `FROM`
    From,
    /// `SIZE`
    Size,
    /// `SUBJECT`
    Subject,
    /// `TO`
    To,
    /// `DISPLAYFROM`
    DisplayFrom,
    /// `DISPLAYTO`
    DisplayTo,
}

/// One SORT criterion.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct SortCriterion {
    /// `REVERSE` was given.
    pub reverse: bool,
    /// The key.
    pub key: SortKey,
}

/// A THREAD algorithm (RFC 5256).
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum ThreadAlgorithm {
    /// `ORDEREDSUBJECT`
    OrderedSubject,
    /// `REFERENCES`
    References,
    /// `REFS` (draft-ietf-morg-inthread, as Dovecot offers it)
    Refs,
    /// Another algorithm name, uppercased; the handler refuses it.
    Other(String),
}
