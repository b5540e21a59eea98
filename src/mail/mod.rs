//! The mail layer between the command handlers (`cmd/`) and the store:
//! what a command means for the logged-in user's mail, apart from how it
//! was spelled. Resolution of names through namespaces and aliases, with
//! the user's rights and quota (`resolve`), mailbox names on the wire
//! (`names`), the walk over messages a SEARCH program makes (`messages`,
//! reading the cache through `cached`), flag lists (`flags`) and the
//! message set a command aims at (`target`).

pub mod cached;
pub mod flags;
pub mod held;
pub mod login;
pub mod message;
pub mod messages;
pub mod names;
pub mod resolve;
pub mod scope;
pub mod target;
pub mod urls;
pub mod view;

pub use login::Login;
pub use scope::Scope;
pub use view::View;
