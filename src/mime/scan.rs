//! The scanner: a message's bytes to a tree of [`Part`]s holding byte ranges.

use super::header::{self, fields, unfold};
use super::params::{self, Param};
use std::ops::Range;

/// Greatest nesting depth of multiparts and message/rfc822 parts; a part
/// deeper than this is kept as an opaque `application/octet-stream`.
pub const MAX_DEPTH: usize = 100;

/// Greatest number of parts in one message; once reached, further boundaries
/// are ignored and the rest of a multipart stays in its last part.
pub const MAX_PARTS: usize = 10_000;

/// What a part contains.
#[derive(Clone, Debug)]
pub enum Kind {
    /// A leaf part (text, image, application, ...).
    Single,
    /// A multipart with its body parts (never empty: a multipart without
    /// parts gets one empty text/plain part, as Dovecot shows it).
    Multipart(Vec<Part>),
    /// A message/rfc822 part and the message it encapsulates.
    Message(Box<Part>),
}

/// One MIME part (or a whole message): byte ranges into the scanned buffer
/// and the content headers that BODYSTRUCTURE reports.
#[derive(Clone, Debug)]
pub struct Part {
    /// The header, including the blank line that ends it (if any).
    pub header: Range<usize>,
    /// The body: after the header up to the line end before the next
    /// boundary (for a part of a multipart) or the end of the enclosing part.
    pub body: Range<usize>,
    /// Media type as sent, e.g. `text` (default `text`, or `message` in a digest).
    pub ty: Vec<u8>,
    /// Subtype as sent (default `plain` / `rfc822`).
    pub subtype: Vec<u8>,
    /// Content-Type parameters, RFC 2231 continuations joined.
    pub params: Vec<Param>,
    /// Content-ID, unfolded.
    pub id: Option<Vec<u8>>,
    /// Content-Description, unfolded (not decoded).
    pub description: Option<Vec<u8>>,
    /// Content-Transfer-Encoding token as sent.
    pub encoding: Option<Vec<u8>>,
    /// Content-Disposition type and parameters.
    pub disposition: Option<(Vec<u8>, Vec<Param>)>,
    /// Content-Language tags.
    pub language: Option<Vec<Vec<u8>>>,
    /// Content-Location, unfolded.
    pub location: Option<Vec<u8>>,
    /// Content-MD5, unfolded.
    pub md5: Option<Vec<u8>>,
    /// Body size in octets as sent over IMAP: bare LFs count as CRLF.
    pub size: usize,
    /// Number of lines (LF characters) in the body.
    pub lines: usize,
    /// Children or encapsulated message.
    pub kind: Kind,
}

impl Part {
    /// True for a `text/*` part.
    pub fn is_text(&self) -> bool {
        self.ty.eq_ignore_ascii_case(b"text")
    }

    /// The value of Content-Type parameter `name` (case-insensitive).
    pub fn param(&self, name: &[u8]) -> Option<&[u8]> {
        self.params.iter().find(|(n, _)| n.eq_ignore_ascii_case(name)).map(|(_, v)| v.as_slice())
    }
}

/// Octets of `b` when every bare LF is sent as CRLF.
pub fn crlf_size(b: &[u8]) -> usize {
    b.len() + bare_lfs(b)
}

use super::crlf::bare_lfs;

#[cfg(test)]
mod crlf_tests {
    use super::*;

    #[test]
    fn bare_lfs_are_counted_once() {
        assert_eq!(crlf_size(b""), 0);
        assert_eq!(crlf_size(b"\n"), 2);
        assert_eq!(crlf_size(b"a\r\nb\nc\r\r\n\n"), 12);
        assert_eq!(bare_lfs(b"\r\n\r\n"), 0);
    }
}

/// Scans `msg` into its part tree. Never fails: malformed MIME yields the
/// closest valid tree (missing boundaries, truncation, junk are tolerated).
pub fn scan(msg: &[u8]) -> Part {
    let mut budget = MAX_PARTS;
    parse_part(msg, 0, msg.len(), 0, false, &mut budget)
}

/// Parses the part occupying `start..end` (header then body).
fn parse_part(buf: &[u8], start: usize, end: usize, depth: usize, digest: bool, budget: &mut usize) -> Part {
    let body_start = header::header_end(buf, start, end);
    let mut part = Part::bare(start..body_start, body_start..end);
    part.size = crlf_size(&buf[body_start..end]);
    part.lines = memchr::memchr_iter(b'\n', &buf[body_start..end]).count();
    let mut ct = None;
    for f in fields(&buf[start..body_start]) {
        let n = f.name;
        // Only Content-* fields matter; a cheap first-byte test keeps huge
        // headers with many other fields fast.
        if n.len() < 10 || !n[..8].eq_ignore_ascii_case(b"content-") {
            continue;
        }
        let v = f.value;
        match n[8..].to_ascii_lowercase().as_slice() {
            b"type" if ct.is_none() => ct = Some(params::content_type(&unfold(v))),
            b"id" => part.id = part.id.take().or_else(|| Some(trim(unfold(v)))),
            b"description" => part.description = part.description.take().or_else(|| Some(trim(unfold(v)))),
            b"transfer-encoding" => part.encoding = part.encoding.take().or_else(|| params::single_token(v)),
            b"disposition" => part.disposition = part.disposition.take().or_else(|| params::disposition(&unfold(v))),
            b"language" => part.language = part.language.take().or_else(|| params::language(&unfold(v))),
            b"location" => part.location = part.location.take().or_else(|| Some(trim(unfold(v)))),
            b"md5" => part.md5 = part.md5.take().or_else(|| Some(trim(unfold(v)))),
            _ => {}
        }
    }
    match ct.flatten() {
        Some(c) => {
            part.ty = c.ty;
            part.subtype = c.subtype;
            part.params = c.params;
        }
        None if digest => {
            part.ty = b"message".to_vec();
            part.subtype = b"rfc822".to_vec();
        }
        None => {
            part.ty = b"text".to_vec();
            part.subtype = b"plain".to_vec();
            part.params = vec![(b"charset".to_vec(), b"us-ascii".to_vec())];
        }
    }
    let multipart = part.ty.eq_ignore_ascii_case(b"multipart");
    let message = part.ty.eq_ignore_ascii_case(b"message") && part.subtype.eq_ignore_ascii_case(b"rfc822");
    if (multipart || message) && depth >= MAX_DEPTH {
        // Too deep: opaque from here on.
        part.ty = b"application".to_vec();
        part.subtype = b"octet-stream".to_vec();
        part.params.clear();
    } else if multipart {
        let is_digest = part.subtype.eq_ignore_ascii_case(b"digest");
        let children = match part.param(b"boundary").map(<[u8]>::to_vec) {
            Some(b) if !b.is_empty() => split_multipart(buf, body_start, end, &b, depth, is_digest, budget),
            _ => Vec::new(),
        };
        part.kind = Kind::Multipart(if children.is_empty() { vec![empty_text(end)] } else { children });
    } else if message {
        *budget = budget.saturating_sub(1);
        part.kind = Kind::Message(Box::new(parse_part(buf, body_start, end, depth + 1, false, budget)));
    }
    part
}

/// The empty text/plain part Dovecot shows for a multipart without parts.
fn empty_text(at: usize) -> Part {
    Part {
        ty: b"text".to_vec(),
        subtype: b"plain".to_vec(),
        params: vec![(b"charset".to_vec(), b"us-ascii".to_vec())],
        ..Part::bare(at..at, at..at)
    }
}

impl Part {
    /// A leaf part at these ranges with nothing known about it yet.
    fn bare(header: std::ops::Range<usize>, body: std::ops::Range<usize>) -> Part {
        Part {
            header,
            body,
            ty: Vec::new(),
            subtype: Vec::new(),
            params: Vec::new(),
            id: None,
            description: None,
            encoding: None,
            disposition: None,
            language: None,
            location: None,
            md5: None,
            size: 0,
            lines: 0,
            kind: Kind::Single,
        }
    }
}

fn trim(mut v: Vec<u8>) -> Vec<u8> {
    while v.last().is_some_and(|b| b.is_ascii_whitespace()) {
        v.pop();
    }
    let lead = v.iter().take_while(|b| b.is_ascii_whitespace()).count();
    v.drain(..lead);
    v
}

/// Splits the multipart body `start..end` at lines `--boundary`, parsing
/// each part. The preamble and the epilogue after `--boundary--` are skipped.
fn split_multipart(
    buf: &[u8],
    start: usize,
    end: usize,
    boundary: &[u8],
    depth: usize,
    digest: bool,
    budget: &mut usize,
) -> Vec<Part> {
    let mut parts = Vec::new();
    let mut part_start: Option<usize> = None;
    // Jump from one `--boundary` to the next (SIMD search) instead of
    // walking every line: bodies can be megabytes of base64.
    let mut marker = b"--".to_vec();
    marker.extend_from_slice(boundary);
    let finder = memchr::memmem::Finder::new(&marker);
    let mut from = start;
    while from < end {
        let Some(hit) = finder.find(&buf[from..end]).map(|i| from + i) else { break };
        from = hit + 1;
        if hit > start && buf[hit - 1] != b'\n' {
            continue; // not at the start of a line
        }
        let line = hit;
        let next = memchr::memchr(b'\n', &buf[line..end]).map_or(end, |i| line + i + 1);
        let Some(close) = delimiter(&buf[line..end], boundary) else { continue };
        if *budget <= 1 && !close {
            continue;
        }
        if let Some(ps) = part_start {
            // The line end before the delimiter belongs to the delimiter.
            let mut pe = line;
            if pe > ps && buf[pe - 1] == b'\n' {
                pe -= 1;
                if pe > ps && buf[pe - 1] == b'\r' {
                    pe -= 1;
                }
            }
            let pe = pe.max(ps);
            *budget = budget.saturating_sub(1);
            let mut child = parse_part(buf, ps, pe, depth + 1, digest, budget);
            if matches!(child.kind, Kind::Multipart(_)) {
                // Dovecot counts the line end before the boundary into a
                // multipart child (it follows the child's epilogue).
                child.body.end = line.max(ps);
            }
            parts.push(child);
        }
        if close {
            return parts;
        }
        part_start = Some(next);
        from = next;
    }
    if let Some(ps) = part_start {
        *budget = budget.saturating_sub(1);
        parts.push(parse_part(buf, ps.min(end), end, depth + 1, digest, budget));
    }
    parts
}

/// If `line` is a delimiter line for `boundary`, whether it is the close
/// delimiter. After `--boundary` only `--`, blanks or the line end may follow.
fn delimiter(line: &[u8], boundary: &[u8]) -> Option<bool> {
    let rest = line.strip_prefix(b"--")?.strip_prefix(boundary)?;
    if rest.starts_with(b"--") {
        return Some(true);
    }
    match rest.first() {
        None | Some(b' ' | b'\t' | b'\r' | b'\n') => Some(false),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plain_message_ranges() {
        let m = b"Subject: x\r\n\r\nhello\r\nworld\r\n";
        let p = scan(m);
        assert_eq!(p.header, 0..14);
        assert_eq!(&m[p.body.clone()], b"hello\r\nworld\r\n");
        assert_eq!((p.size, p.lines), (14, 2));
        assert_eq!(p.param(b"charset"), Some(&b"us-ascii"[..]));
    }

    #[test]
    fn multipart_split() {
        let m = b"Content-Type: multipart/mixed; boundary=b\r\n\r\npre\r\n--b\r\n\r\none\r\n--b\r\nContent-Type: text/html\r\n\r\ntwo\r\n--b--\r\nepi";
        let p = scan(m);
        let Kind::Multipart(ch) = &p.kind else { panic!() };
        assert_eq!(ch.len(), 2);
        assert_eq!(&m[ch[0].body.clone()], b"one");
        assert_eq!(&m[ch[1].body.clone()], b"two");
        assert_eq!(ch[1].subtype, b"html");
    }

    #[test]
    fn deep_nesting_is_bounded() {
        let mut m = Vec::new();
        for _ in 0..500 {
            m.extend_from_slice(b"Content-Type: message/rfc822\r\n\r\n");
        }
        m.extend_from_slice(b"\r\nbody");
        let mut p = &scan(&m);
        let mut depth = 0;
        while let Kind::Message(inner) = &p.kind {
            p = inner;
            depth += 1;
        }
        assert_eq!(depth, MAX_DEPTH);
        assert_eq!(p.ty, b"application");
    }

    #[test]
    fn part_count_is_bounded() {
        let mut m = b"Content-Type: multipart/mixed; boundary=b\r\n\r\n".to_vec();
        for _ in 0..(MAX_PARTS + 50) {
            m.extend_from_slice(b"--b\r\n");
        }
        let p = scan(&m);
        let Kind::Multipart(ch) = &p.kind else { panic!() };
        assert!(ch.len() <= MAX_PARTS);
    }
}
