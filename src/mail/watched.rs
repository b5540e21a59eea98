//! NOTIFY's watched set (RFC 5465): which mailboxes a NOTIFY SET names
//! for message events, opened and hooked to the session's eventfd as a
//! selection is, and kept up to date when names or subscriptions change.
//! Set by the NOTIFY handler, followed by the session's sync.

use std::sync::Arc;

use super::{names, resolve, Login, Scope};
use crate::acl::Right;
use crate::notifier::Notifier;
use crate::notify::{Notify, Watched};
use crate::proto::notify::{Event, EventGroup, Filter, NotifySet};
use crate::proto::response::{Code, Reply};

/// Mailboxes one session may have watched for NOTIFY.
pub const MAX_WATCHED: usize = 100;

/// The mailboxes whose messages the set watches, with their group: the
/// first group that names a mailbox decides (a NONE group takes it too).
pub fn mailboxes_of(user: &Login, set: &NotifySet) -> Result<Vec<(String, usize)>, Reply> {
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
pub fn watch(scope: &Scope, notifier: &Arc<Notifier>, set: &NotifySet, targets: Vec<(String, usize)>) -> Vec<Watched> {
    let mut out = Vec::new();
    for (display, group) in targets {
        let Ok(t) = resolve::target(scope, &display) else { continue };
        if t.need(Right::Read).is_err() || !t.exists() {
            continue;
        }
        let Ok(mailbox) = t.open() else { continue };
        if let Err(e) = mailbox.sync() {
            log::warn!("{} NOTIFY: cannot read {display}: {e}", scope.tag);
            continue;
        }
        let selection = scope.shared.store.select(&mailbox);
        let notifier = notifier.clone();
        let hook = mailbox.add_hook(Arc::new(move || notifier.notify()));
        let st = mailbox.snapshot().status(0);
        let last = (st.messages, st.uidnext, st.unseen, st.uidvalidity);
        debug_assert!(group < set.groups.len());
        let modseq = st.highest_modseq;
        out.push(Watched { display, group, mailbox, _selection: selection, hook, last, modseq, access: t });
    }
    out
}

/// After names or subscriptions changed: the watched set follows (new
/// mailboxes of PERSONAL or SUBTREE join, deleted ones leave).
pub fn rewatch(scope: &Scope, notifier: &Arc<Notifier>, notify: &mut Notify) {
    let Notify { set, watched, .. } = notify;
    match mailboxes_of(scope.login, set) {
        Ok(targets) => {
            watched.retain(|w| targets.iter().any(|(d, _)| *d == w.display) && w.mailbox.dir().is_dir());
            let new: Vec<(String, usize)> =
                targets.into_iter().filter(|(d, _)| !watched.iter().any(|w| w.display == *d)).collect();
            watched.extend(watch(scope, notifier, set, new));
        }
        Err(e) => log::warn!("{} NOTIFY: the watched mailboxes stay as they were: {e}", scope.tag),
    }
}
