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
//! session waits on its socket and that eventfd (`session::notify`).

use std::sync::Arc;

use super::{Outcome, Reply};
use crate::acl::Right;
use crate::client::Ctx;
use crate::mail::names;
use crate::mail::resolve;
use crate::notify::AccountEvent;
use crate::proto::command::CommandBody;
use crate::proto::notify::{Event, EventGroup, Filter, NotifySet};
use crate::proto::response::Code;
use crate::proto::untagged::{Dialect, Response};

/// Mailboxes one session may have watched for NOTIFY.
pub const MAX_WATCHED: usize = 100;
/// The events tegami reports, for `[BADEVENT (...)]`.
const SUPPORTED: &str = "MessageNew MessageExpunge FlagChange MailboxName SubscriptionChange";

pub use crate::notify::{Notify, Watched};

/// NOTIFY SET / NOTIFY NONE.
pub fn notify(s: &mut Ctx<'_>, set: Option<NotifySet>) -> Outcome {
    let Some(set) = set else {
        *s.notify = None;
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
    if attrs.clone().any(crate::fetch::sets_seen) {
        return Err(Reply::bad("MessageNew must not set \\Seen: use BODY.PEEK or BINARY.PEEK"));
    }
    let root = s.state.user()?.mail.root().to_path_buf();
    let targets = mailboxes_of(s, &set)?;
    // The old watches go first, so a new set of the same size fits.
    *s.notify = None;
    let watched = watch(s, &set, targets);
    let listener = s.shared.notify.listen(s.id, &root, s.notifier);
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
    *s.notify = Some(Notify { set, watched, listener });
    Ok("NOTIFY completed".into())
}

/// The mailboxes whose messages the set watches, with their group: the
/// first group that names a mailbox decides (a NONE group takes it too).
fn mailboxes_of(s: &Ctx<'_>, set: &NotifySet) -> Result<Vec<(String, usize)>, Reply> {
    let user = s.state.user()?;
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
                    personal.iter().filter(|n| roots.iter().any(|r| crate::notify::below(n, r))).cloned().collect();
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

fn has_message_events(g: &EventGroup) -> bool {
    g.events.iter().any(|e| matches!(e, Event::MessageNew(_) | Event::MessageExpunge | Event::FlagChange))
}

/// Starts watching `targets` that exist and may be read; the others are
/// left out (RFC 5465 5: no events for what the user cannot see).
fn watch(s: &Ctx<'_>, set: &NotifySet, targets: Vec<(String, usize)>) -> Vec<Watched> {
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

fn selected_dir(s: &Ctx<'_>) -> Option<std::path::PathBuf> {
    s.state.view().map(|v| v.mailbox().dir().to_path_buf())
}

/// After names or subscriptions changed: the watched set follows (new
/// mailboxes of PERSONAL or SUBTREE join, deleted ones leave).
pub fn rewatch(s: &mut Ctx<'_>) {
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
    *s.notify = Some(Notify { set, watched, listener });
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
