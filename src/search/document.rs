//! The text of one message as a search index keeps it: exactly the strings
//! the evaluator compares (`text.rs`), grouped by the keys that read them,
//! so an index built from them can only narrow a search, never miss a match.

use super::text;
use crate::mime;
use crate::mime::decode::decode_rfc2047;
use crate::mime::header::{fields, header_end, unfold};

/// Which text of a message a key reads; each is one column of an index.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Column {
    /// The top-level header as TEXT reads it (`name: value` lines).
    Head,
    /// The decoded text parts and encapsulated headers (BODY, TEXT).
    Body,
    /// The decoded value of every top-level field (HEADER name string).
    Fields,
    /// The Subject values.
    Subject,
    /// The From field as FROM reads it.
    From,
    /// The To field as TO reads it.
    To,
    /// The Cc field as CC reads it.
    Cc,
    /// The Bcc field as BCC reads it.
    Bcc,
}

impl Column {
    /// Every column, in the order [`Document::texts`] gives them.
    pub const ALL: [Column; 8] = [
        Column::Head,
        Column::Body,
        Column::Fields,
        Column::Subject,
        Column::From,
        Column::To,
        Column::Cc,
        Column::Bcc,
    ];

    /// The column's name in an index (plain ASCII, no quoting needed).
    pub fn name(self) -> &'static str {
        match self {
            Column::Head => "head",
            Column::Body => "body",
            Column::Fields => "fields",
            Column::Subject => "subject",
            Column::From => "sender",
            Column::To => "rcpt_to",
            Column::Cc => "rcpt_cc",
            Column::Bcc => "rcpt_bcc",
        }
    }
}

/// The searchable text of one message, case-mapped as the evaluator maps
/// it; strings of one column are joined by newlines (a match the index
/// finds across two of them is only a candidate the evaluator rejects).
#[derive(Clone, Debug, Default)]
pub struct Document {
    texts: [String; 8],
}

impl Document {
    /// The text of each column, in [`Column::ALL`] order.
    pub fn texts(&self) -> &[String; 8] {
        &self.texts
    }

    /// The decoded text's length in bytes, what indexing it costs.
    pub fn len(&self) -> usize {
        self.texts.iter().map(String::len).sum()
    }

    /// True when the message has no searchable text at all.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

/// The [`Document`] of the message `raw` (its whole file).
pub fn document(raw: &[u8]) -> Document {
    let tree = mime::scan(raw);
    let head = &raw[..header_end(raw, 0, raw.len())];
    let values: Vec<String> = fields(head).map(|f| text::fold(decode_rfc2047(&unfold(f.value)))).collect();
    let joined = |v: Option<Vec<String>>| v.map(|v| v.join("\n")).unwrap_or_default();
    let address = |name: &str| text::address_text(raw, name).unwrap_or_default();
    Document {
        texts: [
            text::header_text(raw),
            text::body_texts(raw, &tree).join("\n"),
            values.join("\n"),
            joined(text::header_values(raw, "subject")),
            address("from"),
            address("to"),
            address("cc"),
            address("bcc"),
        ],
    }
}
