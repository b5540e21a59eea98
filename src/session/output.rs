//! The session's connection and response queue, lent to handlers as
//! [`client::Output`]: what they queue the writer renders, and only the
//! writer writes it to the stream.

use std::io;
use std::net::SocketAddr;

use super::writer::Writer;
use crate::activity::Handle;
use crate::client;
use crate::mail::fetch::Sink;
use crate::net::Stream;
use crate::proto::reader::{Frame, Limits, Reader};
use crate::proto::response::Reply;
use crate::proto::untagged::{Dialect, Response};

/// The connection, the responses not yet written to it, and the monitor's
/// row that counts what is sent.
pub(super) struct Io {
    /// The connection, buffered for reading.
    pub conn: Reader<Stream>,
    /// Responses not yet written, and the dialect they are written in.
    pub writer: Writer,
    /// The session's row in the monitor's table.
    pub monitor: Handle,
    /// The session number, for the log tag.
    pub id: u64,
}

impl Io {
    fn tag(&self) -> String {
        format!("IMAP-{:05}", self.id)
    }

    /// Reads the next command (or goes on with one after a streamed
    /// literal, `head` standing for what was consumed); the writer sends
    /// the `+` before each synchronizing literal.
    pub fn read(&mut self, head: Option<Vec<u8>>, limits: Limits) -> io::Result<Frame> {
        let tag = self.tag();
        let (writer, monitor) = (&mut self.writer, &self.monitor);
        let mut ask = |stream: &mut Stream| {
            monitor.sent(writer.continuation(stream, "Ready for literal data", &tag)?);
            Ok(())
        };
        match head {
            None => self.conn.read_command(limits, &mut ask),
            Some(head) => self.conn.continue_command(head, limits, &mut ask),
        }
    }
}

impl Io {
    /// Sends a continuation request (`+ text`) at once: the client waits
    /// for it before it goes on.
    pub fn continuation(&mut self, text: &str) -> io::Result<()> {
        let tag = self.tag();
        let n = self.writer.continuation(self.conn.get_mut(), text, &tag)?;
        self.monitor.sent(n);
        Ok(())
    }
}

impl Sink for Io {
    fn buffer(&mut self) -> &mut Vec<u8> {
        self.writer.buffer()
    }

    fn queued(&self) -> usize {
        self.writer.queued()
    }

    fn flush(&mut self) -> io::Result<()> {
        let tag = self.tag();
        let n = self.writer.flush(self.conn.get_mut(), &tag)?;
        self.monitor.sent(n);
        Ok(())
    }

    fn write_direct(&mut self, data: &[u8]) -> io::Result<()> {
        let tag = self.tag();
        let n = self.writer.direct(self.conn.get_mut(), data, &tag)?;
        self.monitor.sent(n);
        Ok(())
    }
}

impl client::Output for Io {
    fn push(&mut self, r: &Response) {
        self.writer.push(r);
    }

    fn tagged(&mut self, tag: &str, reply: &Reply) {
        self.writer.tagged(tag, reply);
    }

    fn dialect(&self) -> Dialect {
        self.writer.dialect
    }

    fn dialect_mut(&mut self) -> &mut Dialect {
        &mut self.writer.dialect
    }

    fn is_tls(&self) -> bool {
        self.conn.get_ref().is_tls()
    }

    fn is_compressed(&self) -> bool {
        self.conn.get_ref().is_compressed()
    }

    fn local_addr(&self) -> Option<SocketAddr> {
        self.conn.get_ref().tcp().local_addr().ok()
    }

    fn monitor(&self) -> &Handle {
        &self.monitor
    }
}
