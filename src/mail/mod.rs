//! The mail layer between the command handlers (`cmd/`) and the store
//! (`cmd -> mail -> store`): what a command means for the logged-in user's
//! mail, apart from how it was spelled and from the connection. It is
//! given a [`Scope`] (the shared services and the [`Login`]) and the
//! selected mailbox's pieces ([`View`], `access::Target`), never the
//! session.
//!
//! Resolution of names through namespaces and aliases, with the user's
//! rights and quota (`resolve`), mailbox names on the wire (`names`), the
//! SEARCH program and the walk over messages it makes (`messages`, reading
//! the cache through `cached`), flags (`flags`), the message set a command
//! aims at (`target`), STATUS counts and items (`status`), the messages IMAP
//! URLs name for CATENATE and URLAUTH (`urls`, loading them as `message`),
//! and what a command holds of the memory budget (`held`).

pub mod cached;
pub mod fetch;
pub mod flags;
pub mod held;
pub mod login;
pub mod message;
pub mod messages;
pub mod names;
pub mod resolve;
pub mod scope;
pub mod sorted;
pub mod status;
pub mod target;
pub mod urls;
pub mod view;
pub mod watched;

pub use login::Login;
pub use scope::Scope;
pub use sorted::sorted;
pub use view::View;
