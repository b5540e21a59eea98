//! How FETCH data goes into the response queue: numbers without `format!`,
//! literals (a large one written from where it lies), the whole message
//! with bare LFs made CRLF on the way, and the echoed section names.

use super::Sink;
use crate::mime::crlf::crlf_into;
use crate::proto::response::Reply;
use crate::proto::response::{write_astring, write_num};
use crate::proto::section::{Partial, Section, SectionText};

/// Literals at least this long go from the mapped file straight to the
/// client instead of through the response buffer.
pub(super) const DIRECT_LITERAL: usize = 64 * 1024;

/// The tagged NO of a write that failed.
pub(super) fn write_failed(e: std::io::Error) -> Reply {
    Reply::no_text(format!("write failed: {e}"))
}

/// Appends a literal's announcement `{n}\r\n`.
fn push_literal_head(out: &mut Vec<u8>, n: usize) {
    out.push(b'{');
    write_num(out, n as u64);
    out.extend_from_slice(b"}\r\n");
}

/// The section as echoed in the response: `1.2.HEADER.FIELDS (FROM)`.
pub(super) fn section_name(sec: &Section) -> Vec<u8> {
    let mut out = Vec::new();
    push_part_name(&mut out, &sec.part);
    let Some(text) = &sec.text else { return out };
    if !out.is_empty() {
        out.push(b'.');
    }
    let (word, fields): (&[u8], Option<&Vec<Vec<u8>>>) = match text {
        SectionText::Header => (b"HEADER", None),
        SectionText::HeaderFields(f) => (b"HEADER.FIELDS", Some(f)),
        SectionText::HeaderFieldsNot(f) => (b"HEADER.FIELDS.NOT", Some(f)),
        SectionText::Text => (b"TEXT", None),
        SectionText::Mime => (b"MIME", None),
    };
    out.extend_from_slice(word);
    if let Some(fields) = fields {
        out.extend_from_slice(b" (");
        for (i, f) in fields.iter().enumerate() {
            if i > 0 {
                out.push(b' ');
            }
            write_astring(&mut out, &f.to_ascii_uppercase());
        }
        out.push(b')');
    }
    out
}

/// Appends a part path as echoed in `BINARY[1.2]`.
pub(super) fn push_part_name(out: &mut Vec<u8>, part: &[u32]) {
    for (i, n) in part.iter().enumerate() {
        if i > 0 {
            out.push(b'.');
        }
        write_num(out, u64::from(*n));
    }
}

/// Appends `<start>`, the origin of a partial as echoed (RFC 3501 7.4.2).
pub(super) fn push_origin(out: &mut Vec<u8>, partial: Option<Partial>) {
    if let Some(p) = partial {
        out.push(b'<');
        write_num(out, u64::from(p.start));
        out.push(b'>');
    }
}

/// Queues `data` as a literal; a large one is written straight from its
/// source (the mapped file) after what is queued so far. A literal may not
/// hold NUL (RFC 3501 `CHAR8`): a message stored with NULs (APPEND of a
/// `~{n}` literal) has them sent as 0x80 here, as Dovecot does; BINARY
/// sends them unchanged in a `literal8`.
pub(super) fn literal(s: &mut dyn Sink, data: &[u8]) -> Result<(), Reply> {
    if memchr::memchr(0, data).is_none() {
        return raw_literal(s, b"", data);
    }
    let clean = |chunk: &[u8]| -> Vec<u8> { chunk.iter().map(|&b| if b == 0 { 0x80 } else { b }).collect() };
    if data.len() < DIRECT_LITERAL {
        return raw_literal(s, b"", &clean(data));
    }
    // A large one is cleaned a piece at a time, never copied whole.
    push_literal_head(s.buffer(), data.len());
    for chunk in data.chunks(DIRECT_LITERAL) {
        s.write_direct(&clean(chunk)).map_err(write_failed)?;
    }
    Ok(())
}

/// Queues the whole message as a literal, as [`literal`] of
/// `section::whole(msg)` would, converting bare LFs to CRLF straight into
/// the response queue (written out each time it holds `cap` octets)
/// instead of into a copy of the message.
pub(super) fn whole_literal(s: &mut dyn Sink, msg: &[u8], cap: usize) -> Result<(), Reply> {
    // A piece of the file at a time, so the queue stays near `cap`.
    let step = cap.clamp(4096, 1 << 20);
    if msg.len() <= step && (msg.len() as u64) < crate::store::mapped::MAP_FROM {
        converted_literal(s.buffer(), msg);
        if s.queued() >= cap {
            s.flush().map_err(write_failed)?;
        }
        return Ok(());
    }
    let bare = crate::mime::crlf::bare_lfs(msg);
    if bare == 0 {
        return literal(s, msg);
    }
    let n = msg.len() + bare;
    push_literal_head(s.buffer(), n);
    // Octets still owed: a mapped file rewritten between the count and
    // this pass must not change the length announced.
    let mut owed = n;
    let mut from = 0;
    while from < msg.len() && owed > 0 {
        let to = (from + step).min(msg.len());
        let out = s.buffer();
        let at = out.len();
        let nul = crlf_into(out, msg, from, to);
        out.truncate(at + (out.len() - at).min(owed));
        if nul {
            // RFC 3501 CHAR8: NUL goes as 0x80 (see `literal`).
            out[at..].iter_mut().filter(|b| **b == 0).for_each(|b| *b = 0x80);
        }
        owed -= out.len() - at;
        from = to;
        if s.queued() >= cap {
            s.flush().map_err(write_failed)?;
        }
    }
    // Short only when the file changed under its map: filled up, so the
    // client still reads the octets it was promised.
    let end = s.queued() + owed;
    s.buffer().resize(end, 0x80);
    Ok(())
}

/// Appends `msg` to `out` as a literal with bare LFs made CRLF and NUL
/// sent as 0x80 (see [`literal`]), converted first and announced after: one
/// search of the message instead of a count of its bare LFs and then the
/// conversion. Only for a message read into memory (a mapped file may
/// change between the passes of [`whole_literal`], this one has one pass).
fn converted_literal(out: &mut Vec<u8>, msg: &[u8]) {
    let head_at = out.len();
    // Room for the announcement of `msg.len()` octets; the converted length
    // is at most twice that, so at most one digit longer.
    push_literal_head(out, msg.len());
    let body_at = out.len();
    if crlf_into(out, msg, 0, msg.len()) {
        out[body_at..].iter_mut().filter(|b| **b == 0).for_each(|b| *b = 0x80);
    }
    let mut head = Vec::with_capacity(24);
    push_literal_head(&mut head, out.len() - body_at);
    if head.len() == body_at - head_at {
        out[head_at..body_at].copy_from_slice(&head);
    } else {
        out.splice(head_at..body_at, head);
    }
}

/// Queues `NAME value` for a value rendered in memory (ENVELOPE, BODY,
/// BODYSTRUCTURE); a large one (a 10 MB Subject makes a 10 MB ENVELOPE)
/// is written from where it lies instead of being copied into the queue.
pub(super) fn value_item(s: &mut dyn Sink, name: &[u8], value: &[u8]) -> Result<(), Reply> {
    s.buffer().extend_from_slice(name);
    if value.len() < DIRECT_LITERAL {
        s.buffer().extend_from_slice(value);
        return Ok(());
    }
    s.write_direct(value).map_err(write_failed)
}

/// `data` cut to `partial` as `section::limit` cuts it, without a copy.
pub(super) fn partial_of(data: &[u8], partial: Option<Partial>) -> &[u8] {
    let Some(p) = partial else { return data };
    let start = (p.start as usize).min(data.len());
    let end = start.saturating_add(p.length as usize).min(data.len());
    &data[start..end]
}

/// Queues `data` as a literal announced by `prefix{n}` (`~` for literal8).
pub(super) fn raw_literal(s: &mut dyn Sink, prefix: &[u8], data: &[u8]) -> Result<(), Reply> {
    let out = s.buffer();
    out.extend_from_slice(prefix);
    push_literal_head(out, data.len());
    if data.len() < DIRECT_LITERAL {
        out.extend_from_slice(data);
        return Ok(());
    }
    s.write_direct(data).map_err(write_failed)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_and_names_are_written_as_format_would() {
        for n in [0u64, 7, 10, 99, 1234567890, u64::MAX] {
            let mut out = b"x".to_vec();
            write_num(&mut out, n);
            assert_eq!(out, format!("x{n}").into_bytes());
        }
        let mut out = Vec::new();
        push_part_name(&mut out, &[1, 22, 3]);
        push_origin(&mut out, Some(Partial { start: 40, length: 2 }));
        assert_eq!(out, b"1.22.3<40>");
        let sec =
            Section { part: vec![2], text: Some(SectionText::HeaderFields(vec![b"from".to_vec(), b"x y".to_vec()])) };
        assert_eq!(section_name(&sec), b"2.HEADER.FIELDS (FROM \"X Y\")");
    }

    #[test]
    fn converted_literals_announce_their_converted_length() {
        let cases: [(&[u8], &[u8]); 5] = [
            (b"", b"{0}\r\n"),
            (b"a\r\nb", b"{4}\r\na\r\nb"),
            (b"a\nb\r\n\n", b"{8}\r\na\r\nb\r\n\r\n"),
            (b"x\0y\n", b"{5}\r\nx\x80y\r\n"),
            // Nine octets become eleven: the announcement grows a digit.
            (b"\n\n1234567", b"{11}\r\n\r\n\r\n1234567"),
        ];
        for (msg, want) in cases {
            let mut out = b"* 1 FETCH (BODY[] ".to_vec();
            converted_literal(&mut out, msg);
            assert_eq!(out.strip_prefix(b"* 1 FETCH (BODY[] ").unwrap(), want, "{:?}", String::from_utf8_lossy(msg));
        }
    }
}
