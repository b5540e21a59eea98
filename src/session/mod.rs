//! One client connection: the state machine (RFC 3501 section 3), the
//! command loop, and writing responses.

use std::io;
use std::net::SocketAddr;
use std::sync::Arc;

use crate::client::{self, Ctx, MailboxView, State, SyncExt};
use crate::cmd;
use crate::mail::fetch::Sink;
use crate::mail::Login;
use crate::net::Stream;
use crate::proto::parse::parse_command;
use crate::proto::reader::{Frame, Reader};
use crate::proto::response::{Code, Reply};
use crate::proto::untagged::{Dialect, Response};
use crate::shared::Shared;
use output::Io;
use writer::Writer;

mod effects;
pub mod idle;
mod notify;
mod output;
mod sync;
pub mod writer;

/// Consecutive unparseable commands before the server gives up on a client.
const MAX_BAD_COMMANDS: u32 = 20;
/// The same before login, much smaller (Dovecot allows 10): a real client
/// does not send three broken commands in a row before logging in, while
/// a browser tricked into posting to port 143 sends at least three header
/// lines (request line, Host, Content-Length...) before a body that could
/// hold IMAP commands, so the connection ends before the body is read.
const MAX_BAD_BEFORE_LOGIN: u32 = 3;
/// A response buffer larger than this is given back after a command.
const OUT_KEEP: usize = 256 * 1024;

/// A session's state and connection (its fields are the session's own:
/// handlers see the [`Ctx`] it lends them for each command).
pub struct Session {
    /// Server-wide state.
    shared: Arc<Shared>,
    /// The session number; logs show it as `IMAP-nnnnn`.
    id: u64,
    /// The client's address (as a trusted proxy reported it, if any).
    peer: SocketAddr,
    /// Where the connection comes from (see `crate::origin`).
    origin: crate::origin::Origin,
    /// The connection and the responses not yet written to it.
    io: Io,
    /// Where the session is in RFC 3501's state diagram, with the data
    /// of that state.
    state: State,
    /// Poked when the selected mailbox changes; IDLE waits on it.
    notifier: Arc<idle::Notifier>,
    /// The logged-in account's alerts (see `crate::alerts`).
    alerts: Option<crate::alerts::Watch>,
    /// CONDSTORE / QRESYNC, once enabled (RFC 7162).
    sync_ext: SyncExt,
    /// NOTIFY SET in force (RFC 5465; see `cmd::notify`, and
    /// `session::notify` for what it tells).
    notify: Option<crate::notify::Notify>,
}

/// Runs a session to its end. Never panics on client input; a panic from a
/// bug ends only this session (the pool catches it).
/// `release_channel` frees the session's channel; it is called as soon as
/// LOGOUT is answered, so a client reconnecting at once finds room.
pub fn run(shared: Arc<Shared>, stream: Stream, origin: crate::origin::Origin, id: u64, release_channel: &dyn Fn()) {
    let peer = origin.client;
    // Dropped last, panics included: the worker thread is root again after
    // the session, whatever account it served (see `auth::identity`).
    let _identity = crate::auth::identity::SessionGuard::new();
    // The login deadline is already on the socket (set at accept, so the
    // TLS handshake counted against it); logged_in() replaces it.
    let tls = stream.tls_description();
    let notifier = match idle::Notifier::new() {
        Ok(n) => Arc::new(n),
        Err(e) => {
            log::warn!("IMAP-{id:05} [{peer}] cannot create an eventfd: {e}");
            let (mut stream, mut w) = (stream, Writer::default());
            w.push(&Response::Bye("Server out of resources, try again later".into()));
            let _ = w.flush(&mut stream, &format!("IMAP-{id:05}"));
            return;
        }
    };
    let monitor = shared.monitor.register(id, peer, stream.tcp().try_clone().ok(), stream.is_tls());
    let budget = shared.budget.clone();
    let io = Io { conn: Reader::new(stream), writer: Writer::default(), monitor, id };
    let mut s = Session::new(shared, id, origin, io, notifier);
    s.io.conn.set_budget(budget);
    log::trace!("{} [{peer}] connected{}", s.tag(), tls.map(|t| format!(" with TLS {t}")).unwrap_or_default());
    let greeting = Reply::ok_code(Code::Capability(cmd::capabilities(&s.ctx())), "tegami ready");
    s.respond(Response::Condition(greeting));
    let result = s.flush().and_then(|_| s.command_loop());
    if s.state.is_logout() {
        release_channel();
    }
    if let Some(reason) = s.io.monitor.kicked().filter(|_| !s.state.is_logout()) {
        s.respond(Response::Bye(reason.to_string()));
        let _ = s.flush();
        log::error!("{} [{peer}] ended: {reason}", s.tag());
    } else if s.io.conn.get_ref().sock().stalled() {
        log::warn!("{} [{peer}] dropped: the client read nothing for --write-timeout", s.tag());
    } else if let Err(e) = result {
        match e.kind() {
            io::ErrorKind::WouldBlock | io::ErrorKind::TimedOut if s.state.is_not_authenticated() => {
                s.respond(Response::Bye("Login time limit reached".into()));
                let _ = s.flush();
                log::warn!("{} [{peer}] dropped: no login within --login-timeout", s.tag());
            }
            io::ErrorKind::WouldBlock | io::ErrorKind::TimedOut => {
                s.respond(Response::Bye("Autologout: idle for too long".into()));
                let _ = s.flush();
                log::warn!("{} [{peer}] autologout", s.tag());
            }
            // How clients quit (closing the socket in IDLE or halfway
            // through a command) is low-level detail: Problems is what
            // fail2ban and administrators read (issue 21, Fix 7d).
            io::ErrorKind::UnexpectedEof => {
                log::debug!("{} [{peer}] connection closed in the middle of a command", s.tag())
            }
            io::ErrorKind::ConnectionReset | io::ErrorKind::ConnectionAborted | io::ErrorKind::BrokenPipe => {
                log::debug!("{} [{peer}] connection reset by the client: {e}", s.tag())
            }
            _ => log::warn!("{} [{peer}] connection error: {e}", s.tag()),
        }
    }
    s.io.conn.get_mut().close();
    log::trace!("{} [{peer}] closed: {}", s.tag(), s.io.conn.get_ref().counts());
    drop(s);
    crate::store::memory::after_session();
}

impl Session {
    /// A new session, not authenticated yet.
    fn new(shared: Arc<Shared>, id: u64, origin: crate::origin::Origin, io: Io, notifier: Arc<idle::Notifier>) -> Self {
        let state = State::NotAuthenticated { failed_logins: 0 };
        let peer = origin.client;
        Session {
            shared,
            id,
            peer,
            origin,
            io,
            state,
            notifier,
            alerts: None,
            sync_ext: SyncExt::default(),
            notify: None,
        }
    }

    /// What a handler is lent of the session for one command.
    pub(crate) fn ctx(&mut self) -> Ctx<'_> {
        Ctx {
            shared: &self.shared,
            id: self.id,
            peer: &mut self.peer,
            origin: &mut self.origin,
            state: &mut self.state,
            out: &mut self.io,
            notifier: &self.notifier,
            alerts: &mut self.alerts,
            sync_ext: &mut self.sync_ext,
            notify: &mut self.notify,
        }
    }

    /// The log tag `IMAP-nnnnn`.
    pub fn tag(&self) -> String {
        format!("IMAP-{:05}", self.id)
    }

    /// Queues a typed response; the writer renders it for the session's
    /// dialect.
    pub fn respond(&mut self, r: Response) {
        self.io.writer.push(&r);
    }

    /// What the session negotiated, as the writer applies it.
    pub fn dialect(&self) -> Dialect {
        self.io.writer.dialect
    }

    /// Writes every queued response to the client.
    pub fn flush(&mut self) -> io::Result<()> {
        self.io.flush()
    }

    /// Reads the next command; the writer sends the `+` before each
    /// synchronizing literal.
    fn read_frame(&mut self) -> io::Result<Frame> {
        let limits = client::limits(&self.shared.config, &self.state);
        self.io.read(None, limits)
    }

    /// True when the connection is encrypted.
    pub fn is_tls(&self) -> bool {
        self.io.conn.get_ref().is_tls()
    }

    /// The selected mailbox, if any.
    fn view(&self) -> Option<&MailboxView> {
        self.state.view()
    }

    /// The logged-in user, if any.
    fn login(&self) -> Option<&Login> {
        self.state.login()
    }

    /// See [`Ctx::recheck_selected`].
    fn recheck_selected(&mut self) {
        self.ctx().recheck_selected()
    }

    /// See [`Ctx::refresh_selected`].
    fn refresh_selected(&mut self, close: bool) {
        self.ctx().refresh_selected(close)
    }

    /// See [`Ctx::sync_view`].
    fn sync_view(&mut self, expunge_ok: bool) {
        self.ctx().sync_view(expunge_ok)
    }

    fn command_loop(&mut self) -> io::Result<()> {
        let mut bad_in_a_row = 0;
        // Ends as well when the monitor or SIGTERM asks (run() says BYE).
        while !self.state.is_logout() && self.io.monitor.kicked().is_none() {
            // With NOTIFY, changes go out while the client is silent.
            notify::wait_for_command(self)?;
            let frame = self.read_frame()?;
            let took = match self.run_frame(frame)? {
                Step::End => return Ok(()),
                Step::Ran(took) => {
                    bad_in_a_row = 0;
                    self.observed();
                    took
                }
                Step::Refused(tag, response) => {
                    self.observed();
                    bad_in_a_row += 1;
                    let tag = tag.unwrap_or_else(|| "*".into());
                    if tag != "*" {
                        self.io.writer.hide_tag_in_log(&tag);
                    }
                    self.complete(&tag, Err(response));
                    let most = if self.state.is_not_authenticated() { MAX_BAD_BEFORE_LOGIN } else { MAX_BAD_COMMANDS };
                    if bad_in_a_row >= most {
                        self.respond(Response::Bye("Too many invalid commands".into()));
                        self.flush()?;
                        self.io.conn.get_mut().linger();
                        return Ok(());
                    }
                    None
                }
            };
            self.flush()?;
            // After the answer is out, so the client does not wait for it:
            // memory a long command used goes back to the system.
            if let Some(took) = took {
                crate::store::memory::after_command(took);
            }
            // A whole-mailbox FETCH queues up to FETCH's flush size at a
            // time; a session between commands keeps no buffer that size.
            self.io.writer.shrink(OUT_KEEP);
        }
        Ok(())
    }

    /// Carries out what the reader framed: a command, a streamed APPEND, or
    /// the end of the connection.
    fn run_frame(&mut self, frame: Frame) -> io::Result<Step> {
        match frame {
            Frame::Literal { prefix, size, sync } => {
                let shown = truncate(&String::from_utf8_lossy(&prefix));
                log::debug!("{} C: {shown} (literal streamed to the mailbox)", self.tag());
                let _running = self.io.monitor.begin("APPEND");
                self.stream_append(prefix, size, sync)?;
                Ok(Step::Ran(None))
            }
            Frame::Closed => {
                log::trace!("{} [{}] client closed the connection", self.tag(), self.peer);
                Ok(Step::End)
            }
            Frame::Garbage { why } => {
                log::warn!("{} [{}] not IMAP ({why}): closing", self.tag(), self.peer);
                self.respond(Response::Bye("This is an IMAP server: closing".into()));
                self.flush()?;
                // What the client still sends is read away (briefly), so
                // the close does not become a reset that loses the BYE.
                self.io.conn.get_mut().linger();
                Ok(Step::End)
            }
            Frame::Rejected { tag, response } => {
                log::warn!("{} [{}] command refused: {response}", self.tag(), self.peer);
                Ok(Step::Refused(tag, response))
            }
            Frame::Fatal { tag, response } => {
                log::warn!("{} [{}] command refused, closing: {response}", self.tag(), self.peer);
                let tag = tag.unwrap_or_else(|| "*".into());
                self.complete(&tag, Err(response));
                self.respond(Response::Bye("Command too large for an unauthenticated connection".into()));
                self.flush()?;
                self.io.conn.get_mut().linger();
                Ok(Step::End)
            }
            Frame::Command(bytes) => self.run_command(&bytes),
        }
    }

    /// Parses and runs one complete command.
    fn run_command(&mut self, bytes: &[u8]) -> io::Result<Step> {
        let parsed = parse_command(bytes);
        // A line that does not parse is not logged: it may be a password a
        // confused client sent on a line of its own.
        if log::log_enabled!(log::Level::Debug) {
            let shown = match &parsed {
                Ok(_) => cmd::masked_for_log(bytes),
                Err(_) => format!("(a command that does not parse, {} octets)", bytes.len()),
            };
            log::debug!("{} C: {}", self.tag(), truncate(&shown));
        }
        match parsed {
            Ok(command) => {
                let started = std::time::Instant::now();
                let _running = self.io.monitor.begin(command.body.kind().spec().name);
                let before_login = self.state.is_not_authenticated();
                let ran = cmd::execute(&mut self.ctx(), command)?;
                self.finish(ran)?;
                if before_login && self.login().is_some() {
                    // The login deadline is over; from now on, inactivity
                    // (RFC 3501 5.4).
                    let autologout = self.shared.config.net.autologout;
                    self.io.conn.get_mut().set_timing(None, Some(autologout));
                }
                Ok(Step::Ran(Some(started.elapsed())))
            }
            Err(e) => {
                log::warn!("{} [{}] bad command: {}", self.tag(), self.peer, e.message);
                Ok(Step::Refused(e.tag, Reply::bad(e.message)))
            }
        }
    }

    /// Hands the monitor what it shows of this session (see
    /// `crate::activity::Observed`).
    fn observed(&self) {
        let seen = crate::activity::Observed {
            bytes_in: self.io.conn.bytes_in,
            failed_logins: match self.state {
                State::NotAuthenticated { failed_logins } => failed_logins,
                _ => 0,
            },
            tls: self.is_tls(),
            account: self.login().map(|u| u.account.user.as_str()),
            mailbox: self.view().map(|v| v.name.as_str()),
        };
        crate::activity::observe(&self.io.monitor, seen);
    }

    /// Writes the tagged completion of a command.
    pub fn complete(&mut self, tag: &str, result: Result<Reply, Reply>) {
        let (Ok(reply) | Err(reply)) = &result;
        self.io.writer.tagged(tag, reply);
    }

    /// Queues `* OK [ALERT] text` for each alert due (none before login
    /// or after LOGOUT); `crate::alerts` says which.
    pub fn report_alerts(&mut self) {
        if self.state.is_logout() {
            return;
        }
        let Some(watch) = self.alerts.as_ref() else { return };
        for a in watch.to_show(self.dialect().rev2) {
            log::error!("{} {}", self.tag(), a.log);
            self.io.monitor.stats().alert_shown();
            self.respond(Response::Condition(Reply::ok_code(Code::Alert, a.text)));
        }
    }
}

/// How a frame went, for the command loop.
enum Step {
    /// The connection ends (closed, not IMAP, or refused for good).
    End,
    /// A command ran; how long it took when it was parsed in memory.
    Ran(Option<std::time::Duration>),
    /// The reader or parser refused a command (with its tag, if read).
    Refused(Option<String>, Reply),
}

/// Shortens a log line so one huge command cannot flood the log.
fn truncate(s: &str) -> String {
    const MAX: usize = 500;
    if s.len() <= MAX {
        return s.to_string();
    }
    let mut end = MAX;
    while !s.is_char_boundary(end) {
        end -= 1;
    }
    format!("{}... ({} octets)", &s[..end], s.len())
}

#[cfg(test)]
impl Session {
    /// A session over `stream` in `state`, for tests that drive it in
    /// process without the command loop.
    pub(crate) fn for_tests(shared: Arc<Shared>, stream: Stream, peer: SocketAddr, state: State) -> Session {
        let monitor = shared.monitor.register(1, peer, None, false);
        let io = Io { conn: Reader::new(stream), writer: Writer::default(), monitor, id: 1 };
        let notifier = Arc::new(idle::Notifier::new().expect("an eventfd"));
        let mut s = Session::new(shared, 1, crate::origin::Origin::direct(peer), io, notifier);
        s.state = state;
        s
    }

    /// Runs one command's handler as [`cmd::execute`] does (no sync, no
    /// tagged reply); what it queued is dropped unread.
    pub(crate) fn execute_for_tests(&mut self, command: crate::proto::command::Command) {
        cmd::execute(&mut self.ctx(), command).expect("no connection error");
        self.io.writer = Writer::default();
    }

    /// The session's state.
    pub(crate) fn state(&self) -> &State {
        &self.state
    }
}
