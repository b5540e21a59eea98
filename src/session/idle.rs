//! IDLE (RFC 2177), as the session carries it out: changes reach the
//! client the moment they happen (the sync on each wake of the notifier),
//! and a `* OK Still here` every `--idle-keepalive` seconds keeps NAT boxes
//! from dropping the connection. What it waits with is the leaf module
//! [`crate::notifier`].

use std::io;
use std::os::fd::AsRawFd;
use std::time::Instant;

pub use crate::notifier::{wait, Notifier, Wake};

use super::Session;
use crate::cmd::Outcome;
use crate::proto::response::Reply;
use crate::proto::untagged::Response;

impl Session {
    /// Runs IDLE until the client sends DONE; the command's outcome.
    pub(super) fn idle(&mut self) -> io::Result<Outcome> {
        let s = self;
        s.respond(Response::Continuation("idling".into()));
        let keepalive = s.shared.config.idle_keepalive;
        let mut last_sent = Instant::now();
        let notifier = s.notifier.clone();
        loop {
            notifier.drain();
            s.sync_wake(true);
            if s.state.is_logout() {
                // Told BYE (the selected mailbox got a new UIDVALIDITY).
                s.flush()?;
                return Ok(Ok("IDLE terminated".into()));
            }
            s.report_alerts();
            if s.io.writer.queued() > 0 {
                s.flush()?;
                last_sent = Instant::now();
            }
            let has_input = s.io.conn.buffered() > 0 || s.io.conn.get_mut().has_pending_input();
            let wake = if has_input {
                Wake::Input
            } else {
                let mut timeout = keepalive.saturating_sub(last_sent.elapsed());
                if s.view().is_some_and(|v| !v.mailbox().is_watched()) {
                    timeout = timeout.min(s.shared.config.poll_interval);
                }
                wait(s.io.conn.get_ref().as_raw_fd(), Some(&notifier), timeout)?
            };
            match wake {
                Wake::Input => {
                    let Some(line) = s.io.conn.read_line(s.shared.config.max_line)? else {
                        return Err(io::ErrorKind::UnexpectedEof.into());
                    };
                    log::debug!("{} C: {}", s.tag(), String::from_utf8_lossy(&line));
                    if line.eq_ignore_ascii_case(b"DONE") {
                        return Ok(Ok("IDLE terminated".into()));
                    }
                    return Ok(Err(Reply::bad("Expected DONE to end IDLE")));
                }
                Wake::Notified => {}
                Wake::Timeout => {
                    if last_sent.elapsed() >= keepalive {
                        s.respond(Response::Condition(Reply::ok("Still here")));
                    }
                }
            }
        }
    }
}
