//! A session as a command handler sees it: the [`Ctx`] the session builds
//! for each command, borrowing from itself the state (with its login and
//! selected view), the server's `Shared`, what names the client in logs,
//! and the [`Output`] that queues typed responses for the session's
//! writer. Handlers (`cmd/`) take a `Ctx`, never the session, so nothing
//! below the session knows it.

use std::io;
use std::net::SocketAddr;
use std::sync::Arc;

use crate::activity::Handle;
use crate::auth::passwd::Account;
use crate::mail::fetch::Sink;
use crate::mail::{resolve, Login, Scope};
use crate::notifier::Notifier;
use crate::origin::Origin;
use crate::proto::reader::Limits;
use crate::proto::response::{Code, Reply};
use crate::proto::untagged::{Dialect, Response};
use crate::shared::Shared;

pub use state::{Selected, State};
pub use view::{MailboxView, SyncExt};

mod contexts;
mod state;
pub mod view;

/// APPEND literals from this size on go straight to the mailbox's tmp/
/// instead of through memory.
const STREAM_FROM: u64 = 256 * 1024;
/// Failed logins on one connection before it is closed.
pub const MAX_FAILED_LOGINS: u32 = 3;

/// The session's side of the connection, as handlers may use it: typed
/// responses (and FETCH's, through [`Sink`]) queued for the session's
/// writer, the only code that writes to the stream, and what is known of
/// the stream. Handlers never read the connection: what a command reads
/// (AUTHENTICATE's exchange, a streamed APPEND) the session reads.
pub trait Output: Sink {
    /// Queues a typed response, rendered for the session's dialect.
    fn push(&mut self, r: &Response);
    /// Queues the tagged completion of a command.
    fn tagged(&mut self, tag: &str, reply: &Reply);
    /// What the session negotiated, as the writer applies it.
    fn dialect(&self) -> Dialect;
    /// The same, to change (ENABLE).
    fn dialect_mut(&mut self) -> &mut Dialect;
    /// True when the connection is encrypted.
    fn is_tls(&self) -> bool;
    /// True once COMPRESS DEFLATE is on.
    fn is_compressed(&self) -> bool;
    /// The server's address on this connection.
    fn local_addr(&self) -> Option<SocketAddr>;
    /// The session's row in the monitor's table.
    fn monitor(&self) -> &Handle;
}

/// What a handler is given of its session, borrowed for one command.
pub struct Ctx<'a> {
    /// Server-wide state.
    pub shared: &'a Arc<Shared>,
    /// The session number; logs show it as `IMAP-nnnnn`.
    pub id: u64,
    /// The client's address (ID from a trusted front may change it).
    pub peer: &'a mut SocketAddr,
    /// Where the connection comes from (see `crate::origin`).
    pub origin: &'a mut Origin,
    /// The session's state with its data.
    pub state: &'a mut State,
    /// Responses out, and what handlers may know of the connection.
    pub out: &'a mut dyn Output,
    /// Poked when the selected mailbox changes; views and NOTIFY register it.
    pub notifier: &'a Arc<Notifier>,
    /// The logged-in account's alerts (see `crate::alerts`).
    pub alerts: &'a mut Option<crate::alerts::Watch>,
    /// CONDSTORE / QRESYNC, once enabled (RFC 7162).
    pub sync_ext: &'a mut SyncExt,
    /// NOTIFY SET in force (RFC 5465).
    pub notify: &'a mut Option<crate::notify::Notify>,
}

impl Ctx<'_> {
    /// The log tag `IMAP-nnnnn`.
    pub fn tag(&self) -> String {
        format!("IMAP-{:05}", self.id)
    }

    /// Queues a typed response.
    pub fn respond(&mut self, r: Response) {
        self.out.push(&r);
    }

    /// What the session negotiated, as the writer applies it.
    pub fn dialect(&self) -> Dialect {
        self.out.dialect()
    }

    /// Writes the tagged completion of a command.
    pub fn complete(&mut self, tag: &str, result: Result<Reply, Reply>) {
        let (Ok(reply) | Err(reply)) = &result;
        self.out.tagged(tag, reply);
    }

    /// Writes every queued response to the client.
    pub fn flush(&mut self) -> io::Result<()> {
        self.out.flush()
    }

    /// See [`Output::write_direct`].
    pub fn write_direct(&mut self, data: &[u8]) -> io::Result<()> {
        self.out.write_direct(data)
    }

    /// True when the connection is encrypted.
    pub fn is_tls(&self) -> bool {
        self.out.is_tls()
    }

    /// True when clear-text login methods are allowed on this connection:
    /// over TLS; in clear text unless `--no-cleartext-login`, from the
    /// server's own address (Dovecot's rule for `disable_plaintext_auth`)
    /// or from anywhere with `--allow-cleartext-login`; behind a trusted
    /// front, as `origin` judges the client's own connection.
    pub fn cleartext_allowed(&self) -> bool {
        // Any address but the server's own, another loopback one
        // (127.0.0.2) included, is a different host here.
        let (local, c) = (self.out.local_addr(), &self.shared.config);
        self.origin.cleartext_allowed(self.is_tls(), local, c.cleartext_login, c.cleartext_anywhere)
    }

    /// What the mail layer is given of this session (see `mail::Scope`).
    pub fn scope(&self) -> Result<Scope<'_>, Reply> {
        Ok(Scope { shared: self.shared, login: self.state.user()?, tag: self.tag() })
    }

    /// Enters the authenticated state for `account`; a new account's
    /// maildir gets the default folders. Refused, with nothing created,
    /// when the maildir path is not absolute or not fully expanded. (The
    /// session turns the login deadline into the autologout after it.)
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
        *self.alerts = Some(alerts);
        *self.state = State::Authenticated(Login { account, mail });
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

    /// Whether the selected mailbox may still be read (true with none
    /// selected; see `mail::resolve::selected_readable`).
    pub fn selected_readable(&mut self) -> bool {
        match self.state.login_and_selected() {
            Some((login, selected)) => resolve::selected_readable(Some(&mut selected.access), &login.account.user),
            None => resolve::selected_readable(None, ""),
        }
    }

    /// Asks for a fresh look at the selected mailbox's ACL at the next
    /// [`Ctx::selected_readable`] (see `access::Target::recheck`).
    pub fn recheck_selected(&mut self) {
        if let Some(t) = self.state.access_mut() {
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
        let Some(display) = self.state.access().map(|t| t.display.clone()) else { return };
        log::info!("{} the rights on {display} were withdrawn: no longer selected", self.tag());
        self.state.unselect();
        for r in resolve::withdrawn() {
            self.respond(r);
        }
    }

    /// Turns CONDSTORE on for the session (RFC 7162 3.1: any CONDSTORE
    /// enabling command does).
    pub fn condstore_on(&mut self) {
        let first = !self.sync_ext.condstore;
        self.sync_ext.condstore = true;
        let Ok(v) = self.state.view_mut() else { return };
        v.ext.condstore = true;
        if first {
            // Enabled with a mailbox selected: its HIGHESTMODSEQ now.
            let line = view::highest_line(v.snapshot.highest_modseq);
            self.respond(line);
        }
    }

    /// Queues untagged responses for changes others made to the selected
    /// mailbox. `expunge_ok` is false during FETCH, STORE and SEARCH
    /// (RFC 3501 7.4.1), when sequence numbers must not shift.
    pub fn report_changes(&mut self, expunge_ok: bool) {
        for r in self.view_updates(expunge_ok) {
            self.respond(r);
        }
    }

    /// The responses for changes others made to the selected mailbox, for
    /// a caller that puts more around them (RFC 5267 context updates).
    pub fn view_updates(&mut self, expunge_ok: bool) -> Vec<Response> {
        let tag = self.tag();
        let Ok(view) = self.state.view_mut() else { return Vec::new() };
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
            *self.state = State::Logout;
            return vec![Response::Bye("Mailbox UIDVALIDITY changed".into())];
        }
        view.update(expunge_ok)
    }
}

/// The reader's limits for a session in `state`.
pub fn limits(c: &crate::config::Config, state: &State) -> Limits {
    if state.is_not_authenticated() {
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
