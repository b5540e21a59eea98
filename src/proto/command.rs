//! The typed AST of one client command, as produced by [`crate::proto::parse`].
//!
//! Strings the client sent (mailbox names, search strings, user names) stay
//! raw bytes: the parser removes quoting and literal framing, nothing else.

pub use crate::proto::args::{FetchAttr, Flag, Mailbox};
use crate::proto::datetime::DateTime;
use crate::proto::metadata::MetadataCommand;
pub use crate::proto::search_key::{ModSeqEntry, SearchKey, SearchReturn, SortCriterion, SortKey, ThreadAlgorithm};
use crate::proto::sequence::SequenceSet;
use crate::proto::table::CommandKind;

/// One tagged command.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Command {
    /// The client's tag, echoed in the tagged reply.
    pub tag: String,
    /// What the command asks for.
    pub body: CommandBody,
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
    Metadata(MetadataCommand),
    /// `NOTIFY SET ...` or `NOTIFY NONE` (`None`) (RFC 5465)
    Notify(Option<crate::proto::notify::NotifySet>),
    /// `CANCELUPDATE "tag" ...` (RFC 5267 4.3.5)
    CancelUpdate {
        /// The tags of the searching commands whose updates end.
        tags: Vec<String>,
    },
}

impl CommandBody {
    /// The command's entry in the command table (`UID` forms have their own).
    pub fn kind(&self) -> CommandKind {
        use CommandBody::*;
        use CommandKind as K;
        let uid_form = |uid: bool, plain: CommandKind, with_uid: CommandKind| if uid { with_uid } else { plain };
        match self {
            Capability => K::Capability,
            Noop => K::Noop,
            Logout => K::Logout,
            StartTls => K::StartTls,
            Authenticate { .. } => K::Authenticate,
            Login { .. } => K::Login,
            Select { .. } => K::Select,
            Examine { .. } => K::Examine,
            Create { .. } => K::Create,
            Delete { .. } => K::Delete,
            Rename { .. } => K::Rename,
            Subscribe { .. } => K::Subscribe,
            Unsubscribe { .. } => K::Unsubscribe,
            List(_) => K::List,
            Lsub { .. } => K::Lsub,
            Status { .. } => K::Status,
            Append { .. } => K::Append,
            Idle => K::Idle,
            Check => K::Check,
            Close => K::Close,
            Unselect => K::Unselect,
            Expunge { uids } => uid_form(uids.is_some(), K::Expunge, K::UidExpunge),
            Namespace => K::Namespace,
            Enable { .. } => K::Enable,
            Id { .. } => K::Id,
            Compress { .. } => K::Compress,
            Search { uid, .. } => uid_form(*uid, K::Search, K::UidSearch),
            Fetch { uid, .. } => uid_form(*uid, K::Fetch, K::UidFetch),
            Store { uid, .. } => uid_form(*uid, K::Store, K::UidStore),
            Copy { uid, .. } => uid_form(*uid, K::Copy, K::UidCopy),
            Move { uid, .. } => uid_form(*uid, K::Move, K::UidMove),
            Sort { uid, .. } => uid_form(*uid, K::Sort, K::UidSort),
            Thread { uid, .. } => uid_form(*uid, K::Thread, K::UidThread),
            GetQuota { .. } => K::GetQuota,
            GetQuotaRoot { .. } => K::GetQuotaRoot,
            SetQuota { .. } => K::SetQuota,
            GetAcl { .. } => K::GetAcl,
            SetAcl { .. } => K::SetAcl,
            DeleteAcl { .. } => K::DeleteAcl,
            ListRights { .. } => K::ListRights,
            MyRights { .. } => K::MyRights,
            CancelUpdate { .. } => K::CancelUpdate,
            Notify(_) => K::Notify,
            Metadata(MetadataCommand::Get { .. }) => K::GetMetadata,
            Metadata(MetadataCommand::Set { .. }) => K::SetMetadata,
            GenUrlAuth { .. } => K::GenUrlAuth,
            ResetKey { .. } => K::ResetKey,
            UrlFetch { .. } => K::UrlFetch,
        }
    }

    /// The command's name, from the command table (`UID` forms give
    /// `UID FETCH` etc.).
    pub fn name(&self) -> &'static str {
        self.kind().name()
    }

    /// True for the `UID` forms (whose sets are UIDs, not sequence numbers).
    pub fn is_uid(&self) -> bool {
        self.kind().is_uid()
    }
}
