//! Typed server responses and their wire form. What a session negotiated
//! (IMAP4rev2, UTF8=ACCEPT, QRESYNC) changes how some of them are written;
//! [`Dialect`] carries that, and [`Response::render`] is the one place
//! that applies it, so no handler needs to know.

use super::response::{write_astring, write_num, Reply};
use super::utf7;

/// What the session switched on that changes the wire form of responses.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Dialect {
    /// `ENABLE IMAP4rev2` (RFC 9051): no `\Recent`, no RECENT, ESEARCH
    /// answers to SEARCH, UTF-8 mailbox names and quoted strings.
    pub rev2: bool,
    /// `ENABLE UTF8=ACCEPT` (RFC 6855): UTF-8 mailbox names and quoted strings.
    pub utf8: bool,
    /// `ENABLE QRESYNC` (RFC 7162): VANISHED instead of EXPUNGE.
    pub qresync: bool,
}

impl Dialect {
    /// True when mailbox names and quoted strings may carry UTF-8.
    pub fn utf8_names(&self) -> bool {
        self.rev2 || self.utf8
    }
}

/// A list of message or mailbox flags; `\Recent` is kept apart because
/// IMAP4rev2 removed it (RFC 9051 appendix E, item 5).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct FlagList {
    /// Flag names as the client sees them (`\Seen`, `$Forwarded`, keywords).
    pub names: Vec<String>,
    /// `\Recent` is set (written for IMAP4rev1 sessions only).
    pub recent: bool,
    /// `\*` closes the list (PERMANENTFLAGS: new keywords may be made).
    pub star: bool,
}

impl FlagList {
    /// Appends `(...)`, `\\Recent` only for IMAP4rev1.
    pub fn render(&self, d: &Dialect, out: &mut Vec<u8>) {
        out.push(b'(');
        let recent = (self.recent && !d.rev2).then_some("\\Recent");
        let star = self.star.then_some("\\*");
        let words = self.names.iter().map(String::as_str).chain(recent).chain(star);
        for (i, word) in words.enumerate() {
            if i > 0 {
                out.push(b' ');
            }
            out.extend_from_slice(word.as_bytes());
        }
        out.push(b')');
    }
}

/// An item of a [`Response::FetchFlags`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum FetchItem {
    /// `UID u`
    Uid(u32),
    /// `FLAGS (...)`
    Flags(FlagList),
    /// `MODSEQ (m)`
    ModSeq(u64),
}

/// The status word of an untagged or tagged condition response.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Status {
    /// `OK`
    Ok,
    /// `NO`
    No,
    /// `BAD`
    Bad,
}

impl Status {
    /// `OK`, `NO` or `BAD`.
    pub fn word(self) -> &'static str {
        match self {
            Status::Ok => "OK",
            Status::No => "NO",
            Status::Bad => "BAD",
        }
    }
}

/// One server response.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Response {
    /// `* n EXISTS`
    Exists(u32),
    /// `* n RECENT`; not sent at all to an IMAP4rev2 session.
    Recent(u32),
    /// Messages gone from the view, as (sequence number, UID) in the order
    /// they were removed (each sequence number counts the removals before
    /// it): one `* n EXPUNGE` each, or for a QRESYNC session one
    /// `* VANISHED uids` (RFC 7162 3.2.10).
    Expunged(Vec<(u32, u32)>),
    /// `* VANISHED [(EARLIER)] uid-set` (RFC 7162 3.2.10), from UID ranges.
    Vanished {
        /// `(EARLIER)`: the answer to a QRESYNC SELECT or UID FETCH VANISHED.
        earlier: bool,
        /// The UIDs, as sorted inclusive ranges.
        uids: Vec<(u32, u32)>,
    },
    /// `* n FETCH (UID u FLAGS (...) MODSEQ (m))`: a flag change, the
    /// items in the order given.
    FetchFlags(u32, Vec<FetchItem>),
    /// `* FLAGS (...)`: the flags of the selected mailbox.
    Flags(FlagList),
    /// `* OK [PERMANENTFLAGS (...)] text`.
    PermanentFlags(FlagList, String),
    /// `* LIST (attrs) "/" name extra` or `* LSUB ...`. `extra` is written
    /// after the name as given (LIST-EXTENDED's CHILDINFO, for instance).
    List {
        /// LSUB instead of LIST.
        lsub: bool,
        /// Name attributes, `\HasNoChildren` and the like.
        attributes: Vec<String>,
        /// The hierarchy delimiter, `None` for NIL.
        delimiter: Option<char>,
        /// The mailbox name (UTF-8, as the store and view hold it).
        name: String,
        /// Already encoded extended data, starting with its space.
        extra: Vec<u8>,
    },
    /// `* STATUS name (items)`; `items` is the encoded inside of the list.
    Status {
        /// The mailbox name (UTF-8).
        name: String,
        /// `MESSAGES 3 UIDNEXT 9`...
        items: String,
    },
    /// The answer to a SEARCH without RETURN: `* SEARCH 1 2 (MODSEQ m)` for
    /// IMAP4rev1, `* ESEARCH (TAG "t") [UID] ALL 1:2 [MODSEQ m]` for
    /// IMAP4rev2 (RFC 9051 6.4.4: no RETURN means RETURN (ALL)).
    Search {
        /// The command's tag (ESEARCH correlates by it).
        tag: String,
        /// UID SEARCH.
        uid: bool,
        /// The matching numbers, ascending.
        numbers: Vec<u32>,
        /// The highest mod-sequence of the matches (CONDSTORE's MODSEQ key).
        modseq: Option<u64>,
    },
    /// `* CAPABILITY ...`
    Capability(String),
    /// `* ENABLED ...`
    Enabled(Vec<String>),
    /// `* BYE text`
    Bye(String),
    /// `* OK|NO|BAD [code] text`: an untagged condition.
    Condition(Reply),
    /// `* ID ("name" "value" ...)` (RFC 2971): what the server says of itself.
    Id(&'static [(&'static str, &'static str)]),
    /// `* NAMESPACE ...` (RFC 2342): tegami's three namespaces, which do not change.
    Namespace,
    /// `* ACL mailbox identifier rights ...` (RFC 4314 3.6).
    Acl {
        /// The mailbox name (UTF-8).
        mailbox: String,
        /// (identifier, rights) pairs in the order given.
        entries: Vec<(String, String)>,
    },
    /// `* LISTRIGHTS mailbox identifier required optional...` (RFC 4314 3.7).
    ListRights {
        /// The mailbox name (UTF-8).
        mailbox: String,
        /// The identifier as the client gave it.
        identifier: Vec<u8>,
        /// The identifier is the mailbox's owner (who always holds `l` and `a`).
        owner: bool,
    },
    /// `* MYRIGHTS mailbox rights` (RFC 4314 3.8).
    MyRights {
        /// The mailbox name (UTF-8).
        mailbox: String,
        /// The rights, as letters.
        rights: String,
    },
    /// `* QUOTAROOT mailbox root` (RFC 9208 5.2).
    QuotaRoot {
        /// The mailbox name (UTF-8).
        mailbox: String,
        /// The quota root's name.
        root: String,
    },
    /// `* QUOTA root (resource usage limit ...)` (RFC 9208 5.1).
    Quota {
        /// The quota root's name.
        root: String,
        /// (resource name, usage, limit) triples.
        resources: Vec<(&'static str, u64, u64)>,
    },
    /// `* METADATA mailbox (entry value ...)` (RFC 5464 4.4.1).
    Metadata {
        /// The mailbox name (UTF-8), empty for the server's entries.
        mailbox: String,
        /// Entry names and values (`None` for NIL).
        entries: Vec<(String, Option<Vec<u8>>)>,
    },
    /// `* GENURLAUTH url ...` (RFC 4467 7.1): the URLs with their tokens.
    GenUrlAuth(Vec<Vec<u8>>),
    /// `* SORT n ...` (RFC 5256): the numbers in sorted order.
    Sort(Vec<u32>),
    /// `* THREAD ...` (RFC 5256), as the thread module encodes it (from
    /// the word THREAD on).
    Thread(String),
    /// `* ESEARCH ...` (RFC 4731, ESORT and CONTEXT's ADDTO and REMOVEFROM),
    /// as the search module encodes it (from the word ESEARCH on).
    Esearch(String),
    /// `+ text`
    Continuation(String),
    /// `tag OK|NO|BAD [code] text`
    Tagged(String, Reply),
}

impl Response {
    /// Appends the wire form of the response, CRLF included. Some
    /// responses have none for some dialects (RECENT in IMAP4rev2); then
    /// nothing is appended.
    pub fn render(&self, d: &Dialect, out: &mut Vec<u8>) {
        let start = out.len();
        match self {
            Response::Continuation(text) => {
                out.extend_from_slice(b"+ ");
                out.extend_from_slice(text.as_bytes());
            }
            Response::Tagged(tag, reply) => {
                out.extend_from_slice(tag.as_bytes());
                out.push(b' ');
                reply.render(out);
            }
            Response::Recent(_) if d.rev2 => return,
            Response::Expunged(gone) if d.qresync => {
                if gone.is_empty() {
                    return;
                }
                let mut uids: Vec<u32> = gone.iter().map(|&(_, u)| u).collect();
                uids.sort_unstable();
                out.extend_from_slice(b"* VANISHED ");
                write_set(out, &ranges_of(&uids));
            }
            Response::Expunged(gone) => {
                for (i, (seq, _)) in gone.iter().enumerate() {
                    if i > 0 {
                        out.extend_from_slice(b"\r\n");
                    }
                    out.extend_from_slice(b"* ");
                    write_num(out, u64::from(*seq));
                    out.extend_from_slice(b" EXPUNGE");
                }
            }
            untagged => {
                out.extend_from_slice(b"* ");
                untagged.render_untagged(d, out);
            }
        }
        if out.len() > start {
            out.extend_from_slice(b"\r\n");
        }
    }

    /// The untagged responses whose form the dialect changes, or that are
    /// state of the mailbox; the others go on to [`Response::render_data`].
    fn render_untagged(&self, d: &Dialect, out: &mut Vec<u8>) {
        let words = |out: &mut Vec<u8>, n: u32, word: &[u8]| {
            write_num(out, u64::from(n));
            out.extend_from_slice(word);
        };
        match self {
            Response::Exists(n) => words(out, *n, b" EXISTS"),
            Response::Recent(n) => words(out, *n, b" RECENT"),
            Response::Vanished { earlier, uids } => {
                out.extend_from_slice(if *earlier { b"VANISHED (EARLIER) " } else { b"VANISHED " });
                write_set(out, uids);
            }
            Response::FetchFlags(seq, items) => {
                words(out, *seq, b" FETCH (");
                for (i, item) in items.iter().enumerate() {
                    if i > 0 {
                        out.push(b' ');
                    }
                    match item {
                        FetchItem::Uid(u) => {
                            out.extend_from_slice(b"UID ");
                            write_num(out, u64::from(*u));
                        }
                        FetchItem::Flags(f) => {
                            out.extend_from_slice(b"FLAGS ");
                            f.render(d, out);
                        }
                        FetchItem::ModSeq(m) => {
                            out.extend_from_slice(b"MODSEQ (");
                            write_num(out, *m);
                            out.push(b')');
                        }
                    }
                }
                out.push(b')');
            }
            Response::Flags(f) => {
                out.extend_from_slice(b"FLAGS ");
                f.render(d, out);
            }
            Response::PermanentFlags(f, t) => {
                out.extend_from_slice(b"OK [PERMANENTFLAGS ");
                f.render(d, out);
                out.extend_from_slice(b"] ");
                out.extend_from_slice(t.as_bytes());
            }
            Response::List { lsub, attributes, delimiter, name, extra } => {
                out.extend_from_slice(if *lsub { b"LSUB (" } else { b"LIST (" });
                join(out, attributes.iter().map(|a| a.as_bytes()));
                out.extend_from_slice(b") ");
                match delimiter {
                    Some(c) => write_quoted_char(out, *c),
                    None => out.extend_from_slice(b"NIL"),
                }
                out.push(b' ');
                write_mailbox(d, out, name);
                out.extend_from_slice(extra);
            }
            Response::Status { name, items } => {
                out.extend_from_slice(b"STATUS ");
                write_mailbox(d, out, name);
                out.extend_from_slice(b" (");
                out.extend_from_slice(items.as_bytes());
                out.push(b')');
            }
            Response::Search { tag, uid, numbers, modseq } => data::render_search(d, out, tag, *uid, numbers, *modseq),
            other => other.render_data(d, out),
        }
    }
}

/// Appends words separated by single spaces.
fn join<'a>(out: &mut Vec<u8>, words: impl Iterator<Item = &'a [u8]>) {
    for (i, w) in words.enumerate() {
        if i > 0 {
            out.push(b' ');
        }
        out.extend_from_slice(w);
    }
}

/// Appends a mailbox name as an astring: modified UTF-7 (RFC 3501 5.1.3)
/// unless the session takes UTF-8 names (RFC 6855 3, RFC 9051 5.1).
pub fn write_mailbox(d: &Dialect, out: &mut Vec<u8>, name: &str) {
    if !d.utf8_names() {
        write_astring(out, utf7::encode(name).as_bytes());
    } else if name.is_ascii() {
        // `&` is just `&` in a UTF-8 name.
        write_astring(out, name.as_bytes());
    } else {
        // Atoms stay 7-bit; only quoted strings take UTF-8 (RFC 9051
        // `QUOTED-CHAR`, RFC 6855 3).
        write_quoted_utf8(out, name.as_bytes());
    }
}

/// Appends a quoted string that may hold UTF-8 (RFC 9051 `QUOTED-CHAR`);
/// a name with CR, LF or NUL cannot be quoted and becomes a literal.
fn write_quoted_utf8(out: &mut Vec<u8>, s: &[u8]) {
    if s.iter().any(|&b| b == 0 || b == b'\r' || b == b'\n') {
        super::response::write_literal(out, s);
        return;
    }
    out.push(b'"');
    for &b in s {
        if b == b'"' || b == b'\\' {
            out.push(b'\\');
        }
        out.push(b);
    }
    out.push(b'"');
}

fn write_quoted_char(out: &mut Vec<u8>, c: char) {
    let mut buf = [0; 4];
    write_quoted_utf8(out, c.encode_utf8(&mut buf).as_bytes());
}

/// Sorted numbers as ranges.
pub fn ranges_of(numbers: &[u32]) -> Vec<(u32, u32)> {
    let mut out: Vec<(u32, u32)> = Vec::new();
    for &u in numbers {
        match out.last_mut() {
            Some(last) if last.1.checked_add(1) == Some(u) => last.1 = u,
            Some(last) if last.1 >= u => {}
            _ => out.push((u, u)),
        }
    }
    out
}

/// Appends ranges as an IMAP sequence set (`1:3,5`); sorted input,
/// overlapping and adjacent ranges merged here.
pub fn write_set(out: &mut Vec<u8>, ranges: &[(u32, u32)]) {
    let mut current: Option<(u32, u32)> = None;
    let mut first = true;
    let mut put = |out: &mut Vec<u8>, (l, h): (u32, u32)| {
        if !first {
            out.push(b',');
        }
        first = false;
        write_num(out, u64::from(l));
        if l != h {
            out.push(b':');
            write_num(out, u64::from(h));
        }
    };
    for &(l, h) in ranges {
        match current.as_mut() {
            Some(c) if l <= c.1.saturating_add(1) => c.1 = c.1.max(h),
            Some(c) => {
                put(out, *c);
                current = Some((l, h));
            }
            None => current = Some((l, h)),
        }
    }
    if let Some(c) = current {
        put(out, c);
    }
}

/// Ranges as an IMAP sequence set (`1:3,5`); sorted input, merged here.
pub fn set_text(ranges: &[(u32, u32)]) -> String {
    let mut out = Vec::new();
    write_set(&mut out, ranges);
    String::from_utf8(out).unwrap_or_default()
}

#[path = "untagged_data.rs"]
mod data;

#[cfg(test)]
#[path = "untagged_tests.rs"]
mod tests;
