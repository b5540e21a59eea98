//! SORT (RFC 5256) and SORT=DISPLAY (RFC 5957) ordering, as a pure library:
//! the handler gives, for each message that matched the search, its
//! sequence number, INTERNALDATE, size and header fields (the store's
//! cached subset is enough), and [`sort`] returns the order.
//!
//! Keys, per RFC 5256 section 3 and RFC 5957 section 3:
//! - ARRIVAL: INTERNALDATE; SIZE: RFC822.SIZE.
//! - DATE: the sent date ([`date::date_time`] of `Date:`, in UTC), or the
//!   INTERNALDATE when there is no readable `Date:`.
//! - FROM, TO, CC: the addr-mailbox (local part) of the first address of
//!   the field, empty when there is none (for a group, ENVELOPE's first
//!   address is the group, whose name is decoded like a display name).
//! - DISPLAYFROM, DISPLAYTO: the decoded display name of the first address,
//!   or its `mailbox@host` when it has none.
//! - SUBJECT: the base subject ([`subject::base_subject`]).
//!
//! Strings compare under i;unicode-casemap ([`collate`]). `REVERSE` turns
//! one key around; messages equal in every key keep sequence order.

pub mod date;
pub mod memo;
pub mod subject;

use std::cmp::Ordering;

use crate::collate;

use crate::fetch::address::parse_address_list;
use crate::mime::decode::decode_rfc2047;
use crate::mime::header::{first, header_end, unfold};
use crate::proto::command::{SortCriterion, SortKey};

/// The sort keys of one message that come from its header, computed once
/// (and kept across commands by [`memo`]).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Keys {
    /// The `Date:` field in UTC, if readable.
    pub date: Option<i64>,
    /// The base subject, casemapped.
    pub subject: String,
    /// FROM, TO, CC: the first addr-mailbox, casemapped.
    pub from: String,
    /// See `from`.
    pub to: String,
    /// See `from`.
    pub cc: String,
    /// DISPLAYFROM, DISPLAYTO: RFC 5957's display form, casemapped.
    pub display_from: String,
    /// See `display_from`.
    pub display_to: String,
    /// Which of the keys above were made (the others are empty).
    pub made: KeySet,
}

/// A set of the header keys, one bit each: a SORT makes only the keys its
/// criteria name (parsing every address of 10,000 headers for a SORT by
/// DATE took a third of its time).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct KeySet(u8);

impl KeySet {
    /// Every header key.
    pub const ALL: KeySet = KeySet(0x7f);

    fn bit(key: SortKey) -> u8 {
        match key {
            SortKey::Date => 1,
            SortKey::Subject => 2,
            SortKey::From => 4,
            SortKey::To => 8,
            SortKey::Cc => 16,
            SortKey::DisplayFrom => 32,
            SortKey::DisplayTo => 64,
            SortKey::Arrival | SortKey::Size => 0,
        }
    }

    /// The header keys that `criteria` sort by.
    pub fn of(criteria: &[SortCriterion]) -> KeySet {
        KeySet(criteria.iter().fold(0, |m, c| m | KeySet::bit(c.key)))
    }

    /// Whether every key of `other` is in this set.
    pub fn covers(self, other: KeySet) -> bool {
        self.0 & other.0 == other.0
    }

    /// Both sets.
    pub fn union(self, other: KeySet) -> KeySet {
        KeySet(self.0 | other.0)
    }

    fn has(self, key: SortKey) -> bool {
        self.0 & KeySet::bit(key) != 0
    }
}

impl Keys {
    /// Every key of a message header (or of the part of it that holds the
    /// fields sorted by).
    pub fn of(header: &[u8]) -> Keys {
        Keys::of_only(header, KeySet::ALL)
    }

    /// The keys of `wanted` (the others stay empty, and `made` says so).
    pub fn of_only(header: &[u8], wanted: KeySet) -> Keys {
        let end = header_end(header, 0, header.len());
        let h = &header[..end];
        let text = |key: SortKey, make: &dyn Fn() -> String| if wanted.has(key) { make() } else { String::new() };
        Keys {
            date: if wanted.has(SortKey::Date) { first(h, b"date").and_then(date::date_time) } else { None },
            subject: text(SortKey::Subject, &|| subject::base_subject(first(h, b"subject")).text),
            from: text(SortKey::From, &|| first_mailbox(h, "from")),
            to: text(SortKey::To, &|| first_mailbox(h, "to")),
            cc: text(SortKey::Cc, &|| first_mailbox(h, "cc")),
            display_from: text(SortKey::DisplayFrom, &|| first_display(h, "from")),
            display_to: text(SortKey::DisplayTo, &|| first_display(h, "to")),
            made: wanted,
        }
    }
}

/// One message to sort.
#[derive(Clone, Debug)]
pub struct Item<'a> {
    /// Sequence number, the last tie-break.
    pub seq: u32,
    /// INTERNALDATE, seconds since the epoch (ARRIVAL, and DATE for a
    /// message without a readable `Date:`).
    pub internal_date: i64,
    /// RFC822.SIZE.
    pub size: u64,
    /// The header keys.
    pub keys: &'a Keys,
}

/// The value of one sort key for one message.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
enum Value<'a> {
    Number(i64),
    Text(&'a str),
}

/// The first raw value of a header field in `header`.
pub fn field<'a>(header: &'a [u8], name: &str) -> Option<&'a [u8]> {
    let end = header_end(header, 0, header.len());
    first(&header[..end], name.as_bytes())
}

/// The sent date of RFC 5256: `Date:` in UTC, else the INTERNALDATE.
pub fn sent_date(header: &[u8], internal_date: i64) -> i64 {
    field(header, "date").and_then(date::date_time).unwrap_or(internal_date)
}

/// What the address parser writes for a mailbox that is not there.
const MISSING_MAILBOX: &[u8] = b"MISSING_MAILBOX";

/// The addr-mailbox of the first address of `name`, casemapped.
fn first_mailbox(header: &[u8], name: &str) -> String {
    let Some(v) = first(header, name.as_bytes()) else { return String::new() };
    let mut addrs = Vec::new();
    parse_address_list(&unfold(v), &mut addrs);
    let mailbox = addrs.first().and_then(|a| a.mailbox.as_deref()).unwrap_or(b"");
    // ENVELOPE's stand-in for an address without a mailbox sorts as none.
    if mailbox == MISSING_MAILBOX {
        return String::new();
    }
    // A group's name is a phrase, which may hold encoded words.
    collate::casemap(&decode_rfc2047(mailbox))
}

/// RFC 5957's display form of the first address of `name`, casemapped.
fn first_display(header: &[u8], name: &str) -> String {
    let Some(v) = first(header, name.as_bytes()) else { return String::new() };
    let mut addrs = Vec::new();
    parse_address_list(&unfold(v), &mut addrs);
    let Some(a) = addrs.first() else { return String::new() };
    let display = a.name.as_deref().map(decode_rfc2047).unwrap_or_default();
    if !display.trim().is_empty() {
        return collate::casemap(&display);
    }
    let mailbox = a.mailbox.as_deref().unwrap_or(b"");
    let Some(host) = &a.host else {
        // A group: its name.
        return collate::casemap(&decode_rfc2047(mailbox));
    };
    let spec = format!("{}@{}", String::from_utf8_lossy(mailbox), String::from_utf8_lossy(host));
    collate::casemap(&spec)
}

fn value<'a>(key: SortKey, m: &Item<'a>) -> Value<'a> {
    let k = m.keys;
    match key {
        SortKey::Arrival => Value::Number(m.internal_date),
        SortKey::Size => Value::Number(i64::try_from(m.size).unwrap_or(i64::MAX)),
        SortKey::Date => Value::Number(k.date.unwrap_or(m.internal_date)),
        SortKey::From => Value::Text(&k.from),
        SortKey::To => Value::Text(&k.to),
        SortKey::Cc => Value::Text(&k.cc),
        SortKey::DisplayFrom => Value::Text(&k.display_from),
        SortKey::DisplayTo => Value::Text(&k.display_to),
        SortKey::Subject => Value::Text(&k.subject),
    }
}

/// The order of `items` under `criteria`: indexes into `items`, first to
/// last.
pub fn sort(criteria: &[SortCriterion], items: &[Item<'_>]) -> Vec<usize> {
    let mut order: Vec<usize> = (0..items.len()).collect();
    order.sort_by(|&a, &b| {
        for c in criteria {
            let o = value(c.key, &items[a]).cmp(&value(c.key, &items[b]));
            let o = if c.reverse { o.reverse() } else { o };
            if o != Ordering::Equal {
                return o;
            }
        }
        items[a].seq.cmp(&items[b].seq)
    });
    order
}

/// Numbers in the order given as a set: runs only where the order ascends
/// by one (`5,3:4,1:2`), so a client reads them back in that order.
pub fn ordered_set(numbers: &[u32]) -> String {
    let mut out = String::new();
    let mut i = 0;
    while i < numbers.len() {
        let start = numbers[i];
        while i + 1 < numbers.len() && numbers[i + 1] == numbers[i].wrapping_add(1) {
            i += 1;
        }
        if !out.is_empty() {
            out.push(',');
        }
        if numbers[i] == start {
            out.push_str(&start.to_string());
        } else {
            out.push_str(&format!("{start}:{}", numbers[i]));
        }
        i += 1;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn item(seq: u32, header: &'static str) -> Item<'static> {
        let keys = Box::leak(Box::new(Keys::of(header.as_bytes())));
        Item { seq, internal_date: 1000 - i64::from(seq), size: u64::from(100 - seq), keys }
    }

    fn by(key: SortKey, reverse: bool, items: &[Item<'_>]) -> Vec<u32> {
        sort(&[SortCriterion { reverse, key }], items).into_iter().map(|i| items[i].seq).collect()
    }

    #[test]
    fn keys() {
        let items = [
            item(1, "From: Zed <a@x>\r\nTo: b@x\r\nSubject: Re: beta\r\nDate: 2 Jan 2020 00:00 +0000\r\n\r\n"),
            item(2, "From: \"Adam\" <z@x>\r\nTo: a@x\r\nCc: c@x\r\nSubject: alpha\r\n\r\n"),
            item(3, "From: m@x\r\nSubject: [list] Alpha\r\nDate: 1 Jan 2020 23:00 -0200\r\n\r\n"),
        ];
        assert_eq!(by(SortKey::From, false, &items), vec![1, 3, 2]);
        assert_eq!(by(SortKey::DisplayFrom, false, &items), vec![2, 3, 1]);
        assert_eq!(by(SortKey::To, false, &items), vec![3, 2, 1]);
        assert_eq!(by(SortKey::DisplayTo, false, &items), vec![3, 2, 1]);
        assert_eq!(by(SortKey::Cc, false, &items), vec![1, 3, 2]);
        assert_eq!(by(SortKey::Subject, false, &items), vec![2, 3, 1]);
        assert_eq!(by(SortKey::Subject, true, &items), vec![1, 2, 3]);
        assert_eq!(by(SortKey::Arrival, false, &items), vec![3, 2, 1]);
        assert_eq!(by(SortKey::Size, false, &items), vec![3, 2, 1]);
        // Message 2 has no Date: its INTERNALDATE (998) is the earliest.
        assert_eq!(by(SortKey::Date, false, &items), vec![2, 1, 3]);
        let two = [
            SortCriterion { reverse: false, key: SortKey::Subject },
            SortCriterion { reverse: true, key: SortKey::Size },
        ];
        assert_eq!(sort(&two, &items), vec![1, 2, 0]);
    }

    #[test]
    fn only_the_wanted_keys_are_made() {
        let h = b"From: Zed <a@x>\r\nTo: b@x\r\nSubject: Re: beta\r\nDate: 2 Jan 2020 00:00 +0000\r\n\r\n";
        let all = Keys::of(h);
        assert_eq!(all.made, KeySet::ALL);
        let by = |keys: &[SortKey]| {
            KeySet::of(&keys.iter().map(|&key| SortCriterion { reverse: false, key }).collect::<Vec<_>>())
        };
        let date = Keys::of_only(h, by(&[SortKey::Date, SortKey::Arrival]));
        assert_eq!(date.date, all.date);
        assert!(date.date.is_some());
        assert!(date.subject.is_empty() && date.from.is_empty() && date.display_to.is_empty());
        let subject = Keys::of_only(h, by(&[SortKey::Subject]));
        assert_eq!((subject.subject.as_str(), subject.date), ("BETA", None), "casemapped");
        assert!(!subject.made.covers(date.made) && all.made.covers(subject.made));
        let both = subject.made.union(date.made);
        assert!(both.covers(date.made) && both.covers(subject.made) && !both.covers(by(&[SortKey::From])));
        let two = Keys::of_only(h, both);
        assert_eq!((two.date, two.subject.as_str(), two.from.as_str()), (all.date, "BETA", ""));
        let every = by(&[
            SortKey::Date,
            SortKey::Subject,
            SortKey::From,
            SortKey::To,
            SortKey::Cc,
            SortKey::DisplayFrom,
            SortKey::DisplayTo,
        ]);
        assert_eq!(every, KeySet::ALL);
        assert_eq!(Keys::of_only(h, every), all);
        assert_eq!(by(&[SortKey::Arrival, SortKey::Size]), KeySet::default());
    }
}
