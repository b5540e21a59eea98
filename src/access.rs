//! How a mailbox was reached: the account that holds it and the rights
//! held there. Plain data below the session and NOTIFY, so both can hold
//! one (the selected mailbox, a watched one) without importing each other;
//! `mail::resolve` makes one and gives it its methods.

use crate::acl::Rights;
use crate::auth::passwd::Account;
use crate::store;

/// A mailbox as the logged-in user reaches it.
pub struct Target {
    /// The account whose maildir holds the mailbox.
    pub account: store::Account,
    /// That account's passwd-file entry (its quota, its name).
    pub owner: Account,
    /// The mailbox's name in that account.
    pub name: String,
    /// The name as the client gave it.
    pub display: String,
    /// The logged-in user's rights on it.
    pub rights: Rights,
    /// Whether it is one of the user's own mailboxes.
    pub own: bool,
    /// Which `dovecot-acl` file `rights` were read from (see
    /// `client::Ctx::refresh_selected`).
    pub acl_stamp: Option<crate::acl::Stamp>,
    /// Whether `rights` were checked against the file since the last point
    /// that asks for a fresh look: the start of a command, a NOTIFY or IDLE
    /// wake, the view moving on (see `mail::resolve::selected_readable`).
    pub checked: bool,
}
