//! The plan of a FETCH, made once before any message is read (Dovecot's
//! `imap_fetch_init_handler` step): what the items need read (nothing
//! beyond the view, cached values, the header block, the whole file, a
//! MIME tree) and the echoed name of each item. Which messages, and the
//! items implied by the command, the FETCH handler decides.

use std::sync::Arc;

use super::items::{self, Handler};
use super::write::{push_origin, push_part_name, section_name};
use crate::budget::Budget;
use crate::fetch::section::header_only;
use crate::mail::cached;
use crate::proto::command::FetchAttr;
use crate::proto::section::Section;
use crate::proto::untagged::Dialect;
use crate::store::MailboxShared;

/// What a FETCH does for each message it answers.
pub struct Plan {
    /// The items, deduplicated, implied ones added.
    pub items: Vec<FetchAttr>,
    /// Per item: its handler and the name it is echoed with (`BODY[1.2]<0> `).
    pub(super) handlers: Vec<(Handler, Vec<u8>)>,
    /// The cache fields the items read, sorted, each once.
    pub fields: Vec<u8>,
    /// RFC822.SIZE is asked for (cached for files without `,W=`).
    pub wants_size: bool,
    /// Some item needs the message text and is never cached: the file is
    /// read for every message.
    pub needs_file: bool,
    /// Some item needs the message's MIME tree (a part number, BINARY of
    /// a part); header-only sections never do.
    pub needs_tree: bool,
    /// INTERNALDATE is asked for.
    pub wants_date: bool,
    /// SAVEDATE is asked for.
    pub wants_saved: bool,
    /// FLAGS, UID and MODSEQ among the items: a `\Seen` this FETCH sets
    /// adds those missing (RFC 3501, RFC 7162 3.1).
    pub has_flags: bool,
    /// See `has_flags`.
    pub has_uid: bool,
    /// See `has_flags`.
    pub has_modseq: bool,
    /// Some item sets `\Seen` (and the session may set it).
    pub mark_seen: bool,
    /// The session's CONDSTORE state once the items enabled it.
    pub condstore: bool,
    /// How the session's responses are written.
    pub dialect: Dialect,
    /// --max-fetch-buffer.
    pub cap: usize,
    /// --max-client-memory.
    pub budget: Arc<Budget>,
    /// The selected mailbox.
    pub mailbox: Arc<MailboxShared>,
}

impl Plan {
    /// The plan for `items` (the implied ones added, see [`implied`]) in
    /// `mailbox`; `mark_seen` when an item sets `\Seen` and the session
    /// may set it there.
    pub fn new(items: Vec<FetchAttr>, mailbox: Arc<MailboxShared>, mark_seen: bool, how: How) -> Plan {
        let (fields, needs_file, needs_tree) = reads(&items);
        Plan {
            handlers: items.iter().map(|a| (items::handler(a), head(a))).collect(),
            fields,
            wants_size: items.contains(&FetchAttr::Rfc822Size),
            needs_file,
            needs_tree,
            wants_date: items.contains(&FetchAttr::InternalDate),
            wants_saved: items.contains(&FetchAttr::SaveDate),
            has_flags: items.contains(&FetchAttr::Flags),
            has_uid: items.contains(&FetchAttr::Uid),
            has_modseq: items.contains(&FetchAttr::ModSeq),
            mark_seen,
            condstore: how.condstore,
            dialect: how.dialect,
            cap: how.cap,
            budget: how.budget,
            mailbox,
            items,
        }
    }
}

/// What a plan takes of the session.
pub struct How {
    /// CONDSTORE is on (after the items enabled it).
    pub condstore: bool,
    /// How the session's responses are written.
    pub dialect: Dialect,
    /// --max-fetch-buffer.
    pub cap: usize,
    /// --max-client-memory.
    pub budget: Arc<Budget>,
}

/// The items as a FETCH answers them: repeated ones dropped, MODSEQ
/// added by CHANGEDSINCE, UID first for UID FETCH; and whether they turn
/// CONDSTORE on (RFC 7162 3.1: CHANGEDSINCE or MODSEQ).
pub fn implied(items: &[FetchAttr], uid: bool, changed_since: Option<u64>) -> (Vec<FetchAttr>, bool) {
    let mut items = items.to_vec();
    super::super::held::dedup(&mut items);
    let condstore = changed_since.is_some() || items.contains(&FetchAttr::ModSeq);
    if condstore && !items.contains(&FetchAttr::ModSeq) {
        items.push(FetchAttr::ModSeq);
    }
    if uid && !items.contains(&FetchAttr::Uid) {
        items.insert(0, FetchAttr::Uid);
    }
    (items, condstore)
}

/// Whether an item needs the message text (not only the file name).
fn needs_text(a: &FetchAttr) -> bool {
    !matches!(
        a,
        FetchAttr::Flags
            | FetchAttr::InternalDate
            | FetchAttr::Uid
            | FetchAttr::Rfc822Size
            | FetchAttr::SaveDate
            | FetchAttr::EmailId
            | FetchAttr::ThreadId
    )
}

/// The sidecar cache field of an item whose value is costly and kept.
pub fn cache_field(a: &FetchAttr) -> Option<u8> {
    match a {
        FetchAttr::Envelope => Some(cached::ENVELOPE),
        FetchAttr::Body => Some(cached::BODY),
        FetchAttr::BodyStructure => Some(cached::BODYSTRUCTURE),
        FetchAttr::Preview { .. } | FetchAttr::Fuzzy { .. } => Some(cached::PREVIEW),
        // Read from the header block alone (see `header_block`).
        FetchAttr::Rfc822Header => Some(cached::HEADER),
        FetchAttr::BodySection { section, .. } if header_only(section) => Some(cached::HEADER),
        _ => None,
    }
}

/// Whether an item needs the message's MIME tree.
fn needs_tree(a: &FetchAttr) -> bool {
    match a {
        FetchAttr::BodySection { section, .. } => *section != Section::default() && !header_only(section),
        FetchAttr::Binary { part, .. } | FetchAttr::BinarySize { part } => !part.is_empty(),
        _ => false,
    }
}

/// What the items need read for each message: the cache fields (sorted,
/// each once), whether the file is needed whatever the cache holds, and
/// whether a MIME tree is.
fn reads(items: &[FetchAttr]) -> (Vec<u8>, bool, bool) {
    let mut fields: Vec<u8> = items.iter().filter_map(cache_field).collect();
    fields.sort_unstable();
    fields.dedup();
    let needs_file = items.iter().any(|a| needs_text(a) && cache_field(a).is_none());
    (fields, needs_file, items.iter().any(needs_tree))
}

/// The name an item is echoed with, up to its value.
fn head(a: &FetchAttr) -> Vec<u8> {
    let mut out = Vec::new();
    match a {
        FetchAttr::BodySection { section, partial, .. } => {
            out.extend_from_slice(b"BODY[");
            out.extend_from_slice(&section_name(section));
            out.push(b']');
            push_origin(&mut out, *partial);
            out.push(b' ');
        }
        FetchAttr::Binary { part, partial, .. } => {
            out.extend_from_slice(b"BINARY[");
            push_part_name(&mut out, part);
            out.push(b']');
            push_origin(&mut out, *partial);
            out.push(b' ');
        }
        FetchAttr::BinarySize { part } => {
            out.extend_from_slice(b"BINARY.SIZE[");
            push_part_name(&mut out, part);
            out.extend_from_slice(b"] ");
        }
        _ => {}
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::proto::section::SectionText;

    fn body(part: Vec<u32>, text: Option<SectionText>) -> FetchAttr {
        FetchAttr::BodySection { section: Section { part, text }, partial: None, peek: true }
    }

    /// Thunderbird's listing and every other top-level header section read
    /// the cached header block: no file, no MIME tree (issue 20). A part's
    /// header, TEXT and the whole body still read the file.
    #[test]
    fn header_sections_read_the_cache_and_build_no_tree() {
        let names: Vec<Vec<u8>> = ["From", "To", "Subject", "Received"].iter().map(|n| n.as_bytes().to_vec()).collect();
        let listing = [
            FetchAttr::Uid,
            FetchAttr::Rfc822Size,
            FetchAttr::Flags,
            body(vec![], Some(SectionText::HeaderFields(names.clone()))),
        ];
        assert_eq!(reads(&listing), (vec![cached::HEADER], false, false));
        for a in [
            FetchAttr::Rfc822Header,
            body(vec![], Some(SectionText::Header)),
            body(vec![], Some(SectionText::HeaderFieldsNot(names.clone()))),
        ] {
            assert_eq!(reads(&[FetchAttr::Uid, a.clone()]), (vec![cached::HEADER], false, false), "{a:?}");
        }
        assert_eq!(reads(&[body(vec![1], Some(SectionText::Header))]), (vec![], true, true));
        assert_eq!(reads(&[body(vec![], Some(SectionText::Text))]), (vec![], true, true));
        assert_eq!(reads(&[body(vec![], None)]), (vec![], true, false));
        assert_eq!(reads(&[FetchAttr::Envelope, FetchAttr::Flags]), (vec![cached::ENVELOPE], false, false));
    }
}
