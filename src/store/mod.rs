//! Maildir storage: layout, uid list, keywords, sync, delivery.
//!
//! The store knows maildir and nothing of IMAP syntax. Mailbox names arrive
//! as UTF-8 with `/` between levels. One [`Store`] per server keeps one
//! [`MailboxShared`] per mailbox directory, which every session of the
//! process shares; sessions wait for changes through a [`Selection`].
//!
//! Locking: each mailbox has a mutex that serializes this process's
//! writers; inside it, scans and uid list writes take Dovecot's
//! `dovecot-uidlist.lock` dotlock (see `lock.rs`: made carrying `pid:host`
//! and `flock`ed while held, so a crashed holder is recognised at once;
//! not `flock`ed with `--shared-storage`, see `shared_storage.rs`), so
//! Dovecot's own tools can work on the same maildir at the same time.
//!
//! Changes: every new message, flag change and expunge gets the mailbox's
//! next mod-sequence (`changes.rs`, persisted in `modseq.rs`); views apply
//! the logged changes since their snapshot, messages live in shared chunks
//! (`entries.rs`), and new messages append to the uid list, so one change
//! costs what the change costs, not what the mailbox holds.
//!
//! Layout, from the bottom: plain data (`model.rs`, `entries.rs`, ...) and
//! files on disk (`uidlist.rs`, `lock.rs`, `atomic.rs`, ...); one mailbox
//! (`mailbox/`: its data in `mod.rs`, its behaviour in the children); the
//! registry of mailboxes (`registry.rs`, [`Store`]); an account's maildir
//! on top (`account.rs`). No file names one that names it back
//! (`tests/core_layers.rs` checks).

#![warn(missing_docs)]

pub mod account;
pub mod atomic;
pub mod cache;
pub mod changes;
pub mod entries;
pub mod error;
pub mod filename;
pub mod keywords;
pub mod linkfile;
pub mod listing;
pub mod lock;
pub mod mailbox;
pub mod maildirsize;
pub mod mapped;
pub mod memory;
pub mod model;
pub mod modseq;
pub mod name;
pub mod perms;
pub mod registry;
pub mod root;
pub mod shared_storage;
pub mod special_use;
pub mod subscriptions;
pub mod uidlist;

#[cfg(test)]
mod tests;

pub use account::{Account, MailboxInfo};
pub use changes::{Change, ChangeKind};
pub use entries::Entries;
pub use error::{Result, StoreError};
pub use filename::Flags;
pub use mailbox::modify::FlagOp;
pub use mailbox::watch::Watcher;
pub use mailbox::{Entry, MailboxShared, Snapshot, Status, SERVICE};
pub use registry::{Selection, Store};
pub use special_use::SpecialUse;
