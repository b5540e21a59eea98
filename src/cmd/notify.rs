//! NOTIFY (RFC 5465): the client names mailboxes and events once, and the
//! server tells it of them as they happen, between commands too: new and
//! expunged messages and flag changes of the selected mailbox as usual
//! responses (with the FETCH attributes MessageNew asked for), the same
//! events of other mailboxes as `STATUS (MESSAGES UIDNEXT UNSEEN)`, and
//! mailbox names and subscriptions that change as `LIST` responses.
//!
//! Other mailboxes are watched through the store as a selection is (the
//! inotify watcher syncs them, their change hook pokes the session's
//! eventfd); at most `MAX_WATCHED` per session (`mail::watched`). Between
//! commands the session waits on its socket and that eventfd
//! (`session::notify`).

use super::{Outcome, Reply};
use crate::client::Ctx;
use crate::mail::{names, watched};
use crate::notify::AccountEvent;
use crate::proto::command::CommandBody;
use crate::proto::notify::{Event, NotifySet};
use crate::proto::response::Code;
use crate::proto::untagged::{Dialect, Response};

/// The events tegami reports, for `[BADEVENT (...)]`.
const SUPPORTED: &str = "MessageNew MessageExpunge FlagChange MailboxName SubscriptionChange";

pub use crate::notify::Notify;

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
    let targets = watched::mailboxes_of(s.state.user()?, &set)?;
    // The old watches go first, so a new set of the same size fits.
    *s.notify = None;
    let watched = watched::watch(&s.scope()?, s.notifier, &set, targets);
    let listener = s.shared.notify.listen(s.id, &root, s.notifier);
    if set.status {
        let selected = s.state.view().map(|v| v.mailbox().dir().to_path_buf());
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
