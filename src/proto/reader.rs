//! Framing: splits the client's byte stream into complete commands (lines
//! plus the literals they announce) before any grammar is parsed, and
//! enforces the limits on line length, literal size and the total size of
//! one command, so memory per connection stays bounded.
//!
//! A command is handed on as its bytes without the final CRLF, literals
//! inline exactly as sent (`{n}\r\n` followed by n octets), which is what
//! `proto::parse::parse_command` expects.

use std::io::{self, Read, Write};
use std::sync::Arc;

use crate::budget::{Budget, Reservation};
use crate::proto::response::{Code, Reply, Status};

/// Literal octets one command may hold in memory before they are counted
/// against the server-wide budget (so small commands never wait for it).
const HELD_FREE: u64 = 64 * 1024;

/// Called before a synchronizing literal is read, to send the client its
/// continuation request.
pub type Ask<'a, S> = &'a mut dyn FnMut(&mut S) -> io::Result<()>;

/// Limits the reader enforces.
#[derive(Clone, Copy, Debug)]
pub struct Limits {
    /// Longest command text, literals excluded.
    pub max_line: usize,
    /// Largest single literal.
    pub max_literal: u64,
    /// APPEND literals from this size on are not read into memory: the
    /// reader stops before them with [`Frame::Literal`] so the handler can
    /// stream them into the mailbox.
    pub stream_from: u64,
    /// Largest total of one command: its text and every literal, streamed
    /// ones included (MULTIAPPEND).
    pub max_command: u64,
    /// Largest literal read into memory (every literal but an APPEND's
    /// streamed ones): such literals are refused over it when announced.
    pub max_held: u64,
    /// Before login: a literal over the limits is never read, and one the
    /// client sends without waiting (`{n+}`) ends the connection
    /// ([`Frame::Fatal`]) rather than being read and skipped.
    pub strict: bool,
}

/// What the reader produced.
#[derive(Debug, PartialEq, Eq)]
pub enum Frame {
    /// A complete command.
    Command(Vec<u8>),
    /// A command refused before parsing; answer `tag response` (or `*` when
    /// there is no tag) and carry on.
    Rejected {
        /// The command's tag, when one could be read.
        tag: Option<String>,
        /// The answer, such as `BAD Line too long`.
        response: Reply,
    },
    /// An APPEND whose next literal is large: `prefix` is the command up to
    /// and including the `{n}` announcement, and the `n` octets have not
    /// been read, nor (for a synchronizing literal) the `+` sent. The handler
    /// reads them with [`Reader::literal_reader`], then goes on with
    /// [`Reader::continue_command`].
    Literal {
        /// The command so far, ending with the announcement.
        prefix: Vec<u8>,
        /// The literal's size.
        size: u64,
        /// False for LITERAL+ (`{n+}`): the octets follow at once.
        sync: bool,
    },
    /// The client closed the connection between commands.
    Closed,
    /// Before login, input that is not IMAP at all (a TLS handshake on the
    /// clear-text port, binary data): the connection should end at once,
    /// without waiting for the rest of a "line".
    Garbage {
        /// What was seen, in the server's words, for the log.
        why: &'static str,
    },
    /// A command refused in a way that leaves the stream out of step
    /// (octets of a refused literal on their way); answer `tag response`,
    /// then say BYE and close.
    Fatal {
        /// The command's tag, when one could be read.
        tag: Option<String>,
        /// The answer.
        response: Reply,
    },
}

/// True when `cmd` is `tag APPEND ...` (any case).
fn is_append(cmd: &[u8]) -> bool {
    let mut words = cmd.splitn(3, |&b| b == b' ');
    words.next();
    words.next().is_some_and(|w| w.eq_ignore_ascii_case(b"APPEND"))
}

/// True when `cmd` is `tag LOGIN ...` (any case).
fn is_login(cmd: &[u8]) -> bool {
    let mut words = cmd.splitn(3, |&b| b == b' ');
    words.next();
    words.next().is_some_and(|w| w.eq_ignore_ascii_case(b"LOGIN"))
}

/// A literal announced at the end of a line.
#[derive(Debug, PartialEq, Eq)]
struct Announce {
    size: u64,
    sync: bool,
}

/// Finds `{n}`, `{n+}`, `~{n}` or `~{n+}` at the end of `line`.
fn literal_at_end(line: &[u8]) -> Option<Announce> {
    let rest = line.strip_suffix(b"}")?;
    let open = rest.iter().rposition(|&b| b == b'{')?;
    let mut digits = &rest[open + 1..];
    let sync = match digits.strip_suffix(b"+") {
        Some(d) => {
            digits = d;
            false
        }
        None => true,
    };
    if digits.is_empty() || digits.len() > 19 || !digits.iter().all(u8::is_ascii_digit) {
        return None;
    }
    let size = std::str::from_utf8(digits).ok()?.parse().ok()?;
    Some(Announce { size, sync })
}

/// The refusal of a LOGIN user name or password over its limit.
fn secret_too_long(max_literal: u64) -> Reply {
    Reply::no(Code::AuthenticationFailed, format!("User name or password too long (limit {max_literal} octets)"))
}

/// The tag at the start of a command, if it is a valid one.
pub fn tag_of(line: &[u8]) -> Option<String> {
    let end = line.iter().position(|&b| b == b' ').unwrap_or(line.len());
    let tag = &line[..end];
    let ok = !tag.is_empty()
        && tag.len() <= 64
        && tag.iter().all(|&b| crate::proto::response::is_astring_char(b) && b != b'+');
    ok.then(|| String::from_utf8_lossy(tag).into_owned())
}

/// Why the first octet of a command shows it is not IMAP: a tag is
/// printable ASCII, so a control character (other than the line break of an
/// empty line) or an octet from 0x80 up means a TLS record (0x16), an SSLv2
/// hello (0x80) or other binary data.
fn garbage_start(b: u8) -> Option<&'static str> {
    match b {
        0x16 => Some("a TLS handshake on the clear-text port"),
        0x80.. => Some("binary data (an octet over 0x7f)"),
        b'\r' | b'\n' | b'\t' | b' ' => None,
        0..=0x1f | 0x7f => Some("binary data (a control character)"),
        _ => None,
    }
}

/// Why a complete first line is not IMAP: a NUL anywhere, or an octet in
/// the tag that no client would put there.
fn garbage_line(line: &[u8]) -> Option<&'static str> {
    if line.contains(&0) {
        return Some("binary data (a NUL octet)");
    }
    let tag = line.split(|&b| b == b' ').next().unwrap_or_default();
    tag.iter().find_map(|&b| garbage_start(b))
}

/// A buffered reader over the client stream.
pub struct Reader<S> {
    inner: S,
    buf: Vec<u8>,
    pos: usize,
    end: usize,
    /// Octets read from the client so far, for link-level logs.
    pub bytes_in: u64,
    /// Octets of the command being framed so far, literals included.
    cmd_total: u64,
    /// Literal octets of the command being framed held in memory.
    held_total: u64,
    /// What those literals take from the server's budget, kept until the
    /// next command is read (the command runs on its bytes).
    held: Option<Reservation>,
    budget: Option<Arc<Budget>>,
}

/// The result of reading one line.
enum Line {
    /// The line without its CRLF (or bare LF).
    Full(Vec<u8>),
    /// Longer than the limit; the rest was skipped. Holds the first octets.
    TooLong(Vec<u8>),
    /// End of stream before any octet of the line.
    Eof,
}

impl<S: Read + Write> Reader<S> {
    /// Wraps a stream.
    pub fn new(inner: S) -> Reader<S> {
        Reader {
            inner,
            buf: vec![0; 16 * 1024],
            pos: 0,
            end: 0,
            bytes_in: 0,
            cmd_total: 0,
            held_total: 0,
            held: None,
            budget: None,
        }
    }

    /// Counts literals held in memory against `budget` (`--max-client-memory`).
    pub fn set_budget(&mut self, budget: Arc<Budget>) {
        self.budget = Some(budget);
    }

    /// Takes `size` more held literal octets from the budget; false when
    /// the server has no room for them.
    fn hold(&mut self, size: u64) -> bool {
        self.held_total += size;
        let Some(budget) = &self.budget else { return true };
        let need = self.held_total.saturating_sub(HELD_FREE) as usize;
        let have = self.held.as_ref().map_or(0, Reservation::size);
        if need <= have {
            return true;
        }
        match &mut self.held {
            Some(r) => r.try_grow(need - have),
            None => match budget.try_reserve(need) {
                Some(r) => {
                    self.held = Some(r);
                    true
                }
                None => false,
            },
        }
    }

    /// The stream, for writing responses.
    pub fn get_mut(&mut self) -> &mut S {
        &mut self.inner
    }

    /// The stream.
    pub fn get_ref(&self) -> &S {
        &self.inner
    }

    /// Gives the stream back, dropping buffered input.
    pub fn into_inner(self) -> S {
        self.inner
    }

    /// Octets already read from the stream but not yet consumed.
    pub fn buffered(&self) -> usize {
        self.end - self.pos
    }

    /// Drops buffered input (STARTTLS: bytes pipelined after the command
    /// must not be taken as if they came over TLS).
    pub fn discard_buffered(&mut self) -> usize {
        self.take_buffered().len()
    }

    /// Takes buffered input out (COMPRESS: octets read past the command
    /// are the start of the compressed stream).
    pub fn take_buffered(&mut self) -> Vec<u8> {
        let v = self.buf[self.pos..self.end].to_vec();
        self.pos = 0;
        self.end = 0;
        v
    }

    fn fill(&mut self) -> io::Result<usize> {
        if self.pos == self.end {
            self.pos = 0;
            self.end = 0;
        }
        let n = self.inner.read(&mut self.buf[self.end..])?;
        self.end += n;
        self.bytes_in += n as u64;
        Ok(n)
    }

    /// Reads one line of at most `max` octets (without CRLF).
    fn line(&mut self, max: usize) -> io::Result<Line> {
        let mut out = Vec::new();
        let mut too_long = false;
        loop {
            if let Some(i) = self.buf[self.pos..self.end].iter().position(|&b| b == b'\n') {
                let chunk = &self.buf[self.pos..self.pos + i];
                if !too_long && out.len() + chunk.len() <= max + 1 {
                    out.extend_from_slice(chunk);
                } else {
                    too_long = true;
                }
                self.pos += i + 1;
                if !too_long && out.last() == Some(&b'\r') {
                    out.pop();
                }
                if out.len() > max {
                    too_long = true;
                }
                return Ok(if too_long { Line::TooLong(out) } else { Line::Full(out) });
            }
            let chunk = &self.buf[self.pos..self.end];
            if !too_long && out.len() + chunk.len() <= max + 1 {
                out.extend_from_slice(chunk);
            } else {
                if !too_long {
                    let keep = (max + 1).saturating_sub(out.len()).min(chunk.len());
                    out.extend_from_slice(&chunk[..keep]);
                }
                too_long = true;
            }
            self.pos = self.end;
            if self.end == self.buf.len() {
                self.pos = 0;
                self.end = 0;
            }
            if self.fill()? == 0 {
                if out.is_empty() && !too_long {
                    return Ok(Line::Eof);
                }
                return Err(io::ErrorKind::UnexpectedEof.into());
            }
        }
    }

    /// Reads a plain line (AUTHENTICATE responses, IDLE's DONE). `None` at
    /// end of stream; a line over `max` is an `InvalidData` error.
    pub fn read_line(&mut self, max: usize) -> io::Result<Option<Vec<u8>>> {
        match self.line(max)? {
            Line::Full(l) => Ok(Some(l)),
            Line::TooLong(_) => Err(io::Error::new(io::ErrorKind::InvalidData, "line too long")),
            Line::Eof => Ok(None),
        }
    }

    /// Reads exactly `n` octets into `out`.
    fn literal(&mut self, n: u64, out: &mut Vec<u8>) -> io::Result<()> {
        let mut left = n;
        while left > 0 {
            if self.pos == self.end && self.fill()? == 0 {
                return Err(io::ErrorKind::UnexpectedEof.into());
            }
            let take = (left as usize).min(self.end - self.pos);
            out.extend_from_slice(&self.buf[self.pos..self.pos + take]);
            self.pos += take;
            left -= take as u64;
        }
        Ok(())
    }

    /// Skips `n` octets (a non-synchronizing literal that was refused).
    fn skip(&mut self, n: u64) -> io::Result<()> {
        let mut left = n;
        while left > 0 {
            if self.pos == self.end && self.fill()? == 0 {
                return Err(io::ErrorKind::UnexpectedEof.into());
            }
            let take = (left as usize).min(self.end - self.pos);
            self.pos += take;
            left -= take as u64;
        }
        Ok(())
    }

    /// Refuses a literal that would be held in memory when it is over
    /// `--max-held-literal` or the server's budget has no room for it: a
    /// synchronizing one before its continuation, a non-synchronizing one
    /// by ending the connection (its octets are on their way).
    fn refuse_held(&mut self, cmd: &[u8], lit: &Announce, limits: Limits) -> Option<Frame> {
        // APPEND's small messages are held too, under --max-literal alone.
        let max_held = if is_append(cmd) { limits.max_literal } else { limits.max_held };
        let (code, text): (Code, std::borrow::Cow<'static, str>) = if lit.size > max_held {
            (Code::TooBig, format!("Literal too large for this command (limit {max_held} octets)").into())
        } else if !self.hold(lit.size) {
            (Code::Limit, "The server's memory for clients is in use; try again later".into())
        } else {
            return None;
        };
        let tag = tag_of(cmd);
        Some(if lit.sync {
            Frame::Rejected { tag, response: Reply::no(code, text) }
        } else {
            Frame::Fatal { tag, response: Reply::new(Status::Bad, Some(code), text) }
        })
    }

    /// Reads one complete command; `ask` is called on the stream before
    /// each synchronizing literal is read (the session's response writer
    /// sends the `+` there: the reader itself never writes).
    /// An error means the connection is unusable (closed mid-command, I/O
    /// failure); refusals the client can recover from are `Frame::Rejected`.
    pub fn read_command(&mut self, limits: Limits, ask: Ask<'_, S>) -> io::Result<Frame> {
        self.cmd_total = 0;
        self.held_total = 0;
        self.held = None;
        self.frame(Vec::new(), limits, ask)
    }

    /// Goes on framing a command after a streamed literal: `head` is the
    /// command text the caller keeps in place of what it consumed (for
    /// APPEND, `tag APPEND mailbox`); the line that follows the literal is
    /// read next, with any further literals.
    pub fn continue_command(&mut self, head: Vec<u8>, limits: Limits, ask: Ask<'_, S>) -> io::Result<Frame> {
        self.frame(head, limits, ask)
    }

    /// Reads exactly `n` octets of a literal the caller takes over.
    pub fn literal_reader(&mut self, n: u64) -> LiteralReader<'_, S> {
        LiteralReader { reader: self, left: n }
    }

    /// Skips a literal the caller refused (one sent without waiting).
    pub fn skip_literal(&mut self, n: u64) -> io::Result<()> {
        self.skip(n)
    }

    /// Before login, the first octet of a command decides at once whether
    /// the client speaks IMAP at all (a ClientHello need not hold a line
    /// break, and waiting for one would keep the connection open).
    fn garbage_ahead(&mut self) -> io::Result<Option<&'static str>> {
        if self.pos == self.end && self.fill()? == 0 {
            return Ok(None);
        }
        Ok(garbage_start(self.buf[self.pos]))
    }

    fn frame(&mut self, mut cmd: Vec<u8>, limits: Limits, ask: Ask<'_, S>) -> io::Result<Frame> {
        let started = !cmd.is_empty();
        let mut text_len = cmd.len();
        if !started && limits.strict {
            if let Some(why) = self.garbage_ahead()? {
                return Ok(Frame::Garbage { why });
            }
        }
        loop {
            // Lines are bounded by max_line alone (a long one is skipped,
            // not buffered); the total is checked where literals are announced.
            let budget = limits.max_line.saturating_sub(text_len);
            let line = match self.line(budget)? {
                Line::Eof if started => return Err(io::ErrorKind::UnexpectedEof.into()),
                Line::Eof if cmd.is_empty() => return Ok(Frame::Closed),
                Line::Eof => return Err(io::ErrorKind::UnexpectedEof.into()),
                Line::TooLong(start) => {
                    let tag = tag_of(if cmd.is_empty() { &start } else { &cmd });
                    return Ok(Frame::Rejected {
                        tag,
                        response: Reply::bad(format!("Command line too long (limit {} octets)", limits.max_line)),
                    });
                }
                Line::Full(l) => l,
            };
            if text_len == 0 && limits.strict {
                if let Some(why) = garbage_line(&line) {
                    return Ok(Frame::Garbage { why });
                }
            }
            text_len += line.len();
            self.cmd_total += line.len() as u64 + 2;
            cmd.extend_from_slice(&line);
            let Some(lit) = literal_at_end(&line) else {
                return Ok(Frame::Command(cmd));
            };
            // A LOGIN user name or password over crate::auth::MAX_SECRET is
            // refused here, before it is read into memory or hashed.
            let max_literal = if is_login(&cmd) {
                limits.max_literal.min(crate::auth::MAX_SECRET as u64)
            } else {
                limits.max_literal
            };
            let left = limits.max_command.saturating_sub(self.cmd_total);
            if limits.strict && lit.size > limits.max_literal.min(left) {
                let tag = tag_of(&cmd);
                let response = if max_literal < limits.max_literal.min(left) {
                    secret_too_long(max_literal)
                } else {
                    let most = limits.max_command;
                    Reply::no(
                        Code::TooBig,
                        format!("Command too large before login (limit {most} octets, literals included)"),
                    )
                };
                // Octets of a LITERAL+ are already coming: rather than read
                // them, the connection ends.
                return Ok(if lit.sync { Frame::Rejected { tag, response } } else { Frame::Fatal { tag, response } });
            }
            if lit.size > max_literal || lit.size > left {
                let tag = tag_of(&cmd);
                let response = if lit.size <= max_literal {
                    let most = limits.max_command;
                    Reply::no(Code::TooBig, format!("Command too large (limit {most} octets, literals included)"))
                } else if max_literal < limits.max_literal {
                    secret_too_long(max_literal)
                } else {
                    Reply::no(Code::TooBig, format!("Literal too large (limit {} octets)", limits.max_literal))
                };
                if !lit.sync {
                    // The client sends the octets without waiting; drop them
                    // so the next command starts where it should, unless the
                    // size is absurd, in which case the connection goes.
                    if lit.size > limits.max_literal.saturating_mul(4) {
                        return Err(io::Error::new(io::ErrorKind::InvalidData, "oversized literal"));
                    }
                    self.skip(lit.size)?;
                    // Whatever followed the literal on its line is dropped.
                    let _ = self.line(limits.max_line)?;
                }
                return Ok(Frame::Rejected { tag, response });
            }
            let streamed = lit.size >= limits.stream_from && is_append(&cmd);
            if !streamed {
                if let Some(refused) = self.refuse_held(&cmd, &lit, limits) {
                    return Ok(refused);
                }
            }
            self.cmd_total += lit.size;
            if streamed {
                return Ok(Frame::Literal { prefix: cmd, size: lit.size, sync: lit.sync });
            }
            if lit.sync {
                ask(&mut self.inner)?;
            }
            cmd.extend_from_slice(b"\r\n");
            self.literal(lit.size, &mut cmd)?;
        }
    }
}

/// The octets of one literal, read through the reader's buffer.
pub struct LiteralReader<'a, S> {
    reader: &'a mut Reader<S>,
    left: u64,
}

impl<S: Read + Write> Read for LiteralReader<'_, S> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        if self.left == 0 || buf.is_empty() {
            return Ok(0);
        }
        let r = &mut *self.reader;
        if r.pos == r.end && r.fill()? == 0 {
            return Err(io::ErrorKind::UnexpectedEof.into());
        }
        let take = (r.end - r.pos).min(buf.len()).min(self.left.min(usize::MAX as u64) as usize);
        buf[..take].copy_from_slice(&r.buf[r.pos..r.pos + take]);
        r.pos += take;
        self.left -= take as u64;
        Ok(take)
    }
}

impl<S> LiteralReader<'_, S> {
    /// Octets not read yet.
    pub fn left(&self) -> u64 {
        self.left
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// A fake duplex stream: reads from `input`, records writes.
    struct Duplex {
        input: io::Cursor<Vec<u8>>,
        output: Vec<u8>,
    }

    impl Read for Duplex {
        fn read(&mut self, b: &mut [u8]) -> io::Result<usize> {
            // Hand out at most 7 octets a time to exercise buffer edges.
            let n = b.len().min(7);
            self.input.read(&mut b[..n])
        }
    }

    impl Write for Duplex {
        fn write(&mut self, b: &[u8]) -> io::Result<usize> {
            self.output.extend_from_slice(b);
            Ok(b.len())
        }
        fn flush(&mut self) -> io::Result<()> {
            Ok(())
        }
    }

    fn reader(input: &[u8]) -> Reader<Duplex> {
        Reader::new(Duplex { input: io::Cursor::new(input.to_vec()), output: Vec::new() })
    }

    fn plus(d: &mut Duplex) -> io::Result<()> {
        d.write_all(b"+ Ready for literal data\r\n")
    }

    fn read(r: &mut Reader<Duplex>) -> io::Result<Frame> {
        r.read_command(LIMITS, &mut plus)
    }

    const LIMITS: Limits =
        Limits { max_line: 100, max_literal: 20, stream_from: 10, max_command: 1000, max_held: 1000, strict: false };
    const PREAUTH: Limits =
        Limits { max_line: 100, max_literal: 20, stream_from: 10, max_command: 30, max_held: 1000, strict: true };

    #[test]
    fn before_login_a_big_literal_is_never_read() {
        let mut r = reader(b"t LOGIN {25}\r\nt2 NOOP\r\n");
        match r.read_command(PREAUTH, &mut plus).unwrap() {
            Frame::Rejected { tag, response } => {
                assert_eq!(tag.as_deref(), Some("t"));
                assert!(response.to_string().starts_with("NO [TOOBIG]"), "{response}");
            }
            f => panic!("{f:?}"),
        }
        assert!(r.get_ref().output.is_empty(), "no continuation");
        assert_eq!(r.read_command(PREAUTH, &mut plus).unwrap(), Frame::Command(b"t2 NOOP".to_vec()));
        let mut r = reader(b"t LOGIN {19+}\r\n");
        assert!(matches!(r.read_command(PREAUTH, &mut plus).unwrap(), Frame::Fatal { .. }));
    }

    #[test]
    fn the_total_of_small_literals_is_capped() {
        // Each literal is within max_literal; together they pass max_command.
        let mut r = reader(b"t X {9}\r\n123456789 {9}\r\n123456789 {9}\r\n");
        assert!(matches!(r.read_command(PREAUTH, &mut plus).unwrap(), Frame::Rejected { .. }));
        let limits = Limits { max_command: 60, ..LIMITS };
        let mut many = b"t SEARCH".to_vec();
        for _ in 0..10 {
            many.extend_from_slice(b" {9+}\r\n123456789");
        }
        many.extend_from_slice(b"\r\nt2 NOOP\r\n");
        let mut r = reader(&many);
        match r.read_command(limits, &mut plus).unwrap() {
            Frame::Rejected { response, .. } => assert!(response.to_string().contains("Command too l"), "{response}"),
            f => panic!("{f:?}"),
        }
    }

    #[test]
    fn held_literals_over_their_limit_are_refused_when_announced() {
        let limits = Limits { max_held: 5, ..LIMITS };
        let mut r = reader(b"t SEARCH TEXT {6}\r\nt2 SEARCH TEXT {5}\r\nabcde\r\nt3 APPEND x {9}\r\n123456789\r\n");
        match r.read_command(limits, &mut plus).unwrap() {
            Frame::Rejected { tag, response } => {
                assert_eq!(tag.as_deref(), Some("t"));
                assert_eq!(response.to_string(), "NO [TOOBIG] Literal too large for this command (limit 5 octets)");
            }
            f => panic!("{f:?}"),
        }
        assert!(r.get_ref().output.is_empty());
        assert_eq!(r.read_command(limits, &mut plus).unwrap(), Frame::Command(b"t2 SEARCH TEXT {5}\r\nabcde".to_vec()));
        // APPEND's messages under the streaming size are held under --max-literal.
        let f = r.read_command(limits, &mut plus).unwrap();
        assert_eq!(f, Frame::Command(b"t3 APPEND x {9}\r\n123456789".to_vec()));
        let mut r = reader(b"t SEARCH TEXT {6+}\r\nabcdef\r\n");
        match r.read_command(limits, &mut plus).unwrap() {
            Frame::Fatal { tag, response } => {
                assert_eq!(tag.as_deref(), Some("t"));
                assert_eq!(response.to_string(), "BAD [TOOBIG] Literal too large for this command (limit 5 octets)");
            }
            f => panic!("{f:?}"),
        }
    }

    #[test]
    fn held_literals_past_the_server_budget_are_refused_with_limit() {
        let budget = Budget::new(10);
        let limits = Limits { max_held: 1 << 20, max_literal: 1 << 20, max_command: 1 << 30, ..LIMITS };
        let big = HELD_FREE as usize - 5;
        let mut input = format!("t SEARCH TEXT {{{big}}}\r\n").into_bytes();
        input.extend(std::iter::repeat_n(b'x', big));
        input.extend_from_slice(b" TEXT {20}\r\n");
        let mut r = reader(&input);
        r.set_budget(budget.clone());
        match r.read_command(limits, &mut plus).unwrap() {
            Frame::Rejected { tag, response } => {
                assert_eq!(tag.as_deref(), Some("t"));
                assert!(response.to_string().starts_with("NO [LIMIT] "), "{response}");
            }
            f => panic!("{f:?}"),
        }
        // Within the budget, what is held past the free part is counted
        // until the next command is read.
        let mut input = format!("t SEARCH TEXT {{{big}}}\r\n").into_bytes();
        input.extend(std::iter::repeat_n(b'x', big));
        input.extend_from_slice(b" TEXT {10}\r\n0123456789\r\n");
        let mut r = reader(&input);
        r.set_budget(budget.clone());
        assert!(matches!(r.read_command(limits, &mut plus).unwrap(), Frame::Command(_)));
        assert_eq!(budget.used(), 5);
        assert_eq!(r.read_command(limits, &mut plus).unwrap(), Frame::Closed);
        assert_eq!(budget.used(), 0);
    }

    #[test]
    fn lines_and_bare_lf() {
        let mut r = reader(b"a NOOP\r\nb NOOP\nc");
        assert_eq!(read(&mut r).unwrap(), Frame::Command(b"a NOOP".to_vec()));
        assert_eq!(read(&mut r).unwrap(), Frame::Command(b"b NOOP".to_vec()));
        assert_eq!(read(&mut r).unwrap_err().kind(), io::ErrorKind::UnexpectedEof);
    }

    #[test]
    fn sync_literal_gets_a_continuation() {
        let mut r = reader(b"a LOGIN {3}\r\nb\r\n {2}\r\npw\r\n");
        assert_eq!(read(&mut r).unwrap(), Frame::Command(b"a LOGIN {3}\r\nb\r\n {2}\r\npw".to_vec()));
        assert_eq!(r.get_ref().output, b"+ Ready for literal data\r\n+ Ready for literal data\r\n");
        assert_eq!(read(&mut r).unwrap(), Frame::Closed);
    }

    #[test]
    fn literal_plus_needs_no_continuation() {
        let mut r = reader(b"a LOGIN {1+}\r\nu {1+}\r\np\r\n");
        assert_eq!(read(&mut r).unwrap(), Frame::Command(b"a LOGIN {1+}\r\nu {1+}\r\np".to_vec()));
        assert!(r.get_ref().output.is_empty());
    }

    #[test]
    fn long_line_is_rejected_and_the_next_command_works() {
        let mut input = b"t1 NOOP ".to_vec();
        input.extend(std::iter::repeat_n(b'x', 500));
        input.extend_from_slice(b"\r\nt2 NOOP\r\n");
        let mut r = reader(&input);
        match read(&mut r).unwrap() {
            Frame::Rejected { tag, response } => {
                assert_eq!(tag.as_deref(), Some("t1"));
                assert!(response.to_string().starts_with("BAD"));
            }
            f => panic!("{f:?}"),
        }
        assert_eq!(read(&mut r).unwrap(), Frame::Command(b"t2 NOOP".to_vec()));
    }

    #[test]
    fn oversized_sync_literal_is_refused_without_continuation() {
        let mut r = reader(b"t APPEND x {999}\r\nt2 NOOP\r\n");
        match read(&mut r).unwrap() {
            Frame::Rejected { tag, response } => {
                assert_eq!(tag.as_deref(), Some("t"));
                assert!(response.to_string().contains("TOOBIG"));
            }
            f => panic!("{f:?}"),
        }
        assert!(r.get_ref().output.is_empty());
        assert_eq!(read(&mut r).unwrap(), Frame::Command(b"t2 NOOP".to_vec()));
    }

    #[test]
    fn oversized_literal_plus_is_skipped() {
        let mut input = b"t APPEND x {30+}\r\n".to_vec();
        input.extend([b'z'; 30]);
        input.extend_from_slice(b"\r\nt2 NOOP\r\n");
        let mut r = reader(&input);
        assert!(matches!(read(&mut r).unwrap(), Frame::Rejected { .. }));
        assert_eq!(read(&mut r).unwrap(), Frame::Command(b"t2 NOOP".to_vec()));
    }

    #[test]
    fn literal_cut_short_is_an_error() {
        let mut r = reader(b"t LOGIN x {10}\r\nabc");
        assert_eq!(read(&mut r).unwrap_err().kind(), io::ErrorKind::UnexpectedEof);
    }

    #[test]
    fn a_large_append_literal_is_left_to_the_caller() {
        let mut r = reader(b"t APPEND x {12}\r\nhello, world more\r\nt2 NOOP\r\n");
        let Frame::Literal { prefix, size, sync } = read(&mut r).unwrap() else { panic!() };
        assert_eq!((prefix.as_slice(), size, sync), (&b"t APPEND x {12}"[..], 12, true));
        assert!(r.get_ref().output.is_empty(), "no continuation until the handler wants the octets");
        let mut data = Vec::new();
        r.literal_reader(size).read_to_end(&mut data).unwrap();
        assert_eq!(data, b"hello, world");
        assert_eq!(
            r.continue_command(b"t APPEND x".to_vec(), LIMITS, &mut plus).unwrap(),
            Frame::Command(b"t APPEND x more".to_vec())
        );
        assert_eq!(read(&mut r).unwrap(), Frame::Command(b"t2 NOOP".to_vec()));
    }

    #[test]
    fn only_append_literals_are_streamed() {
        let mut r = reader(b"t LOGIN {12}\r\nhello, world\r\n");
        assert!(matches!(read(&mut r).unwrap(), Frame::Command(_)));
    }

    #[test]
    fn announce_forms() {
        assert_eq!(literal_at_end(b"x {12}"), Some(Announce { size: 12, sync: true }));
        assert_eq!(literal_at_end(b"x ~{3+}"), Some(Announce { size: 3, sync: false }));
        assert_eq!(literal_at_end(b"x {}"), None);
        assert_eq!(literal_at_end(b"x {1a}"), None);
        assert_eq!(literal_at_end(b"x {99999999999999999999}"), None);
    }

    #[test]
    fn binary_input_before_login_is_garbage_at_once() {
        // A ClientHello's first octets, with no line break after them.
        for input in [&b"\x16\x03\x01\x02\x00"[..], b"\x80\x2e\x01", b"\0\0", b"a\0 NOOP\r\n", b"a\xc3\xa4 NOOP\r\n"] {
            let mut r = reader(input);
            assert!(matches!(r.read_command(PREAUTH, &mut plus).unwrap(), Frame::Garbage { .. }), "{input:?}");
        }
        // Empty lines and printable nonsense are BAD, not garbage; after
        // login nothing is garbage.
        for input in [&b"\r\nGET / HTTP/1.1\r\n"[..], b"a NOOP\r\n"] {
            let mut r = reader(input);
            assert!(matches!(r.read_command(PREAUTH, &mut plus).unwrap(), Frame::Command(_)), "{input:?}");
        }
        let mut r = reader(b"\x16\x03\x01\r\n");
        assert!(matches!(r.read_command(LIMITS, &mut plus).unwrap(), Frame::Command(_)));
    }

    proptest! {
        #[test]
        fn random_input_never_panics(input in proptest::collection::vec(any::<u8>(), 0..400), strict: bool) {
            let mut r = reader(&input);
            let limits = if strict { PREAUTH } else { LIMITS };
            for _ in 0..50 {
                match r.read_command(limits, &mut plus) {
                    Ok(Frame::Closed) | Err(_) => break,
                    Ok(Frame::Garbage { .. }) => {
                        prop_assert!(strict);
                        break;
                    }
                    Ok(Frame::Fatal { response, .. }) => {
                        prop_assert!(strict && response.to_string().starts_with("NO [TOOBIG]"));
                        break;
                    }
                    Ok(Frame::Command(c)) => prop_assert!(!c.is_empty() || input.contains(&b'\n')),
                    Ok(Frame::Rejected { response, .. }) => prop_assert!(!response.to_string().is_empty()),
                    Ok(Frame::Literal { size, .. }) => {
                        prop_assert!(size >= LIMITS.stream_from);
                        if r.skip_literal(size).is_err() {
                            break;
                        }
                    }
                }
            }
        }
    }
}
