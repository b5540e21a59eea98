//! Who is logged in, as the mail layer sees it: the passwd-file account
//! and its maildir. Connection state (the stream, the dialect, the
//! selected mailbox) stays in the session.

use crate::auth::passwd::Account;
use crate::store;

/// The logged-in user: the passwd-file entry and the maildir.
pub struct Login {
    /// The account as the passwd-file describes it.
    pub account: Account,
    /// Its maildir.
    pub mail: store::Account,
}
