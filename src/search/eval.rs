//! Evaluating a [`Program`] against one message. Decoded header and body
//! text is computed at most once per message and only when a key needs it.

use super::program::{Flag, Node, Program};
use super::sentdate::sent_date;
use super::text;
use super::{MessageContext, SystemFlags};
use crate::mime::{self, Part};
use crate::proto::datetime::Date;
use crate::proto::sequence::SequenceSet;
use std::cell::{OnceCell, RefCell};

/// True when the message in `msg` satisfies `program`.
pub fn matches(program: &Program, msg: &dyn MessageContext) -> bool {
    let lazy = Lazy {
        msg,
        raw: OnceCell::new(),
        tree: OnceCell::new(),
        headers: RefCell::new(Vec::new()),
        header_text: OnceCell::new(),
        bodies: OnceCell::new(),
        sent: OnceCell::new(),
    };
    eval(program, &program.root, &lazy)
}

/// One message under evaluation, with what has been decoded so far.
struct Lazy<'m> {
    msg: &'m dyn MessageContext,
    raw: OnceCell<Option<&'m [u8]>>,
    tree: OnceCell<Part>,
    /// (key, text) for named fields (`h:name`) and address fields (`a:name`);
    /// `None` text when the field is absent.
    headers: RefCell<Vec<(String, Option<Vec<String>>)>>,
    header_text: OnceCell<String>,
    bodies: OnceCell<Vec<String>>,
    sent: OnceCell<Option<Date>>,
}

impl<'m> Lazy<'m> {
    fn raw(&self) -> Option<&'m [u8]> {
        *self.raw.get_or_init(|| self.msg.raw())
    }

    /// Whether the field (named or address) contains `needle`; an empty
    /// needle asks only that the field exists.
    fn field_contains(&self, key: String, needle: &str, compute: impl FnOnce(&[u8]) -> Option<Vec<String>>) -> bool {
        let Some(raw) = self.raw() else { return false };
        let mut cache = self.headers.borrow_mut();
        let idx = match cache.iter().position(|(k, _)| *k == key) {
            Some(i) => i,
            None => {
                cache.push((key, compute(raw)));
                cache.len() - 1
            }
        };
        match &cache[idx].1 {
            None => false,
            Some(values) => values.iter().any(|v| v.contains(needle)),
        }
    }

    /// Whether the fields called `name` contain `needle` (see
    /// [`Self::field_contains`]), from the stored text when at hand.
    fn header_contains(&self, name: &str, needle: &str) -> bool {
        match self.msg.stored_head() {
            Some(h) => h.values(name).any(|v| v.contains(needle)),
            None => self.field_contains(format!("h:{name}"), needle, |raw| text::header_values(raw, name)),
        }
    }

    /// Whether the address field `name` contains `needle`, from the stored
    /// text when at hand.
    fn address_contains(&self, name: &str, needle: &str) -> bool {
        match self.msg.stored_head().and_then(|h| h.address(name)) {
            Some(text) => text.is_some_and(|t| t.contains(needle)),
            None => {
                self.field_contains(format!("a:{name}"), needle, |raw| text::address_text(raw, name).map(|t| vec![t]))
            }
        }
    }

    fn header_text(&self) -> Option<&str> {
        if let Some(h) = self.msg.stored_head() {
            return Some(&h.text);
        }
        let raw = self.raw()?;
        Some(self.header_text.get_or_init(|| text::header_text(raw)))
    }

    fn bodies(&self) -> Option<&[String]> {
        if let Some(b) = self.msg.stored_bodies() {
            return Some(b);
        }
        let raw = self.raw()?;
        let tree = self.tree.get_or_init(|| mime::scan(raw));
        Some(self.bodies.get_or_init(|| text::body_texts(raw, tree)))
    }

    /// The day SENT* keys compare: the Date: header's own day, else the
    /// INTERNALDATE's UTC day.
    fn sent_day(&self) -> Date {
        let sent = *self.sent.get_or_init(|| self.raw().and_then(|r| text::first_raw(r, "date")).and_then(sent_date));
        sent.unwrap_or_else(|| internal_day(self.msg))
    }
}

/// The INTERNALDATE's calendar day in UTC.
fn internal_day(msg: &dyn MessageContext) -> Date {
    Date { days: msg.internal_date().div_euclid(86_400) }
}

fn flag(f: SystemFlags, which: Flag) -> bool {
    match which {
        Flag::Seen => f.seen,
        Flag::Answered => f.answered,
        Flag::Flagged => f.flagged,
        Flag::Deleted => f.deleted,
        Flag::Draft => f.draft,
        Flag::Recent => f.recent,
    }
}

fn in_set(program: &Program, set: &SequenceSet, n: u32, max: u32, uid: u32) -> bool {
    match set {
        SequenceSet::Saved => program.saved.binary_search(&uid).is_ok(),
        ranges => ranges.contains(n, max),
    }
}

fn eval(p: &Program, node: &Node, m: &Lazy<'_>) -> bool {
    let msg = m.msg;
    match node {
        Node::All => true,
        Node::And(v) => v.iter().all(|n| eval(p, n, m)),
        Node::Or(a, b) => eval(p, a, m) || eval(p, b, m),
        Node::Not(a) => !eval(p, a, m),
        Node::Flag(f, want) => flag(msg.flags(), *f) == *want,
        Node::Keyword(k, want) => msg.keywords().iter().any(|x| x.eq_ignore_ascii_case(k)) == *want,
        Node::Internal(cmp, d) => cmp.test(internal_day(msg), *d),
        Node::Sent(cmp, d) => cmp.test(m.sent_day(), *d),
        Node::Saved(cmp, d) => cmp.test(Date { days: msg.save_date().div_euclid(86_400) }, *d),
        Node::Larger(n) => msg.size() > *n,
        Node::Smaller(n) => msg.size() < *n,
        Node::Seq(set) => in_set(p, set, msg.seq(), msg.max_seq(), msg.uid()),
        Node::Uid(set) => in_set(p, set, msg.uid(), msg.max_uid(), msg.uid()),
        Node::Older(s) => msg.internal_date() <= p.now - i64::from(*s),
        Node::Younger(s) => msg.internal_date() > p.now - i64::from(*s),
        Node::ModSeq(n) => msg.modseq().is_some_and(|x| x >= *n),
        Node::EmailId(id) => msg.email_id() == id,
        Node::Header(name, needle) => m.header_contains(name, needle),
        Node::Address(name, needle) => m.address_contains(name, needle),
        Node::Body(needle) => m.bodies().is_some_and(|b| b.iter().any(|t| t.contains(needle.as_str()))),
        Node::Text(needle) => {
            m.header_text().is_some_and(|h| h.contains(needle.as_str()))
                || m.bodies().is_some_and(|b| b.iter().any(|t| t.contains(needle.as_str())))
        }
    }
}
