//! What commands ask of the connection itself, carried out here so that
//! handlers never touch the stream: STARTTLS's handshake, COMPRESS's
//! deflate layer, LOGOUT's end (IDLE is `session::idle`).

use std::io;
use std::ops::ControlFlow;

use super::{Session, State};
use crate::cmd::{Exchange, Outcome, Upload};
use crate::net::Stream;
use crate::proto::reader::Frame;
use crate::proto::reader::Reader;
use crate::proto::response::{Reply, Status};
use crate::proto::untagged::Response;

impl Session {
    /// STARTTLS (RFC 3501 6.2.1): OK in clear text, then the handshake.
    /// Bytes the client pipelined after the command are dropped, never read
    /// as if they had come over TLS (an injection defence, RFC 7817 3).
    pub(super) fn start_tls(&mut self, tag: &str) -> io::Result<()> {
        let Some(tls) = self.shared.tls.clone() else { return Ok(()) };
        self.complete(tag, Ok("Begin TLS negotiation now".into()));
        self.flush()?;
        let dropped = self.io.conn.discard_buffered();
        if dropped > 0 {
            log::warn!(
                "{} [{}] dropped {dropped} octets sent after STARTTLS before the handshake",
                self.tag(),
                self.peer
            );
        }
        // Swap the connection out, upgrade it, and put a fresh reader back.
        // The socket keeps its login deadline: the handshake counts against it.
        let placeholder = Reader::new(Stream::plain_tcp(self.io.conn.get_ref().tcp().try_clone()?));
        let plain = std::mem::replace(&mut self.io.conn, placeholder).into_inner();
        let upgraded = plain.upgrade(&tls)?;
        log::trace!("{} [{}] TLS started: {}", self.tag(), self.peer, upgraded.tls_description().unwrap_or_default());
        self.io.conn = Reader::new(upgraded);
        Ok(())
    }

    /// True once COMPRESS DEFLATE is on.
    pub fn is_compressed(&self) -> bool {
        self.io.conn.get_ref().is_compressed()
    }

    /// COMPRESS DEFLATE (RFC 4978): OK in clear, then the stream's deflate
    /// layer goes on, under everything else the session writes.
    pub(super) fn start_deflate(&mut self, tag: &str) -> io::Result<()> {
        self.complete(tag, Ok("DEFLATE active".into()));
        self.flush()?;
        // Whatever the client sent right behind the command is already
        // compressed: it goes to the inflater, not to the command reader.
        let pending = self.io.conn.take_buffered();
        self.io.conn.get_mut().start_deflate(pending);
        log::trace!("{} [{}] COMPRESS=DEFLATE started", self.tag(), self.peer);
        Ok(())
    }

    /// AUTHENTICATE's exchange (RFC 3501 6.2.2): each challenge goes out
    /// as a continuation request, and the client's line goes back to the
    /// exchange, until it ends in the command's outcome. A line longer
    /// than the exchange allows is handed on as `None` (a failed attempt).
    pub(super) fn sasl(&mut self, mut ex: Exchange) -> io::Result<Outcome> {
        loop {
            self.io.continuation(&ex.challenge())?;
            let line = match self.io.conn.read_line(Exchange::MAX_LINE) {
                Ok(Some(line)) => Some(line),
                Ok(None) => return Err(io::ErrorKind::UnexpectedEof.into()),
                Err(e) if e.kind() == io::ErrorKind::InvalidData => None,
                Err(e) => return Err(e),
            };
            match ex.answer(&mut self.ctx(), line) {
                ControlFlow::Continue(next) => ex = next,
                ControlFlow::Break(outcome) => return Ok(outcome),
            }
        }
    }

    /// An APPEND whose literal is too large for memory (the reader's
    /// `Frame::Literal`): each literal is read from the connection into the
    /// mailbox through [`Upload`], and the command is read on after it
    /// (MULTIAPPEND); what a refused command still sends is read away.
    pub(super) fn stream_append(&mut self, mut prefix: Vec<u8>, mut size: u64, mut sync: bool) -> io::Result<()> {
        let mut up = Upload::new(&self.ctx(), &prefix);
        let result = loop {
            if let Err(reply) = up.prepare(&mut self.ctx(), &prefix, size) {
                if !sync {
                    // The octets come anyway: drop them and the rest.
                    self.io.conn.skip_literal(size)?;
                    self.skip_literals(false)?;
                }
                break Err(reply);
            }
            if sync {
                self.io.continuation("Ready for literal data")?;
            }
            let mut data = self.io.conn.literal_reader(size);
            let stored = up.store(&mut data, size);
            if data.left() > 0 {
                // The store stopped early: the connection failed, or the
                // store refused; either way the rest of the literal must go.
                io::copy(&mut data, &mut io::sink())?;
            }
            if let Err(reply) = stored {
                // Finish reading the command, then refuse it.
                self.skip_literals(true)?;
                break Err(reply);
            }
            let frame = self.continue_command(up.head())?;
            let frame = match up.close(frame) {
                Ok(f) => f,
                Err((reply, skip)) => {
                    if let Some(n) = skip {
                        self.io.conn.skip_literal(n)?;
                    }
                    break Err(reply);
                }
            };
            match frame {
                Frame::Command(rest) if rest == up.head() => break Ok(()),
                Frame::Command(rest) => match up.rest(&mut self.ctx(), &rest) {
                    Ok(done) => break done,
                    // A message the store refused ends the command at once.
                    Err(r) => return self.end_upload(up.tag().to_string(), Err(r)),
                },
                Frame::Literal { prefix: p, size: n, sync: y } => (prefix, size, sync) = (p, n, y),
                // Fatal comes only before login, where APPEND is not valid.
                Frame::Rejected { response, .. } | Frame::Fatal { response, .. } => {
                    break Err(Reply { kind: Status::No, ..response })
                }
                // Garbage is detected only at the start of a command before login.
                Frame::Closed | Frame::Garbage { .. } => return Err(io::ErrorKind::UnexpectedEof.into()),
            }
        };
        let tag = up.tag().to_string();
        self.end_upload(tag, up.end(result))
    }

    /// Reads away the literals that follow in the command being read (the
    /// non-synchronizing ones only unless `all`: a client waits for the
    /// `+` of the others).
    fn skip_literals(&mut self, all: bool) -> io::Result<()> {
        while let Frame::Literal { size, sync, .. } = self.continue_command(b"x".to_vec())? {
            if sync && !all {
                break;
            }
            self.io.conn.skip_literal(size)?;
        }
        Ok(())
    }

    /// Goes on reading the command after a streamed literal, `head`
    /// standing for what was read of it.
    fn continue_command(&mut self, head: Vec<u8>) -> io::Result<Frame> {
        let limits = crate::client::limits(&self.shared.config, &self.state);
        self.io.read(Some(head), limits)
    }

    /// The end of a streamed APPEND: others' changes, then the tagged reply.
    fn end_upload(&mut self, tag: String, outcome: Outcome) -> io::Result<()> {
        self.sync_view(true);
        self.ctx().complete(&tag, outcome);
        Ok(())
    }

    /// LOGOUT (RFC 3501 6.1.3): BYE first, then the tagged OK; the
    /// command loop ends after it.
    pub(super) fn logout(&mut self) -> Outcome {
        self.respond(Response::Bye("Logging out".into()));
        if let Some(u) = self.login() {
            log::error!("{} [{}] logout {}", self.tag(), self.peer, u.account.user);
        }
        self.state = State::Logout;
        Ok("LOGOUT completed".into())
    }
}
