//! The response writer: the only code that writes to the client's stream.
//! Responses are queued (typed, rendered with the session's [`Dialect`]),
//! then written in one go; large literals from mapped message files go to
//! the stream without being copied into the queue.

use std::io::{self, IoSlice, Write};

use crate::proto::response::Reply;
use crate::proto::untagged::{Dialect, Response};

/// Queued output and what the session negotiated.
#[derive(Default)]
pub struct Writer {
    out: Vec<u8>,
    /// What ENABLE switched on; every response is rendered with it.
    pub dialect: Dialect,
    /// Octets written to the client so far.
    pub bytes_out: u64,
    /// A tag not to be written into the log at the next flush: that of a
    /// command that did not parse, which may be a password sent alone.
    hidden_tag: Option<String>,
}

impl Writer {
    /// Queues a response, rendered for the session's dialect.
    pub fn push(&mut self, r: &Response) {
        r.render(&self.dialect, &mut self.out);
    }

    /// Keeps `tag` out of the log of the next flush (see `hidden_tag`).
    pub fn hide_tag_in_log(&mut self, tag: &str) {
        self.hidden_tag = Some(tag.to_string());
    }

    /// Queues the tagged completion `tag OK|NO|BAD [code] text`, rendered
    /// straight into the queue (no `Response` built for it).
    pub fn tagged(&mut self, tag: &str, reply: &Reply) {
        self.out.extend_from_slice(tag.as_bytes());
        self.out.push(b' ');
        reply.render(&mut self.out);
        self.out.extend_from_slice(b"\r\n");
    }

    /// The queue itself, for a response built piece by piece (a FETCH line
    /// with its literals); whatever is appended must be complete wire data.
    pub fn buffer(&mut self) -> &mut Vec<u8> {
        &mut self.out
    }

    /// Gives back the queue's memory when it grew past `keep` octets
    /// (call with nothing queued).
    pub fn shrink(&mut self, keep: usize) {
        if self.out.is_empty() && self.out.capacity() > keep {
            self.out = Vec::new();
        }
    }

    /// Octets queued and not yet written.
    pub fn queued(&self) -> usize {
        self.out.len()
    }

    /// Writes the queue to `stream`; returns the octets written.
    pub fn flush<W: Write>(&mut self, stream: &mut W, log_tag: &str) -> io::Result<u64> {
        if self.out.is_empty() {
            self.hidden_tag = None;
            return Ok(0);
        }
        self.log_queue(log_tag);
        stream.write_all(&self.out)?;
        stream.flush()?;
        let n = self.out.len() as u64;
        self.bytes_out += n;
        self.out.clear();
        Ok(n)
    }

    /// Logs the queued lines (at debug level), the hidden tag masked.
    fn log_queue(&mut self, log_tag: &str) {
        let hidden = self.hidden_tag.take();
        if log::log_enabled!(log::Level::Debug) {
            for line in String::from_utf8_lossy(&self.out).lines() {
                let shown = match hidden.as_deref().and_then(|t| line.strip_prefix(t)) {
                    Some(rest) if rest.starts_with(' ') => format!("(tag){rest}"),
                    _ => line.to_string(),
                };
                log::debug!("{log_tag} S: {}", super::truncate(&shown));
            }
        }
    }

    /// Writes the queue, then `data` straight from where it lies (a large
    /// literal's octets, announced by what was queued last).
    pub fn direct<W: Write>(&mut self, stream: &mut W, data: &[u8], log_tag: &str) -> io::Result<u64> {
        if crate::store::mapped::is_mapped(data) {
            let n = self.flush(stream, log_tag)?;
            log::debug!("{log_tag} S: ({} octets of literal data)", data.len());
            // Through a bounce buffer: a page lost from the map must read
            // as zeros, not fail the write (see store::mapped).
            crate::store::mapped::write_copied(stream, data)?;
            self.bytes_out += data.len() as u64;
            return Ok(n + data.len() as u64);
        }
        // Octets in memory: the queue and the data in one writev, with no
        // copy and no separate write for the few octets that announce it.
        self.log_queue(log_tag);
        log::debug!("{log_tag} S: ({} octets of literal data)", data.len());
        let n = (self.out.len() + data.len()) as u64;
        write_all_vectored(stream, &self.out, data)?;
        self.bytes_out += n;
        self.out.clear();
        Ok(n)
    }

    /// Queues a continuation request and writes it at once (the client
    /// waits for it): used by the reader for synchronizing literals.
    pub fn continuation<W: Write>(&mut self, stream: &mut W, text: &str, log_tag: &str) -> io::Result<u64> {
        // Written as Response::Continuation renders it, without the String.
        self.out.extend_from_slice(b"+ ");
        self.out.extend_from_slice(text.as_bytes());
        self.out.extend_from_slice(b"\r\n");
        self.flush(stream, log_tag)
    }
}

/// Writes `a` then `b`, with as few `writev` calls as the stream allows.
fn write_all_vectored<W: Write>(stream: &mut W, a: &[u8], b: &[u8]) -> io::Result<()> {
    let mut bufs = [IoSlice::new(a), IoSlice::new(b)];
    let mut bufs = &mut bufs[..];
    IoSlice::advance_slices(&mut bufs, 0);
    while !bufs.is_empty() {
        match stream.write_vectored(bufs) {
            Ok(0) => return Err(io::ErrorKind::WriteZero.into()),
            Ok(n) => IoSlice::advance_slices(&mut bufs, n),
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
    Ok(())
}

/// Writes `* BYE text` to a connection that has no session (refused over a
/// cap before one starts), rendered as every session's, and flushes it.
pub fn bye_without_session(out: &mut dyn Write, text: &str) -> io::Result<()> {
    let mut bye = Vec::new();
    Response::Bye(text.into()).render(&Dialect::default(), &mut bye);
    out.write_all(&bye)?;
    out.flush()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::proto::response::Code;

    #[test]
    fn direct_writes_match_the_typed_responses() {
        let d = Dialect::default();
        let reply = Reply::no(Code::TryCreate, "Mailbox does not exist");
        let mut typed = Vec::new();
        Response::Tagged("a1".into(), reply.clone()).render(&d, &mut typed);
        Response::Continuation("Ready".into()).render(&d, &mut typed);
        let mut w = Writer::default();
        w.tagged("a1", &reply);
        let mut sent = Vec::new();
        w.continuation(&mut sent, "Ready", "t").unwrap();
        assert_eq!(sent, typed);
        assert_eq!(sent, b"a1 NO [TRYCREATE] Mailbox does not exist\r\n+ Ready\r\n");
    }
}
