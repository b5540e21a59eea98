//! The text of one message as a search index keeps it: exactly the strings
//! the evaluator compares (`text.rs`), grouped by the keys that read them,
//! so an index built from them can only narrow a search, never miss a match.

use super::stored::Head;
use super::text;
use crate::mime;

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
/// it: the strings the evaluator compares ([`Head`], the body texts),
/// which an index stores for the evaluator, and from them the text of
/// each column ([`Document::texts`]) for its terms.
#[derive(Clone, Debug, Default)]
pub struct Document {
    /// The header side.
    pub head: Head,
    /// The decoded text of each text part and encapsulated header.
    pub bodies: Vec<String>,
}

impl Document {
    /// The text of each column, in [`Column::ALL`] order; strings of one
    /// column are joined by newlines (a match the index finds across two
    /// of them is only a candidate the evaluator rejects).
    pub fn texts(&self) -> [String; 8] {
        let h = &self.head;
        let values: Vec<&str> = h.fields.iter().map(|(_, v)| v.as_str()).collect();
        let subject: Vec<&str> = h.values("subject").collect();
        let address = |i: usize| h.addresses[i].clone().unwrap_or_default();
        [
            h.text.clone(),
            self.bodies.join("\n"),
            values.join("\n"),
            subject.join("\n"),
            address(0),
            address(1),
            address(2),
            address(3),
        ]
    }

    /// The decoded text's length in bytes, what indexing it costs.
    pub fn len(&self) -> usize {
        let h = &self.head;
        h.text.len()
            + h.fields.iter().map(|(n, v)| n.len() + v.len()).sum::<usize>()
            + h.addresses.iter().flatten().map(String::len).sum::<usize>()
            + self.bodies.iter().map(String::len).sum::<usize>()
    }

    /// True when the message has no searchable text at all.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

/// The [`Document`] of the message `raw` (its whole file).
pub fn document(raw: &[u8]) -> Document {
    let tree = mime::scan(raw);
    Document { head: Head::of(raw), bodies: text::body_texts(raw, &tree) }
}
