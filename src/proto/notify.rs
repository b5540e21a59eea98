//! The NOTIFY command's arguments (RFC 5465 section 8), as parsed.

use super::args::{FetchAttr, Mailbox};

/// `NOTIFY SET [STATUS] event-groups`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NotifySet {
    /// `STATUS`: send the current STATUS of the mailboxes at once.
    pub status: bool,
    /// The event groups, in the order given (the first that names a
    /// mailbox decides its events).
    pub groups: Vec<EventGroup>,
}

/// `( filter-mailboxes SP events )`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct EventGroup {
    /// Which mailboxes.
    pub filter: Filter,
    /// The events; empty for `NONE`.
    pub events: Vec<Event>,
}

/// `filter-mailboxes`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Filter {
    /// `SELECTED`: the selected mailbox, expunges at once.
    Selected,
    /// `SELECTED-DELAYED`: the selected mailbox, expunges when allowed.
    SelectedDelayed,
    /// `INBOXES`: where new mail is delivered.
    Inboxes,
    /// `PERSONAL`: every mailbox of the user's own namespace.
    Personal,
    /// `SUBSCRIBED`: every subscribed mailbox.
    Subscribed,
    /// `SUBTREE`: the mailboxes and all below them.
    Subtree(Vec<Mailbox>),
    /// `MAILBOXES`: just these mailboxes.
    Mailboxes(Vec<Mailbox>),
}

impl Filter {
    /// SELECTED or SELECTED-DELAYED.
    pub fn is_selected(&self) -> bool {
        matches!(self, Filter::Selected | Filter::SelectedDelayed)
    }
}

/// One `event`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Event {
    /// `MessageNew [(fetch-att ...)]`
    MessageNew(Vec<FetchAttr>),
    /// `MessageExpunge`
    MessageExpunge,
    /// `FlagChange`
    FlagChange,
    /// `AnnotationChange`
    AnnotationChange,
    /// `MailboxName`
    MailboxName,
    /// `SubscriptionChange`
    SubscriptionChange,
    /// `MailboxMetadataChange`
    MailboxMetadataChange,
    /// `ServerMetadataChange`
    ServerMetadataChange,
    /// Any other (`event-ext`), by name.
    Other(String),
}
