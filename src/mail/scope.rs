//! What the mail layer is given of a session: the server's services, who
//! is logged in, and the session's name for the log. Handlers borrow one
//! from their session for each call.

use super::Login;
use crate::shared::Shared;

/// The logged-in user's side of a session, borrowed.
pub struct Scope<'a> {
    /// Server-wide state: the store, the accounts, the configuration.
    pub shared: &'a Shared,
    /// Who is logged in.
    pub login: &'a Login,
    /// The session's name in the log (`IMAP-nnnnn`).
    pub tag: String,
}
