//! The decoded text of one message as the evaluator reads it (RFC 3501
//! 6.4.4's header and body keys), in the form a search index keeps beside
//! its terms: the top-level header's text and fields, the address fields,
//! and the text of each body part, exactly the strings `text.rs` makes
//! from the message file, so the evaluator compares a candidate against
//! them instead of reading and decoding the file again. Also their byte
//! encoding (length-prefixed strings); decoding checks every length, and
//! anything that does not decode is treated as absent (the file is read).

use super::text;
use crate::mime::decode::decode_rfc2047;
use crate::mime::header::{fields, header_end, unfold};

/// The address fields the evaluator parses (FROM, TO, CC, BCC), in the
/// order of [`Head::addresses`].
pub const ADDRESS_FIELDS: [&str; 4] = ["from", "to", "cc", "bcc"];

/// Strings one encoded text may hold at most (a message has far fewer
/// fields or parts; a larger count is damage).
const MAX_STRINGS: usize = 1 << 20;

/// The header side of a message's searchable text.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Head {
    /// The top-level header as TEXT reads it (`text::header_text`).
    pub text: String,
    /// Every top-level field: its name as written and its value decoded
    /// and case-mapped (what HEADER and SUBJECT compare).
    pub fields: Vec<(Vec<u8>, String)>,
    /// The text of each of [`ADDRESS_FIELDS`] (`text::address_text`),
    /// `None` when the message has no such field.
    pub addresses: [Option<String>; 4],
}

impl Head {
    /// The [`Head`] of the message `raw` (its whole file, or its header).
    pub fn of(raw: &[u8]) -> Head {
        let head = &raw[..header_end(raw, 0, raw.len())];
        let fields = fields(head).map(|f| (f.name.to_vec(), text::fold(decode_rfc2047(&unfold(f.value))))).collect();
        Head { text: text::header_text(raw), fields, addresses: ADDRESS_FIELDS.map(|n| text::address_text(raw, n)) }
    }

    /// The values of the fields called `name` (ASCII case-insensitive).
    pub fn values<'a>(&'a self, name: &'a str) -> impl Iterator<Item = &'a str> + 'a {
        self.fields.iter().filter(move |(n, _)| n.eq_ignore_ascii_case(name.as_bytes())).map(|(_, v)| v.as_str())
    }

    /// The text of the address field `name`: `None` when it is not one of
    /// [`ADDRESS_FIELDS`] (the caller reads the message), `Some(None)`
    /// when the message has no such field.
    pub fn address(&self, name: &str) -> Option<Option<&str>> {
        let i = ADDRESS_FIELDS.iter().position(|n| *n == name)?;
        Some(self.addresses[i].as_deref())
    }

    /// The byte encoding of `self`.
    pub fn encode(&self) -> Vec<u8> {
        let mut out = Vec::with_capacity(self.text.len() * 2 + 64);
        put(&mut out, self.text.as_bytes());
        put_len(&mut out, self.fields.len());
        for (name, value) in &self.fields {
            put(&mut out, name);
            put(&mut out, value.as_bytes());
        }
        for a in &self.addresses {
            match a {
                None => out.push(0),
                Some(s) => {
                    out.push(1);
                    put(&mut out, s.as_bytes());
                }
            }
        }
        out
    }

    /// The [`Head`] `bytes` encode, or `None` when they are not one.
    pub fn decode(bytes: &[u8]) -> Option<Head> {
        let mut r = Reader(bytes);
        let text = r.string()?;
        let n = r.len()?;
        let mut fields = Vec::with_capacity(n.min(1024));
        for _ in 0..n {
            let name = r.bytes()?.to_vec();
            fields.push((name, r.string()?));
        }
        let mut addresses: [Option<String>; 4] = Default::default();
        for a in &mut addresses {
            *a = match r.byte()? {
                0 => None,
                1 => Some(r.string()?),
                _ => return None,
            };
        }
        r.0.is_empty().then_some(Head { text, fields, addresses })
    }
}

/// The byte encoding of a message's body texts (`text::body_texts`).
pub fn encode_bodies(bodies: &[String]) -> Vec<u8> {
    let mut out = Vec::with_capacity(bodies.iter().map(|b| b.len() + 4).sum::<usize>() + 4);
    put_len(&mut out, bodies.len());
    for b in bodies {
        put(&mut out, b.as_bytes());
    }
    out
}

/// The body texts `bytes` encode, or `None` when they are not that.
pub fn decode_bodies(bytes: &[u8]) -> Option<Vec<String>> {
    let mut r = Reader(bytes);
    let n = r.len()?;
    let mut out = Vec::with_capacity(n.min(1024));
    for _ in 0..n {
        out.push(r.string()?);
    }
    r.0.is_empty().then_some(out)
}

fn put_len(out: &mut Vec<u8>, n: usize) {
    out.extend_from_slice(&u32::try_from(n).unwrap_or(u32::MAX).to_le_bytes());
}

fn put(out: &mut Vec<u8>, s: &[u8]) {
    put_len(out, s.len());
    out.extend_from_slice(s);
}

/// Reads an encoding front to back; every read fails past its end.
struct Reader<'a>(&'a [u8]);

impl<'a> Reader<'a> {
    fn byte(&mut self) -> Option<u8> {
        let (&b, rest) = self.0.split_first()?;
        self.0 = rest;
        Some(b)
    }

    fn u32(&mut self) -> Option<usize> {
        let (head, rest) = self.0.split_at_checked(4)?;
        self.0 = rest;
        usize::try_from(u32::from_le_bytes(head.try_into().ok()?)).ok()
    }

    /// A count of strings, each at least 4 bytes of what remains.
    fn len(&mut self) -> Option<usize> {
        let n = self.u32()?;
        (n <= MAX_STRINGS && n <= self.0.len() / 4).then_some(n)
    }

    fn bytes(&mut self) -> Option<&'a [u8]> {
        let n = self.u32()?;
        let (s, rest) = self.0.split_at_checked(n)?;
        self.0 = rest;
        Some(s)
    }

    fn string(&mut self) -> Option<String> {
        String::from_utf8(self.bytes()?.to_vec()).ok()
    }
}
