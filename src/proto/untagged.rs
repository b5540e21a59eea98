//! Typed server responses and their wire form. What a session negotiated
//! (IMAP4rev2, UTF8=ACCEPT, QRESYNC) changes how some of them are written;
//! [`Dialect`] carries that, and [`Response::render`] is the one place
//! that applies it, so no handler needs to know.

use super::response::write_astring;
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
        let mut words: Vec<&str> = self.names.iter().map(String::as_str).collect();
        if self.recent && !d.rev2 {
            words.push("\\Recent");
        }
        if self.star {
            words.push("\\*");
        }
        out.extend_from_slice(words.join(" ").as_bytes());
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
    fn word(self) -> &'static str {
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
    /// `* OK|NO|BAD [code] text`; the code, if any, leads the text.
    Condition(Status, String),
    /// Any other untagged data, already encoded (without `* ` and CRLF).
    Raw(Vec<u8>),
    /// `+ text`
    Continuation(String),
    /// `tag OK|NO|BAD text`
    Tagged(String, Status, String),
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
            Response::Tagged(tag, status, text) => {
                out.extend_from_slice(tag.as_bytes());
                out.push(b' ');
                out.extend_from_slice(status.word().as_bytes());
                out.push(b' ');
                out.extend_from_slice(text.as_bytes());
            }
            Response::Recent(_) if d.rev2 => return,
            Response::Expunged(gone) if d.qresync => {
                if gone.is_empty() {
                    return;
                }
                let mut uids: Vec<u32> = gone.iter().map(|&(_, u)| u).collect();
                uids.sort_unstable();
                out.extend_from_slice(format!("* VANISHED {}", set_text(&ranges_of(&uids))).as_bytes());
            }
            Response::Expunged(gone) => {
                for (i, (seq, _)) in gone.iter().enumerate() {
                    if i > 0 {
                        out.extend_from_slice(b"\r\n");
                    }
                    out.extend_from_slice(format!("* {seq} EXPUNGE").as_bytes());
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

    fn render_untagged(&self, d: &Dialect, out: &mut Vec<u8>) {
        let mut text = |s: String| out.extend_from_slice(s.as_bytes());
        match self {
            Response::Exists(n) => text(format!("{n} EXISTS")),
            Response::Recent(n) => text(format!("{n} RECENT")),
            Response::Vanished { earlier, uids } => {
                text(format!("VANISHED {}{}", if *earlier { "(EARLIER) " } else { "" }, set_text(uids)))
            }
            Response::Capability(caps) => text(format!("CAPABILITY {caps}")),
            Response::Enabled(caps) => {
                text(format!("ENABLED{}", caps.iter().map(|c| format!(" {c}")).collect::<String>()))
            }
            Response::Bye(t) => text(format!("BYE {t}")),
            Response::Condition(status, t) => text(format!("{} {t}", status.word())),
            Response::Raw(bytes) => out.extend_from_slice(bytes),
            Response::FetchFlags(seq, items) => {
                out.extend_from_slice(format!("{seq} FETCH (").as_bytes());
                for (i, item) in items.iter().enumerate() {
                    if i > 0 {
                        out.push(b' ');
                    }
                    match item {
                        FetchItem::Uid(u) => out.extend_from_slice(format!("UID {u}").as_bytes()),
                        FetchItem::Flags(f) => {
                            out.extend_from_slice(b"FLAGS ");
                            f.render(d, out);
                        }
                        FetchItem::ModSeq(m) => out.extend_from_slice(format!("MODSEQ ({m})").as_bytes()),
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
                out.extend_from_slice(format!("] {t}").as_bytes());
            }
            Response::List { lsub, attributes, delimiter, name, extra } => {
                out.extend_from_slice(if *lsub { b"LSUB (" } else { b"LIST (" });
                out.extend_from_slice(attributes.join(" ").as_bytes());
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
                out.extend_from_slice(format!(" ({items})").as_bytes());
            }
            Response::Search { tag, uid, numbers, modseq } if d.rev2 => {
                out.extend_from_slice(b"ESEARCH (TAG ");
                write_quoted_utf8(out, tag.as_bytes());
                out.push(b')');
                if *uid {
                    out.extend_from_slice(b" UID");
                }
                if !numbers.is_empty() {
                    out.extend_from_slice(b" ALL ");
                    let mut sorted = numbers.clone();
                    sorted.sort_unstable();
                    let ranges = ranges_of(&sorted);
                    out.extend_from_slice(set_text(&ranges).as_bytes());
                    if let Some(m) = modseq {
                        out.extend_from_slice(format!(" MODSEQ {m}").as_bytes());
                    }
                }
            }
            Response::Search { numbers, modseq, .. } => {
                out.extend_from_slice(b"SEARCH");
                for n in numbers {
                    out.extend_from_slice(format!(" {n}").as_bytes());
                }
                if let (Some(m), false) = (modseq, numbers.is_empty()) {
                    out.extend_from_slice(format!(" (MODSEQ {m})").as_bytes());
                }
            }
            Response::Continuation(_) | Response::Tagged(..) | Response::Expunged(_) => {}
        }
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

/// Ranges as an IMAP sequence set (`1:3,5`); sorted input, merged here.
pub fn set_text(ranges: &[(u32, u32)]) -> String {
    let mut merged: Vec<(u32, u32)> = Vec::new();
    for &(l, h) in ranges {
        match merged.last_mut() {
            Some(last) if l <= last.1.saturating_add(1) => last.1 = last.1.max(h),
            _ => merged.push((l, h)),
        }
    }
    merged.iter().map(|&(l, h)| if l == h { l.to_string() } else { format!("{l}:{h}") }).collect::<Vec<_>>().join(",")
}

#[cfg(test)]
#[path = "untagged_tests.rs"]
mod tests;
