//! Response codes (RFC 3501 7.1, RFC 5530, and the extensions that add
//! their own), and the one place they are written: `[NAME args]`.

use super::{write_num, write_string};

/// A response code: what a client acts on in an OK, NO or BAD, apart from
/// the text meant for people.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Code {
    /// `ALERT` (RFC 3501): the text must be shown to the user.
    Alert,
    /// `ALREADYEXISTS` (RFC 5530).
    AlreadyExists,
    /// `APPENDUID validity uids` (RFC 4315); UIDs in the order appended.
    AppendUid(u32, Vec<u32>),
    /// `AUTHENTICATIONFAILED` (RFC 5530).
    AuthenticationFailed,
    /// `BADCHARSET (names)` (RFC 3501): the charsets that are supported.
    BadCharset(&'static [&'static str]),
    /// `BADEVENT (names)` (RFC 5465): the events that are supported.
    BadEvent(&'static str),
    /// `BADURL url` (RFC 4469); the URL as it may be shown (may be empty).
    BadUrl(String),
    /// `CANNOT` (RFC 5530).
    Cannot,
    /// `CAPABILITY caps` (RFC 3501).
    Capability(String),
    /// `CLOSED` (RFC 7162): the previous mailbox is closed.
    Closed,
    /// `COMPRESSIONACTIVE` (RFC 4978).
    CompressionActive,
    /// `COPYUID validity from to` (RFC 4315); each list in its order.
    CopyUid(u32, Vec<u32>, Vec<u32>),
    /// `EXPUNGEISSUED` (RFC 5530).
    ExpungeIssued,
    /// `HIGHESTMODSEQ n` (RFC 7162).
    HighestModSeq(u64),
    /// `INUSE` (RFC 5530).
    InUse,
    /// `LIMIT` (RFC 5530).
    Limit,
    /// `MAILBOXID (id)` (RFC 8474).
    MailboxId(String),
    /// `METADATA LONGENTRIES n` (RFC 5464).
    MetadataLongEntries(u64),
    /// `METADATA MAXSIZE n` (RFC 5464).
    MetadataMaxSize(u64),
    /// `METADATA TOOMANY` (RFC 5464).
    MetadataTooMany,
    /// `MODIFIED set` (RFC 7162); the numbers sorted ascending.
    Modified(Vec<u32>),
    /// `NOMODSEQ` (RFC 7162).
    NoModSeq,
    /// `NONEXISTENT` (RFC 5530).
    NonExistent,
    /// `NOPERM` (RFC 5530).
    NoPerm,
    /// `NOTIFICATIONOVERFLOW` (RFC 5465).
    NotificationOverflow,
    /// `NOUPDATE "tag"` (RFC 5267).
    NoUpdate(String),
    /// `OVERQUOTA` (RFC 5530).
    OverQuota,
    /// `PRIVACYREQUIRED` (RFC 5530).
    PrivacyRequired,
    /// `READ-ONLY` (RFC 3501).
    ReadOnly,
    /// `READ-WRITE` (RFC 3501).
    ReadWrite,
    /// `REFERRAL url` (RFC 2221).
    Referral(String),
    /// `SERVERBUG` (RFC 5530).
    ServerBug,
    /// `TOOBIG` (RFC 4469, RFC 7889).
    TooBig,
    /// `TRYCREATE` (RFC 3501).
    TryCreate,
    /// `UIDNEXT n` (RFC 3501).
    UidNext(u32),
    /// `UIDVALIDITY n` (RFC 3501).
    UidValidity(u32),
    /// `UNAVAILABLE` (RFC 5530).
    Unavailable,
    /// `UNKNOWN-CTE` (RFC 3516).
    UnknownCte,
    /// `UNSEEN n` (RFC 3501).
    Unseen(u32),
    /// `URLMECH mechanisms` (RFC 4467).
    UrlMech(&'static str),
    /// `USEATTR` (RFC 6154).
    UseAttr,
}

impl Code {
    /// The code's name, as written on the wire.
    pub fn name(&self) -> &'static str {
        use Code::*;
        match self {
            Alert => "ALERT",
            AlreadyExists => "ALREADYEXISTS",
            AppendUid(..) => "APPENDUID",
            AuthenticationFailed => "AUTHENTICATIONFAILED",
            BadCharset(_) => "BADCHARSET",
            BadEvent(_) => "BADEVENT",
            BadUrl(_) => "BADURL",
            Cannot => "CANNOT",
            Capability(_) => "CAPABILITY",
            Closed => "CLOSED",
            CompressionActive => "COMPRESSIONACTIVE",
            CopyUid(..) => "COPYUID",
            ExpungeIssued => "EXPUNGEISSUED",
            HighestModSeq(_) => "HIGHESTMODSEQ",
            InUse => "INUSE",
            Limit => "LIMIT",
            MailboxId(_) => "MAILBOXID",
            MetadataLongEntries(_) => "METADATA LONGENTRIES",
            MetadataMaxSize(_) => "METADATA MAXSIZE",
            MetadataTooMany => "METADATA TOOMANY",
            Modified(_) => "MODIFIED",
            NoModSeq => "NOMODSEQ",
            NonExistent => "NONEXISTENT",
            NoPerm => "NOPERM",
            NotificationOverflow => "NOTIFICATIONOVERFLOW",
            NoUpdate(_) => "NOUPDATE",
            OverQuota => "OVERQUOTA",
            PrivacyRequired => "PRIVACYREQUIRED",
            ReadOnly => "READ-ONLY",
            ReadWrite => "READ-WRITE",
            Referral(_) => "REFERRAL",
            ServerBug => "SERVERBUG",
            TooBig => "TOOBIG",
            TryCreate => "TRYCREATE",
            UidNext(_) => "UIDNEXT",
            UidValidity(_) => "UIDVALIDITY",
            Unavailable => "UNAVAILABLE",
            UnknownCte => "UNKNOWN-CTE",
            Unseen(_) => "UNSEEN",
            UrlMech(_) => "URLMECH",
            UseAttr => "USEATTR",
        }
    }

    /// Appends `[NAME args]`.
    pub fn render(&self, out: &mut Vec<u8>) {
        use Code::*;
        out.push(b'[');
        out.extend_from_slice(self.name().as_bytes());
        match self {
            AppendUid(validity, uids) => {
                out.push(b' ');
                write_num(out, u64::from(*validity));
                out.push(b' ');
                write_runs(out, uids);
            }
            CopyUid(validity, from, to) => {
                out.push(b' ');
                write_num(out, u64::from(*validity));
                out.push(b' ');
                write_runs(out, from);
                out.push(b' ');
                write_runs(out, to);
            }
            BadCharset(names) => {
                out.extend_from_slice(b" (");
                out.extend_from_slice(names.join(" ").as_bytes());
                out.push(b')');
            }
            BadEvent(names) => {
                out.extend_from_slice(b" (");
                out.extend_from_slice(names.as_bytes());
                out.push(b')');
            }
            BadUrl(text) | Capability(text) | Referral(text) => {
                out.push(b' ');
                out.extend_from_slice(text.as_bytes());
            }
            UrlMech(text) => {
                out.push(b' ');
                out.extend_from_slice(text.as_bytes());
            }
            MailboxId(id) => {
                out.extend_from_slice(b" (");
                out.extend_from_slice(id.as_bytes());
                out.push(b')');
            }
            HighestModSeq(n) | MetadataLongEntries(n) | MetadataMaxSize(n) => {
                out.push(b' ');
                write_num(out, *n);
            }
            UidNext(n) | UidValidity(n) | Unseen(n) => {
                out.push(b' ');
                write_num(out, u64::from(*n));
            }
            Modified(numbers) => {
                out.push(b' ');
                super::super::untagged::write_set(out, &super::super::untagged::ranges_of(numbers));
            }
            NoUpdate(tag) => {
                out.push(b' ');
                write_string(out, tag.as_bytes());
            }
            _ => {}
        }
        out.push(b']');
    }
}

/// Appends UIDs in their order, runs of consecutive ones as `a:b`
/// (`1:3,5`): the form of UIDPLUS's sets, where order pairs source and
/// destination UIDs.
pub fn write_runs(out: &mut Vec<u8>, uids: &[u32]) {
    let mut i = 0;
    while i < uids.len() {
        if i > 0 {
            out.push(b',');
        }
        let start = uids[i];
        let mut end = start;
        while i + 1 < uids.len() && end.checked_add(1) == Some(uids[i + 1]) {
            end += 1;
            i += 1;
        }
        write_num(out, u64::from(start));
        if start != end {
            out.push(b':');
            write_num(out, u64::from(end));
        }
        i += 1;
    }
}
