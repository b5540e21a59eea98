//! Account events for NOTIFY (RFC 5465 5.4 and 5.5): mailboxes created,
//! deleted and renamed, subscriptions added and removed. Sessions of this
//! server publish them as their commands succeed; every other session of
//! the same account that listens gets them in a bounded queue and is woken
//! through its notifier. The [`Listeners`] are the server's, held in
//! `Shared` (not a process global), so two servers in one process do not
//! hear each other. A queue that fills up is marked overflowed and
//! takes no more, so a slow client costs bounded memory (the session then
//! answers `[NOTIFICATIONOVERFLOW]`).
//!
//! Changes made outside this server (another process creating a maildir
//! folder) are not seen here; message changes come from the store's
//! watcher instead.

use std::collections::VecDeque;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Weak};

use parking_lot::Mutex;

use crate::notifier::Notifier;
use crate::proto::notify::NotifySet;
use crate::store::{MailboxShared, Selection};

/// Events one session may have waiting before its queue overflows.
pub const QUEUE_LIMIT: usize = 256;

/// Something that happened to an account's mailbox names.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum AccountEvent {
    /// A mailbox was created.
    Created(String),
    /// A mailbox was deleted.
    Deleted(String),
    /// A mailbox was renamed.
    Renamed {
        /// The old name.
        from: String,
        /// The new name.
        to: String,
    },
    /// A mailbox was subscribed.
    Subscribed(String),
    /// A mailbox was unsubscribed.
    Unsubscribed(String),
}

/// What a listening session has been told about, not yet sent.
#[derive(Debug, Default)]
pub struct Queue {
    /// Waiting events, oldest first.
    pub events: VecDeque<AccountEvent>,
    /// More events came than [`QUEUE_LIMIT`]: some were dropped.
    pub overflowed: bool,
}

struct Entry {
    session: u64,
    root: PathBuf,
    queue: Weak<Mutex<Queue>>,
    notifier: Weak<Notifier>,
}

/// The sessions of one server that listen for account events.
#[derive(Default)]
pub struct Listeners(Mutex<Vec<Entry>>);

/// A session's registration; it ends when this is dropped.
pub struct Listener {
    queue: Arc<Mutex<Queue>>,
}

impl Listeners {
    /// Listens to the account whose maildir is `root`, for session
    /// `session` (which is not told of its own changes).
    pub fn listen(&self, session: u64, root: &Path, notifier: &Arc<Notifier>) -> Listener {
        let queue = Arc::new(Mutex::new(Queue::default()));
        let mut all = self.0.lock();
        // Entries of ended sessions go whenever someone starts listening.
        all.retain(|e| e.queue.strong_count() > 0);
        all.push(Entry {
            session,
            root: root.to_path_buf(),
            queue: Arc::downgrade(&queue),
            notifier: Arc::downgrade(notifier),
        });
        Listener { queue }
    }

    /// Tells every other listening session of the account at `root`.
    pub fn publish(&self, root: &Path, from_session: u64, event: AccountEvent) {
        let all = self.0.lock();
        for e in all.iter().filter(|e| e.session != from_session && e.root == root) {
            let (Some(queue), Some(notifier)) = (e.queue.upgrade(), e.notifier.upgrade()) else { continue };
            let mut q = queue.lock();
            if q.events.len() >= QUEUE_LIMIT {
                q.overflowed = true;
            } else if !q.overflowed {
                q.events.push_back(event.clone());
            }
            drop(q);
            notifier.notify();
        }
    }
}

impl Listener {
    /// Takes the waiting events, and whether some were lost.
    pub fn take(&self) -> (Vec<AccountEvent>, bool) {
        let mut q = self.queue.lock();
        let overflowed = std::mem::take(&mut q.overflowed);
        (q.events.drain(..).collect(), overflowed)
    }
}

/// A mailbox other than the selected one whose messages are watched.
pub struct Watched {
    /// Its name as the client knows it.
    pub display: String,
    /// The event group that covers it.
    pub group: usize,
    pub mailbox: Arc<MailboxShared>,
    /// Keeps the store's watcher on the mailbox.
    pub _selection: Selection,
    pub hook: u64,
    /// MESSAGES, UIDNEXT, UNSEEN, UIDVALIDITY as last told (or seen).
    pub last: (usize, u32, usize, u32),
    /// HIGHESTMODSEQ as last seen.
    pub modseq: u64,
    /// How the user reaches it, with the rights held there: looked at
    /// again before each STATUS (see `mail::resolve::still_readable`).
    pub access: crate::access::Target,
}

impl Drop for Watched {
    fn drop(&mut self) {
        self.mailbox.remove_hook(self.hook);
    }
}

/// A session's NOTIFY SET, in force until NOTIFY NONE or an overflow.
pub struct Notify {
    pub set: NotifySet,
    pub watched: Vec<Watched>,
    pub listener: Listener,
}

/// `name` is `root` or below it (NOTIFY's SUBTREE, RFC 5465 6); `/` is
/// the hierarchy delimiter (`mail::names::DELIMITER`, not imported: the
/// mail layer sits above this module).
pub fn below(name: &str, root: &str) -> bool {
    name == root || name.strip_prefix(root).is_some_and(|rest| rest.starts_with('/'))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn others_hear_and_a_full_queue_overflows() {
        let n = Arc::new(Notifier::new().unwrap());
        let root = Path::new("/nonexistent/notify-test-root");
        let all = Listeners::default();
        let me = all.listen(1, root, &n);
        let other = all.listen(2, root, &n);
        all.publish(root, 1, AccountEvent::Created("a".into()));
        assert_eq!(me.take(), (vec![], false));
        assert_eq!(other.take(), (vec![AccountEvent::Created("a".into())], false));
        for i in 0..QUEUE_LIMIT + 5 {
            all.publish(root, 1, AccountEvent::Deleted(i.to_string()));
        }
        let (events, overflowed) = other.take();
        assert_eq!(events.len(), QUEUE_LIMIT);
        assert!(overflowed);
        drop(other);
        all.publish(root, 1, AccountEvent::Created("b".into()));
        assert_eq!(me.take(), (vec![], false));
        // Another server's sessions hear nothing of this one's.
        let elsewhere = Listeners::default();
        let stranger = elsewhere.listen(3, root, &n);
        all.publish(root, 1, AccountEvent::Created("c".into()));
        assert_eq!(stranger.take(), (vec![], false));
        assert_eq!(me.take(), (vec![], false));
    }
}
