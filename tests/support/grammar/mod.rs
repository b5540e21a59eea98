//! A second opinion on every response the tests read: an IMAP grammar
//! that is not tegami's. The raw client feeds every octet it reads from
//! the server to a [`Stream`], which frames whole responses (a line, and
//! for each `{n}` or `~{n}` it ends with, the literal and the rest of the
//! response) and hands each to imap-codec (the greeting to its greeting
//! codec). What imap-codec does not know goes by shape to the checkers of
//! [`ext`]. A rejected response panics in the reader, with its bytes.
//! `tests/exact_parser.rs` lists who checks what.

pub mod ext;
pub mod lex;

use imap_codec::decode::Decoder;
use imap_codec::{GreetingCodec, ResponseCodec};

/// Checks a greeting (`* OK`, `* PREAUTH` or `* BYE`, CRLF included).
pub fn greeting(b: &[u8]) -> Result<(), String> {
    match GreetingCodec::default().decode(b) {
        Ok(([], _)) => Ok(()),
        Ok((rest, _)) => Err(format!("imap-codec read a greeting but {} octets were left", rest.len())),
        Err(e) => Err(format!("imap-codec rejects the greeting ({e:?})")),
    }
}

/// Checks one whole response (untagged, tagged or continuation request,
/// literals inline, the final CRLF included) of an IMAP4rev1 session.
pub fn response(b: &[u8]) -> Result<(), String> {
    response_in(b, false)
}

/// [`response`] in a session that has (`rev2`) or has not enabled
/// IMAP4rev2.
pub fn response_in(b: &[u8], rev2: bool) -> Result<(), String> {
    let verdict = codec(b);
    if verdict.is_ok() {
        return verdict;
    }
    if let Some(ascii) = rev2.then(|| rev2_text(b)).flatten() {
        return codec(&ascii).map_err(|e| format!("{e} (with its UTF-8 text made ASCII)"));
    }
    let verdict = codec(b);
    if verdict.is_ok() {
        return verdict;
    }
    match ext::check(b).map_err(|e| format!("the local checker rejects it: {e}"))? {
        ext::Local::Done => Ok(()),
        ext::Local::Refeed(rest) => {
            codec(&rest).map_err(|e| format!("{e}, once the local checker took its items out: {}", show(&rest)))
        }
        ext::Local::NotMine => verdict,
    }
}

/// RFC 9051's `text` holds UTF-8 after `ENABLE IMAP4rev2`; imap-codec's
/// is ASCII. A status response (the only kind whose text this can be)
/// in valid UTF-8 is given to imap-codec with each non-ASCII character
/// made `x`.
fn rev2_text(b: &[u8]) -> Option<Vec<u8>> {
    let s = std::str::from_utf8(b).ok().filter(|s| !s.is_ascii())?;
    let mut words = s.splitn(3, ' ');
    let (first, second) = (words.next()?, words.next()?);
    let status = ["OK", "NO", "BAD", "BYE", "PREAUTH"].iter().any(|w| second.eq_ignore_ascii_case(w));
    if !status || first.starts_with('+') {
        return None;
    }
    Some(s.chars().map(|c| if c.is_ascii() { c } else { 'x' }).collect::<String>().into_bytes())
}

fn codec(b: &[u8]) -> Result<(), String> {
    match ResponseCodec::default().decode(b) {
        Ok(([], _)) => Ok(()),
        Ok((rest, _)) => Err(format!("imap-codec read a response but {} octets were left", rest.len())),
        Err(e) => Err(format!("imap-codec rejects the response ({e:?})")),
    }
}

/// Checks every response in `b`, a stream of them starting after the
/// greeting (for text a test decoded itself, as after COMPRESS).
pub fn responses(b: &[u8]) {
    let mut s = Stream { greeted: true, ..Stream::default() };
    s.feed(b);
    assert!(s.buf.is_empty(), "a response cut short at the end: {}", show(&s.buf));
}

/// The octets of a response for a panic message: escaped, long literals
/// shortened.
pub fn show(b: &[u8]) -> String {
    let s: String = b.escape_ascii().to_string();
    if s.len() > 2000 {
        return format!("{}...({} octets)...{}", &s[..1000], b.len(), &s[s.len() - 500..]);
    }
    s
}

/// Frames the octets read from a connection into whole responses and
/// checks each, the first as the greeting.
#[derive(Default)]
pub struct Stream {
    buf: Vec<u8>,
    /// Where the next line of the response being framed starts.
    scan: usize,
    /// Octets of an announced literal not yet framed.
    literal: Option<usize>,
    greeted: bool,
    /// The server said `* ENABLED ... IMAP4rev2`.
    rev2: bool,
}

impl Stream {
    /// Takes octets in the order the server sent them; panics when a
    /// response they complete is rejected.
    pub fn feed(&mut self, bytes: &[u8]) {
        self.buf.extend_from_slice(bytes);
        while let Some(end) = self.next_end() {
            let r: Vec<u8> = self.buf.drain(..end).collect();
            self.scan = 0;
            let verdict = if self.greeted { response_in(&r, self.rev2) } else { greeting(&r) };
            self.greeted = true;
            let words = String::from_utf8_lossy(&r).to_ascii_uppercase();
            if words.starts_with("* ENABLED ") && words.split_whitespace().any(|w| w == "IMAP4REV2") {
                self.rev2 = true;
            }
            if let Err(e) = verdict {
                panic!("the independent parser rejects a response: {e}\n  response: {}", show(&r));
            }
        }
    }

    /// The end of the first whole response in the buffer, if there is one.
    fn next_end(&mut self) -> Option<usize> {
        loop {
            if let Some(n) = self.literal {
                if self.buf.len() - self.scan < n {
                    return None;
                }
                self.scan += n;
                self.literal = None;
            }
            let nl = self.buf[self.scan..].iter().position(|&c| c == b'\n')?;
            let end = self.scan + nl + 1;
            let line = &self.buf[self.scan..end];
            let line = line.strip_suffix(b"\r\n").or_else(|| line.strip_suffix(b"\n")).unwrap_or(line);
            self.scan = end;
            match literal_size(line) {
                Some(n) => self.literal = Some(n),
                None => return Some(end),
            }
        }
    }
}

/// The size of a `{n}` or `~{n}` literal a line ends with.
fn literal_size(line: &[u8]) -> Option<usize> {
    let l = line.strip_suffix(b"}")?;
    let open = l.iter().rposition(|&c| c == b'{')?;
    std::str::from_utf8(&l[open + 1..]).ok()?.parse().ok()
}
