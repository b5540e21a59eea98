//! The typed AST of one client command, as produced by [`crate::proto::parse`].
//!
//! Strings the client sent (mailbox names, search strings, user names) stay
//! raw bytes: the parser removes quoting and literal framing, nothing else.

use crate::proto::datetime::{Date, DateTime};
use crate::proto::section::{Partial, Section};
use crate::proto::sequence::SequenceSet;

/// One tagged command.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Command {
    /// The client's tag, echoed in the tagged reply.
    pub tag: String,
    /// What the command asks for.
    pub body: CommandBody,
}

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

/// The `+FLAGS`/`-FLAGS`/`FLAGS` mode of STORE.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum StoreMode {
    /// `FLAGS`: replace.
    Replace,
    /// `+FLAGS`: add.
    Add,
    /// `-FLAGS`: remove.
    Remove,
}

/// A STATUS data item (also used by LIST RETURN).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum StatusItem {
    /// `MESSAGES`
    Messages,
    /// `RECENT`
    Recent,
    /// `UIDNEXT`
    UidNext,
    /// `UIDVALIDITY`
    UidValidity,
    /// `UNSEEN`
    Unseen,
    /// `HIGHESTMODSEQ` (RFC 7162)
    HighestModSeq,
    /// `SIZE` (RFC 8438)
    Size,
    /// `DELETED` (RFC 9051)
    Deleted,
    /// `APPENDLIMIT` (RFC 7889)
    AppendLimit,
    /// `INTERNALSIZE` (CommuniGate): storage size of the mailbox.
    InternalSize,
    /// `OLDEST` (CommuniGate): INTERNALDATE of the oldest message.
    Oldest,
    /// `UNSEENMEDIA` (CommuniGate): messages with `$Media` and without `\Seen`.
    UnseenMedia,
    /// `MAILBOXID` (RFC 8474)
    MailboxId,
}

impl StatusItem {
    /// The item's name on the wire.
    pub fn name(self) -> &'static str {
        match self {
            StatusItem::Messages => "MESSAGES",
            StatusItem::Recent => "RECENT",
            StatusItem::UidNext => "UIDNEXT",
            StatusItem::UidValidity => "UIDVALIDITY",
            StatusItem::Unseen => "UNSEEN",
            StatusItem::HighestModSeq => "HIGHESTMODSEQ",
            StatusItem::Size => "SIZE",
            StatusItem::Deleted => "DELETED",
            StatusItem::AppendLimit => "APPENDLIMIT",
            StatusItem::InternalSize => "INTERNALSIZE",
            StatusItem::Oldest => "OLDEST",
            StatusItem::UnseenMedia => "UNSEENMEDIA",
            StatusItem::MailboxId => "MAILBOXID",
        }
    }

    /// The item named `name` (any case).
    pub fn from_name(name: &[u8]) -> Option<StatusItem> {
        const ALL: [StatusItem; 13] = [
            StatusItem::Messages,
            StatusItem::Recent,
            StatusItem::UidNext,
            StatusItem::UidValidity,
            StatusItem::Unseen,
            StatusItem::HighestModSeq,
            StatusItem::Size,
            StatusItem::Deleted,
            StatusItem::AppendLimit,
            StatusItem::InternalSize,
            StatusItem::Oldest,
            StatusItem::UnseenMedia,
            StatusItem::MailboxId,
        ];
        ALL.into_iter().find(|i| i.name().as_bytes().eq_ignore_ascii_case(name))
    }
}

/// SELECT/EXAMINE parameters (RFC 7162).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct SelectParams {
    /// `(CONDSTORE)` was given.
    pub condstore: bool,
    /// `(QRESYNC (...))` was given.
    pub qresync: Option<QResync>,
}

/// The QRESYNC select parameter.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct QResync {
    /// The UIDVALIDITY the client last knew.
    pub uidvalidity: u32,
    /// The last known mod-sequence.
    pub modseq: u64,
    /// The UIDs the client knows, if sent.
    pub known_uids: Option<SequenceSet>,
    /// `(known-sequence-set known-uid-set)`, if sent.
    pub seq_match: Option<(SequenceSet, SequenceSet)>,
}

/// LIST selection options (RFC 5258, RFC 6154).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum ListSelect {
    /// `SUBSCRIBED`
    Subscribed,
    /// `REMOTE`
    Remote,
    /// `RECURSIVEMATCH`
    RecursiveMatch,
    /// `SPECIAL-USE`
    SpecialUse,
}

/// LIST return options.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum ListReturn {
    /// `SUBSCRIBED`
    Subscribed,
    /// `CHILDREN`
    Children,
    /// `SPECIAL-USE`
    SpecialUse,
    /// `MYRIGHTS` (RFC 8440)
    MyRights,
    /// `STATUS (items)` (RFC 5819): an untagged STATUS per mailbox.
    Status(Vec<StatusItem>),
    /// A STATUS item given directly (CommuniGate): returned as `\NAME(value)`.
    Attribute(StatusItem),
}

/// A LIST command, in the RFC 3501 or the RFC 5258 extended form.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ListCommand {
    /// Selection options (empty for the basic form).
    pub select: Vec<ListSelect>,
    /// Reference name, raw.
    pub reference: Mailbox,
    /// One or more patterns (raw, may contain `*` and `%`).
    pub patterns: Vec<Vec<u8>>,
    /// Return options (also those CommuniGate accepts among the selection options).
    pub returns: Vec<ListReturn>,
    /// True when any extended syntax was used (options, pattern list, RETURN).
    pub extended: bool,
}

/// One message of an APPEND (several with MULTIAPPEND).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AppendMessage {
    /// Flags to set; empty when none were given.
    pub flags: Vec<Flag>,
    /// INTERNALDATE to set, if given.
    pub date: Option<DateTime>,
    /// The message bytes.
    pub data: Vec<u8>,
    /// Sent as `~{n}` literal8 (RFC 3516): may contain NUL.
    pub binary: bool,
    /// `CATENATE (...)` (RFC 4469): the parts the message is made of;
    /// `data` is empty until the handler has put them together.
    pub catenate: Option<Vec<CatPart>>,
}

/// One part of an APPEND's `CATENATE (...)` (RFC 4469).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum CatPart {
    /// `TEXT literal`: these octets.
    Text {
        /// The literal's octets.
        data: Vec<u8>,
        /// Sent as a `~{n}` literal8.
        binary: bool,
    },
    /// `URL astring`: a message or part on this server (RFC 5092).
    Url(Vec<u8>),
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

/// One `ID` field: name and value (`None` for NIL).
pub type IdParam = (Vec<u8>, Option<Vec<u8>>);

/// The optional `ENCRYPTED certificateData` of COPY (CommuniGate).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Certificate {
    /// `*`: the user's own S/MIME certificate.
    Own,
    /// The X.509 certificate as sent, not yet decoded: base64 of the DER
    /// form, or a PEM block.
    Base64(Vec<u8>),
}

/// One URLFETCH argument: a URL, and what RFC 5524's parenthesised form
/// asks of it (`None`: the data as RFC 4467 sends it, also for `(url)`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct UrlFetchArg {
    /// The URL, as sent.
    pub url: Vec<u8>,
    /// The metadata items asked for.
    pub items: Option<UrlFetchItems>,
}

/// RFC 5524's metadata items, each asked at most once, never BODY and
/// BINARY together.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct UrlFetchItems {
    /// `BODYPARTSTRUCTURE`: the part's structure.
    pub body_part_structure: bool,
    /// `BODY`: the octets as stored.
    pub body: bool,
    /// `BINARY`: the octets with the content-transfer-encoding removed.
    pub binary: bool,
}

/// What a command asks for: one variant per command. `uid` is true for the
/// `UID` prefixed forms.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum CommandBody {
    /// `CAPABILITY`
    Capability,
    /// `NOOP`
    Noop,
    /// `LOGOUT`
    Logout,
    /// `STARTTLS`
    StartTls,
    /// `AUTHENTICATE mechanism [initial-response]`
    Authenticate {
        /// The SASL mechanism, uppercased.
        mechanism: String,
        /// SASL-IR initial response, base64-decoded; `Some(empty)` for `=`.
        initial_response: Option<Vec<u8>>,
    },
    /// `LOGIN user password`
    Login {
        /// User name, raw.
        username: Vec<u8>,
        /// Password, raw.
        password: Vec<u8>,
    },
    /// `SELECT mailbox [params]`
    Select {
        /// The mailbox.
        mailbox: Mailbox,
        /// CONDSTORE / QRESYNC.
        params: SelectParams,
    },
    /// `EXAMINE mailbox [params]`
    Examine {
        /// The mailbox.
        mailbox: Mailbox,
        /// CONDSTORE / QRESYNC.
        params: SelectParams,
    },
    /// `CREATE mailbox [(USE (attrs))]`
    Create {
        /// The mailbox.
        mailbox: Mailbox,
        /// RFC 6154 special-use attributes, without the backslash (`Drafts`).
        special_use: Vec<String>,
    },
    /// `DELETE mailbox`
    Delete {
        /// The mailbox.
        mailbox: Mailbox,
    },
    /// `RENAME from to`
    Rename {
        /// Existing name.
        from: Mailbox,
        /// New name.
        to: Mailbox,
    },
    /// `SUBSCRIBE mailbox`
    Subscribe {
        /// The mailbox.
        mailbox: Mailbox,
    },
    /// `UNSUBSCRIBE mailbox`
    Unsubscribe {
        /// The mailbox.
        mailbox: Mailbox,
    },
    /// `LIST ...` (basic or extended)
    List(ListCommand),
    /// `GENURLAUTH url mechanism ...` (RFC 4467): URL rumps with their
    /// mechanisms (upper-cased).
    GenUrlAuth {
        /// The (rump, mechanism) pairs.
        urls: Vec<(Vec<u8>, String)>,
    },
    /// `RESETKEY [mailbox [mechanism ...]]` (RFC 4467)
    ResetKey {
        /// The mailbox whose key is reset; every key when `None`.
        mailbox: Option<Mailbox>,
        /// Mechanisms named (upper-cased).
        mechanisms: Vec<String>,
    },
    /// `URLFETCH url ...` (RFC 4467), with RFC 5524's `(url param ...)`.
    UrlFetch {
        /// The URLs, with what is asked of each.
        urls: Vec<UrlFetchArg>,
    },
    /// `LSUB reference pattern`
    Lsub {
        /// Reference name.
        reference: Mailbox,
        /// Pattern.
        pattern: Vec<u8>,
    },
    /// `STATUS mailbox (items)`
    Status {
        /// The mailbox.
        mailbox: Mailbox,
        /// The items asked for, in order.
        items: Vec<StatusItem>,
    },
    /// `APPEND mailbox ([flags] [date] literal)+` (MULTIAPPEND when more than one)
    Append {
        /// Target mailbox.
        mailbox: Mailbox,
        /// At least one message.
        messages: Vec<AppendMessage>,
    },
    /// `IDLE`
    Idle,
    /// `CHECK`
    Check,
    /// `CLOSE`
    Close,
    /// `UNSELECT`
    Unselect,
    /// `EXPUNGE`, or `UID EXPUNGE set` when `uids` is given.
    Expunge {
        /// The UID set of UID EXPUNGE.
        uids: Option<SequenceSet>,
    },
    /// `NAMESPACE`
    Namespace,
    /// `ENABLE cap...`
    Enable {
        /// Capability names, uppercased.
        capabilities: Vec<String>,
    },
    /// `ID (key value ...)` or `ID NIL`
    Id {
        /// `None` for NIL; values may be NIL.
        params: Option<Vec<IdParam>>,
    },
    /// `COMPRESS mechanism`
    Compress {
        /// The algorithm, uppercased (`DEFLATE`).
        mechanism: String,
    },
    /// `[UID] SEARCH [RETURN (...)] [CHARSET x] keys`
    Search {
        /// UID SEARCH.
        uid: bool,
        /// ESEARCH return options; `Some(empty)` for `RETURN ()`.
        returns: Option<Vec<SearchReturn>>,
        /// The CHARSET as sent, if given.
        charset: Option<String>,
        /// The keys; several top-level keys are one `And`.
        key: SearchKey,
    },
    /// `[UID] FETCH set items [(CHANGEDSINCE n [VANISHED])]`
    Fetch {
        /// UID FETCH.
        uid: bool,
        /// Which messages.
        set: SequenceSet,
        /// Items, macros expanded, in order.
        items: Vec<FetchAttr>,
        /// CHANGEDSINCE modifier.
        changed_since: Option<u64>,
        /// VANISHED modifier (valid only with UID FETCH and CHANGEDSINCE).
        vanished: bool,
    },
    /// `[UID] STORE set [(UNCHANGEDSINCE n)] [+-]FLAGS[.SILENT] flags`
    Store {
        /// UID STORE.
        uid: bool,
        /// Which messages.
        set: SequenceSet,
        /// UNCHANGEDSINCE modifier.
        unchanged_since: Option<u64>,
        /// Replace, add or remove.
        mode: StoreMode,
        /// `.SILENT`
        silent: bool,
        /// The flags (possibly empty).
        flags: Vec<Flag>,
    },
    /// `[UID] COPY set mailbox [ENCRYPTED cert]`
    Copy {
        /// UID COPY.
        uid: bool,
        /// Which messages.
        set: SequenceSet,
        /// Target.
        mailbox: Mailbox,
        /// Encrypt the copies to this certificate.
        encrypted: Option<Certificate>,
    },
    /// `[UID] MOVE set mailbox [ENCRYPTED cert]`
    Move {
        /// UID MOVE.
        uid: bool,
        /// Which messages.
        set: SequenceSet,
        /// Target.
        mailbox: Mailbox,
        /// Encrypt the moved messages to this certificate (as for COPY).
        encrypted: Option<Certificate>,
    },
    /// `[UID] SORT [RETURN (...)] (criteria) charset keys`
    Sort {
        /// UID SORT.
        uid: bool,
        /// ESORT return options (RFC 5267), if given.
        returns: Option<Vec<SearchReturn>>,
        /// Sort criteria, in order.
        criteria: Vec<SortCriterion>,
        /// The charset as sent.
        charset: String,
        /// The keys; several top-level keys are one `And`.
        key: SearchKey,
    },
    /// `[UID] THREAD algorithm charset keys`
    Thread {
        /// UID THREAD.
        uid: bool,
        /// The algorithm.
        algorithm: ThreadAlgorithm,
        /// The charset as sent.
        charset: String,
        /// The keys; several top-level keys are one `And`.
        key: SearchKey,
    },
    /// `GETQUOTA root`
    GetQuota {
        /// Quota root name, raw.
        root: Vec<u8>,
    },
    /// `GETQUOTAROOT mailbox`
    GetQuotaRoot {
        /// The mailbox.
        mailbox: Mailbox,
    },
    /// `SETQUOTA root (resource limit ...)`
    SetQuota {
        /// Quota root name, raw.
        root: Vec<u8>,
        /// Resource names (uppercased) and limits.
        limits: Vec<(String, u64)>,
    },
    /// `GETACL mailbox`
    GetAcl {
        /// The mailbox.
        mailbox: Mailbox,
    },
    /// `SETACL mailbox identifier rights` (rights may start with `+` or `-`)
    SetAcl {
        /// The mailbox.
        mailbox: Mailbox,
        /// The identifier, raw.
        identifier: Vec<u8>,
        /// The rights string, raw.
        rights: Vec<u8>,
    },
    /// `DELETEACL mailbox identifier`
    DeleteAcl {
        /// The mailbox.
        mailbox: Mailbox,
        /// The identifier, raw.
        identifier: Vec<u8>,
    },
    /// `LISTRIGHTS mailbox identifier`
    ListRights {
        /// The mailbox.
        mailbox: Mailbox,
        /// The identifier, raw.
        identifier: Vec<u8>,
    },
    /// `MYRIGHTS mailbox`
    MyRights {
        /// The mailbox.
        mailbox: Mailbox,
    },
    /// `GETMETADATA` or `SETMETADATA` (RFC 5464)
    Metadata(crate::proto::metadata::MetadataCommand),
    /// `NOTIFY SET ...` or `NOTIFY NONE` (`None`) (RFC 5465)
    Notify(Option<crate::proto::notify::NotifySet>),
    /// `CANCELUPDATE "tag" ...` (RFC 5267 4.3.5)
    CancelUpdate {
        /// The tags of the searching commands whose updates end.
        tags: Vec<String>,
    },
}

impl CommandBody {
    /// The command's name as a command table would key it (`UID` forms
    /// give `UID FETCH` etc.).
    pub fn name(&self) -> &'static str {
        use CommandBody::*;
        match self {
            Capability => "CAPABILITY",
            Noop => "NOOP",
            Logout => "LOGOUT",
            StartTls => "STARTTLS",
            Authenticate { .. } => "AUTHENTICATE",
            Login { .. } => "LOGIN",
            Select { .. } => "SELECT",
            Examine { .. } => "EXAMINE",
            Create { .. } => "CREATE",
            Delete { .. } => "DELETE",
            Rename { .. } => "RENAME",
            Subscribe { .. } => "SUBSCRIBE",
            Unsubscribe { .. } => "UNSUBSCRIBE",
            List(_) => "LIST",
            Lsub { .. } => "LSUB",
            Status { .. } => "STATUS",
            Append { .. } => "APPEND",
            Idle => "IDLE",
            Check => "CHECK",
            Close => "CLOSE",
            Unselect => "UNSELECT",
            Expunge { uids: None } => "EXPUNGE",
            Expunge { uids: Some(_) } => "UID EXPUNGE",
            Namespace => "NAMESPACE",
            Enable { .. } => "ENABLE",
            Id { .. } => "ID",
            Compress { .. } => "COMPRESS",
            Search { uid: false, .. } => "SEARCH",
            Search { uid: true, .. } => "UID SEARCH",
            Fetch { uid: false, .. } => "FETCH",
            Fetch { uid: true, .. } => "UID FETCH",
            Store { uid: false, .. } => "STORE",
            Store { uid: true, .. } => "UID STORE",
            Copy { uid: false, .. } => "COPY",
            Copy { uid: true, .. } => "UID COPY",
            Move { uid: false, .. } => "MOVE",
            Move { uid: true, .. } => "UID MOVE",
            Sort { uid: false, .. } => "SORT",
            Sort { uid: true, .. } => "UID SORT",
            Thread { uid: false, .. } => "THREAD",
            Thread { uid: true, .. } => "UID THREAD",
            GetQuota { .. } => "GETQUOTA",
            GetQuotaRoot { .. } => "GETQUOTAROOT",
            SetQuota { .. } => "SETQUOTA",
            GetAcl { .. } => "GETACL",
            SetAcl { .. } => "SETACL",
            DeleteAcl { .. } => "DELETEACL",
            ListRights { .. } => "LISTRIGHTS",
            MyRights { .. } => "MYRIGHTS",
            CancelUpdate { .. } => "CANCELUPDATE",
            Notify(_) => "NOTIFY",
            Metadata(m) => m.name(),
            GenUrlAuth { .. } => "GENURLAUTH",
            ResetKey { .. } => "RESETKEY",
            UrlFetch { .. } => "URLFETCH",
        }
    }

    /// True for the `UID` forms (whose sets are UIDs, not sequence numbers).
    pub fn is_uid(&self) -> bool {
        self.name().starts_with("UID ")
    }
}
