//! What commands ask of the connection itself, carried out here so that
//! handlers never touch the stream: STARTTLS's handshake, COMPRESS's
//! deflate layer, LOGOUT's end (IDLE is `session::idle`).

use std::io;
use std::ops::ControlFlow;

use super::{Session, State};
use crate::client::Output;
use crate::cmd::{Exchange, Outcome};
use crate::net::Stream;
use crate::proto::reader::Reader;
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
