//! NOTIFY's part of the session's sync (RFC 5465): between commands the
//! session waits on its socket and its eventfd ([`wait_for_command`]) and
//! sends what happens meanwhile; after each command and on each wake it
//! tells STATUS of other watched mailboxes and LIST for names and
//! subscriptions others changed. NOTIFY SET itself is `cmd::notify`.

use std::io;
use std::os::fd::AsRawFd;
use std::time::{Duration, Instant};

use super::idle::{wait, Wake};
use super::Session;
use crate::mail::names::{self, DELIMITER};
use crate::mail::{resolve, watched, Scope};
use crate::notify::{AccountEvent, Notify};
use crate::proto::notify::{Event, Filter};
use crate::proto::response::{Code, Reply};
use crate::proto::untagged::{write_mailbox, Dialect, Response};

impl Notify {
    /// The events of the SELECTED or SELECTED-DELAYED group, and whether
    /// expunges may go out between commands (SELECTED); `None` without one.
    pub(super) fn selected(&self) -> Option<(&[Event], bool)> {
        let g = self.set.groups.iter().find(|g| g.filter.is_selected())?;
        (!g.events.is_empty()).then_some((&g.events[..], g.filter == Filter::Selected))
    }
}

/// STATUS of each watched mailbox whose counts changed in a way its
/// group asked about; never of the selected mailbox (RFC 5465 5.2).
pub(super) fn statuses(s: &mut Session) {
    let selected = s.view().map(|v| v.mailbox().dir().to_path_buf());
    let condstore = s.sync_ext.condstore;
    let me = s.login().map(|u| u.account.user.clone()).unwrap_or_default();
    let Some(n) = s.notify.as_mut() else { return };
    let mut lines = Vec::new();
    for w in &mut n.watched {
        if !w.mailbox.is_watched() {
            let _ = w.mailbox.sync();
        }
        let st = w.mailbox.snapshot().status(0);
        // After the snapshot, so whatever it holds came while the rights
        // did. Without them nothing is told, and the last counts stay, so
        // a right given back tells what changed meanwhile.
        if !resolve::still_readable(&mut w.access, &me) {
            continue;
        }
        let now = (st.messages, st.uidnext, st.unseen, st.uidvalidity);
        // With CONDSTORE on, STATUS carries HIGHESTMODSEQ (RFC 5465 with
        // RFC 7162), so a flag change that leaves UNSEEN alone is told too.
        let modseq_moved = condstore && st.highest_modseq != w.modseq;
        w.modseq = st.highest_modseq;
        if now == w.last && !modseq_moved {
            continue;
        }
        let events = &n.set.groups[w.group].events;
        let counts_changed = (now.0, now.1, now.3) != (w.last.0, w.last.1, w.last.3);
        let flags_asked = events.contains(&Event::FlagChange);
        let uidvalidity = if now.3 != w.last.3 { format!("UIDVALIDITY {} ", now.3) } else { String::new() };
        w.last = now;
        if Some(w.mailbox.dir()) == selected.as_deref() || !(counts_changed || flags_asked) {
            continue;
        }
        let modseq = if condstore { format!(" HIGHESTMODSEQ {}", st.highest_modseq) } else { String::new() };
        let items =
            format!("{uidvalidity}MESSAGES {} UIDNEXT {} UNSEEN {}{modseq}", st.messages, st.uidnext, st.unseen);
        lines.push(Response::Status { name: w.display.clone(), items });
    }
    for r in lines {
        s.respond(r);
    }
}

/// LIST responses for mailbox names and subscriptions others changed;
/// after an overflow, `[NOTIFICATIONOVERFLOW]` and NOTIFY ends (RFC 5465
/// 5.8: the client must look for itself and set NOTIFY again).
pub(super) fn account_events(s: &mut Session) {
    let Some(n) = s.notify.as_ref() else { return };
    let (events, overflowed) = n.listener.take();
    if overflowed {
        s.notify = None;
        let overflow =
            Reply::ok_code(Code::NotificationOverflow, "Too many changes at once; NOTIFY is off until set again");
        s.respond(Response::Condition(overflow));
        return;
    }
    if events.is_empty() {
        return;
    }
    let mut subscribed = s.login().and_then(|u| u.mail.subscriptions().ok()).unwrap_or_default();
    // An unsubscribed name was subscribed a moment ago: SUBSCRIBED covers it.
    subscribed.extend(events.iter().filter_map(|e| match e {
        AccountEvent::Unsubscribed(m) => Some(m.clone()),
        _ => None,
    }));
    let d = s.dialect();
    let wants = |name: &str, event: &Event| {
        n.set
            .groups
            .iter()
            .find(|g| matches_filter(&d, &g.filter, name, &subscribed))
            .is_some_and(|g| g.events.contains(event))
    };
    let list = |attr: &str, name: &str, extra: Vec<u8>| Response::List {
        lsub: false,
        attributes: if attr.is_empty() { Vec::new() } else { vec![attr.to_string()] },
        delimiter: Some(DELIMITER),
        name: name.to_string(),
        extra,
    };
    let mut out = Vec::new();
    for ev in &events {
        let r = match ev {
            AccountEvent::Created(m) if wants(m, &Event::MailboxName) => list("", m, Vec::new()),
            AccountEvent::Deleted(m) if wants(m, &Event::MailboxName) => list("\\NonExistent", m, Vec::new()),
            AccountEvent::Renamed { from, to }
                if wants(from, &Event::MailboxName) || wants(to, &Event::MailboxName) =>
            {
                let mut extra = b" (\"OLDNAME\" (".to_vec();
                write_mailbox(&d, &mut extra, from);
                extra.extend_from_slice(b"))");
                list("", to, extra)
            }
            AccountEvent::Subscribed(m) if wants(m, &Event::SubscriptionChange) => list("\\Subscribed", m, Vec::new()),
            AccountEvent::Unsubscribed(m) if wants(m, &Event::SubscriptionChange) => list("", m, Vec::new()),
            _ => continue,
        };
        out.push(r);
    }
    for r in out {
        s.respond(r);
    }
    // NOTIFY's watched set follows the names and subscriptions.
    let tag = s.tag();
    let (Some(notify), Some(login)) = (s.notify.as_mut(), s.state.login()) else { return };
    watched::rewatch(&Scope { shared: &s.shared, login, tag }, &s.notifier, notify);
}

/// Whether a non-selected filter covers `name`.
fn matches_filter(d: &Dialect, f: &Filter, name: &str, subscribed: &[String]) -> bool {
    let decoded = |list: &[crate::proto::command::Mailbox]| -> Vec<String> {
        list.iter().filter_map(|m| names::decode_for(d, m).ok()).collect()
    };
    match f {
        Filter::Selected | Filter::SelectedDelayed => false,
        Filter::Inboxes => name == "INBOX",
        Filter::Personal => !name.starts_with('~'),
        Filter::Subscribed => subscribed.iter().any(|s| s == name),
        Filter::Subtree(list) => decoded(list).iter().any(|r| crate::notify::below(name, r)),
        Filter::Mailboxes(list) => decoded(list).iter().any(|r| r == name),
    }
}

/// Tells the other sessions of the logged-in account.
pub(super) fn publish(s: &Session, event: AccountEvent) {
    if let Some(u) = s.login() {
        s.shared.notify.publish(u.mail.root(), s.id, event);
    }
}

/// Whether messages came or went in the selected mailbox since the view
/// last looked (not only flags changed): without FlagChange, a flag
/// change alone waits for the next command.
fn messages_changed(s: &Session) -> bool {
    let Some(view) = s.view() else { return false };
    if !view.mailbox().is_watched() {
        // A read-only session leaves new/ alone (see `select`).
        let _ = if view.read_only { view.mailbox().sync_keeping_new() } else { view.mailbox().sync() };
    }
    let snap = view.mailbox().snapshot();
    snap.uidnext != view.snapshot.uidnext || snap.entries.len() != view.snapshot.entries.len()
}

/// With NOTIFY set, waits for the next command while sending what happens
/// meanwhile; returns when input is there (at once without NOTIFY). Ends
/// with `TimedOut` when the client stays silent past its autologout.
pub fn wait_for_command(s: &mut Session) -> io::Result<()> {
    if s.notify.is_none() {
        return Ok(());
    }
    let notifier = s.notifier.clone();
    let limit = s.io.conn.get_ref().tcp().read_timeout().ok().flatten().unwrap_or(Duration::from_secs(31 * 60));
    let started = Instant::now();
    while s.notify.is_some() {
        notifier.drain();
        // Each wake looks at the ACL afresh (the steps below share it).
        s.recheck_selected();
        s.refresh_selected(true);
        let selected =
            s.notify.as_ref().and_then(|n| n.selected()).map(|(e, now)| (e.contains(&Event::FlagChange), now));
        match selected {
            Some((flags, expunge_ok)) if flags || messages_changed(s) => s.sync(expunge_ok),
            _ => {
                account_events(s);
                statuses(s);
            }
        }
        s.report_alerts();
        s.flush()?;
        if s.io.conn.buffered() > 0 || s.io.conn.get_mut().has_pending_input() {
            return Ok(());
        }
        let left = limit.saturating_sub(started.elapsed());
        if left.is_zero() {
            return Err(io::ErrorKind::TimedOut.into());
        }
        let unwatched = s.view().is_some_and(|v| !v.mailbox().is_watched())
            || s.notify.as_ref().is_some_and(|n| n.watched.iter().any(|w| !w.mailbox.is_watched()));
        let timeout = if unwatched { left.min(s.shared.config.poll_interval) } else { left };
        if wait(s.io.conn.get_ref().as_raw_fd(), Some(&notifier), timeout)? == Wake::Input {
            return Ok(());
        }
    }
    Ok(())
}
