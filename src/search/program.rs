//! From a parsed [`SearchKey`] to a [`Program`]: search strings converted
//! from the CHARSET to UTF-8 in i;unicode-casemap form, NEW/OLD and flag keys normalised,
//! and the keys of every AND ordered cheapest first.

use crate::proto::command::SearchKey;
use crate::proto::datetime::Date;
use crate::proto::sequence::SequenceSet;
use std::fmt;
use std::time::{SystemTime, UNIX_EPOCH};

/// Charsets every search accepts without a conversion table; the list a
/// `NO [BADCHARSET (...)]` answer names.
pub const SUPPORTED_CHARSETS: &[&str] = &["UTF-8", "US-ASCII"];

/// Why a search cannot be run.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum SearchError {
    /// The CHARSET is unknown (answer `NO [BADCHARSET (UTF-8 US-ASCII)]`).
    BadCharset(String),
}

impl fmt::Display for SearchError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            SearchError::BadCharset(cs) => write!(f, "Unsupported charset {cs}"),
        }
    }
}

impl std::error::Error for SearchError {}

/// A system flag a key tests.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Flag {
    Seen,
    Answered,
    Flagged,
    Deleted,
    Draft,
    Recent,
}

/// How a date key compares a message's day with the key's day.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum DateCmp {
    Before,
    On,
    Since,
}

impl DateCmp {
    pub(crate) fn test(self, day: Date, key: Date) -> bool {
        match self {
            DateCmp::Before => day < key,
            DateCmp::On => day == key,
            DateCmp::Since => day >= key,
        }
    }
}

/// One node of a prepared search; strings are UTF-8 in i;unicode-casemap form.
#[derive(Clone, Debug)]
pub(crate) enum Node {
    All,
    And(Vec<Node>),
    Or(Box<Node>, Box<Node>),
    Not(Box<Node>),
    /// The flag must be set (`true`) or clear (`false`).
    Flag(Flag, bool),
    /// Keyword name (compared ASCII case-insensitively), set or clear.
    Keyword(String, bool),
    Internal(DateCmp, Date),
    Sent(DateCmp, Date),
    /// The save date's UTC day (RFC 8514).
    Saved(DateCmp, Date),
    Larger(u64),
    Smaller(u64),
    Seq(SequenceSet),
    Uid(SequenceSet),
    /// Internal date at least this many seconds before `now` (RFC 5032).
    Older(u32),
    /// Internal date less than this many seconds before `now` (RFC 5032).
    Younger(u32),
    ModSeq(u64),
    /// The message's EMAILID is this (RFC 8474).
    EmailId(String),
    /// A named top-level header field (lowercase name) contains the string;
    /// an empty string only asks that the field exists.
    Header(String, String),
    /// An address field (`from`, `to`, `cc`, `bcc`) contains the string in
    /// its decoded text or its parsed addresses.
    Address(&'static str, String),
    Body(String),
    Text(String),
}

impl Node {
    /// Whether this node or one below it satisfies `f`.
    fn any(&self, f: &dyn Fn(&Node) -> bool) -> bool {
        f(self)
            || match self {
                Node::And(v) => v.iter().any(|n| n.any(f)),
                Node::Or(a, b) => a.any(f) || b.any(f),
                Node::Not(a) => a.any(f),
                _ => false,
            }
    }

    /// Rough cost of testing this node: 0 metadata, 1 header, 2 body.
    fn cost(&self) -> u8 {
        match self {
            Node::And(v) => v.iter().map(Node::cost).max().unwrap_or(0),
            Node::Or(a, b) => a.cost().max(b.cost()),
            Node::Not(a) => a.cost(),
            Node::Header(..) | Node::Address(..) | Node::Sent(..) => 1,
            Node::Body(_) | Node::Text(_) => 2,
            _ => 0,
        }
    }

    /// Adds the (lowercase) header field names this node reads.
    fn fields(&self, out: &mut Vec<String>) {
        match self {
            Node::And(v) => v.iter().for_each(|n| n.fields(out)),
            Node::Or(a, b) => {
                a.fields(out);
                b.fields(out);
            }
            Node::Not(a) => a.fields(out),
            Node::Header(name, _) => out.push(name.clone()),
            Node::Address(name, _) => out.push(name.to_string()),
            Node::Sent(..) => out.push("date".into()),
            _ => {}
        }
    }
}

/// A search ready to run against messages with [`crate::search::matches()`].
#[derive(Clone, Debug)]
pub struct Program {
    pub(crate) root: Node,
    pub(crate) now: i64,
    pub(crate) saved: Vec<u32>,
}

impl Program {
    /// True when some key reads the message (header or body); otherwise
    /// `matches` never calls [`crate::search::MessageContext::raw`].
    pub fn needs_message(&self) -> bool {
        self.root.cost() >= 1
    }

    /// True when some key reads the body (BODY, TEXT), not only the header.
    pub fn needs_body(&self) -> bool {
        self.root.cost() >= 2
    }

    /// The header fields (lowercase names) the search reads, when it reads
    /// nothing else of the message: such a search can be answered from a
    /// message's header fields alone (a cached subset of them, for one).
    pub fn header_fields(&self) -> Option<Vec<String>> {
        if self.needs_body() {
            return None;
        }
        let mut out = Vec::new();
        self.root.fields(&mut out);
        out.sort();
        out.dedup();
        Some(out)
    }

    /// True when some key reads the save date (RFC 8514 SAVED*).
    pub fn needs_save_date(&self) -> bool {
        self.root.any(&|n| matches!(n, Node::Saved(..)))
    }

    /// True when some key reads the EMAILID (RFC 8474).
    pub fn needs_email_id(&self) -> bool {
        self.root.any(&|n| matches!(n, Node::EmailId(_)))
    }

    /// True when some key reads the INTERNALDATE (BEFORE, ON, SINCE, OLDER,
    /// YOUNGER, and the SENT* keys, which fall back to it).
    pub fn needs_internal_date(&self) -> bool {
        fn walk(n: &Node) -> bool {
            match n {
                Node::And(v) => v.iter().any(walk),
                Node::Or(a, b) => walk(a) || walk(b),
                Node::Not(a) => walk(a),
                Node::Internal(..) | Node::Older(_) | Node::Younger(_) | Node::Sent(..) => true,
                _ => false,
            }
        }
        walk(&self.root)
    }

    /// Sets the UIDs that `$` (RFC 5182 saved result) stands for; without
    /// this `$` matches nothing.
    pub fn with_saved(mut self, uids: Vec<u32>) -> Program {
        self.saved = uids;
        self.saved.sort_unstable();
        self
    }

    /// Sets the clock that OLDER/YOUNGER measure from (seconds since the
    /// epoch); [`prepare`] uses the current time.
    pub fn with_now(mut self, now: i64) -> Program {
        self.now = now;
        self
    }
}

/// Prepares `key` for evaluation. Search strings are converted from
/// `charset` (UTF-8 when `None`) to UTF-8 and case-mapped (i;unicode-casemap); an unknown charset
/// gives [`SearchError::BadCharset`].
pub fn prepare(key: &SearchKey, charset: Option<&str>) -> Result<Program, SearchError> {
    let conv = Converter::new(charset)?;
    let now = SystemTime::now().duration_since(UNIX_EPOCH).map(|d| d.as_secs() as i64).unwrap_or(0);
    Ok(Program { root: node(key, &conv), now, saved: Vec::new() })
}

/// Search string decoding for one CHARSET.
enum Converter {
    Utf8,
    Table(&'static encoding_rs::Encoding),
}

impl Converter {
    fn new(charset: Option<&str>) -> Result<Converter, SearchError> {
        let Some(cs) = charset else {
            return Ok(Converter::Utf8);
        };
        let name = cs.trim();
        if name.eq_ignore_ascii_case("utf-8")
            || name.eq_ignore_ascii_case("utf8")
            || name.eq_ignore_ascii_case("us-ascii")
            || name.eq_ignore_ascii_case("ascii")
        {
            return Ok(Converter::Utf8);
        }
        match encoding_rs::Encoding::for_label(name.as_bytes()) {
            Some(enc) if enc == encoding_rs::UTF_8 => Ok(Converter::Utf8),
            // "replacement" is WHATWG's label for charsets that must never
            // be decoded (ISO-2022-KR, HZ...): as unknown as it gets.
            Some(enc) if enc == encoding_rs::REPLACEMENT => Err(SearchError::BadCharset(cs.to_string())),
            Some(enc) => Ok(Converter::Table(enc)),
            None => Err(SearchError::BadCharset(cs.to_string())),
        }
    }

    /// The UTF-8 form of a search string in i;unicode-casemap form, as
    /// the searched text (`text::fold`); invalid bytes become U+FFFD,
    /// which then simply matches nothing.
    fn text(&self, bytes: &[u8]) -> String {
        let s = match self {
            Converter::Utf8 => String::from_utf8_lossy(bytes).into_owned(),
            Converter::Table(enc) => enc.decode_without_bom_handling(bytes).0.into_owned(),
        };
        super::text::fold(s)
    }
}

fn flag_name(name: &str) -> Option<Flag> {
    Some(match name.to_ascii_lowercase().as_str() {
        "\\seen" => Flag::Seen,
        "\\answered" => Flag::Answered,
        "\\flagged" => Flag::Flagged,
        "\\deleted" => Flag::Deleted,
        "\\draft" => Flag::Draft,
        "\\recent" => Flag::Recent,
        _ => return None,
    })
}

fn keyword(name: &str, set: bool) -> Node {
    match flag_name(name) {
        Some(f) => Node::Flag(f, set),
        None => Node::Keyword(name.to_string(), set),
    }
}

fn node(key: &SearchKey, c: &Converter) -> Node {
    use SearchKey as K;
    let t = |b: &Vec<u8>| c.text(b);
    match key {
        K::And(keys) => {
            let mut v: Vec<Node> = keys.iter().map(|k| node(k, c)).collect();
            // Stable: equal-cost keys keep the client's order.
            v.sort_by_key(Node::cost);
            Node::And(v)
        }
        K::All => Node::All,
        K::Answered => Node::Flag(Flag::Answered, true),
        K::Bcc(s) => Node::Address("bcc", t(s)),
        K::Before(d) => Node::Internal(DateCmp::Before, *d),
        K::Body(s) => Node::Body(t(s)),
        K::Cc(s) => Node::Address("cc", t(s)),
        K::Deleted => Node::Flag(Flag::Deleted, true),
        K::Draft => Node::Flag(Flag::Draft, true),
        K::Flagged => Node::Flag(Flag::Flagged, true),
        K::From(s) => Node::Address("from", t(s)),
        K::Header(name, s) => Node::Header(String::from_utf8_lossy(name).to_ascii_lowercase(), t(s)),
        K::Keyword(k) => keyword(k, true),
        K::Larger(n) => Node::Larger(u64::from(*n)),
        K::New => Node::And(vec![Node::Flag(Flag::Recent, true), Node::Flag(Flag::Seen, false)]),
        K::Not(k) => Node::Not(Box::new(node(k, c))),
        K::Old => Node::Flag(Flag::Recent, false),
        K::Older(n) => Node::Older(*n),
        K::On(d) => Node::Internal(DateCmp::On, *d),
        K::Or(a, b) => {
            let (mut a, mut b) = (node(a, c), node(b, c));
            if b.cost() < a.cost() {
                std::mem::swap(&mut a, &mut b);
            }
            Node::Or(Box::new(a), Box::new(b))
        }
        K::Recent => Node::Flag(Flag::Recent, true),
        K::Seen => Node::Flag(Flag::Seen, true),
        K::SentBefore(d) => Node::Sent(DateCmp::Before, *d),
        K::SentOn(d) => Node::Sent(DateCmp::On, *d),
        K::SentSince(d) => Node::Sent(DateCmp::Since, *d),
        K::SavedBefore(d) => Node::Saved(DateCmp::Before, *d),
        K::SavedOn(d) => Node::Saved(DateCmp::On, *d),
        K::SavedSince(d) => Node::Saved(DateCmp::Since, *d),
        // Every mailbox has save dates (see `MessageContext::save_date`).
        K::SaveDateSupported => Node::All,
        K::EmailId(id) => Node::EmailId(id.clone()),
        // No message has a THREADID (FETCH THREADID is NIL, RFC 8474 5.2).
        K::ThreadId(_) => Node::Not(Box::new(Node::All)),
        K::SequenceSet(s) => Node::Seq(s.clone()),
        K::Since(d) => Node::Internal(DateCmp::Since, *d),
        K::Smaller(n) => Node::Smaller(u64::from(*n)),
        K::Subject(s) => Node::Header("subject".to_string(), t(s)),
        K::Text(s) => Node::Text(t(s)),
        K::To(s) => Node::Address("to", t(s)),
        K::Uid(s) => Node::Uid(s.clone()),
        K::Unanswered => Node::Flag(Flag::Answered, false),
        K::Undeleted => Node::Flag(Flag::Deleted, false),
        K::Undraft => Node::Flag(Flag::Draft, false),
        K::Unflagged => Node::Flag(Flag::Flagged, false),
        K::Unkeyword(k) => keyword(k, false),
        K::Unseen => Node::Flag(Flag::Seen, false),
        K::Younger(n) => Node::Younger(*n),
        // The entry (per-flag mod-sequence) is not tracked separately: the
        // message's mod-sequence bounds every flag's, as RFC 7162 allows.
        K::ModSeq { modseq, .. } => Node::ModSeq(*modseq),
    }
}
