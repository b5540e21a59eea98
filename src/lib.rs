//! tegami: an IMAP server for maildir folders.
//!
//! Data flows one way:
//!
//! ```text
//! listener ─▶ pool ─▶ session ─▶ reader ─▶ parser ─▶ command table ─▶ handler ─▶ store
//!  (accept)  (cap)   (state)   (lines,    (typed     (states, seq     (one file   (maildir,
//!                               literals)  Command)   flags)           per cmd)    uids, cache)
//!                                                                         │
//!                                                    response writer ◀────┘
//! ```
//!
//! `proto` knows IMAP syntax and nothing of files; `store` knows maildir and
//! nothing of IMAP syntax. Between a handler and the store sits the mail
//! layer (`cmd -> mail -> store`): `mail` resolves names, rights and quota
//! for a login and walks messages, and knows nothing of the session.

pub mod access;
pub mod acl;
pub mod activity;
pub mod admin;
pub mod agentx;
pub mod alerts;
pub mod alias;
pub mod auth;
pub mod authhttp;
pub mod budget;
pub mod cmd;
pub mod collate;
pub mod config;
pub mod demo;
pub mod fetch;
pub mod logtext;
pub mod mail;
pub mod metadata;
pub mod mime;
pub mod monitor;
pub mod mutf7;
pub mod net;
pub mod notifier;
pub mod notify;
pub mod objectid;
pub mod origin;
pub mod proto;
pub mod quota;
pub mod search;
pub mod server;
pub mod session;
pub mod shared;
pub mod smime;
pub mod sort;
pub mod store;
pub mod thread;
pub mod urlauth;
