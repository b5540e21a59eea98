//! The one sync after each command (as Dovecot's `imap-sync.c`), in the
//! session layer: what changed meanwhile in the selected mailbox (EXISTS,
//! EXPUNGE, FETCH of flags), the CONTEXT updates around it, what NOTIFY
//! watches, and alerts. Called after every command, from IDLE, and while
//! NOTIFY waits for the next command.

use super::{notify, Session};
use crate::client::Ctx;
use crate::cmd::{Done, Effect, Ran};
use crate::mail::fetch::plan::{implied, How, Plan};
use crate::mail::fetch::{render, Shown};
use crate::proto::command::FetchAttr;
use crate::proto::notify::Event;
use crate::proto::response::Reply;

impl Session {
    /// The sync: others' changes to the selected mailbox with the CONTEXT
    /// updates around them ([`Session::sync_view`]), then what NOTIFY
    /// watches: FETCH of the MessageNew attributes for new messages, STATUS
    /// of other mailboxes, LIST for names and subscriptions.
    pub fn sync(&mut self, expunge_ok: bool) {
        let s = self;
        // A mailbox the user may no longer read is closed before anything of
        // it goes out (RFC 5465 5: no events for what the user cannot see).
        s.refresh_selected(true);
        let attrs: Option<Vec<FetchAttr>> = s.notify.as_ref().and_then(|n| {
            n.selected()?.0.iter().find_map(|e| match e {
                Event::MessageNew(a) if !a.is_empty() => Some(a.clone()),
                _ => None,
            })
        });
        let top = s.view().map(|v| v.uids.last().copied().unwrap_or(0));
        s.sync_view(expunge_ok);
        // Rights that went while the view moved on: closed before any FETCH.
        s.refresh_selected(true);
        if s.notify.is_none() {
            return;
        }
        let now = s.view().and_then(|v| v.uids.last().copied()).unwrap_or(0);
        if let (Some(attrs), Some(top)) = (attrs, top) {
            if now > top {
                // What FETCH could not answer (a message gone meanwhile) it
                // leaves out.
                let _ = fetch_new(&mut s.ctx(), top, &attrs);
            }
        }
        notify::account_events(s);
        notify::statuses(s);
    }

    /// [`Session::sync`] on a wake of IDLE: the selected mailbox's ACL is
    /// looked at afresh first, as at the start of a command.
    pub fn sync_wake(&mut self, expunge_ok: bool) {
        self.recheck_selected();
        self.sync(expunge_ok);
    }
}

/// NOTIFY's FETCH of the messages above UID `top` (RFC 5465 5.2: the
/// MessageNew attributes), as a UID FETCH of them renders it. The
/// attributes never set `\Seen` (NOTIFY SET refuses those).
fn fetch_new(s: &mut Ctx<'_>, top: u32, attrs: &[FetchAttr]) -> Result<(), Reply> {
    let (items, condstore) = implied(attrs, true, None);
    if condstore {
        // RFC 7162 3.1: MODSEQ among them turns CONDSTORE on.
        s.condstore_on();
    }
    let (tag, dialect, budget, cap) =
        (s.tag(), s.dialect(), s.shared.budget.clone(), s.shared.config.net.max_fetch_buffer);
    let view = s.state.view_mut()?;
    let targets: Vec<usize> = (view.uids.partition_point(|&u| u <= top)..view.uids.len()).collect();
    let how = How { condstore: view.ext.condstore, dialect, cap, budget };
    let plan = Plan::new(items, view.mailbox().clone(), false, how);
    let at = Shown { view: view.messages(), pending: &view.pending_entries, tag: &tag };
    render(s.out, &at, &plan, &[], &targets).map(drop)
}

impl Session {
    /// After a command: what its effect asks of the connection, then the
    /// sync, then the tagged reply.
    pub(super) fn finish(&mut self, ran: Ran) -> std::io::Result<()> {
        let Ran { tag, done, expunge_ok, event } = ran;
        let outcome = match done {
            Done::Reply(outcome) => outcome,
            Done::Completed => return Ok(()),
            Done::Effect(Effect::Idle) => self.idle()?,
            Done::Effect(Effect::Logout) => self.logout(),
            Done::Effect(Effect::Sasl(ex)) => self.sasl(ex)?,
            Done::Effect(Effect::StartTls) => return self.start_tls(&tag),
            Done::Effect(Effect::Compress) => return self.start_deflate(&tag),
        };
        // LOGOUT answers BYE and OK only, whatever changed meanwhile.
        if !self.state.is_logout() {
            if let (Ok(_), Some(event)) = (&outcome, event) {
                notify::publish(self, event);
            }
            // Others' changes to the selected mailbox (and what NOTIFY
            // watches), before the tagged reply.
            self.sync(expunge_ok);
            // Alerts queued meanwhile (or before login, right after LOGIN).
            self.report_alerts();
        }
        self.complete(&tag, outcome);
        Ok(())
    }
}
