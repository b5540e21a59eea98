//! One client connection: the state machine (RFC 3501 section 3), the
//! command loop, and writing responses.

use std::io;
use std::net::SocketAddr;
use std::sync::Arc;

use crate::auth::passwd::Account;
use crate::cmd;
use crate::mail::{resolve, Login, Scope};
use crate::net::Stream;
use crate::proto::parse::parse_command;
use crate::proto::reader::{Frame, Limits, Reader};
use crate::proto::response::{Code, Reply};
use crate::proto::untagged::{Dialect, Response};
use crate::shared::Shared;
pub use state::{Selected, State};
use writer::Writer;

mod contexts;
mod effects;
pub mod idle;
mod notify;
mod state;
mod sync;
pub mod view;
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
/// APPEND literals from this size on go straight to the mailbox's tmp/
/// instead of through memory.
const STREAM_FROM: u64 = 256 * 1024;
/// Failed logins on one connection before it is closed.
pub const MAX_FAILED_LOGINS: u32 = 3;

/// A session's state and connection.
pub struct Session {
    /// Server-wide state.
    pub shared: Arc<Shared>,
    /// The session number; logs show it as `IMAP-nnnnn`.
    pub id: u64,
    /// The client's address (as a trusted proxy reported it, if any).
    pub peer: SocketAddr,
    /// Where the connection comes from (see `crate::origin`).
    pub origin: crate::origin::Origin,
    /// The connection, buffered for reading.
    pub conn: Reader<Stream>,
    /// Responses not yet written, and the dialect they are written in.
    pub writer: Writer,
    /// Where the session is in RFC 3501's state diagram, with the data
    /// of that state.
    pub state: State,
    /// Poked when the selected mailbox changes; IDLE waits on it.
    pub notifier: Arc<idle::Notifier>,
    /// The logged-in account's alerts (see `crate::alerts`).
    pub alerts: Option<crate::alerts::Watch>,
    /// The session's row in the monitor's table.
    pub monitor: crate::activity::Handle,
    /// CONDSTORE / QRESYNC, once enabled (RFC 7162).
    pub sync_ext: view::SyncExt,
    /// NOTIFY SET in force (RFC 5465; see `cmd::notify`, and
    /// `session::notify` for what it tells).
    pub notify: Option<crate::notify::Notify>,
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
    let mut s = Session {
        shared,
        id,
        peer,
        origin,
        conn: Reader::new(stream),
        writer: Writer::default(),
        state: State::NotAuthenticated { failed_logins: 0 },
        notifier,
        alerts: None,
        monitor,
        sync_ext: view::SyncExt::default(),
        notify: None,
    };
    s.conn.set_budget(budget);
    log::trace!("{} [{peer}] connected{}", s.tag(), tls.map(|t| format!(" with TLS {t}")).unwrap_or_default());
    let greeting = Reply::ok_code(Code::Capability(cmd::capabilities(&s)), "tegami ready");
    s.respond(Response::Condition(greeting));
    let result = s.flush().and_then(|_| s.command_loop());
    if s.state.is_logout() {
        release_channel();
    }
    if let Some(reason) = s.monitor.kicked().filter(|_| !s.state.is_logout()) {
        s.respond(Response::Bye(reason.to_string()));
        let _ = s.flush();
        log::error!("{} [{peer}] ended: {reason}", s.tag());
    } else if s.conn.get_ref().sock().stalled() {
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
    s.conn.get_mut().close();
    log::trace!("{} [{peer}] closed: {}", s.tag(), s.conn.get_ref().counts());
    drop(s);
    crate::store::memory::after_session();
}

impl Session {
    /// The log tag `IMAP-nnnnn`.
    pub fn tag(&self) -> String {
        format!("IMAP-{:05}", self.id)
    }

    /// Queues a typed response; the writer renders it for the session's
    /// dialect.
    pub fn respond(&mut self, r: Response) {
        self.writer.push(&r);
    }

    /// What the session negotiated, as the writer applies it.
    pub fn dialect(&self) -> Dialect {
        self.writer.dialect
    }

    /// Writes every queued response to the client.
    pub fn flush(&mut self) -> io::Result<()> {
        let tag = self.tag();
        let n = self.writer.flush(self.conn.get_mut(), &tag)?;
        self.monitor.sent(n);
        Ok(())
    }

    /// Writes what is queued, then `data` without copying it into the
    /// response buffer (large literals from a mapped message file).
    pub fn write_direct(&mut self, data: &[u8]) -> io::Result<()> {
        let tag = self.tag();
        let n = self.writer.direct(self.conn.get_mut(), data, &tag)?;
        self.monitor.sent(n);
        Ok(())
    }

    /// Sends a continuation request (`+ text`) at once: the client waits
    /// for it before it goes on.
    pub fn continuation(&mut self, text: &str) -> io::Result<()> {
        let tag = self.tag();
        let n = self.writer.continuation(self.conn.get_mut(), text, &tag)?;
        self.monitor.sent(n);
        Ok(())
    }

    /// Reads the next command (or goes on with one after a streamed
    /// literal, `head` standing for what was consumed); the writer sends
    /// the `+` before each synchronizing literal.
    pub fn read_frame(&mut self, head: Option<Vec<u8>>) -> io::Result<Frame> {
        let limits = self.limits();
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

    /// True when the connection is encrypted.
    pub fn is_tls(&self) -> bool {
        self.conn.get_ref().is_tls()
    }

    /// True when clear-text login methods are allowed on this connection:
    /// over TLS; in clear text unless `--no-cleartext-login`, from the
    /// server's own address (Dovecot's rule for `disable_plaintext_auth`)
    /// or from anywhere with `--allow-cleartext-login`; behind a trusted
    /// front, as `origin` judges the client's own connection.
    pub fn cleartext_allowed(&self) -> bool {
        // Any address but the server's own, another loopback one
        // (127.0.0.2) included, is a different host here.
        let (local, c) = (self.conn.get_ref().tcp().local_addr().ok(), &self.shared.config);
        self.origin.cleartext_allowed(self.is_tls(), local, c.cleartext_login, c.cleartext_anywhere)
    }

    fn command_loop(&mut self) -> io::Result<()> {
        let mut bad_in_a_row = 0;
        // Ends as well when the monitor or SIGTERM asks (run() says BYE).
        while !self.state.is_logout() && self.monitor.kicked().is_none() {
            // With NOTIFY, changes go out while the client is silent.
            notify::wait_for_command(self)?;
            let frame = self.read_frame(None)?;
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
                        self.writer.hide_tag_in_log(&tag);
                    }
                    self.complete(&tag, Err(response));
                    let most = if self.state.is_not_authenticated() { MAX_BAD_BEFORE_LOGIN } else { MAX_BAD_COMMANDS };
                    if bad_in_a_row >= most {
                        self.respond(Response::Bye("Too many invalid commands".into()));
                        self.flush()?;
                        self.conn.get_mut().linger();
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
            self.writer.shrink(OUT_KEEP);
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
                let _running = self.monitor.begin("APPEND");
                cmd::execute_streamed(self, prefix, size, sync)?;
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
                self.conn.get_mut().linger();
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
                self.conn.get_mut().linger();
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
        let shown = match &parsed {
            Ok(_) => cmd::masked_for_log(bytes),
            Err(_) => format!("(a command that does not parse, {} octets)", bytes.len()),
        };
        log::debug!("{} C: {}", self.tag(), truncate(&shown));
        match parsed {
            Ok(command) => {
                let started = std::time::Instant::now();
                let _running = self.monitor.begin(command.body.kind().spec().name);
                let ran = cmd::execute(self, command)?;
                self.finish(ran)?;
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
            bytes_in: self.conn.bytes_in,
            failed_logins: match self.state {
                State::NotAuthenticated { failed_logins } => failed_logins,
                _ => 0,
            },
            tls: self.is_tls(),
            account: self.login().map(|u| u.account.user.as_str()),
            mailbox: self.view().map(|v| v.name.as_str()),
        };
        crate::activity::observe(&self.monitor, seen);
    }

    /// The reader's limits from the configuration.
    pub fn limits(&self) -> Limits {
        let c = &self.shared.config;
        if self.state.is_not_authenticated() {
            // Only small commands before login (--max-preauth-command).
            let most = c.net.max_preauth_command;
            return Limits {
                max_line: c.max_line,
                max_literal: c.max_literal.min(most),
                stream_from: STREAM_FROM,
                max_command: most,
                max_held: c.net.max_held_literal,
                strict: true,
            };
        }
        Limits {
            max_line: c.max_line,
            max_literal: c.max_literal,
            stream_from: STREAM_FROM,
            max_command: c.net.max_command,
            max_held: c.net.max_held_literal,
            strict: false,
        }
    }

    /// Writes the tagged completion of a command.
    pub fn complete(&mut self, tag: &str, result: Result<Reply, Reply>) {
        let (Ok(reply) | Err(reply)) = &result;
        self.writer.tagged(tag, reply);
    }

    /// Enters the authenticated state for `account`; a new account's
    /// maildir gets the default folders. Refused, with nothing created,
    /// when the maildir path is not absolute or not fully expanded.
    pub fn logged_in(&mut self, account: Account, how: &str) -> Result<(), Reply> {
        let root = match account.checked_maildir(&self.shared.config.mail) {
            Ok(root) => root,
            Err(why) => {
                log::warn!(
                    "{} [{}] login of {} refused: {why}; give the account a home or an absolute -m / userdb_mail",
                    self.tag(),
                    self.peer,
                    account.user
                );
                return Err(Reply::no(
                    Code::Unavailable,
                    "The account's mailbox location is not usable; the server log says why",
                ));
            }
        };
        let root = match self.enter_account(&account, &root) {
            Ok(root) => root,
            Err(why) => {
                log::warn!("{} [{}] login of {} refused: {why}", self.tag(), self.peer, account.user);
                return Err(Reply::no(
                    Code::Unavailable,
                    "The account's mail cannot be served safely; the server log says why",
                ));
            }
        };
        log::error!("{} [{}] login {} ({how})", self.tag(), self.peer, account.user);
        // Made before the store sees it, so every session names it by the
        // same canonical path (one shared state per mailbox).
        if let Err(e) = std::fs::create_dir_all(&root) {
            log::warn!("{} cannot create the maildir {}: {e}", self.tag(), root.display());
        }
        let mail = self.shared.store.account(root.clone());
        if let Err(e) = mail.ensure_default_mailboxes() {
            log::warn!("{} cannot create the default mailboxes in {}: {e}", self.tag(), mail.root().display());
        }
        // After the store has made the root a maildir (and given it its
        // mode), so the alert spool takes that mode.
        let alerts = self.shared.alerts.watch(&account.user, account.domain(), &root, self.notifier.clone());
        self.alerts = Some(alerts);
        self.state = State::Authenticated(Login { account, mail });
        // The login deadline is over; from now on, inactivity (RFC 3501 5.4).
        let autologout = self.shared.config.net.autologout;
        self.conn.get_mut().set_timing(None, Some(autologout));
        Ok(())
    }

    /// Takes the account's identity for file access (when the server runs
    /// as root) and checks the way to its maildir root (`store::root`);
    /// the root with its links resolved. On refusal the thread keeps root's
    /// identity and the reason is returned for the log.
    fn enter_account(&self, account: &Account, root: &std::path::Path) -> Result<std::path::PathBuf, String> {
        use crate::auth::identity;
        let c = &self.shared.config;
        let ids = identity::decide(account, c.first_valid_uid, c.demo.is_some())?;
        if let Some((uid, gid)) = ids {
            identity::switch(uid, gid).map_err(|e| format!("cannot take uid {uid} gid {gid}: {e}"))?;
        }
        // SAFETY: geteuid has no preconditions.
        let owner = ids.map_or_else(|| unsafe { libc::geteuid() }, |(uid, _)| uid);
        crate::store::root::resolve(root, owner).map_err(|why| {
            identity::restore();
            format!("the way to its maildir is not safe: {why}")
        })
    }

    /// What the mail layer is given of this session (see `mail::Scope`).
    pub fn scope(&self) -> Result<Scope<'_>, Reply> {
        Ok(Scope { shared: &self.shared, login: self.user()?, tag: self.tag() })
    }

    /// Whether the selected mailbox may still be read (true with none
    /// selected; see `mail::resolve::selected_readable`).
    pub fn selected_readable(&mut self) -> bool {
        match self.login_and_selected() {
            Some((login, selected)) => resolve::selected_readable(Some(&mut selected.access), &login.account.user),
            None => resolve::selected_readable(None, ""),
        }
    }

    /// Asks for a fresh look at the selected mailbox's ACL at the next
    /// [`Session::selected_readable`] (see `access::Target::recheck`).
    pub fn recheck_selected(&mut self) {
        if let Some(t) = self.access_mut() {
            t.recheck();
        }
    }

    /// Reads the rights on the selected mailbox again when its ACL file
    /// changed since, so a right the owner withdraws is gone at the
    /// session's next command, not at its next SELECT, and before anything
    /// IDLE or NOTIFY would send of it. Without `l` or `r` the mailbox is
    /// no longer selected when `close` (every command but those that leave
    /// it anyway), and the client is told (`mail::resolve::withdrawn`).
    pub fn refresh_selected(&mut self, close: bool) {
        if self.selected_readable() || !close {
            return;
        }
        let Some(display) = self.access().map(|t| t.display.clone()) else { return };
        log::info!("{} the rights on {display} were withdrawn: no longer selected", self.tag());
        self.unselect();
        for r in resolve::withdrawn() {
            self.respond(r);
        }
    }

    /// Turns CONDSTORE on for the session (RFC 7162 3.1: any CONDSTORE
    /// enabling command does).
    pub fn condstore_on(&mut self) {
        let first = !self.sync_ext.condstore;
        self.sync_ext.condstore = true;
        let Ok(v) = self.view_mut() else { return };
        v.ext.condstore = true;
        if first {
            // Enabled with a mailbox selected: its HIGHESTMODSEQ now.
            let line = view::highest_line(v.snapshot.highest_modseq);
            self.respond(line);
        }
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
            self.monitor.stats().alert_shown();
            self.respond(Response::Condition(Reply::ok_code(Code::Alert, a.text)));
        }
    }

    /// Queues untagged responses for changes others made to the selected
    /// mailbox. `expunge_ok` is false during FETCH, STORE and SEARCH
    /// (RFC 3501 7.4.1), when sequence numbers must not shift.
    pub fn report_changes(&mut self, expunge_ok: bool) {
        for r in self.view_updates(expunge_ok) {
            self.writer.push(&r);
        }
    }

    /// The responses for changes others made to the selected mailbox, for
    /// a caller that puts more around them (RFC 5267 context updates).
    pub fn view_updates(&mut self, expunge_ok: bool) -> Vec<Response> {
        let tag = self.tag();
        let Ok(view) = self.view_mut() else { return Vec::new() };
        if !view.mailbox().is_watched() {
            let synced = if view.read_only { view.mailbox().sync_keeping_new() } else { view.mailbox().sync() };
            if let Err(e) = synced {
                log::warn!("{tag} sync of {} failed: {e}", view.name);
            }
        }
        // The mailbox was numbered anew (its UIDs ran out, or its uid list
        // was lost): the client's UIDs mean nothing now, and no untagged
        // response can tell it. Dovecot ends the session here too.
        if view.mailbox().snapshot().uidvalidity != view.snapshot.uidvalidity {
            log::warn!("{tag} {}: UIDVALIDITY changed, ending the session", view.name);
            self.state = State::Logout;
            return vec![Response::Bye("Mailbox UIDVALIDITY changed".into())];
        }
        view.update(expunge_ok)
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
