//! One client connection: the state machine (RFC 3501 section 3), the
//! command loop, and writing responses.

use std::io::{self, Write};
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use crate::auth::passwd::Account;
use crate::cmd::{self, Reply};
use crate::net::Stream;
use crate::proto::parse::parse_command;
use crate::proto::reader::{Frame, Limits, Reader};
use crate::shared::Shared;
use crate::store;
use view::MailboxView;

pub mod idle;
pub mod view;

/// The RFC 3501 connection states.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum State {
    /// Before LOGIN or AUTHENTICATE.
    NotAuthenticated,
    /// Logged in, no mailbox selected.
    Authenticated,
    /// A mailbox is selected.
    Selected,
    /// After LOGOUT, or when the connection must end.
    Logout,
}

impl State {
    /// The bit of this state in a command table entry.
    pub fn bit(&self) -> u8 {
        match self {
            State::NotAuthenticated => cmd::NOT_AUTH,
            State::Authenticated => cmd::AUTH,
            State::Selected => cmd::SELECTED,
            State::Logout => 0,
        }
    }
}

/// The logged-in user: the passwd-file entry and the maildir.
pub struct User {
    /// The account as the passwd-file describes it.
    pub account: Account,
    /// Its maildir.
    pub mail: store::Account,
}

/// Autologout before login (RFC 3501 5.4 sets no lower bound for it).
const PRE_AUTH_TIMEOUT: Duration = Duration::from_secs(180);
/// Autologout after login: RFC 3501 5.4 asks for at least 30 minutes.
const AUTH_TIMEOUT: Duration = Duration::from_secs(31 * 60);
/// Consecutive unparseable commands before the server gives up on a client.
const MAX_BAD_COMMANDS: u32 = 20;
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
    /// The client's address.
    pub peer: SocketAddr,
    /// The connection, buffered for reading.
    pub conn: Reader<Stream>,
    /// Responses not yet written.
    pub out: Vec<u8>,
    /// Where the session is in RFC 3501's state diagram.
    pub state: State,
    /// The logged-in user, from LOGIN on.
    pub user: Option<User>,
    /// The selected mailbox, in the selected state.
    pub view: Option<MailboxView>,
    /// Failed LOGIN/AUTHENTICATE attempts so far.
    pub failed_logins: u32,
    /// Octets written to the client so far.
    pub bytes_out: u64,
    /// Poked when the selected mailbox changes; IDLE waits on it.
    pub notifier: Arc<idle::Notifier>,
    /// The logged-in account's alerts (see `crate::alerts`).
    pub alerts: Option<crate::alerts::Watch>,
    /// The UIDs of the search result saved by `RETURN (SAVE)` (RFC 5182),
    /// what `$` stands for; emptied when a mailbox is selected or closed.
    pub saved: Vec<u32>,
    /// The session's row in the monitor's table.
    pub monitor: crate::monitor::Handle,
    /// CONDSTORE / QRESYNC, once enabled (RFC 7162).
    pub sync_ext: view::SyncExt,
    /// How the selected mailbox was reached: its account and the rights
    /// held there (see `cmd::resolve`).
    pub access: Option<cmd::resolve::Target>,
}

/// Runs a session to its end. Never panics on client input; a panic from a
/// bug ends only this session (the pool catches it).
/// `release_channel` frees the session's channel; it is called as soon as
/// LOGOUT is answered, so a client reconnecting at once finds room.
pub fn run(shared: Arc<Shared>, stream: Stream, peer: SocketAddr, id: u64, release_channel: &dyn Fn()) {
    let _ = stream.tcp().set_read_timeout(Some(PRE_AUTH_TIMEOUT));
    let tls = stream.tls_description();
    let notifier = match idle::Notifier::new() {
        Ok(n) => Arc::new(n),
        Err(e) => {
            log::warn!("IMAP-{id:05} [{peer}] cannot create an eventfd: {e}");
            let mut stream = stream;
            let _ = stream.write_all(b"* BYE Server out of resources, try again later\r\n");
            return;
        }
    };
    let monitor = crate::monitor::registry().register(id, peer, stream.tcp().try_clone().ok(), stream.is_tls());
    let mut s = Session {
        shared,
        id,
        peer,
        conn: Reader::new(stream),
        out: Vec::new(),
        state: State::NotAuthenticated,
        user: None,
        view: None,
        failed_logins: 0,
        bytes_out: 0,
        notifier,
        alerts: None,
        saved: Vec::new(),
        monitor,
        sync_ext: view::SyncExt::default(),
        access: None,
    };
    log::trace!("{} [{peer}] connected{}", s.tag(), tls.map(|t| format!(" with TLS {t}")).unwrap_or_default());
    let greeting = format!("OK [CAPABILITY {}] tegami ready", s.capabilities());
    s.untagged(&greeting);
    let result = s.flush().and_then(|_| s.command_loop());
    if s.state == State::Logout {
        release_channel();
    }
    if let Some(reason) = s.monitor.kicked().filter(|_| s.state != State::Logout) {
        s.untagged(&format!("BYE {reason}"));
        let _ = s.flush();
        log::error!("{} [{peer}] ended: {reason}", s.tag());
    } else if let Err(e) = result {
        match e.kind() {
            io::ErrorKind::WouldBlock | io::ErrorKind::TimedOut => {
                s.untagged("BYE Autologout: idle for too long");
                let _ = s.flush();
                log::warn!("{} [{peer}] autologout", s.tag());
            }
            io::ErrorKind::UnexpectedEof => {
                log::warn!("{} [{peer}] connection closed in the middle of a command", s.tag())
            }
            _ => log::warn!("{} [{peer}] connection error: {e}", s.tag()),
        }
    }
    s.conn.get_mut().close();
    log::trace!("{} [{peer}] closed: {} octets in, {} out", s.tag(), s.conn.bytes_in, s.bytes_out);
    drop(s);
    crate::store::memory::after_session();
}

impl Session {
    /// The log tag `IMAP-nnnnn`.
    pub fn tag(&self) -> String {
        format!("IMAP-{:05}", self.id)
    }

    /// Queues an untagged response line (`* text`).
    pub fn untagged(&mut self, text: &str) {
        self.untagged_bytes(text.as_bytes());
    }

    /// Queues an untagged response whose text may hold literals.
    pub fn untagged_bytes(&mut self, text: &[u8]) {
        self.out.extend_from_slice(b"* ");
        self.out.extend_from_slice(text);
        self.out.extend_from_slice(b"\r\n");
    }

    /// Writes every queued response to the client.
    pub fn flush(&mut self) -> io::Result<()> {
        if self.out.is_empty() {
            return Ok(());
        }
        if log::log_enabled!(log::Level::Debug) {
            for line in String::from_utf8_lossy(&self.out).lines() {
                log::debug!("{} S: {}", self.tag(), truncate(line));
            }
        }
        let stream = self.conn.get_mut();
        stream.write_all(&self.out)?;
        stream.flush()?;
        self.bytes_out += self.out.len() as u64;
        self.monitor.sent(self.out.len() as u64);
        self.out.clear();
        Ok(())
    }

    /// Writes what is queued, then `data` without copying it into the
    /// response buffer (large literals from a mapped message file).
    pub fn write_direct(&mut self, data: &[u8]) -> io::Result<()> {
        self.flush()?;
        log::debug!("{} S: ({} octets of literal data)", self.tag(), data.len());
        // Through a bounce buffer: `data` may come from a mapped file.
        crate::store::mapped::write_copied(self.conn.get_mut(), data)?;
        self.bytes_out += data.len() as u64;
        self.monitor.sent(data.len() as u64);
        Ok(())
    }

    /// True when the connection is encrypted.
    pub fn is_tls(&self) -> bool {
        self.conn.get_ref().is_tls()
    }

    /// True when clear-text login methods are allowed on this connection.
    pub fn cleartext_allowed(&self) -> bool {
        self.shared.config.cleartext_login || self.is_tls()
    }

    /// The capability list for the current state and connection.
    pub fn capabilities(&self) -> String {
        let mut caps = vec!["IMAP4rev1".to_string()];
        if matches!(self.state, State::NotAuthenticated) {
            if !self.is_tls() && self.shared.tls.is_some() {
                caps.push("STARTTLS".into());
            }
            if !self.cleartext_allowed() {
                caps.push("LOGINDISABLED".into());
            }
            for mech in &self.shared.config.auth_mechanisms {
                if self.cleartext_allowed() || !crate::auth::cleartext(mech) {
                    caps.push(format!("AUTH={mech}"));
                }
            }
        }
        caps.push("LOGIN-REFERRALS".into());
        caps.extend(cmd::EXTENSIONS.iter().map(|c| c.to_string()));
        // RFC 7889: the largest message APPEND takes, the literal limit.
        caps.push(format!("APPENDLIMIT={}", self.shared.config.max_literal));
        caps.join(" ")
    }

    fn command_loop(&mut self) -> io::Result<()> {
        let limits = self.limits();
        let mut bad_in_a_row = 0;
        // Ends as well when the monitor or SIGTERM asks (run() says BYE).
        while !matches!(self.state, State::Logout) && self.monitor.kicked().is_none() {
            let frame = self.conn.read_command(limits)?;
            let reply = match frame {
                Frame::Literal { prefix, size, sync } => {
                    log::debug!(
                        "{} C: {} (literal streamed to the mailbox)",
                        self.tag(),
                        truncate(&String::from_utf8_lossy(&prefix))
                    );
                    bad_in_a_row = 0;
                    let _running = self.monitor.begin("APPEND");
                    cmd::append::streamed(self, prefix, size, sync)?;
                    None
                }
                Frame::Closed => {
                    log::trace!("{} [{}] client closed the connection", self.tag(), self.peer);
                    return Ok(());
                }
                Frame::Rejected { tag, response } => {
                    log::warn!("{} [{}] command refused: {response}", self.tag(), self.peer);
                    Some((tag, response))
                }
                Frame::Command(bytes) => {
                    log::debug!("{} C: {}", self.tag(), truncate(&cmd::masked_for_log(&bytes)));
                    match parse_command(&bytes) {
                        Ok(command) => {
                            bad_in_a_row = 0;
                            let started = std::time::Instant::now();
                            cmd::execute(self, command)?;
                            crate::store::memory::after_command(started.elapsed());
                            None
                        }
                        Err(e) => {
                            log::warn!("{} [{}] bad command: {}", self.tag(), self.peer, e.message);
                            Some((e.tag, format!("BAD {}", e.message)))
                        }
                    }
                }
            };
            crate::monitor::observe(self);
            if let Some((tag, response)) = reply {
                bad_in_a_row += 1;
                let tag = tag.unwrap_or_else(|| "*".into());
                self.out.extend_from_slice(format!("{tag} {response}\r\n").as_bytes());
                if bad_in_a_row >= MAX_BAD_COMMANDS {
                    self.untagged("BYE Too many invalid commands");
                    self.flush()?;
                    return Ok(());
                }
            }
            self.flush()?;
            // A whole-mailbox FETCH queues up to FETCH's flush size at a
            // time; a session between commands keeps no buffer that size.
            if self.out.capacity() > OUT_KEEP {
                self.out = Vec::new();
            }
        }
        Ok(())
    }

    /// The reader's limits from the configuration.
    pub fn limits(&self) -> Limits {
        Limits {
            max_line: self.shared.config.max_line,
            max_literal: self.shared.config.max_literal,
            stream_from: STREAM_FROM,
        }
    }

    /// Writes the tagged completion of a command.
    pub fn complete(&mut self, tag: &str, result: Result<String, Reply>) {
        let line = match result {
            Ok(text) => format!("{tag} OK {text}\r\n"),
            Err(reply) => format!("{tag} {reply}\r\n"),
        };
        self.out.extend_from_slice(line.as_bytes());
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
                return Err(Reply::No(
                    "[UNAVAILABLE] The account's mailbox location is not usable; the server log says why".into(),
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
        let global_alerts = self.shared.config.alerts_dir.as_deref();
        let alerts =
            crate::alerts::Watch::start(global_alerts, &account.user, account.domain(), &root, self.notifier.clone());
        self.alerts = Some(alerts);
        self.user = Some(User { account, mail });
        self.state = State::Authenticated;
        let _ = self.conn.get_ref().tcp().set_read_timeout(Some(AUTH_TIMEOUT));
        Ok(())
    }

    /// The logged-in user; handlers run only in states that have one.
    pub fn user(&self) -> Result<&User, Reply> {
        self.user.as_ref().ok_or_else(|| Reply::Bad("Not logged in".into()))
    }

    /// The selected mailbox.
    pub fn view_mut(&mut self) -> Result<&mut MailboxView, Reply> {
        self.view.as_mut().ok_or_else(|| Reply::Bad("No mailbox selected".into()))
    }

    /// Leaves the selected state (the view's drop ends its watch).
    pub fn unselect(&mut self) {
        self.view = None;
        self.access = None;
        if self.state == State::Selected {
            self.state = State::Authenticated;
        }
    }

    /// Queues untagged responses for changes others made to the selected
    /// mailbox. `expunge_ok` is false during FETCH, STORE and SEARCH
    /// (RFC 3501 7.4.1), when sequence numbers must not shift.
    pub fn report_changes(&mut self, expunge_ok: bool) {
        let tag = self.tag();
        let Some(view) = self.view.as_mut() else { return };
        if !view.mailbox().is_watched() {
            if let Err(e) = view.mailbox().sync() {
                log::warn!("{tag} sync of {} failed: {e}", view.name);
            }
        }
        let lines = view.update(expunge_ok);
        for l in lines {
            self.untagged(&l);
        }
    }
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
