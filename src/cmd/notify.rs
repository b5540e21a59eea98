//! NOTIFY (RFC 5465): the client names mailboxes and events once, and the
//! server tells it of them as they happen, between commands too: new and
//! expunged messages and flag changes of the selected mailbox as usual
//! responses (with the FETCH attributes MessageNew asked for), the same
//! events of other mailboxes as `STATUS (MESSAGES UIDNEXT UNSEEN)`, and
//! mailbox names and subscriptions that change as `LIST` responses.
//!
//! Other mailboxes are watched through the store as a selection is (the
//! inotify watcher syncs them, their change hook pokes the session's
//! eventfd); at most [`MAX_WATCHED`] per session. Between commands the
//! session waits on its socket and that eventfd ([`wait_for_command`]).

use std::io;
use std::os::fd::AsRawFd;
use std::sync::Arc;
use std::time::{Duration, Instant};

use super::{Outcome, Reply};
use crate::acl::Right;
use crate::mail::names::{self, DELIMITER};
use crate::mail::resolve;
use crate::notify::AccountEvent;
use crate::proto::command::{CommandBody, FetchAttr};
use crate::proto::notify::{Event, EventGroup, Filter, NotifySet};
use crate::proto::response::Code;
use crate::proto::sequence::SequenceSet;
use crate::proto::untagged::{write_mailbox, Dialect, Response};
use crate::session::idle::{wait, Wake};
use crate::session::Session;

/// Mailboxes one session may have watched for NOTIFY.
pub const MAX_WATCHED: usize = 100;
/// The events tegami reports, for `[BADEVENT (...)]`.
const SUPPORTED: &str = "MessageNew MessageExpunge FlagChange MailboxName SubscriptionChange";
/// How often a mailbox the inotify watcher does not cover is looked at.
const POLL_WITHOUT_WATCHER: Duration = Duration::from_secs(2);

pub use crate::notify::{Notify, Watched};

impl Notify {
    /// The events of the SELECTED or SELECTED-DELAYED group, and whether
    /// expunges may go out between commands (SELECTED); `None` without one.
    fn selected(&self) -> Option<(&[Event], bool)> {
        let g = self.set.groups.iter().find(|g| g.filter.is_selected())?;
        (!g.events.is_empty()).then_some((&g.events[..], g.filter == Filter::Selected))
    }
}

/// NOTIFY SET / NOTIFY NONE.
pub fn notify(s: &mut Session, set: Option<NotifySet>) -> Outcome {
    let Some(set) = set else {
        s.notify = None;
        s.before_read = None;
        return Ok("NOTIFY completed, no more notifications".into());
    };
    let events = set.groups.iter().flat_map(|g| &g.events);
    if events.clone().any(|e| {
        matches!(
            e,
            Event::AnnotationChange | Event::MailboxMetadataChange | Event::ServerMetadataChange | Event::Other(_)
        )
    }) {
        return Err(Reply::no(Code::BadEvent(SUPPORTED), "Only these events are supported"));
    }
    let attrs = events.filter_map(|e| if let Event::MessageNew(a) = e { Some(a) } else { None }).flatten();
    if attrs.clone().any(super::fetch::sets_seen) {
        return Err(Reply::bad("MessageNew must not set \\Seen: use BODY.PEEK or BINARY.PEEK"));
    }
    let root = s.user()?.mail.root().to_path_buf();
    let targets = mailboxes_of(s, &set)?;
    // The old watches go first, so a new set of the same size fits.
    s.notify = None;
    s.before_read = None;
    let watched = watch(s, &set, targets);
    let listener = s.shared.notify.listen(s.id, &root, &s.notifier);
    if set.status {
        let selected = selected_dir(s);
        for w in watched.iter().filter(|w| Some(w.mailbox.dir()) != selected.as_deref()) {
            let st = w.mailbox.snapshot().status(0);
            let modseq =
                if s.sync_ext.condstore { format!(" HIGHESTMODSEQ {}", st.highest_modseq) } else { String::new() };
            let items = format!(
                "UIDVALIDITY {} MESSAGES {} UIDNEXT {} UNSEEN {}{modseq}",
                st.uidvalidity, st.messages, st.uidnext, st.unseen
            );
            s.respond(Response::Status { name: w.display.clone(), items });
        }
    }
    s.notify = Some(Notify { set, watched, listener });
    s.before_read = Some(wait_for_command);
    Ok("NOTIFY completed".into())
}

/// The mailboxes whose messages the set watches, with their group: the
/// first group that names a mailbox decides (a NONE group takes it too).
fn mailboxes_of(s: &Session, set: &NotifySet) -> Result<Vec<(String, usize)>, Reply> {
    let user = s.user()?;
    let personal: Vec<String> = match user.mail.list() {
        Ok(l) => l.into_iter().filter(|m| m.selectable).map(|m| m.name).collect(),
        Err(e) => return Err(names::store_error(e)),
    };
    let subscribed = user.mail.subscriptions().unwrap_or_default();
    let too_many = |n: usize| {
        Reply::no(Code::Limit, format!("NOTIFY would watch {n} mailboxes, at most {MAX_WATCHED}: name fewer"))
    };
    // Long lists are refused before any work on them (they only come from
    // a client that means harm or has lost count).
    let named: usize = set
        .groups
        .iter()
        .map(|g| match &g.filter {
            Filter::Subtree(l) | Filter::Mailboxes(l) => l.len(),
            _ => 0,
        })
        .sum();
    if named > 10 * MAX_WATCHED {
        return Err(too_many(named));
    }
    let mut seen = std::collections::HashSet::new();
    let mut taken: Vec<(String, usize)> = Vec::new();
    for (i, g) in set.groups.iter().enumerate() {
        let names: Vec<String> = match &g.filter {
            Filter::Selected | Filter::SelectedDelayed => continue,
            Filter::Inboxes => vec!["INBOX".into()],
            Filter::Personal => personal.clone(),
            Filter::Subscribed => subscribed.clone(),
            Filter::Subtree(list) => {
                let roots: Vec<String> = list.iter().map(names::decode).collect::<Result<_, _>>()?;
                let mut v: Vec<String> =
                    personal.iter().filter(|n| roots.iter().any(|r| below(n, r))).cloned().collect();
                v.extend(roots.into_iter().filter(|r| r.starts_with('~')));
                v
            }
            Filter::Mailboxes(list) => list.iter().map(names::decode).collect::<Result<_, _>>()?,
        };
        for n in names {
            if seen.insert(n.clone()) {
                taken.push((n, i));
            }
        }
    }
    let watched: Vec<(String, usize)> =
        taken.into_iter().filter(|(_, g)| has_message_events(&set.groups[*g])).collect();
    if watched.len() > MAX_WATCHED {
        return Err(too_many(watched.len()));
    }
    Ok(watched)
}

/// `name` is `root` or below it.
fn below(name: &str, root: &str) -> bool {
    name == root || name.strip_prefix(root).is_some_and(|rest| rest.starts_with(DELIMITER))
}

fn has_message_events(g: &EventGroup) -> bool {
    g.events.iter().any(|e| matches!(e, Event::MessageNew(_) | Event::MessageExpunge | Event::FlagChange))
}

/// Starts watching `targets` that exist and may be read; the others are
/// left out (RFC 5465 5: no events for what the user cannot see).
fn watch(s: &Session, set: &NotifySet, targets: Vec<(String, usize)>) -> Vec<Watched> {
    let mut out = Vec::new();
    for (display, group) in targets {
        let Ok(t) = s.scope().and_then(|sc| resolve::target(&sc, &display)) else { continue };
        if t.need(Right::Read).is_err() || !t.exists() {
            continue;
        }
        let Ok(mailbox) = t.open() else { continue };
        if let Err(e) = mailbox.sync() {
            log::warn!("{} NOTIFY: cannot read {display}: {e}", s.tag());
            continue;
        }
        let selection = s.shared.store.select(&mailbox);
        let notifier = s.notifier.clone();
        let hook = mailbox.add_hook(Arc::new(move || notifier.notify()));
        let st = mailbox.snapshot().status(0);
        let last = (st.messages, st.uidnext, st.unseen, st.uidvalidity);
        debug_assert!(group < set.groups.len());
        let modseq = st.highest_modseq;
        out.push(Watched { display, group, mailbox, _selection: selection, hook, last, modseq, access: t });
    }
    out
}

fn selected_dir(s: &Session) -> Option<std::path::PathBuf> {
    s.view.as_ref().map(|v| v.mailbox().dir().to_path_buf())
}

/// Reports others' changes to the selected mailbox (as
/// [`Session::report_changes`]), then what NOTIFY watches: FETCH of the
/// MessageNew attributes for new messages, STATUS of other mailboxes,
/// LIST for names and subscriptions.
pub fn report_changes(s: &mut Session, expunge_ok: bool) {
    // A mailbox the user may no longer read is closed before anything of
    // it goes out (RFC 5465 5: no events for what the user cannot see).
    s.refresh_selected(true);
    let attrs: Option<Vec<FetchAttr>> = s.notify.as_ref().and_then(|n| {
        n.selected()?.0.iter().find_map(|e| match e {
            Event::MessageNew(a) if !a.is_empty() => Some(a.clone()),
            _ => None,
        })
    });
    let top = s.view.as_ref().map(|v| v.uids.last().copied().unwrap_or(0));
    super::context::report_changes(s, expunge_ok);
    // Rights that went while the view moved on: closed before any FETCH.
    s.refresh_selected(true);
    if s.notify.is_none() {
        return;
    }
    let now = s.view.as_ref().and_then(|v| v.uids.last().copied()).unwrap_or(0);
    if let (Some(attrs), Some(top)) = (attrs, top) {
        if now > top {
            // The FETCH lines come from the FETCH handler itself; what it
            // could not answer (a message gone meanwhile) it leaves out.
            let _ = super::fetch::fetch(s, true, &SequenceSet::range(top + 1, now), &attrs, None, false);
        }
    }
    account_events(s);
    statuses(s);
}

/// [`report_changes`] on a wake of IDLE: the selected mailbox's ACL is
/// looked at afresh first, as at the start of a command.
pub fn report_wake(s: &mut Session, expunge_ok: bool) {
    s.recheck_selected();
    report_changes(s, expunge_ok);
}

/// STATUS of each watched mailbox whose counts changed in a way its
/// group asked about; never of the selected mailbox (RFC 5465 5.2).
fn statuses(s: &mut Session) {
    let selected = selected_dir(s);
    let condstore = s.sync_ext.condstore;
    let me = s.user.as_ref().map(|u| u.account.user.clone()).unwrap_or_default();
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
fn account_events(s: &mut Session) {
    let Some(n) = s.notify.as_ref() else { return };
    let (events, overflowed) = n.listener.take();
    if overflowed {
        s.notify = None;
        s.before_read = None;
        let overflow =
            Reply::ok_code(Code::NotificationOverflow, "Too many changes at once; NOTIFY is off until set again");
        s.respond(Response::Condition(overflow));
        return;
    }
    if events.is_empty() {
        return;
    }
    let mut subscribed = s.user.as_ref().and_then(|u| u.mail.subscriptions().ok()).unwrap_or_default();
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
    rewatch(s);
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
        Filter::Subtree(list) => decoded(list).iter().any(|r| below(name, r)),
        Filter::Mailboxes(list) => decoded(list).iter().any(|r| r == name),
    }
}

/// After names or subscriptions changed: the watched set follows (new
/// mailboxes of PERSONAL or SUBTREE join, deleted ones leave).
fn rewatch(s: &mut Session) {
    let Some(n) = s.notify.take() else { return };
    let Notify { set, mut watched, listener } = n;
    match mailboxes_of(s, &set) {
        Ok(targets) => {
            watched.retain(|w| targets.iter().any(|(d, _)| *d == w.display) && w.mailbox.dir().is_dir());
            let new: Vec<(String, usize)> =
                targets.into_iter().filter(|(d, _)| !watched.iter().any(|w| w.display == *d)).collect();
            watched.extend(watch(s, &set, new));
        }
        Err(e) => log::warn!("{} NOTIFY: the watched mailboxes stay as they were: {e}", s.tag()),
    }
    s.notify = Some(Notify { set, watched, listener });
    s.before_read = Some(wait_for_command);
}

/// The account event a successful command causes, for other sessions'
/// NOTIFY; names of other users' mailboxes are left out.
pub fn account_event(d: &Dialect, body: &CommandBody) -> Option<AccountEvent> {
    let own = |m| names::decode_for(d, m).ok().filter(|n| !n.starts_with('~'));
    Some(match body {
        CommandBody::Create { mailbox, .. } => AccountEvent::Created(own(mailbox)?),
        CommandBody::Delete { mailbox } => AccountEvent::Deleted(own(mailbox)?),
        CommandBody::Rename { from, to } => AccountEvent::Renamed { from: own(from)?, to: own(to)? },
        CommandBody::Subscribe { mailbox } => AccountEvent::Subscribed(own(mailbox)?),
        CommandBody::Unsubscribe { mailbox } => AccountEvent::Unsubscribed(own(mailbox)?),
        _ => return None,
    })
}

/// Tells the other sessions of the logged-in account.
pub fn publish(s: &Session, event: AccountEvent) {
    if let Some(u) = s.user.as_ref() {
        s.shared.notify.publish(u.mail.root(), s.id, event);
    }
}

/// Whether messages came or went in the selected mailbox since the view
/// last looked (not only flags changed): without FlagChange, a flag
/// change alone waits for the next command.
fn messages_changed(s: &Session) -> bool {
    let Some(view) = s.view.as_ref() else { return false };
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
    let limit = s.conn.get_ref().tcp().read_timeout().ok().flatten().unwrap_or(Duration::from_secs(31 * 60));
    let started = Instant::now();
    while s.notify.is_some() {
        notifier.drain();
        // Each wake looks at the ACL afresh (the steps below share it).
        s.recheck_selected();
        s.refresh_selected(true);
        let selected =
            s.notify.as_ref().and_then(|n| n.selected()).map(|(e, now)| (e.contains(&Event::FlagChange), now));
        match selected {
            Some((flags, expunge_ok)) if flags || messages_changed(s) => report_changes(s, expunge_ok),
            _ => {
                account_events(s);
                statuses(s);
            }
        }
        s.report_alerts();
        s.flush()?;
        if s.conn.buffered() > 0 || s.conn.get_mut().has_pending_input() {
            return Ok(());
        }
        let left = limit.saturating_sub(started.elapsed());
        if left.is_zero() {
            return Err(io::ErrorKind::TimedOut.into());
        }
        let unwatched = s.view.as_ref().is_some_and(|v| !v.mailbox().is_watched())
            || s.notify.as_ref().is_some_and(|n| n.watched.iter().any(|w| !w.mailbox.is_watched()));
        let timeout = if unwatched { left.min(POLL_WITHOUT_WATCHER) } else { left };
        if wait(s.conn.get_ref().as_raw_fd(), Some(&notifier), timeout)? == Wake::Input {
            return Ok(());
        }
    }
    Ok(())
}
