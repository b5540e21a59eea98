//! What a prepared search asks of a message's text, as a condition an
//! index can test: a message the search matches always satisfies it, so
//! the index may drop the messages that fail it and no others. Keys the
//! index cannot answer (flags, dates, short strings, anything under NOT)
//! become "anything", which drops nothing.

use super::document::Column;
use super::program::{Node, Program};

/// Fewer characters than this cannot be looked up (trigram index).
pub const MIN_CHARS: usize = 3;

/// A necessary condition on a message's text.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Need {
    /// One of the columns holds the (case-mapped) string.
    Contains(Vec<Column>, String),
    /// Every condition holds.
    All(Vec<Need>),
    /// At least one condition holds.
    Any(Vec<Need>),
}

/// The condition every message matching `program` satisfies, or `None`
/// when the search says nothing an index could test.
pub fn need(program: &Program) -> Option<Need> {
    of(&program.root)
}

fn contains(columns: Vec<Column>, needle: &str) -> Option<Need> {
    (needle.chars().count() >= MIN_CHARS).then(|| Need::Contains(columns, needle.to_string()))
}

fn of(node: &Node) -> Option<Need> {
    match node {
        Node::And(v) => {
            let mut all: Vec<Need> = v.iter().filter_map(of).collect();
            match all.len() {
                0 => None,
                1 => all.pop(),
                _ => Some(Need::All(all)),
            }
        }
        // Either side may be the one that matched: both must be testable.
        Node::Or(a, b) => Some(Need::Any(vec![of(a)?, of(b)?])),
        Node::Header(name, needle) if name == "subject" => contains(vec![Column::Subject], needle),
        Node::Header(_, needle) => contains(vec![Column::Fields], needle),
        Node::Address(name, needle) => {
            let column = match *name {
                "from" => Column::From,
                "to" => Column::To,
                "cc" => Column::Cc,
                "bcc" => Column::Bcc,
                _ => return None,
            };
            contains(vec![column], needle)
        }
        Node::Body(needle) => contains(vec![Column::Body], needle),
        Node::Text(needle) => contains(vec![Column::Head, Column::Body], needle),
        // NOT x holds for messages that contain x's string too (NOT FROM
        // "a" AND the message has "a" in its subject): nothing to test.
        _ => None,
    }
}

/// A search string as [`need`] carries it (case-mapped), for tests.
#[cfg(test)]
pub fn fold_for_tests(s: &str) -> String {
    super::text::fold(s.to_string())
}
